//! Ledger transactions rendered as neardata block documents.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::ledger::CommittedTx;

/// The method of every sandbox receipt.
const KV_METHOD: &str = "__fastdata_kv";
/// The author of every block and chunk.
const AUTHOR: &str = "sandbox.near";
/// Gas attached to every call (what custody attaches on chain).
const GAS: u64 = 30_000_000_000_000;

/// base58(sha256(label, parts...)) with length-prefixed parts.
fn synthetic(label: &[u8], parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    h.update(label);
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p);
    }
    bs58::encode(h.finalize()).into_string()
}

/// Hash of the block at `height` holding the transaction `tx_hash` (`""` for genesis).
pub(super) fn block_hash(height: u64, tx_hash: &str) -> String {
    synthetic(
        b"nearly-sandbox/neardata-block",
        &[&height.to_be_bytes(), tx_hash.as_bytes()],
    )
}

/// The genesis block (height 0): no chunks, one shard without outcomes.
pub(super) fn genesis() -> Value {
    let hash = block_hash(0, "");
    document(
        header(
            0,
            None,
            &hash,
            &synthetic(b"nearly-sandbox/neardata-pre-genesis", &[]),
            0,
        ),
        json!([]),
        json!([{"shard_id": 0, "chunk": null, "receipt_execution_outcomes": [], "state_changes": []}]),
    )
}

/// The block of one ledger transaction; `prev_hash` is the previous height's hash.
pub(super) fn block(tx: &CommittedTx, receipt_id: &str, prev_hash: &str) -> Value {
    let height = tx.block_height;
    let hash = block_hash(height, &tx.tx_hash);
    let chunk_hash = synthetic(b"nearly-sandbox/neardata-chunk", &[hash.as_bytes()]);
    let chunk_header = json!({
        "chunk_hash": chunk_hash,
        "prev_block_hash": prev_hash,
        "shard_id": 0,
        "height_created": height,
        "height_included": height,
    });
    let args: Map<String, Value> = tx
        .entries
        .iter()
        .map(|(k, v)| (k.clone(), v.clone().unwrap_or(Value::Null)))
        .collect();
    let args = STANDARD.encode(Value::Object(args).to_string());
    let public_key = format!(
        "ed25519:{}",
        synthetic(b"nearly-sandbox/neardata-key", &[tx.signer_id.as_bytes()])
    );
    let outcome = json!({
        "execution_outcome": {
            "proof": [],
            "block_hash": hash,
            "id": receipt_id,
            "outcome": {
                "logs": [],
                "receipt_ids": [],
                "gas_burnt": 2_428_000_000_000u64,
                "tokens_burnt": "242800000000000000000",
                "executor_id": tx.namespace,
                "status": {"SuccessValue": ""},
                "metadata": {"version": 3, "gas_profile": []},
            },
        },
        "receipt": {
            "predecessor_id": tx.predecessor,
            "receiver_id": tx.namespace,
            "receipt_id": receipt_id,
            "receipt": {"Action": {
                "signer_id": tx.signer_id,
                "signer_public_key": public_key,
                "gas_price": "100000000",
                "output_data_receivers": [],
                "input_data_ids": [],
                "actions": [{"FunctionCall": {
                    "method_name": KV_METHOD,
                    "args": args,
                    "gas": GAS,
                    "deposit": "0",
                }}],
                "is_promise_yield": false,
            }},
            "priority": 0,
        },
        "tx_hash": tx.tx_hash,
    });
    document(
        header(
            height,
            Some(height.saturating_sub(1)),
            &hash,
            prev_hash,
            tx.block_timestamp_ns,
        ),
        json!([chunk_header]),
        json!([{
            "shard_id": 0,
            "chunk": {"author": AUTHOR, "header": chunk_header, "transactions": [], "receipts": []},
            "receipt_execution_outcomes": [outcome],
            "state_changes": [],
        }]),
    )
}

fn header(height: u64, prev_height: Option<u64>, hash: &str, prev_hash: &str, ts: u64) -> Value {
    let mut header = json!({
        "height": height,
        "hash": hash,
        "prev_hash": prev_hash,
        "epoch_id": "11111111111111111111111111111111",
        "next_epoch_id": "11111111111111111111111111111111",
        "chunks_included": u64::from(height > 0),
        "timestamp": ts,
        "timestamp_nanosec": ts.to_string(),
        "gas_price": "100000000",
        "total_supply": "0",
    });
    if let (Some(prev), Some(map)) = (prev_height, header.as_object_mut()) {
        map.insert("prev_height".into(), json!(prev));
    }
    header
}

fn document(header: Value, chunks: Value, shards: Value) -> Value {
    json!({
        "block": {"author": AUTHOR, "header": header, "chunks": chunks},
        "shards": shards,
    })
}
