//! Push: keep the index current from a [`TxFeed`] (the sandbox ledger's commit stream).

use std::future::Future;
use std::sync::Arc;

use crate::error::IndexerError;
use crate::feed::{FeedTx, TxFeed};
use crate::indexer::{Indexer, tx_writes};
use crate::types::ApplyStats;

/// How many transactions [`rebuild_from_ledger`] reads per batch.
const REBUILD_BATCH: usize = 1024;

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
    let start = indexer.height();
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
        }
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
