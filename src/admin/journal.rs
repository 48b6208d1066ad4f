//! The request journal: the last requests the RPC API answered (action, account, region,
//! parameters with secrets removed, code, HTTP status, latency, RequestId), in memory, newest last.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// Requests kept; older ones are dropped first.
pub const CAPACITY: usize = 10_000;
/// Parameters never written to the journal.
const SECRETS: &[&str] = &["Signature", "SecurityToken", "AccessKeySecret", "BearerToken"];

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub request_id: String,
    /// Emulator-clock time of the request (`yyyy-MM-ddTHH:mm:ssZ`) and its milliseconds.
    pub time: String,
    pub at_ms: i64,
    pub method: String,
    pub action: String,
    pub account: String,
    pub region: String,
    pub params: BTreeMap<String, String>,
    pub code: String,
    /// The error message the client received (absent on success).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub status: u16,
    pub latency_ms: f64,
}

/// Filters of `GET /_emulator/requests`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Filter {
    pub action: Option<String>,
    pub account: Option<String>,
    pub region: Option<String>,
    pub code: Option<String>,
    pub status: Option<u16>,
    /// Only failed calls (status ≥ 400).
    pub errors: Option<bool>,
    /// At most this many (the newest), default 100.
    pub limit: Option<usize>,
}

#[derive(Debug, Default)]
pub struct Journal {
    entries: Mutex<VecDeque<Entry>>,
}

impl Journal {
    /// Keeps a request; secrets are removed here, whoever calls.
    pub fn record(&self, mut entry: Entry) {
        entry.params.retain(|k, _| !SECRETS.contains(&k.as_str()));
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() == CAPACITY {
                entries.pop_front();
            }
            entries.push_back(entry);
        }
    }

    /// Matching entries, oldest first, at most `limit` of the newest.
    pub fn list(&self, filter: &Filter) -> Vec<Entry> {
        let Ok(entries) = self.entries.lock() else { return Vec::new() };
        let matches = |e: &&Entry| {
            filter.action.as_ref().is_none_or(|a| *a == e.action)
                && filter.account.as_ref().is_none_or(|a| *a == e.account)
                && filter.region.as_ref().is_none_or(|r| *r == e.region)
                && filter.code.as_ref().is_none_or(|c| *c == e.code)
                && filter.status.is_none_or(|s| s == e.status)
                && filter.errors.is_none_or(|only| !only || e.status >= 400)
        };
        let limit = filter.limit.unwrap_or(100);
        let mut found: Vec<Entry> = entries.iter().rev().filter(matches).take(limit).cloned().collect();
        found.reverse();
        found
    }

    pub fn clear(&self) -> usize {
        self.entries.lock().map(|mut e| std::mem::take(&mut *e).len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: &str, status: u16) -> Entry {
        Entry {
            request_id: "R".into(),
            time: String::new(),
            at_ms: 0,
            method: "GET".into(),
            action: action.into(),
            account: "1".into(),
            region: "cn-hangzhou".into(),
            params: [("Signature".to_string(), "s".to_string()), ("Name".to_string(), "n".to_string())].into(),
            code: if status == 200 { "OK".into() } else { "X".into() },
            message: None,
            status,
            latency_ms: 1.0,
        }
    }

    #[test]
    fn secrets_are_dropped_filters_apply_and_the_oldest_go_first() {
        let journal = Journal::default();
        for i in 0..CAPACITY + 5 {
            journal.record(entry(if i % 2 == 0 { "A" } else { "B" }, if i % 3 == 0 { 400 } else { 200 }));
        }
        let all = journal.list(&Filter { limit: Some(usize::MAX), ..Filter::default() });
        assert_eq!(all.len(), CAPACITY);
        assert!(all.iter().all(|e| !e.params.contains_key("Signature") && e.params.contains_key("Name")));
        let errors =
            journal.list(&Filter { errors: Some(true), action: Some("A".into()), limit: Some(5), ..Filter::default() });
        assert_eq!(errors.len(), 5);
        assert!(errors.iter().all(|e| e.status == 400 && e.action == "A"));
        assert_eq!(journal.clear(), CAPACITY);
    }
}
