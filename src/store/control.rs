//! SQL for the control plane: persisted emulator settings (key/value) and reset.

use super::{encode, Store, WriteTx};
use crate::domain::outcome::OutcomeRule;

/// Tables a reset keeps: schema bookkeeping, this run's settings and shared clock, stored snapshots.
/// (The journal and fault rules, which snapshots leave alone, are cleared by a full reset.)
const KEEP: &[&str] = &["_sqlx_migrations", "control_state", "emulator_state", "id_counters", "portable_snapshots"];

impl Store {
    pub async fn state_get(&self, key: &str) -> Result<Option<String>, sqlx::Error> {
        let row: Option<(String,)> = sqlx::query_as("SELECT value FROM emulator_state WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.writer)
            .await?;
        Ok(row.map(|(v,)| v))
    }

    pub async fn state_set(&self, key: &str, value: &str) -> Result<(), sqlx::Error> {
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO emulator_state (key, value) VALUES ($1, $2) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }

    /// Deletes every resource, or every resource of one account (what it owns, the plans, events and
    /// transit resources of its builds, the shares of its images and the shares made to it). Returns
    /// the rows deleted.
    pub async fn reset(&self, account: Option<&str>) -> Result<u64, sqlx::Error> {
        let mut tx = self.begin_write().await?;
        let tables: Vec<(String, i64)> = sqlx::query_as(self.backend.tables_sql()).fetch_all(&mut *tx).await?;
        let mut deleted = 0;
        if let Some(account) = account {
            for table in super::executions::OWNED_BY_EXECUTION {
                deleted += sqlx::query(&format!(
                    "DELETE FROM {table} WHERE execution_id IN (SELECT id FROM executions WHERE account = $1)"
                ))
                .bind(account)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            }
            deleted +=
                sqlx::query("DELETE FROM image_shares WHERE image_id IN (SELECT id FROM images WHERE account = $1)")
                    .bind(account)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
        }
        for (table, has_account) in tables.iter().filter(|(t, _)| !KEEP.contains(&t.as_str())) {
            let deleted_here = match account {
                None => sqlx::query(&format!("DELETE FROM \"{table}\"")).execute(&mut *tx).await?,
                Some(_) if *has_account == 0 => continue,
                Some(account) => {
                    sqlx::query(&format!("DELETE FROM \"{table}\" WHERE account = $1"))
                        .bind(account)
                        .execute(&mut *tx)
                        .await?
                }
            };
            deleted += deleted_here.rows_affected();
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

impl WriteTx {
    /// Every readable outcome rule, oldest first (rows that do not decode are skipped).
    pub async fn outcome_rules(&mut self) -> Result<Vec<StoredOutcome>, sqlx::Error> {
        let rows: Vec<(String, String, Option<i64>)> =
            sqlx::query_as("SELECT id, rule, remaining FROM outcome_rules ORDER BY created_ms, seq")
                .fetch_all(self.conn().await?)
                .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, text, remaining)| {
                serde_json::from_str(&text).ok().map(|rule| StoredOutcome { id, rule, remaining })
            })
            .collect())
    }

    /// Uses one run of a rule: deleted with its last run, else its count goes down.
    pub async fn use_outcome(&mut self, outcome: &StoredOutcome) -> Result<(), sqlx::Error> {
        match outcome.remaining {
            Some(n) if n <= 1 => {
                sqlx::query("DELETE FROM outcome_rules WHERE id = $1")
                    .bind(&outcome.id)
                    .execute(self.conn().await?)
                    .await?;
            }
            Some(_) => {
                sqlx::query("UPDATE outcome_rules SET remaining = remaining - 1 WHERE id = $1")
                    .bind(&outcome.id)
                    .execute(self.conn().await?)
                    .await?;
            }
            None => {}
        }
        Ok(())
    }
}

impl Store {
    pub async fn add_outcome(&self, id: &str, rule: &OutcomeRule, now_ms: i64) -> Result<(), sqlx::Error> {
        let text = serde_json::to_string(rule).map_err(encode)?;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO outcome_rules (id, rule, remaining, created_ms, seq) \
             VALUES ($1, $2, $3, $4, (SELECT COALESCE(MAX(seq), 0) + 1 FROM outcome_rules))",
        )
        .bind(id)
        .bind(text)
        .bind(rule.count.map(|c| i64::try_from(c).unwrap_or(i64::MAX)))
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }

    pub async fn outcomes(&self) -> Result<Vec<StoredOutcome>, sqlx::Error> {
        let rows: Vec<(String, String, Option<i64>)> =
            sqlx::query_as("SELECT id, rule, remaining FROM outcome_rules ORDER BY created_ms, seq")
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
    pub async fn delete_outcomes(&self, id: Option<&str>) -> Result<u64, sqlx::Error> {
        let mut tx = self.begin_write().await?;
        let result = match id {
            Some(id) => sqlx::query("DELETE FROM outcome_rules WHERE id = $1").bind(id).execute(&mut *tx).await?,
            None => sqlx::query("DELETE FROM outcome_rules").execute(&mut *tx).await?,
        };
        tx.commit().await?;
        Ok(result.rows_affected())
    }
}
