//! Push: keep the index current from the sandbox ledger's commit stream.

use std::future::Future;
use std::sync::Arc;

use nearly_sandbox::Ledger;

use crate::error::IndexerError;
use crate::indexer::{Indexer, tx_writes};
use crate::types::ApplyStats;

/// How many transactions [`rebuild_from_ledger`] reads per batch.
const REBUILD_BATCH: usize = 1024;

/// Rebuilds (or catches up) the index from the ledger: applies every transaction above the
/// index's height, oldest first, each atomically. On an empty index this is the start-up replay
/// from height 0. Blocking (reads the ledger's disk): call it from a blocking context
/// (`tokio::task::spawn_blocking`) in async code. Returns the totals.
///
/// # Errors
/// A ledger read error; what was applied before it stays applied.
pub fn rebuild_from_ledger(indexer: &Indexer, ledger: &Ledger) -> Result<ApplyStats, IndexerError> {
    let mut stats = ApplyStats::default();
    loop {
        let after = indexer.height();
        let batch = ledger.transactions_since(after, REBUILD_BATCH)?;
        let done = batch.len() < REBUILD_BATCH;
        for tx in &batch {
            if tx.namespace == indexer.config().namespace {
                stats.add(indexer.apply_writes(&tx_writes(tx)));
            } else {
                indexer.note_height(tx.block_height);
            }
        }
        if done {
            return Ok(stats);
        }
    }
}

/// Follows the ledger from the index's current height (replay, then live commits, exactly once,
/// in height order), applying each transaction of the configured namespace as it commits, until
/// `shutdown` resolves. Transactions of other namespaces only advance the height.
///
/// # Errors
/// A ledger error (storage failure, or the ledger closed). Applied transactions stay applied;
/// calling it again resumes from the index's height.
pub async fn follow_ledger(
    indexer: Arc<Indexer>,
    ledger: Ledger,
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
