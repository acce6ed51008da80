//! Native range queries over the six indexes.

use std::ops::Bound;

use fastdata_client::Order;
use redb::{ReadableTable, TableDefinition};

use super::keys::{KeyBuf, prefix_end, successor};
use super::tables::{
    ENTRIES, EntryId, HISTORY, KEY_HISTORY, LATEST, PRED_ALL, X_HISTORY, X_LATEST,
};
use super::{Ledger, LedgerEntry, LedgerError};

/// Which index a [`ScanQuery`] reads, and the fixed part of its key. Each is ordered exactly
/// like the FastData KV endpoint it serves (ascending order shown; history can run descending).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Index {
    /// Latest row per key of one writer in one namespace, by key
    /// (`POST /v0/latest/{ns}/{pred}`).
    Latest {
        /// The namespace.
        namespace: String,
        /// The writer.
        predecessor: String,
    },
    /// Latest row per (key, writer) in one namespace, by (key, predecessor)
    /// (`POST /v0/latest/{ns}`).
    LatestAcross {
        /// The namespace.
        namespace: String,
    },
    /// Latest row per (namespace, key) of one writer across all namespaces, by
    /// (namespace, key) (`POST /v0/all/{pred}`). The key filter is ignored.
    AllOf {
        /// The writer.
        predecessor: String,
    },
    /// Every row of one writer in one namespace, by (key, height, order)
    /// (`POST /v0/history/{ns}/{pred}`): grouped by key, not globally chronological.
    History {
        /// The namespace.
        namespace: String,
        /// The writer.
        predecessor: String,
    },
    /// Every row in one namespace, by (key, height, order, predecessor)
    /// (`POST /v0/history/{ns}`).
    HistoryAcross {
        /// The namespace.
        namespace: String,
    },
    /// Every row of one key in every namespace, by (height, order, predecessor, namespace)
    /// (`POST /v0/history`). The key filter is ignored.
    KeyHistory {
        /// The key.
        key: String,
    },
}

/// Which keys a [`ScanQuery`] covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum KeyFilter {
    /// Every key.
    #[default]
    All,
    /// Exactly this key.
    Exact(String),
    /// FastData prefix semantics: `key >= prefix AND key < prefix_end(prefix)`, where
    /// `prefix_end` adds 1 to the last byte. That is "starts with `prefix`" for a non-empty
    /// prefix; the **empty** prefix becomes `key < "\x01"` and so matches (almost) nothing,
    /// exactly like the KV server. Use [`KeyFilter::All`] for every key.
    Prefix(String),
}

/// A position in an index: a scan continues strictly after it (in the scan's direction).
///
/// Build it from the last row of the previous page with `Position::from(&entry)`; fields the
/// index does not order by are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Position {
    /// Namespace (`a` in a page token).
    pub namespace: String,
    /// Writer (`p`).
    pub predecessor: String,
    /// Key (`k`).
    pub key: String,
    /// Block height (`b`).
    pub block_height: u64,
    /// Order inside the block (`o`).
    pub order_id: i64,
}

impl From<&LedgerEntry> for Position {
    fn from(e: &LedgerEntry) -> Self {
        Self {
            namespace: e.namespace.clone(),
            predecessor: e.predecessor.clone(),
            key: e.key.clone(),
            block_height: e.block_height,
            order_id: e.order_id,
        }
    }
}

/// One page of one index: see [`Ledger::scan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanQuery {
    /// The index and its fixed key part.
    pub index: Index,
    /// Which keys (ignored by [`Index::AllOf`] and [`Index::KeyHistory`]).
    pub filter: KeyFilter,
    /// Continue strictly after this position; `None` starts at the beginning (or the end, for
    /// [`Order::Descending`]).
    pub after: Option<Position>,
    /// Direction.
    pub order: Order,
    /// At most this many rows.
    pub limit: usize,
}

impl ScanQuery {
    /// A first page of `index` in ascending order, every key, `limit` rows.
    #[must_use]
    pub fn new(index: Index, limit: usize) -> Self {
        Self {
            index,
            filter: KeyFilter::All,
            after: None,
            order: Order::Ascending,
            limit,
        }
    }
}

type IndexTable = TableDefinition<'static, &'static [u8], EntryId>;

impl Index {
    fn table(&self) -> IndexTable {
        match self {
            Self::Latest { .. } => LATEST,
            Self::LatestAcross { .. } => X_LATEST,
            Self::AllOf { .. } => PRED_ALL,
            Self::History { .. } => HISTORY,
            Self::HistoryAcross { .. } => X_HISTORY,
            Self::KeyHistory { .. } => KEY_HISTORY,
        }
    }

    /// The fixed leading components, and whether a key filter applies right after them.
    fn base(&self) -> (KeyBuf, bool) {
        match self {
            Self::Latest {
                namespace,
                predecessor,
            }
            | Self::History {
                namespace,
                predecessor,
            } => (KeyBuf::new().str(namespace).str(predecessor), true),
            Self::LatestAcross { namespace } | Self::HistoryAcross { namespace } => {
                (KeyBuf::new().str(namespace), true)
            }
            Self::AllOf { predecessor } => (KeyBuf::new().str(predecessor), false),
            Self::KeyHistory { key } => (KeyBuf::new().str(key), false),
        }
    }

    /// The full index key of a position (fixed components come from the position too, so a
    /// position from elsewhere is clamped by the range, never trusted).
    fn position_key(&self, p: &Position) -> Vec<u8> {
        let (ns, pred, key, h, o) = (
            p.namespace.as_str(),
            p.predecessor.as_str(),
            p.key.as_str(),
            p.block_height,
            p.order_id,
        );
        match self {
            Self::Latest {
                namespace,
                predecessor,
            } => KeyBuf::new().str(namespace).str(predecessor).str(key),
            Self::LatestAcross { namespace } => KeyBuf::new().str(namespace).str(key).str(pred),
            Self::AllOf { predecessor } => KeyBuf::new().str(predecessor).str(ns).str(key),
            Self::History {
                namespace,
                predecessor,
            } => KeyBuf::new()
                .str(namespace)
                .str(predecessor)
                .str(key)
                .u64(h)
                .i64(o),
            Self::HistoryAcross { namespace } => KeyBuf::new()
                .str(namespace)
                .str(key)
                .u64(h)
                .i64(o)
                .str(pred),
            Self::KeyHistory { key } => KeyBuf::new().str(key).u64(h).i64(o).str(pred).str(ns),
        }
        .into_vec()
    }

    pub(crate) fn latest_key(e: &LedgerEntry) -> Vec<u8> {
        KeyBuf::new()
            .str(&e.namespace)
            .str(&e.predecessor)
            .str(&e.key)
            .into_vec()
    }
    pub(crate) fn x_latest_key(e: &LedgerEntry) -> Vec<u8> {
        KeyBuf::new()
            .str(&e.namespace)
            .str(&e.key)
            .str(&e.predecessor)
            .into_vec()
    }
    pub(crate) fn pred_all_key(e: &LedgerEntry) -> Vec<u8> {
        KeyBuf::new()
            .str(&e.predecessor)
            .str(&e.namespace)
            .str(&e.key)
            .into_vec()
    }
    pub(crate) fn history_key(e: &LedgerEntry) -> Vec<u8> {
        KeyBuf::new()
            .str(&e.namespace)
            .str(&e.predecessor)
            .str(&e.key)
            .u64(e.block_height)
            .i64(e.order_id)
            .into_vec()
    }
    pub(crate) fn x_history_key(e: &LedgerEntry) -> Vec<u8> {
        KeyBuf::new()
            .str(&e.namespace)
            .str(&e.key)
            .u64(e.block_height)
            .i64(e.order_id)
            .str(&e.predecessor)
            .into_vec()
    }
    pub(crate) fn key_history_key(e: &LedgerEntry) -> Vec<u8> {
        KeyBuf::new()
            .str(&e.key)
            .u64(e.block_height)
            .i64(e.order_id)
            .str(&e.predecessor)
            .str(&e.namespace)
            .into_vec()
    }
}

/// `[lo, hi)` over encoded keys: `lo` inclusive unless `lo_excluded`; `hi` exclusive, `None` =
/// unbounded.
struct ByteRange {
    lo: Vec<u8>,
    lo_excluded: bool,
    hi: Option<Vec<u8>>,
}

impl ByteRange {
    fn for_query(q: &ScanQuery) -> Self {
        let (base, filterable) = q.index.base();
        let all = |base: KeyBuf| {
            let lo = base.into_vec();
            let hi = successor(&lo);
            (lo, hi)
        };
        let (lo, hi) = match (&q.filter, filterable) {
            (KeyFilter::All, _) | (_, false) => all(base),
            (KeyFilter::Exact(key), true) => all(base.str(key)),
            (KeyFilter::Prefix(prefix), true) => {
                let lo = base.clone().str_open(prefix.as_bytes()).into_vec();
                let hi = match prefix_end(prefix) {
                    Some(end) => Some(base.str_open(&end).into_vec()),
                    None => successor(&base.into_vec()),
                };
                (lo, hi)
            }
        };
        let mut range = Self {
            lo,
            lo_excluded: false,
            hi,
        };
        if let Some(after) = &q.after {
            let at = q.index.position_key(after);
            match q.order {
                Order::Ascending => {
                    if at >= range.lo {
                        range.lo = at;
                        range.lo_excluded = true;
                    }
                }
                Order::Descending => {
                    if range.hi.as_ref().is_none_or(|hi| at < *hi) {
                        range.hi = Some(at);
                    }
                }
            }
        }
        range
    }

    fn is_empty(&self) -> bool {
        self.hi.as_ref().is_some_and(|hi| self.lo >= *hi)
    }

    fn bounds(&self) -> (Bound<&[u8]>, Bound<&[u8]>) {
        let lo = if self.lo_excluded {
            Bound::Excluded(self.lo.as_slice())
        } else {
            Bound::Included(self.lo.as_slice())
        };
        let hi = self.hi.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
        (lo, hi)
    }
}

pub(crate) fn load_entry(
    entries: &impl ReadableTable<EntryId, &'static [u8]>,
    id: EntryId,
) -> Result<LedgerEntry, LedgerError> {
    let bytes = entries
        .get(id)?
        .ok_or_else(|| LedgerError::Corrupt(format!("index points at missing row {id:?}")))?;
    LedgerEntry::decode(bytes.value())
}

impl Ledger {
    /// One page of an index: at most `limit` rows in the index's order (see [`Index`]), within
    /// the key filter, strictly after `after`. Every query is a single range scan.
    ///
    /// ```
    /// # use nearly_sandbox::ledger::{Ledger, SystemClock, ScanQuery, Index, KeyFilter, Position};
    /// # let dir = std::env::temp_dir().join(format!("ledger-scan-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// # let ledger = Ledger::open(dir.join("l.redb"), SystemClock)?;
    /// # let args = serde_json::json!({"tag/a": 1, "tag/b": 2, "tag/c": 3, "name": "x"});
    /// # ledger.commit("ns.near", "bob.near", args.as_object().unwrap())?;
    /// let mut q = ScanQuery::new(
    ///     Index::Latest { namespace: "ns.near".into(), predecessor: "bob.near".into() },
    ///     2,
    /// );
    /// q.filter = KeyFilter::Prefix("tag/".into());
    /// let page1 = ledger.scan(&q)?;
    /// q.after = page1.last().map(Position::from);
    /// let page2 = ledger.scan(&q)?;
    /// let keys: Vec<_> = page1.iter().chain(&page2).map(|e| e.key.as_str()).collect();
    /// assert_eq!(keys, ["tag/a", "tag/b", "tag/c"]);
    /// # drop(ledger); std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A storage or corruption error.
    pub fn scan(&self, q: &ScanQuery) -> Result<Vec<LedgerEntry>, LedgerError> {
        let range = ByteRange::for_query(q);
        if q.limit == 0 || range.is_empty() {
            return Ok(Vec::new());
        }
        let txn = self.inner.db.begin_read()?;
        let index = txn.open_table(q.index.table())?;
        let entries = txn.open_table(ENTRIES)?;
        let iter = index.range::<&[u8]>(range.bounds())?;
        let mut out = Vec::with_capacity(q.limit.min(256));
        let mut push = |item: Result<
            (redb::AccessGuard<'_, &[u8]>, redb::AccessGuard<'_, EntryId>),
            redb::StorageError,
        >|
         -> Result<bool, LedgerError> {
            let (_, id) = item?;
            out.push(load_entry(&entries, id.value())?);
            Ok(out.len() < q.limit)
        };
        match q.order {
            Order::Ascending => {
                for item in iter {
                    if !push(item)? {
                        break;
                    }
                }
            }
            Order::Descending => {
                for item in iter.rev() {
                    if !push(item)? {
                        break;
                    }
                }
            }
        }
        Ok(out)
    }
}
