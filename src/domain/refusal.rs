//! Every business refusal the rules of `domain` can answer, with the data its message needs and no
//! wire code: `actions::refusals` maps each to its `Code` and message, in one place.

use super::component::Version;
use super::network::CidrProblem;

/// Why a rule refused a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A ClientToken used before with other parameters.
    TokenReused,
    /// `DryRun=true` on a request that would have succeeded.
    DryRun,

    PipelineNotFound {
        id: String,
    },
    PipelineQuota {
        quota: u64,
    },
    /// A start while another build of the template is not terminal.
    RunningExecution {
        pipeline_id: String,
        execution_id: String,
        status: String,
    },
    /// A template delete while one of its builds is not terminal.
    DeleteWithRunningExecution {
        pipeline_id: String,
        execution_id: String,
        status: String,
    },

    ExecutionNotFound {
        id: String,
    },
    /// A cancel of a build already finished.
    CancelFinished,
    /// A cancel in a status that cannot be cancelled (neither terminal nor cancellable).
    CancelNotNow {
        id: String,
        status: String,
    },

    ComponentQuota {
        quota: u64,
    },
    /// The next major version of `name` would not fit.
    ComponentMajorExhausted {
        name: String,
        highest: Version,
    },
    ComponentVersionExists {
        name: String,
        version: Version,
    },
    ComponentNotFound {
        id: String,
    },
    ComponentInUse {
        id: String,
        pipeline_id: String,
    },

    ImageNotFound {
        id: String,
    },
    /// ModifyImageAttribute to a name the account uses in the region.
    ImageNameTaken {
        name: String,
    },
    /// A delete of a shared image without `Force`.
    ImageShared,
    ShareQuota {
        max_accounts: usize,
    },
    /// CopyImage to a name the account uses in the destination.
    CopyNameTaken {
        name: String,
        region: String,
    },
    /// CopyImage while another copy of the source to the destination is in flight.
    CopyConflict {
        source: String,
        destination: String,
        other: String,
    },
    /// CancelCopyImage of an image that is not a copy in flight.
    CopyNotInFlight(CopyEnd),

    ResourceTypeNotFound,
    /// JoinResourceGroup of a resource the tenant does not own.
    ResourceNotFound {
        id: String,
    },
    /// Tag APIs: these resources are not the tenant's.
    ResourcesNotFound {
        ids: Vec<String>,
    },
    ResourceGroupDuplicate {
        id: String,
        group: String,
    },
    TagKeyDuplication {
        id: String,
        key: String,
    },
    TagQuota {
        id: String,
        count: usize,
        max: usize,
    },

    VpcNotFound {
        id: String,
    },
    VSwitchNotFound {
        id: String,
    },
    VpcPending {
        id: String,
    },
    VSwitchPending {
        id: String,
    },
    VpcHasVSwitches {
        id: String,
        count: i64,
    },
    VSwitchUsedByBuild {
        id: String,
        execution_id: String,
    },
    VSwitchUsedByTemplate {
        id: String,
        pipeline_id: String,
    },
    /// A vSwitch CIDR block (or mask, as `/N`) that does not fit.
    Cidr {
        problem: CidrProblem,
        requested: String,
    },
}

/// Why a copy cannot be cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyEnd {
    Failed,
    Completed,
    NotCopying,
}
