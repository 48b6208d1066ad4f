//! The command line and its environment variables (architecture.md "Command line"), parsed and
//! validated once at start-up.

use std::net::SocketAddr;

use clap::{Parser, ValueEnum};

/// Which clock drives simulated time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClockMode {
    /// Wall-clock time.
    Real,
    /// Time moves only when told to (tests, CI fixtures).
    Manual,
}

impl ClockMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ClockMode::Real => "real",
            ClockMode::Manual => "manual",
        }
    }
}

/// Local emulator of the Alibaba Cloud ECS Image Builder API (RPC, version 2014-05-26).
#[derive(Debug, Clone, Parser)]
#[command(name = "ecs-imagebuilder-emulator", version, about, long_about = None)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port (printed on start).
    #[arg(long, env = "IBE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// SQLite database file (created if missing); `:memory:` for a throw-away run.
    #[arg(long, env = "IBE_DB", default_value = "./ecs-imagebuilder-emulator.db")]
    pub db: String,

    /// `real`: wall-clock time; `manual`: simulated time moves only when advanced.
    #[arg(long, value_enum, env = "IBE_CLOCK", default_value = "real")]
    pub clock: ClockMode,

    /// Image templates allowed per account and region (`QuotaExceed.ImagePipeline` beyond it);
    /// unlimited when unset. The real quota is undisclosed (api-spec §9 item 11).
    #[arg(long, env = "IBE_PIPELINE_QUOTA")]
    pub pipeline_quota: Option<u64>,
}

impl Config {
    /// A configuration for tests: a port chosen by the OS, the given database, manual clock.
    pub fn for_tests(db: impl Into<String>) -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            db: db.into(),
            clock: ClockMode::Manual,
            pipeline_quota: None,
        }
    }
}
