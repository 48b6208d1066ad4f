//! Application wiring: shared state, the router, binding, and graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::routing::any;
use axum::Router;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::catch_panic::CatchPanicLayer;

use crate::clock::{Clock, ManualClock, SystemClock};
use crate::config::{ClockMode, Config};
use crate::engine::Engine;
use crate::rpc;
use crate::store::Store;

/// How long shutdown waits for the scheduler to finish its current tick.
const SCHEDULER_EXIT_DEADLINE: Duration = Duration::from_secs(8);

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub engine: Arc<Engine>,
    pub config: Arc<Config>,
}

/// The router: the RPC API on `/` (every method, so unsupported ones get an Alibaba error).
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", any(rpc::handle))
        .fallback(rpc::not_found)
        .layer(CatchPanicLayer::custom(rpc::panic_response))
        .with_state(state)
}

/// A bound, ready-to-serve emulator.
pub struct App {
    listener: TcpListener,
    state: AppState,
}

impl App {
    /// Opens the database (running migrations), picks the clock and binds the listener.
    pub async fn build(config: Config) -> Result<App, StartupError> {
        let clock: Arc<dyn Clock> = match config.clock {
            ClockMode::Real => Arc::new(SystemClock),
            ClockMode::Manual => Arc::new(ManualClock::starting_at(SystemClock.now_ms())),
        };
        App::build_with_clock(config, clock).await
    }

    /// As [`App::build`] with a given clock (tests hold on to a [`ManualClock`]).
    pub async fn build_with_clock(config: Config, clock: Arc<dyn Clock>) -> Result<App, StartupError> {
        let store = Store::open(&config.db)
            .await
            .map_err(|e| StartupError(format!("cannot open database {}: {e}", config.db)))?;
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|e| StartupError(format!("cannot listen on {}: {e}", config.listen)))?;
        let engine = Engine::new(store.clone(), clock.clone());
        Ok(App { listener, state: AppState { store, clock, engine, config: Arc::new(config) } })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves (and runs the build scheduler) until `shutdown` resolves; then stops taking
    /// requests, drains those in flight, stops the scheduler and closes the database.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let App { listener, state } = self;
        let store = state.store.clone();
        let (stop_scheduler, stopped) = watch::channel(false);
        let scheduler = state.config.run_scheduler.then(|| tokio::spawn(state.engine.clone().run(stopped)));
        let served = axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await;
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
