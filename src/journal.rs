//! The request journal: the last requests the RPC API answered (action, account, region,
//! parameters with secrets removed, code, HTTP status, latency, RequestId), in memory, newest last.
//!
//! Bounded whatever clients send (limits in `domain::limits`): each value is cut at
//! [`JOURNAL_MAX_VALUE_BYTES`] with a marker, each entry's parameters at [`JOURNAL_MAX_ENTRY_BYTES`],
//! and the journal keeps at most [`JOURNAL_MAX_ENTRIES`] entries and [`JOURNAL_MAX_TOTAL_BYTES`]
//! bytes, dropping the oldest first. Clearing gives the memory back. Reads are paged by sequence
//! number (`before`), at most [`JOURNAL_MAX_PAGE`] entries a page. `shared` records each answered
//! call (into this journal, or the database's when replicas share one); the control plane and the
//! console read it.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

pub use crate::domain::limits::JOURNAL_MAX_ENTRIES as CAPACITY;
use crate::domain::limits::{
    JOURNAL_MAX_ENTRIES, JOURNAL_MAX_ENTRY_BYTES, JOURNAL_MAX_PAGE, JOURNAL_MAX_TOTAL_BYTES, JOURNAL_MAX_VALUE_BYTES,
    JOURNAL_TRUNCATION_MARKER,
};

/// Parameters never written to the journal.
const SECRETS: &[&str] = &["Signature", "SecurityToken", "AccessKeySecret", "BearerToken"];

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// Position in the journal (1, 2, …; never reused until the process restarts); `before` pages on it.
    #[serde(default)]
    pub seq: u64,
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
    /// At most this many (the newest), default 100, at most [`JOURNAL_MAX_PAGE`].
    pub limit: Option<usize>,
    /// Only entries older than this `seq` (the next page of a listing: its first entry's `seq`).
    pub before: Option<u64>,
}

#[derive(Debug, Default)]
pub struct Journal {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    entries: VecDeque<(Entry, usize)>,
    bytes: usize,
    next_seq: u64,
}

/// A copy of `value` as the journal keeps it: only its first [`JOURNAL_MAX_VALUE_BYTES`] are copied
/// (so recording a huge parameter does not first duplicate it whole).
pub fn bounded_copy(value: &str) -> String {
    if value.len() <= JOURNAL_MAX_VALUE_BYTES {
        return value.to_string();
    }
    let cut = (0..=JOURNAL_MAX_VALUE_BYTES).rev().find(|i| value.is_char_boundary(*i)).unwrap_or(0);
    format!("{}{JOURNAL_TRUNCATION_MARKER}{} bytes]", &value[..cut], value.len() - cut)
}

/// Cuts `value` at a character boundary to at most [`JOURNAL_MAX_VALUE_BYTES`], with a marker.
fn truncate_value(value: &mut String) {
    // Already cut by `bounded_copy`: the kept bytes, the marker and a byte count.
    let already_cut = value.len() <= JOURNAL_MAX_VALUE_BYTES + JOURNAL_TRUNCATION_MARKER.len() + 32
        && value.ends_with(" bytes]")
        && value.contains(JOURNAL_TRUNCATION_MARKER);
    if value.len() <= JOURNAL_MAX_VALUE_BYTES || already_cut {
        return;
    }
    let dropped_from = (0..=JOURNAL_MAX_VALUE_BYTES).rev().find(|i| value.is_char_boundary(*i)).unwrap_or(0);
    let dropped = value.len() - dropped_from;
    value.truncate(dropped_from);
    value.push_str(&format!("{JOURNAL_TRUNCATION_MARKER}{dropped} bytes]"));
    value.shrink_to_fit();
}

/// Heap bytes an entry holds (the strings it owns and the map's nodes, approximately).
fn entry_bytes(entry: &Entry) -> usize {
    const NODE: usize = 64;
    let strings =
        [&entry.request_id, &entry.time, &entry.method, &entry.action, &entry.account, &entry.region, &entry.code];
    std::mem::size_of::<Entry>()
        + strings.iter().map(|s| s.capacity()).sum::<usize>()
        + entry.message.as_ref().map_or(0, String::capacity)
        + entry.params.iter().map(|(k, v)| k.capacity() + v.capacity() + NODE).sum::<usize>()
}

/// Applies the per-value and per-entry limits to an entry's fields (secrets removed).
pub fn bound(entry: &mut Entry) {
    entry.params.retain(|k, _| !SECRETS.contains(&k.as_str()));
    for field in [&mut entry.action, &mut entry.account, &mut entry.region, &mut entry.method, &mut entry.code] {
        truncate_value(field);
    }
    if let Some(message) = entry.message.as_mut() {
        truncate_value(message);
    }
    // The common case: every parameter short and all of them within the entry's budget, kept as is.
    let short =
        entry.params.iter().all(|(k, v)| k.len() <= JOURNAL_MAX_VALUE_BYTES && v.len() <= JOURNAL_MAX_VALUE_BYTES);
    if short && entry.params.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>() <= JOURNAL_MAX_ENTRY_BYTES {
        return;
    }
    let mut kept = BTreeMap::new();
    let mut used = 0;
    let mut dropped = 0usize;
    for (mut key, mut value) in std::mem::take(&mut entry.params) {
        truncate_value(&mut key);
        truncate_value(&mut value);
        if used + key.len() + value.len() > JOURNAL_MAX_ENTRY_BYTES {
            dropped += 1;
            continue;
        }
        used += key.len() + value.len();
        kept.insert(key, value);
    }
    if dropped > 0 {
        kept.insert("…".to_string(), format!("{dropped} more parameters not journalled"));
    }
    entry.params = kept;
}

impl Journal {
    /// Keeps a request; secrets are removed and sizes bounded here, whoever calls.
    pub fn record(&self, mut entry: Entry) {
        bound(&mut entry);
        let size = entry_bytes(&entry);
        // The entries pushed out are freed after the lock is released: freeing their strings and
        // maps is most of the cost of recording once the journal is full.
        let mut evicted = Vec::new();
        if let Ok(mut inner) = self.inner.lock() {
            inner.next_seq += 1;
            entry.seq = inner.next_seq;
            while !inner.entries.is_empty()
                && (inner.entries.len() >= JOURNAL_MAX_ENTRIES || inner.bytes + size > JOURNAL_MAX_TOTAL_BYTES)
            {
                if let Some((old, old_size)) = inner.entries.pop_front() {
                    inner.bytes -= old_size;
                    evicted.push(old);
                }
            }
            inner.bytes += size;
            inner.entries.push_back((entry, size));
        }
        drop(evicted);
    }

    /// Entries kept and the bytes they hold (as counted against [`JOURNAL_MAX_TOTAL_BYTES`]), and
    /// the heap bytes of the queue itself.
    pub fn usage(&self) -> (usize, usize, usize) {
        self.inner
            .lock()
            .map(|i| (i.entries.len(), i.bytes, i.entries.capacity() * std::mem::size_of::<(Entry, usize)>()))
            .unwrap_or((0, 0, 0))
    }

    /// Matching entries, oldest first, at most `limit` (capped at [`JOURNAL_MAX_PAGE`]) of the newest
    /// older than `before`.
    pub fn list(&self, filter: &Filter) -> Vec<Entry> {
        let Ok(inner) = self.inner.lock() else { return Vec::new() };
        let entries = inner.entries.iter().map(|(e, _)| e);
        let matches = |e: &&Entry| {
            filter.action.as_ref().is_none_or(|a| *a == e.action)
                && filter.account.as_ref().is_none_or(|a| *a == e.account)
                && filter.region.as_ref().is_none_or(|r| *r == e.region)
                && filter.code.as_ref().is_none_or(|c| *c == e.code)
                && filter.status.is_none_or(|s| s == e.status)
                && filter.errors.is_none_or(|only| !only || e.status >= 400)
                && filter.before.is_none_or(|b| e.seq < b)
        };
        let limit = filter.limit.unwrap_or(100).min(JOURNAL_MAX_PAGE);
        let mut found: Vec<Entry> = entries.rev().filter(matches).take(limit).cloned().collect();
        found.reverse();
        found
    }

    /// Forgets every entry and gives their memory back.
    pub fn clear(&self) -> usize {
        self.inner
            .lock()
            .map(|mut i| {
                let gone = std::mem::take(&mut i.entries);
                i.bytes = 0;
                gone.len()
            })
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: &str, status: u16) -> Entry {
        Entry {
            seq: 0,
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
        let mut all = Vec::new();
        let mut before = None;
        loop {
            let page = journal.list(&Filter { limit: Some(usize::MAX), before, ..Filter::default() });
            assert!(page.len() <= JOURNAL_MAX_PAGE);
            let Some(first) = page.first() else { break };
            before = Some(first.seq);
            all.splice(0..0, page);
        }
        assert_eq!(all.len(), CAPACITY);
        assert!(all.windows(2).all(|w| w[0].seq + 1 == w[1].seq), "pages join without gaps");
        assert!(all.iter().all(|e| !e.params.contains_key("Signature") && e.params.contains_key("Name")));
        let errors =
            journal.list(&Filter { errors: Some(true), action: Some("A".into()), limit: Some(5), ..Filter::default() });
        assert_eq!(errors.len(), 5);
        assert!(errors.iter().all(|e| e.status == 400 && e.action == "A"));
        assert_eq!(journal.clear(), CAPACITY);
    }

    #[test]
    fn huge_values_are_truncated_and_the_journal_stays_within_its_byte_budget() {
        let journal = Journal::default();
        let junk = "x".repeat(1024 * 1024);
        for _ in 0..300 {
            let mut e = entry("A", 200);
            e.params.insert("Junk".into(), junk.clone());
            e.params.insert("Multi".into(), "é".repeat(JOURNAL_MAX_VALUE_BYTES));
            e.action = junk.clone();
            journal.record(e);
        }
        let (count, bytes, _) = journal.usage();
        assert_eq!(count, 300);
        assert_eq!(
            bounded_copy(&junk).len(),
            JOURNAL_MAX_VALUE_BYTES + JOURNAL_TRUNCATION_MARKER.len() + "1046528 bytes]".len()
        );
        assert!(bytes < 300 * 16 * 1024, "300 entries of 1 MB values hold {bytes} bytes");
        let mut copied = entry("C", 200);
        copied.params.insert("Junk".into(), bounded_copy(&junk));
        journal.record(copied);
        let once = journal.list(&Filter { limit: Some(1), ..Filter::default() }).remove(0);
        assert_eq!(once.params["Junk"], bounded_copy(&junk), "a value cut on the way in is not cut again");
        let last = journal.list(&Filter { limit: Some(2), ..Filter::default() }).remove(0);
        let kept = &last.params["Junk"];
        assert!(kept.starts_with(&"x".repeat(JOURNAL_MAX_VALUE_BYTES)), "the start of the value is kept");
        assert!(kept.ends_with(&format!("{JOURNAL_TRUNCATION_MARKER}{} bytes]", junk.len() - JOURNAL_MAX_VALUE_BYTES)));
        assert!(last.params["Multi"].contains(JOURNAL_TRUNCATION_MARKER), "cut on a character boundary");
        assert!(last.action.len() < JOURNAL_MAX_VALUE_BYTES + 64);

        // Many parameters per entry: cut at the entry budget, with a note.
        let mut wide = entry("W", 200);
        for i in 0..1_000 {
            wide.params.insert(format!("P{i}"), "v".repeat(100));
        }
        journal.record(wide);
        let last = journal.list(&Filter { limit: Some(1), ..Filter::default() }).remove(0);
        assert!(last.params.len() < 200 && last.params.contains_key("…"));

        // The total budget holds however many entries arrive.
        for _ in 0..5_000 {
            let mut e = entry("B", 200);
            for i in 0..8 {
                e.params.insert(format!("K{i}"), junk[..JOURNAL_MAX_VALUE_BYTES].to_string());
            }
            journal.record(e);
        }
        let (_, bytes, _) = journal.usage();
        assert!(bytes <= JOURNAL_MAX_TOTAL_BYTES, "{bytes} > {JOURNAL_MAX_TOTAL_BYTES}");
        journal.clear();
        assert_eq!(journal.usage(), (0, 0, 0), "clearing gives the memory back");
    }
}
