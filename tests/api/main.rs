//! One integration binary: every test starts a real emulator on a free port (see `helpers`).

mod errors;
mod executions;
mod helpers;
mod images;
mod pipelines;
mod protocol;
