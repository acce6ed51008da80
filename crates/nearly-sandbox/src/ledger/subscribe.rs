//! Committed transactions as a stream: replay from disk, then follow live commits.

use std::collections::VecDeque;
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::broadcast::{self, error::RecvError};

use super::{Ledger, LedgerError};

/// How many transactions one catch-up read from disk loads at most.
const CATCH_UP_BATCH: usize = 128;

/// One committed `__fastdata_kv` transaction (= one block), as published to subscribers.
#[derive(Debug, Clone, PartialEq)]
pub struct CommittedTx {
    /// Block height (dense: every height from 1 to the head holds exactly one transaction).
    pub block_height: u64,
    /// Block timestamp in nanoseconds (strictly increasing with the height).
    pub block_timestamp_ns: u64,
    /// The namespace (`current_account_id`).
    pub namespace: String,
    /// The writer (`predecessor_id`).
    pub predecessor: String,
    /// The transaction signer.
    pub signer_id: String,
    /// The transaction hash.
    pub tx_hash: String,
    /// The accepted entries in commit order: `None` is a delete (a `null` write). Skipped
    /// entries are not here: the indexer never stored them.
    pub entries: Vec<(String, Option<Value>)>,
}

/// A replay-then-follow stream of committed transactions, from [`Ledger::follow`].
///
/// # Guarantee
///
/// [`Subscription::next`] yields **every** transaction with a height above the starting height,
/// **exactly once**, in **strictly increasing height order with no gap** (heights are dense),
/// whatever commits race with it. It works by subscribing to the live broadcast *before* reading
/// the disk, so every commit is either already on disk when read or arrives on the broadcast,
/// and by dropping broadcast items at or below the last height it yielded. If the subscriber is
/// slow and the broadcast overflows (1024 transactions), or a height is missing from the
/// broadcast, it re-reads the missing heights from disk: falling behind costs latency, never
/// data. A transaction is yielded only after it is durable.
#[derive(Debug)]
pub struct Subscription {
    ledger: Ledger,
    /// The next height to yield.
    next_height: u64,
    /// Read from disk, not yet yielded (heights `next_height..`).
    buffer: VecDeque<Arc<CommittedTx>>,
    /// `false` until a disk read found nothing newer; then the broadcast is the source.
    live: bool,
    rx: broadcast::Receiver<Arc<CommittedTx>>,
}

impl Subscription {
    pub(crate) fn new(ledger: Ledger, after_height: u64) -> Self {
        // Subscribe first: anything committed from here on is on the broadcast.
        let rx = ledger.subscribe();
        Self {
            ledger,
            next_height: after_height.saturating_add(1),
            buffer: VecDeque::new(),
            live: false,
            rx,
        }
    }

    /// The height the next yielded transaction will have.
    #[must_use]
    pub fn next_height(&self) -> u64 {
        self.next_height
    }

    /// The next committed transaction; waits for a commit when caught up.
    ///
    /// Cancel-safe: dropping the future loses nothing (the position is only advanced when a
    /// transaction is returned).
    ///
    /// # Errors
    ///
    /// A storage error while catching up from disk (the subscription stays usable: the next
    /// call retries from the same height).
    pub async fn next(&mut self) -> Result<Arc<CommittedTx>, LedgerError> {
        loop {
            if let Some(tx) = self.buffer.pop_front() {
                self.next_height = tx.block_height.saturating_add(1);
                return Ok(tx);
            }
            if !self.live {
                self.catch_up().await?;
                continue;
            }
            match self.rx.recv().await {
                Ok(tx) if tx.block_height < self.next_height => {}
                Ok(tx) if tx.block_height == self.next_height => {
                    self.next_height = tx.block_height.saturating_add(1);
                    return Ok(tx);
                }
                // A gap (cannot happen with in-order publication, but is handled) or an
                // overflow: the disk has everything.
                Ok(_) | Err(RecvError::Lagged(_)) => self.live = false,
                Err(RecvError::Closed) => {
                    return Err(LedgerError::Task("ledger broadcast closed".into()));
                }
            }
        }
    }

    /// Loads the next batch from disk into the buffer; switches to live when none is left.
    async fn catch_up(&mut self) -> Result<(), LedgerError> {
        let ledger = self.ledger.clone();
        let after = self.next_height.saturating_sub(1);
        let batch =
            tokio::task::spawn_blocking(move || ledger.transactions_since(after, CATCH_UP_BATCH))
                .await
                .map_err(|e| LedgerError::Task(e.to_string()))??;
        if batch.len() < CATCH_UP_BATCH {
            self.live = true;
        }
        self.buffer.extend(batch.into_iter().map(Arc::new));
        Ok(())
    }
}
