//! Reconciliation as a pure diff (`neardata.md` §4): an index snapshot of the latest row per
//! `(predecessor, key)` against a complete scan of the KV API's `latest/{namespace}`.
//!
//! The KV API exposes neither `order_id` nor its indexed height, so rows newer than a horizon
//! (the final tip at scan start minus the KV API's lag) are left out on both sides, and rows are
//! compared by height first, then by value (parsed JSON, so float spellings of different
//! serde_json versions compare equal).
//!
//! | Case | Count | Repair |
//! |---|---|---|
//! | in the scan, missing from the index or newer there | `tailer_missed` | yes, from the scan |
//! | same height, different value | `value_mismatch` | yes, from the scan |
//! | in the index, missing from the scan or older there | `upstream_behind` | no: never regress |
//!
//! Repairs are only valid from a complete scan; the caller must not apply them otherwise.

use std::collections::BTreeMap;

use serde_json::Value;

/// The index's latest row of one `(predecessor, key)`.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexedVersion {
    /// Height of the block that wrote it.
    pub block_height: u64,
    /// The value; `None` is a tombstone.
    pub value: Option<Value>,
}

/// One row of a complete `latest/{namespace}` scan.
#[derive(Debug, Clone, PartialEq)]
pub struct ScannedRow {
    /// The writer.
    pub predecessor: String,
    /// The key.
    pub key: String,
    /// Height of the block that wrote it.
    pub block_height: u64,
    /// Its timestamp in nanoseconds (kept so a repair carries it).
    pub block_timestamp_ns: u64,
    /// The value; `None` is a tombstone.
    pub value: Option<Value>,
}

/// What kind of difference a [`Finding`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Difference {
    /// The KV API has a newer (or the only) row: the tailer missed a write.
    TailerMissed,
    /// Same height, different value: an extraction rule differs.
    ValueMismatch,
    /// The index has a newer (or the only) row: upstream dropped it or is stale.
    UpstreamBehind,
}

/// One `(predecessor, key)` where the index and the scan disagree.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The writer.
    pub predecessor: String,
    /// The key.
    pub key: String,
    /// The kind.
    pub difference: Difference,
    /// The index's height, if it has the key.
    pub indexed_height: Option<u64>,
    /// The scan's height, if it has the key.
    pub scanned_height: Option<u64>,
}

/// The outcome of [`reconcile`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reconciliation {
    /// Rows to write into the index (each wins over what the index has).
    pub repairs: Vec<ScannedRow>,
    /// Every disagreement, for the log.
    pub findings: Vec<Finding>,
    /// Findings of kind [`Difference::TailerMissed`].
    pub tailer_missed: u64,
    /// Findings of kind [`Difference::ValueMismatch`].
    pub value_mismatch: u64,
    /// Findings of kind [`Difference::UpstreamBehind`].
    pub upstream_behind: u64,
}

impl Reconciliation {
    /// Whether the index and the scan agree.
    #[must_use]
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Compares `index` with a complete `scan`, ignoring rows above `horizon` on both sides.
///
/// ```
/// use std::collections::BTreeMap;
/// use neardata_client::reconcile::{IndexedVersion, ScannedRow, reconcile};
/// use serde_json::json;
/// let mut index = BTreeMap::new();
/// index.insert(("alice.near".to_owned(), "profile".to_owned()),
///     IndexedVersion { block_height: 5, value: Some(json!(1)) });
/// let scan = vec![ScannedRow { predecessor: "alice.near".into(), key: "profile".into(),
///     block_height: 9, block_timestamp_ns: 9, value: Some(json!(2)) }];
/// let r = reconcile(&index, &scan, 100);
/// assert_eq!((r.tailer_missed, r.repairs.len()), (1, 1));
/// ```
#[must_use]
pub fn reconcile(
    index: &BTreeMap<(String, String), IndexedVersion>,
    scan: &[ScannedRow],
    horizon: u64,
) -> Reconciliation {
    let mut out = Reconciliation::default();
    let mut scanned: BTreeMap<(&str, &str), &ScannedRow> = BTreeMap::new();
    for row in scan.iter().filter(|r| r.block_height <= horizon) {
        scanned.insert((row.predecessor.as_str(), row.key.as_str()), row);
    }
    let record = |out: &mut Reconciliation,
                  pred: &str,
                  key: &str,
                  difference,
                  indexed: Option<u64>,
                  scanned: Option<u64>| {
        match difference {
            Difference::TailerMissed => out.tailer_missed += 1,
            Difference::ValueMismatch => out.value_mismatch += 1,
            Difference::UpstreamBehind => out.upstream_behind += 1,
        }
        out.findings.push(Finding {
            predecessor: pred.to_owned(),
            key: key.to_owned(),
            difference,
            indexed_height: indexed,
            scanned_height: scanned,
        });
    };
    for (&(pred, key), row) in &scanned {
        let indexed = index
            .get(&(pred.to_owned(), key.to_owned()))
            .filter(|v| v.block_height <= horizon);
        let difference = match indexed {
            None => Some(Difference::TailerMissed),
            Some(v) if row.block_height > v.block_height => Some(Difference::TailerMissed),
            Some(v) if row.block_height < v.block_height => Some(Difference::UpstreamBehind),
            Some(v) if v.value != row.value => Some(Difference::ValueMismatch),
            Some(_) => None,
        };
        if let Some(difference) = difference {
            record(
                &mut out,
                pred,
                key,
                difference,
                indexed.map(|v| v.block_height),
                Some(row.block_height),
            );
            if difference != Difference::UpstreamBehind {
                out.repairs.push((*row).clone());
            }
        }
    }
    for ((pred, key), version) in index {
        if version.block_height <= horizon && !scanned.contains_key(&(pred.as_str(), key.as_str()))
        {
            record(
                &mut out,
                pred,
                key,
                Difference::UpstreamBehind,
                Some(version.block_height),
                None,
            );
        }
    }
    out
}
