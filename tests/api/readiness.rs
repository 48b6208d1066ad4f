//! `/_emulator/ready` and the schema version checks (issue 15): ready only while the database
//! answers and its migrations are exactly this emulator's; a database written by a newer emulator
//! (a migration version this one does not know) is refused at start, naming the version. Runs on
//! SQLite and, with `IBE_TEST_DB`, on PostgreSQL.

use serde_json::json;

use crate::helpers::TestApp;
use crate::test_db::{backend, Backend};

/// A row in `_sqlx_migrations` for a version no emulator has (what a newer one would leave).
fn future_migration_sql(version: i64) -> String {
    let (success, checksum) = match backend() {
        Backend::Sqlite => ("1", "x'00'"),
        Backend::Postgres(_) => ("TRUE", "'\\x00'::bytea"),
    };
    format!(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES ({version}, 'from the future', {success}, {checksum}, 0)"
    )
}

#[tokio::test]
async fn ready_only_while_the_migrations_are_this_emulators_and_a_newer_database_is_refused_at_start() {
    let app = TestApp::spawn().await;
    assert_eq!(app.admin("GET", "/ready", None).await, (200, json!({ "ready": true })));

    app.raw_sql(&future_migration_sql(99_999_999)).await;
    let (status, body) = app.admin("GET", "/ready", None).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["ready"], false, "{body}");
    let reason = body["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("99999999") && reason.contains("migrations"), "{body}");

    let refused = app.build_another().await.err().expect("a newer database is refused");
    assert!(refused.contains("99999999"), "names the unknown version: {refused}");
    assert!(refused.contains("newer emulator"), "says why: {refused}");

    // Everything else keeps working on the running one, and once the row is gone it is ready again.
    app.create_pipeline(&[]).await;
    app.raw_sql("DELETE FROM _sqlx_migrations WHERE version = 99999999").await;
    assert_eq!(app.admin("GET", "/ready", None).await, (200, json!({ "ready": true })));
    assert!(app.build_another().await.is_ok(), "the same database opens again");
}

/// A database that is missing a migration of this emulator (rolled back by hand) is not ready.
#[tokio::test]
async fn a_database_missing_one_of_this_emulators_migrations_is_not_ready() {
    let app = TestApp::spawn().await;
    app.raw_sql("DELETE FROM _sqlx_migrations WHERE version = 1").await;
    let (status, body) = app.admin("GET", "/ready", None).await;
    assert_eq!(status, 503, "{body}");
    assert!(body["reason"].as_str().is_some_and(|r| r.contains("not this emulator's")), "{body}");
}
