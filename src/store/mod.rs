//! All SQL lives under this module, and nothing else: queries and row mapping, returning data or
//! `sqlx::Error` (business rules are `domain`, wire errors `actions::refusals`). SQLite or
//! PostgreSQL through sqlx's `Any` driver, chosen by [`Store::open`]'s argument ([`Backend`]):
//! placeholders are `$1, $2, …` (run-time SQL is built with `sql.rs`), values are bound and read as
//! `i64`/`String`, and the few SQL differences are [`Backend`]'s methods (`dialect.rs`). What stays
//! SQLite-only: snapshots (`snapshots.rs`: `VACUUM INTO`, `ATTACH`, a raw SQLite connection for the
//! restore's time limit), an engine tick's own connection to a SQLite file (`tick_conn.rs`:
//! rusqlite, the same SQL texts and arguments as on the pool) and the connection settings below.
//! On SQLite, one writer connection, lent by a group-commit task (`group.rs`), so every [`WriteTx`]
//! (`write.rs`) is serialised and an action's read-decide-write inside one is atomic, and a pool of
//! reader connections that never wait on the writer (WAL). On PostgreSQL the writer pool has a few
//! connections (the group-commit task's, the engine's, the control plane's), and every write
//! transaction first takes one advisory lock ([`Backend::lock_writes`]), so writes are serialised
//! across every process sharing the database exactly as the one SQLite writer serialises them.

mod cache;
mod checkpoint;
pub mod components;
pub mod console;
pub mod control;
pub mod copies;
mod dialect;
pub mod executions;
mod group;
mod idempotency;
pub mod image_search;
pub mod images;
mod known_tokens;
pub mod networks;
mod paging;
mod pipelines;
pub mod portable;
mod query;
pub mod resource_groups;
pub mod shared;
pub mod snapshots;
mod sql;
pub mod tag_resources;
mod tags;
mod tick_conn;
pub mod ticks;
mod write;

use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Any, AnyPool, ConnectOptions, Executor, Transaction};

use checkpoint::WRITER_PRAGMAS;
pub use dialect::{display_db, Backend, WRITE_LOCK_KEY};

pub use crate::domain::idempotency::TokenClaim;
pub use pipelines::{PipelineFilter, PipelinePage};
pub use write::WriteTx;

/// Resource types as the tag APIs name them (docs/reference.md §7.4).
pub const RESOURCE_TYPE_PIPELINE: &str = "imagepipeline";

#[derive(Clone, Debug)]
pub struct Store {
    writer: AnyPool,
    /// The group-commit task's handle: every `WriteTx` goes through it.
    group: std::sync::Arc<group::GroupWriter>,
    reader: AnyPool,
    /// Templates by ID for the read path (see `cache`).
    pipelines: std::sync::Arc<cache::PipelineCache>,
    /// The ClientTokens this database may have recorded (see `known_tokens`).
    tokens: std::sync::Arc<known_tokens::KnownTokens>,
    /// The live SQLite database, for the one thing the `Any` driver cannot do: a restore's
    /// progress handler (`snapshots.rs`). `None` on PostgreSQL.
    sqlite: Option<SqliteConnectOptions>,
    /// The background WAL checkpointer (`checkpoint.rs`): SQLite files only.
    wal: Option<std::sync::Arc<checkpoint::Wal>>,
    /// The engine's own connection to a SQLite file (`tick_conn.rs`); `None` in memory and on
    /// PostgreSQL, where ticks write through the writer pool.
    tick_conn: Option<tick_conn::NativeConnection>,
    backend: Backend,
}

/// A stored value (JSON) that cannot be decoded: a row-mapping error like any other.
pub(crate) fn decode(err: impl Into<sqlx::error::BoxDynError>) -> sqlx::Error {
    sqlx::Error::Decode(err.into())
}

/// A value that cannot be encoded for storage (JSON).
pub(crate) fn encode(err: impl Into<sqlx::error::BoxDynError>) -> sqlx::Error {
    sqlx::Error::Encode(err.into())
}

/// `text` (a stored JSON object) with its top-level `key` set to the string `value`: what SQLite's
/// `json_set(text, '$.key', value)` did, done in Rust so the SQL is the same on both backends.
pub(crate) fn set_json_field(text: &str, key: &str, value: &str) -> Result<String, sqlx::Error> {
    let mut object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text).map_err(decode)?;
    object.insert(key.to_string(), serde_json::Value::String(value.to_string()));
    serde_json::to_string(&object).map_err(encode)
}

/// How many read connections to keep (reads run in parallel in WAL mode).
const READERS: u32 = 4;

/// PostgreSQL: the writer pool's size (the group-commit task's batch, an engine tick, a control
/// plane write; they queue on the advisory lock anyway) and the reader pool's.
const PG_WRITERS: u32 = 4;
const PG_READERS: u32 = 8;

/// The per-connection settings every SQLite connection gets (the `Any` driver connects from a
/// URL, which carries only the file and its open mode, so they are applied once connected, in the
/// order sqlx's own SQLite options would send them): wait up to 10 s for a lock, WAL, foreign keys,
/// `synchronous = NORMAL`.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;";

/// The in-memory database's settings: it has no WAL (a memory journal), nothing else differs.
const MEMORY_PRAGMAS: &str = "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;";

/// Pool options that run `pragmas` on every new connection. A SQLite connection is a file handle
/// in this process that cannot go stale, so it is not pinged before each use (sqlx's default):
/// a ping is one more round trip to the connection's worker thread for every read and every
/// write batch.
fn with_pragmas(options: AnyPoolOptions, pragmas: &'static [&'static str]) -> AnyPoolOptions {
    options.test_before_acquire(false).after_connect(move |conn, _meta| {
        Box::pin(async move {
            for statements in pragmas {
                conn.execute(*statements).await?;
            }
            Ok(())
        })
    })
}

/// This binary's migrations for `backend` (the same versions on both).
fn migrator(backend: Backend) -> sqlx::migrate::Migrator {
    match backend {
        Backend::Sqlite => sqlx::migrate!("./migrations"),
        Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
    }
}

fn known_versions(backend: Backend) -> Vec<i64> {
    migrator(backend).iter().map(|m| m.version).collect()
}

/// The migration versions applied to the database, in order (none when it was never migrated).
async fn applied_versions(pool: &AnyPool) -> Result<Vec<i64>, sqlx::Error> {
    let rows: Vec<(i64,)> =
        sqlx::query_as("SELECT version FROM _sqlx_migrations ORDER BY version").fetch_all(pool).await?;
    Ok(rows.into_iter().map(|(v,)| v).collect())
}

fn version_list(versions: &[i64]) -> String {
    format!("[{}]", versions.iter().map(i64::to_string).collect::<Vec<_>>().join(", "))
}

/// Applies this binary's pending migrations, after refusing a database that has a migration this
/// binary does not know (written by a newer emulator: running on it could lose or corrupt data).
async fn migrate(pool: &AnyPool, backend: Backend) -> Result<(), sqlx::Error> {
    // A database never migrated has no `_sqlx_migrations` table yet: nothing applied.
    let applied = applied_versions(pool).await.unwrap_or_default();
    let known = known_versions(backend);
    let unknown: Vec<i64> = applied.into_iter().filter(|v| !known.contains(v)).collect();
    if !unknown.is_empty() {
        return Err(sqlx::Error::Configuration(
            format!(
                "the database has migration version(s) {} that this emulator does not know (it knows {}): \
                 it was written by a newer emulator; refusing to start (use that emulator, or another database)",
                version_list(&unknown),
                version_list(&known)
            )
            .into(),
        ));
    }
    migrator(backend).run(pool).await?;
    Ok(())
}

impl Store {
    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    /// `:memory:` gives a throw-away database on one connection.
    /// A `postgres://` or `postgresql://` URL opens that PostgreSQL database instead (migrated
    /// with `migrations/postgres/`).
    pub async fn open(path: &str) -> Result<Store, sqlx::Error> {
        sqlx::any::install_default_drivers();
        if Backend::of(path) == Backend::Postgres {
            return Store::open_postgres(path).await;
        }
        if path == ":memory:" {
            // A named shared-cache memory database, so the restore's own SQLite connection
            // (`snapshots.rs`) reaches it while the pool's connection keeps it alive.
            let name = uuid::Uuid::new_v4().simple();
            let url = format!("sqlite:file:ibe-memory-{name}?mode=memory&cache=shared");
            let sqlite = SqliteConnectOptions::from_str(&url)?;
            let options = AnyConnectOptions::from_str(&url)?;
            // One connection that never idles out: the in-memory database lives as long as it does.
            let pool = with_pragmas(AnyPoolOptions::new(), &[MEMORY_PRAGMAS])
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await?;
            migrate(&pool, Backend::Sqlite).await?;
            let group = std::sync::Arc::new(group::GroupWriter::spawn(pool.clone(), Backend::Sqlite, None));
            let store = Store {
                writer: pool.clone(),
                group,
                reader: pool,
                pipelines: Default::default(),
                tokens: std::sync::Arc::new(known_tokens::KnownTokens::sqlite()),
                sqlite: Some(sqlite),
                wal: None,
                tick_conn: None,
                backend: Backend::Sqlite,
            };
            store.tokens.load(&store.reader).await?;
            return Ok(store);
        }
        // The `Any` driver takes a URL: an absolute path always makes one (`sqlite:///…`, encoded).
        let absolute = std::path::absolute(path)?;
        let sqlite = SqliteConnectOptions::new().filename(&absolute).create_if_missing(true);
        let options = AnyConnectOptions::from_url(&sqlite.to_url_lossy())?;
        let writer = with_pragmas(AnyPoolOptions::new(), &[SQLITE_PRAGMAS, WRITER_PRAGMAS])
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options.clone())
            .await?;
        migrate(&writer, Backend::Sqlite).await?;
        let reader = with_pragmas(AnyPoolOptions::new(), &[SQLITE_PRAGMAS])
            .max_connections(READERS)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options.clone())
            .await?;
        let wal = std::sync::Arc::new(checkpoint::Wal::new());
        let group = std::sync::Arc::new(group::GroupWriter::spawn(writer.clone(), Backend::Sqlite, Some(wal.clone())));
        checkpoint::spawn(options, wal.clone(), std::sync::Arc::downgrade(&group));
        let store = Store {
            tick_conn: Some(tick_conn::NativeConnection::open(&absolute)?),
            wal: Some(wal),
            writer,
            group,
            reader,
            pipelines: Default::default(),
            tokens: std::sync::Arc::new(known_tokens::KnownTokens::sqlite()),
            sqlite: Some(sqlite),
            backend: Backend::Sqlite,
        };
        store.tokens.load(&store.reader).await?;
        Ok(store)
    }

    async fn open_postgres(url: &str) -> Result<Store, sqlx::Error> {
        let options = AnyConnectOptions::from_str(url)?;
        let writer = AnyPoolOptions::new().max_connections(PG_WRITERS).connect_with(options.clone()).await?;
        migrate(&writer, Backend::Postgres).await?;
        let reader = AnyPoolOptions::new().max_connections(PG_READERS).connect_with(options).await?;
        let group = std::sync::Arc::new(group::GroupWriter::spawn(writer.clone(), Backend::Postgres, None));
        Ok(Store {
            writer,
            group,
            reader,
            // Another process may change a template: nothing shared is cached here.
            pipelines: std::sync::Arc::new(cache::PipelineCache::disabled()),
            // Other processes claim tokens too: every token is looked up.
            tokens: std::sync::Arc::new(known_tokens::KnownTokens::disabled()),
            sqlite: None,
            wal: None,
            tick_conn: None,
            backend: Backend::Postgres,
        })
    }

    /// Which database this store runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A write transaction on the writer pool directly (the engine, the control plane, reset),
    /// holding the cross-process write lock on PostgreSQL.
    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Any>, sqlx::Error> {
        let mut tx = self.writer.begin().await?;
        self.backend.lock_writes(&mut tx).await?;
        Ok(tx)
    }

    /// Whether this store can serve now (`/_emulator/ready`): the database answers within
    /// `timeout` and its applied migrations are exactly this binary's. `Err` says why not.
    pub async fn readiness(&self, timeout: std::time::Duration) -> Result<(), String> {
        let applied = match tokio::time::timeout(timeout, applied_versions(&self.reader)).await {
            Err(_) => return Err(format!("the database did not answer within {} ms", timeout.as_millis())),
            Ok(Err(err)) => return Err(format!("the database cannot be read: {err}")),
            Ok(Ok(applied)) => applied,
        };
        let known = known_versions(self.backend);
        if applied != known {
            return Err(format!(
                "the database's migrations {} are not this emulator's {}",
                version_list(&applied),
                version_list(&known)
            ));
        }
        Ok(())
    }

    /// Closes both pools (graceful shutdown).
    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::Store;

    async fn pragma_text(pool: &sqlx::AnyPool, name: &str) -> String {
        let (value,): (String,) = sqlx::query_as(&format!("PRAGMA {name}")).fetch_one(pool).await.expect(name);
        value
    }

    async fn pragma_int(pool: &sqlx::AnyPool, name: &str) -> i64 {
        let (value,): (i64,) = sqlx::query_as(&format!("PRAGMA {name}")).fetch_one(pool).await.expect(name);
        value
    }

    /// The bundled SQLite is built as `.cargo/config.toml` says: no shared page cache behind a
    /// global mutex, no memory statistics.
    #[tokio::test]
    async fn sqlite_is_built_without_shared_page_cache_or_memory_statistics() {
        let store = Store::open(":memory:").await.expect("open");
        let options: Vec<(String,)> =
            sqlx::query_as("PRAGMA compile_options").fetch_all(&store.writer).await.expect("compile options");
        let options: Vec<&str> = options.iter().map(|(o,)| o.as_str()).collect();
        assert!(options.contains(&"DEFAULT_MEMSTATUS=0"), "{options:?}");
        assert!(!options.contains(&"ENABLE_MEMORY_MANAGEMENT"), "{options:?}");
        store.close().await;
    }

    /// The `Any` pools connect from a URL, so the SQLite settings are applied after connecting:
    /// every connection must still have them (and the writer its checkpoint interval).
    #[tokio::test]
    async fn file_connections_keep_their_sqlite_settings() {
        let dir = std::env::temp_dir().join(format!("ibe-store-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("dir");
        let store = Store::open(&dir.join("s.db").to_string_lossy()).await.expect("open");
        for pool in [&store.writer, &store.reader] {
            assert_eq!(pragma_text(pool, "journal_mode").await, "wal");
            assert_eq!(pragma_int(pool, "foreign_keys").await, 1);
            assert_eq!(pragma_int(pool, "synchronous").await, 1, "NORMAL");
            assert_eq!(pragma_int(pool, "busy_timeout").await, 10_000);
        }
        assert_eq!(pragma_int(&store.writer, "wal_autocheckpoint").await, 20_000);
        assert_eq!(pragma_int(&store.reader, "wal_autocheckpoint").await, 1000);
        // temp_store: 2 is MEMORY, 0 the default (files).
        assert_eq!(pragma_int(&store.writer, "temp_store").await, 2);
        assert_eq!(pragma_int(&store.reader, "temp_store").await, 0);
        store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A database from before migration 16 keeps its builds: opening it moves each plan out of its
    /// execution row into `execution_plans`, and a build in flight reads back with the same steps.
    #[tokio::test]
    async fn opening_an_older_database_moves_the_plans_out_of_the_execution_rows() {
        let dir = std::env::temp_dir().join(format!("ibe-store-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("old.db").to_string_lossy().into_owned();
        let fixture: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/plan-v1.json")).expect("fixture");
        let (plan, runtime) = (fixture["plan"].as_str().expect("plan"), fixture["runtime"].as_str().expect("runtime"));
        let old = sqlx::SqlitePool::connect(&format!("sqlite://{path}?mode=rwc")).await.expect("create");
        let mut before = super::migrator(super::Backend::Sqlite);
        before.migrations = before.migrations.iter().filter(|m| m.version < 16).cloned().collect();
        before.run(&old).await.expect("migrations up to 15");
        sqlx::query(
            "INSERT INTO executions (id, account, region, pipeline_id, status, message, created_ms, modified_ms, \
             next_due_ms, cursor, plan, runtime) VALUES ('exec-old', 'acct', 'cn-hangzhou', 'ip-old', 'BUILDING', \
             'building', 1, 2, 3, 3, $1, $2)",
        )
        .bind(plan)
        .bind(runtime)
        .execute(&old)
        .await
        .expect("a build in flight");
        old.close().await;

        let store = Store::open(&path).await.expect("open migrates");
        let (execution, _, _) = store.execution_detail(None, "exec-old").await.expect("read").expect("the build");
        assert_eq!(execution.plan, crate::domain::build::decode_plan(plan).expect("decodes"));
        assert_eq!((execution.cursor, execution.next_due_ms), (3, Some(3)));
        let columns: Vec<(String,)> = sqlx::query_as("SELECT name FROM pragma_table_info('executions')")
            .fetch_all(&store.reader)
            .await
            .expect("columns");
        assert!(!columns.iter().any(|(c,)| c == "plan"), "{columns:?}");
        store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn the_memory_database_enforces_foreign_keys() {
        let store = Store::open(":memory:").await.expect("open");
        assert_eq!(pragma_int(&store.writer, "foreign_keys").await, 1);
        assert_eq!(pragma_int(&store.writer, "busy_timeout").await, 10_000);
    }
}
