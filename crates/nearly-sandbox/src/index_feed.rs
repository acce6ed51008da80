//! The sandbox ledger as the indexer's transaction feed: [`indexer::TxFeed`] for [`Ledger`].
//!
//! The indexer owns the trait and links no source; this module is the adapter (a move of each
//! [`CommittedTx`]'s fields, no re-encoding).

use async_trait::async_trait;
use indexer::{FeedTx, IndexerError, TxFeed, TxSubscription};

use crate::ledger::{CommittedTx, Ledger, LedgerError, Subscription};

fn feed_tx(tx: CommittedTx) -> FeedTx {
    FeedTx {
        block_height: tx.block_height,
        block_timestamp_ns: tx.block_timestamp_ns,
        namespace: tx.namespace,
        predecessor: tx.predecessor,
        entries: tx.entries,
    }
}

fn feed_error(e: &LedgerError) -> IndexerError {
    IndexerError::Feed(format!("sandbox ledger: {e}"))
}

impl TxFeed for Ledger {
    fn transactions_after(&self, after: u64, max: usize) -> Result<Vec<FeedTx>, IndexerError> {
        self.transactions_since(after, max)
            .map(|txs| txs.into_iter().map(feed_tx).collect())
            .map_err(|e| feed_error(&e))
    }

    fn head_height(&self) -> u64 {
        self.head().block_height
    }

    fn follow(&self, after: u64) -> Box<dyn TxSubscription> {
        Box::new(LedgerFeed(Ledger::follow(self, after)))
    }
}

/// [`Subscription`] as an [`indexer::TxSubscription`].
struct LedgerFeed(Subscription);

#[async_trait]
impl TxSubscription for LedgerFeed {
    async fn next(&mut self) -> Result<FeedTx, IndexerError> {
        let tx = self.0.next().await.map_err(|e| feed_error(&e))?;
        // Shared with other subscribers: unwrap when this is the last holder, clone otherwise.
        Ok(feed_tx(std::sync::Arc::unwrap_or_clone(tx)))
    }
}
