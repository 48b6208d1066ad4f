//! The execution model of a build (pure data + serde): the [`Execution`] aggregate, its
//! [`Runtime`] state, the [`Step`]s of its plan and their [`Effect`]s, and the persisted plan
//! format (`format`: [`encode_plan`], [`decode_plan`]). Planning is `engine::plan`; storing is
//! `store::executions`.

mod format;
mod step;

use serde::{Deserialize, Serialize};

use crate::domain::execution::Status;
use crate::domain::tags::Tag;
pub use format::{decode_plan, encode_plan, plan_len, PlanError};
pub use step::{Durations, Effect, ErrorInfo, NewImage, Step, TransitInstance};

/// A build execution with its plan and runtime state.
#[derive(Debug, Clone)]
pub struct Execution {
    pub id: String,
    pub account: String,
    pub region: String,
    pub pipeline_id: String,
    pub status: Status,
    pub message: String,
    pub image_id: Option<String>,
    pub error_code: Option<String>,
    pub error_info: Option<String>,
    pub resource_group_id: Option<String>,
    pub created_ms: i64,
    pub modified_ms: i64,
    pub next_due_ms: Option<i64>,
    pub cursor: usize,
    pub plan: Vec<Step>,
    /// Whether `plan` changed since it was loaded (failure or cancel): only then is it rewritten.
    pub plan_changed: bool,
    pub runtime: Runtime,
}

/// An execution's state beyond its status: what exists, what it made, how it should fail.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Runtime {
    pub live: Live,
    pub image_id: Option<String>,
    pub copies: Vec<String>,
    pub partial_errors: Vec<ErrorInfo>,
    /// `DeleteInstanceOnFailure=false`: a failed build keeps its transit instance.
    pub keep_instances_on_failure: bool,
    /// `--phase-duration` in force when the build started (None: realistic durations).
    pub per_phase_ms: Option<i64>,
    /// `ImageOptions.ImageTags` for the images made.
    pub image_tags: Vec<Tag>,
    /// Stopped by a scripted HOLD until released.
    #[serde(default)]
    pub held: bool,
    /// Events recorded so far (the next event's sequence number minus one).
    pub events: i64,
    /// The last `seq` of this build's rows in `transit_resources` and in `images` (they list in
    /// insertion order, migration 0012), counted here so that a tick need not read them back;
    /// `None` for a build started before they were counted (a tick reads them once).
    #[serde(default)]
    pub row_seqs: Option<RowSeqs>,
}

/// The last `seq` of a build's rows in `transit_resources` and in `images` (0: none yet).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowSeqs {
    pub resources: i64,
    pub images: i64,
}

impl Execution {
    /// Cancels the build: the remaining steps become `tail` (releasing what exists, then
    /// CANCELLED), due at once, in status CANCELLING.
    pub fn cancel(&mut self, tail: Vec<Step>, now_ms: i64) {
        self.plan.truncate(self.cursor);
        self.plan.extend(tail);
        self.plan_changed = true;
        self.runtime.held = false;
        self.status = Status::Cancelling;
        self.message = "Cancelling the image pipeline execution.".into();
        self.modified_ms = now_ms;
        self.next_due_ms = Some(now_ms);
    }
}

impl Runtime {
    pub fn durations(&self) -> Durations {
        self.per_phase_ms.map_or(Durations::Realistic, Durations::PerPhase)
    }
}

/// Temporary resources that exist at some point of a build.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Live {
    pub instances: Vec<String>,
    pub network: Option<(String, String)>,
}
