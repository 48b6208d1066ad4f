//! One integration binary: every test starts a real emulator on a free port (see `helpers`).

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
mod protocol;
mod reliability;
mod snapshots;
mod tags;
mod template_cases;
mod test_db;
mod tls;
mod vpc;
mod world;
