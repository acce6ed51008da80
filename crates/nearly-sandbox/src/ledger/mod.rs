//! The local FastData ledger: an embedded, durable, append-only store of `__fastdata_kv` writes.
//!
//! [`Ledger::commit`] plays the part of the chain *and* the FastData indexer: it turns one
//! `__fastdata_kv` call into one block (heights 1, 2, 3, ...; one transaction per block),
//! stamps it with a strictly increasing nanosecond timestamp from the injected [`Clock`], applies
//! the indexer's acceptance rules (reused from [`fastdata_client::envelope`]), stores every
//! accepted key in the history and latest indexes, makes it durable (fsync) and only then
//! returns and publishes it to subscribers.
//!
//! Reads ([`Ledger::latest`], [`Ledger::latest_many`], [`Ledger::scan`]) are range scans over
//! one of six indexes, each ordered exactly like the FastData KV endpoint it serves.
//! [`Ledger::transactions_since`] and [`Ledger::follow`] let an indexer rebuild from the ledger
//! and then follow live commits with neither gap nor duplicate.
//!
//! All methods are blocking (redb is synchronous; a commit waits for fsync). From async code,
//! call them inside [`tokio::task::spawn_blocking`] (the [`crate::fastdata_api`] layer does).

mod clock;
mod error;
pub(crate) mod keys;
mod query;
mod record;
mod subscribe;
mod tables;

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use fastdata_client::envelope::{
    EntryRejection, MAX_KEYS_PER_TX, TxRejection, accept_args, validate_entry,
};
use redb::{Database, Durability, ReadableTable};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use tokio::sync::broadcast;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::LedgerError;
pub use query::{Index, KeyFilter, Position, ScanQuery};
pub use record::LedgerEntry;
pub use subscribe::{CommittedTx, Subscription};

use record::BlockRecord;
use tables::{
    BLOCKS, ENTRIES, HISTORY, KEY_HISTORY, LATEST, META, META_HEIGHT, META_TIMESTAMP, PRED_ALL,
    X_HISTORY, X_LATEST,
};

/// Tuning knobs of [`Ledger::open_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerOptions {
    /// How many committed transactions the live broadcast buffers per subscriber before a slow
    /// subscriber lags (a lagging [`Subscription`] catches up from disk, so nothing is lost).
    /// Default 1024; at least 1.
    pub broadcast_capacity: usize,
}

impl Default for LedgerOptions {
    fn default() -> Self {
        Self {
            broadcast_capacity: 1024,
        }
    }
}

/// Optional transaction metadata for [`Ledger::commit_with`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TxMeta {
    /// The transaction signer; defaults to the predecessor (a direct call).
    pub signer_id: Option<String>,
    /// The transaction hash; defaults to a synthetic base58 hash derived from the block.
    pub tx_hash: Option<String>,
}

/// What [`Ledger::commit`] did with one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitReceipt {
    /// The height of the block holding the transaction (1 for the first commit).
    pub block_height: u64,
    /// The block timestamp in nanoseconds since the Unix epoch.
    pub block_timestamp_ns: u64,
    /// The transaction hash (the caller's, or a synthetic base58 one).
    pub tx_hash: String,
    /// The receipt id of the `__fastdata_kv` call (synthetic base58).
    pub receipt_id: String,
    /// Keys stored, in the order they were applied.
    pub accepted: Vec<String>,
    /// Keys the indexer rules skipped, each with the reason. The rest of the transaction was
    /// still committed.
    pub skipped: Vec<(String, EntryRejection)>,
}

/// The newest committed block.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Head {
    /// Its height; 0 before the first commit.
    pub block_height: u64,
    /// Its timestamp in nanoseconds; 0 before the first commit.
    pub block_timestamp_ns: u64,
}

/// The local FastData ledger. Cheap to clone (a handle to one shared database); `Send + Sync`.
///
/// ```
/// use nearly_sandbox::ledger::{Ledger, ManualClock};
/// use serde_json::json;
///
/// let dir = std::env::temp_dir().join(format!("ledger-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let ledger = Ledger::open(dir.join("ledger.redb"), ManualClock::new(1_700_000_000_000_000_000))?;
/// let args = json!({"profile": {"name": "Alice"}, "tag/rust": true});
/// let receipt = ledger.commit("contextual.near", "alice.near", args.as_object().unwrap())?;
/// assert_eq!(receipt.block_height, 1);
/// let row = ledger.latest("contextual.near", "alice.near", "profile")?.unwrap();
/// assert_eq!(row.value, r#"{"name":"Alice"}"#);
/// # drop(ledger); std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Ledger {
    inner: Arc<Inner>,
}

struct Inner {
    db: Database,
    clock: Box<dyn Clock>,
    /// Serialises commits: height assignment, the write, and publication happen under it, so
    /// subscribers see transactions in height order.
    writer: Mutex<Head>,
    live: broadcast::Sender<Arc<CommittedTx>>,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("head", &self.head())
            .finish()
    }
}

impl Ledger {
    /// Opens the ledger at `path`, creating the file (not its directory) if needed. A ledger left
    /// by a crash is recovered to its last committed transaction.
    ///
    /// # Errors
    ///
    /// [`LedgerError::Storage`] if the file cannot be opened (missing directory, permissions,
    /// already open in another process) or [`LedgerError::Corrupt`] if it is not a ledger.
    pub fn open(path: impl AsRef<Path>, clock: impl Clock) -> Result<Self, LedgerError> {
        Self::open_with(path, clock, LedgerOptions::default())
    }

    /// [`Ledger::open`] with explicit [`LedgerOptions`].
    ///
    /// # Errors
    ///
    /// As [`Ledger::open`].
    pub fn open_with(
        path: impl AsRef<Path>,
        clock: impl Clock,
        options: LedgerOptions,
    ) -> Result<Self, LedgerError> {
        let db = Database::create(path.as_ref())?;
        let mut txn = db.begin_write()?;
        txn.set_durability(Durability::Immediate);
        let head = {
            // Creating every table up front lets readers open them unconditionally.
            let meta = txn.open_table(META)?;
            for def in [LATEST, HISTORY, X_LATEST, X_HISTORY, KEY_HISTORY, PRED_ALL] {
                txn.open_table(def)?;
            }
            txn.open_table(ENTRIES)?;
            txn.open_table(BLOCKS)?;
            Head {
                block_height: meta.get(META_HEIGHT)?.map_or(0, |g| g.value()),
                block_timestamp_ns: meta.get(META_TIMESTAMP)?.map_or(0, |g| g.value()),
            }
        };
        txn.commit()?;
        let (live, _) = broadcast::channel(options.broadcast_capacity.max(1));
        Ok(Self {
            inner: Arc::new(Inner {
                db,
                clock: Box::new(clock),
                writer: Mutex::new(head),
                live,
            }),
        })
    }

    /// The newest committed block.
    #[must_use]
    pub fn head(&self) -> Head {
        *self
            .inner
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Commits one `__fastdata_kv` call: `predecessor` wrote `args` (a flat `{key: value}`
    /// object; `null` deletes) to `namespace`.
    ///
    /// One call = one transaction = one new block. The indexer's rules apply: more than 256
    /// keys rejects the whole call (nothing is written, no block); an empty, over-long or
    /// control-character key, or a value over 256 KiB of JSON, is skipped and reported in
    /// [`CommitReceipt::skipped`] while the rest is stored. A call whose keys are all skipped
    /// still produces a block (as on chain). Returns after the block is durably on disk.
    ///
    /// # Errors
    ///
    /// [`LedgerError::Rejected`], [`LedgerError::InvalidAccountId`], or a storage error (then
    /// nothing was written).
    pub fn commit(
        &self,
        namespace: &str,
        predecessor: &str,
        args: &Map<String, Value>,
    ) -> Result<CommitReceipt, LedgerError> {
        self.commit_with(namespace, predecessor, args, &TxMeta::default())
    }

    /// [`Ledger::commit`] with explicit transaction metadata (signer, hash).
    ///
    /// # Errors
    ///
    /// As [`Ledger::commit`].
    pub fn commit_with(
        &self,
        namespace: &str,
        predecessor: &str,
        args: &Map<String, Value>,
        meta: &TxMeta,
    ) -> Result<CommitReceipt, LedgerError> {
        if args.len() > MAX_KEYS_PER_TX {
            return Err(TxRejection::TooManyKeys {
                count: args.len(),
                max: MAX_KEYS_PER_TX,
            }
            .into());
        }
        let mut entries = Vec::with_capacity(args.len());
        let mut skipped = Vec::new();
        for (key, value) in args {
            match validate_entry(key, value) {
                Ok(()) => entries.push((key.clone(), value.clone())),
                Err(why) => skipped.push((key.clone(), why)),
            }
        }
        self.commit_accepted(namespace, predecessor, meta, entries, skipped)
    }

    /// [`Ledger::commit`] from the raw args bytes of a `__fastdata_kv` call, exactly as the
    /// indexer sees them: bytes that are not a JSON object reject the whole call.
    ///
    /// # Errors
    ///
    /// As [`Ledger::commit`], plus [`LedgerError::Rejected`] for args that are not a JSON object.
    pub fn commit_raw(
        &self,
        namespace: &str,
        predecessor: &str,
        args: &[u8],
        meta: &TxMeta,
    ) -> Result<CommitReceipt, LedgerError> {
        let accepted = accept_args(args)?;
        let skipped = accepted
            .skipped
            .into_iter()
            .map(|why| (rejected_key(&why).to_owned(), why))
            .collect();
        self.commit_accepted(namespace, predecessor, meta, accepted.entries, skipped)
    }

    fn commit_accepted(
        &self,
        namespace: &str,
        predecessor: &str,
        meta: &TxMeta,
        entries: Vec<(String, Value)>,
        skipped: Vec<(String, EntryRejection)>,
    ) -> Result<CommitReceipt, LedgerError> {
        check_account_id("namespace", namespace)?;
        check_account_id("predecessor", predecessor)?;
        let signer_id = meta.signer_id.as_deref().unwrap_or(predecessor);
        check_account_id("signer_id", signer_id)?;
        // Serialise outside the lock: values can be large.
        let texts: Vec<String> = entries.iter().map(|(_, v)| v.to_string()).collect();

        let mut head = self
            .inner
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let block_height = head
            .block_height
            .checked_add(1)
            .ok_or(LedgerError::HeightOverflow)?;
        let block_timestamp_ns = self
            .inner
            .clock
            .now_ns()
            .max(head.block_timestamp_ns.saturating_add(1));
        let tx_hash = meta.tx_hash.clone().unwrap_or_else(|| {
            synthetic_hash(&[
                b"nearly-sandbox/tx",
                &block_height.to_be_bytes(),
                &block_timestamp_ns.to_be_bytes(),
                namespace.as_bytes(),
                predecessor.as_bytes(),
            ])
        });
        let receipt_id = synthetic_hash(&[b"nearly-sandbox/receipt", tx_hash.as_bytes()]);

        let rows: Vec<LedgerEntry> = entries
            .iter()
            .zip(texts)
            .map(|((key, _), value)| LedgerEntry {
                namespace: namespace.to_owned(),
                predecessor: predecessor.to_owned(),
                key: key.clone(),
                value,
                block_height,
                block_timestamp_ns,
                order_id: 0,
                action_index: 0,
                signer_id: signer_id.to_owned(),
                receipt_id: receipt_id.clone(),
                tx_hash: Some(tx_hash.clone()),
            })
            .collect();
        let block = BlockRecord {
            block_timestamp_ns,
            namespace: namespace.to_owned(),
            predecessor: predecessor.to_owned(),
            signer_id: signer_id.to_owned(),
            receipt_id: receipt_id.clone(),
            tx_hash: Some(tx_hash.clone()),
            entry_count: u32::try_from(rows.len()).unwrap_or(u32::MAX),
        };
        self.write_block(block_height, &block, &rows)?;
        *head = Head {
            block_height,
            block_timestamp_ns,
        };

        let committed = Arc::new(CommittedTx {
            block_height,
            block_timestamp_ns,
            namespace: namespace.to_owned(),
            predecessor: predecessor.to_owned(),
            signer_id: signer_id.to_owned(),
            tx_hash: tx_hash.clone(),
            entries: entries
                .into_iter()
                .map(|(k, v)| (k, if v.is_null() { None } else { Some(v) }))
                .collect(),
        });
        let accepted = committed.entries.iter().map(|(k, _)| k.clone()).collect();
        // No receiver is fine: nobody is following.
        let _ = self.inner.live.send(committed);
        drop(head);
        tracing::debug!(block_height, namespace, predecessor, "ledger commit");

        Ok(CommitReceipt {
            block_height,
            block_timestamp_ns,
            tx_hash,
            receipt_id,
            accepted,
            skipped,
        })
    }

    fn write_block(
        &self,
        block_height: u64,
        block: &BlockRecord,
        rows: &[LedgerEntry],
    ) -> Result<(), LedgerError> {
        let mut txn = self.inner.db.begin_write()?;
        txn.set_durability(Durability::Immediate);
        {
            let mut entries = txn.open_table(ENTRIES)?;
            let mut latest = txn.open_table(LATEST)?;
            let mut history = txn.open_table(HISTORY)?;
            let mut x_latest = txn.open_table(X_LATEST)?;
            let mut x_history = txn.open_table(X_HISTORY)?;
            let mut key_history = txn.open_table(KEY_HISTORY)?;
            let mut pred_all = txn.open_table(PRED_ALL)?;
            for (idx, row) in rows.iter().enumerate() {
                let id = (block_height, u32::try_from(idx).unwrap_or(u32::MAX));
                entries.insert(id, row.encode().as_slice())?;
                for (table, key) in [
                    (&mut latest, Index::latest_key(row)),
                    (&mut x_latest, Index::x_latest_key(row)),
                    (&mut pred_all, Index::pred_all_key(row)),
                    (&mut history, Index::history_key(row)),
                    (&mut x_history, Index::x_history_key(row)),
                    (&mut key_history, Index::key_history_key(row)),
                ] {
                    table.insert(key.as_slice(), id)?;
                }
            }
            txn.open_table(BLOCKS)?
                .insert(block_height, block.encode().as_slice())?;
            let mut meta = txn.open_table(META)?;
            meta.insert(META_HEIGHT, block_height)?;
            meta.insert(META_TIMESTAMP, block.block_timestamp_ns)?;
        }
        txn.commit()?;
        Ok(())
    }

    /// The latest row of `key` written by `predecessor` in `namespace` (a tombstone row if the
    /// last write deleted it), or `None` if it was never written.
    ///
    /// # Errors
    ///
    /// A storage or corruption error.
    pub fn latest(
        &self,
        namespace: &str,
        predecessor: &str,
        key: &str,
    ) -> Result<Option<LedgerEntry>, LedgerError> {
        let mut rows = self.latest_many(&[(namespace, predecessor, key)])?;
        Ok(rows.pop().flatten())
    }

    /// [`Ledger::latest`] for many `(namespace, predecessor, key)` triples, answered from one
    /// consistent snapshot, in input order.
    ///
    /// # Errors
    ///
    /// A storage or corruption error.
    pub fn latest_many(
        &self,
        keys: &[(&str, &str, &str)],
    ) -> Result<Vec<Option<LedgerEntry>>, LedgerError> {
        let txn = self.inner.db.begin_read()?;
        let latest = txn.open_table(LATEST)?;
        let entries = txn.open_table(ENTRIES)?;
        keys.iter()
            .map(|(ns, pred, key)| {
                let k = keys::KeyBuf::new().str(ns).str(pred).str(key).into_vec();
                match latest.get(k.as_slice())? {
                    None => Ok(None),
                    Some(id) => query::load_entry(&entries, id.value()).map(Some),
                }
            })
            .collect()
    }

    /// Every committed transaction with a height above `after_height`, oldest first, at most
    /// `max` of them. `transactions_since(0, n)` starts from the first block.
    ///
    /// # Errors
    ///
    /// A storage or corruption error.
    pub fn transactions_since(
        &self,
        after_height: u64,
        max: usize,
    ) -> Result<Vec<CommittedTx>, LedgerError> {
        let Some(start) = after_height.checked_add(1) else {
            return Ok(Vec::new());
        };
        Ok(self
            .blocks_from(start, max)?
            .into_iter()
            .map(|(tx, _)| tx)
            .collect())
    }

    /// Up to `max` committed transactions from height `start` on, oldest first, each with the
    /// receipt id of its `__fastdata_kv` call (what the neardata view serves).
    pub(crate) fn blocks_from(
        &self,
        start: u64,
        max: usize,
    ) -> Result<Vec<(CommittedTx, String)>, LedgerError> {
        let txn = self.inner.db.begin_read()?;
        let blocks = txn.open_table(BLOCKS)?;
        let entries = txn.open_table(ENTRIES)?;
        let mut out = Vec::new();
        for item in blocks.range(start..)?.take(max) {
            let (height, bytes) = item?;
            let height = height.value();
            let block = BlockRecord::decode(bytes.value())?;
            let mut tx = CommittedTx {
                block_height: height,
                block_timestamp_ns: block.block_timestamp_ns,
                namespace: block.namespace,
                predecessor: block.predecessor,
                signer_id: block.signer_id,
                tx_hash: block.tx_hash.unwrap_or_default(),
                entries: Vec::with_capacity(block.entry_count as usize),
            };
            for item in entries.range((height, 0)..=(height, u32::MAX))? {
                let (_, bytes) = item?;
                let row = LedgerEntry::decode(bytes.value())?;
                let value = row.json_value()?;
                tx.entries.push((row.key, value));
            }
            out.push((tx, block.receipt_id));
        }
        Ok(out)
    }

    /// Live commits only, from now on (no replay). Prefer [`Ledger::follow`], which cannot miss
    /// a transaction; this raw receiver reports [`broadcast::error::RecvError::Lagged`] when
    /// the subscriber falls more than 1024 transactions behind.
    #[must_use]
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<CommittedTx>> {
        self.inner.live.subscribe()
    }

    /// Replays every transaction above `after_height` from disk, then follows live commits.
    /// See [`Subscription`] for the exact guarantee.
    #[must_use]
    pub fn follow(&self, after_height: u64) -> Subscription {
        Subscription::new(self.clone(), after_height)
    }
}

/// The key named by a per-entry rejection (`""` for [`EntryRejection::EmptyKey`]).
fn rejected_key(why: &EntryRejection) -> &str {
    match why {
        EntryRejection::KeyTooLong { key, .. }
        | EntryRejection::ControlCharacter { key }
        | EntryRejection::ValueTooLarge { key, .. } => key,
        EntryRejection::EmptyKey => "",
    }
}

fn synthetic_hash(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(u64::try_from(p.len()).unwrap_or(u64::MAX).to_be_bytes());
        h.update(p);
    }
    bs58::encode(h.finalize()).into_string()
}

/// NEAR account id rules: 2..=64 bytes of `a-z 0-9`, separated by single `.`, `-` or `_`.
fn check_account_id(field: &'static str, value: &str) -> Result<(), LedgerError> {
    let fail = |reason| {
        Err(LedgerError::InvalidAccountId {
            field,
            value: value.to_owned(),
            reason,
        })
    };
    if !(2..=64).contains(&value.len()) {
        return fail("must be 2 to 64 characters long");
    }
    let mut prev_sep = true;
    for c in value.chars() {
        match c {
            'a'..='z' | '0'..='9' => prev_sep = false,
            '.' | '-' | '_' if !prev_sep => prev_sep = true,
            '.' | '-' | '_' => return fail("separators (. - _) must sit between alphanumerics"),
            _ => return fail("only lowercase a-z, 0-9 and the separators . - _ are allowed"),
        }
    }
    if prev_sep {
        return fail("separators (. - _) must sit between alphanumerics");
    }
    Ok(())
}

#[cfg(test)]
mod tests;
