//! Scripted build outcomes (control plane): what the next build(s) of a template do instead of
//! following the simulation rules. The grammar is shared by `POST /_emulator/outcomes` and the
//! reserved template tag `emulator:outcome`:
//!
//! - `FAILED@<PHASE>`: fail when the build reaches PHASE (PREPARING … RELEASING);
//! - `TEST_FAILED`: fail the tests (the image is kept);
//! - `PARTITION_SUCCESS`: distribution fails for the listed regions/accounts (or the first target);
//! - `HOLD@<PHASE>`: stop at the start of PHASE until released
//!   (`POST /_emulator/executions/{id}/release`).

use serde::{Deserialize, Serialize};

use super::execution::Status;

/// The reserved template tag keys.
pub const OUTCOME_TAG: &str = "emulator:outcome";
pub const MESSAGE_TAG: &str = "emulator:message";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Fail(Status),
    TestFailed,
    PartitionSuccess,
    Hold(Status),
}

/// The phases a build passes through, in order.
pub const PHASES: [Status; 6] =
    [Status::Preparing, Status::Repairing, Status::Building, Status::Testing, Status::Distributing, Status::Releasing];

pub fn phase_order(status: Status) -> usize {
    PHASES.iter().position(|p| *p == status).unwrap_or(PHASES.len())
}

impl Outcome {
    pub fn parse(text: &str) -> Result<Outcome, String> {
        let phase = |name: &str| {
            Status::parse(name)
                .filter(|s| PHASES.contains(s))
                .ok_or_else(|| format!("\"{name}\" is not a build phase (PREPARING, REPAIRING, BUILDING, TESTING, DISTRIBUTING, RELEASING)"))
        };
        match text.trim().split_once('@') {
            Some(("FAILED", p)) => phase(p).map(Outcome::Fail),
            Some(("HOLD", p)) => phase(p).map(Outcome::Hold),
            None if text.trim() == "TEST_FAILED" => Ok(Outcome::TestFailed),
            None if text.trim() == "PARTITION_SUCCESS" => Ok(Outcome::PartitionSuccess),
            _ => Err(format!(
                "\"{text}\" is not an outcome: use FAILED@<PHASE>, TEST_FAILED, PARTITION_SUCCESS or HOLD@<PHASE>"
            )),
        }
    }

    pub fn label(&self) -> String {
        match self {
            Outcome::Fail(p) => format!("FAILED@{}", p.as_str()),
            Outcome::TestFailed => "TEST_FAILED".into(),
            Outcome::PartitionSuccess => "PARTITION_SUCCESS".into(),
            Outcome::Hold(p) => format!("HOLD@{}", p.as_str()),
        }
    }
}

/// A scripted outcome with what it applies to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutcomeRule {
    /// Only builds of this account (default: any).
    pub account: Option<String>,
    /// Only builds of this template, by ID (`ip-…`) or by name (default: any).
    pub pipeline: Option<String>,
    /// The outcome, in the grammar above.
    pub outcome: String,
    /// Message / ErrorInfo of the failure.
    pub message: Option<String>,
    /// ErrorCode of the failure (default `ScriptedFailure`).
    pub error_code: Option<String>,
    /// PARTITION_SUCCESS: regions whose copy fails, accounts whose share fails.
    #[serde(default)]
    pub regions: Vec<String>,
    #[serde(default)]
    pub accounts: Vec<String>,
    /// How many builds it applies to (default: every matching build until deleted).
    pub count: Option<u64>,
}

/// The default `ErrorCode` of a scripted failure.
pub const SCRIPTED_ERROR_CODE: &str = "ScriptedFailure";

impl OutcomeRule {
    pub fn validate(&self) -> Result<Outcome, String> {
        if self.count == Some(0) {
            return Err("\"count\" must be at least 1".into());
        }
        Outcome::parse(&self.outcome)
    }

    pub fn matches(&self, account: &str, pipeline_id: &str, pipeline_name: &str) -> bool {
        self.account.as_deref().is_none_or(|a| a == account)
            && self.pipeline.as_deref().is_none_or(|p| p == pipeline_id || p == pipeline_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grammar_parses_every_outcome_and_refuses_the_rest() {
        assert_eq!(Outcome::parse("FAILED@BUILDING"), Ok(Outcome::Fail(Status::Building)));
        assert_eq!(Outcome::parse("HOLD@DISTRIBUTING"), Ok(Outcome::Hold(Status::Distributing)));
        assert_eq!(Outcome::parse("TEST_FAILED"), Ok(Outcome::TestFailed));
        assert_eq!(Outcome::parse("PARTITION_SUCCESS"), Ok(Outcome::PartitionSuccess));
        for bad in ["FAILED@SUCCESS", "FAILED", "HOLD@nowhere", "SUCCESS", ""] {
            assert!(Outcome::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Outcome::parse("FAILED@TESTING").map(|o| o.label()), Ok("FAILED@TESTING".to_string()));
    }

    #[test]
    fn rules_match_by_account_and_template_id_or_name() {
        let rule = OutcomeRule {
            account: Some("1".into()),
            pipeline: Some("web".into()),
            outcome: "TEST_FAILED".into(),
            message: None,
            error_code: None,
            regions: vec![],
            accounts: vec![],
            count: None,
        };
        assert!(rule.matches("1", "ip-x", "web"));
        assert!(!rule.matches("2", "ip-x", "web"));
        assert!(!rule.matches("1", "ip-x", "api"));
        assert!(OutcomeRule { pipeline: Some("ip-x".into()), ..rule.clone() }.matches("1", "ip-x", "other"));
    }
}
