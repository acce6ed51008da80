//! Block builders: neardata JSON shaped like `neardata.md` §2, written by hand from the spec.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

pub(crate) const NS: &str = "contextual.near";
/// Above 2^53, with low digits an f64 would lose.
pub(crate) const T0: u64 = 1_764_547_200_123_456_789;

/// Hash of block `h` in the test chains.
pub(crate) fn hash(h: u64) -> String {
    format!("hash{h}")
}

/// A `__fastdata_kv` FunctionCall action with these raw args bytes.
pub(crate) fn kv_action_raw(args: &[u8]) -> Value {
    json!({"FunctionCall": {"method_name": "__fastdata_kv", "args": STANDARD.encode(args),
        "gas": 30_000_000_000_000u64, "deposit": "0"}})
}

/// A `__fastdata_kv` FunctionCall action with these args.
pub(crate) fn kv_action(args: &Value) -> Value {
    kv_action_raw(args.to_string().as_bytes())
}

/// One receipt execution outcome: an Action receipt from `pred` to `receiver`.
pub(crate) fn outcome(pred: &str, receiver: &str, receipt_id: &str, actions: Vec<Value>) -> Value {
    json!({
        "execution_outcome": {"proof": [], "block_hash": "x", "id": receipt_id,
            "outcome": {"logs": [], "receipt_ids": [], "gas_burnt": 1, "tokens_burnt": "0",
                "executor_id": receiver, "status": {"SuccessValue": ""},
                "metadata": {"version": 3, "gas_profile": []}}},
        "receipt": {"predecessor_id": pred, "receiver_id": receiver, "receipt_id": receipt_id,
            "receipt": {"Action": {"signer_id": pred, "signer_public_key": "ed25519:x",
                "gas_price": "1", "output_data_receivers": [], "input_data_ids": [],
                "actions": actions, "is_promise_yield": false}},
            "priority": 0},
        "tx_hash": format!("tx-{receipt_id}"),
    })
}

/// One `__fastdata_kv` call from `pred` to the namespace.
pub(crate) fn kv_call(pred: &str, receipt_id: &str, args: &Value) -> Value {
    outcome(pred, NS, receipt_id, vec![kv_action(args)])
}

/// A block document at `height` (previous block `height - 1`), shards `(id, outcomes)`.
pub(crate) fn block_json(height: u64, shards: Vec<(u64, Vec<Value>)>) -> Value {
    json!({
        "block": {"author": "v.near", "header": {
            "height": height, "prev_height": height - 1, "hash": hash(height),
            "prev_hash": hash(height - 1), "timestamp": T0 + height,
            "timestamp_nanosec": (T0 + height).to_string()}, "chunks": []},
        "shards": shards.into_iter().map(|(id, outcomes)| json!({
            "shard_id": id, "chunk": null, "receipt_execution_outcomes": outcomes,
            "state_changes": []})).collect::<Vec<_>>(),
    })
}

/// [`block_json`] as bytes.
pub(crate) fn block_bytes(height: u64, shards: Vec<(u64, Vec<Value>)>) -> Vec<u8> {
    serde_json::to_vec(&block_json(height, shards)).unwrap()
}

/// Decodes and extracts for the namespace.
pub(crate) fn writes_of(doc: &Value) -> neardata_client::BlockWrites {
    let bytes = serde_json::to_vec(doc).unwrap();
    let height = doc["block"]["header"]["height"].as_u64().unwrap();
    let block = neardata_client::Block::decode(&bytes, height).unwrap();
    neardata_client::extract(&block, NS)
}

/// `(key, value text)` of each write; a delete is the text `null`.
pub(crate) fn rows(w: &neardata_client::BlockWrites) -> Vec<(String, String)> {
    w.writes
        .iter()
        .map(|w| {
            let text = w
                .value
                .as_ref()
                .map_or_else(|| "null".to_owned(), Value::to_string);
            (w.key.clone(), text)
        })
        .collect()
}
