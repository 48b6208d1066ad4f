//! Build-task (execution) statuses and the rules attached to them (docs/reference.md §4.2, §5.1): which are
//! terminal, which count as running, and which can be cancelled.

use serde::{Deserialize, Serialize};

use super::refusal::Refusal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Preparing,
    Repairing,
    Building,
    Testing,
    Distributing,
    Releasing,
    Success,
    PartitionSuccess,
    Failed,
    TestFailed,
    Cancelling,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 12] = [
        Status::Preparing,
        Status::Repairing,
        Status::Building,
        Status::Testing,
        Status::Distributing,
        Status::Releasing,
        Status::Success,
        Status::PartitionSuccess,
        Status::Failed,
        Status::TestFailed,
        Status::Cancelling,
        Status::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Preparing => "PREPARING",
            Status::Repairing => "REPAIRING",
            Status::Building => "BUILDING",
            Status::Testing => "TESTING",
            Status::Distributing => "DISTRIBUTING",
            Status::Releasing => "RELEASING",
            Status::Success => "SUCCESS",
            Status::PartitionSuccess => "PARTITION_SUCCESS",
            Status::Failed => "FAILED",
            Status::TestFailed => "TEST_FAILED",
            Status::Cancelling => "CANCELLING",
            Status::Cancelled => "CANCELLED",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Terminal statuses (DOC-DELP): the template may be deleted or built again.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Status::Success | Status::PartitionSuccess | Status::Failed | Status::TestFailed | Status::Cancelled
        )
    }

    /// Cancellation is accepted only in PREPARING, REPAIRING and BUILDING (DOC-CANCEL, the current
    /// page; an older page said BUILDING/DISTRIBUTING/RELEASING — we follow the newer one).
    pub fn can_cancel(self) -> bool {
        matches!(self, Status::Preparing | Status::Repairing | Status::Building)
    }
}

/// The SQL list of terminal statuses, for queries.
pub const TERMINAL_SQL: &str = "('SUCCESS','PARTITION_SUCCESS','FAILED','TEST_FAILED','CANCELLED')";

/// A build's status (as `e.status`) is not terminal, spelt as the one-running-build index's
/// condition is (migration 0024: a chain of `<>`, which SQLite evaluates without the throw-away
/// B-tree an `IN` list costs on every row written), so that SQLite answers the query from that index.
pub const NOT_TERMINAL_SQL: &str = "e.status <> 'SUCCESS' AND e.status <> 'PARTITION_SUCCESS' \
     AND e.status <> 'FAILED' AND e.status <> 'TEST_FAILED' AND e.status <> 'CANCELLED'";

/// A build of a template that is not terminal yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningBuild {
    pub execution_id: String,
    pub status: String,
}

/// One build per template at a time: a start is refused while `running` exists.
pub fn check_can_start(pipeline_id: &str, running: Option<RunningBuild>) -> Result<(), Refusal> {
    match running {
        None => Ok(()),
        Some(r) => Err(Refusal::RunningExecution {
            pipeline_id: pipeline_id.to_string(),
            execution_id: r.execution_id,
            status: r.status,
        }),
    }
}

/// A template cannot be deleted while one of its builds is not terminal.
pub fn check_can_delete_pipeline(pipeline_id: &str, running: Option<RunningBuild>) -> Result<(), Refusal> {
    match running {
        None => Ok(()),
        Some(r) => Err(Refusal::DeleteWithRunningExecution {
            pipeline_id: pipeline_id.to_string(),
            execution_id: r.execution_id,
            status: r.status,
        }),
    }
}

/// What a cancel does to a build in `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelDecision {
    /// Already CANCELLING: a repeated cancel succeeds and changes nothing.
    AlreadyCancelling,
    /// Cancel now (PREPARING, REPAIRING, BUILDING).
    Cancel,
}

/// Cancellation rules (docs/reference.md §4.2): terminal builds refuse with `CancelFinished`, TESTING and
/// later phases with `CancelNotNow`.
pub fn cancel_decision(id: &str, status: Status) -> Result<CancelDecision, Refusal> {
    match status {
        Status::Cancelling => Ok(CancelDecision::AlreadyCancelling),
        s if s.is_terminal() => Err(Refusal::CancelFinished),
        s if !s.can_cancel() => Err(Refusal::CancelNotNow { id: id.to_string(), status: s.as_str().to_string() }),
        _ => Ok(CancelDecision::Cancel),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_and_partition_as_documented() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
            assert!(!(s.is_terminal() && s.can_cancel()));
        }
        let terminal: Vec<&str> = Status::ALL.iter().filter(|s| s.is_terminal()).map(|s| s.as_str()).collect();
        assert_eq!(terminal, ["SUCCESS", "PARTITION_SUCCESS", "FAILED", "TEST_FAILED", "CANCELLED"]);
        for t in &terminal {
            assert!(TERMINAL_SQL.contains(&format!("'{t}'")));
            assert!(NOT_TERMINAL_SQL.contains(&format!("e.status <> '{t}'")));
        }
        assert_eq!(NOT_TERMINAL_SQL.matches("<>").count(), terminal.len());
        assert!(Status::Building.can_cancel() && !Status::Testing.can_cancel() && !Status::Cancelling.can_cancel());
    }

    #[test]
    fn cancel_and_start_rules() {
        assert_eq!(cancel_decision("e", Status::Cancelling), Ok(CancelDecision::AlreadyCancelling));
        assert_eq!(cancel_decision("e", Status::Building), Ok(CancelDecision::Cancel));
        assert_eq!(cancel_decision("e", Status::Success), Err(Refusal::CancelFinished));
        assert_eq!(
            cancel_decision("e", Status::Testing),
            Err(Refusal::CancelNotNow { id: "e".into(), status: "TESTING".into() })
        );
        let running = RunningBuild { execution_id: "x".into(), status: "BUILDING".into() };
        assert!(check_can_start("p", None).is_ok());
        assert!(matches!(check_can_start("p", Some(running.clone())), Err(Refusal::RunningExecution { .. })));
        assert!(matches!(
            check_can_delete_pipeline("p", Some(running)),
            Err(Refusal::DeleteWithRunningExecution { .. })
        ));
    }
}
