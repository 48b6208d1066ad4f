//! Group commit for [`WriteTx`](super::WriteTx): one writer task owns the write connection while
//! requests wait. It opens one transaction for every request waiting at that moment (and those
//! that arrive while the batch runs, up to [`MAX_BATCH`]), lends the connection to each request in
//! turn inside its own `SAVEPOINT` (released with the next one's `SAVEPOINT` in one round trip, the
//! last one by `COMMIT`), and commits once when the last one is done. The request opens its
//! savepoint itself, with its first statement: [`Lease::conn`] runs the pending `SAVEPOINT` first,
//! and [`Lease::take_opening`] lets one text of statements (SQLite) start with it, so a request
//! that writes with one text makes one round trip to the connection, not two. A request that
//! commits gets its answer only after the batch's `COMMIT` (an error for all if it fails); a request
//! dropped uncommitted (an error mid-way, a panic unwinding, a cancelled future) hands the
//! connection back through [`Lease`]'s `Drop`, and only its savepoint is rolled back.
//!
//! Only one request holds the connection at a time, so a read-decide-write inside one `WriteTx`
//! stays atomic. The task takes the connection from the one-connection writer pool per batch, so
//! the engine, snapshots and the control plane (which use that pool directly) run between batches;
//! while the task waits for it, [`GroupWriter::wanted`] says so, and the engine commits its chunk.
//! A lent connection comes back when the request is done with it: requests only await SQL on it.
//! On PostgreSQL each batch's transaction first takes the cross-process write lock
//! ([`Backend::lock_writes`]).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use sqlx::{Any, AnyConnection, AnyPool, Executor, Transaction};
use tokio::sync::{mpsc, oneshot};

use super::checkpoint::Wal;
use super::Backend;

/// The most requests one transaction serves before it commits (bounds the wait of the first).
const MAX_BATCH: usize = 256;

type Tx = Transaction<'static, Any>;

/// A request for the connection: answered with a lease, or why none can be given.
type Request = oneshot::Sender<Result<Lease, String>>;

/// What a request does with its savepoint when it hands the connection back.
enum Outcome {
    /// Release it, and answer on this channel once the batch is committed.
    Keep(oneshot::Sender<Result<(), String>>),
    /// Roll it back.
    Discard,
}

struct Returned {
    tx: Tx,
    outcome: Outcome,
    savepoint: Savepoint,
}

/// A request's savepoint, as its lease last knew it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Savepoint {
    /// None needed: the request is the transaction's first.
    Unneeded,
    /// Not opened yet: these statements, each ending in `; `, open it (and release the previous
    /// request's).
    Pending(&'static str),
    /// Opened, or sent to be opened in front of the request's own statements. If such a text
    /// fails, its first statements ran before the one that failed: `RELEASE` and `SAVEPOINT` of
    /// a nested savepoint do no I/O and fail only when memory runs out.
    Open,
    /// Opening it failed by itself (the batch is rolled back).
    Failed,
}

/// The write connection, lent to one request inside its savepoint. Dropping it uncommitted hands
/// the connection back and rolls the savepoint back.
pub(super) struct Lease {
    tx: Option<Tx>,
    back: Option<oneshot::Sender<Returned>>,
    savepoint: Savepoint,
}

fn lost() -> sqlx::Error {
    sqlx::Error::Protocol("the writer task is gone".into())
}

impl Lease {
    /// The connection, inside this request's savepoint (opened first if still pending).
    pub(super) async fn conn(&mut self) -> Result<&mut AnyConnection, sqlx::Error> {
        let Some(tx) = self.tx.as_mut() else { return Err(lost()) };
        if let Savepoint::Pending(opening) = self.savepoint {
            self.savepoint = Savepoint::Failed;
            (&mut **tx).execute(opening).await?;
            self.savepoint = Savepoint::Open;
        }
        Ok(&mut **tx)
    }

    /// The statements that open this request's savepoint, if not opened yet: the caller runs them
    /// in front of its own statements, in the same text (SQLite runs a text of several
    /// statements in order; PostgreSQL prepares one at a time, so this is for SQLite only).
    pub(super) fn take_opening(&mut self) -> Option<&'static str> {
        match self.savepoint {
            Savepoint::Pending(opening) => {
                self.savepoint = Savepoint::Open;
                Some(opening)
            }
            Savepoint::Unneeded | Savepoint::Open | Savepoint::Failed => None,
        }
    }

    /// Keeps this request's work and waits for the batch's `COMMIT`.
    pub(super) async fn commit(mut self) -> Result<(), sqlx::Error> {
        let (Some(tx), Some(back)) = (self.tx.take(), self.back.take()) else { return Err(lost()) };
        let (ack, acked) = oneshot::channel();
        if back.send(Returned { tx, outcome: Outcome::Keep(ack), savepoint: self.savepoint }).is_err() {
            return Err(lost());
        }
        match acked.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(message)) => Err(sqlx::Error::Protocol(format!("group commit failed: {message}"))),
            Err(_) => Err(lost()),
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let (Some(tx), Some(back)) = (self.tx.take(), self.back.take()) {
            // If the task is gone the transaction drops here and sqlx rolls it back.
            let _ = back.send(Returned { tx, outcome: Outcome::Discard, savepoint: self.savepoint });
        }
    }
}

/// The handle requests use to reach the writer task.
#[derive(Debug)]
pub(super) struct GroupWriter {
    requests: mpsc::UnboundedSender<Request>,
    /// Set while the task waits for the connection (the engine holds it): see [`GroupWriter::wanted`].
    wanted: Arc<AtomicBool>,
}

impl GroupWriter {
    /// Starts the writer task on the current runtime; it ends when the last handle is dropped.
    /// `wal`: a SQLite file's background checkpointer, to let a long WAL be copied before a batch
    /// begins (`checkpoint.rs`).
    pub(super) fn spawn(pool: AnyPool, backend: Backend, wal: Option<Arc<Wal>>) -> GroupWriter {
        let (requests, receiver) = mpsc::unbounded_channel();
        let wanted = Arc::new(AtomicBool::new(false));
        tokio::spawn(run(pool, backend, wal, receiver, wanted.clone()));
        GroupWriter { requests, wanted }
    }

    /// Whether requests wait for the connection someone else holds (the engine commits and yields).
    pub(super) fn wanted(&self) -> bool {
        self.wanted.load(Ordering::Relaxed)
    }

    /// Waits for the connection, inside a fresh savepoint of the current batch.
    pub(super) async fn lease(&self) -> Result<Lease, sqlx::Error> {
        let (request, answer) = oneshot::channel();
        self.requests.send(request).map_err(|_| lost())?;
        match answer.await {
            Ok(Ok(lease)) => Ok(lease),
            Ok(Err(message)) => Err(sqlx::Error::Protocol(message)),
            Err(_) => Err(lost()),
        }
    }
}

/// The batch's transaction, holding the cross-process write lock on PostgreSQL.
async fn begin(pool: &AnyPool, backend: Backend) -> Result<Tx, sqlx::Error> {
    let mut tx = pool.begin().await?;
    backend.lock_writes(&mut tx).await?;
    Ok(tx)
}

async fn run(
    pool: AnyPool,
    backend: Backend,
    wal: Option<Arc<Wal>>,
    mut requests: mpsc::UnboundedReceiver<Request>,
    wanted: Arc<AtomicBool>,
) {
    while let Some(first) = requests.recv().await {
        if let Some(wal) = &wal {
            wal.settle_unless_ticking().await;
        }
        wanted.store(true, Ordering::Relaxed);
        let begun = begin(&pool, backend).await;
        wanted.store(false, Ordering::Relaxed);
        let tx = match begun {
            Ok(tx) => tx,
            Err(err) => {
                let _ = first.send(Err(err.to_string()));
                continue;
            }
        };
        batch(&pool, tx, first, &mut requests).await;
    }
}

/// Serves `first` and whoever is waiting, one at a time, then commits once. The first request of
/// a transaction needs no savepoint (nothing else is in the transaction yet): if it discards its
/// work, the whole transaction is rolled back and a fresh one begun, which is the same outcome in
/// two fewer statements.
async fn batch(pool: &AnyPool, mut tx: Tx, first: Request, requests: &mut mpsc::UnboundedReceiver<Request>) {
    let mut waiting = VecDeque::from([first]);
    let mut acks: Vec<oneshot::Sender<Result<(), String>>> = Vec::new();
    let mut served = 0;
    let mut broken: Option<String> = None;
    // Whether the transaction holds no work yet.
    let mut fresh = true;
    // Whether the last request kept its work in a savepoint not yet released.
    let mut kept = false;
    while served < MAX_BATCH {
        let Some(request) = waiting.pop_front().or_else(|| requests.try_recv().ok()) else { break };
        served += 1;
        // The request opens it with its first statement; the previous request's savepoint is
        // released in the same round trip.
        let savepoint = match (fresh, kept) {
            (true, _) => Savepoint::Unneeded,
            (false, true) => Savepoint::Pending("RELEASE request; SAVEPOINT request; "),
            (false, false) => Savepoint::Pending("SAVEPOINT request; "),
        };
        let (back, returned) = oneshot::channel();
        // A requester that stopped waiting drops the lease, which comes straight back.
        let _ = request.send(Ok(Lease { tx: Some(tx), back: Some(back), savepoint }));
        let Ok(Returned { tx: lent, outcome, savepoint }) = returned.await else {
            // The transaction was dropped (and rolled back) with the lease: nothing is committed.
            for ack in acks {
                let _ = ack.send(Err("the write connection was lost".into()));
            }
            return;
        };
        tx = lent;
        let ended = match (outcome, savepoint) {
            (_, Savepoint::Failed) => Err(sqlx::Error::Protocol("a request's savepoint could not be opened".into())),
            // It wrote nothing: the transaction is as it was before it.
            (Outcome::Keep(ack), Savepoint::Pending(_)) => {
                acks.push(ack);
                Ok(())
            }
            (Outcome::Discard, Savepoint::Pending(_)) => Ok(()),
            // Its savepoint is released with the next one's `SAVEPOINT`, or by `COMMIT`.
            (Outcome::Keep(ack), savepoint) => {
                acks.push(ack);
                fresh = false;
                kept = savepoint == Savepoint::Open;
                Ok(())
            }
            (Outcome::Discard, Savepoint::Open) => {
                kept = false;
                (&mut *tx).execute("ROLLBACK TO request; RELEASE request").await.map(|_| ())
            }
            (Outcome::Discard, Savepoint::Unneeded) => {
                // Only this request's work is in the transaction: drop all of it.
                if tx.rollback().await.is_err() {
                    return;
                }
                match pool.begin().await {
                    Ok(next) => {
                        tx = next;
                        Ok(())
                    }
                    // No acknowledgement is pending (the transaction was fresh).
                    Err(_) => return,
                }
            }
        };
        if let Err(err) = ended {
            broken = Some(err.to_string());
            break;
        }
    }
    let result = match broken {
        Some(message) => {
            let _ = tx.rollback().await;
            Err(message)
        }
        None => tx.commit().await.map_err(|err| err.to_string()),
    };
    for ack in acks {
        let _ = ack.send(result.clone());
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::store::Store;

    async fn store_with_table() -> Store {
        let store = Store::open(":memory:").await.expect("open");
        let mut tx = store.write().await.expect("write");
        sqlx::query("CREATE TABLE t (x INTEGER PRIMARY KEY)")
            .execute(tx.conn().await.expect("conn"))
            .await
            .expect("create");
        tx.commit().await.expect("commit");
        store
    }

    async fn rows(store: &Store) -> Vec<i64> {
        let mut tx = store.write().await.expect("write");
        let rows: Vec<(i64,)> = sqlx::query_as("SELECT x FROM t ORDER BY x")
            .fetch_all(tx.conn().await.expect("conn"))
            .await
            .expect("select");
        rows.into_iter().map(|(x,)| x).collect()
    }

    /// Writers that insert and then drop their transaction (an error mid-way) roll back only their
    /// own savepoint; writers of the same batches that commit keep their rows.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn dropped_writes_leave_nothing_while_their_batch_commits() {
        let store = Arc::new(store_with_table().await);
        let tasks: Vec<_> = (0..200i64)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move {
                    let mut tx = store.write().await?;
                    sqlx::query("INSERT INTO t (x) VALUES ($1)").bind(i).execute(tx.conn().await?).await?;
                    if i % 3 == 0 {
                        return Ok::<bool, sqlx::Error>(false); // dropped uncommitted
                    }
                    tx.commit().await?;
                    Ok(true)
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("join").expect("write");
        }
        let expected: Vec<i64> = (0..200).filter(|i| i % 3 != 0).collect();
        assert_eq!(rows(&store).await, expected);
    }

    /// Requests that open their savepoint in front of their own statements (one text, as on
    /// SQLite), that fail inside that text, or that end without any SQL at all keep exactly their
    /// own work, whatever their neighbours in the batch did.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn savepoints_opened_by_a_requests_own_text_keep_only_its_work() {
        let store = Arc::new(store_with_table().await);
        let tasks: Vec<_> = (0..240i64)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move {
                    let mut tx = store.write().await?;
                    match i % 4 {
                        0 => return tx.commit().await.map(|()| true), // keeps nothing
                        1 => return Ok(true),                         // dropped, nothing written
                        _ => {}
                    }
                    // Its row, then (every third request) the same row again, which fails.
                    let again = if i % 3 == 0 { "; INSERT INTO t (x) VALUES ($1)" } else { "" };
                    let text = format!("{}INSERT INTO t (x) VALUES ($1){again}", tx.opening());
                    sqlx::query(&text).bind(i).execute(tx.conn().await?).await?;
                    tx.commit().await.map(|()| true)
                })
            })
            .collect();
        let mut failed = Vec::new();
        for (i, task) in tasks.into_iter().enumerate() {
            if task.await.expect("join").is_err() {
                failed.push(i64::try_from(i).expect("small"));
            }
        }
        let writes = |i: &i64| i % 4 >= 2;
        assert_eq!(failed, (0..240).filter(|i| writes(i) && i % 3 == 0).collect::<Vec<_>>());
        assert_eq!(rows(&store).await, (0..240).filter(|i| writes(i) && i % 3 != 0).collect::<Vec<_>>());
    }

    /// A request that panics while it holds the connection gives it back, rolled back.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panic_while_holding_the_connection_rolls_back_and_frees_it() {
        let store = Arc::new(store_with_table().await);
        let panicking = {
            let store = store.clone();
            tokio::spawn(async move {
                let mut tx = store.write().await.expect("write");
                sqlx::query("INSERT INTO t (x) VALUES (1)")
                    .execute(tx.conn().await.expect("conn"))
                    .await
                    .expect("insert");
                panic!("mid-write");
            })
        };
        assert!(panicking.await.is_err());
        let mut tx = store.write().await.expect("write after panic");
        sqlx::query("INSERT INTO t (x) VALUES (2)").execute(tx.conn().await.expect("conn")).await.expect("insert");
        tx.commit().await.expect("commit");
        assert_eq!(rows(&store).await, vec![2]);
    }

    /// A statement error inside one request's savepoint does not disturb the others: the failing
    /// request rolls back, the rest commit in the same batch.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_constraint_error_fails_only_its_own_request() {
        let store = Arc::new(store_with_table().await);
        let tasks: Vec<_> = (0..64i64)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move {
                    let mut tx = store.write().await?;
                    // Every request inserts its own row, and the even ones also a duplicate of row 1000+i.
                    sqlx::query("INSERT INTO t (x) VALUES ($1)").bind(i).execute(tx.conn().await?).await?;
                    sqlx::query("INSERT INTO t (x) VALUES ($1)").bind(1000 + i).execute(tx.conn().await?).await?;
                    if i % 2 == 0 {
                        sqlx::query("INSERT INTO t (x) VALUES ($1)").bind(1000 + i).execute(tx.conn().await?).await?;
                    }
                    tx.commit().await
                })
            })
            .collect();
        let mut failed = 0;
        for task in tasks {
            if task.await.expect("join").is_err() {
                failed += 1;
            }
        }
        assert_eq!(failed, 32);
        let odd: Vec<i64> = (0..64).filter(|i| i % 2 == 1).collect();
        let expected: Vec<i64> = odd.iter().copied().chain(odd.iter().map(|i| 1000 + i)).collect();
        assert_eq!(rows(&store).await, expected);
    }
}
