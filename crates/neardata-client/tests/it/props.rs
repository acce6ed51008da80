//! Property tests of extraction.

use neardata_client::extract::{CallDropped, MAX_KEY_BYTES, parse_args};
use neardata_client::{Block, extract};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use crate::support::{NS, block_json, kv_call, outcome, writes_of};

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        (-1e12f64..1e12).prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(".{0,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// An object of at most 256 short keys gives one row per key, in key byte order, with the
    /// value it wrote (`null` as a delete), as serde_json's default float parsing reads it back
    /// (the indexer's own, not bit-exact for every float).
    #[test]
    fn small_objects_round_trip(map in prop::collection::btree_map(".{0,20}", json_value(), 0..40)) {
        let args = Value::Object(map.clone().into_iter().collect::<Map<_, _>>());
        let parsed = parse_args(args.to_string().as_bytes()).unwrap();
        prop_assert!(parsed.skipped.is_empty());
        let expected: Vec<(String, Option<Value>)> = map
            .into_iter()
            .map(|(k, v)| {
                let v: Value = serde_json::from_str(&v.to_string()).unwrap();
                (k, if v.is_null() { None } else { Some(v) })
            })
            .collect();
        prop_assert_eq!(parsed.entries, expected);
    }

    /// More than 256 distinct keys drops the call whole, whatever the keys.
    #[test]
    fn more_than_256_keys_is_always_dropped(n in 257usize..600, long in any::<bool>()) {
        let m: Map<String, Value> = (0..n)
            .map(|i| (if long && i == 0 { "x".repeat(2000) } else { format!("k{i}") }, json!(i)))
            .collect();
        prop_assert_eq!(
            parse_args(Value::Object(m).to_string().as_bytes()),
            Err(CallDropped::TooManyKeys { count: n })
        );
    }

    /// Over-long keys are skipped one by one; every other key survives.
    #[test]
    fn long_keys_are_skipped_alone(lens in prop::collection::vec(1000usize..1100, 1..10)) {
        let m: Map<String, Value> = lens
            .iter()
            .enumerate()
            .map(|(i, len)| (format!("{i:04}{}", "é".repeat(len / 2)), json!(i)))
            .collect();
        let parsed = parse_args(Value::Object(m.clone()).to_string().as_bytes()).unwrap();
        let kept: Vec<&String> = m.keys().filter(|k| k.len() <= MAX_KEY_BYTES).collect();
        prop_assert_eq!(parsed.entries.iter().map(|(k, _)| k).collect::<Vec<_>>(), kept);
        prop_assert_eq!(parsed.entries.len() + parsed.skipped.len(), m.len());
    }

    /// Valid JSON that is not an object always drops the call.
    #[test]
    fn non_objects_are_dropped(v in json_value().prop_filter("not an object", |v| !v.is_object())) {
        prop_assert_eq!(parse_args(v.to_string().as_bytes()), Err(CallDropped::NotAnObject));
    }

    /// Arbitrary bytes never panic.
    #[test]
    fn arbitrary_args_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = parse_args(&bytes);
    }

    /// Calls spread over shards and receipts in any order come out sorted by position, each
    /// write with its own writer, and nothing of another namespace.
    #[test]
    fn block_order_and_attribution(
        shards in prop::collection::btree_map(0u64..20, prop::collection::vec((0u8..4, any::<bool>()), 0..6), 0..6),
        reverse in any::<bool>(),
    ) {
        let mut layout: Vec<(u64, Vec<Value>)> = Vec::new();
        let mut expected: Vec<(u64, u64, String)> = Vec::new();
        for (&shard, receipts) in &shards {
            let outcomes = receipts
                .iter()
                .enumerate()
                .map(|(i, &(writer, ours))| {
                    let pred = format!("w{writer}.near");
                    let args = json!({format!("s{shard}r{i}"): writer});
                    if ours {
                        expected.push((shard, i as u64, pred.clone()));
                        kv_call(&pred, "r", &args)
                    } else {
                        outcome(&pred, "elsewhere.near", "r", vec![crate::support::kv_action(&args)])
                    }
                })
                .collect();
            layout.push((shard, outcomes));
        }
        if reverse {
            layout.reverse();
        }
        let out = writes_of(&block_json(11, layout));
        let got: Vec<(u64, u64, String)> = out
            .writes
            .iter()
            .map(|w| (w.position.shard_id, w.position.receipt_index, w.predecessor.clone()))
            .collect();
        prop_assert_eq!(got, expected);
        for w in &out.writes {
            prop_assert_eq!(&w.key, &format!("s{}r{}", w.position.shard_id, w.position.receipt_index));
        }
    }

    /// Arbitrary JSON in place of outcomes never panics and never yields a write.
    #[test]
    fn junk_outcomes_never_panic(junk in prop::collection::vec(json_value(), 0..8)) {
        let doc = block_json(3, vec![(0, junk)]);
        let block = Block::decode(&serde_json::to_vec(&doc).unwrap(), 3).unwrap();
        prop_assert!(extract(&block, NS).writes.is_empty());
    }
}
