//! Scripted build outcomes (control plane): what the next build(s) of a template do instead of
//! following the simulation rules. The grammar is shared by `POST /_emulator/outcomes` and the
//! reserved template tag `emulator:outcome`:
//!
//! - `FAILED@<PHASE>`: fail when the build reaches PHASE (PREPARING … RELEASING);
//! - `TEST_FAILED`: fail the tests (the image is kept);
//! - `PARTITION_SUCCESS`: distribution fails for the listed regions/accounts (or the first target);
//! - `HOLD@<PHASE>`: stop at the start of PHASE until released
//!   (`POST /_emulator/executions/{id}/release`).
//!
//! `CopyImage` copies follow the same rules as a build's copies (its DISTRIBUTING phase): a
//! `FAILED@DISTRIBUTING` rule fails the copy, a `PARTITION_SUCCESS` rule fails it when its
//! destination is one of `regions` (or `regions` is empty). A rule with `image` (a source image ID)
//! applies only to copies of that image; the tag `emulator:outcome` on a source image scripts every
//! copy of it.

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
    /// Only `CopyImage` copies of this source image (then it never applies to builds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
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

    /// The rule the reserved tags `emulator:outcome` (and `emulator:message`) of a template or a
    /// source image script, for users who cannot call the control plane (Terraform, curl).
    pub fn from_tags(tags: &[super::tags::Tag]) -> Option<OutcomeRule> {
        let value = |key: &str| tags.iter().find(|t| t.key == key).map(|t| t.value.clone());
        value(OUTCOME_TAG).map(|outcome| OutcomeRule {
            account: None,
            pipeline: None,
            outcome,
            message: value(MESSAGE_TAG),
            error_code: None,
            regions: Vec::new(),
            accounts: Vec::new(),
            count: None,
            image: None,
        })
    }

    pub fn matches(&self, account: &str, pipeline_id: &str, pipeline_name: &str) -> bool {
        self.image.is_none()
            && self.account.as_deref().is_none_or(|a| a == account)
            && self.pipeline.as_deref().is_none_or(|p| p == pipeline_id || p == pipeline_name)
    }

    /// Whether it applies to a `CopyImage` of `source` to `destination` by `account`: no template
    /// named, the image (if named) is the source, and the outcome fails a copy there.
    pub fn matches_copy(&self, account: &str, source: &str, destination: &str) -> bool {
        self.pipeline.is_none()
            && self.account.as_deref().is_none_or(|a| a == account)
            && self.image.as_deref().is_none_or(|i| i == source)
            && copy_fails(Outcome::parse(&self.outcome), &self.regions, destination)
    }
}

/// Whether `outcome` (with its `regions`) fails a copy to `destination`.
pub fn copy_fails(outcome: Result<Outcome, String>, regions: &[String], destination: &str) -> bool {
    match outcome {
        Ok(Outcome::Fail(Status::Distributing)) => true,
        Ok(Outcome::PartitionSuccess) => regions.is_empty() || regions.iter().any(|r| r == destination),
        _ => false,
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
            image: None,
        };
        assert!(rule.matches("1", "ip-x", "web"));
        assert!(!rule.matches("2", "ip-x", "web"));
        assert!(!rule.matches("1", "ip-x", "api"));
        assert!(OutcomeRule { pipeline: Some("ip-x".into()), ..rule.clone() }.matches("1", "ip-x", "other"));
        assert!(!OutcomeRule { image: Some("m-1".into()), pipeline: None, ..rule }.matches("1", "ip-x", "web"));
    }

    #[test]
    fn copy_rules_fail_copies_as_distribution_failures() {
        let rule = OutcomeRule {
            account: None,
            pipeline: None,
            outcome: "FAILED@DISTRIBUTING".into(),
            message: None,
            error_code: None,
            regions: vec![],
            accounts: vec![],
            count: None,
            image: Some("m-1".into()),
        };
        assert!(rule.matches_copy("1", "m-1", "cn-beijing"));
        assert!(!rule.matches_copy("1", "m-2", "cn-beijing"));
        let partition =
            OutcomeRule { outcome: "PARTITION_SUCCESS".into(), regions: vec!["cn-shanghai".into()], ..rule.clone() };
        assert!(partition.matches_copy("1", "m-1", "cn-shanghai"));
        assert!(!partition.matches_copy("1", "m-1", "cn-beijing"));
        assert!(!OutcomeRule { outcome: "FAILED@BUILDING".into(), ..rule.clone() }.matches_copy("1", "m-1", "x"));
        assert!(!OutcomeRule { pipeline: Some("web".into()), ..rule }.matches_copy("1", "m-1", "cn-beijing"));
    }
}
