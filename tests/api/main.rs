//! One integration binary: every test starts a real emulator on a free port (see `helpers`).

mod errors;
mod helpers;
mod pipelines;
mod protocol;
