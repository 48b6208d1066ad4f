//! Templates recently created or read, by ID, so `DescribeImagePipelines` by ID needs no SQL.
//!
//! Templates are immutable; what can change is their tags (tag APIs), their existence (delete,
//! reset, restore). Every such write calls [`PipelineCache::forget`] or [`PipelineCache::clear`]
//! after it commits. A reader notes the [`generation`](PipelineCache::generation) before reading
//! SQL and offers what it read with that generation: if anything was forgotten in between, the
//! offer is refused, so a stale read can never enter the cache.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::domain::pipeline::Pipeline;
use crate::domain::tags::Tag;

/// Entries kept at most (~1–2 KiB each); past it, new ones are not cached. The process must stay
/// under 64 MiB with 10 000 builds in flight beside the writers' page caches
/// (`checkpoint::WRITER_PRAGMAS`, `tick_conn::TICK_PRAGMAS`; `cargo bench --bench engine`): 4 096
/// reached 63–65 MiB; 2 048 kept it at ~61 MiB until round 8's writes took it to 64.8–66.1 (cause
/// not found, README); 1 024 brought it back to 62.2–64.1. The figure levels off with the load (caches filling, not memory per
/// build): 52 / 59 / 63 / 62 MiB with 2 500 / 5 000 / 10 000 / 20 000 builds in flight (round 9).
const CAPACITY: usize = 1_024;

pub type Entry = Arc<(Pipeline, Vec<Tag>)>;

#[derive(Debug, Default)]
pub struct PipelineCache {
    inner: RwLock<Inner>,
    /// Off on PostgreSQL, where another process may change a template: nothing is ever cached.
    disabled: bool,
}

#[derive(Debug, Default)]
struct Inner {
    generation: u64,
    entries: HashMap<String, Entry>,
}

impl PipelineCache {
    /// A cache that never keeps anything.
    pub fn disabled() -> PipelineCache {
        PipelineCache { inner: RwLock::default(), disabled: true }
    }

    pub fn generation(&self) -> u64 {
        self.inner.read().map(|i| i.generation).unwrap_or(u64::MAX)
    }

    /// Caches entries read (or written) at `generation`, unless something was forgotten since.
    pub fn offer(&self, generation: u64, entries: impl IntoIterator<Item = (Pipeline, Vec<Tag>)>) {
        if self.disabled {
            return;
        }
        let Ok(mut inner) = self.inner.write() else { return };
        if inner.generation != generation {
            return;
        }
        for entry in entries {
            if inner.entries.len() >= CAPACITY {
                break;
            }
            inner.entries.insert(entry.0.id.clone(), Arc::new(entry));
        }
    }

    /// The cached entries of `ids` in the tenant, or `None` if any is not cached.
    pub fn get_all(&self, account: &str, region: &str, ids: &[String]) -> Option<Vec<Entry>> {
        let inner = self.inner.read().ok()?;
        ids.iter()
            .map(|id| inner.entries.get(id).filter(|e| e.0.account == account && e.0.region == region).cloned())
            .collect()
    }

    /// Whether template `id` of the tenant is cached.
    pub fn contains(&self, account: &str, region: &str, id: &str) -> bool {
        self.inner
            .read()
            .ok()
            .and_then(|inner| inner.entries.get(id).map(|e| e.0.account == account && e.0.region == region))
            .unwrap_or(false)
    }

    /// Drops entries whose template changed (tags) or is gone.
    pub fn forget<'a>(&self, ids: impl IntoIterator<Item = &'a str>) {
        if let Ok(mut inner) = self.inner.write() {
            inner.generation += 1;
            for id in ids {
                inner.entries.remove(id);
            }
        }
    }

    /// Drops everything (reset, restore).
    pub fn clear(&self) {
        if let Ok(mut inner) = self.inner.write() {
            inner.generation += 1;
            inner.entries.clear();
        }
    }
}
