//! SQL for the control plane: persisted emulator settings (key/value) and reset.

use sqlx::SqliteConnection;

use super::Store;
use crate::domain::outcome::OutcomeRule;
use crate::error::{ApiError, ApiResult};

/// Tables that are never reset (schema bookkeeping).
const KEEP: &[&str] = &["_sqlx_migrations", "emulator_state", "id_counters"];

impl Store {
    pub async fn state_get(&self, key: &str) -> ApiResult<Option<String>> {
        let row: Option<(String,)> = sqlx::query_as("SELECT value FROM emulator_state WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.writer)
            .await?;
        Ok(row.map(|(v,)| v))
    }

    pub async fn state_set(&self, key: &str, value: &str) -> ApiResult<()> {
        sqlx::query("INSERT INTO emulator_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Deletes every resource, or every resource of one account (what it owns, the events of its
    /// builds, the shares of its images and the shares made to it). Returns the rows deleted.
    pub async fn reset(&self, account: Option<&str>) -> ApiResult<u64> {
        let mut tx = self.writer.begin().await?;
        let tables: Vec<(String,)> = sqlx::query_as(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut deleted = 0;
        if let Some(account) = account {
            deleted += sqlx::query(
                "DELETE FROM execution_events WHERE execution_id IN (SELECT id FROM executions WHERE account = ?)",
            )
            .bind(account)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            deleted +=
                sqlx::query("DELETE FROM image_shares WHERE image_id IN (SELECT id FROM images WHERE account = ?)")
                    .bind(account)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
        }
        for (table,) in tables.iter().filter(|(t,)| !KEEP.contains(&t.as_str())) {
            let sql = match account {
                None => format!("DELETE FROM \"{table}\""),
                Some(_) => {
                    let columns: Vec<(i64, String, String, i64, Option<String>, i64)> =
                        sqlx::query_as(&format!("PRAGMA table_info(\"{table}\")")).fetch_all(&mut *tx).await?;
                    if !columns.iter().any(|c| c.1 == "account") {
                        continue;
                    }
                    format!("DELETE FROM \"{table}\" WHERE account = ?")
                }
            };
            deleted += sqlx::query(&sql).bind(account).execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        self.pipelines.clear();
        Ok(deleted)
    }
}

/// A stored outcome rule with its ID and how many builds it still applies to.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredOutcome {
    pub id: String,
    #[serde(flatten)]
    pub rule: OutcomeRule,
    pub remaining: Option<i64>,
}

/// The first rule (oldest first) matching a build about to start; uses one of its builds.
pub(super) async fn take_outcome(
    conn: &mut SqliteConnection,
    account: &str,
    pipeline_id: &str,
    pipeline_name: &str,
) -> ApiResult<Option<OutcomeRule>> {
    take_first(conn, |rule| rule.matches(account, pipeline_id, pipeline_name)).await
}

/// The first rule (oldest first) that fails a `CopyImage` about to start; uses one of its runs.
pub(super) async fn take_copy_outcome(
    conn: &mut SqliteConnection,
    account: &str,
    source: &str,
    destination: &str,
) -> ApiResult<Option<OutcomeRule>> {
    take_first(conn, |rule| rule.matches_copy(account, source, destination)).await
}

async fn take_first(
    conn: &mut SqliteConnection,
    matches: impl Fn(&OutcomeRule) -> bool,
) -> ApiResult<Option<OutcomeRule>> {
    let rows: Vec<(String, String, Option<i64>)> =
        sqlx::query_as("SELECT id, rule, remaining FROM outcome_rules ORDER BY created_ms, rowid")
            .fetch_all(&mut *conn)
            .await?;
    for (id, text, remaining) in rows {
        let Ok(rule) = serde_json::from_str::<OutcomeRule>(&text) else { continue };
        if !matches(&rule) {
            continue;
        }
        match remaining {
            Some(n) if n <= 1 => {
                sqlx::query("DELETE FROM outcome_rules WHERE id = ?").bind(&id).execute(&mut *conn).await?;
            }
            Some(_) => {
                sqlx::query("UPDATE outcome_rules SET remaining = remaining - 1 WHERE id = ?")
                    .bind(&id)
                    .execute(&mut *conn)
                    .await?;
            }
            None => {}
        }
        return Ok(Some(rule));
    }
    Ok(None)
}

impl Store {
    pub async fn add_outcome(&self, id: &str, rule: &OutcomeRule, now_ms: i64) -> ApiResult<()> {
        let text = serde_json::to_string(rule).map_err(ApiError::internal)?;
        sqlx::query("INSERT INTO outcome_rules (id, rule, remaining, created_ms) VALUES (?, ?, ?, ?)")
            .bind(id)
            .bind(text)
            .bind(rule.count.map(|c| i64::try_from(c).unwrap_or(i64::MAX)))
            .bind(now_ms)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    pub async fn outcomes(&self) -> ApiResult<Vec<StoredOutcome>> {
        let rows: Vec<(String, String, Option<i64>)> =
            sqlx::query_as("SELECT id, rule, remaining FROM outcome_rules ORDER BY created_ms, rowid")
                .fetch_all(&self.writer)
                .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, text, remaining)| {
                serde_json::from_str(&text).ok().map(|rule| StoredOutcome { id, rule, remaining })
            })
            .collect())
    }

    /// Deletes one rule (`Some(id)`) or all; returns how many.
    pub async fn delete_outcomes(&self, id: Option<&str>) -> ApiResult<u64> {
        let result = match id {
            Some(id) => sqlx::query("DELETE FROM outcome_rules WHERE id = ?").bind(id).execute(&self.writer).await?,
            None => sqlx::query("DELETE FROM outcome_rules").execute(&self.writer).await?,
        };
        Ok(result.rows_affected())
    }
}
