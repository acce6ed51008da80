//! The workspace's one injected clock: [`Clock`] (nanoseconds since the Unix epoch).
//!
//! Everything that needs the time (the sandbox ledger's block timestamps, the indexer's health
//! and pull bookkeeping, the server) reads it through an `Arc<dyn Clock>`, so tests move time
//! with [`ManualClock`] instead of sleeping. [`SystemClock`] is the only place that reads the
//! operating system's time. (`nep413` keeps its own standalone millisecond clock API so it can
//! be used without this workspace; the server bridges the two.)

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of wall-clock time in nanoseconds since the Unix epoch.
///
/// Never assumed monotonic by its users: the sandbox ledger makes block timestamps strictly
/// increasing itself, and durations computed from it saturate at zero.
pub trait Clock: Send + Sync + 'static {
    /// Nanoseconds since the Unix epoch.
    fn now_ns(&self) -> u64;
}

/// The system clock ([`SystemTime::now`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ns(&self) -> u64 {
        // Before 1970 reads as 0; past year 2554 saturates (u64 nanoseconds).
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
    }
}

/// A clock that only moves when told to: for tests and deterministic demos.
///
/// Share it through an [`Arc`] (`Arc<ManualClock>` is a [`Clock`]) and move it from the test.
#[derive(Debug, Default)]
pub struct ManualClock(AtomicU64);

impl ManualClock {
    /// A clock reading `now_ns`.
    #[must_use]
    pub fn new(now_ns: u64) -> Self {
        Self(AtomicU64::new(now_ns))
    }

    /// Sets the time (it may go backwards).
    pub fn set(&self, now_ns: u64) {
        self.0.store(now_ns, Ordering::SeqCst);
    }

    /// Moves the time forward by `delta_ns` (saturating).
    pub fn advance(&self, delta_ns: u64) {
        // fetch_update with a closure that always returns Some cannot fail.
        let _ = self
            .0
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |t| {
                Some(t.saturating_add(delta_ns))
            });
    }
}

impl Clock for ManualClock {
    fn now_ns(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now_ns(&self) -> u64 {
        (**self).now_ns()
    }
}

impl<C: Clock + ?Sized> Clock for Box<C> {
    fn now_ns(&self) -> u64 {
        (**self).now_ns()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = Arc::new(ManualClock::new(5));
        assert_eq!(c.now_ns(), 5);
        c.advance(10);
        assert_eq!(c.now_ns(), 15);
        c.set(1);
        assert_eq!(c.now_ns(), 1);
        c.advance(u64::MAX);
        assert_eq!(c.now_ns(), u64::MAX);
    }

    #[test]
    fn system_clock_is_after_2020() {
        assert!(SystemClock.now_ns() > 1_577_836_800_000_000_000);
    }
}
