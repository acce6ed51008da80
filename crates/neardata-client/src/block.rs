//! The subset of the neardata block JSON a FastData tailer reads (`neardata.md` §2), as minimal
//! serde types. Unknown fields are ignored everywhere; per-receipt parts stay raw JSON until
//! [`crate::extract()`] looks at them, so one malformed receipt cannot spoil its block.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::NeardataError;

/// One final block as served by `GET /v0/block/{h}`: `{"block": {...}, "shards": [...]}`.
///
/// Decode it with [`Block::decode`], which also checks the height; serde alone accepts any
/// well-formed envelope.
#[derive(Debug, Clone, Deserialize)]
pub struct Block {
    /// The `block` part (only its header is read).
    pub block: BlockPart,
    /// One entry per shard, in the order neardata serves them.
    pub shards: Vec<Shard>,
}

/// The `block` part of a block document.
#[derive(Debug, Clone, Deserialize)]
pub struct BlockPart {
    /// The block header.
    pub header: BlockHeader,
}

/// The header fields the tailer reads (`neardata.md` §2.1).
#[derive(Debug, Clone, Deserialize)]
pub struct BlockHeader {
    /// The block height: the cursor.
    pub height: u64,
    /// Height of the previous block (absent on old blocks): shows skipped heights.
    #[serde(default)]
    pub prev_height: Option<u64>,
    /// The block hash (base58), for the chain check.
    pub hash: String,
    /// The previous block's hash (base58), for the chain check.
    pub prev_hash: String,
    /// Block time in nanoseconds, as a JSON number (what the FastData indexer reads).
    #[serde(default)]
    timestamp: Option<u64>,
    /// The same time as a decimal string; used only when `timestamp` is absent.
    #[serde(default)]
    timestamp_nanosec: Option<String>,
}

impl BlockHeader {
    /// The block time in nanoseconds: `timestamp`, else `timestamp_nanosec` parsed as `u64`.
    /// [`Block::decode`] guarantees one of them is present and valid.
    #[must_use]
    pub fn timestamp_ns(&self) -> u64 {
        self.timestamp
            .or_else(|| self.timestamp_nanosec.as_deref()?.parse().ok())
            .unwrap_or(0)
    }

    fn check_timestamp(&self) -> Result<(), String> {
        match (&self.timestamp, &self.timestamp_nanosec) {
            (Some(_), _) => Ok(()),
            (None, Some(text)) => text
                .parse::<u64>()
                .map(|_| ())
                .map_err(|e| format!("header.timestamp_nanosec {text:?} is not a u64: {e}")),
            (None, None) => Err("header has neither timestamp nor timestamp_nanosec".into()),
        }
    }
}

/// One `shards[]` entry. `chunk` and `state_changes` are not read.
#[derive(Debug, Clone, Deserialize)]
pub struct Shard {
    /// The shard id (part of `order_id`).
    pub shard_id: u64,
    /// The shard's receipt execution outcomes in execution order, each kept as raw JSON: the
    /// array index is `receipt_index`, and an element that does not decode is skipped (and
    /// counted) by [`crate::extract()`] without affecting the others.
    pub receipt_execution_outcomes: Vec<Box<RawValue>>,
}

impl Block {
    /// Decodes a `GET /v0/block/{h}` body (not the literal `null`: that is a skipped height,
    /// which the client reports before decoding) and checks that it is the block at
    /// `expected_height`.
    ///
    /// # Errors
    ///
    /// [`NeardataError::MalformedBlock`] when the body is not the documented envelope (not JSON,
    /// missing header fields, no usable timestamp, `shards` not an array of shards), or its
    /// height is not `expected_height`. Such a block is retried, never skipped.
    pub fn decode(bytes: &[u8], expected_height: u64) -> Result<Self, NeardataError> {
        let malformed = |reason: String| NeardataError::MalformedBlock {
            height: expected_height,
            reason,
        };
        let block: Self = serde_json::from_slice(bytes).map_err(|e| malformed(e.to_string()))?;
        block.block.header.check_timestamp().map_err(malformed)?;
        let height = block.block.header.height;
        if height != expected_height {
            return Err(malformed(format!(
                "asked for height {expected_height}, got a block at height {height}"
            )));
        }
        Ok(block)
    }

    /// The block height.
    #[must_use]
    pub fn height(&self) -> u64 {
        self.block.header.height
    }

    /// The block hash.
    #[must_use]
    pub fn hash(&self) -> &str {
        &self.block.header.hash
    }
}

/// One element of `receipt_execution_outcomes`, the part [`crate::extract()`] reads.
#[derive(Debug, Deserialize)]
pub(crate) struct Outcome {
    pub(crate) receipt: Receipt,
    #[serde(default)]
    pub(crate) tx_hash: Option<String>,
}

/// `receipt`: ids and accounts; the enum body stays raw until the receiver matches.
#[derive(Debug, Deserialize)]
pub(crate) struct Receipt {
    pub(crate) receipt_id: String,
    pub(crate) predecessor_id: String,
    pub(crate) receiver_id: String,
    pub(crate) receipt: Box<RawValue>,
}

/// `receipt.receipt`, an externally tagged enum: only `Action` counts; `Data` and any newer
/// variant leave this `None`.
#[derive(Debug, Deserialize)]
pub(crate) struct ReceiptEnum {
    #[serde(rename = "Action", default)]
    pub(crate) action: Option<ActionReceipt>,
}

/// `receipt.receipt.Action`.
#[derive(Debug, Deserialize)]
pub(crate) struct ActionReceipt {
    pub(crate) signer_id: String,
    /// Each action raw: a bare string (unit variant) or a one-key object.
    pub(crate) actions: Vec<Box<RawValue>>,
}

/// One action object; only `FunctionCall` is read (`Delegate` is deliberately not unpacked).
#[derive(Debug, Deserialize)]
pub(crate) struct ActionObject {
    #[serde(rename = "FunctionCall", default)]
    pub(crate) function_call: Option<FunctionCall>,
}

/// `FunctionCall` without `gas` and `deposit` (their JSON type varies; not needed).
#[derive(Debug, Deserialize)]
pub(crate) struct FunctionCall {
    pub(crate) method_name: String,
    /// Standard base64 with padding of the raw argument bytes.
    pub(crate) args: String,
}
