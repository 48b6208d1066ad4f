//! One integration binary: every test starts a real emulator on a free port (see `helpers`).

mod helpers;
mod pipelines;
mod protocol;
