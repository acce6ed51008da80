use nearly_core::{
    DERIVED_FIELDS, Key, Profile, ProfilePatch, Tags, profile_actions, profile_completeness,
    profile_gaps, profile_writes, to_args,
};
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::strategies::{json, tag_string};

proptest! {
    /// Agents write arbitrary JSON to FastData: folding it never panics, never lets a derived
    /// field through, and always yields a profile that scores within 0..=100.
    #[test]
    fn folding_arbitrary_json_is_total_and_safe(v in json()) {
        let is_object = v.is_object();
        let folded = Profile::from_stored(v);
        prop_assert_eq!(folded.is_some(), is_object);
        if let Some(p) = folded {
            for field in DERIVED_FIELDS {
                prop_assert!(!p.extra.contains_key(field));
            }
            prop_assert!(p.tags.len() <= 10);
            prop_assert!(profile_completeness(&p) <= 100);
            prop_assert_eq!(profile_actions(&p).len(), profile_gaps(&p).len() + 1);
            let blob = p.to_blob();
            for field in DERIVED_FIELDS {
                prop_assert!(blob.get(field).is_none());
            }
            // Writing the folded profile and reading it back is a fixed point.
            prop_assert_eq!(Profile::from_stored(blob), Some(p));
        }
    }

    /// Applying a tag update writes `true` for each new tag and a tombstone for each dropped one.
    #[test]
    fn tag_updates_tombstone_exactly_the_dropped_tags(
        before in prop::collection::btree_set(tag_string(), 0..10),
        after in prop::collection::btree_set(tag_string(), 0..10),
    ) {
        let previous = Profile { tags: Tags::parse(&before).unwrap(), ..Profile::default() };
        let mut next = previous.clone();
        next.apply(&ProfilePatch { tags: Some(Tags::parse(&after).unwrap()), ..ProfilePatch::default() });
        let writes = profile_writes(&next, Some(&previous));
        let args = to_args(&writes);
        prop_assert_eq!(args.len(), writes.len(), "a key was written twice");
        for tag in &after {
            prop_assert_eq!(args.get(&format!("tag/{tag}")), Some(&json!(true)));
        }
        for tag in before.difference(&after) {
            prop_assert_eq!(args.get(&format!("tag/{tag}")), Some(&Value::Null));
        }
        let tag_keys = writes.iter().filter(|(k, _)| matches!(k, Key::Tag(_))).count();
        prop_assert_eq!(tag_keys, before.union(&after).count());
    }
}

#[test]
fn completeness_vectors_from_the_reference() {
    let full = json!({
        "name": "Ada",
        "description": "Smart contract auditor",
        "image": "https://example.com/ada.png",
        "tags": ["t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9"],
        "capabilities": {"skills": ["audit", "review"], "languages": ["rust"]},
    });
    let score = |patch: Value| {
        let mut blob = full.clone();
        for (k, v) in patch.as_object().unwrap() {
            blob[k] = v.clone();
        }
        profile_completeness(&Profile::from_stored(blob).unwrap())
    };
    assert_eq!(score(json!({})), 100);
    assert_eq!(score(json!({"tags": ["t0"]})), 82);
    assert_eq!(score(json!({"tags": ["t0", "t1", "t2", "t3", "t4"]})), 90);
    assert_eq!(score(json!({"capabilities": {"skills": ["audit"]}})), 80);
    assert_eq!(
        score(json!({
            "name": null,
            "image": null,
            "tags": ["t0"],
            "capabilities": {"skills": ["audit"]},
        })),
        32
    );
}

#[test]
fn heartbeat_on_an_agent_with_a_hand_written_blob() {
    // An agent wrote this straight to FastData, trying to fake counts and join date.
    let stored = json!({
        "name": "Mallory",
        "tags": ["AI", "ai", "not valid!"],
        "capabilities": {"skills": ["Chat", "a/b"]},
        "follower_count": 1_000_000,
        "created_at": 0,
        "platforms": ["market.near.ai"],
        "theme": "dark",
    });
    let previous = Profile::from_stored(stored).unwrap();
    let writes = to_args(&profile_writes(&previous, Some(&previous)));
    assert_eq!(
        Value::Object(writes),
        json!({
            "profile": {
                "name": "Mallory",
                "description": "",
                "image": null,
                "tags": ["ai"],
                "capabilities": {"skills": ["Chat", "a/b"]},
                "theme": "dark",
            },
            "tag/ai": true,
            "cap/skills/chat": true,
        })
    );
}
