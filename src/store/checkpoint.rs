//! WAL checkpoints off the write path (SQLite files only). A commit that crosses the writer's
//! auto-checkpoint threshold copies the WAL back into the database file and syncs it before the
//! commit returns; an engine tick or a group-commit batch that happens to cross it paid that
//! (a profile of 10 000 builds at `--phase-duration 0` spent a quarter of the tick in commits).
//! Here a task of its own, on a connection of its own, runs a `PASSIVE` checkpoint every
//! [`BUSY_PERIOD`] while the WAL changes and every [`PERIOD`] while it does not: it copies what no
//! reader still needs and never blocks the writer or a reader, and the writer starts the WAL over
//! once it has all been copied. A writer that begins again right after its commit would never find
//! it all copied, so an engine tick first lets a long WAL be copied ([`Wal::settle`]), and so does
//! a group-commit batch while no tick is under way. The writer keeps a high auto-checkpoint
//! threshold ([`WRITER_PRAGMAS`]) as a safety net, should this task fall behind. The task ends with
//! the [`Store`](super::Store) that started it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::watch;

use sqlx::any::AnyConnectOptions;
use sqlx::{AnyConnection, ConnectOptions, Connection, Executor};

/// How often the WAL is checkpointed while nothing is written.
const PERIOD: Duration = Duration::from_millis(200);

/// How soon the next pass runs after one that found the WAL changed: passes then follow the
/// writes closely, so the pass a writer waits for ([`Wal::settle`]) has little left to copy
/// (DeleteImagePipeline at c=16 on 320 000 templates: p99 40–53 ms with every pass [`PERIOD`]
/// apart, 12–39 ms with passes 25 ms apart, 6–8 ms at 10 ms; throughput alike).
const BUSY_PERIOD: Duration = Duration::from_millis(10);

/// Every writer connection's settings (the writer pool's, an engine tick's own, `tick_conn.rs`):
/// the checkpoint threshold, 20 000 pages (SQLite's default is 1 000), is reached only if the
/// background task falls behind; temporary files stay in memory: the journals of each request's
/// savepoint and of multi-row statements spilled to them (CreateImagePipeline with 2 tags and a
/// ClientToken wrote 85 KB per request, 32 KB without them). The writer pool's page cache is
/// SQLite's default (2 MiB): it had 8 MiB for the engine's index pages until ticks got a connection
/// of their own, and with 2 the process holds 56–58 MiB instead of 62–63 with 10 000 builds in
/// flight.
pub(super) const WRITER_PRAGMAS: &str = "PRAGMA wal_autocheckpoint = 20000; PRAGMA temp_store = MEMORY;";

/// A WAL of this many frames (32 MiB) is long: the next writer to begin (an engine tick, a
/// group-commit batch) waits for it to be copied ([`Wal::settle`]), so its transaction starts it
/// over.
const LONG_WAL: i64 = 8_192;

/// Longest a writer waits for the checkpoint pass it asked for (a pass copies 32 MiB or more and
/// syncs both files; should the task be stuck, the writer goes on without it).
const SETTLE_WAIT: Duration = Duration::from_secs(1);

/// What the background task knows of the WAL, and how a writer asks it for a pass now.
#[derive(Debug)]
pub(super) struct Wal {
    /// Whether a pass saw [`LONG_WAL`] frames or more since the last [`Wal::settle`].
    long: AtomicBool,
    /// Passes asked for, counted.
    asked: watch::Sender<u64>,
    /// The count of `asked` that the last pass done had seen when it began.
    served: watch::Sender<u64>,
    /// Whether an engine tick is under way ([`Wal::ticking`]); it settles before each of its
    /// transactions, so a group-commit batch need not ([`Wal::settle_unless_ticking`]).
    ticking: AtomicBool,
}

/// An engine tick under way, from [`Wal::ticking`] until dropped.
pub struct Ticking<'a>(&'a Wal);

impl Drop for Ticking<'_> {
    fn drop(&mut self) {
        self.0.ticking.store(false, Ordering::Relaxed);
    }
}

impl Wal {
    pub(super) fn new() -> Wal {
        Wal {
            long: AtomicBool::new(false),
            asked: watch::channel(0).0,
            served: watch::channel(0).0,
            ticking: AtomicBool::new(false),
        }
    }

    /// Before a writer begins (an engine tick, a group-commit batch): when the WAL was long, asks
    /// for a checkpoint pass now and waits for it. SQLite starts the WAL over at the beginning of a
    /// write transaction only if every frame is in the database file by then. A writer that begins
    /// right after its own commit (an engine tick, chunk after chunk; a batch while requests keep
    /// coming) never finds it so: the WAL grew past the writer's auto-checkpoint threshold, and from
    /// then on every commit checkpointed and synced the files itself (10 000 builds ticking:
    /// StartImagePipelineExecution's p99 was 50–70 ms, 13–20 ms with this).
    pub(super) async fn settle(&self) {
        if self.long.swap(false, Ordering::Relaxed) {
            self.pass().await;
        }
    }

    /// [`Wal::settle`] for a group-commit batch, unless an engine tick is under way: the tick
    /// settles before each of its transactions, and a request waiting here for a pass would wait
    /// as the engine keeps writing, which the pass then never catches up with (10 000 builds
    /// ticking: StartImagePipelineExecution's p99 was 62–71 ms, 19–24 ms without the wait).
    pub(super) async fn settle_unless_ticking(&self) {
        if !self.ticking.load(Ordering::Relaxed) {
            self.settle().await;
        }
    }

    /// Marks an engine tick under way until the guard is dropped.
    pub(super) fn ticking(&self) -> Ticking<'_> {
        self.ticking.store(true, Ordering::Relaxed);
        Ticking(self)
    }

    /// Asks for a pass and waits (at most [`SETTLE_WAIT`]) until one that began after the asking
    /// is done (a pass under way may have missed the latest commit).
    async fn pass(&self) {
        let mut ask = 0;
        self.asked.send_modify(|asked| {
            *asked += 1;
            ask = *asked;
        });
        let mut served = self.served.subscribe();
        let _ = tokio::time::timeout(SETTLE_WAIT, served.wait_for(|served| *served >= ask)).await;
    }
}

/// Starts checkpointing the database `options` opens, reporting to `wal`, for as long as `alive`
/// can be upgraded.
pub(super) fn spawn<T: Send + Sync + 'static>(options: AnyConnectOptions, wal: Arc<Wal>, alive: Weak<T>) {
    tokio::spawn(async move {
        let mut asked = wal.asked.subscribe();
        let mut conn = match options.connect().await {
            Ok(conn) => conn,
            Err(err) => {
                tracing::warn!(error = %err, "no background WAL checkpoints (the writer checkpoints itself)");
                return;
            }
        };
        if let Err(err) = conn.execute("PRAGMA busy_timeout = 1000;").await {
            tracing::warn!(error = %err, "background WAL checkpoints: busy timeout not set");
        }
        let mut period = PERIOD;
        let mut last_seen = None;
        loop {
            tokio::select! {
                () = tokio::time::sleep(period) => {}
                // The sender lives in `wal`, held here: this never fails.
                _ = asked.changed() => {}
            }
            if alive.strong_count() == 0 {
                break;
            }
            let serving = *asked.borrow_and_update();
            match checkpoint_passive(&mut conn).await {
                Ok(seen @ (frames, _)) => {
                    if frames >= LONG_WAL {
                        wal.long.store(true, Ordering::Relaxed);
                    }
                    period = next_period(last_seen, seen);
                    last_seen = Some(seen);
                }
                Err(err) => {
                    tracing::debug!(error = %err, "background WAL checkpoint skipped");
                    period = PERIOD;
                }
            }
            wal.served.send_replace(serving);
        }
        let _ = conn.close().await;
    });
}

/// How long to wait after a pass that saw `seen` (frames in the WAL, frames copied) when the pass
/// before saw `last`: [`BUSY_PERIOD`] if the WAL changed in between (writes are coming), else
/// [`PERIOD`].
fn next_period(last: Option<(i64, i64)>, seen: (i64, i64)) -> Duration {
    if last == Some(seen) {
        PERIOD
    } else {
        BUSY_PERIOD
    }
}

/// Copies into the database file every WAL frame no reader still needs, without waiting for the
/// writer or a reader; returns the frames in the WAL and how many of them are now in the file.
async fn checkpoint_passive(conn: &mut AnyConnection) -> Result<(i64, i64), sqlx::Error> {
    let (_busy, log, checkpointed): (i64, i64, i64) =
        sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(&mut *conn).await?;
    Ok((log, checkpointed))
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use sqlx::any::AnyConnectOptions;
    use sqlx::ConnectOptions;

    use super::{checkpoint_passive, next_period, BUSY_PERIOD, LONG_WAL, PERIOD};
    use crate::store::Store;

    /// Commits `pages` pages of filler rows through the writer.
    async fn fill(store: &Store, pages: usize) {
        let mut tx = store.begin_write().await.expect("begin");
        sqlx::query("CREATE TABLE IF NOT EXISTS filler (x TEXT NOT NULL)").execute(&mut *tx).await.expect("create");
        for _ in 0..pages {
            sqlx::query("INSERT INTO filler (x) VALUES ($1)")
                .bind("x".repeat(4_000))
                .execute(&mut *tx)
                .await
                .expect("insert");
        }
        tx.commit().await.expect("commit");
    }

    /// A passive checkpoint from a connection of its own, the background task's kind: the frames
    /// in the WAL and how many of them are in the database file.
    async fn checkpoint_from_elsewhere(path: &std::path::Path) -> (i64, i64) {
        let url = format!("sqlite://{}", path.to_string_lossy());
        let mut conn = AnyConnectOptions::from_str(&url).expect("url").connect().await.expect("connect");
        checkpoint_passive(&mut conn).await.expect("checkpoint")
    }

    /// A file store whose WAL is long, seen so by a pass, and not yet copied: a first long commit,
    /// a pass (which copies it, so the next commit starts the WAL over), and a second long commit.
    async fn store_with_a_long_wal(path: &std::path::Path) -> Store {
        let store = Store::open(&path.to_string_lossy()).await.expect("open");
        let wal = store.wal.clone().expect("a file database has the checkpointer");
        let long = usize::try_from(LONG_WAL).expect("frames") + 500;
        fill(&store, long).await;
        wal.pass().await;
        fill(&store, long).await;
        store
    }

    /// Whether the WAL had all been copied when the last writer began: the next write started it
    /// over (a writer that begins right after committing a long WAL appends to it instead).
    async fn assert_the_next_write_starts_the_wal_over(store: &Store, path: &std::path::Path) {
        fill(store, 1).await;
        let (frames, _) = checkpoint_from_elsewhere(path).await;
        assert!(frames < 100, "the WAL was started over: {frames} frames");
    }

    #[tokio::test]
    async fn an_engine_tick_after_a_long_wal_has_it_copied_first() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("w.db");
        let store = store_with_a_long_wal(&path).await;
        store.tick_tx().await.expect("tick").commit().await.expect("commit");
        assert_the_next_write_starts_the_wal_over(&store, &path).await;
        store.close().await;
    }

    #[tokio::test]
    async fn a_group_commit_batch_after_a_long_wal_has_it_copied_first() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("w.db");
        let store = store_with_a_long_wal(&path).await;
        store.write().await.expect("write").commit().await.expect("commit");
        assert_the_next_write_starts_the_wal_over(&store, &path).await;
        store.close().await;
    }

    /// While an engine tick is under way, a batch begins at once: the tick settles before each
    /// of its transactions, so it is the one that asks for the pass.
    #[tokio::test]
    async fn a_group_commit_batch_during_an_engine_tick_leaves_the_long_wal_to_the_tick() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("w.db");
        let store = store_with_a_long_wal(&path).await;
        let wal = store.wal.clone().expect("a file database has the checkpointer");
        let asked = || *wal.asked.borrow();
        let ticking = store.ticking();
        let before = asked();
        store.write().await.expect("write").commit().await.expect("commit");
        assert_eq!(asked(), before, "the batch asked for no pass");
        store.tick_tx().await.expect("tick").commit().await.expect("commit");
        assert_eq!(asked(), before + 1, "the tick asked for the pass");
        drop(ticking);
        assert_the_next_write_starts_the_wal_over(&store, &path).await;
        store.close().await;
    }

    #[test]
    fn passes_follow_closely_while_the_wal_changes_and_slow_down_when_it_does_not() {
        assert_eq!(next_period(None, (0, 0)), BUSY_PERIOD, "the first pass has nothing to compare with");
        assert_eq!(next_period(Some((120, 120)), (480, 480)), BUSY_PERIOD, "frames were written");
        assert_eq!(next_period(Some((480, 300)), (480, 480)), BUSY_PERIOD, "frames were copied");
        assert_eq!(next_period(Some((8_400, 8_400)), (40, 40)), BUSY_PERIOD, "the WAL was started over");
        assert_eq!(next_period(Some((480, 480)), (480, 480)), PERIOD, "nothing changed");
        assert_eq!(next_period(Some((0, 0)), (0, 0)), PERIOD, "an empty WAL stays empty");
    }

    /// What the writer commits stays in the WAL (its own threshold is far above it) until a passive
    /// checkpoint from another connection, the background task's kind, copies all of it while the
    /// store is open and serving.
    #[tokio::test]
    async fn another_connection_checkpoints_what_the_writer_committed() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("c.db");
        let store = Store::open(&path.to_string_lossy()).await.expect("open");
        fill(&store, 1_500).await;
        let (log, checkpointed) = checkpoint_from_elsewhere(&path).await;
        assert!(log > 1_500, "the commit's pages are in the WAL: {log} frames");
        assert_eq!(checkpointed, log, "every frame copied into the database file");
        store.close().await;
    }
}
