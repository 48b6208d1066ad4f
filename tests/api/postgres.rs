//! PostgreSQL only (`IBE_TEST_DB`): every write transaction takes the one advisory lock
//! (`store::WRITE_LOCK_KEY`), so writes of several emulator processes sharing a database are
//! serialised. On SQLite these tests have nothing to check and return at once.

use std::time::Duration;

use ecs_imagebuilder_emulator::store::WRITE_LOCK_KEY;
use serde_json::json;
use sqlx::{Connection, PgConnection};

use crate::helpers::TestApp;
use crate::test_db::{backend, Backend};

/// How long a write must stay blocked behind another process's lock to count as blocked: a write
/// that ignored the lock answers in a few milliseconds.
const BLOCKED: Duration = Duration::from_millis(400);

/// Another "process": a connection of our own holding the write lock in an open transaction.
async fn hold_write_lock(url: &str) -> PgConnection {
    let mut conn = PgConnection::connect(url).await.expect("connect");
    sqlx::query("BEGIN").execute(&mut conn).await.expect("begin");
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(WRITE_LOCK_KEY).execute(&mut conn).await.expect("lock");
    conn
}

/// Ends the holder's transaction, which releases the lock.
async fn release(mut conn: PgConnection) {
    sqlx::query("COMMIT").execute(&mut conn).await.expect("commit");
    conn.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_wait_for_another_process_holding_the_write_lock() {
    if backend() == Backend::Sqlite {
        return;
    }
    let app = TestApp::spawn().await;
    let before = app.create_pipeline(&[]).await;

    // An API write (the group-commit batch) waits for the lock, then goes through.
    let held = hold_write_lock(app.db_url()).await;
    let create = app.create_pipeline(&[]);
    tokio::pin!(create);
    assert!(
        tokio::time::timeout(BLOCKED, &mut create).await.is_err(),
        "a create ran while another process held the lock"
    );
    release(held).await;
    create.await;

    // A control-plane write (reset) and an engine tick do too.
    let held = hold_write_lock(app.db_url()).await;
    let reset = app.admin("POST", "/reset", Some(json!({})));
    tokio::pin!(reset);
    assert!(
        tokio::time::timeout(BLOCKED, &mut reset).await.is_err(),
        "a reset ran while another process held the lock"
    );
    release(held).await;
    assert_eq!(reset.await.0, 200);
    assert!(app.describe_pipeline(&before).await.is_none(), "the reset ran once released");

    let id = app.start(&app.create_pipeline(&[]).await).await;
    let held = hold_write_lock(app.db_url()).await;
    let tick = app.advance(600_000);
    tokio::pin!(tick);
    assert!(
        tokio::time::timeout(BLOCKED, &mut tick).await.is_err(),
        "an engine tick ran while another process held the lock"
    );
    release(held).await;
    assert!(tick.await > 0, "the tick applied its steps once released");
    assert!(!app.status(&id).await.is_empty());
}
