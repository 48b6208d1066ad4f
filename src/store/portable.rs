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
//! Columns a snapshot from an older schema lacks take their defaults, data a later migration moved
//! is moved (or derived) the same way first ([`upgraded`]); a newer schema is refused.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use sqlx::any::AnyTypeInfoKind;
use sqlx::{AnyConnection, Connection, Row, ValueRef};

use super::snapshots::RestoreError;
use super::sql::Sql;
use super::{Backend, Store};
use crate::domain::snapshot::{is_identifier, Cell, Encoder, Snapshot, Table};

/// Tables that are not state: migrations, this run's settings, counters and shared clock, stored
/// snapshots, and the control plane's journal and fault rules (on SQLite they live in memory).
pub const NOT_STATE: &[&str] = &[
    "_sqlx_migrations",
    "control_state",
    "emulator_state",
    "fault_rules",
    "id_counters",
    "journal",
    "portable_snapshots",
];

/// The migration that moved each build's plan from `executions.plan` to `execution_plans`.
const PLANS_MOVED: i64 = 16;

/// The migration that added `image_counts` (kept since by triggers and the engine).
const IMAGES_COUNTED: i64 = 15;

/// Values bound per `INSERT` statement (SQLite allows 32 766, PostgreSQL 65 535).
const VALUES_PER_INSERT: usize = 4_000;

/// The schema walk, the one thing each backend is asked its own way (beside `dialect.rs`'s).
impl Backend {
    /// Every table of the connected schema.
    fn table_names_sql(self) -> &'static str {
        match self {
            Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            Backend::Postgres => {
                "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            }
        }
    }

    /// The columns of table `$1` in order: name and declared type.
    fn columns_sql(self) -> &'static str {
        match self {
            Backend::Sqlite => "SELECT name, type FROM pragma_table_info($1) ORDER BY cid",
            Backend::Postgres => {
                "SELECT CAST(column_name AS TEXT), CAST(data_type AS TEXT) FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position"
            }
        }
    }

    /// The tables that have triggers.
    fn triggered_tables_sql(self) -> &'static str {
        match self {
            Backend::Sqlite => "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger'",
            Backend::Postgres => {
                "SELECT DISTINCT CAST(event_object_table AS TEXT) FROM information_schema.triggers \
                 WHERE trigger_schema = current_schema()"
            }
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
async fn state_tables(conn: &mut AnyConnection, backend: Backend) -> Result<BTreeMap<String, Columns>, sqlx::Error> {
    let names: Vec<(String,)> = sqlx::query_as(backend.table_names_sql()).fetch_all(&mut *conn).await?;
    let mut tables = BTreeMap::new();
    for (name,) in names {
        if NOT_STATE.contains(&name.as_str()) || !is_identifier(&name) {
            continue;
        }
        let columns: Vec<(String, String)> =
            sqlx::query_as(backend.columns_sql()).bind(&name).fetch_all(&mut *conn).await?;
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
async fn triggered_tables(conn: &mut AnyConnection, backend: Backend) -> Result<BTreeSet<String>, sqlx::Error> {
    let rows: Vec<(String,)> = sqlx::query_as(backend.triggered_tables_sql()).fetch_all(&mut *conn).await?;
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
pub(super) async fn export(
    conn: &mut AnyConnection,
    backend: Backend,
    created_ms: i64,
    max_bytes: u64,
) -> Result<Vec<u8>, ExportError> {
    let mut tx = conn.begin().await?;
    if backend == Backend::Postgres {
        // One snapshot of the data for every statement of the transaction.
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").execute(&mut *tx).await?;
    }
    let schema = schema_version(&mut tx).await?;
    let tables = state_tables(&mut tx, backend).await?;
    let mut encoder = Encoder::new(schema, created_ms);
    for (table, columns) in &tables {
        let names: Vec<String> = columns.iter().map(|(c, _)| c.clone()).collect();
        encoder.table(table, &names);
        let list = names.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
        let sql = format!("SELECT {list} FROM \"{table}\"");
        // One table's rows at a time, sorted here (collations differ between the backends).
        let rows = sqlx::query(&sql).fetch_all(&mut *tx).await?;
        let mut table_rows = Vec::with_capacity(rows.len());
        let mut size = encoder.len() as u64;
        for row in rows {
            let mut cells = Vec::with_capacity(names.len());
            for (i, column) in names.iter().enumerate() {
                let value = cell(&row, i);
                cells.push(value.map_err(|why| ExportError::Db(super::decode(format!("{table}.{column}: {why}"))))?);
            }
            size += cells
                .iter()
                .map(|c| match c {
                    Cell::Text(t) => t.len() as u64 + 3,
                    Cell::Bytes(b) => b.len() as u64 * 4 / 3 + 16,
                    _ => 8,
                })
                .sum::<u64>();
            if size > max_bytes {
                return Err(ExportError::TooLarge(max_bytes));
            }
            table_rows.push(cells);
        }
        table_rows.sort();
        for cells in &table_rows {
            encoder.row(cells);
        }
        if encoder.len() as u64 > max_bytes {
            return Err(ExportError::TooLarge(max_bytes));
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
        export(&mut conn, self.backend, created_ms, max_bytes).await
    }

    /// Replaces every state table's rows with the snapshot's, in one write transaction: nothing
    /// changes unless all of it applies.
    pub async fn restore_portable(&self, snapshot: &Snapshot) -> Result<(), RestoreError> {
        let _one_at_a_time = super::snapshots::RESTORING.lock().await;
        self.tokens.invalidate();
        let result = self.apply_portable(snapshot).await;
        self.reload_known_tokens().await;
        result
    }

    /// [`Store::restore_portable`]'s work, under its lock.
    async fn apply_portable(&self, snapshot: &Snapshot) -> Result<(), RestoreError> {
        let known = known_schema();
        if snapshot.schema > known {
            return Err(RestoreError::TooNew(vec![snapshot.schema]));
        }
        let snapshot = &*upgraded(snapshot);
        let mut tx = self.begin_write().await.map_err(RestoreError::Internal)?;
        let live = state_tables(&mut tx, self.backend).await.map_err(RestoreError::Internal)?;
        let triggered = triggered_tables(&mut tx, self.backend).await.map_err(RestoreError::Internal)?;
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
            Ok(()) => {
                if let Some(id) =
                    super::executions::first_without_plan(&mut tx).await.map_err(RestoreError::Internal)?
                {
                    return Err(RestoreError::Invalid(super::executions::no_plan(&id)));
                }
                tx.commit().await.map_err(RestoreError::Internal)?;
            }
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

/// `snapshot` in the live schema's shape where a migration since moved or derived data (as that
/// migration did to a database): before [`PLANS_MOVED`], each build's plan goes from its
/// `executions` row to an `execution_plans` row; before [`IMAGES_COUNTED`], `image_counts` is
/// counted from the images (an insert no longer counts a build's image, migration 0019).
fn upgraded(snapshot: &Snapshot) -> Cow<'_, Snapshot> {
    let moves_plans = snapshot.schema < PLANS_MOVED
        && snapshot.tables.get("executions").is_some_and(|t| t.columns.iter().any(|c| c == "plan"));
    let counts_images = snapshot.schema < IMAGES_COUNTED && !snapshot.tables.contains_key("image_counts");
    if !moves_plans && !counts_images {
        return Cow::Borrowed(snapshot);
    }
    let mut snapshot = snapshot.clone();
    if moves_plans {
        let plans = snapshot.tables.get_mut("executions").map(take_plans).unwrap_or_default();
        snapshot.tables.insert("execution_plans".into(), plans);
    }
    if counts_images {
        let counts = snapshot.tables.get("images").map(count_images).unwrap_or_default();
        snapshot.tables.insert("image_counts".into(), counts);
    }
    Cow::Owned(snapshot)
}

/// Takes the `plan` column out of `executions`: the `execution_plans` rows (migration 0016).
fn take_plans(executions: &mut Table) -> Table {
    let mut plans = Table { columns: vec!["execution_id".into(), "plan".into()], rows: Vec::new() };
    let column = |name: &str| executions.columns.iter().position(|c| c == name);
    if let (Some(plan_at), Some(id_at)) = (column("plan"), column("id")) {
        executions.columns.remove(plan_at);
        for row in &mut executions.rows {
            let id = row.get(id_at).cloned().unwrap_or(Cell::Null);
            if plan_at < row.len() {
                plans.rows.push(vec![id, row.remove(plan_at)]);
            }
        }
    }
    plans
}

/// The `image_counts` rows of `images`: how many per account, region and status, in key order
/// (as migration 0015 counted them). Rows without those three as text are left to the insert of
/// `images` to refuse.
fn count_images(images: &Table) -> Table {
    let column = |name: &str| images.columns.iter().position(|c| c == name);
    let mut counts: BTreeMap<[&str; 3], i64> = BTreeMap::new();
    if let (Some(account), Some(region), Some(status)) = (column("account"), column("region"), column("status")) {
        for row in &images.rows {
            let text = |at: usize| match row.get(at) {
                Some(Cell::Text(text)) => Some(text.as_str()),
                _ => None,
            };
            if let (Some(a), Some(r), Some(s)) = (text(account), text(region), text(status)) {
                *counts.entry([a, r, s]).or_default() += 1;
            }
        }
    }
    Table {
        columns: ["account", "region", "status", "n"].map(String::from).to_vec(),
        rows: counts
            .into_iter()
            .map(|(key, n)| key.iter().map(|k| Cell::Text(k.to_string())).chain([Cell::Int(n)]).collect())
            .collect(),
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
        let mut tx = self.begin_write().await?;
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
        let mut tx = self.begin_write().await?;
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

    /// The version-1 fixture: templates with tags, a finished build with its image, copy and share,
    /// a component.
    fn fixture() -> Snapshot {
        crate::domain::snapshot::decode(include_bytes!("../../tests/fixtures/snapshot-v1.json")).expect("fixture")
    }

    /// The tables of an export (its time left out).
    async fn exported(store: &Store) -> BTreeMap<String, crate::domain::snapshot::Table> {
        crate::domain::snapshot::decode(&store.export_portable(0, u64::MAX).await.expect("export"))
            .expect("decodes")
            .tables
    }

    /// `table` with only the columns `like` has, in its order.
    fn projected(table: &Table, like: &Table) -> Table {
        let at: Vec<usize> =
            like.columns.iter().filter_map(|name| table.columns.iter().position(|c| c == name)).collect();
        Table {
            columns: at.iter().map(|&i| table.columns[i].clone()).collect(),
            rows: table.rows.iter().map(|r| at.iter().map(|&i| r[i].clone()).collect()).collect(),
        }
    }

    /// Export, change, restore: the state comes back exactly, derived tables included.
    async fn round_trip(store: &Store) {
        store.restore_portable(&fixture()).await.expect("the fixture restores");
        let tables = exported(store).await;
        // The fixture is from schema 13: tables added since (derived counts) export beside its own,
        // and its build's plan exports from `execution_plans`, where migration 16 moved it.
        let fixture = fixture();
        let moved = upgraded(&fixture);
        let old = &fixture.tables["executions"];
        let at = |name: &str| old.columns.iter().position(|c| c == name).expect("column");
        let pairs: Vec<Vec<Cell>> = old.rows.iter().map(|r| vec![r[at("id")].clone(), r[at("plan")].clone()]).collect();
        assert_eq!(tables["execution_plans"].rows, pairs, "each build's plan, by its ID");
        assert!(!tables["executions"].columns.contains(&"plan".to_string()));
        for (name, table) in &moved.tables {
            assert_eq!(tables.get(name).map(|t| projected(t, table)), Some(table.clone()), "exports the same: {name}");
        }
        // Columns added since (migration 18's `execution_events.later`) take their default.
        let events = &tables["execution_events"];
        let later = events.columns.iter().position(|c| c == "later").expect("later");
        assert!(events.rows.iter().all(|r| r[later] == Cell::Null), "a run of one each");
        // Its images are counted (migration 15 came after it; since 19 inserting a build's image
        // counts nothing by itself): one per region, as the fixture's two images are.
        let images = fixture.tables["images"].rows.len();
        let counted = &tables["image_counts"].rows;
        assert_eq!((counted.len(), images), (2, 2), "{counted:?}");
        assert!(counted.iter().all(|row| row[3] == Cell::Int(1)), "{counted:?}");
        assert!(!tables.contains_key("_sqlx_migrations") && !tables.contains_key("emulator_state"));
        let counts: Vec<(String, i64)> =
            sqlx::query_as("SELECT account, n FROM pipeline_counts").fetch_all(&store.reader).await.expect("counts");
        assert_eq!(counts.iter().map(|c| c.1).sum::<i64>(), 2, "derived counts are not doubled: {counts:?}");
        let first = store.export_portable(5, u64::MAX).await.expect("export");
        let snapshot = crate::domain::snapshot::decode(&first).expect("decodes");
        assert_eq!(snapshot.schema, known_schema());
        let mut tx = store.begin_write().await.expect("tx");
        sqlx::query("DELETE FROM image_pipelines").execute(&mut *tx).await.expect("delete");
        sqlx::query("DELETE FROM tags").execute(&mut *tx).await.expect("delete");
        tx.commit().await.expect("commit");
        store.restore_portable(&snapshot).await.expect("restore");
        assert_eq!(store.export_portable(5, u64::MAX).await.expect("export"), first);
        assert!(matches!(store.export_portable(5, 100).await, Err(ExportError::TooLarge(100))));
    }

    #[tokio::test]
    async fn an_export_restores_to_the_same_rows() {
        round_trip(&Store::open(":memory:").await.expect("open")).await;
    }

    /// A PostgreSQL store in a schema of its own on the cluster `IBE_TEST_DB` names (dropped at
    /// the end by the caller), or `None` when the variable does not name one.
    async fn postgres_store() -> Option<(Store, String, String)> {
        use sqlx::Connection as _;
        let base = std::env::var("IBE_TEST_DB").ok().filter(|u| u.starts_with("postgres"))?;
        let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(&base).await.expect("connect");
        sqlx::query(&format!("CREATE SCHEMA {schema}")).execute(&mut admin).await.expect("schema");
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options=-c%20search_path%3D{schema}");
        Some((Store::open(&url).await.expect("open on PostgreSQL"), base, schema))
    }

    async fn drop_schema(store: Store, base: &str, schema: &str) {
        use sqlx::Connection as _;
        store.close().await;
        let mut admin = sqlx::PgConnection::connect(base).await.expect("connect");
        sqlx::query(&format!("DROP SCHEMA {schema} CASCADE")).execute(&mut admin).await.expect("drop");
    }

    /// On PostgreSQL (`IBE_TEST_DB`): the same round trip, and a snapshot taken on SQLite restores
    /// there and back with the same rows.
    #[tokio::test]
    async fn a_snapshot_moves_between_sqlite_and_postgresql() {
        let Some((pg, base, schema)) = postgres_store().await else {
            println!("skipped: needs IBE_TEST_DB=postgres://… (scripts/postgres.sh start)");
            return;
        };
        round_trip(&pg).await;
        let lite = Store::open(":memory:").await.expect("open");
        lite.restore_portable(&fixture()).await.expect("restore on SQLite");
        let on_sqlite = crate::domain::snapshot::decode(&lite.export_portable(0, u64::MAX).await.expect("export"))
            .expect("decodes");
        let mut tx = pg.begin_write().await.expect("tx");
        sqlx::query("DELETE FROM images").execute(&mut *tx).await.expect("delete");
        tx.commit().await.expect("commit");
        pg.restore_portable(&on_sqlite).await.expect("SQLite -> PostgreSQL");
        assert_eq!(exported(&pg).await, on_sqlite.tables);
        let on_pg =
            crate::domain::snapshot::decode(&pg.export_portable(0, u64::MAX).await.expect("export")).expect("decodes");
        let empty = Store::open(":memory:").await.expect("open");
        empty.restore_portable(&on_pg).await.expect("PostgreSQL -> SQLite");
        assert_eq!(exported(&empty).await, on_sqlite.tables, "back on SQLite: the same rows");
        drop_schema(pg, &base, &schema).await;
    }
}
