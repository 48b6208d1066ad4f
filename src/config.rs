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

/// Whether request signatures are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthMode {
    AcceptAny,
    Strict,
}

impl AuthMode {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMode::AcceptAny => "accept-any",
            AuthMode::Strict => "strict",
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

    /// SQLite database file (created if missing); `:memory:` for a throw-away run; or a
    /// `postgres://` / `postgresql://` URL to run on PostgreSQL.
    #[arg(long, env = "IBE_DB", default_value = "./ecs-imagebuilder-emulator.db")]
    pub db: String,

    /// `real`: wall-clock time; `manual`: simulated time moves only when advanced.
    #[arg(long, value_enum, env = "IBE_CLOCK", default_value = "real")]
    pub clock: ClockMode,

    /// One duration for every build phase (`0`, `300ms`, `2s`, `1m`; a bare number is seconds);
    /// `0` makes a build finish at once. Unset: realistic durations (tens of seconds per step).
    #[arg(long, env = "IBE_PHASE_DURATION", value_parser = parse_duration_ms)]
    pub phase_duration: Option<i64>,

    /// With the real clock: simulated time runs this many times faster than wall time (60: one
    /// second is a minute). Not allowed with `--clock manual`.
    #[arg(long, env = "IBE_TIME_SCALE")]
    pub time_scale: Option<f64>,

    /// Makes every generated ID and RequestId reproducible from this seed, per account and kind.
    #[arg(long, env = "IBE_ID_SEED")]
    pub id_seed: Option<u64>,

    /// `accept-any`: credentials are not checked; `strict`: V1 and V3 signatures are verified
    /// against the access keys of the fixtures file.
    #[arg(long, value_enum, env = "IBE_AUTH", default_value = "accept-any")]
    pub auth: AuthMode,

    /// A YAML or JSON file of access keys, catalog additions, components and templates, loaded
    /// idempotently at start (before `/_emulator/ready` answers 200).
    #[arg(long, env = "IBE_FIXTURES")]
    pub fixtures: Option<std::path::PathBuf>,

    /// How long a client may take to send its request headers (slow clients).
    #[arg(skip = 10_000_u64)]
    pub header_timeout_ms: u64,

    /// How long a request body may take to arrive before it is refused (slow clients).
    #[arg(skip = 10_000_u64)]
    pub body_timeout_ms: u64,

    /// Whether the scheduler loop runs (always in the binary; tests drive `Engine::tick` instead).
    #[arg(skip = true)]
    pub run_scheduler: bool,

    /// Image templates allowed per account and region (`QuotaExceed.ImagePipeline` beyond it);
    /// unlimited when unset. The real quota is undisclosed (docs/reference.md §9 item 11).
    #[arg(long, env = "IBE_PIPELINE_QUOTA")]
    pub pipeline_quota: Option<u64>,

    /// Image components allowed per account and region (`QuotaExceed.ImageComponent` beyond it);
    /// unlimited when unset (the real quota is undisclosed).
    #[arg(long, env = "IBE_COMPONENT_QUOTA")]
    pub component_quota: Option<u64>,

    /// Extra host names clients may use in the `Host` header (comma-separated), besides IP
    /// addresses, `localhost` and the machine's host name when listening on all interfaces;
    /// `*` accepts any (turns the DNS-rebinding check off).
    #[arg(long, env = "IBE_ALLOWED_HOSTS", value_delimiter = ',')]
    pub allowed_hosts: Vec<String>,

    /// With `--auth strict`: the token `/_emulator/*` requires (`Authorization: Bearer TOKEN` or
    /// `X-Emulator-Token`); also settable as `admin_token` in the fixtures file.
    #[arg(long, env = "IBE_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,

    /// Open client connections served at once; a few more get one request each (health checks),
    /// and past those new connections are closed at once.
    #[arg(long, env = "IBE_MAX_CONNECTIONS", default_value_t = crate::domain::limits::DEFAULT_MAX_CONNECTIONS)]
    pub max_connections: usize,

    /// Largest snapshot upload (`PUT /_emulator/snapshots/{name}`), in bytes.
    #[arg(long, env = "IBE_MAX_SNAPSHOT_BYTES", default_value_t = crate::domain::limits::DEFAULT_MAX_SNAPSHOT_BYTES)]
    pub max_snapshot_bytes: u64,

    /// Serve HTTPS instead of HTTP on the listen port, with a certificate signed by the
    /// emulator's own CA (made once in the TLS folder; its `ca.pem` path is printed at start).
    #[arg(long, env = "IBE_TLS")]
    pub tls: bool,

    /// With `--tls`: more names or addresses for the server certificate (comma-separated in
    /// the variable), besides `localhost`, `127.0.0.1`, `::1` and the listen address. Each is
    /// also a `Host` the emulator answers to (as with `--allowed-hosts`).
    #[arg(long = "tls-name", value_name = "NAME", env = "IBE_TLS_NAMES", value_delimiter = ',')]
    pub tls_names: Vec<String>,

    /// With `--tls`: the folder of the CA (`ca.pem`, `ca-key.pem`); default `<db>.tls` beside
    /// the database, or a new temporary folder with `--db :memory:`.
    #[arg(long, env = "IBE_TLS_DIR")]
    pub tls_dir: Option<std::path::PathBuf>,
}

impl Config {
    /// A configuration for tests: a port chosen by the OS, the given database, manual clock.
    pub fn for_tests(db: impl Into<String>) -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            db: db.into(),
            clock: ClockMode::Manual,
            phase_duration: None,
            time_scale: None,
            id_seed: None,
            auth: AuthMode::AcceptAny,
            fixtures: None,
            header_timeout_ms: 10_000,
            body_timeout_ms: 10_000,
            run_scheduler: false,
            pipeline_quota: None,
            component_quota: None,
            allowed_hosts: Vec::new(),
            admin_token: None,
            max_connections: crate::domain::limits::DEFAULT_MAX_CONNECTIONS,
            max_snapshot_bytes: crate::domain::limits::DEFAULT_MAX_SNAPSHOT_BYTES,
            tls: false,
            tls_names: Vec::new(),
            tls_dir: None,
        }
    }
}

/// Parses `0`, `250ms`, `2s`, `1m` (a bare number is seconds) into milliseconds.
pub fn parse_duration_ms(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let (number, unit_ms) = if let Some(n) = text.strip_suffix("ms") {
        (n, 1)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1_000)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60_000)
    } else {
        (text, 1_000)
    };
    let value: i64 =
        number.trim().parse().map_err(|_| format!("\"{text}\" is not a duration like 0, 300ms, 2s or 1m"))?;
    if value < 0 {
        return Err("a duration cannot be negative".into());
    }
    value.checked_mul(unit_ms).ok_or_else(|| "the duration is too long".to_string())
}

#[cfg(test)]
mod tests {
    use super::parse_duration_ms;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration_ms("0"), Ok(0));
        assert_eq!(parse_duration_ms("300ms"), Ok(300));
        assert_eq!(parse_duration_ms("2s"), Ok(2_000));
        assert_eq!(parse_duration_ms("1m"), Ok(60_000));
        assert_eq!(parse_duration_ms("5"), Ok(5_000));
        assert!(parse_duration_ms("fast").is_err());
        assert!(parse_duration_ms("-1s").is_err());
    }
}
