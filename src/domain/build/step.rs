//! The persisted steps of a build plan and what each does (pure data + serde). The planning
//! itself (which steps, in which order) is `engine::plan`.

use serde::{Deserialize, Serialize};

use crate::domain::execution::Status;

/// What a step does to the simulated world when it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effect {
    /// Only a status/message change.
    Note,
    CreateNetwork {
        vpc_id: String,
        vswitch_id: String,
    },
    CreateInstance {
        instance: TransitInstance,
    },
    /// A command of BuildContent/TestContent; `failure` is set when the simulation rules say it fails.
    RunCommand {
        failure: Option<String>,
    },
    RestartInstance {
        instance_id: String,
    },
    CreateImage {
        image: NewImage,
    },
    CopyImage {
        target_region: String,
        image_id: String,
        failure: Option<String>,
    },
    ShareImage {
        account: String,
        failure: Option<String>,
    },
    ReleaseInstance {
        instance_id: String,
    },
    ReleaseNetwork {
        vpc_id: String,
        vswitch_id: String,
    },
    /// A scripted failure (control plane): FAILED, or TEST_FAILED in the TESTING phase.
    Fail {
        code: String,
        info: String,
    },
    /// A scripted distribution error: the build ends PARTITION_SUCCESS.
    PartialFailure {
        code: String,
        info: String,
    },
    /// A scripted stop: the build waits here until released.
    Hold,
    /// The last step: the terminal status (SUCCESS becomes PARTITION_SUCCESS after partial errors).
    Finish {
        status: Status,
        error: Option<ErrorInfo>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorInfo {
    pub code: String,
    pub info: String,
}

/// A simulated intermediate (transit) instance (docs/reference.md §5.5), serialised with ECS-style keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TransitInstance {
    #[serde(rename = "InstanceId")]
    pub id: String,
    pub purpose: String,
    pub instance_type: String,
    pub system_disk_size: i64,
    pub internet_max_bandwidth_out: i64,
    pub vswitch_id: String,
    pub source_image: String,
}

/// The image a build creates in the template's region (docs/reference.md §5.6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewImage {
    pub id: String,
    pub name: String,
    pub family: Option<String>,
    pub description: Option<String>,
    /// Stored in plans as its text (`supported`, …), as when it was a string.
    pub nvme_support: Option<crate::domain::image::NvmeSupport>,
    pub source_image: String,
    pub size_gib: i64,
    pub platform: String,
    pub os_name: String,
    pub architecture: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub status: Status,
    pub duration_ms: i64,
    pub message: String,
    pub effect: Effect,
}

/// How long steps take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durations {
    /// Each step takes a realistic time of its own (tens of seconds).
    Realistic,
    /// Every phase takes this long in total, split evenly over its steps (`--phase-duration`).
    PerPhase(i64),
}
