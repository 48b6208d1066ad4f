//! Portable snapshots (`domain::snapshot` owns the format): exporting every resource table of a
//! database as rows, restoring such an export in one write transaction, and the `portable_snapshots`
//! table that keeps them on PostgreSQL (shared by every replica; on SQLite they are files beside
//! the `.db` ones, kept by the control plane). The same code reads and writes both backends; the
//! schema walk (which tables, which columns, which tables have triggers) is the one place that
//! asks each backend its own way.
//!
//! What a snapshot carries: every table but the schema bookkeeping and this run's settings
//! ([`NOT_STATE`]), as the SQLite file snapshot restores them. A restore empties every such table
//! and inserts the snapshot's rows with multi-row `INSERT`s (`sql.rs`), tables that have triggers
//! first (their triggers fill derived tables, such as `pipeline_counts`), then the others, each
//! emptied again just before its rows go in, so a derived table ends up exactly as exported.
//! Columns a snapshot from an older schema lacks take their defaults; a newer schema is refused.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::any::AnyTypeInfoKind;
use sqlx::{AnyConnection, Connection, Row, ValueRef};

use super::snapshots::RestoreError;
use super::sql::Sql;
use super::Store;
use crate::domain::snapshot::{is_identifier, Cell, Encoder, Snapshot};

/// Tables that are not state: migrations, this run's settings and counters, stored snapshots.
pub const NOT_STATE: &[&str] = &["_sqlx_migrations", "emulator_state", "id_counters", "portable_snapshots"];

/// Values bound per `INSERT` statement (SQLite allows 32 766, PostgreSQL 65 535).
const VALUES_PER_INSERT: usize = 4_000;

/// The backend a connection talks to, for the schema walk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    fn of(conn: &AnyConnection) -> Dialect {
        if conn.backend_name().eq_ignore_ascii_case("postgresql") {
            Dialect::Postgres
        } else {
            Dialect::Sqlite
        }
    }
}

/// What a column holds, for binding a snapshot's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Int,
    Text,
    Bytes,
}

/// A live table: its columns in order, with their kinds.
type Columns = Vec<(String, Kind)>;

/// Why an export failed.
#[derive(Debug)]
pub enum ExportError {
    /// The export would exceed this many bytes.
    TooLarge(u64),
    Db(sqlx::Error),
}

impl From<sqlx::Error> for ExportError {
    fn from(err: sqlx::Error) -> Self {
        ExportError::Db(err)
    }
}

/// The tables of the connected database that hold state, in name order, with their columns.
async fn state_tables(conn: &mut AnyConnection) -> Result<BTreeMap<String, Columns>, sqlx::Error> {
    let dialect = Dialect::of(conn);
    let names: Vec<(String,)> = match dialect {
        Dialect::Sqlite => {
            sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
                .fetch_all(&mut *conn)
                .await?
        }
        Dialect::Postgres => {
            sqlx::query_as(
                "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
            )
            .fetch_all(&mut *conn)
            .await?
        }
    };
    let mut tables = BTreeMap::new();
    for (name,) in names {
        if NOT_STATE.contains(&name.as_str()) || !is_identifier(&name) {
            continue;
        }
        let columns: Vec<(String, String)> = match dialect {
            Dialect::Sqlite => {
                let rows: Vec<(i64, String, String, i64, Option<String>, i64)> =
                    sqlx::query_as(&format!("PRAGMA table_info(\"{name}\")")).fetch_all(&mut *conn).await?;
                rows.into_iter().map(|c| (c.1, c.2)).collect()
            }
            Dialect::Postgres => {
                sqlx::query_as(
                    "SELECT CAST(column_name AS TEXT), CAST(data_type AS TEXT) FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
                )
                .bind(&name)
                .fetch_all(&mut *conn)
                .await?
            }
        };
        let columns = columns.into_iter().map(|(column, declared)| (column, kind_of(&declared))).collect();
        tables.insert(name, columns);
    }
    Ok(tables)
}

/// A column's kind from its declared type (SQLite's affinity rules; PostgreSQL's type names).
fn kind_of(declared: &str) -> Kind {
    let upper = declared.to_ascii_uppercase();
    if upper.contains("INT") {
        Kind::Int
    } else if upper.contains("BLOB") || upper.contains("BYTEA") {
        Kind::Bytes
    } else {
        Kind::Text
    }
}

/// Tables that have triggers (their rows are inserted first: the triggers fill other tables).
async fn triggered_tables(conn: &mut AnyConnection) -> Result<BTreeSet<String>, sqlx::Error> {
    let rows: Vec<(String,)> = match Dialect::of(conn) {
        Dialect::Sqlite => {
            sqlx::query_as("SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger'")
                .fetch_all(&mut *conn)
                .await?
        }
        Dialect::Postgres => {
            sqlx::query_as(
                "SELECT DISTINCT CAST(event_object_table AS TEXT) FROM information_schema.triggers \
                 WHERE trigger_schema = current_schema()",
            )
            .fetch_all(&mut *conn)
            .await?
        }
    };
    Ok(rows.into_iter().map(|(t,)| t).collect())
}

/// The highest migration applied to the connected database.
async fn schema_version(conn: &mut AnyConnection) -> Result<i64, sqlx::Error> {
    let (version,): (Option<i64>,) =
        sqlx::query_as("SELECT MAX(version) FROM _sqlx_migrations").fetch_one(&mut *conn).await?;
    Ok(version.unwrap_or(0))
}

/// The highest migration this build knows.
pub fn known_schema() -> i64 {
    sqlx::migrate!("./migrations").iter().map(|m| m.version).max().unwrap_or(0)
}

/// Exports every state table of the database `conn` is connected to, inside a transaction that
/// sees one consistent state; refuses once the document passes `max_bytes`.
pub(super) async fn export(conn: &mut AnyConnection, created_ms: i64, max_bytes: u64) -> Result<Vec<u8>, ExportError> {
    let dialect = Dialect::of(conn);
    let mut tx = conn.begin().await?;
    if dialect == Dialect::Postgres {
        // One snapshot of the data for every statement of the transaction.
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").execute(&mut *tx).await?;
    }
    let schema = schema_version(&mut tx).await?;
    let tables = state_tables(&mut tx).await?;
    let mut encoder = Encoder::new(schema, created_ms);
    for (table, columns) in &tables {
        let names: Vec<String> = columns.iter().map(|(c, _)| c.clone()).collect();
        encoder.table(table, &names);
        let list = names.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
        let sql = format!("SELECT {list} FROM \"{table}\" ORDER BY {list}");
        // One table's rows at a time (and the document under `max_bytes`).
        let rows = sqlx::query(&sql).fetch_all(&mut *tx).await?;
        let mut cells = Vec::with_capacity(names.len());
        for row in rows {
            cells.clear();
            for (i, column) in names.iter().enumerate() {
                let value = cell(&row, i);
                cells.push(value.map_err(|why| ExportError::Db(super::decode(format!("{table}.{column}: {why}"))))?);
            }
            encoder.row(&cells);
            if encoder.len() as u64 > max_bytes {
                return Err(ExportError::TooLarge(max_bytes));
            }
        }
    }
    drop(tx);
    Ok(encoder.finish())
}

/// One value of a row, by the type of the value itself.
fn cell(row: &sqlx::any::AnyRow, i: usize) -> Result<Cell, String> {
    let raw = row.try_get_raw(i).map_err(|e| e.to_string())?;
    if raw.is_null() {
        return Ok(Cell::Null);
    }
    let kind = raw.type_info().kind();
    let err = |e: sqlx::Error| e.to_string();
    match kind {
        AnyTypeInfoKind::Bool => row.try_get::<bool, _>(i).map(|b| Cell::Int(i64::from(b))).map_err(err),
        AnyTypeInfoKind::SmallInt | AnyTypeInfoKind::Integer | AnyTypeInfoKind::BigInt => {
            row.try_get::<i64, _>(i).map(Cell::Int).map_err(err)
        }
        AnyTypeInfoKind::Text => row.try_get::<String, _>(i).map(Cell::Text).map_err(err),
        AnyTypeInfoKind::Blob => row.try_get::<Vec<u8>, _>(i).map(Cell::Bytes).map_err(err),
        other => Err(format!("a {} value is not portable (integers, text and bytes are)", other_name(other))),
    }
}

fn other_name(kind: AnyTypeInfoKind) -> &'static str {
    match kind {
        AnyTypeInfoKind::Real | AnyTypeInfoKind::Double => "floating-point",
        _ => "non-scalar",
    }
}

impl Store {
    /// The portable export of the live state.
    pub async fn export_portable(&self, created_ms: i64, max_bytes: u64) -> Result<Vec<u8>, ExportError> {
        let mut conn = self.reader.acquire().await?;
        export(&mut conn, created_ms, max_bytes).await
    }

    /// True if the store is on PostgreSQL (snapshots then live in a table, not in files).
    pub fn on_postgres(&self) -> bool {
        self.reader.connect_options().database_url.scheme().starts_with("postgres")
    }

    /// Replaces every state table's rows with the snapshot's, in one write transaction: nothing
    /// changes unless all of it applies.
    pub async fn restore_portable(&self, snapshot: &Snapshot) -> Result<(), RestoreError> {
        let _one_at_a_time = super::snapshots::RESTORING.lock().await;
        let known = known_schema();
        if snapshot.schema > known {
            return Err(RestoreError::TooNew(vec![snapshot.schema]));
        }
        let mut tx = self.writer.begin().await.map_err(RestoreError::Internal)?;
        let live = state_tables(&mut tx).await.map_err(RestoreError::Internal)?;
        let triggered = triggered_tables(&mut tx).await.map_err(RestoreError::Internal)?;
        // Check everything before writing anything.
        let mut plans = Vec::new();
        for (table, content) in &snapshot.tables {
            let Some(columns) = live.get(table) else {
                return Err(RestoreError::Invalid(format!(
                    "table \"{table}\" is not one of this emulator's (only its own tables are restored)"
                )));
            };
            let mut kinds = Vec::with_capacity(content.columns.len());
            for column in &content.columns {
                let Some((_, kind)) = columns.iter().find(|(c, _)| c == column) else {
                    return Err(RestoreError::Invalid(format!("table \"{table}\" has no column \"{column}\"")));
                };
                kinds.push(*kind);
            }
            for (r, row) in content.rows.iter().enumerate() {
                for ((cell, kind), column) in row.iter().zip(&kinds).zip(&content.columns) {
                    let fits = matches!(
                        (cell, kind),
                        (Cell::Null, _)
                            | (Cell::Int(_), Kind::Int)
                            | (Cell::Text(_), Kind::Text)
                            | (Cell::Bytes(_), Kind::Bytes)
                    );
                    if !fits {
                        return Err(RestoreError::Invalid(format!(
                            "table \"{table}\" row {r}: column \"{column}\" holds {}, not {cell:?}",
                            match kind {
                                Kind::Int => "integers",
                                Kind::Text => "text",
                                Kind::Bytes => "bytes",
                            }
                        )));
                    }
                }
            }
            plans.push((table.as_str(), kinds));
        }
        let applied = async {
            for table in live.keys() {
                sqlx::query(&format!("DELETE FROM \"{table}\"")).execute(&mut *tx).await?;
            }
            // Tables with triggers first; every other table is emptied again just before its rows
            // go in, so what the triggers wrote is replaced by the snapshot's rows.
            let (first, then): (Vec<_>, Vec<_>) = plans.iter().partition(|(t, _)| triggered.contains(*t));
            for (table, kinds) in first.into_iter().chain(then) {
                if !triggered.contains(*table) {
                    sqlx::query(&format!("DELETE FROM \"{table}\"")).execute(&mut *tx).await?;
                }
                insert(&mut tx, table, &snapshot.tables[*table].columns, kinds, &snapshot.tables[*table].rows).await?;
            }
            Ok::<(), sqlx::Error>(())
        }
        .await;
        match applied {
            Ok(()) => tx.commit().await.map_err(RestoreError::Internal)?,
            Err(err) => {
                drop(tx);
                return Err(match err {
                    sqlx::Error::Database(db) => RestoreError::Invalid(format!("the rows do not fit: {db}")),
                    other => RestoreError::Internal(other),
                });
            }
        }
        self.pipelines.clear();
        Ok(())
    }
}

/// Inserts `rows` into `table` in multi-row statements of at most [`VALUES_PER_INSERT`] values.
async fn insert(
    conn: &mut AnyConnection,
    table: &str,
    columns: &[String],
    kinds: &[Kind],
    rows: &[Vec<Cell>],
) -> Result<(), sqlx::Error> {
    if columns.is_empty() || rows.is_empty() {
        return Ok(());
    }
    let list = columns.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
    let per_statement = (VALUES_PER_INSERT / columns.len()).max(1);
    for chunk in rows.chunks(per_statement) {
        let mut sql = Sql::new(format!("INSERT INTO \"{table}\" ({list}) VALUES "));
        for (r, row) in chunk.iter().enumerate() {
            sql.push(if r == 0 { "(" } else { ", (" });
            for (i, (cell, kind)) in row.iter().zip(kinds).enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                match (cell, kind) {
                    (Cell::Null, Kind::Int) => sql.push_bind(None::<i64>),
                    (Cell::Null, Kind::Text) => sql.push_bind(None::<String>),
                    (Cell::Null, Kind::Bytes) => sql.push_bind(None::<Vec<u8>>),
                    (Cell::Int(v), _) => sql.push_bind(*v),
                    (Cell::Text(s), _) => sql.push_bind(s.as_str()),
                    (Cell::Bytes(b), _) => sql.push_bind(b.as_slice()),
                };
            }
            sql.push(")");
        }
        sql.query()?.execute(&mut *conn).await?;
    }
    Ok(())
}

impl Store {
    /// Stores a portable snapshot in the `portable_snapshots` table (PostgreSQL), replacing one of
    /// the same name.
    pub async fn shelf_put(&self, name: &str, document: &str, created_ms: i64) -> Result<(), sqlx::Error> {
        let bytes = i64::try_from(document.len()).unwrap_or(i64::MAX);
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "INSERT INTO portable_snapshots (name, document, bytes, created_ms) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (name) DO UPDATE SET document = excluded.document, bytes = excluded.bytes, \
             created_ms = excluded.created_ms",
        )
        .bind(name)
        .bind(document)
        .bind(bytes)
        .bind(created_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }

    /// A stored portable snapshot's document.
    pub async fn shelf_get(&self, name: &str) -> Result<Option<String>, sqlx::Error> {
        let row: Option<(String,)> = sqlx::query_as("SELECT document FROM portable_snapshots WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.reader)
            .await?;
        Ok(row.map(|(d,)| d))
    }

    /// Every stored portable snapshot: name and size in bytes, by name.
    pub async fn shelf_list(&self) -> Result<Vec<(String, i64)>, sqlx::Error> {
        let mut rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT name, bytes FROM portable_snapshots").fetch_all(&self.reader).await?;
        rows.sort();
        Ok(rows)
    }

    /// Deletes a stored portable snapshot; true if there was one.
    pub async fn shelf_delete(&self, name: &str) -> Result<bool, sqlx::Error> {
        let mut tx = self.writer.begin().await?;
        let deleted =
            sqlx::query("DELETE FROM portable_snapshots WHERE name = $1").bind(name).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(deleted.rows_affected() > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types_map_to_kinds() {
        assert_eq!(kind_of("INTEGER"), Kind::Int);
        assert_eq!(kind_of("bigint"), Kind::Int);
        assert_eq!(kind_of("TEXT"), Kind::Text);
        assert_eq!(kind_of("text"), Kind::Text);
        assert_eq!(kind_of("bytea"), Kind::Bytes);
    }

    /// Export, change, restore: the state comes back exactly, derived tables included.
    #[tokio::test]
    async fn an_export_restores_to_the_same_rows() {
        let store = Store::open(":memory:").await.expect("open");
        for (id, account) in [("ip-1", "a"), ("ip-2", "a"), ("ip-3", "b")] {
            sqlx::query(
                "INSERT INTO image_pipelines (id, account, region, name, created_ms, spec) \
                 VALUES ($1, $2, 'cn-hangzhou', $1, 1, '{}')",
            )
            .bind(id)
            .bind(account)
            .execute(&store.writer)
            .await
            .expect("insert");
        }
        let first = store.export_portable(5, u64::MAX).await.expect("export");
        let snapshot = crate::domain::snapshot::decode(&first).expect("decodes");
        assert_eq!(snapshot.schema, known_schema());
        assert!(!snapshot.tables.contains_key("_sqlx_migrations") && !snapshot.tables.contains_key("emulator_state"));
        sqlx::query("DELETE FROM image_pipelines WHERE id = 'ip-1'").execute(&store.writer).await.expect("delete");
        store.restore_portable(&snapshot).await.expect("restore");
        let again = store.export_portable(5, u64::MAX).await.expect("export");
        assert_eq!(String::from_utf8_lossy(&again), String::from_utf8_lossy(&first));
        let counts: Vec<(String, i64)> = sqlx::query_as("SELECT account, n FROM pipeline_counts ORDER BY account")
            .fetch_all(&store.reader)
            .await
            .expect("counts");
        assert_eq!(counts, [("a".to_string(), 2), ("b".to_string(), 1)], "derived counts are not doubled");
        assert!(matches!(store.export_portable(5, 100).await, Err(ExportError::TooLarge(100))));
    }
}
