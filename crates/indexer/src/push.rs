//! Push: keep the index current from a [`TxFeed`] (the sandbox ledger's commit stream).

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::IndexerError;
use crate::feed::{FeedTx, TxFeed};
use crate::indexer::{Indexer, tx_writes};
use crate::types::ApplyStats;

/// How many transactions [`rebuild_from_ledger`] reads per batch.
const REBUILD_BATCH: usize = 1024;
/// How often [`rebuild_from_ledger`] logs its progress.
pub const PROGRESS_INTERVAL: Duration = Duration::from_secs(1);

/// Where a catch-up stands, as [`rebuild_with_progress`] reports it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CatchUpProgress {
    /// Entries of the namespace processed so far (applied, stale or ignored).
    pub entries: u64,
    /// Entries processed per second since the catch-up began.
    pub rate: f64,
    /// The index's height now.
    pub height: u64,
    /// The feed's head when the catch-up began.
    pub head: u64,
    /// Blocks (transactions, in the sandbox) left to the head.
    pub remaining: u64,
}

/// Rebuilds (or catches up) the index from a feed: applies every transaction above the
/// index's height, oldest first, each atomically. On an empty index this is the start-up replay
/// from height 0; after a snapshot load it applies only the tail. Blocking (reads the feed's
/// storage): call it from a blocking context
/// (`tokio::task::spawn_blocking`) in async code. Returns the totals.
///
/// Reading and decoding the ledger costs about as much as applying, so a scoped reader thread
/// reads the next batch while this thread applies the current one (at most two batches wait in
/// between). On return the index's height is the ledger's last transaction read, even when that
/// transaction had no entry of the indexed namespace.
///
/// # Errors
/// A feed read error; what was applied before it stays applied.
pub fn rebuild_from_ledger(
    indexer: &Indexer,
    ledger: &dyn TxFeed,
) -> Result<ApplyStats, IndexerError> {
    rebuild_with_progress(indexer, ledger, PROGRESS_INTERVAL, &mut |p| {
        tracing::info!(
            entries = p.entries,
            rate = p.rate.round(),
            height = p.height,
            head = p.head,
            remaining = p.remaining,
            "catching up from the ledger"
        );
    })
}

/// [`rebuild_from_ledger`], reporting its progress to `report` after a batch whenever `every`
/// has passed since the last report (never more often than once a batch of
/// transactions; `Duration::ZERO` reports every batch), and once more at the end.
///
/// # Errors
/// A feed read error; what was applied before it stays applied.
pub fn rebuild_with_progress(
    indexer: &Indexer,
    ledger: &dyn TxFeed,
    every: Duration,
    report: &mut dyn FnMut(&CatchUpProgress),
) -> Result<ApplyStats, IndexerError> {
    let start = indexer.height();
    let head = ledger.head_height();
    let began = Instant::now();
    let mut last_report = began;
    let progress = |stats: &ApplyStats| {
        let entries = (stats.applied + stats.stale + stats.ignored) as u64;
        let secs = began.elapsed().as_secs_f64();
        let height = indexer.height();
        CatchUpProgress {
            entries,
            #[allow(clippy::cast_precision_loss)] // a rate for a log line
            rate: if secs > 0.0 { entries as f64 / secs } else { 0.0 },
            height,
            head,
            remaining: head.saturating_sub(height),
        }
    };
    let (batches, received) = std::sync::mpsc::sync_channel::<Result<Vec<FeedTx>, IndexerError>>(2);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut after = start;
            loop {
                let batch = ledger.transactions_after(after, REBUILD_BATCH);
                let last = match &batch {
                    Ok(txs) => txs.last().map(|tx| tx.block_height),
                    Err(_) => None,
                };
                let done = !matches!(&batch, Ok(txs) if txs.len() == REBUILD_BATCH);
                // The applier hung up only after an error of ours: nothing left to do.
                if batches.send(batch).is_err() || done {
                    return;
                }
                if let Some(height) = last {
                    after = height;
                }
            }
        });
        let mut stats = ApplyStats::default();
        for batch in received {
            let batch = batch?;
            for tx in &batch {
                if tx.namespace == indexer.config().namespace {
                    stats.add(indexer.apply_writes(&tx_writes(tx)));
                }
            }
            if let Some(tx) = batch.last() {
                indexer.note_height(tx.block_height);
            }
            if last_report.elapsed() >= every {
                last_report = Instant::now();
                report(&progress(&stats));
            }
        }
        report(&progress(&stats));
        Ok(stats)
    })
}

/// Follows a feed (the ledger) from the index's current height (replay, then live commits, exactly once,
/// in height order), applying each transaction of the configured namespace as it commits, until
/// `shutdown` resolves. Transactions of other namespaces only advance the height.
///
/// # Errors
/// A feed error (storage failure, or the ledger closed). Applied transactions stay applied;
/// calling it again resumes from the index's height.
pub async fn follow_ledger(
    indexer: Arc<Indexer>,
    ledger: Arc<dyn TxFeed>,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), IndexerError> {
    let mut subscription = ledger.follow(indexer.height());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => return Ok(()),
            next = subscription.next() => {
                let tx = next?;
                if tx.namespace == indexer.config().namespace {
                    let stats = indexer.apply_writes(&tx_writes(&tx));
                    tracing::trace!(height = tx.block_height, ?stats, "applied ledger transaction");
                } else {
                    indexer.note_height(tx.block_height);
                }
            }
        }
    }
}
