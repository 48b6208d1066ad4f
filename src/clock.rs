//! The source of "now" for every timestamp the emulator writes or compares.
//!
//! `SystemClock` follows wall time; `ManualClock` moves only when told to, so tests (and users
//! running `--clock manual`) drive simulated time without sleeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// The key of the store's state table where a manual clock's time is persisted, so a restart
/// resumes simulated time.
pub const MANUAL_CLOCK_KEY: &str = "manual_clock_ms";

pub trait Clock: Send + Sync + 'static {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
}

/// Wall-clock time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }
}

/// Simulated time that starts at a given instant and only moves through [`ManualClock::advance`].
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    pub fn starting_at(ms: i64) -> Self {
        ManualClock(Arc::new(AtomicI64::new(ms)))
    }

    /// Moves time forward by `ms` milliseconds (saturating, never wrapping) and returns the new time.
    pub fn advance(&self, ms: i64) -> i64 {
        let step = ms.max(0);
        let previous = self
            .0
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |now| Some(now.saturating_add(step)))
            .unwrap_or_else(|now| now);
        previous.saturating_add(step)
    }
}

impl ManualClock {
    /// Moves the time forward to `ms` if it is behind (a replica adopting the time shared by the
    /// replicas of one database; never backwards).
    pub fn catch_up(&self, ms: i64) {
        self.0.fetch_max(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_advanced() {
        let clock = ManualClock::starting_at(1_000);
        assert_eq!(clock.now_ms(), 1_000);
        assert_eq!(clock.advance(500), 1_500);
        assert_eq!(clock.now_ms(), 1_500);
        assert_eq!(clock.advance(i64::MAX), i64::MAX, "saturates instead of wrapping");
        assert_eq!(clock.advance(-5), i64::MAX, "never moves backwards");
    }

    #[test]
    fn a_scaled_clock_runs_faster_than_its_base() {
        let base = ManualClock::starting_at(1_000);
        let scaled = ScaledClock::over(Arc::new(base.clone()), 60.0);
        assert_eq!(scaled.now_ms(), 1_000);
        base.advance(1_000);
        assert_eq!(scaled.now_ms(), 61_000, "one base second is a simulated minute");
    }
}

/// Real time sped up (or slowed down) by a factor from the moment the emulator started
/// (`--time-scale`): with 60, one real second is one simulated minute.
#[derive(Clone)]
pub struct ScaledClock {
    base: Arc<dyn Clock>,
    origin_ms: i64,
    scale: f64,
}

impl std::fmt::Debug for ScaledClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScaledClock").field("origin_ms", &self.origin_ms).field("scale", &self.scale).finish()
    }
}

impl ScaledClock {
    /// Wall-clock time scaled by `scale`.
    pub fn new(scale: f64) -> Self {
        ScaledClock::over(Arc::new(SystemClock), scale)
    }

    /// `base` time scaled by `scale`, from `base`'s current instant.
    pub fn over(base: Arc<dyn Clock>, scale: f64) -> Self {
        ScaledClock { origin_ms: base.now_ms(), base, scale }
    }
}

impl Clock for ScaledClock {
    fn now_ms(&self) -> i64 {
        let elapsed = (self.base.now_ms() - self.origin_ms) as f64;
        self.origin_ms.saturating_add((elapsed * self.scale) as i64)
    }
}

/// The clock the emulator runs on, keeping the concrete kind so the control plane can advance a
/// manual clock.
#[derive(Debug, Clone)]
pub enum SimClock {
    System(SystemClock),
    Manual(ManualClock),
    Scaled(ScaledClock),
}

impl SimClock {
    pub fn manual(&self) -> Option<&ManualClock> {
        match self {
            SimClock::Manual(clock) => Some(clock),
            _ => None,
        }
    }

    pub fn mode(&self) -> &'static str {
        match self {
            SimClock::System(_) => "real",
            SimClock::Manual(_) => "manual",
            SimClock::Scaled(_) => "scaled",
        }
    }
}

impl Clock for SimClock {
    fn now_ms(&self) -> i64 {
        match self {
            SimClock::System(c) => c.now_ms(),
            SimClock::Manual(c) => c.now_ms(),
            SimClock::Scaled(c) => c.now_ms(),
        }
    }
}

impl From<ManualClock> for SimClock {
    fn from(clock: ManualClock) -> Self {
        SimClock::Manual(clock)
    }
}

impl From<SystemClock> for SimClock {
    fn from(clock: SystemClock) -> Self {
        SimClock::System(clock)
    }
}
