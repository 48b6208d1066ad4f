//! The engine ceiling: N simulated builds of K steps each, every step one `UPDATE` of the build's
//! row in SQLite (WAL, `synchronous=NORMAL`), with no timers (like `--phase-duration 0`).
//!
//! - `--mode tx`: every step of every build applied in one transaction with one prepared statement
//!   on a rusqlite connection (the physical limit of set-based tick writes).
//! - `--mode group`: a tokio task per build sends each step to one writer task, which commits all
//!   steps waiting at that moment in one sqlx transaction and acknowledges each after the commit
//!   (task-per-build group commit).
//!
//! Usage: `ceiling-engine --db FILE [--builds 10000] [--steps 15] [--mode tx|group]`. Prints one
//! line `RESULT {json}` with the wall time of applying the steps and the steps per second.

use std::str::FromStr;
use std::time::{Duration, Instant};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use tokio::sync::{mpsc, oneshot};

const UPDATE: &str = "UPDATE executions SET status = ?1, cursor = ?2, modified_ms = ?3 WHERE id = ?4";
const STATUSES: [&str; 5] = ["PREPARING", "BUILDING", "TESTING", "DISTRIBUTING", "RELEASING"];

type Error = Box<dyn std::error::Error + Send + Sync>;

struct Step {
    build: i64,
    cursor: i64,
    done: oneshot::Sender<()>,
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

fn status(cursor: i64) -> &'static str {
    STATUSES[usize::try_from(cursor).unwrap_or(0) % STATUSES.len()]
}

fn create(db: &str, builds: i64) -> Result<(), Error> {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{db}{suffix}"));
    }
    let mut conn = rusqlite::Connection::open(db)?;
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
         CREATE TABLE executions (id INTEGER PRIMARY KEY, status TEXT NOT NULL, cursor INTEGER NOT NULL,
                                  modified_ms INTEGER NOT NULL);",
    )?;
    let tx = conn.transaction()?;
    {
        let mut insert =
            tx.prepare("INSERT INTO executions (id, status, cursor, modified_ms) VALUES (?1, 'PREPARING', 0, 0)")?;
        for id in 0..builds {
            insert.execute([id])?;
        }
    }
    tx.commit()?;
    Ok(())
}

fn one_transaction(db: &str, builds: i64, steps: i64) -> Result<(), Error> {
    let mut conn = rusqlite::Connection::open(db)?;
    conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")?;
    let tx = conn.transaction()?;
    {
        let mut update = tx.prepare_cached(UPDATE)?;
        for cursor in 1..=steps {
            for build in 0..builds {
                update.execute(rusqlite::params![status(cursor), cursor, cursor, build])?;
            }
        }
    }
    tx.commit()?;
    Ok(())
}

async fn group_commit(db: &str, builds: i64, steps: i64) -> Result<(), Error> {
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{db}"))?
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(30));
    let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await?;
    let (sender, mut receiver) = mpsc::channel::<Step>(65_536);
    let writer = tokio::spawn(async move {
        let mut batch = Vec::with_capacity(4096);
        while receiver.recv_many(&mut batch, 4096).await > 0 {
            let mut tx = pool.begin().await?;
            for step in &batch {
                sqlx::query(UPDATE)
                    .bind(status(step.cursor))
                    .bind(step.cursor)
                    .bind(step.cursor)
                    .bind(step.build)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            for step in batch.drain(..) {
                let _ = step.done.send(());
            }
        }
        Ok::<(), sqlx::Error>(())
    });
    let tasks: Vec<_> = (0..builds)
        .map(|build| {
            let sender = sender.clone();
            tokio::spawn(async move {
                for cursor in 1..=steps {
                    let (done, committed) = oneshot::channel();
                    if sender.send(Step { build, cursor, done }).await.is_err() {
                        return;
                    }
                    let _ = committed.await;
                }
            })
        })
        .collect();
    drop(sender);
    for task in tasks {
        task.await?;
    }
    writer.await??;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let db = arg("--db").unwrap_or_else(|| "ceiling-engine.db".into());
    let builds: i64 = arg("--builds").map_or(Ok(10_000), |s| s.parse())?;
    let steps: i64 = arg("--steps").map_or(Ok(15), |s| s.parse())?;
    let mode = arg("--mode").unwrap_or_else(|| "tx".into());
    create(&db, builds)?;
    let started = Instant::now();
    match mode.as_str() {
        "tx" => one_transaction(&db, builds, steps)?,
        "group" => group_commit(&db, builds, steps).await?,
        other => return Err(format!("unknown --mode {other} (tx or group)").into()),
    }
    let secs = started.elapsed().as_secs_f64();
    let conn = rusqlite::Connection::open(&db)?;
    let finished: i64 = conn.query_row("SELECT COUNT(*) FROM executions WHERE cursor = ?1", [steps], |r| r.get(0))?;
    if finished != builds {
        return Err(format!("{finished} of {builds} builds reached step {steps}").into());
    }
    let applied = builds * steps;
    #[allow(clippy::cast_precision_loss)]
    let rate = applied as f64 / secs.max(1e-9);
    println!("RESULT {{\"mode\":\"{mode}\",\"builds\":{builds},\"steps\":{applied},\"secs\":{secs:.3},\"steps_per_s\":{rate:.0}}}");
    Ok(())
}
