//! [`Indexer`]: the graph behind one reader-writer lock, and the apply entry points.

use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use fastdata_client::KvEntry;
use serde_json::Value;

use crate::error::IndexerError;
use crate::feed::FeedTx;
use crate::graph::{Graph, Mode};
use crate::pull::SyncStatus;
use crate::types::{ApplyStats, Version, Write};

/// Nanoseconds in one second.
const NS: u64 = 1_000_000_000;

/// What the indexer indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexerConfig {
    /// The FastData namespace (`current_account_id`), e.g. `contextual.near`. Writes to any
    /// other namespace are not indexed.
    pub namespace: String,
    /// The account whose `hidden/*` keys form the hidden set; `None` hides nobody.
    pub admin: Option<String>,
    /// How long a write-through entry survives pulled state that lacks it, in nanoseconds.
    pub provisional_grace_ns: u64,
}

impl IndexerConfig {
    /// `namespace`, no admin, a 60 s write-through grace.
    #[must_use]
    pub fn new(namespace: impl Into<String>) -> Self {
        Self {
            namespace: namespace.into(),
            admin: None,
            provisional_grace_ns: 60 * NS,
        }
    }

    /// With the admin account.
    #[must_use]
    pub fn with_admin(mut self, admin: impl Into<String>) -> Self {
        self.admin = Some(admin.into());
        self
    }

    /// With the write-through grace period.
    #[must_use]
    pub fn with_grace_ns(mut self, grace_ns: u64) -> Self {
        self.provisional_grace_ns = grace_ns;
        self
    }
}

/// The materialized social graph, shared by every request (`Arc<Indexer>`).
///
/// # Consistency guarantee
///
/// The graph sits behind one `RwLock`. Each apply call (one ledger transaction, one batch of
/// FastData rows, one write-through) takes the write lock once, applies every entry, and
/// releases it: a reader holding [`Indexer::read`] sees either none or all of a call's entries,
/// never part of them, and every query made through one guard answers from the same state.
/// Many readers proceed together; a writer waits for current readers and holds the lock only
/// for the in-memory apply (microseconds per entry, no I/O), so readers wait at most that long.
#[derive(Debug)]
pub struct Indexer {
    config: IndexerConfig,
    graph: RwLock<Graph>,
    pub(crate) sync: RwLock<SyncStatus>,
    /// The confirmed height, published after every apply (waiters are notified, never poll).
    height: tokio::sync::watch::Sender<u64>,
    /// Set once the index has caught up with its source.
    pub(crate) caught_up: std::sync::atomic::AtomicBool,
}

impl Indexer {
    /// An empty index.
    #[must_use]
    pub fn new(config: IndexerConfig) -> Self {
        let graph = Graph::new(config.admin.clone());
        Self::from_graph(config, graph)
    }

    /// An index over an already built graph (a loaded snapshot).
    pub(crate) fn from_graph(config: IndexerConfig, graph: Graph) -> Self {
        let (height, _) = tokio::sync::watch::channel(graph.height());
        Self {
            config,
            graph: RwLock::new(graph),
            sync: RwLock::new(SyncStatus::default()),
            height,
            caught_up: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// A receiver of the confirmed height, updated after every apply: wait for a height with
    /// `wait_for(|h| *h >= target)` instead of polling.
    #[must_use]
    pub fn subscribe_height(&self) -> tokio::sync::watch::Receiver<u64> {
        self.height.subscribe()
    }

    /// Publishes the current height to [`Indexer::subscribe_height`] receivers.
    pub(crate) fn publish_height(&self) {
        let now = self.height();
        self.height.send_if_modified(|h| {
            let changed = *h != now;
            *h = now;
            changed
        });
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &IndexerConfig {
        &self.config
    }

    /// A consistent read view: every query is a method of [`Graph`]. Hold it briefly: writers
    /// wait for it.
    pub fn read(&self) -> RwLockReadGuard<'_, Graph> {
        self.graph.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, Graph> {
        self.graph.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// The highest confirmed block height applied.
    #[must_use]
    pub fn height(&self) -> u64 {
        self.read().height()
    }

    /// Applies writes as one atomic step (confirmed block data).
    pub fn apply_writes(&self, writes: &[Write]) -> ApplyStats {
        let stats = self.write().apply_all(writes, Mode::Confirmed);
        self.publish_height();
        stats
    }

    /// Applies one committed ledger transaction atomically. Entry `i` gets version
    /// `(block_height, i)`.
    ///
    /// # Errors
    /// [`IndexerError::WrongNamespace`] (nothing applied) when the transaction is for another
    /// namespace; callers that follow a shared ledger skip those instead (see
    /// [`crate::follow_ledger`]).
    pub fn apply_tx(&self, tx: &FeedTx) -> Result<ApplyStats, IndexerError> {
        if tx.namespace != self.config.namespace {
            return Err(IndexerError::WrongNamespace {
                expected: self.config.namespace.clone(),
                found: tx.namespace.clone(),
            });
        }
        let writes = tx_writes(tx);
        Ok(self.apply_writes(&writes))
    }

    /// Applies FastData rows atomically; rows of other namespaces are skipped. FastData rows
    /// carry no position in block, so their version is `(block_height, 0)`.
    pub fn apply_entries(&self, entries: &[KvEntry]) -> ApplyStats {
        let writes: Vec<Write> = entries
            .iter()
            .filter(|e| e.current_account_id == self.config.namespace)
            .map(entry_write)
            .collect();
        self.apply_writes(&writes)
    }

    /// Read-your-writes: applies the API's own acknowledged write at once, before any block
    /// shows it. `entries` are the `(key, value)` pairs sent through custody (`None` deletes);
    /// `now_ns` is the injected clock.
    ///
    /// The entries are provisional: their version is just above the highest confirmed height
    /// and their time is `now_ns`. The confirmed entry of the same key (from the ledger or a
    /// pull) replaces them as soon as it is newer than what the index held when the write-through
    /// landed; older confirmed state arriving meanwhile is ignored, and a pull that lacks the key
    /// removes it only once `provisional_grace_ns` has passed.
    pub fn apply_own_write(
        &self,
        predecessor: &str,
        entries: &[(String, Option<Value>)],
        now_ns: u64,
    ) -> ApplyStats {
        let mut graph = self.write();
        let height = graph.height().saturating_add(1);
        let writes: Vec<Write> = entries
            .iter()
            .enumerate()
            .map(|(i, (key, value))| Write {
                predecessor: predecessor.to_owned(),
                key: key.clone(),
                value: value.clone(),
                version: Version::new(height, u32::try_from(i).unwrap_or(u32::MAX)),
                block_timestamp_ns: now_ns,
            })
            .collect();
        graph.apply_all(&writes, Mode::Provisional { now_ns })
    }
}

/// The writes of a committed transaction.
pub(crate) fn tx_writes(tx: &FeedTx) -> Vec<Write> {
    tx.entries
        .iter()
        .enumerate()
        .map(|(i, (key, value))| Write {
            predecessor: tx.predecessor.clone(),
            key: key.clone(),
            value: value.clone(),
            version: Version::new(tx.block_height, u32::try_from(i).unwrap_or(u32::MAX)),
            block_timestamp_ns: tx.block_timestamp_ns,
        })
        .collect()
}

/// The write of a FastData row.
pub(crate) fn entry_write(e: &KvEntry) -> Write {
    Write {
        predecessor: e.predecessor_id.clone(),
        key: e.key.clone(),
        value: e.value.as_value().cloned(),
        version: Version::new(e.block_height, 0),
        block_timestamp_ns: e.block_timestamp,
    }
}

impl Indexer {
    /// Records that the source has reached `height` (a transaction of another namespace).
    pub(crate) fn note_height(&self, height: u64) {
        {
            let mut graph = self.write();
            graph.high_water = graph.high_water.max(height);
        }
        self.publish_height();
    }
}
