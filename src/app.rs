//! Application wiring (the composition root): builds the shared state, the router with its layers,
//! binds the listener, and shuts down gracefully.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::middleware::from_fn_with_state;
use axum::routing::any;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::catch_panic::CatchPanicLayer;

use crate::admin;
use crate::auth::Auth;
use crate::clock::{Clock, ManualClock, ScaledClock, SimClock, SystemClock, MANUAL_CLOCK_KEY};
use crate::config::{AuthMode, ClockMode, Config};
use crate::engine::Engine;
use crate::faults::Faults;
use crate::fixtures::{self, Fixtures};
use crate::gate::{self, GateState, HostPolicy};
use crate::ids::IdGen;
use crate::journal::Journal;
use crate::rpc;
use crate::shared::{self, Layers, Shared};
use crate::state::{AppState, Services};
use crate::store::Store;

/// How long shutdown waits for the scheduler to finish its current tick.
const SCHEDULER_EXIT_DEADLINE: Duration = Duration::from_secs(8);

/// How many times a database was opened with `--id-seed` (keeps seeded IDs unique across restarts).
const ID_BOOT_KEY: &str = "id_seed_boot";

/// The router: the gate in front of every route, then the RPC API and the control plane.
pub fn router(state: AppState, gate_state: GateState) -> Router {
    guard(routes(&state)).layer(from_fn_with_state(gate_state, gate::gate)).with_state(state)
}

/// Every route: the RPC API on `/` (every method, so unsupported ones get an Alibaba error) inside
/// its layers — the journal (outermost), the front door that decodes and logs, fault injection —
/// and the control plane under `/_emulator`.
pub fn routes(state: &AppState) -> Router<AppState> {
    let layers = Layers { shared: state.shared.clone(), clock: state.clock.clone() };
    let rpc = any(rpc::dispatch)
        .layer(from_fn_with_state(layers.clone(), shared::inject))
        .layer(from_fn_with_state(state.clone(), rpc::decode))
        .layer(from_fn_with_state(layers, shared::record));
    Router::new()
        .route("/", rpc)
        .nest("/_emulator", admin::router())
        .layer(from_fn_with_state(state.shared.clone(), shared::refresh))
}

/// What wraps every route: an Alibaba error for unknown paths, and a panic in a handler answered as
/// `500 InternalError` while the server keeps serving.
pub fn guard(routes: Router<AppState>) -> Router<AppState> {
    routes.fallback(rpc::not_found).layer(CatchPanicLayer::custom(rpc::panic_response))
}

/// A bound, ready-to-serve emulator.
pub struct App {
    listener: TcpListener,
    state: AppState,
    /// HTTPS on the listen port (`--tls`).
    tls: Option<crate::tls::Tls>,
    /// What the gate checks (hosts, the admin token, body limits).
    gate: GateState,
}

impl App {
    /// Opens the database (running migrations), picks the clock and binds the listener.
    pub async fn build(config: Config) -> Result<App, StartupError> {
        let clock = match (config.clock, config.time_scale) {
            (ClockMode::Manual, Some(_)) => {
                return Err(StartupError("--time-scale applies to the real clock, not --clock manual".into()))
            }
            (ClockMode::Real, Some(scale)) if scale <= 0.0 || !scale.is_finite() => {
                return Err(StartupError("--time-scale must be a positive number".into()))
            }
            (ClockMode::Real, Some(scale)) => SimClock::Scaled(ScaledClock::new(scale)),
            (ClockMode::Real, None) => SimClock::System(SystemClock),
            // Manual time starts at the wall clock, or where a previous run left it.
            (ClockMode::Manual, None) => SimClock::Manual(ManualClock::starting_at(SystemClock.now_ms())),
        };
        App::build_with_clock(config, clock).await
    }

    /// As [`App::build`] with a given clock (tests hold on to a [`ManualClock`]).
    pub async fn build_with_clock(config: Config, clock: impl Into<SimClock>) -> Result<App, StartupError> {
        let sim_clock: SimClock = clock.into();
        let store = Store::open(&config.db)
            .await
            .map_err(|e| StartupError(format!("cannot open database {}: {e}", crate::store::display_db(&config.db))))?;
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|e| StartupError(format!("cannot listen on {}: {e}", config.listen)))?;
        let tls = if config.tls {
            let addr = listener.local_addr().unwrap_or(config.listen);
            Some(crate::tls::prepare(&config, addr).map_err(StartupError)?)
        } else {
            None
        };
        let fixtures = match &config.fixtures {
            Some(path) => fixtures::read(path).map_err(StartupError)?,
            None => Fixtures::default(),
        };
        let keys = fixtures::keys(&fixtures).map_err(StartupError)?;
        if config.auth == AuthMode::Strict && keys.is_empty() {
            return Err(StartupError("--auth strict needs access keys: give them in --fixtures (access_keys)".into()));
        }
        let catalog = fixtures::catalog(&fixtures).map_err(StartupError)?;
        if let Some(manual) = sim_clock.manual() {
            let saved = store.state_get(MANUAL_CLOCK_KEY).await.ok().flatten().and_then(|v| v.parse::<i64>().ok());
            if let Some(saved) = saved.filter(|s| *s > manual.now_ms()) {
                manual.advance(saved - manual.now_ms());
            }
        }
        let ids = match config.id_seed {
            Some(seed) => {
                let boot = store.state_get(ID_BOOT_KEY).await.ok().flatten().and_then(|v| v.parse::<u64>().ok());
                let boot = boot.map_or(0, |b| b + 1);
                store.state_set(ID_BOOT_KEY, &boot.to_string()).await.map_err(|e| StartupError(e.to_string()))?;
                IdGen::seeded(seed, boot)
            }
            None => IdGen::random(),
        };
        // A name put in the server certificate (`--tls-name`) is one clients use: answer to it.
        let mut allowed_hosts = config.allowed_hosts.clone();
        if config.tls {
            allowed_hosts.extend(config.tls_names.iter().cloned());
        }
        let gate = GateState {
            hosts: Arc::new(HostPolicy::new(&allowed_hosts, listener.local_addr().unwrap_or(config.listen))),
            strict: config.auth == AuthMode::Strict,
            admin_token: config.admin_token.clone().or_else(|| fixtures.admin_token.clone()).map(Arc::from),
            max_snapshot_bytes: config.max_snapshot_bytes,
            body_timeout_ms: config.body_timeout_ms,
        };
        let clock: Arc<dyn Clock> = Arc::new(sim_clock.clone());
        let faults = Arc::new(Faults::new(config.id_seed));
        let journal = Arc::new(Journal::default());
        let shared = Arc::new(Shared::new(
            store.clone(),
            faults.clone(),
            journal.clone(),
            sim_clock.manual().cloned(),
            store.backend() == crate::store::Backend::Postgres,
        ));
        shared.start().await.map_err(|e| StartupError(format!("cannot read the shared control state: {e}")))?;
        let engine = Engine::new(store.clone(), clock.clone(), shared.clone());
        let state = AppState::new(Services {
            store,
            clock,
            sim_clock,
            engine,
            faults,
            journal,
            shared,
            auth: Arc::new(Auth::new(config.auth == AuthMode::Strict, keys)),
            catalog: Arc::new(catalog),
            ids: Arc::new(ids),
            config: Arc::new(config),
            ready: Arc::new(AtomicBool::new(false)),
        });
        fixtures::create_resources(&state, &fixtures).await.map_err(StartupError)?;
        state.ready.store(true, Ordering::SeqCst);
        Ok(App { listener, state, tls, gate })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// HTTPS details (the CA's path, the certificate's names) when `--tls` is on.
    pub fn tls(&self) -> Option<&crate::tls::Tls> {
        self.tls.as_ref()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The bound listener and the state, to serve a custom router (tests).
    pub fn into_parts(self) -> (TcpListener, AppState) {
        (self.listener, self.state)
    }

    /// Serves (and runs the build scheduler) until `shutdown` resolves; then stops taking
    /// requests, drains those in flight, stops the scheduler and closes the database.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let App { listener, state, tls, gate } = self;
        let store = state.store.clone();
        let (stop_scheduler, stopped) = watch::channel(false);
        let scheduler = state.config.run_scheduler.then(|| tokio::spawn(state.engine.clone().run(stopped)));
        let limits = crate::serve::ConnectionLimits {
            header_timeout: Duration::from_millis(state.config.header_timeout_ms),
            max_connections: state.config.max_connections,
        };
        let served =
            crate::serve::serve(listener, router(state, gate), limits, tls.map(|t| t.acceptor), shutdown).await;
        let _ = stop_scheduler.send(true);
        if let Some(scheduler) = scheduler {
            if tokio::time::timeout(SCHEDULER_EXIT_DEADLINE, scheduler).await.is_err() {
                tracing::warn!("the scheduler did not stop in time");
            }
        }
        store.close().await;
        served
    }
}

/// Why the emulator could not start (database or listener).
#[derive(Debug)]
pub struct StartupError(pub String);

impl std::fmt::Display for StartupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartupError {}
