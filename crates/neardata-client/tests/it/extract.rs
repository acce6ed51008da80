//! Every extraction rule of `neardata.md` §2-§3, one test each.

use neardata_client::extract::{CallDropped, KeySkipped, parse_args};
use neardata_client::{Block, NeardataError, Position};
use serde_json::{Value, json};

use crate::support::{
    NS, T0, block_json, kv_action, kv_action_raw, kv_call, outcome, rows, writes_of,
};

#[test]
fn only_action_receipts_count_and_every_outcome_takes_a_receipt_index() {
    let mut data = kv_call("alice.near", "r0", &json!({"x": 1}));
    data["receipt"]["receipt"] = json!({"Data": {"data_id": "d", "data": null}});
    let mut global = kv_call("alice.near", "r1", &json!({"x": 2}));
    global["receipt"]["receipt"] = json!({"GlobalContractDistribution": {"id": 1}});
    let good = kv_call("alice.near", "r2", &json!({"a": 1}));
    let out = writes_of(&block_json(5, vec![(3, vec![data, global, good])]));
    assert_eq!(rows(&out), [("a".into(), "1".into())]);
    assert_eq!(out.writes[0].position.receipt_index, 2);
    assert_eq!(out.writes[0].position.order_id(), 300_002_000);
    assert_eq!(out.stats.malformed_receipts, 0);
}

#[test]
fn only_the_exact_method_name_is_a_kv_write() {
    let action = |m: &str| json!({"FunctionCall": {"method_name": m, "args": "eyJhIjoxfQ==", "gas": "30", "deposit": "0"}});
    let actions = [
        "__fastdata_kvx",
        "__fastdata_KV",
        "__fastdata_",
        "fastdata_kv",
        "__fastdata_kv",
    ]
    .map(action)
    .to_vec();
    let out = writes_of(&block_json(
        5,
        vec![(0, vec![outcome("alice.near", NS, "r", actions)])],
    ));
    assert_eq!(rows(&out), [("a".into(), "1".into())]);
    // Every action, of whatever name or variant, takes its place in action_index.
    assert_eq!(out.writes[0].position.action_index, 4);
    assert_eq!(out.stats.calls, 1);
}

#[test]
fn unit_and_other_variants_take_an_action_index() {
    let actions = vec![
        json!("CreateAccount"),
        json!({"Transfer": {"deposit": "1"}}),
        json!({"UseGlobalContract": {"whatever": true}}),
        kv_action(&json!({"k": "v"})),
    ];
    let out = writes_of(&block_json(
        5,
        vec![(0, vec![outcome("alice.near", NS, "r", actions)])],
    ));
    assert_eq!(out.writes.len(), 1);
    assert_eq!(out.writes[0].position.action_index, 3);
    assert_eq!(out.stats.malformed_actions, 0);
}

#[test]
fn delegate_actions_are_not_unpacked() {
    let inner = kv_action(&json!({"a": 1}));
    let delegate = json!({"Delegate": {"delegate_action": {"sender_id": "user.near",
        "receiver_id": NS, "actions": [inner], "nonce": 1, "max_block_height": 9,
        "public_key": "ed25519:x"}, "signature": "ed25519:y"}});
    let out = writes_of(&block_json(
        5,
        vec![(0, vec![outcome("relayer.near", NS, "r", vec![delegate])])],
    ));
    assert!(out.writes.is_empty());
    assert_eq!(out.stats.calls, 0);
}

#[test]
fn the_predecessor_is_the_writer_not_the_signer() {
    // The receipt a successful delegate action spawns: predecessor = the user, signer = relayer.
    let mut o = kv_call("user.near", "r", &json!({"a": 1}));
    o["receipt"]["receipt"]["Action"]["signer_id"] = json!("relayer.near");
    let out = writes_of(&block_json(5, vec![(0, vec![o])]));
    assert_eq!(out.writes[0].predecessor, "user.near");
    assert_eq!(out.writes[0].signer_id, "relayer.near");
}

#[test]
fn the_receiver_must_be_the_namespace_exactly() {
    let outcomes = vec![
        outcome(
            "alice.near",
            "contextual.near.x",
            "r0",
            vec![kv_action(&json!({"a": 1}))],
        ),
        outcome(
            "alice.near",
            "x.contextual.near",
            "r1",
            vec![kv_action(&json!({"a": 2}))],
        ),
        outcome(
            "alice.near",
            "Contextual.near",
            "r2",
            vec![kv_action(&json!({"a": 3}))],
        ),
        kv_call("alice.near", "r3", &json!({"a": 4})),
    ];
    let out = writes_of(&block_json(5, vec![(0, outcomes)]));
    assert_eq!(rows(&out), [("a".into(), "4".into())]);
}

#[test]
fn the_execution_status_is_never_read() {
    let mut failed = kv_call("alice.near", "r", &json!({"a": 1}));
    failed["execution_outcome"]["outcome"]["status"] = json!({"Failure": {"ActionError": {"index": 0, "kind": {"FunctionCallError": {"MethodResolveError": "MethodNotFound"}}}}});
    let mut unknown = kv_call("bob.near", "s", &json!({"b": 1}));
    unknown["execution_outcome"]["outcome"]["status"] = json!("Unknown");
    let out = writes_of(&block_json(5, vec![(0, vec![failed, unknown])]));
    assert_eq!(
        rows(&out),
        [("a".into(), "1".into()), ("b".into(), "1".into())]
    );
}

#[test]
fn null_is_a_delete_and_values_keep_their_type() {
    let out = writes_of(&block_json(
        5,
        vec![(
            0,
            vec![kv_call(
                "alice.near",
                "r",
                &json!({"graph/follow/bob.near": null, "profile": {"name": "A"}, "n": 0, "s": "", "f": false}),
            )],
        )],
    ));
    let by_key = |k: &str| {
        out.writes
            .iter()
            .find(|w| w.key == k)
            .unwrap()
            .value
            .clone()
    };
    assert_eq!(by_key("graph/follow/bob.near"), None);
    assert_eq!(by_key("profile"), Some(json!({"name": "A"})));
    assert_eq!(by_key("n"), Some(json!(0)));
    assert_eq!(by_key("s"), Some(json!("")));
    assert_eq!(by_key("f"), Some(json!(false)));
}

#[test]
fn several_calls_in_one_block_come_in_shard_receipt_action_then_key_order() {
    // Shards served out of id order; two calls in one receipt; keys written unsorted.
    let two = outcome(
        "carol.near",
        NS,
        "c",
        vec![
            kv_action(&json!({"z": 1, "y": 1})),
            json!("CreateAccount"),
            kv_action(&json!({"x": 1})),
        ],
    );
    let doc = block_json(
        9,
        vec![
            (7, vec![kv_call("bob.near", "b0", &json!({"b": 1})), two]),
            (
                2,
                vec![
                    json!({"not": "an outcome"}),
                    kv_call("alice.near", "a1", &json!({"a": 1, "A": 1})),
                ],
            ),
            (5, vec![]),
        ],
    );
    let out = writes_of(&doc);
    let got: Vec<(&str, &str, u64)> = out
        .writes
        .iter()
        .map(|w| {
            (
                w.predecessor.as_str(),
                w.key.as_str(),
                w.position.order_id(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("alice.near", "A", 200_001_000),
            ("alice.near", "a", 200_001_000),
            ("bob.near", "b", 700_000_000),
            ("carol.near", "y", 700_001_000),
            ("carol.near", "z", 700_001_000),
            ("carol.near", "x", 700_001_002),
        ]
    );
    assert!(
        out.writes
            .windows(2)
            .all(|w| w[0].position <= w[1].position)
    );
    assert_eq!(out.stats.malformed_receipts, 1);
    assert_eq!(out.stats.calls, 4);
    // Every write carries the block's nanosecond time via the block.
    assert_eq!(out.block_timestamp_ns, T0 + 9);
}

#[test]
fn malformed_receipts_are_skipped_and_counted_the_rest_of_the_block_is_kept() {
    let no_receipt_id = {
        let mut o = kv_call("alice.near", "r", &json!({"lost": 1}));
        o["receipt"].as_object_mut().unwrap().remove("receipt_id");
        o
    };
    let actions_not_array = {
        let mut o = kv_call("alice.near", "r", &json!({"lost": 1}));
        o["receipt"]["receipt"]["Action"]["actions"] = json!({"FunctionCall": {}});
        o
    };
    let bad_action = outcome(
        "alice.near",
        NS,
        "r",
        vec![
            json!({"FunctionCall": {"method_name": "__fastdata_kv"}}),
            json!(7),
            kv_action(&json!({"kept": 1})),
        ],
    );
    let bad_base64 = outcome(
        "alice.near",
        NS,
        "r",
        vec![json!({"FunctionCall": {
        "method_name": "__fastdata_kv", "args": "not base64!", "gas": 1, "deposit": "0"}})],
    );
    let unpadded = outcome(
        "alice.near",
        NS,
        "r",
        vec![json!({"FunctionCall": {
        "method_name": "__fastdata_kv", "args": "eyJhIjoxfQ", "gas": 1, "deposit": "0"}})],
    );
    let doc = block_json(
        5,
        vec![(
            0,
            vec![
                json!(null),
                json!("x"),
                no_receipt_id,
                actions_not_array,
                bad_action,
                bad_base64,
                unpadded,
                kv_call("bob.near", "ok", &json!({"b": 1})),
            ],
        )],
    );
    let out = writes_of(&doc);
    assert_eq!(
        rows(&out),
        [("kept".into(), "1".into()), ("b".into(), "1".into())]
    );
    assert_eq!(out.writes[1].position.receipt_index, 7);
    assert_eq!(out.stats.malformed_receipts, 4);
    assert_eq!(out.stats.malformed_actions, 2);
    assert_eq!(out.stats.undecodable_args, 2);
}

#[test]
fn tx_hash_may_be_null_or_absent() {
    let mut a = kv_call("alice.near", "r", &json!({"a": 1}));
    a["tx_hash"] = Value::Null;
    let mut b = kv_call("bob.near", "s", &json!({"b": 1}));
    b.as_object_mut().unwrap().remove("tx_hash");
    let out = writes_of(&block_json(5, vec![(0, vec![a, b])]));
    assert!(out.writes.iter().all(|w| w.tx_hash.is_none()));
    assert_eq!(out.writes.len(), 2);
}

#[test]
fn the_gas_field_may_be_a_string_or_a_number_or_absent() {
    let actions = vec![
        json!({"FunctionCall": {"method_name": "__fastdata_kv", "args": "eyJhIjoxfQ==", "gas": "30000000000000", "deposit": "0"}}),
        json!({"FunctionCall": {"method_name": "__fastdata_kv", "args": "eyJiIjoxfQ=="}}),
    ];
    let out = writes_of(&block_json(
        5,
        vec![(0, vec![outcome("alice.near", NS, "r", actions)])],
    ));
    assert_eq!(out.writes.len(), 2);
}

#[test]
fn args_rules() {
    assert!(
        parse_args(b"{\"a\":1")
            .unwrap_err()
            .to_string()
            .contains("not valid JSON")
    );
    assert_eq!(parse_args(b"null"), Err(CallDropped::NotAnObject));
    assert_eq!(parse_args(b"1"), Err(CallDropped::NotAnObject));
    assert!(matches!(
        parse_args(b"{\"a\":1}{}"),
        Err(CallDropped::InvalidJson(_))
    ));
    assert!(
        matches!(
            parse_args(b"\xef\xbb\xbf{}"),
            Err(CallDropped::InvalidJson(_))
        ),
        "a BOM is not whitespace"
    );
    assert!(parse_args(b" \t\r\n{}\n ").unwrap().entries.is_empty());
    let long = parse_args(format!("{{\"{}\":1,\"k\":2}}", "k".repeat(1025)).as_bytes()).unwrap();
    assert_eq!(long.skipped, [KeySkipped::KeyTooLong { bytes: 1025 }]);
    assert_eq!(long.entries, [("k".to_owned(), Some(json!(2)))]);
    let big = parse_args(json!({"v": "a".repeat(262_143)}).to_string().as_bytes()).unwrap();
    assert_eq!(
        big.skipped,
        [KeySkipped::ValueTooLarge {
            key: "v".into(),
            bytes: 262_145
        }]
    );
    let keys: serde_json::Map<String, Value> =
        (0..257).map(|i| (i.to_string(), json!(1))).collect();
    assert_eq!(
        parse_args(Value::Object(keys).to_string().as_bytes()),
        Err(CallDropped::TooManyKeys { count: 257 })
    );
    // Duplicates collapse before the count: 257 pairs with one duplicate is 256 keys.
    let mut text = String::from("{");
    for i in 0..256 {
        text.push_str(&format!("\"k{i}\":1,"));
    }
    text.push_str("\"k0\":2}");
    let dup = parse_args(text.as_bytes()).unwrap();
    assert_eq!(dup.entries.len(), 256);
    assert!(dup.entries.contains(&("k0".to_owned(), Some(json!(2)))));
}

#[test]
fn a_257_key_call_is_dropped_whole_and_counted_inside_a_kept_block() {
    let keys: serde_json::Map<String, Value> =
        (0..257).map(|i| (format!("k{i}"), json!(1))).collect();
    let out = writes_of(&block_json(
        5,
        vec![(
            0,
            vec![
                kv_call("alice.near", "r", &Value::Object(keys)),
                kv_call("bob.near", "s", &json!({"b": 1})),
            ],
        )],
    ));
    assert_eq!(rows(&out), [("b".into(), "1".into())]);
    assert_eq!(out.stats.dropped_calls, 1);
}

#[test]
fn raw_args_bytes_are_what_is_parsed() {
    let out = writes_of(&block_json(
        5,
        vec![(
            0,
            vec![outcome(
                "alice.near",
                NS,
                "r",
                vec![kv_action_raw(b"{\"n\":1.50,\"e\":1e2}")],
            )],
        )],
    ));
    assert_eq!(
        rows(&out),
        [("e".into(), "100.0".into()), ("n".into(), "1.5".into())]
    );
}

#[test]
fn block_decoding_checks_the_envelope() {
    let good = block_json(5, vec![]);
    let decode = |doc: &Value, h| Block::decode(&serde_json::to_vec(doc).unwrap(), h);
    assert_eq!(decode(&good, 5).unwrap().height(), 5);
    let err = decode(&good, 6).unwrap_err();
    assert!(
        matches!(err, NeardataError::MalformedBlock { height: 6, .. }),
        "{err}"
    );
    let mut no_ts = good.clone();
    no_ts["block"]["header"]
        .as_object_mut()
        .unwrap()
        .remove("timestamp");
    // timestamp_nanosec alone is enough, and exact.
    let b = decode(&no_ts, 5).unwrap();
    assert_eq!(b.block.header.timestamp_ns(), T0 + 5);
    no_ts["block"]["header"]
        .as_object_mut()
        .unwrap()
        .remove("timestamp_nanosec");
    assert!(decode(&no_ts, 5).is_err());
    let mut float_ts = good.clone();
    float_ts["block"]["header"]["timestamp"] = json!(1.5e18);
    assert!(
        decode(&float_ts, 5).is_err(),
        "a float timestamp is not a u64"
    );
    let mut no_shards = good.clone();
    no_shards.as_object_mut().unwrap().remove("shards");
    assert!(decode(&no_shards, 5).is_err());
    let mut no_outcomes = good;
    no_outcomes["shards"] = json!([{"shard_id": 0, "chunk": null}]);
    assert!(decode(&no_outcomes, 5).is_err());
    assert!(Block::decode(b"{", 5).is_err());
    assert!(Block::decode(b"null", 5).is_err());
}

#[test]
fn order_id_formula() {
    let p = Position {
        shard_id: 2,
        receipt_index: 5,
        action_index: 3,
    };
    assert_eq!(p.order_id(), 200_005_003);
    let max = Position {
        shard_id: u64::MAX,
        receipt_index: 0,
        action_index: 0,
    };
    assert_eq!(max.order_id(), u64::MAX);
}
