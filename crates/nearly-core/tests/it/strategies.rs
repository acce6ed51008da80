//! Shared proptest strategies.

use nearly_core::AccountId;
use proptest::prelude::*;
use serde_json::Value;

/// Valid account ids: runs of `[a-z0-9]` joined by single separators, 2-64 characters.
pub(crate) fn account_id_string() -> impl Strategy<Value = String> {
    "[a-z0-9]{1,12}([-_.][a-z0-9]{1,12}){0,5}"
        .prop_filter("2..=64 chars", |s| (2..=64).contains(&s.len()))
}

pub(crate) fn account_id() -> impl Strategy<Value = AccountId> {
    account_id_string().prop_map(|s| AccountId::parse(&s).unwrap())
}

/// Valid tags as written (lowercase).
pub(crate) fn tag_string() -> impl Strategy<Value = String> {
    "[a-z0-9]([a-z0-9-]{0,28}[a-z0-9])?"
}

/// Arbitrary JSON, with object keys biased towards the profile's field names.
pub(crate) fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        tag_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        let key = prop_oneof![
            Just("name".to_owned()),
            Just("description".to_owned()),
            Just("image".to_owned()),
            Just("tags".to_owned()),
            Just("capabilities".to_owned()),
            Just("account_id".to_owned()),
            Just("follower_count".to_owned()),
            Just("platforms".to_owned()),
            "[a-z]{1,8}",
            any::<String>(),
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
