//! Decoded KV rows: [`KvEntry`], [`KvValue`], and the [`Scan`] result of a paged read.

use serde_json::Value;

use crate::wire::WireEntry;

/// The value of a row: a live JSON value, or a deletion (tombstone).
///
/// A write of JSON `null` deletes a key; the server keeps the row and serves `"value": null`.
/// Some readers also see a tombstone as the empty string `""`, so both decode to
/// [`KvValue::Deleted`]: a deletion never reaches a caller as a value.
#[derive(Debug, Clone, PartialEq)]
pub enum KvValue {
    /// The key was deleted (`null` or `""` on the wire).
    Deleted,
    /// The key holds this JSON value (never `null`, never `""`).
    Value(Value),
}

impl KvValue {
    /// Classifies a decoded JSON value: `null` and `""` are deletions.
    #[must_use]
    pub fn from_json(value: Value) -> Self {
        match value {
            Value::Null => Self::Deleted,
            Value::String(s) if s.is_empty() => Self::Deleted,
            other => Self::Value(other),
        }
    }

    /// The live value, or `None` for a deletion.
    #[must_use]
    pub fn as_value(&self) -> Option<&Value> {
        match self {
            Self::Deleted => None,
            Self::Value(v) => Some(v),
        }
    }

    /// The live value, or `None` for a deletion.
    #[must_use]
    pub fn into_value(self) -> Option<Value> {
        match self {
            Self::Deleted => None,
            Self::Value(v) => Some(v),
        }
    }

    /// Whether this is a deletion.
    #[must_use]
    pub fn is_deleted(&self) -> bool {
        matches!(self, Self::Deleted)
    }
}

/// One KV row: who wrote which key in which namespace, when, and the value.
///
/// # Ordering
///
/// The wire carries no `order_id`, so there is no field for it. Within one response, rows come in
/// the endpoint's documented order; consumers that need a total order of writes should use
/// `(block_height, position in the response)` — for an ascending history of one key that is
/// exactly the ledger order.
#[derive(Debug, Clone, PartialEq)]
pub struct KvEntry {
    /// The writer: the receipt's predecessor account.
    pub predecessor_id: String,
    /// The namespace: the receipt's receiver account (e.g. `contextual.near`).
    pub current_account_id: String,
    /// The key.
    pub key: String,
    /// Block height of the write.
    pub block_height: u64,
    /// Block timestamp of the write in nanoseconds (exact `u64`; never routed through `f64`).
    pub block_timestamp: u64,
    /// The value, or a deletion.
    pub value: KvValue,
    /// Receipt that carried the write (present only when metadata was requested).
    pub receipt_id: Option<String>,
    /// Action index inside the receipt (present only when metadata was requested).
    pub action_index: Option<u32>,
    /// Transaction hash (present only when metadata was requested and known).
    pub tx_hash: Option<String>,
    /// Transaction signer (present only when metadata was requested).
    pub signer_id: Option<String>,
}

impl KvEntry {
    /// Decodes a wire row. Fails only if the raw value is not representable as a
    /// [`serde_json::Value`] (e.g. a number outside `f64` range).
    ///
    /// # Errors
    ///
    /// The `serde_json` error when the raw value cannot be decoded.
    pub fn from_wire(wire: WireEntry) -> Result<Self, serde_json::Error> {
        let value = match wire.value {
            None => KvValue::Deleted,
            Some(raw) => KvValue::from_json(serde_json::from_str(raw.get())?),
        };
        Ok(Self {
            predecessor_id: wire.predecessor_id,
            current_account_id: wire.current_account_id,
            key: wire.key,
            block_height: wire.block_height,
            block_timestamp: wire.block_timestamp,
            value,
            receipt_id: wire.receipt_id,
            action_index: wire.action_index,
            tx_hash: wire.tx_hash,
            signer_id: wire.signer_id,
        })
    }

    /// Whether the row is a deletion.
    #[must_use]
    pub fn is_deleted(&self) -> bool {
        self.value.is_deleted()
    }

    /// Block time in whole seconds: `floor(block_timestamp / 1e9)`.
    #[must_use]
    pub fn block_time_secs(&self) -> u64 {
        self.block_timestamp / 1_000_000_000
    }
}

/// Why a paged read stopped.
///
/// Only [`ScanEnd::Exhausted`] means the rows are everything the server had: a consumer that
/// infers deletions from absence (an indexer's removal pass) must do so only then. A server error
/// in the middle of a read is not a `ScanEnd`: the read fails with the error and returns no rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum ScanEnd {
    /// The server said there were no more rows: the scan is complete.
    #[default]
    Exhausted,
    /// The caller's [`ScanLimit`] stopped the read while the server still had rows.
    Bound,
    /// The server answered the same page again (same rows, or the token it was sent): the read
    /// stopped instead of looping, and rows after that page (if any) were not seen.
    RepeatedPage,
    /// The server handed out a page token it had handed out before: the read stopped instead of
    /// looping, and rows after that point (if any) were not seen.
    TokenCycle,
}

impl ScanEnd {
    /// A short stable name for logs and metrics (`exhausted`, `bound`, `repeated_page`,
    /// `token_cycle`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Exhausted => "exhausted",
            Self::Bound => "bound",
            Self::RepeatedPage => "repeated_page",
            Self::TokenCycle => "token_cycle",
        }
    }
}

/// The result of a paged read: every row up to where it stopped, and why it stopped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scan {
    /// Rows in the endpoint's order across all pages; the index is the row's position.
    pub entries: Vec<KvEntry>,
    /// Why the read stopped. Never hidden: with [`ScanLimit::UNBOUNDED`] and a well-behaved
    /// server it is always [`ScanEnd::Exhausted`].
    pub end: ScanEnd,
}

impl Scan {
    /// A complete scan of `entries` ([`ScanEnd::Exhausted`]).
    #[must_use]
    pub fn complete(entries: Vec<KvEntry>) -> Self {
        Self {
            entries,
            end: ScanEnd::Exhausted,
        }
    }

    /// Whether the rows are everything the server had ([`ScanEnd::Exhausted`]).
    #[must_use]
    pub fn is_complete(&self) -> bool {
        self.end == ScanEnd::Exhausted
    }

    /// Whether the caller's [`ScanLimit`] stopped the read while the server still had rows.
    #[must_use]
    pub fn truncated(&self) -> bool {
        self.end == ScanEnd::Bound
    }

    /// Only the rows that hold a value (deletions dropped), with their positions preserved
    /// in iteration order.
    pub fn live(&self) -> impl Iterator<Item = &KvEntry> {
        self.entries.iter().filter(|e| !e.is_deleted())
    }
}

/// A caller-chosen bound on how many rows a paged read collects.
///
/// Paging otherwise follows `page_token` to exhaustion; there is no hidden cap. When the bound
/// stops a read that had more rows, the [`Scan`] says so with [`ScanEnd::Bound`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScanLimit {
    /// The most rows to return; `None` reads everything.
    pub max_entries: Option<usize>,
}

impl ScanLimit {
    /// Read every page.
    pub const UNBOUNDED: Self = Self { max_entries: None };

    /// Stop after `max_entries` rows (and report [`ScanEnd::Bound`] if more existed).
    #[must_use]
    pub const fn at_most(max_entries: usize) -> Self {
        Self {
            max_entries: Some(max_entries),
        }
    }
}

/// Direction of a history read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Oldest first (`asc: true`).
    Ascending,
    /// Newest first: the server's default.
    #[default]
    Descending,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn wire(value: &str) -> WireEntry {
        serde_json::from_str(&format!(
            r#"{{"predecessor_id":"a.near","current_account_id":"ns.near","block_height":7,
                "block_timestamp":1700000000123456789,"key":"k","value":{value}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn null_and_empty_string_are_deletions() {
        assert!(KvEntry::from_wire(wire("null")).unwrap().is_deleted());
        assert!(KvEntry::from_wire(wire(r#""""#)).unwrap().is_deleted());
    }

    #[test]
    fn falsy_values_are_still_values() {
        for v in ["false", "0", "{}", "[]", r#"" ""#] {
            let e = KvEntry::from_wire(wire(v)).unwrap();
            assert!(!e.is_deleted(), "{v} must be live");
        }
    }

    #[test]
    fn value_and_time_decode() {
        let e = KvEntry::from_wire(wire(r#"{"name":"A"}"#)).unwrap();
        assert_eq!(e.value.as_value(), Some(&json!({"name": "A"})));
        assert_eq!(e.block_timestamp, 1_700_000_000_123_456_789);
        assert_eq!(e.block_time_secs(), 1_700_000_000);
    }

    #[test]
    fn scan_live_skips_deletions() {
        let scan = Scan {
            entries: vec![
                KvEntry::from_wire(wire("1")).unwrap(),
                KvEntry::from_wire(wire("null")).unwrap(),
            ],
            end: ScanEnd::Exhausted,
        };
        assert_eq!(scan.live().count(), 1);
        assert!(scan.is_complete());
    }
}
