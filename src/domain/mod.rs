//! Pure types and rules, no I/O: documented limits, names, tags, paging tokens, timestamps,
//! the template model and the template language, VPC networks.

pub mod build;
pub mod component;
pub mod execution;
pub mod idempotency;
pub mod image;
pub mod limits;
pub mod names;
pub mod network;
pub mod outcome;
pub mod paging;
pub mod pipeline;
pub mod refusal;
pub mod resources;
pub mod snapshot;
pub mod tags;
pub mod template;
pub mod time;
pub mod tokens;
pub mod wire_enum;
