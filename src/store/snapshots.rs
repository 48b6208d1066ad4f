//! Snapshots of the whole state: `VACUUM INTO` a file (a consistent online copy), list them, and
//! restore one into the live database in one transaction. A snapshot from an older emulator is
//! migrated first (on a copy); one from a newer emulator is refused.
//!
//! A snapshot may come from anyone (`PUT /_emulator/snapshots/{name}`), so a restore trusts nothing
//! in it: on a private copy it runs SQLite's integrity check, refuses views, virtual tables and any
//! table, index or trigger the live schema does not have (before and after migrating), and only
//! then copies rows into the live database. Every statement runs under a time limit (an SQLite
//! progress handler, [`RESTORE_TIME_LIMIT_MS`]), restores run one at a time, and the copy is always
//! detached and deleted.
//!
//! This module is SQLite-only by nature (`VACUUM INTO`, `ATTACH`, `sqlite_master`, `PRAGMA`s), and
//! it is the one place that opens SQLite connections of its own instead of the store's `Any` pools:
//! the snapshot copy is checked and migrated through a SQLite pool, and the rows are copied on a
//! SQLite connection to the live database (the `Any` driver has no progress handler), while the
//! store's writer connection is held so that no other write runs meanwhile.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};

use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, SqliteConnection};

use super::Store;
use crate::domain::limits::RESTORE_TIME_LIMIT_MS;

/// One restore at a time in the process: parallel CI jobs restoring a shared baseline queue here
/// instead of attaching over each other.
pub(super) static RESTORING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A schema object: (type, name, table, SQL).
type SchemaObject = (String, String, String, Option<String>);

/// Tables a restore leaves alone (schema bookkeeping, settings of this run, stored snapshots): the
/// same for both snapshot formats.
use super::portable::NOT_STATE as KEEP;

/// Why a restore was refused.
#[derive(Debug)]
pub enum RestoreError {
    NotFound,
    /// Made by a newer emulator (applied migrations this build does not know).
    TooNew(Vec<i64>),
    Invalid(String),
    Internal(sqlx::Error),
}

impl From<sqlx::Error> for RestoreError {
    fn from(err: sqlx::Error) -> Self {
        RestoreError::Invalid(err.to_string())
    }
}

/// Why a snapshot cannot be saved or restored on PostgreSQL (yet).
const SQLITE_ONLY: &str = "snapshots are files of a SQLite database: not available on PostgreSQL";

fn sql_string(path: &Path) -> String {
    format!("'{}'", path.to_string_lossy().replace('\'', "''"))
}

impl Store {
    /// Writes a consistent copy of the database to `path` (replacing a file already there).
    pub async fn snapshot_to(&self, path: &Path) -> Result<(), sqlx::Error> {
        if self.sqlite.is_none() {
            return Err(sqlx::Error::Configuration(SQLITE_ONLY.into()));
        }
        if path.exists() {
            std::fs::remove_file(path)?;
        }
        sqlx::query(&format!("VACUUM INTO {}", sql_string(path))).execute(&self.writer).await?;
        Ok(())
    }

    /// Replaces every resource with the snapshot's.
    pub async fn restore_from(&self, path: &Path) -> Result<(), RestoreError> {
        if self.sqlite.is_none() {
            return Err(RestoreError::Invalid(SQLITE_ONLY.into()));
        }
        let _one_at_a_time = RESTORING.lock().await;
        if !path.exists() {
            return Err(RestoreError::NotFound);
        }
        // Work on a private copy: migrating must not change the saved snapshot, and a concurrent
        // save or upload of the same name must not change what is attached.
        let copy = path.with_extension(format!("restoring-{}", uuid::Uuid::new_v4().simple()));
        std::fs::copy(path, &copy).map_err(|e| RestoreError::Invalid(e.to_string()))?;
        let deadline = Instant::now() + Duration::from_millis(RESTORE_TIME_LIMIT_MS);
        self.tokens.invalidate();
        let result = self.restore_copy(&copy, deadline).await;
        self.reload_known_tokens().await;
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", copy.to_string_lossy()));
        }
        result
    }

    /// The live schema (every object but SQLite's own).
    async fn live_schema(&self) -> Result<BTreeSet<SchemaObject>, RestoreError> {
        let rows: Vec<SchemaObject> =
            sqlx::query_as("SELECT type, name, tbl_name, sql FROM main.sqlite_master WHERE name NOT LIKE 'sqlite_%'")
                .fetch_all(&self.reader)
                .await
                .map_err(RestoreError::Internal)?;
        Ok(rows.into_iter().collect())
    }

    /// The portable export of the SQLite file snapshot at `path`: read from a private copy, checked
    /// and migrated to this emulator's schema as a restore would. The outer error is the export's,
    /// the inner one why the file was refused.
    pub async fn export_file_portable(
        &self,
        path: &Path,
        created_ms: i64,
        max_bytes: u64,
    ) -> Result<Vec<u8>, Result<super::portable::ExportError, RestoreError>> {
        let _one_at_a_time = RESTORING.lock().await;
        if !path.exists() {
            return Err(Err(RestoreError::NotFound));
        }
        let copy = path.with_extension(format!("exporting-{}", uuid::Uuid::new_v4().simple()));
        let result = async {
            std::fs::copy(path, &copy).map_err(|e| Err(RestoreError::Invalid(e.to_string())))?;
            let deadline = Instant::now() + Duration::from_millis(RESTORE_TIME_LIMIT_MS);
            self.check_and_migrate(&copy, deadline).await.map_err(Err)?;
            let options = SqliteConnectOptions::new().filename(&copy).read_only(true);
            let any = sqlx::any::AnyConnectOptions::from_url(&options.to_url_lossy()).map_err(|e| Ok(e.into()))?;
            let mut conn = sqlx::AnyConnection::connect_with(&any).await.map_err(|e| Ok(e.into()))?;
            let exported =
                super::portable::export(&mut conn, super::Backend::Sqlite, created_ms, max_bytes).await.map_err(Ok);
            let _ = conn.close().await;
            exported
        }
        .await;
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", copy.to_string_lossy()));
        }
        result
    }

    /// Checks a private copy of a snapshot file against the live schema and migrates it to this
    /// emulator's schema (see the module's comment).
    async fn check_and_migrate(&self, copy: &Path, deadline: Instant) -> Result<(), RestoreError> {
        let migrator = sqlx::migrate!("./migrations");
        let known: Vec<i64> = migrator.iter().map(|m| m.version).collect();
        let live = self.live_schema().await?;
        {
            // A one-connection pool: `Migrator::run` on a bare connection is not `Send` in sqlx 0.8.
            let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", copy.to_string_lossy()))?;
            let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await?;
            let checked = async {
                let mut conn = pool.acquire().await?;
                time_limit(&mut conn, deadline).await?;
                validate(&mut conn, &live, &migrator, false).await
            }
            .await;
            if let Err(err) = checked {
                pool.close().await;
                return Err(err);
            }
            let applied: Result<Vec<(i64,)>, _> =
                sqlx::query_as("SELECT version FROM _sqlx_migrations").fetch_all(&pool).await;
            let applied = match applied {
                Ok(applied) => applied,
                Err(e) => {
                    pool.close().await;
                    return Err(RestoreError::Invalid(format!("not an emulator snapshot: {e}")));
                }
            };
            let unknown: Vec<i64> = applied.into_iter().map(|(v,)| v).filter(|v| !known.contains(v)).collect();
            if !unknown.is_empty() {
                pool.close().await;
                return Err(RestoreError::TooNew(unknown));
            }
            let migrated = migrator.run(&pool).await;
            let checked = match migrated {
                Ok(()) => {
                    async {
                        let mut conn = pool.acquire().await?;
                        validate(&mut conn, &live, &migrator, true).await
                    }
                    .await
                }
                Err(e) => Err(RestoreError::Invalid(format!("cannot migrate the snapshot: {e}"))),
            };
            pool.close().await;
            checked?;
        }
        Ok(())
    }

    async fn restore_copy(&self, copy: &Path, deadline: Instant) -> Result<(), RestoreError> {
        self.check_and_migrate(copy, deadline).await?;
        // Holding the writer connection (idle) keeps every other write out until the copy is done.
        let held = self.writer.acquire().await.map_err(RestoreError::Internal)?;
        let Some(sqlite) = &self.sqlite else { return Err(RestoreError::Invalid(SQLITE_ONLY.into())) };
        let mut conn = sqlite
            .clone()
            .busy_timeout(Duration::from_secs(10))
            .synchronous(SqliteSynchronous::Normal)
            .connect()
            .await
            .map_err(RestoreError::Internal)?;
        sqlx::query(&format!("ATTACH DATABASE {} AS snapshot", sql_string(copy))).execute(&mut conn).await?;
        let limited = time_limit(&mut conn, deadline).await;
        let copied = async {
            limited?;
            let mut tx = conn.begin().await?;
            let tables: Vec<(String,)> = sqlx::query_as(
                "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
            )
            .fetch_all(&mut *tx)
            .await?;
            let triggered: Vec<(String,)> =
                sqlx::query_as("SELECT DISTINCT tbl_name FROM main.sqlite_master WHERE type = 'trigger'")
                    .fetch_all(&mut *tx)
                    .await?;
            let triggered: BTreeSet<&str> = triggered.iter().map(|(t,)| t.as_str()).collect();
            let tables: Vec<&str> = tables.iter().map(|(t,)| t.as_str()).filter(|t| !KEEP.contains(t)).collect();
            for table in &tables {
                sqlx::query(&format!("DELETE FROM main.\"{table}\"")).execute(&mut *tx).await?;
            }
            // Tables with triggers first (their triggers fill derived tables, such as image_counts),
            // then the others, each emptied again just before its rows go in: a derived table ends
            // up exactly as in the snapshot, whatever the tables' names sort as.
            let (first, then): (Vec<&str>, Vec<&str>) = tables.iter().partition(|t| triggered.contains(*t));
            for table in first.into_iter().chain(then) {
                if !triggered.contains(table) {
                    sqlx::query(&format!("DELETE FROM main.\"{table}\"")).execute(&mut *tx).await?;
                }
                let columns: Vec<(i64, String, String, i64, Option<String>, i64)> =
                    sqlx::query_as(&format!("PRAGMA main.table_info(\"{table}\")")).fetch_all(&mut *tx).await?;
                let list = columns.iter().map(|c| format!("\"{}\"", c.1)).collect::<Vec<_>>().join(", ");
                sqlx::query(&format!("INSERT INTO main.\"{table}\" ({list}) SELECT {list} FROM snapshot.\"{table}\""))
                    .execute(&mut *tx)
                    .await?;
            }
            let without_plan: Option<(String,)> =
                sqlx::query_as(super::executions::FIRST_WITHOUT_PLAN).fetch_optional(&mut *tx).await?;
            if let Some((id,)) = without_plan {
                return Err(RestoreError::Invalid(super::executions::no_plan(&id)));
            }
            tx.commit().await.map_err(RestoreError::from)
        }
        .await;
        // The connection is the restore's own: closing it detaches the copy.
        if let Err(err) = conn.close().await {
            tracing::warn!(error = %err, "could not close the restore's connection");
        }
        drop(held);
        self.pipelines.clear();
        copied.map_err(|err| match err {
            RestoreError::Invalid(why) if Instant::now() >= deadline => RestoreError::Invalid(format!(
                "the restore took longer than {RESTORE_TIME_LIMIT_MS} ms and was abandoned ({why})"
            )),
            other => other,
        })
    }
}

/// Interrupts any statement of `conn` once `deadline` passes.
async fn time_limit(conn: &mut SqliteConnection, deadline: Instant) -> Result<(), RestoreError> {
    let mut handle = conn.lock_handle().await?;
    handle.set_progress_handler(10_000, move || Instant::now() < deadline);
    Ok(())
}

/// Checks a snapshot copy: SQLite's integrity check, then its schema against the live one. Before
/// migrating (`migrated = false`) an older snapshot may lack objects, but every object it has must
/// be a live table, an index of one, or a trigger as this emulator's migrations write one (the live
/// one, or one a later migration replaces: SQLite keeps a trigger's `CREATE` text verbatim); after
/// migrating the schemas must be equal. Views and virtual tables are never accepted.
async fn validate(
    conn: &mut SqliteConnection,
    live: &BTreeSet<SchemaObject>,
    migrator: &sqlx::migrate::Migrator,
    migrated: bool,
) -> Result<(), RestoreError> {
    let (check,): (String,) = sqlx::query_as("PRAGMA quick_check(1)").fetch_one(&mut *conn).await?;
    if check != "ok" {
        return Err(RestoreError::Invalid(format!("the snapshot fails SQLite's integrity check: {check}")));
    }
    let objects: Vec<SchemaObject> =
        sqlx::query_as("SELECT type, name, tbl_name, sql FROM main.sqlite_master WHERE name NOT LIKE 'sqlite_%'")
            .fetch_all(&mut *conn)
            .await?;
    let live_tables: BTreeSet<&str> = live.iter().filter(|o| o.0 == "table").map(|o| o.1.as_str()).collect();
    for object in &objects {
        let (kind, name, table, sql) = object;
        let sql_text = sql.as_deref().unwrap_or_default();
        let allowed = match kind.as_str() {
            "table" => live_tables.contains(name.as_str()) && !sql_text.to_ascii_uppercase().contains("VIRTUAL"),
            "index" => live_tables.contains(table.as_str()),
            "trigger" => {
                live.contains(object) || (!sql_text.is_empty() && migrator.iter().any(|m| m.sql.contains(sql_text)))
            }
            _ => false,
        };
        let exact = !migrated || live.contains(object);
        if !allowed || !exact {
            return Err(RestoreError::Invalid(format!(
                "the snapshot's schema has {kind} \"{name}\", which this emulator's schema does not (only its own tables, indexes and triggers are restored)"
            )));
        }
    }
    if migrated {
        let found: BTreeSet<&SchemaObject> = objects.iter().collect();
        if let Some(missing) = live.iter().find(|o| !found.contains(o)) {
            return Err(RestoreError::Invalid(format!("the snapshot lacks the {} \"{}\"", missing.0, missing.1)));
        }
    }
    Ok(())
}

/// Where snapshots of a database live: `<db>.snapshots/` beside the file, or a temporary folder
/// for `:memory:`.
pub fn snapshot_dir(db: &str) -> PathBuf {
    // A PostgreSQL URL is no place in the file system (and its snapshots are not files yet).
    if db == ":memory:" || super::Backend::of(db) == super::Backend::Postgres {
        std::env::temp_dir().join(format!("ecs-imagebuilder-emulator-{}-snapshots", std::process::id()))
    } else {
        PathBuf::from(format!("{db}.snapshots"))
    }
}
