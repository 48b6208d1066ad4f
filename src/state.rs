//! What every handler can reach: the application state shared by the RPC front door, the actions,
//! the control plane and the console. Built once at start-up by `app`; nothing here does I/O.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::auth::Auth;
use crate::catalog::Catalog;
use crate::clock::{Clock, SimClock};
use crate::config::Config;
use crate::engine::Engine;
use crate::faults::Faults;
use crate::ids::IdGen;
use crate::journal::Journal;
use crate::shared::Shared;
use crate::store::Store;

/// What every handler can reach: the [`Services`] behind one `Arc`, so the copy every layer
/// and extractor takes of it per request is one reference count, not one per field.
#[derive(Clone)]
pub struct AppState(Arc<Services>);

/// The fields of [`AppState`] (reached through it by `Deref`).
pub struct Services {
    pub store: Store,
    /// Every timestamp comes from here (the same clock as `sim_clock`).
    pub clock: Arc<dyn Clock>,
    /// The concrete clock, for the control plane (advancing a manual clock).
    pub sim_clock: SimClock,
    pub engine: Arc<Engine>,
    pub config: Arc<Config>,
    pub journal: Arc<Journal>,
    pub faults: Arc<Faults>,
    /// The control state replicas share (clock, faults, journal): the one place that branches on
    /// the backend.
    pub shared: Arc<Shared>,
    pub auth: Arc<Auth>,
    pub catalog: Arc<Catalog>,
    pub ids: Arc<IdGen>,
    /// Set once migrations and fixtures are loaded (`/_emulator/ready`).
    pub(crate) ready: Arc<AtomicBool>,
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

impl AppState {
    pub fn new(services: Services) -> AppState {
        AppState(Arc::new(services))
    }

    /// True once migrations and fixtures are loaded.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    pub fn auth_mode(&self) -> &'static str {
        self.config.auth.as_str()
    }
}
