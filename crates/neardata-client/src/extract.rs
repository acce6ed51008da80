//! The FastData indexer's extraction rules (`neardata.md` §3.2-§3.4): from a decoded [`Block`]
//! to the ordered key writes of one namespace. Pure functions, no I/O.
//!
//! - Counted receipts: every `receipt_execution_outcomes` element of every shard; only an
//!   `Action` receipt whose `receiver_id` is the namespace is read. The execution status is
//!   never read (failed receipts count). `Delegate` actions are not unpacked: the runtime
//!   executes their inner actions as a new receipt, which is picked up like any other.
//! - Counted actions: top-level `FunctionCall`s with `method_name` exactly `__fastdata_kv`;
//!   every action of any variant takes its place in `action_index`.
//! - Args ([`parse_args`]): standard base64, then strict JSON (valid UTF-8, no lone surrogate,
//!   nothing but whitespace after the value, at most 127 nested containers); the top level must
//!   be an object of at most 256 keys (after duplicate keys collapse, the last one winning),
//!   otherwise the whole call is dropped. Then, per key in byte order, a key over 1024 bytes or
//!   a value whose compact JSON is over 262144 bytes is skipped alone; `null` is a delete.
//! - Order within a block: `(shard_id, receipt_index, action_index)` (the order the KV
//!   indexer reads its blobs in), then key byte order. All writes carry the block's height and
//!   nanosecond timestamp, and the receipt's `predecessor_id` is the writer.
//! - Malformed parts of a good block (an outcome or action that does not decode, args that
//!   are not base64) are skipped and counted in [`ExtractStats`]; the block is still applied.

use std::collections::BTreeMap;
use std::io;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use crate::block::{ActionObject, Block, Outcome, ReceiptEnum};

/// The one method name that is a KV write.
pub const KV_METHOD: &str = "__fastdata_kv";
/// More keys than this in one call drops the whole call.
pub const MAX_KEYS_PER_CALL: usize = 256;
/// A key longer than this many UTF-8 bytes is skipped.
pub const MAX_KEY_BYTES: usize = 1024;
/// A value whose compact JSON text is longer than this many bytes is skipped.
pub const MAX_VALUE_BYTES: usize = 262_144;

/// Where a write sits in its block. Ordered like the FastData indexer's stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// `shards[].shard_id`.
    pub shard_id: u64,
    /// Index of the receipt in its shard's `receipt_execution_outcomes` (all elements count).
    pub receipt_index: u64,
    /// Index of the action in the receipt's `actions` (all variants count).
    pub action_index: u64,
}

impl Position {
    /// FastData's `order_id`: `(shard_id * 100000 + receipt_index) * 1000 + action_index`
    /// (saturating; real positions are far below the bound). Every key of one call shares it.
    #[must_use]
    pub fn order_id(&self) -> u64 {
        self.shard_id
            .saturating_mul(100_000)
            .saturating_add(self.receipt_index)
            .saturating_mul(1000)
            .saturating_add(self.action_index)
    }
}

/// One key write of the configured namespace.
#[derive(Debug, Clone, PartialEq)]
pub struct Write {
    /// The writer: the receipt's `predecessor_id`.
    pub predecessor: String,
    /// The key.
    pub key: String,
    /// The value; `None` is a delete (the call wrote `null`).
    pub value: Option<Value>,
    /// Where the call sits in the block.
    pub position: Position,
    /// The receipt's `signer_id`.
    pub signer_id: String,
    /// The receipt id (base58).
    pub receipt_id: String,
    /// The originating transaction, when neardata knows it.
    pub tx_hash: Option<String>,
}

/// What extraction skipped or dropped in one block (all zero for a clean block).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExtractStats {
    /// Outcome elements that are not a readable `{receipt: {receipt_id, predecessor_id,
    /// receiver_id, receipt}}`, or whose `Action` body to the namespace does not decode.
    pub malformed_receipts: u64,
    /// Actions of a namespace receipt that are not a readable action (a `FunctionCall` without
    /// a string `method_name` and `args`, a non-object, non-string element).
    pub malformed_actions: u64,
    /// `__fastdata_kv` calls to the namespace seen (including dropped ones).
    pub calls: u64,
    /// Calls whose `args` are not standard base64 (upstream would stall on such a block).
    pub undecodable_args: u64,
    /// Calls dropped whole by the indexer's rules ([`CallDropped`]).
    pub dropped_calls: u64,
    /// Keys skipped alone ([`KeySkipped`]).
    pub skipped_keys: u64,
}

impl ExtractStats {
    /// Adds `other` into `self`.
    pub fn add(&mut self, other: &Self) {
        self.malformed_receipts += other.malformed_receipts;
        self.malformed_actions += other.malformed_actions;
        self.calls += other.calls;
        self.undecodable_args += other.undecodable_args;
        self.dropped_calls += other.dropped_calls;
        self.skipped_keys += other.skipped_keys;
    }
}

/// The writes of one block to one namespace, in the indexer's order.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockWrites {
    /// The block height.
    pub height: u64,
    /// The block time in nanoseconds (every write of the block has it).
    pub block_timestamp_ns: u64,
    /// The block hash.
    pub hash: String,
    /// The previous block's hash.
    pub prev_hash: String,
    /// The previous block's height, when the header has it.
    pub prev_height: Option<u64>,
    /// The writes, ordered by `(position, key)`.
    pub writes: Vec<Write>,
    /// What was skipped.
    pub stats: ExtractStats,
}

/// Why a whole `__fastdata_kv` call produced no rows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallDropped {
    /// The bytes are not one strict JSON value (invalid UTF-8, lone surrogate, trailing
    /// garbage, too deep, truncated).
    #[error("args are not valid JSON: {0}")]
    InvalidJson(String),
    /// Valid JSON whose top level is not an object.
    #[error("args are not a JSON object")]
    NotAnObject,
    /// More than [`MAX_KEYS_PER_CALL`] distinct keys.
    #[error("args have {count} keys, more than {MAX_KEYS_PER_CALL}")]
    TooManyKeys {
        /// Distinct keys in the object.
        count: usize,
    },
}

/// Why one key of a call was skipped (the rest of the call is kept).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeySkipped {
    /// The key is longer than [`MAX_KEY_BYTES`].
    #[error("key of {bytes} bytes is longer than {MAX_KEY_BYTES}")]
    KeyTooLong {
        /// Its UTF-8 length.
        bytes: usize,
    },
    /// The value's compact JSON is longer than [`MAX_VALUE_BYTES`].
    #[error("value of key {key:?} is {bytes} bytes of JSON, more than {MAX_VALUE_BYTES}")]
    ValueTooLarge {
        /// The key.
        key: String,
        /// Length of the value's compact JSON text.
        bytes: usize,
    },
}

/// The rows of one call's args.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedArgs {
    /// `(key, value)` in key byte order; `None` is a delete.
    pub entries: Vec<(String, Option<Value>)>,
    /// Keys skipped by the per-key limits.
    pub skipped: Vec<KeySkipped>,
}

/// Applies the KV indexer's rules to the raw (already base64-decoded) args of one call.
///
/// ```
/// use neardata_client::extract::{CallDropped, parse_args};
/// let rows = parse_args(br#"{"b":null,"a":{"y":1,"x":2}}"#).unwrap();
/// assert_eq!(rows.entries[0].0, "a");
/// assert_eq!(rows.entries[1], ("b".to_owned(), None));
/// assert_eq!(parse_args(b"[1]"), Err(CallDropped::NotAnObject));
/// ```
///
/// # Errors
///
/// [`CallDropped`] when the whole call produces no rows.
pub fn parse_args(bytes: &[u8]) -> Result<ParsedArgs, CallDropped> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| CallDropped::InvalidJson(e.to_string()))?;
    let Value::Object(map) = value else {
        return Err(CallDropped::NotAnObject);
    };
    if map.len() > MAX_KEYS_PER_CALL {
        return Err(CallDropped::TooManyKeys { count: map.len() });
    }
    // Key byte order whatever serde_json's map type (it is a BTreeMap without preserve_order).
    let sorted: BTreeMap<String, Value> = map.into_iter().collect();
    let mut out = ParsedArgs {
        entries: Vec::with_capacity(sorted.len()),
        skipped: Vec::new(),
    };
    for (key, mut value) in sorted {
        // Nested objects in key order too (the indexer's serde_json has no `preserve_order`),
        // whatever features another crate of the build turns on for serde_json.
        value.sort_all_objects();
        if key.len() > MAX_KEY_BYTES {
            out.skipped
                .push(KeySkipped::KeyTooLong { bytes: key.len() });
            continue;
        }
        let bytes = json_len(&value);
        if bytes > MAX_VALUE_BYTES {
            out.skipped.push(KeySkipped::ValueTooLarge { key, bytes });
            continue;
        }
        let value = if value.is_null() { None } else { Some(value) };
        out.entries.push((key, value));
    }
    Ok(out)
}

/// Length of `serde_json::to_string(value)` without building the string.
fn json_len(value: &Value) -> usize {
    struct Count(usize);
    impl io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Serialising a `Value` into a sink that never fails cannot fail.
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}

/// Extracts every `__fastdata_kv` write to `namespace` from `block`.
///
/// ```
/// use neardata_client::{Block, extract::extract};
/// let body = br#"{"block":{"header":{"height":7,"hash":"h7","prev_hash":"h6",
///   "timestamp":1764547200123456789}},"shards":[{"shard_id":0,"receipt_execution_outcomes":[
///   {"receipt":{"receipt_id":"r","predecessor_id":"alice.near","receiver_id":"contextual.near",
///    "receipt":{"Action":{"signer_id":"alice.near","actions":[{"FunctionCall":{
///    "method_name":"__fastdata_kv","args":"eyJhIjoxfQ==","gas":1,"deposit":"0"}}]}}},
///    "tx_hash":null}]}]}"#;
/// let block = Block::decode(body, 7).unwrap();
/// let out = extract(&block, "contextual.near");
/// assert_eq!(out.block_timestamp_ns, 1764547200123456789);
/// assert_eq!((out.writes[0].key.as_str(), out.writes[0].predecessor.as_str()), ("a", "alice.near"));
/// ```
#[must_use]
pub fn extract(block: &Block, namespace: &str) -> BlockWrites {
    let header = &block.block.header;
    let mut stats = ExtractStats::default();
    let mut calls: Vec<(Position, Vec<Write>)> = Vec::new();
    for shard in &block.shards {
        for (receipt_index, raw) in shard.receipt_execution_outcomes.iter().enumerate() {
            let Ok(outcome) = serde_json::from_str::<Outcome>(raw.get()) else {
                stats.malformed_receipts += 1;
                continue;
            };
            if outcome.receipt.receiver_id != namespace {
                continue;
            }
            let Ok(body) = serde_json::from_str::<ReceiptEnum>(outcome.receipt.receipt.get())
            else {
                stats.malformed_receipts += 1;
                continue;
            };
            let Some(action) = body.action else { continue };
            for (action_index, raw_action) in action.actions.iter().enumerate() {
                let text = raw_action.get();
                if text.starts_with('"') {
                    continue; // A unit variant such as "CreateAccount".
                }
                let Ok(object) = serde_json::from_str::<ActionObject>(text) else {
                    stats.malformed_actions += 1;
                    continue;
                };
                let Some(call) = object.function_call else {
                    continue;
                };
                if call.method_name != KV_METHOD {
                    continue;
                }
                stats.calls += 1;
                let Ok(bytes) = STANDARD.decode(call.args.as_bytes()) else {
                    stats.undecodable_args += 1;
                    continue;
                };
                let parsed = match parse_args(&bytes) {
                    Ok(parsed) => parsed,
                    Err(why) => {
                        tracing::warn!(
                            height = header.height,
                            receipt_id = %outcome.receipt.receipt_id,
                            %why,
                            "invalid Key-Value FastData call dropped"
                        );
                        stats.dropped_calls += 1;
                        continue;
                    }
                };
                stats.skipped_keys += parsed.skipped.len() as u64;
                let position = Position {
                    shard_id: shard.shard_id,
                    receipt_index: receipt_index as u64,
                    action_index: action_index as u64,
                };
                let writes = parsed
                    .entries
                    .into_iter()
                    .map(|(key, value)| Write {
                        predecessor: outcome.receipt.predecessor_id.clone(),
                        key,
                        value,
                        position,
                        signer_id: action.signer_id.clone(),
                        receipt_id: outcome.receipt.receipt_id.clone(),
                        tx_hash: outcome.tx_hash.clone(),
                    })
                    .collect();
                calls.push((position, writes));
            }
        }
    }
    // Stable: a (malformed) block repeating a shard id keeps array order among equals.
    calls.sort_by_key(|(position, _)| *position);
    BlockWrites {
        height: header.height,
        block_timestamp_ns: header.timestamp_ns(),
        hash: header.hash.clone(),
        prev_hash: header.prev_hash.clone(),
        prev_height: header.prev_height,
        writes: calls.into_iter().flat_map(|(_, w)| w).collect(),
        stats,
    }
}
