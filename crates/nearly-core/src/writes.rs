//! The FastData writes behind each mutation, as `(key, value)` lists.
//!
//! A `null` value deletes a key. Turning a list into the flat `{key: value}` arguments of a
//! `__fastdata_kv` call (and splitting it into transactions of at most 256 keys) is the
//! transport's job; [`to_args`] does the first half.

use serde_json::{Map, Value};

use crate::fields::Reason;
use crate::key::Key;
use crate::profile::Profile;

/// The writes that store `next` as the caller's profile, given the profile stored before
/// (`None` on a first write).
///
/// In order: the `profile` blob; `tag/{tag}: true` for every tag of `next`; `cap/{ns}/{value}:
/// true` for every capability pair of `next`; then `null` tombstones for the tags and capability
/// pairs of `previous` that `next` no longer has. Current index entries are rewritten every time
/// (as the reference does), so a heartbeat repairs a lost index key. No key appears twice.
///
/// ```
/// use nearly_core::{Key, Profile, ProfilePatch, profile_writes};
/// let before = Profile::from_stored(serde_json::json!({"tags": ["rust", "ai"]})).unwrap();
/// let mut after = before.clone();
/// after.apply(&ProfilePatch::from_json(&serde_json::json!({"tags": ["rust"]}))?);
/// let writes = profile_writes(&after, Some(&before));
/// let keys: Vec<String> = writes.iter().map(|(k, _)| k.to_key_string()).collect();
/// assert_eq!(keys, ["profile", "tag/rust", "tag/ai"]);
/// assert!(writes[2].1.is_null());
/// # Ok::<(), nearly_core::ValidationError>(())
/// ```
pub fn profile_writes(next: &Profile, previous: Option<&Profile>) -> Vec<(Key, Value)> {
    let next_pairs = next.capability_pairs();
    let mut writes = Vec::with_capacity(1 + next.tags.len() + next_pairs.len());
    writes.push((Key::Profile, next.to_blob()));
    for tag in &next.tags {
        writes.push((Key::Tag(tag.clone()), Value::Bool(true)));
    }
    for pair in &next_pairs {
        writes.push((Key::Cap(pair.clone()), Value::Bool(true)));
    }
    if let Some(previous) = previous {
        for tag in &previous.tags {
            if !next.tags.contains(tag) {
                writes.push((Key::Tag(tag.clone()), Value::Null));
            }
        }
        for pair in previous.capability_pairs() {
            if !next_pairs.contains(&pair) {
                writes.push((Key::Cap(pair), Value::Null));
            }
        }
    }
    writes
}

/// The profile part of a delist: `null` for `profile` and for every tag and capability index
/// key of the stored profile. The caller appends tombstones for the account's outgoing
/// [`Key::Follow`] and [`Key::Endorsing`] keys, which only the graph knows.
pub fn delist_profile_writes(profile: &Profile) -> Vec<(Key, Value)> {
    let mut writes = vec![(Key::Profile, Value::Null)];
    writes.extend(
        profile
            .tags
            .iter()
            .map(|tag| (Key::Tag(tag.clone()), Value::Null)),
    );
    writes.extend(
        profile
            .capability_pairs()
            .into_iter()
            .map(|pair| (Key::Cap(pair), Value::Null)),
    );
    writes
}

/// The value of a `graph/follow/{target}` key: `{}` or `{"reason": ...}`.
pub fn follow_value(reason: Option<&Reason>) -> Value {
    let mut map = Map::new();
    if let Some(reason) = reason {
        map.insert("reason".into(), Value::String(reason.as_str().to_owned()));
    }
    Value::Object(map)
}

/// The value of an `endorsing/{target}/{suffix}` key: `{}` plus `reason` and `content_hash`
/// when given. The content hash is caller-asserted and stored verbatim.
pub fn endorsement_value(reason: Option<&Reason>, content_hash: Option<&str>) -> Value {
    let mut map = Map::new();
    if let Some(reason) = reason {
        map.insert("reason".into(), Value::String(reason.as_str().to_owned()));
    }
    if let Some(hash) = content_hash {
        map.insert("content_hash".into(), Value::String(hash.to_owned()));
    }
    Value::Object(map)
}

/// The flat `{key: value}` object of a `__fastdata_kv` call. A key listed twice keeps its last
/// value, as FastData itself does within one call.
pub fn to_args(writes: &[(Key, Value)]) -> Map<String, Value> {
    writes
        .iter()
        .map(|(key, value)| (key.to_key_string(), value.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::profile::ProfilePatch;

    fn keyed(writes: &[(Key, Value)]) -> Vec<(String, Value)> {
        writes
            .iter()
            .map(|(k, v)| (k.to_key_string(), v.clone()))
            .collect()
    }

    #[test]
    fn first_write_has_blob_and_index_keys_only() {
        let p = Profile::from_stored(json!({
            "tags": ["defi", "security"],
            "capabilities": {"skills": ["Audit"], "languages": {"primary": "rust"}},
        }))
        .unwrap();
        let writes = keyed(&profile_writes(&p, None));
        assert_eq!(writes[0], ("profile".into(), p.to_blob()));
        let rest: Vec<(&str, &Value)> = writes[1..].iter().map(|(k, v)| (k.as_str(), v)).collect();
        assert_eq!(
            rest,
            [
                ("tag/defi", &json!(true)),
                ("tag/security", &json!(true)),
                ("cap/languages.primary/rust", &json!(true)),
                ("cap/skills/audit", &json!(true)),
            ]
        );
    }

    #[test]
    fn removed_tags_and_caps_get_null_tombstones() {
        let before = Profile::from_stored(json!({
            "tags": ["defi", "security"],
            "capabilities": {"skills": ["audit", "review"]},
        }))
        .unwrap();
        let mut after = before.clone();
        after.apply(
            &ProfilePatch::from_json(&json!({
                "tags": ["security", "ai"],
                "capabilities": {"skills": ["review"]},
            }))
            .unwrap(),
        );
        let writes = keyed(&profile_writes(&after, Some(&before)));
        let keys: Vec<&str> = writes.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "profile",
                "tag/security",
                "tag/ai",
                "cap/skills/review",
                "tag/defi",
                "cap/skills/audit",
            ]
        );
        assert!(writes[4].1.is_null() && writes[5].1.is_null());
        assert!(writes[1..4].iter().all(|(_, v)| v == &json!(true)));
        // No key twice.
        assert_eq!(
            to_args(&profile_writes(&after, Some(&before))).len(),
            writes.len()
        );
    }

    #[test]
    fn delist_nulls_profile_and_index_keys() {
        let p = Profile::from_stored(json!({"tags": ["ai"], "capabilities": {"skills": "chat"}}))
            .unwrap();
        let args = to_args(&delist_profile_writes(&p));
        assert_eq!(
            Value::Object(args),
            json!({"profile": null, "tag/ai": null, "cap/skills/chat": null})
        );
    }

    #[test]
    fn edge_values() {
        let reason = Reason::parse("shared interests").unwrap();
        assert_eq!(follow_value(None), json!({}));
        assert_eq!(
            follow_value(Some(&reason)),
            json!({"reason": "shared interests"})
        );
        assert_eq!(endorsement_value(None, None), json!({}));
        assert_eq!(
            endorsement_value(Some(&reason), Some("sha256:abc")),
            json!({"reason": "shared interests", "content_hash": "sha256:abc"})
        );
    }
}
