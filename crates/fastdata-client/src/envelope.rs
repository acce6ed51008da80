//! The on-chain write envelope: the args of a `__fastdata_kv` function call, and the indexer's
//! limits on them.
//!
//! A write is a NEAR `FunctionCall` with method [`KV_METHOD_NAME`] to the namespace account,
//! whose args are a **flat** JSON object `{key: value, ...}`; each root key becomes one row and
//! `null` deletes the key. (Not `{"data": [[k, v]]}`: the indexer would store one key `"data"`.)
//!
//! # Accept semantics (what the indexer does, and what a local ledger must do)
//!
//! [`accept_args`] is the indexer's rule as a pure function, for an emulator to reuse:
//! - args that are not a JSON object: the whole call is dropped ([`TxRejection::NotAnObject`]);
//! - more than [`MAX_KEYS_PER_TX`] keys: the whole call is dropped ([`TxRejection::TooManyKeys`]);
//! - otherwise each entry is checked with [`validate_entry`]: bad keys and oversized values are
//!   skipped **individually**, the rest are stored;
//! - a key repeated inside one args object: the last occurrence wins.
//!
//! [`WriteBatch`] is the writer's side: it rejects what the indexer would skip (so nothing is
//! silently lost) and splits large writes into transactions the indexer accepts whole.

use std::collections::BTreeMap;
use std::io;

use serde_json::{Map, Value};

/// The method name of a FastData KV write.
pub const KV_METHOD_NAME: &str = "__fastdata_kv";

/// The most keys one transaction may carry; the indexer drops a larger call whole.
pub const MAX_KEYS_PER_TX: usize = 256;

/// The longest key, in UTF-8 bytes; longer keys are skipped.
pub const MAX_KEY_BYTES: usize = 1024;

/// The largest value, in bytes of its compact JSON serialisation; larger values are skipped.
pub const MAX_VALUE_BYTES: usize = 262_144;

/// Why one key/value pair would not be stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryRejection {
    /// The key is the empty string.
    #[error("key must not be empty")]
    EmptyKey,
    /// The key is longer than [`MAX_KEY_BYTES`].
    #[error("key {:?} is {len} bytes; keys must be at most {max} bytes", preview(.key))]
    KeyTooLong {
        /// The offending key.
        key: String,
        /// Its length in bytes.
        len: usize,
        /// The limit ([`MAX_KEY_BYTES`]).
        max: usize,
    },
    /// The key contains a control character (`char::is_control`).
    #[error("key {:?} contains a control character; keys must not contain any", preview(.key))]
    ControlCharacter {
        /// The offending key.
        key: String,
    },
    /// The serialised value is larger than [`MAX_VALUE_BYTES`].
    #[error("value of key {:?} is {len} bytes serialised; values must be at most {max} bytes", preview(.key))]
    ValueTooLarge {
        /// The key whose value is too large.
        key: String,
        /// The serialised length in bytes.
        len: usize,
        /// The limit ([`MAX_VALUE_BYTES`]).
        max: usize,
    },
}

/// Why a whole `__fastdata_kv` call would be dropped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TxRejection {
    /// The args are not a JSON object.
    #[error("__fastdata_kv args must be a JSON object")]
    NotAnObject,
    /// The args object has more than [`MAX_KEYS_PER_TX`] keys.
    #[error("__fastdata_kv args hold {count} keys; a transaction may hold at most {max}")]
    TooManyKeys {
        /// Number of distinct keys.
        count: usize,
        /// The limit ([`MAX_KEYS_PER_TX`]).
        max: usize,
    },
}

/// Checks one key/value pair against the indexer's per-entry rules: non-empty key of at most
/// [`MAX_KEY_BYTES`] bytes without control characters, value serialising to at most
/// [`MAX_VALUE_BYTES`] bytes of compact JSON. `null` (a delete) is always a valid value.
///
/// # Errors
///
/// The first rule broken, naming the key and the limit.
pub fn validate_entry(key: &str, value: &Value) -> Result<(), EntryRejection> {
    if key.is_empty() {
        return Err(EntryRejection::EmptyKey);
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(EntryRejection::KeyTooLong {
            key: key.to_owned(),
            len: key.len(),
            max: MAX_KEY_BYTES,
        });
    }
    if key.chars().any(char::is_control) {
        return Err(EntryRejection::ControlCharacter {
            key: key.to_owned(),
        });
    }
    let len = serialized_len(value);
    if len > MAX_VALUE_BYTES {
        return Err(EntryRejection::ValueTooLarge {
            key: key.to_owned(),
            len,
            max: MAX_VALUE_BYTES,
        });
    }
    Ok(())
}

/// The entries of a `__fastdata_kv` call that the indexer stores, and those it skips.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AcceptedArgs {
    /// Entries to store, in the order `serde_json` iterates the args object (last duplicate wins).
    pub entries: Vec<(String, Value)>,
    /// Entries skipped individually, each with its reason.
    pub skipped: Vec<EntryRejection>,
}

/// Applies the indexer's acceptance rules to the raw args of one `__fastdata_kv` call (see the
/// module docs): the call is dropped whole, or its entries are split into stored and skipped.
///
/// # Errors
///
/// [`TxRejection`] when the call is dropped whole (args not a JSON object, or more than
/// [`MAX_KEYS_PER_TX`] keys).
pub fn accept_args(args: &[u8]) -> Result<AcceptedArgs, TxRejection> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(args) else {
        return Err(TxRejection::NotAnObject);
    };
    if map.len() > MAX_KEYS_PER_TX {
        return Err(TxRejection::TooManyKeys {
            count: map.len(),
            max: MAX_KEYS_PER_TX,
        });
    }
    let mut accepted = AcceptedArgs::default();
    for (key, value) in map {
        match validate_entry(&key, &value) {
            Ok(()) => accepted.entries.push((key, value)),
            Err(rejection) => accepted.skipped.push(rejection),
        }
    }
    Ok(accepted)
}

/// A set of KV writes for one namespace, validated as they are added, split into valid
/// transactions on demand.
///
/// Setting a key twice keeps the last value. Keys are kept in byte order, so the split is
/// deterministic and keys sharing a prefix land in the same or adjacent transactions.
///
/// ```
/// use fastdata_client::envelope::{WriteBatch, MAX_KEYS_PER_TX};
/// use serde_json::json;
///
/// let mut batch = WriteBatch::new();
/// batch.set("profile", json!({"name": "Alice"}))?;
/// batch.delete("tag/old")?;
/// for i in 0..300 {
///     batch.set(format!("tag/t{i}"), json!(true))?;
/// }
/// let txs = batch.into_transactions();
/// assert_eq!(txs.len(), 2);
/// assert!(txs.iter().all(|tx| tx.len() <= MAX_KEYS_PER_TX));
/// # Ok::<(), fastdata_client::envelope::EntryRejection>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WriteBatch {
    entries: BTreeMap<String, Value>,
}

impl WriteBatch {
    /// An empty batch.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` to `value` (`Value::Null` deletes). Replaces an earlier write of the same key.
    ///
    /// # Errors
    ///
    /// [`EntryRejection`] when the indexer would skip this entry; the batch is then unchanged.
    pub fn set(
        &mut self,
        key: impl Into<String>,
        value: Value,
    ) -> Result<&mut Self, EntryRejection> {
        let key = key.into();
        validate_entry(&key, &value)?;
        self.entries.insert(key, value);
        Ok(self)
    }

    /// Deletes `key` (writes `null`). Replaces an earlier write of the same key.
    ///
    /// # Errors
    ///
    /// [`EntryRejection`] when the key is invalid; the batch is then unchanged.
    pub fn delete(&mut self, key: impl Into<String>) -> Result<&mut Self, EntryRejection> {
        self.set(key, Value::Null)
    }

    /// Number of distinct keys.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no key is set.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The pending writes, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Splits the batch into `__fastdata_kv` args objects of at most [`MAX_KEYS_PER_TX`] keys
    /// each, in key order; every key appears in exactly one of them. An empty batch yields none.
    /// Each transaction is accepted whole by the indexer; they are independent of each other.
    #[must_use]
    pub fn into_transactions(self) -> Vec<Map<String, Value>> {
        let mut txs = Vec::with_capacity(self.entries.len().div_ceil(MAX_KEYS_PER_TX));
        let mut current = Map::new();
        for (key, value) in self.entries {
            if current.len() == MAX_KEYS_PER_TX {
                txs.push(std::mem::take(&mut current));
            }
            current.insert(key, value);
        }
        if !current.is_empty() {
            txs.push(current);
        }
        txs
    }
}

/// Length of `serde_json::to_string(value)` without building the string.
fn serialized_len(value: &Value) -> usize {
    struct Counter(usize);
    impl io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    // Serialising a `Value` into an infallible writer cannot fail; if it somehow did, report
    // "too large" rather than letting an unmeasured value through.
    match serde_json::to_writer(&mut counter, value) {
        Ok(()) => counter.0,
        Err(_) => usize::MAX,
    }
}

/// At most 64 bytes of a key for error messages (keys may be up to megabytes long).
fn preview(key: &str) -> &str {
    if key.len() <= 64 {
        return key;
    }
    let mut end = 64;
    while !key.is_char_boundary(end) {
        end -= 1;
    }
    &key[..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn limits_are_inclusive() {
        let key = "k".repeat(MAX_KEY_BYTES);
        assert_eq!(validate_entry(&key, &json!(1)), Ok(()));
        let long = "k".repeat(MAX_KEY_BYTES + 1);
        assert_eq!(
            validate_entry(&long, &json!(1)),
            Err(EntryRejection::KeyTooLong {
                key: long.clone(),
                len: 1025,
                max: 1024
            })
        );
        // A JSON string of n chars serialises to n + 2 bytes.
        let fits = Value::String("x".repeat(MAX_VALUE_BYTES - 2));
        assert_eq!(validate_entry("k", &fits), Ok(()));
        let too_big = Value::String("x".repeat(MAX_VALUE_BYTES - 1));
        assert_eq!(
            validate_entry("k", &too_big),
            Err(EntryRejection::ValueTooLarge {
                key: "k".into(),
                len: MAX_VALUE_BYTES + 1,
                max: MAX_VALUE_BYTES
            })
        );
    }

    #[test]
    fn key_rules() {
        assert_eq!(validate_entry("", &json!(1)), Err(EntryRejection::EmptyKey));
        for bad in ["a\nb", "tab\t", "nul\u{0}", "del\u{7f}", "c1\u{85}"] {
            assert_eq!(
                validate_entry(bad, &json!(1)),
                Err(EntryRejection::ControlCharacter { key: bad.into() }),
                "{bad:?}"
            );
        }
        assert_eq!(
            validate_entry("graph/follow/bob.near", &Value::Null),
            Ok(())
        );
        assert_eq!(validate_entry("ключ/🦀 space", &json!({})), Ok(()));
    }

    #[test]
    fn error_messages_name_key_and_limit() {
        let err = validate_entry(&"a".repeat(2000), &json!(1)).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("2000 bytes") && msg.contains("at most 1024"),
            "{msg}"
        );
        assert!(
            msg.len() < 200,
            "key preview keeps the message short: {msg}"
        );
        let err = validate_entry("big", &Value::String("x".repeat(300_000))).unwrap_err();
        assert!(err.to_string().contains("\"big\""));
        assert!(err.to_string().contains("262144"));
    }

    #[test]
    fn serialized_len_matches_to_string() {
        let v = json!({"a": [1, 2.5, "é\"\n"], "b": null, "c": {"d": true}});
        assert_eq!(serialized_len(&v), serde_json::to_string(&v).unwrap().len());
    }

    #[test]
    fn accept_args_drops_whole_or_skips_individually() {
        assert_eq!(accept_args(b"[1]"), Err(TxRejection::NotAnObject));
        assert_eq!(accept_args(b"not json"), Err(TxRejection::NotAnObject));
        let too_many: Map<String, Value> = (0..=MAX_KEYS_PER_TX)
            .map(|i| (format!("k{i}"), json!(i)))
            .collect();
        assert_eq!(
            accept_args(&serde_json::to_vec(&too_many).unwrap()),
            Err(TxRejection::TooManyKeys {
                count: 257,
                max: 256
            })
        );
        let args = format!(
            r#"{{"ok": 1, "": 2, "bad\u0001": 3, "big": "{}", "ok": 4}}"#,
            "x".repeat(MAX_VALUE_BYTES)
        );
        let accepted = accept_args(args.as_bytes()).unwrap();
        assert_eq!(accepted.entries, vec![("ok".to_owned(), json!(4))]);
        assert_eq!(accepted.skipped.len(), 3);
    }

    #[test]
    fn batch_rejects_and_stays_unchanged() {
        let mut batch = WriteBatch::new();
        batch.set("a", json!(1)).unwrap();
        assert!(batch.set("", json!(2)).is_err());
        assert_eq!(batch.len(), 1);
    }

    #[test]
    fn batch_last_write_wins_and_splits_in_key_order() {
        let mut batch = WriteBatch::new();
        for i in (0..600).rev() {
            batch.set(format!("k{i:04}"), json!(i)).unwrap();
        }
        batch.set("k0000", json!("last")).unwrap();
        batch.delete("k0599").unwrap();
        let txs = batch.into_transactions();
        assert_eq!(
            txs.iter().map(Map::len).collect::<Vec<_>>(),
            vec![256, 256, 88]
        );
        assert_eq!(txs[0].keys().next().unwrap(), "k0000");
        assert_eq!(txs[0]["k0000"], json!("last"));
        assert_eq!(txs[2]["k0599"], Value::Null);
        assert!(WriteBatch::new().into_transactions().is_empty());
    }
}
