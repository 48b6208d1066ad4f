//! ecs-imagebuilder-emulator: a local emulator of the Alibaba Cloud ECS Image Builder RPC API
//! (version 2014-05-26). The library holds everything; `main.rs` only parses flags and runs it,
//! so tests build the same app in-process.

pub mod actions;
pub mod admin;
pub mod app;
pub mod auth;
pub mod catalog;
pub mod clock;
pub mod config;
pub mod console;
pub mod domain;
pub mod engine;
pub mod envelope;
pub mod error;
pub mod exchange;
pub mod faults;
pub mod fixtures;
pub mod gate;
pub mod ids;
pub mod journal;
pub mod lint;
pub mod params;
pub mod product;
pub mod rpc;
pub mod serve;
pub mod shared;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod tls;
