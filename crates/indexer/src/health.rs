//! Honest health: [`Health`], computed from the index and its sync state at an injected time.

use std::sync::atomic::Ordering;

use serde::Serialize;

use crate::indexer::Indexer;

/// Nanoseconds in one second.
const NS: u64 = 1_000_000_000;

/// Where the index stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthState {
    /// Nothing applied and no update attempted yet.
    Starting,
    /// Loading or catching up with the source (a snapshot's tail, the first pull).
    CatchingUp,
    /// Caught up and updating.
    Ready,
    /// Updates have failed for longer than [`HealthConfig::degraded_after_ns`]: answers may be
    /// stale (the index still serves what it has).
    Degraded,
}

impl HealthState {
    /// The wire name (`starting`, `catching_up`, `ready`, `degraded`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Starting => "starting",
            Self::CatchingUp => "catching_up",
            Self::Ready => "ready",
            Self::Degraded => "degraded",
        }
    }
}

/// When health turns `degraded`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthConfig {
    /// How long updates may keep failing before the state is `degraded`, in nanoseconds.
    pub degraded_after_ns: u64,
}

impl Default for HealthConfig {
    /// Degraded after 2 minutes of failing updates.
    fn default() -> Self {
        Self {
            degraded_after_ns: 120 * NS,
        }
    }
}

/// The index's health at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Health {
    /// The state.
    pub state: HealthState,
    /// Whether the index has caught up with its source at least once (readiness).
    pub ready: bool,
    /// The highest confirmed block height applied.
    pub index_height: u64,
    /// The source's head height, when known.
    pub source_height: Option<u64>,
    /// `source_height - index_height`, when the source height is known.
    pub lag_blocks: Option<u64>,
    /// Seconds since the last successful update, when there was one.
    pub lag_secs: Option<u64>,
    /// When the last update succeeded (ns since the epoch).
    pub last_success_ns: Option<u64>,
    /// The last update's error, cleared by a success.
    pub last_error: Option<String>,
    /// Scans that ended early since start (each skipped a removal pass).
    pub incomplete_scans: u64,
    /// Differences reconciliation found (and repaired) since start; see
    /// [`crate::reconcile_once`].
    pub reconcile_differences: u64,
}

impl Indexer {
    /// Records that the index has caught up with its source (the ledger rebuild or the first
    /// pull finished): readiness turns on, and the time counts as a successful update.
    pub fn mark_caught_up(&self, now_ns: u64) {
        self.caught_up.store(true, Ordering::SeqCst);
        self.set_sync(|s| {
            s.last_success_ns = Some(s.last_success_ns.map_or(now_ns, |t| t.max(now_ns)));
            s.failing_since_ns = None;
            s.last_error = None;
        });
    }

    /// Records a successful update of a push feed without claiming readiness (a block
    /// feed's good answer while it may still be catching up): clears the failure run.
    pub fn note_update_success(&self, now_ns: u64) {
        self.set_sync(|s| {
            s.last_attempt_ns = Some(now_ns);
            s.last_success_ns = Some(s.last_success_ns.map_or(now_ns, |t| t.max(now_ns)));
            s.failing_since_ns = None;
            s.last_error = None;
        });
    }

    /// Records the source's head height (the block feed reads it), used by
    /// [`Indexer::health`] when its caller does not know it.
    pub fn note_source_height(&self, height: u64) {
        self.set_sync(|s| s.source_height = Some(s.source_height.unwrap_or(0).max(height)));
    }

    /// Records an update failure of a push feed (a pull records its own).
    pub fn note_update_failure(&self, now_ns: u64, error: &str) {
        self.set_sync(|s| {
            s.last_attempt_ns = Some(now_ns);
            s.failing_since_ns.get_or_insert(now_ns);
            s.last_error = Some(error.to_owned());
            s.update_failures = s.update_failures.saturating_add(1);
        });
    }

    /// The health at `now_ns`, given the source's head when known.
    #[must_use]
    pub fn health(&self, now_ns: u64, source_height: Option<u64>, config: HealthConfig) -> Health {
        let sync = self.sync_status();
        let source_height = source_height.or(sync.source_height);
        let index_height = self.height();
        let ready = self.caught_up.load(Ordering::SeqCst);
        let failing_too_long = sync
            .failing_since_ns
            .is_some_and(|since| now_ns.saturating_sub(since) >= config.degraded_after_ns);
        let state = if failing_too_long {
            HealthState::Degraded
        } else if ready {
            HealthState::Ready
        } else if index_height == 0 && sync.last_attempt_ns.is_none() {
            HealthState::Starting
        } else {
            HealthState::CatchingUp
        };
        Health {
            state,
            ready,
            index_height,
            source_height,
            lag_blocks: source_height.map(|h| h.saturating_sub(index_height)),
            lag_secs: sync.lag_ns(now_ns).map(|ns| ns / NS),
            last_success_ns: sync.last_success_ns,
            last_error: sync.last_error,
            incomplete_scans: sync.incomplete_scans,
            reconcile_differences: sync.reconcile_differences,
        }
    }
}
