//! The write envelope as an emulator and a writer see it together.

use fastdata_client::envelope::{
    EntryRejection, KV_METHOD_NAME, MAX_KEY_BYTES, MAX_KEYS_PER_TX, MAX_VALUE_BYTES, TxRejection,
    WriteBatch, accept_args,
};
use serde_json::{Value, json};

#[test]
fn every_transaction_of_a_batch_is_accepted_whole() {
    let mut batch = WriteBatch::new();
    for i in 0..1000 {
        batch
            .set(format!("graph/follow/acct{i}.near"), json!({}))
            .unwrap();
    }
    batch.delete("profile").unwrap();
    let txs = batch.into_transactions();
    assert_eq!(txs.len(), 4);
    let mut total = 0;
    for tx in &txs {
        let args = serde_json::to_vec(tx).unwrap();
        let accepted = accept_args(&args).unwrap();
        assert!(accepted.skipped.is_empty());
        assert_eq!(accepted.entries.len(), tx.len());
        total += accepted.entries.len();
    }
    assert_eq!(total, 1001);
}

#[test]
fn args_are_a_flat_object_with_null_for_delete() {
    let mut batch = WriteBatch::new();
    batch.set("profile", json!({"name": "A"})).unwrap();
    batch.delete("tag/old").unwrap();
    let txs = batch.into_transactions();
    assert_eq!(
        Value::Object(txs[0].clone()),
        json!({"profile": {"name": "A"}, "tag/old": null})
    );
    assert_eq!(KV_METHOD_NAME, "__fastdata_kv");
}

#[test]
fn rejections_name_the_key_and_the_limit() {
    let mut batch = WriteBatch::new();
    let err = batch
        .set("huge", Value::String("x".repeat(MAX_VALUE_BYTES)))
        .unwrap_err();
    assert_eq!(
        err,
        EntryRejection::ValueTooLarge {
            key: "huge".into(),
            len: MAX_VALUE_BYTES + 2,
            max: MAX_VALUE_BYTES
        }
    );
    assert_eq!(
        err.to_string(),
        "value of key \"huge\" is 262146 bytes serialised; values must be at most 262144 bytes"
    );
    let err = batch.delete("a\u{1b}[31m").unwrap_err();
    assert!(err.to_string().contains(r#""a\u{1b}[31m""#), "{err}");
    let err = batch.delete("k".repeat(MAX_KEY_BYTES + 1)).unwrap_err();
    assert!(err.to_string().contains("at most 1024 bytes"));
    assert!(batch.is_empty());
}

#[test]
fn accept_rejects_oversized_transactions_whole() {
    let args: serde_json::Map<String, Value> = (0..MAX_KEYS_PER_TX + 44)
        .map(|i| (format!("k{i}"), json!(true)))
        .collect();
    let err = accept_args(&serde_json::to_vec(&args).unwrap()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "__fastdata_kv args hold 300 keys; a transaction may hold at most 256"
    );
    assert_eq!(
        accept_args(br#"{"data": [["k", "v"]]}"#)
            .unwrap()
            .entries
            .len(),
        1
    );
    assert_eq!(accept_args(b"null"), Err(TxRejection::NotAnObject));
}
