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
//!
//! The outcome text is parsed once, where a rule is made (`OutcomeRule::<String>::parse` for the
//! control plane, [`OutcomeRule::from_tags`] for the tags); a rule holds the typed [`Outcome`] and
//! stores it as the same text.

use serde::{Deserialize, Serialize};

use super::execution::Status;

/// The reserved template tag keys.
pub const OUTCOME_TAG: &str = "emulator:outcome";
pub const MESSAGE_TAG: &str = "emulator:message";

/// A parsed outcome; serialised as its text (`FAILED@BUILDING`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

impl Serialize for Outcome {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.label())
    }
}

impl<'de> Deserialize<'de> for Outcome {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Outcome::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A scripted outcome with what it applies to. `O` is [`Outcome`] once parsed; a control-plane
/// request body is read as `OutcomeRule<String>` first so a bad outcome gets its own message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutcomeRule<O = Outcome> {
    /// Only builds of this account (default: any).
    pub account: Option<String>,
    /// Only builds of this template, by ID (`ip-…`) or by name (default: any).
    pub pipeline: Option<String>,
    /// The outcome, in the grammar above.
    pub outcome: O,
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

impl OutcomeRule<String> {
    /// The rule with its outcome parsed, or why it is refused (a `count` of 0, a bad outcome).
    pub fn parse(self) -> Result<OutcomeRule, String> {
        if self.count == Some(0) {
            return Err("\"count\" must be at least 1".into());
        }
        Ok(OutcomeRule {
            outcome: Outcome::parse(&self.outcome)?,
            account: self.account,
            pipeline: self.pipeline,
            message: self.message,
            error_code: self.error_code,
            regions: self.regions,
            accounts: self.accounts,
            count: self.count,
            image: self.image,
        })
    }
}

impl OutcomeRule {
    /// The rule the reserved tags `emulator:outcome` (and `emulator:message`) of a template or a
    /// source image script, for users who cannot call the control plane (Terraform, curl). A tag
    /// value that is not an outcome scripts nothing (the build or copy follows the rules).
    pub fn from_tags(tags: &[super::tags::Tag]) -> Option<OutcomeRule> {
        let value = |key: &str| tags.iter().find(|t| t.key == key).map(|t| t.value.clone());
        let outcome = Outcome::parse(&value(OUTCOME_TAG)?).ok()?;
        Some(OutcomeRule {
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
            && copy_fails(self.outcome, &self.regions, destination)
    }
}

/// Whether `outcome` (with its `regions`) fails a copy to `destination`.
pub fn copy_fails(outcome: Outcome, regions: &[String], destination: &str) -> bool {
    match outcome {
        Outcome::Fail(Status::Distributing) => true,
        Outcome::PartitionSuccess => regions.is_empty() || regions.iter().any(|r| r == destination),
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
            outcome: Outcome::TestFailed,
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
            outcome: Outcome::Fail(Status::Distributing),
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
            OutcomeRule { outcome: Outcome::PartitionSuccess, regions: vec!["cn-shanghai".into()], ..rule.clone() };
        assert!(partition.matches_copy("1", "m-1", "cn-shanghai"));
        assert!(!partition.matches_copy("1", "m-1", "cn-beijing"));
        assert!(!OutcomeRule { outcome: Outcome::Fail(Status::Building), ..rule.clone() }.matches_copy("1", "m-1", "x"));
        assert!(!OutcomeRule { pipeline: Some("web".into()), ..rule }.matches_copy("1", "m-1", "cn-beijing"));
    }

    #[test]
    fn a_rule_is_parsed_once_and_stored_as_the_same_text() {
        let stored = r#"{"account":null,"pipeline":"web","outcome":"FAILED@BUILDING","message":"disk full","errorCode":"DiskFull","regions":[],"accounts":[],"count":1}"#;
        let body: OutcomeRule<String> = serde_json::from_str(stored).unwrap_or_else(|e| panic!("{e}"));
        let rule = body.parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rule.outcome, Outcome::Fail(Status::Building));
        assert_eq!(serde_json::to_string(&rule).ok().as_deref(), Some(stored));
        let loaded: OutcomeRule = serde_json::from_str(stored).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(loaded, rule);

        let refuse = |outcome: &str, count: Option<u64>| {
            let body: OutcomeRule<String> = serde_json::from_str(&format!(
                r#"{{"outcome":"{outcome}","count":{}}}"#,
                count.map_or("null".to_string(), |c| c.to_string())
            ))
            .unwrap_or_else(|e| panic!("{e}"));
            body.parse().err()
        };
        assert_eq!(refuse("TEST_FAILED", Some(0)).as_deref(), Some("\"count\" must be at least 1"));
        assert!(refuse("SUCCESS", None).is_some_and(|m| m.contains("is not an outcome")));
        assert!(refuse("FAILED@NOWHERE", None).is_some_and(|m| m.contains("is not a build phase")));
        assert_eq!(refuse("HOLD@TESTING", Some(2)), None);
    }

    #[test]
    fn a_tag_that_is_not_an_outcome_scripts_nothing() {
        let tag = |value: &str| vec![super::super::tags::Tag { key: OUTCOME_TAG.into(), value: value.into() }];
        assert_eq!(OutcomeRule::from_tags(&tag("TEST_FAILED")).map(|r| r.outcome), Some(Outcome::TestFailed));
        assert_eq!(OutcomeRule::from_tags(&tag("FAILED@SOMEWHERE")), None);
        assert_eq!(OutcomeRule::from_tags(&[]), None);
    }
}
