use nearly_core::{
    AccountId, CapabilityPair, Key, KeyParseError, KeySuffix, Tag, capability_pairs,
};
use proptest::prelude::*;
use serde_json::Value;

use crate::strategies::{account_id, json, tag_string};

fn key() -> impl Strategy<Value = Key> {
    prop_oneof![
        Just(Key::Profile),
        tag_string().prop_map(|t| Key::Tag(Tag::parse(&t).unwrap())),
        (
            "[a-zA-Z0-9_-]{1,8}(\\.[a-zA-Z0-9_-]{1,8}){0,3}",
            "[a-z0-9 .-]{1,16}"
        )
            .prop_map(|(ns, v)| Key::Cap(CapabilityPair::new(&ns, &v).unwrap())),
        account_id().prop_map(Key::Follow),
        (account_id(), "[a-zA-Z0-9_.-][a-zA-Z0-9/_.: -]{0,40}").prop_map(|(target, s)| {
            let suffix = KeySuffix::parse(&target, &s).unwrap();
            Key::Endorsing { target, suffix }
        }),
        account_id().prop_map(Key::Hidden),
    ]
}

proptest! {
    #[test]
    fn key_to_string_to_key_round_trips(k in key()) {
        let s = k.to_key_string();
        prop_assert_eq!(Key::parse(&s), Ok(k.clone()));
        prop_assert_eq!(k.to_string(), s);
    }

    #[test]
    fn parse_never_panics_and_accepts_only_canonical_strings(s in any::<String>()) {
        if let Ok(k) = Key::parse(&s) {
            prop_assert_eq!(k.to_key_string(), s);
        }
    }

    #[test]
    fn prefixed_garbage_never_panics(
        prefix in prop_oneof![
            Just("tag/"), Just("cap/"), Just("graph/follow/"), Just("endorsing/"), Just("hidden/"),
            Just("profile"), Just("graph/"), Just("")
        ],
        tail in "\\PC{0,40}|[a-z./]{0,20}",
    ) {
        let s = format!("{prefix}{tail}");
        match Key::parse(&s) {
            Ok(k) => prop_assert_eq!(k.to_key_string(), s),
            Err(KeyParseError::NotOurs) => prop_assert!(
                !["tag/", "cap/", "graph/follow/", "endorsing/", "hidden/"]
                    .iter()
                    .any(|p| s.starts_with(p))
            ),
            Err(_) => {}
        }
    }

    /// Every pair extracted from any JSON object is a valid, parseable index key, and the list
    /// has no duplicates.
    #[test]
    fn extracted_pairs_are_parseable_keys(v in json()) {
        if let Value::Object(map) = v {
            let pairs = capability_pairs(&map);
            let mut seen = std::collections::HashSet::new();
            for pair in pairs {
                let key = Key::Cap(pair.clone());
                prop_assert_eq!(Key::parse(&pair.index_key()), Ok(key));
                prop_assert!(!pair.value().contains('/') && !pair.ns().contains('/'));
                prop_assert!(pair.index_key().len() <= 1024);
                prop_assert!(seen.insert(pair));
            }
        }
    }
}

#[test]
fn follow_key_target_is_an_account_id() {
    let key =
        Key::parse("graph/follow/36842e2f73d0b7b2f2af6e0d94a7a997398c2c09d9cf09ca3fa23b5426fccf88")
            .unwrap();
    let Key::Follow(target) = key else {
        unreachable!("not a follow key: {key:?}")
    };
    assert!(target.is_implicit());
    assert_eq!(
        target,
        AccountId::parse("36842e2f73d0b7b2f2af6e0d94a7a997398c2c09d9cf09ca3fa23b5426fccf88")
            .unwrap()
    );
}
