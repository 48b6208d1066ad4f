//! API fault injection: rules that make matching RPC calls fail with a documented code (the ones
//! SDKs and Terraform retry on — `Throttling.User`, `ServiceUnavailable`, `InternalError` — or any
//! other code of the error table) or answer late. Rules match action / account / region and fire
//! with a probability, on the n-th matching call, a limited number of times, and within a window
//! of emulator time. In memory; a full reset clears them. `shared` applies them around the RPC
//! handler (and keeps them in the database when replicas share one); the control plane edits them.

use std::sync::Mutex;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::domain::limits::{MAX_FAULT_FIELD_BYTES, MAX_FAULT_LATENCY_MS as MAX_LATENCY_MS, MAX_FAULT_RULES};
use crate::error::{ApiError, Code};

/// The longest rule window (`afterSeconds`, `forSeconds`): about 100 years.
const MAX_WINDOW_SECONDS: f64 = 100.0 * 365.0 * 24.0 * 3600.0;

/// Seconds as milliseconds, saturating (values are validated, this keeps arithmetic panic-free).
fn ms(seconds: f64) -> i64 {
    (seconds * 1000.0) as i64
}

/// A fault rule as posted to `/_emulator/faults`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultSpec {
    pub action: Option<String>,
    pub account: Option<String>,
    pub region: Option<String>,
    /// The wire code to answer with (its documented HTTP status applies).
    pub error: Option<String>,
    /// Message to send instead of the code's default one.
    pub message: Option<String>,
    /// Delay added before the call is handled, in real milliseconds.
    pub latency_ms: Option<u64>,
    /// Chance (0–1) that a matching call is hit; default 1.
    pub probability: Option<f64>,
    /// Only the n-th matching call (1-based) is hit.
    pub nth: Option<u64>,
    /// At most this many hits; default unlimited.
    pub count: Option<u64>,
    /// Active from this many emulator seconds after the rule is added …
    pub after_seconds: Option<f64>,
    /// … for this many emulator seconds; default forever.
    pub for_seconds: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultRule {
    pub id: String,
    #[serde(flatten)]
    pub spec: FaultSpec,
    pub created_ms: i64,
    /// Matching calls seen, and how many were hit.
    pub matched: u64,
    pub fired: u64,
}

/// What to do to one call.
#[derive(Debug, Clone, Default)]
pub struct Injection {
    pub error: Option<ApiError>,
    pub latency_ms: u64,
}

pub struct Faults {
    rules: Mutex<Vec<FaultRule>>,
    rng: Mutex<StdRng>,
    next_id: Mutex<u64>,
}

impl Faults {
    /// `seed` makes probabilistic rules reproducible (`--id-seed`).
    pub fn new(seed: Option<u64>) -> Self {
        let rng = seed.map_or_else(StdRng::from_entropy, StdRng::seed_from_u64);
        Faults { rules: Mutex::new(Vec::new()), rng: Mutex::new(rng), next_id: Mutex::new(1) }
    }

    /// Checks a rule as posted (the reason if it is refused).
    pub fn validate(spec: &FaultSpec) -> Result<(), String> {
        for (name, value) in [
            ("action", &spec.action),
            ("account", &spec.account),
            ("region", &spec.region),
            ("error", &spec.error),
            ("message", &spec.message),
        ] {
            if value.as_ref().is_some_and(|v| v.len() > MAX_FAULT_FIELD_BYTES) {
                return Err(format!("\"{name}\" is longer than {MAX_FAULT_FIELD_BYTES} bytes"));
            }
        }
        if spec.latency_ms.is_some_and(|ms| ms > MAX_LATENCY_MS) {
            return Err(format!("\"latencyMs\" is at most {MAX_LATENCY_MS} (one minute)"));
        }
        if spec.error.is_none() && spec.latency_ms.is_none() {
            return Err("a fault rule needs \"error\" or \"latencyMs\"".into());
        }
        if let Some(code) = &spec.error {
            if !Code::ALL.iter().any(|c| c.as_str() == code) {
                return Err(format!("unknown error code \"{code}\"; use a code of the error table, such as Throttling.User, ServiceUnavailable or InternalError"));
            }
        }
        if spec.probability.is_some_and(|p| !(0.0..=1.0).contains(&p)) {
            return Err("\"probability\" must be between 0 and 1".into());
        }
        if spec.nth == Some(0) {
            return Err("\"nth\" is 1-based".into());
        }
        for (name, value) in [("afterSeconds", spec.after_seconds), ("forSeconds", spec.for_seconds)] {
            if value.is_some_and(|v| !v.is_finite() || !(0.0..=MAX_WINDOW_SECONDS).contains(&v)) {
                return Err(format!("\"{name}\" must be between 0 and {MAX_WINDOW_SECONDS} seconds"));
            }
        }
        Ok(())
    }

    /// Validates and adds a rule.
    pub fn add(&self, spec: FaultSpec, now_ms: i64) -> Result<FaultRule, String> {
        Faults::validate(&spec)?;
        let mut next = self.next_id.lock().map_err(|_| "fault rules are unavailable")?;
        let mut rules = self.rules.lock().map_err(|_| "fault rules are unavailable")?;
        if rules.len() >= MAX_FAULT_RULES {
            return Err(format!("{MAX_FAULT_RULES} fault rules exist, the most the emulator keeps; delete some first"));
        }
        let rule = FaultRule { id: format!("fault-{}", *next), spec, created_ms: now_ms, matched: 0, fired: 0 };
        *next += 1;
        rules.push(rule.clone());
        Ok(rule)
    }

    pub fn list(&self) -> Vec<FaultRule> {
        self.rules.lock().map(|r| r.clone()).unwrap_or_default()
    }

    pub fn remove(&self, id: &str) -> bool {
        self.rules
            .lock()
            .map(|mut r| {
                let before = r.len();
                r.retain(|rule| rule.id != id);
                r.len() != before
            })
            .unwrap_or(false)
    }

    pub fn clear(&self) {
        if let Ok(mut rules) = self.rules.lock() {
            rules.clear();
        }
    }

    /// Replaces every rule (a replica reloading the shared rules).
    pub fn replace(&self, rules: Vec<FaultRule>) {
        if let Ok(mut kept) = self.rules.lock() {
            *kept = rules;
        }
    }

    /// Whether some rule names this action, account and region (its window, count and chance
    /// aside): when none does, a call meets no fault.
    pub fn may_match(&self, action: &str, account: &str, region: &str) -> bool {
        self.rules.lock().is_ok_and(|rules| rules.iter().any(|rule| names(&rule.spec, action, account, region)))
    }

    /// What the first rule that fires does to this call (rules are tried in the order added).
    pub fn check(&self, action: &str, account: &str, region: &str, now_ms: i64) -> Injection {
        let Ok(mut rules) = self.rules.lock() else { return Injection::default() };
        self.check_in(&mut rules, action, account, region, now_ms)
    }

    /// [`Faults::check`] over `rules` (the shared rules a replica loaded), counting in them.
    pub fn check_in(
        &self,
        rules: &mut [FaultRule],
        action: &str,
        account: &str,
        region: &str,
        now_ms: i64,
    ) -> Injection {
        let Ok(mut rng) = self.rng.lock() else { return Injection::default() };
        for rule in rules.iter_mut() {
            let s = &rule.spec;
            let matches = names(s, action, account, region);
            let start = rule.created_ms.saturating_add(ms(s.after_seconds.unwrap_or(0.0)));
            let in_window = now_ms >= start && s.for_seconds.is_none_or(|d| now_ms < start.saturating_add(ms(d)));
            if !matches || !in_window || s.count.is_some_and(|c| rule.fired >= c) {
                continue;
            }
            rule.matched += 1;
            let nth_ok = s.nth.is_none_or(|n| n == rule.matched);
            let lucky = s.probability.is_none_or(|p| rng.gen::<f64>() < p);
            if !(nth_ok && lucky) {
                continue;
            }
            rule.fired += 1;
            let error =
                s.error.as_deref().and_then(|wire| Code::ALL.iter().find(|c| c.as_str() == wire)).map(|code| match &s
                    .message
                {
                    Some(m) => ApiError::with_message(*code, m.clone()),
                    None => ApiError::new(*code),
                });
            return Injection { error, latency_ms: s.latency_ms.unwrap_or(0) };
        }
        Injection::default()
    }
}

/// Whether `spec` names this action, account and region.
fn names(spec: &FaultSpec, action: &str, account: &str, region: &str) -> bool {
    spec.action.as_deref().is_none_or(|a| a == action)
        && spec.account.as_deref().is_none_or(|a| a == account)
        && spec.region.as_deref().is_none_or(|r| r == region)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(error: &str) -> FaultSpec {
        FaultSpec {
            action: Some("DescribeImagePipelines".into()),
            account: None,
            region: None,
            error: Some(error.into()),
            message: None,
            latency_ms: None,
            probability: None,
            nth: None,
            count: None,
            after_seconds: None,
            for_seconds: None,
        }
    }

    fn hit(faults: &Faults, now: i64) -> Option<String> {
        faults.check("DescribeImagePipelines", "1", "cn-hangzhou", now).error.map(|e| e.code_str().to_string())
    }

    #[test]
    fn nth_count_window_and_action_decide_what_is_hit() {
        let faults = Faults::new(Some(7));
        faults.add(FaultSpec { nth: Some(2), ..spec("Throttling.User") }, 0).map(|_| ()).unwrap_or_default();
        assert_eq!(hit(&faults, 0), None);
        assert_eq!(hit(&faults, 0).as_deref(), Some("Throttling.User"));
        assert_eq!(hit(&faults, 0), None);
        faults.clear();
        let _ = faults.add(
            FaultSpec {
                count: Some(2),
                after_seconds: Some(10.0),
                for_seconds: Some(5.0),
                ..spec("ServiceUnavailable")
            },
            0,
        );
        assert_eq!(hit(&faults, 9_999), None);
        assert_eq!(hit(&faults, 10_000).as_deref(), Some("ServiceUnavailable"));
        assert_eq!(hit(&faults, 14_999).as_deref(), Some("ServiceUnavailable"));
        assert_eq!(hit(&faults, 14_999), None, "count exhausted");
        assert!(faults.check("CreateImagePipeline", "1", "cn-hangzhou", 12_000).error.is_none());
    }

    #[test]
    fn probability_is_reproducible_with_a_seed_and_bad_rules_are_refused() {
        let run = || {
            let faults = Faults::new(Some(42));
            let _ = faults.add(FaultSpec { probability: Some(0.5), ..spec("InternalError") }, 0);
            (0..64).map(|_| hit(&faults, 0).is_some()).collect::<Vec<_>>()
        };
        let first = run();
        assert_eq!(first, run());
        assert!(first.iter().any(|h| *h) && first.iter().any(|h| !h));
        let faults = Faults::new(None);
        assert!(faults.add(spec("NoSuch.Code"), 0).is_err());
        assert!(faults.add(FaultSpec { probability: Some(2.0), ..spec("InternalError") }, 0).is_err());
        assert!(faults.add(FaultSpec { for_seconds: Some(-1.0), ..spec("InternalError") }, 0).is_err());
        assert!(faults.add(FaultSpec { after_seconds: Some(1e300), ..spec("InternalError") }, 0).is_err());
        assert!(faults.add(FaultSpec { for_seconds: Some(f64::NAN), ..spec("InternalError") }, 0).is_err());
    }
}
