//! SQL for the control state replicas share on one database (issue 15, migration 0014): the
//! `control_state` row (the manual clock's time, the fault rules' version, the next fault ID), the
//! fault rules with their counters, and the request journal. Values go in and out as plain numbers
//! and JSON text: what they mean is `crate::shared`'s business. SQLite never uses these tables (one
//! process keeps them in memory), but the SQL is portable.

use super::sql::Sql;
use super::{Store, WriteTx};

/// The one row of `control_state`.
const ROW: i64 = 1;

/// The shared control row: the manual clock's time (if a manual-clock replica set it) and the
/// version of the fault rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlRow {
    pub clock_ms: Option<i64>,
    pub faults_version: i64,
}

/// A stored fault rule: its ID, its spec as JSON, when it was added and its counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRow {
    pub id: String,
    pub spec: String,
    pub created_ms: i64,
    pub matched: i64,
    pub fired: i64,
}

/// What a journal listing filters on (the columns the journal table indexes by value).
#[derive(Debug, Clone, Default)]
pub struct JournalQuery<'a> {
    pub action: Option<&'a str>,
    pub account: Option<&'a str>,
    pub region: Option<&'a str>,
    pub code: Option<&'a str>,
    pub status: Option<i64>,
    pub errors_only: bool,
    pub before: Option<i64>,
    pub limit: i64,
}

/// One journal entry to store (its JSON and the columns it is filtered by).
#[derive(Debug, Clone)]
pub struct JournalInsert {
    pub entry: String,
    pub action: String,
    pub account: String,
    pub region: String,
    pub code: String,
    pub status: i64,
    pub request_id: String,
}

type FaultTuple = (String, String, i64, i64, i64);

fn fault_row((id, spec, created_ms, matched, fired): FaultTuple) -> FaultRow {
    FaultRow { id, spec, created_ms, matched, fired }
}

impl Store {
    /// Makes sure the control row exists; a manual-clock replica passes its start time, which
    /// becomes the shared time if none is set yet or the shared time is behind it (as a restarted
    /// SQLite emulator resumes at the later of its saved time and the wall clock). Returns the row.
    pub async fn control_init(&self, clock_ms: Option<i64>) -> Result<ControlRow, sqlx::Error> {
        let mut tx = self.write().await?;
        sqlx::query("INSERT INTO control_state (id, clock_ms) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING")
            .bind(ROW)
            .bind(clock_ms)
            .execute(tx.conn().await?)
            .await?;
        if let Some(clock_ms) = clock_ms {
            sqlx::query("UPDATE control_state SET clock_ms = $1 WHERE id = $2 AND (clock_ms IS NULL OR clock_ms < $1)")
                .bind(clock_ms)
                .bind(ROW)
                .execute(tx.conn().await?)
                .await?;
        }
        tx.commit().await?;
        self.control_row().await
    }

    /// The control row (one indexed read; what a replica does before each request).
    pub async fn control_row(&self) -> Result<ControlRow, sqlx::Error> {
        let row: Option<(Option<i64>, i64)> =
            sqlx::query_as("SELECT clock_ms, faults_version FROM control_state WHERE id = $1")
                .bind(ROW)
                .fetch_optional(&self.reader)
                .await?;
        let (clock_ms, faults_version) = row.unwrap_or((None, 0));
        Ok(ControlRow { clock_ms, faults_version })
    }

    /// Moves the shared manual clock to `ms` past the later of its time and `local_ms` (this
    /// replica's) and returns the new time (`None` if no manual-clock replica ever set it).
    pub async fn clock_advance(&self, local_ms: i64, ms: i64) -> Result<Option<i64>, sqlx::Error> {
        let mut tx = self.write().await?;
        sqlx::query(
            "UPDATE control_state SET clock_ms = (CASE WHEN clock_ms > $1 THEN clock_ms ELSE $1 END) + $2 WHERE id = $3",
        )
        .bind(local_ms)
        .bind(ms)
        .bind(ROW)
            .execute(tx.conn().await?)
            .await?;
        let row: Option<(Option<i64>,)> = sqlx::query_as("SELECT clock_ms FROM control_state WHERE id = $1")
            .bind(ROW)
            .fetch_optional(tx.conn().await?)
            .await?;
        tx.commit().await?;
        Ok(row.and_then(|(ms,)| ms))
    }

    /// Every fault rule, oldest first.
    pub async fn fault_rows(&self) -> Result<Vec<FaultRow>, sqlx::Error> {
        let rows: Vec<FaultTuple> =
            sqlx::query_as("SELECT id, spec, created_ms, matched, fired FROM fault_rules ORDER BY seq")
                .fetch_all(&self.reader)
                .await?;
        Ok(rows.into_iter().map(fault_row).collect())
    }

    /// Stores a journal entry and returns its sequence number; entries older than the newest
    /// `keep` are dropped now and then.
    pub async fn journal_insert(&self, entry: &JournalInsert, keep: i64) -> Result<i64, sqlx::Error> {
        let mut tx = self.write().await?;
        let (last,): (Option<i64>,) =
            sqlx::query_as("SELECT MAX(seq) FROM journal").fetch_one(tx.conn().await?).await?;
        let seq = last.unwrap_or(0) + 1;
        sqlx::query(
            "INSERT INTO journal (seq, entry, action, caller, region, code, status, request_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(seq)
        .bind(&entry.entry)
        .bind(&entry.action)
        .bind(&entry.account)
        .bind(&entry.region)
        .bind(&entry.code)
        .bind(entry.status)
        .bind(&entry.request_id)
        .execute(tx.conn().await?)
        .await?;
        if seq % 64 == 0 {
            sqlx::query("DELETE FROM journal WHERE seq <= $1").bind(seq - keep).execute(tx.conn().await?).await?;
        }
        tx.commit().await?;
        Ok(seq)
    }

    /// The newest matching entries (seq and JSON), newest first.
    pub async fn journal_list(&self, query: &JournalQuery<'_>) -> Result<Vec<(i64, String)>, sqlx::Error> {
        let mut sql = Sql::new("SELECT seq, entry FROM journal WHERE 1 = 1");
        for (column, value) in
            [("action", query.action), ("caller", query.account), ("region", query.region), ("code", query.code)]
        {
            if let Some(value) = value {
                sql.push(format_args!(" AND {column} = ")).push_bind(value.to_string());
            }
        }
        if let Some(status) = query.status {
            sql.push(" AND status = ").push_bind(status);
        }
        if query.errors_only {
            sql.push(" AND status >= 400");
        }
        if let Some(before) = query.before {
            sql.push(" AND seq < ").push_bind(before);
        }
        sql.push(" ORDER BY seq DESC LIMIT ").push_bind(query.limit);
        sql.query_as::<(i64, String)>()?.fetch_all(&self.reader).await
    }

    /// The newest entry with this RequestId.
    pub async fn journal_by_request(&self, request_id: &str) -> Result<Option<(i64, String)>, sqlx::Error> {
        sqlx::query_as("SELECT seq, entry FROM journal WHERE request_id = $1 ORDER BY seq DESC LIMIT 1")
            .bind(request_id)
            .fetch_optional(&self.reader)
            .await
    }

    /// Deletes every journal entry; returns how many.
    pub async fn journal_clear(&self) -> Result<u64, sqlx::Error> {
        let mut tx = self.write().await?;
        let gone = sqlx::query("DELETE FROM journal").execute(tx.conn().await?).await?.rows_affected();
        tx.commit().await?;
        Ok(gone)
    }
}

impl WriteTx {
    /// Every fault rule, oldest first, read inside this transaction (to update counters).
    pub async fn fault_rows(&mut self) -> Result<Vec<FaultRow>, sqlx::Error> {
        let rows: Vec<FaultTuple> =
            sqlx::query_as("SELECT id, spec, created_ms, matched, fired FROM fault_rules ORDER BY seq")
                .fetch_all(self.conn().await?)
                .await?;
        Ok(rows.into_iter().map(fault_row).collect())
    }

    /// Takes the next fault rule number (fault-N).
    pub async fn next_fault_number(&mut self) -> Result<i64, sqlx::Error> {
        let row: Option<(i64,)> = sqlx::query_as("SELECT next_fault FROM control_state WHERE id = $1")
            .bind(ROW)
            .fetch_optional(self.conn().await?)
            .await?;
        let next = row.map_or(1, |(n,)| n);
        sqlx::query("UPDATE control_state SET next_fault = $1 WHERE id = $2")
            .bind(next + 1)
            .bind(ROW)
            .execute(self.conn().await?)
            .await?;
        Ok(next)
    }

    /// Adds a rule (after the others).
    pub async fn insert_fault(&mut self, row: &FaultRow) -> Result<(), sqlx::Error> {
        let (last,): (Option<i64>,) =
            sqlx::query_as("SELECT MAX(seq) FROM fault_rules").fetch_one(self.conn().await?).await?;
        sqlx::query(
            "INSERT INTO fault_rules (id, seq, spec, created_ms, matched, fired) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&row.id)
        .bind(last.unwrap_or(0) + 1)
        .bind(&row.spec)
        .bind(row.created_ms)
        .bind(row.matched)
        .bind(row.fired)
        .execute(self.conn().await?)
        .await?;
        Ok(())
    }

    /// Deletes one rule (`Some(id)`) or all; returns how many.
    pub async fn delete_faults(&mut self, id: Option<&str>) -> Result<u64, sqlx::Error> {
        let result = match id {
            Some(id) => {
                sqlx::query("DELETE FROM fault_rules WHERE id = $1").bind(id).execute(self.conn().await?).await?
            }
            None => sqlx::query("DELETE FROM fault_rules").execute(self.conn().await?).await?,
        };
        Ok(result.rows_affected())
    }

    /// Writes a rule's counters.
    pub async fn fault_counters(&mut self, id: &str, matched: i64, fired: i64) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE fault_rules SET matched = $1, fired = $2 WHERE id = $3")
            .bind(matched)
            .bind(fired)
            .bind(id)
            .execute(self.conn().await?)
            .await?;
        Ok(())
    }

    /// Marks the fault rules changed, so every replica reloads them.
    pub async fn bump_faults_version(&mut self) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE control_state SET faults_version = faults_version + 1 WHERE id = $1")
            .bind(ROW)
            .execute(self.conn().await?)
            .await?;
        Ok(())
    }
}
