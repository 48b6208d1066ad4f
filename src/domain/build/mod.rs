//! The execution model of a build (pure data + serde): the [`Execution`] aggregate, its
//! [`Runtime`] state, the [`Step`]s of its plan and their [`Effect`]s, and the persisted plan
//! format ([`encode_plan`], [`decode_plan`]). Planning is `engine::plan`; storing is
//! `store::executions`.

mod step;

use serde::{Deserialize, Serialize};

use crate::domain::execution::Status;
use crate::domain::tags::Tag;
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

/// The version written by [`encode_plan`]. Version 1 (before the field existed) was the bare JSON
/// array of steps; [`decode_plan`] still reads it, so builds in flight and snapshots taken before
/// the version was introduced keep working.
pub const PLAN_FORMAT: u32 = 2;

#[derive(Serialize)]
struct PlanOut<'a> {
    v: u32,
    steps: &'a [Step],
}

/// A stored plan of version 2, its version checked once its steps are read.
#[derive(Deserialize)]
struct PlanIn {
    v: u32,
    steps: Vec<Step>,
}

/// The version of a stored plan whose steps did not decode (the rest skipped unread).
#[derive(Deserialize)]
struct PlanVersion {
    v: u32,
}

/// A plan as stored: `{"v":2,"steps":[…]}`.
pub fn encode_plan(steps: &[Step]) -> serde_json::Result<String> {
    serde_json::to_string(&PlanOut { v: PLAN_FORMAT, steps })
}

/// Reads a stored plan of any known format (version 2, or version 1's bare array).
/// The engine decodes the plan of every build each time a step of it is due, so the document is
/// read once: the format is told by the first character rather than by trying each shape (serde's
/// untagged enums buffer the whole document first), and a version-2 plan's version is checked
/// after its steps are read (read first, on its own, it cost a second pass over every plan). Only
/// steps that do not decode have the version read again, so an unknown version says so.
pub fn decode_plan(text: &str) -> serde_json::Result<Vec<Step>> {
    if text.trim_start().starts_with('[') {
        return serde_json::from_str(text);
    }
    let unknown =
        |v: u32| serde::de::Error::custom(format!("unknown plan format version {v} (this emulator reads 1 and 2)"));
    match serde_json::from_str::<PlanIn>(text) {
        Ok(PlanIn { v: PLAN_FORMAT, steps }) => Ok(steps),
        Ok(PlanIn { v, .. }) => Err(unknown(v)),
        Err(err) => match serde_json::from_str::<PlanVersion>(text) {
            Ok(PlanVersion { v }) if v != PLAN_FORMAT => Err(unknown(v)),
            _ => Err(err),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A build in flight stored by the emulator before plans had a format version (a real row:
    /// `tests/fixtures/plan-v1.json`) still decodes, and re-encodes as version 2 to the same steps.
    #[test]
    fn a_version_1_plan_and_runtime_from_before_decode() {
        let fixture: serde_json::Value =
            serde_json::from_str(include_str!("../../../tests/fixtures/plan-v1.json")).expect("fixture");
        let plan = fixture["plan"].as_str().expect("plan column");
        assert!(plan.starts_with('['), "the fixture is the old bare-array format");
        let steps = decode_plan(plan).expect("version 1 decodes");
        assert!(steps.len() > 3);
        assert!(matches!(steps[0].effect, Effect::CreateNetwork { .. }));
        assert!(matches!(steps.last().map(|s| &s.effect), Some(Effect::Finish { status: Status::Success, .. })));
        let runtime: Runtime =
            serde_json::from_str(fixture["runtime"].as_str().expect("runtime column")).expect("runtime decodes");
        assert_eq!(runtime.live.instances.len(), 1);

        let encoded = encode_plan(&steps).expect("encodes");
        assert!(encoded.starts_with(r#"{"v":2,"steps":["#));
        assert_eq!(decode_plan(&encoded).expect("version 2 decodes"), steps);
        for unknown in [r#"{"v":3,"steps":[]}"#, r#"{"v":3,"steps":[{"new":"shape"}]}"#] {
            let err = decode_plan(unknown).expect_err("an unknown version is refused").to_string();
            assert!(err.starts_with("unknown plan format version 3"), "{err}");
        }
    }
}
