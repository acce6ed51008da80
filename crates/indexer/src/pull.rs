//! Pull: bootstrap from FastData reads and re-scan on an interval (real FastData has no change
//! feed).

use std::collections::HashSet;
use std::future::Future;
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use fastdata_client::{FastDataRead, KvEntry, Order, ScanLimit};
use futures::StreamExt;
use nearly_core::Clock;

use crate::error::IndexerError;
use crate::graph::Mode;
use crate::indexer::{Indexer, entry_write};
use crate::types::{ApplyStats, Write};

/// How many rows one atomic apply step of a pull takes.
const PULL_CHUNK: usize = 4096;

/// The key prefixes a pull scans across every writer (`profile` is read by exact key).
const PREFIXES: [&str; 4] = ["graph/follow/", "endorsing/", "tag/", "cap/"];

/// The state of the pull sync, for health and metrics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncStatus {
    /// When the last pull completed (injected clock, ns).
    pub last_success_ns: Option<u64>,
    /// When the last pull started.
    pub last_attempt_ns: Option<u64>,
    /// The last pull's error, cleared by a success.
    pub last_error: Option<String>,
    /// Rows the last successful pull read.
    pub rows: usize,
    /// Keys the last successful pull removed because FastData no longer had them.
    pub removed: usize,
    /// Highest block height seen by the last successful pull.
    pub height: u64,
    /// Scans that ended early, over every pull since start (each one skipped a removal pass).
    pub incomplete_scans: u64,
    /// When the current run of failed updates began; `None` after a success.
    pub failing_since_ns: Option<u64>,
    /// The source's head height as the block feed last read it (`None` without a block feed).
    pub source_height: Option<u64>,
    /// Differences the reconciliation scans found between the index and FastData since start
    /// (each one repaired; non-zero means the block feed and FastData disagree).
    pub reconcile_differences: u64,
    /// Reconciliation scans completed since start.
    pub reconciliations: u64,
    /// Failed updates (pulls, block-feed reads) since start.
    pub update_failures: u64,
}

impl SyncStatus {
    /// How far behind the index may be: time since the last successful pull began.
    #[must_use]
    pub fn lag_ns(&self, now_ns: u64) -> Option<u64> {
        self.last_success_ns.map(|t| now_ns.saturating_sub(t))
    }
}

/// What one pull did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SyncReport {
    /// Rows read.
    pub rows: usize,
    /// Apply totals.
    pub stats: ApplyStats,
    /// Keys removed as absent.
    pub removed: usize,
    /// Scans of this pull that ended before the server's last row (repeated page, token
    /// cycle): when non-zero, the pull applied what it read and removed nothing.
    pub incomplete_scans: usize,
}

impl Indexer {
    /// The pull sync's status.
    #[must_use]
    pub fn sync_status(&self) -> SyncStatus {
        self.sync
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn set_sync(&self, f: impl FnOnce(&mut SyncStatus)) {
        f(&mut self.sync.write().unwrap_or_else(PoisonError::into_inner));
    }
}

/// One pull: reads the namespace's current state through `source` (latest `profile` of every
/// writer and each profile's first write for `created_at`, every `graph/follow/`, `endorsing/`,
/// `tag/` and `cap/` key, and the admin's `hidden/` keys), applies it in atomic chunks, then
/// removes every indexed key the source no longer has (except write-through entries younger than
/// the grace period). `now_ns` is the injected clock.
///
/// Reads never truncate (every page is followed). Each chunk of rows is applied atomically;
/// FastData has no transaction boundaries to preserve. A scan that ended early (a repeated page
/// or a page-token cycle, see [`fastdata_client::ScanEnd`]) is logged and counted
/// ([`SyncReport::incomplete_scans`], [`SyncStatus::incomplete_scans`]); its rows are applied
/// but the removal pass is skipped, since absence from a short scan proves nothing. A key
/// removed as absent that a later pull returns unchanged is restored by that pull (an inferred
/// absence is never newer than the row it hid).
///
/// # Errors
/// A FastData error; nothing is removed then, and rows applied before it stay applied.
pub async fn sync_once(
    indexer: &Indexer,
    source: &dyn FastDataRead,
    now_ns: u64,
) -> Result<SyncReport, IndexerError> {
    indexer.set_sync(|s| s.last_attempt_ns = Some(now_ns));
    let result = pull(indexer, source, now_ns).await;
    match &result {
        Ok(report) => {
            indexer.set_sync(|s| {
                s.last_success_ns = Some(now_ns);
                s.last_error = None;
                s.failing_since_ns = None;
                s.rows = report.rows;
                s.removed = report.removed;
                s.height = indexer.height();
                s.incomplete_scans = s
                    .incomplete_scans
                    .saturating_add(u64::try_from(report.incomplete_scans).unwrap_or(u64::MAX));
            });
            indexer.mark_caught_up(now_ns);
        }
        Err(e) => {
            let message = e.to_string();
            tracing::warn!(error = %message, "pull sync failed");
            indexer.set_sync(|s| {
                s.failing_since_ns.get_or_insert(now_ns);
                s.last_error = Some(message);
                s.update_failures = s.update_failures.saturating_add(1);
            });
        }
    }
    result
}

/// How many `created_at` history reads a pull keeps in flight at once.
const HISTORY_CONCURRENCY: usize = 16;

/// Collects a scan's rows; an incomplete scan is logged and counted in `report`.
fn take(scan: fastdata_client::Scan, what: &str, report: &mut SyncReport) -> Vec<KvEntry> {
    if !scan.is_complete() {
        tracing::warn!(
            scan = what,
            end = scan.end.as_str(),
            rows = scan.entries.len(),
            "FastData scan ended early: this pull removes nothing"
        );
        report.incomplete_scans += 1;
    }
    scan.entries
}

async fn pull(
    indexer: &Indexer,
    source: &dyn FastDataRead,
    now_ns: u64,
) -> Result<SyncReport, IndexerError> {
    let grace_ns = indexer.config().provisional_grace_ns;
    let mut report = SyncReport::default();
    let rows = scan_rows(indexer, source, &mut report).await?;
    report.rows = rows.len();
    let mode = Mode::Pulled { now_ns, grace_ns };
    for chunk in rows.chunks(PULL_CHUNK) {
        let writes: Vec<Write> = chunk.iter().map(entry_write).collect();
        report.stats.add(indexer.write().apply_all(&writes, mode));
        indexer.publish_height();
    }
    if report.incomplete_scans > 0 {
        // Absence proves nothing after a short scan: keep every indexed key.
        return Ok(report);
    }
    let seen: HashSet<(&str, &str)> = rows
        .iter()
        .map(|e| (e.predecessor_id.as_str(), e.key.as_str()))
        .collect();
    // Removal pass: indexed keys the source no longer has, as one atomic step.
    let mut graph = indexer.write();
    for (pred, key) in graph.live_keys() {
        let name = graph.accounts.name(pred).clone();
        if !seen.contains(&(&*name, key.as_str()))
            && graph.remove_absent(pred, &key, now_ns, grace_ns)
        {
            report.removed += 1;
        }
    }
    for (pred, key) in graph.expired_provisional(now_ns, grace_ns) {
        graph.clear_provisional(pred, &key);
    }
    drop(graph);
    if report.removed > 0 {
        tracing::info!(
            removed = report.removed,
            "pull removed keys FastData no longer has"
        );
    }
    Ok(report)
}

/// Reads the namespace's current state through `source` (every page): the rows a pull applies.
/// Incomplete scans are logged and counted in `report`.
pub(crate) async fn scan_rows(
    indexer: &Indexer,
    source: &dyn FastDataRead,
    report: &mut SyncReport,
) -> Result<Vec<KvEntry>, IndexerError> {
    let namespace = indexer.config().namespace.clone();
    let mut rows: Vec<KvEntry> = take(
        source
            .latest_by_key("profile", ScanLimit::UNBOUNDED)
            .await?,
        "profile",
        report,
    );
    // created_at: the first profile write of every writer whose first write is not known yet,
    // read a bounded number at a time (never one agent after another).
    let need_history: Vec<String> = {
        let graph = indexer.read();
        rows.iter()
            .filter(|e| !e.is_deleted() && !graph.created_known(&e.predecessor_id))
            .map(|e| e.predecessor_id.clone())
            .collect()
    };
    // Built eagerly (a lazy `map` over borrowed accounts defeats the `Send` proof of callers).
    let reads: Vec<_> = need_history
        .iter()
        .map(|account| source.history(account, "profile", Order::Ascending, ScanLimit::at_most(1)))
        .collect();
    let firsts: Vec<Result<fastdata_client::Scan, fastdata_client::FastDataError>> =
        futures::stream::iter(reads)
            .buffer_unordered(HISTORY_CONCURRENCY)
            .collect()
            .await;
    for first in firsts {
        // A one-row read of the first write: `Bound` only says more writes followed it.
        rows.extend(first?.entries);
    }
    for prefix in PREFIXES {
        let scan = source
            .latest_by_prefix(prefix, ScanLimit::UNBOUNDED)
            .await?;
        rows.extend(take(scan, prefix, report));
    }
    if let Some(admin) = indexer.config().admin.clone() {
        let scan = source
            .scan_prefix(&admin, "hidden/", ScanLimit::UNBOUNDED)
            .await?;
        rows.extend(take(scan, "hidden/", report));
    }
    rows.retain(|e| e.current_account_id == namespace);
    Ok(rows)
}

/// Pulls once at start, then every `interval`, until `shutdown` resolves. Failures are recorded
/// in [`SyncStatus`] and retried with capped exponential backoff (1 s, 2 s, 4 s, ... up to
/// `interval`), so a server started during an upstream incident catches up by itself soon after
/// it ends. Time comes from `clock`; the waits are tokio's timer (pausable in tests).
pub async fn pull_loop(
    indexer: Arc<Indexer>,
    source: Arc<dyn FastDataRead>,
    clock: Arc<dyn Clock>,
    interval: Duration,
    shutdown: impl Future<Output = ()> + Send,
) {
    let mut shutdown = std::pin::pin!(shutdown);
    let mut failures: u32 = 0;
    loop {
        // The error is recorded in the status by sync_once.
        let wait = match sync_once(&indexer, source.as_ref(), clock.now_ns()).await {
            Ok(_) => {
                failures = 0;
                interval
            }
            Err(_) => {
                let backoff = Duration::from_secs(1)
                    .checked_mul(2u32.saturating_pow(failures))
                    .unwrap_or(interval);
                failures = failures.saturating_add(1);
                backoff.min(interval)
            }
        };
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(wait) => {}
        }
    }
}
