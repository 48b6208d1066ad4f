//! Snapshots of the whole state: `VACUUM INTO` a file (a consistent online copy), list them, and
//! restore one into the live database in one transaction. A snapshot from an older emulator is
//! migrated first (on a copy); one from a newer emulator is refused.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::Connection;

use super::Store;
use crate::error::{ApiError, ApiResult};

/// Tables a restore leaves alone (schema bookkeeping, settings of this run).
const KEEP: &[&str] = &["_sqlx_migrations", "emulator_state", "id_counters"];

/// Why a restore was refused.
#[derive(Debug)]
pub enum RestoreError {
    NotFound,
    /// Made by a newer emulator (applied migrations this build does not know).
    TooNew(Vec<i64>),
    Invalid(String),
    Internal(ApiError),
}

impl From<ApiError> for RestoreError {
    fn from(err: ApiError) -> Self {
        RestoreError::Internal(err)
    }
}

impl From<sqlx::Error> for RestoreError {
    fn from(err: sqlx::Error) -> Self {
        RestoreError::Invalid(err.to_string())
    }
}

fn sql_string(path: &Path) -> String {
    format!("'{}'", path.to_string_lossy().replace('\'', "''"))
}

impl Store {
    /// Writes a consistent copy of the database to `path` (replacing a file already there).
    pub async fn snapshot_to(&self, path: &Path) -> ApiResult<()> {
        if path.exists() {
            std::fs::remove_file(path).map_err(ApiError::internal)?;
        }
        sqlx::query(&format!("VACUUM INTO {}", sql_string(path))).execute(&self.writer).await?;
        Ok(())
    }

    /// Replaces every resource with the snapshot's.
    pub async fn restore_from(&self, path: &Path) -> Result<(), RestoreError> {
        if !path.exists() {
            return Err(RestoreError::NotFound);
        }
        // Work on a copy: migrating must not change the saved snapshot.
        let copy = path.with_extension("restoring");
        std::fs::copy(path, &copy).map_err(|e| RestoreError::Invalid(e.to_string()))?;
        let result = self.restore_copy(&copy).await;
        let _ = std::fs::remove_file(&copy);
        result
    }

    async fn restore_copy(&self, copy: &Path) -> Result<(), RestoreError> {
        let migrator = sqlx::migrate!("./migrations");
        let known: Vec<i64> = migrator.iter().map(|m| m.version).collect();
        {
            // A one-connection pool: `Migrator::run` on a bare connection is not `Send` in sqlx 0.8.
            let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", copy.to_string_lossy()))?;
            let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await?;
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
            pool.close().await;
            migrated.map_err(|e| RestoreError::Invalid(format!("cannot migrate the snapshot: {e}")))?;
        }
        let mut conn = self.writer.acquire().await.map_err(ApiError::from)?;
        sqlx::query(&format!("ATTACH DATABASE {} AS snapshot", sql_string(copy))).execute(&mut *conn).await?;
        let copied = async {
            let mut tx = conn.begin().await?;
            let tables: Vec<(String,)> = sqlx::query_as(
                "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
            )
            .fetch_all(&mut *tx)
            .await?;
            for (table,) in tables.iter().filter(|(t,)| !KEEP.contains(&t.as_str())) {
                let columns: Vec<(i64, String, String, i64, Option<String>, i64)> =
                    sqlx::query_as(&format!("PRAGMA main.table_info(\"{table}\")")).fetch_all(&mut *tx).await?;
                let list = columns.iter().map(|c| format!("\"{}\"", c.1)).collect::<Vec<_>>().join(", ");
                sqlx::query(&format!("DELETE FROM main.\"{table}\"")).execute(&mut *tx).await?;
                sqlx::query(&format!("INSERT INTO main.\"{table}\" ({list}) SELECT {list} FROM snapshot.\"{table}\""))
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await
        }
        .await;
        sqlx::query("DETACH DATABASE snapshot").execute(&mut *conn).await?;
        self.pipelines.clear();
        copied.map_err(RestoreError::from)
    }
}

/// Where snapshots of a database live: `<db>.snapshots/` beside the file, or a temporary folder
/// for `:memory:`.
pub fn snapshot_dir(db: &str) -> PathBuf {
    if db == ":memory:" {
        std::env::temp_dir().join(format!("ecs-imagebuilder-emulator-{}-snapshots", std::process::id()))
    } else {
        PathBuf::from(format!("{db}.snapshots"))
    }
}
