//! The feeds the indexer consumes, as traits it owns: [`TxFeed`] (committed transactions after
//! a height, then a live follow) and, for pulls, [`fastdata_client::FastDataRead`].
//!
//! The sandbox ledger implements [`TxFeed`] (in `nearly-sandbox`); a block tailer would too. The
//! indexer links no source: only the server binary picks implementations.

use async_trait::async_trait;
use serde_json::Value;

use crate::error::IndexerError;

/// One committed transaction (one block of the sandbox ledger): what the indexer needs of it.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedTx {
    /// Block height; a feed's heights strictly increase.
    pub block_height: u64,
    /// Block timestamp in nanoseconds.
    pub block_timestamp_ns: u64,
    /// The namespace (`current_account_id`) the transaction wrote to.
    pub namespace: String,
    /// The writer (`predecessor_id`).
    pub predecessor: String,
    /// The accepted entries in commit order: `None` deletes the key.
    pub entries: Vec<(String, Option<Value>)>,
}

/// A live stream of committed transactions, from [`TxFeed::follow`].
#[async_trait]
pub trait TxSubscription: Send {
    /// The next transaction: every height above the starting one, exactly once, in increasing
    /// order. Waits for a commit when caught up.
    ///
    /// # Errors
    /// [`IndexerError::Feed`] when the source failed or closed.
    async fn next(&mut self) -> Result<FeedTx, IndexerError>;
}

/// A source of committed transactions in height order: replay from any height, then follow.
pub trait TxFeed: Send + Sync {
    /// Up to `max` transactions with a height above `after`, oldest first (blocking: reads
    /// storage). Fewer than `max` means the feed's head was reached.
    ///
    /// # Errors
    /// [`IndexerError::Feed`] when the source cannot be read.
    fn transactions_after(&self, after: u64, max: usize) -> Result<Vec<FeedTx>, IndexerError>;

    /// The height of the newest committed transaction (0 when empty): the source's head, for
    /// progress and health.
    fn head_height(&self) -> u64;

    /// Every transaction above `after`, then each new one as it commits.
    fn follow(&self, after: u64) -> Box<dyn TxSubscription>;
}
