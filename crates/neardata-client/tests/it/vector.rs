//! The spec's synthetic block (`neardata-vector.json`, `neardata.md` §5) decodes to exactly the
//! rows it lists, and every `arg_variants` entry gives its expected rows.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use neardata_client::{Block, BlockWrites, extract};
use serde_json::{Value, json};

use crate::support::rows;

fn vector() -> Value {
    let manifest = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let text =
        std::fs::read_to_string(manifest.join("tests/vectors/neardata-vector.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn decode(doc: &Value) -> Block {
    let bytes = serde_json::to_vec(doc).unwrap();
    Block::decode(&bytes, 180_000_123).unwrap()
}

#[test]
fn copy_matches_the_shared_spec_when_present() {
    let manifest = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let shared = manifest.join("../../../shared/spec/neardata-vector.json");
    let Ok(original) = std::fs::read_to_string(&shared) else {
        return;
    };
    let original: Value = serde_json::from_str(&original).unwrap();
    assert_eq!(vector(), original);
}

fn as_rows(out: &BlockWrites, ns: &str) -> Vec<Value> {
    out.writes
        .iter()
        .map(|w| {
            json!({
                "current_account_id": ns,
                "predecessor_id": w.predecessor,
                "block_height": out.height,
                "block_timestamp": out.block_timestamp_ns,
                "receipt_id": w.receipt_id,
                "action_index": w.position.action_index,
                "tx_hash": w.tx_hash,
                "signer_id": w.signer_id,
                "shard_id": w.position.shard_id,
                "receipt_index": w.position.receipt_index,
                "order_id": w.position.order_id(),
                "key": w.key,
                "value_text": w.value.as_ref().map_or_else(|| "null".to_owned(), Value::to_string),
            })
        })
        .collect()
}

#[test]
fn the_vector_block_gives_exactly_the_expected_rows() {
    let v = vector();
    let block = decode(&v["block"]);
    let ns = v["namespace"].as_str().unwrap();
    let out = extract(&block, ns);
    assert_eq!(Value::Array(as_rows(&out, ns)), v["expected_rows"]);
    // The exact u64 timestamp (above 2^53), the chain-check fields, and a clean block.
    assert_eq!(out.block_timestamp_ns, 1_764_547_200_123_456_789);
    assert_eq!(out.prev_height, Some(180_000_121));
    assert_eq!(out.prev_hash, v["previous_block"]["hash"].as_str().unwrap());
    assert_eq!(out.stats.calls, 1);
    assert_eq!(out.stats.malformed_receipts, 0);
}

#[test]
fn the_other_namespace_row_exists_but_is_not_ours() {
    let v = vector();
    let block = decode(&v["block"]);
    let out = extract(&block, "other.near");
    let ignored = &v["other_namespace_rows_ignored"][0];
    assert_eq!(out.writes.len(), 1);
    let w = &out.writes[0];
    assert_eq!(w.predecessor, ignored["predecessor_id"].as_str().unwrap());
    assert_eq!(w.key, ignored["key"].as_str().unwrap());
    assert_eq!(
        w.value.as_ref().unwrap().to_string(),
        ignored["value_text"].as_str().unwrap()
    );
    assert_eq!(w.position.order_id(), ignored["order_id"].as_u64().unwrap());
    // And none of it leaks into contextual.near.
    let ours = extract(&block, "contextual.near");
    assert!(ours.writes.iter().all(|w| w.predecessor == "alice.near"));
}

/// The args of a generated variant (`args_gen` in the vector), by name.
fn generated(name: &str) -> Vec<u8> {
    let keys = |n: usize| {
        let m: serde_json::Map<String, Value> = (0..n)
            .map(|i| (format!("k{i:03}"), Value::Bool(true)))
            .collect();
        Value::Object(m).to_string().into_bytes()
    };
    let nested = |arrays: usize| {
        format!("{{\"d\":{}{}}}", "[".repeat(arrays), "]".repeat(arrays)).into_bytes()
    };
    match name {
        "256_keys_kept" => keys(256),
        "257_keys_dropped_whole" => keys(257),
        "key_1024_bytes_kept" => json!({"x".repeat(1024): 1, "ok": 1})
            .to_string()
            .into_bytes(),
        "key_1025_bytes_skipped" => json!({"x".repeat(1025): 1, "ok": 1})
            .to_string()
            .into_bytes(),
        "key_utf8_bytes_counted" => json!({"é".repeat(513): 1, "ok": 1})
            .to_string()
            .into_bytes(),
        "value_262144_bytes_kept" => json!({"v": "a".repeat(262_142)}).to_string().into_bytes(),
        "value_262145_bytes_skipped_upstream" => json!({"v": "a".repeat(262_143), "ok": 1})
            .to_string()
            .into_bytes(),
        "depth_127_ok" => nested(126),
        "depth_128_dropped" => nested(127),
        other => panic!("no generator for {other}"),
    }
}

/// The block of the vector with outcome 1's args replaced.
fn with_args(v: &Value, args: &[u8]) -> BlockWrites {
    let mut doc = v["block"].clone();
    doc["shards"][1]["receipt_execution_outcomes"][1]["receipt"]["receipt"]["Action"]["actions"]
        [0]["FunctionCall"]["args"] = Value::String(STANDARD.encode(args));
    extract(&decode(&doc), v["namespace"].as_str().unwrap())
}

#[test]
fn every_args_variant_gives_its_expected_rows() {
    let v = vector();
    let variants = v["arg_variants"].as_array().unwrap();
    assert_eq!(
        variants.len(),
        23,
        "a variant was added to the spec: cover it"
    );
    for variant in variants {
        let name = variant["name"].as_str().unwrap();
        let args = match (variant.get("args_base64"), variant.get("args_text")) {
            (Some(b64), text) => {
                let bytes = STANDARD.decode(b64.as_str().unwrap()).unwrap();
                if let Some(text) = text {
                    assert_eq!(
                        bytes,
                        text.as_str().unwrap().as_bytes(),
                        "{name}: text vs base64"
                    );
                }
                bytes
            }
            (None, _) => generated(name),
        };
        let out = with_args(&v, &args);
        let got = rows(&out);
        match &variant["expect"] {
            Value::String(s) if s == "dropped" || s.starts_with("dropped ") => {
                assert!(got.is_empty(), "{name}: {got:?}");
                assert_eq!(out.stats.dropped_calls, 1, "{name}");
            }
            Value::Array(expected) => {
                let expected: Vec<(String, String)> = expected
                    .iter()
                    .map(|e| {
                        (
                            e["key"].as_str().unwrap().to_owned(),
                            e["value_text"].as_str().unwrap().to_owned(),
                        )
                    })
                    .collect();
                assert_eq!(got, expected, "{name}");
                assert_eq!(out.stats.dropped_calls, 0, "{name}");
            }
            Value::String(s) => {
                let keys: Vec<&str> = got.iter().map(|(k, _)| k.as_str()).collect();
                match name {
                    "256_keys_kept" => {
                        assert_eq!(s, "256 rows, value_text true");
                        assert_eq!(got.len(), 256);
                        assert!(got.iter().all(|(_, v)| v == "true"));
                    }
                    "key_1024_bytes_kept" => {
                        assert_eq!(got.len(), 2, "{name}");
                        assert!(keys.contains(&"x".repeat(1024).as_str()));
                    }
                    "key_1025_bytes_skipped" | "key_utf8_bytes_counted" => {
                        assert_eq!(keys, ["ok"], "{name}");
                        assert_eq!(out.stats.skipped_keys, 1, "{name}");
                    }
                    "value_262144_bytes_kept" => {
                        assert_eq!(keys, ["v"]);
                        assert_eq!(got[0].1.len(), 262_144);
                    }
                    "value_262145_bytes_skipped_upstream" => {
                        assert_eq!(keys, ["ok"]);
                        assert_eq!(out.stats.skipped_keys, 1);
                    }
                    "depth_127_ok" => assert_eq!(keys, ["d"]),
                    other => panic!("unhandled expectation {s:?} for {other}"),
                }
            }
            other => panic!("{name}: unknown expect {other}"),
        }
    }
}
