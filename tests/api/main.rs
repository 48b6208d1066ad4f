//! One integration binary: every test starts a real emulator on a free port (see `helpers`).

/// Ends a test early when it runs on PostgreSQL (`IBE_TEST_DB`), saying why: for tests that
/// inherently need the SQLite file (its snapshots, a direct SQLite connection, a `Config` on a
/// file). The one way to skip, so skips stay visible and countable: each appends a line to the
/// file named by `IBE_TEST_SKIPS` when set (`scripts/test.sh` prints the count and the list).
macro_rules! skip_on_postgres {
    ($why:expr) => {
        if $crate::test_db::skip_on_postgres(module_path!(), $why) {
            return;
        }
    };
}

mod components;
mod console;
mod control;
mod errors;
mod executions;
mod fuzz_rpc;
mod golden;
mod group_commit;
mod hardening;
mod helpers;
mod images;
mod openapi;
mod pipelines;
mod postgres;
mod protocol;
mod readiness;
mod reliability;
mod tags;
mod template_cases;
mod test_db;
mod tls;
mod vpc;
mod world;
