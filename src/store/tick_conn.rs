//! The connection an engine tick writes through ([`TickConn`]), and how a statement of the tick
//! runs on it: its SQL text and its arguments ([`Arg`]), the same on every backend.
//!
//! On PostgreSQL, and on an in-memory SQLite database, the tick is a transaction on the writer
//! pool's connection, through sqlx's `Any` driver like every other write. On a SQLite file the tick
//! holds the writer pool's connection idle, as the write lock every other writer waits for, and
//! writes through a connection of its own to the same file ([`NativeTick`], rusqlite): no `Any`
//! values, no copy of each argument and each row to hand them to a connection thread and back, no
//! round trip to that thread per statement. A tick of 1 000 builds at `--phase-duration 0` runs 13%
//! fewer instructions so (209 million instead of 241), and 10 000 builds tick in about 0.5 s
//! instead of 0.85–1.0: the hand-offs between threads cost more time than their instructions
//! (README, Performance). Both connections are this process's, to the same file, in WAL mode: what
//! one commits the other reads at its next transaction. The SQL runs inline on the tick's task; a
//! chunk's statements take a few milliseconds, less while requests wait (8 builds a chunk), and
//! `block_in_place` around them made starts during a tick three times slower at the p99.

use std::sync::Arc;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::ToSql;
use sqlx::any::AnyArguments;
use sqlx::pool::PoolConnection;
use sqlx::{Any, Arguments, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

use super::checkpoint::WRITER_PRAGMAS;
use super::{Store, SQLITE_PRAGMAS};

/// The tick's page cache: 4 MiB instead of SQLite's 2, so more of a tick's index pages stay in
/// memory. 10 000 builds at `--phase-duration 0` (five runs each, medians): 0.57 s of ticking with
/// 2 MiB, 0.49 s with 4, 0.42–0.49 s with 8; but 8 took the process to 66 MiB while ticking, 4
/// keeps it at 61–64 MiB (`cargo bench --bench engine`).
const TICK_PRAGMAS: &str = "PRAGMA cache_size = -4096;";

/// Statement texts the native connection keeps prepared: the tick's writes come in blocks of a
/// few sizes each (`ticks.rs`), a few dozen texts in all.
const PREPARED: usize = 128;

/// An argument of a tick's statement, typed even when absent (PostgreSQL wants a NULL's type).
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    Text(Option<&'a str>),
    Int(Option<i64>),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(value: &'a str) -> Self {
        Arg::Text(Some(value))
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(value: &'a String) -> Self {
        Arg::Text(Some(value))
    }
}

impl<'a> From<&'a Option<String>> for Arg<'a> {
    fn from(value: &'a Option<String>) -> Self {
        Arg::Text(value.as_deref())
    }
}

impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(value: Option<&'a str>) -> Self {
        Arg::Text(value)
    }
}

impl From<i64> for Arg<'_> {
    fn from(value: i64) -> Self {
        Arg::Int(Some(value))
    }
}

impl From<Option<i64>> for Arg<'_> {
    fn from(value: Option<i64>) -> Self {
        Arg::Int(value)
    }
}

impl ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match *self {
            Arg::Text(Some(text)) => ValueRef::Text(text.as_bytes()),
            Arg::Int(Some(n)) => ValueRef::Integer(n),
            Arg::Text(None) | Arg::Int(None) => ValueRef::Null,
        }))
    }
}

/// A statement's arguments in order, bound one after another like sqlx's (`.bind(x).bind(y)`).
#[derive(Debug, Default)]
pub struct Args<'a>(Vec<Arg<'a>>);

impl<'a> Args<'a> {
    pub fn with_capacity(n: usize) -> Args<'a> {
        Args(Vec::with_capacity(n))
    }

    #[must_use]
    pub fn bind(mut self, value: impl Into<Arg<'a>>) -> Args<'a> {
        self.0.push(value.into());
        self
    }
}

/// A row a tick reads, decodable from either connection.
pub trait TickRow: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin + Sized {
    fn from_native(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self>;
}

impl<T> TickRow for T
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    T: for<'a> TryFrom<&'a rusqlite::Row<'a>, Error = rusqlite::Error>,
{
    fn from_native(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        T::try_from(row)
    }
}

/// A SQLite file's own connection for engine ticks (see the module doc), one tick at a time.
#[derive(Debug, Clone)]
pub(super) struct NativeConnection(Arc<Mutex<rusqlite::Connection>>);

impl NativeConnection {
    /// Opens `path` (migrated already) with the writer's settings.
    pub(super) fn open(path: &std::path::Path) -> Result<NativeConnection, sqlx::Error> {
        let conn = rusqlite::Connection::open(path).map_err(native_error)?;
        conn.execute_batch(SQLITE_PRAGMAS).map_err(native_error)?;
        conn.execute_batch(WRITER_PRAGMAS).map_err(native_error)?;
        conn.execute_batch(TICK_PRAGMAS).map_err(native_error)?;
        conn.set_prepared_statement_cache_capacity(PREPARED);
        Ok(NativeConnection(Arc::new(Mutex::new(conn))))
    }
}

/// The connection of one tick, inside its transaction.
pub enum TickConn {
    /// A transaction on the writer pool's connection.
    Pool(Transaction<'static, Any>),
    Native(NativeTick),
}

/// A transaction on a [`NativeConnection`], holding the writer pool's connection as the lock.
/// Dropped uncommitted, it rolls back.
pub struct NativeTick {
    conn: OwnedMutexGuard<rusqlite::Connection>,
    /// Held, never used: while the tick has it, no other writer of this process begins.
    _writer: PoolConnection<Any>,
}

impl Drop for NativeTick {
    fn drop(&mut self) {
        if !self.conn.is_autocommit() {
            if let Err(err) = self.conn.execute_batch("ROLLBACK") {
                tracing::error!(error = %err, "an engine tick's transaction did not roll back");
            }
        }
    }
}

impl Store {
    /// Begins an engine tick: on the SQLite file's own connection when there is one, in a
    /// transaction on the writer pool's connection otherwise.
    pub(super) async fn begin_tick(&self) -> Result<TickConn, sqlx::Error> {
        let Some(own) = &self.tick_conn else { return Ok(TickConn::Pool(self.begin_write().await?)) };
        let writer = self.writer.acquire().await?;
        let conn = own.0.clone().lock_owned().await;
        // IMMEDIATE: the write lock now, under the busy timeout (the checkpointer never takes it).
        conn.execute_batch("BEGIN IMMEDIATE").map_err(native_error)?;
        Ok(TickConn::Native(NativeTick { conn, _writer: writer }))
    }
}

impl TickConn {
    pub(super) async fn execute(&mut self, sql: &str, args: &Args<'_>) -> Result<(), sqlx::Error> {
        match self {
            TickConn::Pool(tx) => {
                sqlx::query_with(sql, arguments(args)?).execute(&mut **tx).await?;
            }
            TickConn::Native(tick) => {
                let mut statement = tick.conn.prepare_cached(sql).map_err(native_error)?;
                bind(&mut statement, args)?;
                statement.raw_execute().map_err(native_error)?;
            }
        }
        Ok(())
    }

    pub(super) async fn fetch<R: TickRow>(&mut self, sql: &str, args: &Args<'_>) -> Result<Vec<R>, sqlx::Error> {
        match self {
            TickConn::Pool(tx) => sqlx::query_as_with(sql, arguments(args)?).fetch_all(&mut **tx).await,
            TickConn::Native(tick) => {
                let mut statement = tick.conn.prepare_cached(sql).map_err(native_error)?;
                bind(&mut statement, args)?;
                let mut rows = statement.raw_query();
                let mut out = Vec::new();
                while let Some(row) = rows.next().map_err(native_error)? {
                    out.push(R::from_native(row).map_err(native_error)?);
                }
                Ok(out)
            }
        }
    }

    pub(super) async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            TickConn::Pool(tx) => tx.commit().await,
            TickConn::Native(tick) => tick.conn.execute_batch("COMMIT").map_err(native_error),
        }
    }
}

fn arguments<'q>(args: &Args<'q>) -> Result<AnyArguments<'q>, sqlx::Error> {
    let mut out = AnyArguments::default();
    out.reserve(args.0.len(), 0);
    for arg in &args.0 {
        match *arg {
            Arg::Text(text) => out.add(text),
            Arg::Int(n) => out.add(n),
        }
        .map_err(sqlx::Error::Encode)?;
    }
    Ok(out)
}

/// Binds `args` by position: SQLite numbers a text's `$N` parameters in the order they first
/// appear, so the tick's texts use `?` or `$1, $2, …` in order, each once.
fn bind(statement: &mut rusqlite::CachedStatement<'_>, args: &Args<'_>) -> Result<(), sqlx::Error> {
    for (n, arg) in args.0.iter().enumerate() {
        statement.raw_bind_parameter(n + 1, arg).map_err(native_error)?;
    }
    Ok(())
}

/// A native connection's error, as the store's errors are.
fn native_error(err: rusqlite::Error) -> sqlx::Error {
    sqlx::Error::AnyDriverError(Box::new(err))
}

#[cfg(test)]
mod tests {
    use super::{Args, TickConn};
    use crate::store::Store;

    const COUNT: &str = "INSERT INTO image_counts (account, region, status, n) VALUES ($1, $2, $3, $4)";
    const COUNTS: &str = "SELECT account, region, status, n FROM image_counts ORDER BY account";

    type Count = (String, String, Option<String>, Option<i64>);

    async fn begin(store: &Store) -> TickConn {
        store.begin_tick().await.expect("begin")
    }

    async fn committed(store: &Store) -> Vec<(String, i64)> {
        sqlx::query_as("SELECT account, n FROM image_counts ORDER BY account")
            .fetch_all(&store.reader)
            .await
            .expect("read")
    }

    fn file_store_dir() -> tempfile::TempDir {
        tempfile::tempdir().expect("temp dir")
    }

    #[tokio::test]
    async fn a_tick_on_a_file_holds_the_writer_and_commits_through_its_own_connection() {
        let dir = file_store_dir();
        let store = Store::open(&dir.path().join("db").to_string_lossy()).await.expect("open");
        let mut tick = begin(&store).await;
        assert!(matches!(tick, TickConn::Native(_)), "a SQLite file's tick has its own connection");
        assert!(store.writer.try_acquire().is_none(), "the writer pool's connection is held as the lock");
        let args = Args::default().bind("1").bind("cn-hangzhou").bind("Available").bind(3);
        tick.execute(COUNT, &args).await.expect("insert");
        assert_eq!(committed(&store).await, [], "nothing is seen before the commit");
        let read: Vec<(String, i64)> =
            tick.fetch("SELECT account, n FROM image_counts", &Args::default()).await.expect("read in the tick");
        assert_eq!(read, [("1".to_string(), 3)], "the tick reads its own writes");
        tick.commit().await.expect("commit");
        assert_eq!(committed(&store).await, [("1".to_string(), 3)]);
        // The connection goes back to the pool on a task of sqlx's: wait for it (the pool's acquire
        // timeout fails the test if it never comes back).
        drop(store.writer.acquire().await.expect("the lock is let go with the tick"));
        store.close().await;
    }

    #[tokio::test]
    async fn a_tick_dropped_before_its_commit_leaves_nothing_and_lets_the_next_writer_in() {
        let dir = file_store_dir();
        let store = Store::open(&dir.path().join("db").to_string_lossy()).await.expect("open");
        let mut tick = begin(&store).await;
        tick.execute(COUNT, &Args::default().bind("1").bind("cn-hangzhou").bind("Available").bind(3))
            .await
            .expect("insert");
        drop(tick);
        assert_eq!(committed(&store).await, []);
        let mut next = begin(&store).await;
        next.execute(COUNT, &Args::default().bind("2").bind("cn-hangzhou").bind("Available").bind(5))
            .await
            .expect("insert after the rollback");
        next.commit().await.expect("commit");
        assert_eq!(committed(&store).await, [("2".to_string(), 5)]);
        store.close().await;
    }

    /// The same statements, arguments and rows on both kinds of connection: NULLs keep their type
    /// (PostgreSQL needs it), and a NULL reads back as `None` either way.
    #[tokio::test]
    async fn both_connections_bind_and_read_the_same_values() {
        let dir = file_store_dir();
        let file = Store::open(&dir.path().join("db").to_string_lossy()).await.expect("open");
        let memory = Store::open(":memory:").await.expect("open");
        let mut read = Vec::new();
        for store in [&file, &memory] {
            let mut tick = begin(store).await;
            assert_eq!(matches!(tick, TickConn::Native(_)), store.tick_conn.is_some());
            let args = Args::default().bind("1").bind("cn-hangzhou").bind("Available").bind(i64::MAX);
            tick.execute(COUNT, &args).await.expect("insert");
            let null_text: Option<&str> = None;
            let null_int: Option<i64> = None;
            let rows: Vec<Count> = tick
                .fetch(
                    "SELECT account, region, $1, $2 FROM image_counts UNION ALL SELECT 'x', $3, status, n FROM image_counts",
                    &Args::default().bind(null_text).bind(null_int).bind("\u{e9}t\u{e9}"),
                )
                .await
                .expect("read");
            read.push(rows);
            let rows: Vec<Count> = tick.fetch(COUNTS, &Args::default()).await.expect("read");
            read.push(rows);
            tick.commit().await.expect("commit");
        }
        let expected: [Vec<Count>; 2] = [
            vec![
                ("1".into(), "cn-hangzhou".into(), None, None),
                ("x".into(), "\u{e9}t\u{e9}".into(), Some("Available".into()), Some(i64::MAX)),
            ],
            vec![("1".into(), "cn-hangzhou".into(), Some("Available".into()), Some(i64::MAX))],
        ];
        assert_eq!(read[..2], expected, "a SQLite file's own connection");
        assert_eq!(read[2..], expected, "the writer pool's connection");
        file.close().await;
        memory.close().await;
    }
}
