//! WAL checkpoints off the write path (SQLite files only). A commit that crosses the writer's
//! auto-checkpoint threshold copies the WAL back into the database file and syncs it before the
//! commit returns; an engine tick or a group-commit batch that happens to cross it paid that
//! (a profile of 10 000 builds at `--phase-duration 0` spent a quarter of the tick in commits).
//! Here a task of its own, on a connection of its own, runs a `PASSIVE` checkpoint every
//! [`PERIOD`]: it copies what no reader still needs and never blocks the writer or a reader, and the
//! writer starts the WAL over once it has all been copied. The writer keeps a high auto-checkpoint
//! threshold ([`WRITER_PRAGMAS`]) as a safety net, should this task fall behind.
//! The task ends with the [`Store`](super::Store) that started it.

use std::sync::Weak;
use std::time::Duration;

use sqlx::any::AnyConnectOptions;
use sqlx::{AnyConnection, ConnectOptions, Connection, Executor};

/// How often the WAL is checkpointed.
const PERIOD: Duration = Duration::from_millis(200);

/// The writer's own settings: its checkpoint threshold, 20 000 pages (SQLite's default is 1 000),
/// is reached only if the background task falls behind; its page cache is 8 MiB instead of 2, so
/// an engine tick's index pages stay in memory (10 000 builds at `--phase-duration 0`: ~20% fewer
/// seconds of ticking; 16 MiB gained a little more but took the process past 64 MiB).
pub(super) const WRITER_PRAGMAS: &str = "PRAGMA wal_autocheckpoint = 20000; PRAGMA cache_size = -8192;";

/// Starts checkpointing the database `options` opens, for as long as `alive` can be upgraded.
pub(super) fn spawn<T: Send + Sync + 'static>(options: AnyConnectOptions, alive: Weak<T>) {
    tokio::spawn(async move {
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
        let mut ticker = tokio::time::interval(PERIOD);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if alive.strong_count() == 0 {
                break;
            }
            if let Err(err) = checkpoint_passive(&mut conn).await {
                tracing::debug!(error = %err, "background WAL checkpoint skipped");
            }
        }
        let _ = conn.close().await;
    });
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

    use super::checkpoint_passive;
    use crate::store::Store;

    /// What the writer commits stays in the WAL (its own threshold is far above it) until a passive
    /// checkpoint from another connection, the background task's kind, copies all of it while the
    /// store is open and serving.
    #[tokio::test]
    async fn another_connection_checkpoints_what_the_writer_committed() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("c.db");
        let store = Store::open(&path.to_string_lossy()).await.expect("open");
        let mut tx = store.begin_write().await.expect("begin");
        sqlx::query("CREATE TABLE filler (x TEXT NOT NULL)").execute(&mut *tx).await.expect("create");
        for _ in 0..1_500 {
            sqlx::query("INSERT INTO filler (x) VALUES ($1)")
                .bind("x".repeat(4_000))
                .execute(&mut *tx)
                .await
                .expect("insert");
        }
        tx.commit().await.expect("commit");
        let url = format!("sqlite://{}", path.to_string_lossy());
        let mut conn = AnyConnectOptions::from_str(&url).expect("url").connect().await.expect("connect");
        let (log, checkpointed) = checkpoint_passive(&mut conn).await.expect("checkpoint");
        assert!(log > 1_500, "the commit's pages are in the WAL: {log} frames");
        assert_eq!(checkpointed, log, "every frame copied into the database file");
        store.close().await;
    }
}
