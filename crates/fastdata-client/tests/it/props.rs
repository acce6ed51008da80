//! Property tests: batch splitting and tolerant decoding.

use std::collections::BTreeMap;

use fastdata_client::KvEntry;
use fastdata_client::envelope::{MAX_KEYS_PER_TX, WriteBatch};
use fastdata_client::wire::{ListResponse, MultiResponse};
use proptest::prelude::*;
use serde_json::{Value, json};

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("entries".to_owned()),
                    Just("page_token".to_owned()),
                    Just("value".to_owned()),
                    Just("key".to_owned()),
                    Just("block_timestamp".to_owned()),
                    "[a-z_]{1,8}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A plausible entry with arbitrary field values, so decoding gets past the outer shape.
fn arb_entryish() -> impl Strategy<Value = Value> {
    (
        arb_json(),
        arb_json(),
        any::<u64>(),
        ".{0,8}",
        prop::option::of(arb_json()),
    )
        .prop_map(|(value, extra, ts, key, token)| {
            let mut entry = json!({"predecessor_id": "a.near", "current_account_id": "ns.near",
                "block_height": 1, "block_timestamp": ts, "key": key, "value": value, "x": extra});
            if ts % 3 == 0 {
                entry["block_height"] = extra;
            }
            json!({"entries": [entry], "page_token": token})
        })
}

fn decode_list(text: &str) {
    if let Ok(list) = serde_json::from_str::<ListResponse>(text) {
        for e in list.entries {
            let _ = KvEntry::from_wire(e);
        }
    }
    if let Ok(multi) = serde_json::from_str::<MultiResponse>(text) {
        for e in multi.entries.into_iter().flatten() {
            let _ = KvEntry::from_wire(e);
        }
    }
}

proptest! {
    // Few cases of many writes: each case crosses several 256-key boundaries, with duplicates.
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn splitting_keeps_every_key_once_with_the_last_value(
        writes in prop::collection::vec((0u16..700, prop::option::of(0u32..5)), 0..1000)
    ) {
        let mut batch = WriteBatch::new();
        let mut expected = BTreeMap::new();
        for (n, value) in writes {
            let key = format!("k/{n}");
            let value = value.map_or(Value::Null, |v| json!(v));
            batch.set(key.clone(), value.clone()).unwrap();
            expected.insert(key, value);
        }
        let txs = batch.into_transactions();
        prop_assert_eq!(txs.len(), expected.len().div_ceil(MAX_KEYS_PER_TX));
        let mut union = BTreeMap::new();
        for tx in txs {
            prop_assert!(!tx.is_empty() && tx.len() <= MAX_KEYS_PER_TX);
            for (k, v) in tx {
                prop_assert!(union.insert(k, v).is_none(), "a key appeared twice");
            }
        }
        prop_assert_eq!(union, expected);
    }
}

proptest! {
    #[test]
    fn decoding_arbitrary_json_never_panics(v in arb_json()) {
        decode_list(&v.to_string());
    }

    #[test]
    fn decoding_entry_shaped_json_never_panics(v in arb_entryish()) {
        decode_list(&v.to_string());
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = serde_json::from_slice::<ListResponse>(&bytes);
        let _ = serde_json::from_slice::<MultiResponse>(&bytes);
    }
}
