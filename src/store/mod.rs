//! All SQL lives under this module, and nothing else: queries and row mapping, returning data or
//! `sqlx::Error` (business rules are `domain`, wire errors `actions::refusals`). SQLite through
//! sqlx: one writer connection, lent by a group-commit task (`group.rs`), so every [`WriteTx`]
//! (`write.rs`) is serialised and an action's read-decide-write inside one is atomic, and a pool of reader connections that never wait on the
//! writer (WAL).

mod cache;
pub mod components;
pub mod console;
pub mod control;
pub mod copies;
pub mod executions;
mod group;
mod idempotency;
pub mod images;
pub mod networks;
mod paging;
mod pipelines;
mod query;
pub mod resource_groups;
pub mod snapshots;
pub mod tag_resources;
mod tags;
pub mod ticks;
mod write;

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

pub use crate::domain::idempotency::TokenClaim;
pub use pipelines::{PipelineFilter, PipelinePage};
pub use write::WriteTx;

/// Resource types as the tag APIs name them (docs/reference.md §7.4).
pub const RESOURCE_TYPE_PIPELINE: &str = "imagepipeline";

#[derive(Clone, Debug)]
pub struct Store {
    writer: SqlitePool,
    /// The group-commit task's handle: every `WriteTx` goes through it.
    group: std::sync::Arc<group::GroupWriter>,
    reader: SqlitePool,
    /// Templates by ID for the read path (see `cache`).
    pipelines: std::sync::Arc<cache::PipelineCache>,
}

/// A stored value (JSON) that cannot be decoded: a row-mapping error like any other.
pub(crate) fn decode(err: impl Into<sqlx::error::BoxDynError>) -> sqlx::Error {
    sqlx::Error::Decode(err.into())
}

/// A value that cannot be encoded for storage (JSON).
pub(crate) fn encode(err: impl Into<sqlx::error::BoxDynError>) -> sqlx::Error {
    sqlx::Error::Encode(err.into())
}

/// How many read connections to keep (reads run in parallel in WAL mode).
const READERS: u32 = 4;

impl Store {
    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    /// `:memory:` gives a throw-away database on one connection.
    pub async fn open(path: &str) -> Result<Store, sqlx::Error> {
        let busy = Duration::from_secs(10);
        if path == ":memory:" {
            let options = SqliteConnectOptions::from_str("sqlite::memory:")?.busy_timeout(busy);
            // One connection that never idles out: the in-memory database lives as long as it does.
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await?;
            sqlx::migrate!("./migrations").run(&pool).await?;
            let group = std::sync::Arc::new(group::GroupWriter::spawn(pool.clone()));
            return Ok(Store { writer: pool.clone(), group, reader: pool, pipelines: Default::default() });
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(busy);
        // The writer checkpoints the WAL every 3 000 pages instead of 1 000: fewer stalls under a
        // stream of creates (bench/run.sh: 2.9k -> 3.4k creates/s at c=16, p99 25 -> ~50 ms).
        let writer_options = options.clone().pragma("wal_autocheckpoint", "3000");
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(writer_options)
            .await?;
        sqlx::migrate!("./migrations").run(&writer).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(READERS)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await?;
        let group = std::sync::Arc::new(group::GroupWriter::spawn(writer.clone()));
        Ok(Store { writer, group, reader, pipelines: Default::default() })
    }

    /// Closes both pools (graceful shutdown).
    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }
}
