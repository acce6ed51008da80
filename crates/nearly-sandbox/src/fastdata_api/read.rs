//! [`FastDataRead`] answered in-process from the ledger.

use async_trait::async_trait;
use fastdata_client::read::{check_key, check_predecessor};
use fastdata_client::{
    AccountKey, FastDataError, FastDataRead, KvEntry, Order, Scan, ScanEnd, ScanLimit,
};

use super::convert::to_kv_entry;
use crate::ledger::{Index, KeyFilter, Ledger, LedgerEntry, LedgerError, Position, ScanQuery};

/// Rows read per index scan while collecting a [`Scan`] (the KV server's page cap).
const PAGE: usize = 200;

/// [`FastDataRead`] over a [`Ledger`], in-process: the same rows, order, tombstones, limits and
/// `truncated` flag as [`fastdata_client::HttpFastData`] pointed at
/// [`router`](super::router) over the same ledger, without HTTP.
///
/// ```
/// # use nearly_sandbox::ledger::{Ledger, SystemClock};
/// use fastdata_client::{FastDataRead, ScanLimit};
/// use nearly_sandbox::fastdata_api::LedgerReader;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = std::env::temp_dir().join(format!("ledger-reader-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// # let ledger = Ledger::open(dir.join("l.redb"), SystemClock)?;
/// let args = serde_json::json!({"tag/a": true, "tag/b": null});
/// ledger.commit("contextual.near", "bob.near", args.as_object().unwrap())?;
/// let reader = LedgerReader::new(ledger.clone(), "contextual.near");
/// let scan = reader.scan_prefix("bob.near", "tag/", ScanLimit::UNBOUNDED).await?;
/// assert_eq!(scan.entries.len(), 2);
/// assert_eq!(scan.live().count(), 1); // tag/b is a tombstone
/// # drop((reader, ledger)); std::fs::remove_dir_all(&dir)?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct LedgerReader {
    ledger: Ledger,
    namespace: String,
    include_metadata: bool,
}

impl LedgerReader {
    /// Reads `namespace` of `ledger`, without metadata (like `HttpConfig::default()`).
    #[must_use]
    pub fn new(ledger: Ledger, namespace: impl Into<String>) -> Self {
        Self {
            ledger,
            namespace: namespace.into(),
            include_metadata: false,
        }
    }

    /// Also fill `receipt_id`, `action_index`, `tx_hash` and `signer_id` on list and multi
    /// reads (like `HttpConfig::include_metadata`; `get_latest` never carries them).
    #[must_use]
    pub fn with_metadata(mut self, include_metadata: bool) -> Self {
        self.include_metadata = include_metadata;
        self
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Ledger) -> Result<T, LedgerError> + Send + 'static,
    ) -> Result<T, FastDataError> {
        let ledger = self.ledger.clone();
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || span.in_scope(|| f(&ledger)))
            .await
            .map_err(|e| internal(&e.to_string()))?
            .map_err(|e| internal(&e.to_string()))
    }

    /// Pages through `q` until `limit` (reading one row more to know whether it truncated).
    async fn collect(&self, mut q: ScanQuery, limit: ScanLimit) -> Result<Scan, FastDataError> {
        let meta = self.include_metadata;
        let rows = self
            .run(move |ledger| {
                let mut rows: Vec<LedgerEntry> = Vec::new();
                loop {
                    q.limit = match limit.max_entries {
                        None => PAGE,
                        Some(max) => (max.saturating_sub(rows.len()).saturating_add(1)).min(PAGE),
                    };
                    let page = ledger.scan(&q)?;
                    let done = page.len() < q.limit;
                    q.after = page.last().map(Position::from);
                    rows.extend(page);
                    if done || limit.max_entries.is_some_and(|max| rows.len() > max) {
                        return Ok(rows);
                    }
                }
            })
            .await?;
        let mut scan = Scan::complete(convert_all(rows, meta)?);
        if let Some(max) = limit.max_entries
            && scan.entries.len() > max
        {
            scan.entries.truncate(max);
            scan.end = ScanEnd::Bound;
        }
        Ok(scan)
    }

    fn query(&self, index: Index, filter: KeyFilter, order: Order) -> ScanQuery {
        ScanQuery {
            index,
            filter,
            after: None,
            order,
            limit: PAGE,
        }
    }

    fn latest_index(&self, predecessor_id: &str) -> Index {
        Index::Latest {
            namespace: self.namespace.clone(),
            predecessor: predecessor_id.to_owned(),
        }
    }
}

fn internal(message: &str) -> FastDataError {
    FastDataError::Backend(format!("sandbox ledger: {message}"))
}

fn convert_all(rows: Vec<LedgerEntry>, meta: bool) -> Result<Vec<KvEntry>, FastDataError> {
    rows.into_iter()
        .map(|e| {
            to_kv_entry(e, meta).map_err(|message| FastDataError::Decode {
                endpoint: "sandbox ledger".to_owned(),
                message,
            })
        })
        .collect()
}

/// An empty prefix means "every key" (the client never sends the server's empty-prefix range).
fn prefix(key_prefix: &str) -> KeyFilter {
    if key_prefix.is_empty() {
        KeyFilter::All
    } else {
        KeyFilter::Prefix(key_prefix.to_owned())
    }
}

#[async_trait]
impl FastDataRead for LedgerReader {
    fn namespace(&self) -> &str {
        &self.namespace
    }

    async fn get_latest(
        &self,
        predecessor_id: &str,
        key: &str,
    ) -> Result<Option<KvEntry>, FastDataError> {
        check_predecessor(predecessor_id)?;
        check_key(key)?;
        let (ns, pred, key) = (
            self.namespace.clone(),
            predecessor_id.to_owned(),
            key.to_owned(),
        );
        let row = self.run(move |l| l.latest(&ns, &pred, &key)).await?;
        Ok(convert_all(row.into_iter().collect(), false)?.pop())
    }

    async fn scan_prefix(
        &self,
        predecessor_id: &str,
        key_prefix: &str,
        limit: ScanLimit,
    ) -> Result<Scan, FastDataError> {
        check_predecessor(predecessor_id)?;
        let q = self.query(
            self.latest_index(predecessor_id),
            prefix(key_prefix),
            Order::Ascending,
        );
        self.collect(q, limit).await
    }

    async fn latest_by_key(&self, key: &str, limit: ScanLimit) -> Result<Scan, FastDataError> {
        check_key(key)?;
        let q = self.query(
            Index::LatestAcross {
                namespace: self.namespace.clone(),
            },
            KeyFilter::Exact(key.to_owned()),
            Order::Ascending,
        );
        self.collect(q, limit).await
    }

    async fn latest_by_prefix(
        &self,
        key_prefix: &str,
        limit: ScanLimit,
    ) -> Result<Scan, FastDataError> {
        let q = self.query(
            Index::LatestAcross {
                namespace: self.namespace.clone(),
            },
            prefix(key_prefix),
            Order::Ascending,
        );
        self.collect(q, limit).await
    }

    async fn multi_get(&self, keys: &[AccountKey]) -> Result<Vec<Option<KvEntry>>, FastDataError> {
        for k in keys {
            check_predecessor(&k.predecessor_id)?;
            check_key(&k.key)?;
        }
        let ns = self.namespace.clone();
        let keys = keys.to_vec();
        let rows = self
            .run(move |l| {
                let refs: Vec<(&str, &str, &str)> = keys
                    .iter()
                    .map(|k| (ns.as_str(), k.predecessor_id.as_str(), k.key.as_str()))
                    .collect();
                l.latest_many(&refs)
            })
            .await?;
        rows.into_iter()
            .map(|row| {
                row.map(|e| convert_all(vec![e], self.include_metadata).map(|mut v| v.pop()))
                    .transpose()
                    .map(Option::flatten)
            })
            .collect()
    }

    async fn history(
        &self,
        predecessor_id: &str,
        key: &str,
        order: Order,
        limit: ScanLimit,
    ) -> Result<Scan, FastDataError> {
        check_predecessor(predecessor_id)?;
        check_key(key)?;
        let q = self.query(
            Index::History {
                namespace: self.namespace.clone(),
                predecessor: predecessor_id.to_owned(),
            },
            KeyFilter::Exact(key.to_owned()),
            order,
        );
        self.collect(q, limit).await
    }

    async fn namespace_history(
        &self,
        key: &str,
        order: Order,
        limit: ScanLimit,
    ) -> Result<Scan, FastDataError> {
        check_key(key)?;
        let q = self.query(
            Index::HistoryAcross {
                namespace: self.namespace.clone(),
            },
            KeyFilter::Exact(key.to_owned()),
            order,
        );
        self.collect(q, limit).await
    }

    async fn all_of_predecessor(
        &self,
        predecessor_id: &str,
        limit: ScanLimit,
    ) -> Result<Scan, FastDataError> {
        check_predecessor(predecessor_id)?;
        let q = self.query(
            Index::AllOf {
                predecessor: predecessor_id.to_owned(),
            },
            KeyFilter::All,
            Order::Ascending,
        );
        self.collect(q, limit).await
    }
}
