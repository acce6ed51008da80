//! Wire-shape tests: every type serializes to the shape the server answers and reads it back.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::*;

/// `value` deserializes into `T` and serializes back to exactly `value`.
fn round_trip<T: Serialize + DeserializeOwned>(value: &Value) -> T {
    let typed: T = serde_json::from_value(value.clone()).unwrap();
    assert_eq!(&serde_json::to_value(&typed).unwrap(), value);
    typed
}

fn agent_json() -> Value {
    json!({
        "account_id": "alice.near", "name": null, "description": "", "image": null,
        "tags": ["rust"], "capabilities": {"skills": ["audit"]}, "endorsements": {"tags/rust": 1},
        "endorsement_count": 1, "follower_count": 2, "following_count": 0,
        "created_at": 10, "created_at_height": 100, "last_active": 20, "last_active_height": 200,
    })
}

#[test]
fn agent_keeps_the_heights_and_omits_absent_times() {
    let agent: Agent = round_trip(&agent_json());
    assert_eq!(agent.last_active_height, Some(200));
    assert_eq!(agent.created_at_height, Some(100));
    let fresh = Agent {
        account_id: "bob.near".into(),
        ..Agent::default()
    };
    let v = serde_json::to_value(&fresh).unwrap();
    assert!(v.get("last_active").is_none() && v.get("platforms").is_none());
    assert_eq!(v["name"], Value::Null);
}

#[test]
fn flattened_entries_read_the_record_and_the_edge() {
    let mut entry = agent_json();
    entry["at"] = json!(5);
    entry["at_height"] = json!(50);
    entry["reason"] = json!("good");
    let e: FollowEntry = round_trip(&entry);
    assert_eq!(
        (e.agent.account_id.as_str(), e.at_height),
        ("alice.near", 50)
    );
    entry["direction"] = json!("mutual");
    entry.as_object_mut().unwrap().remove("reason");
    let e: EdgeEntry = round_trip(&entry);
    assert_eq!(e.direction, EdgeDirection::Mutual);
}

#[test]
fn responses_tolerate_unknown_fields() {
    let mut v = agent_json();
    v["added_later"] = json!({"x": 1});
    let agent: Agent = serde_json::from_value(v).unwrap();
    assert_eq!(agent.account_id, "alice.near");
    let results: FollowResults = serde_json::from_value(json!({
        "results": [{"account_id": "b.near", "action": "followed", "new": true}],
        "your_network": {"following_count": 1, "follower_count": 0, "mutual_count": 0},
        "extra": 1,
    }))
    .unwrap();
    assert_eq!(results.results[0].action, FollowAction::Followed);
}

#[test]
fn heartbeat_delta_is_always_integers() {
    let delta = HeartbeatDelta::default();
    let v = serde_json::to_value(delta).unwrap();
    assert_eq!(v["since"], 0);
    assert_eq!(v["since_height"], 0);
    assert!(
        serde_json::from_value::<HeartbeatDelta>(json!({
            "since": null, "since_height": 0, "new_followers": [], "new_followers_count": 0,
            "new_following_count": 0
        }))
        .is_err()
    );
}

#[test]
fn batch_results_have_one_shape_per_action() {
    let err = FollowResult::error(
        "x",
        nearly_core::ErrorCode::SelfFollow,
        "cannot follow yourself",
    );
    assert_eq!(
        serde_json::to_value(&err).unwrap(),
        json!({"account_id": "x", "action": "error", "code": "SELF_FOLLOW", "error": "cannot follow yourself"})
    );
    assert_eq!(err.error_code(), Some(nearly_core::ErrorCode::SelfFollow));
    assert_eq!(
        serde_json::to_value(FollowResult::new("y", FollowAction::AlreadyFollowing)).unwrap(),
        json!({"account_id": "y", "action": "already_following"})
    );
    let mut done = EndorseResult::endorsed("y", vec!["tags/rust".into()]);
    done.skipped = Some(vec![SkippedSuffix {
        key_suffix: "bad".into(),
        reason: "invalid".into(),
    }]);
    let v: EndorseResult = round_trip(&serde_json::to_value(&done).unwrap());
    assert_eq!(v, done);
    assert_eq!(
        serde_json::to_value(EndorseResult::unendorsed("z", vec![])).unwrap(),
        json!({"account_id": "z", "action": "unendorsed", "removed": []})
    );
}

#[test]
fn the_error_body_mirrors_the_envelope() {
    let mut e = ErrorBody::new(nearly_core::ErrorCode::RateLimited, "slow down");
    e.retry_after = Some(3);
    assert_eq!(
        serde_json::to_value(&e).unwrap(),
        json!({"success": false, "error": "slow down", "code": "RATE_LIMITED", "retry_after": 3})
    );
    let ok = Envelope::ok(TagList::default()).with_warnings(vec![]);
    assert_eq!(
        serde_json::to_value(&ok).unwrap(),
        json!({"success": true, "data": {"tags": []}})
    );
}

#[test]
fn platforms_null_is_refused_and_empty_is_kept() {
    assert!(serde_json::from_value::<PlatformsRequest>(json!({"platforms": null})).is_err());
    let empty: PlatformsRequest = serde_json::from_value(json!({"platforms": []})).unwrap();
    assert_eq!(empty.platforms, Some(vec![]));
    let absent: PlatformsRequest = serde_json::from_value(json!({})).unwrap();
    assert_eq!(absent.platforms, None);
}

#[test]
fn expected_domain_null_is_refused() {
    let mut body = json!({
        "account_id": "a.near", "public_key": "ed25519:x", "signature": "s", "nonce": "n",
        "message": "{}", "recipient": "nearly.social",
    });
    let plain: VerifyClaimRequest = round_trip(&body);
    assert_eq!(plain.expected_domain, None);
    body["expected_domain"] = Value::Null;
    assert!(serde_json::from_value::<VerifyClaimRequest>(body.clone()).is_err());
    body["expected_domain"] = json!("nearly.social");
    let with: VerifyClaimRequest = round_trip(&body);
    assert_eq!(with.expected_domain.as_deref(), Some("nearly.social"));
    body.as_object_mut().unwrap().remove("recipient");
    assert!(serde_json::from_value::<VerifyClaimRequest>(body).is_err());
}

#[test]
fn profile_patch_tells_absent_from_null() {
    let p: UpdateProfileRequest =
        serde_json::from_value(json!({"name": null, "description": "hi"})).unwrap();
    assert_eq!(p.name, Some(None));
    assert_eq!(p.description, Some(Some("hi".into())));
    assert_eq!(p.image, None);
    assert_eq!(
        serde_json::to_value(&p).unwrap(),
        json!({"name": null, "description": "hi"})
    );
    assert!(serde_json::from_value::<UpdateProfileRequest>(json!({"tags": "rust"})).is_err());
}

#[test]
fn actions_convert_from_the_domain() {
    let profile = nearly_core::Profile::default();
    let actions: Vec<AgentAction> = nearly_core::profile_actions(&profile)
        .iter()
        .map(AgentAction::from)
        .collect();
    assert!(!actions.is_empty());
    let domain = serde_json::to_value(nearly_core::profile_actions(&profile)).unwrap();
    assert_eq!(serde_json::to_value(&actions).unwrap(), domain);
}

#[cfg(feature = "schema")]
mod schema {
    use super::*;

    fn components() -> serde_json::Map<String, Value> {
        crate::schema::components()
            .into_iter()
            .map(|(n, s)| (n, serde_json::to_value(s).unwrap()))
            .collect()
    }

    #[test]
    fn error_codes_come_from_the_core_enum() {
        let c = components();
        let listed: Vec<&str> = c["ErrorCode"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let all: Vec<&str> = nearly_core::ErrorCode::ALL
            .iter()
            .map(|c| c.as_str())
            .collect();
        assert_eq!(listed, all);
    }

    #[test]
    fn endorse_requests_need_suffixes_or_targets() {
        let c = components();
        for name in ["EndorseRequest", "UnendorseRequest"] {
            let any = &c[name]["allOf"][1]["anyOf"];
            assert_eq!(any[0]["required"], json!(["key_suffixes"]), "{name}");
            assert_eq!(any[1]["required"], json!(["targets"]), "{name}");
        }
    }

    #[test]
    fn the_contract_rules_are_in_the_components() {
        let c = components();
        assert_eq!(c["ProfilePatch"]["properties"]["name"]["minLength"], 1);
        assert_eq!(
            c["PlatformsRequest"]["properties"]["platforms"]["type"],
            "array"
        );
        assert_eq!(
            c["VerifyClaimRequest"]["properties"]["expected_domain"]["type"],
            "string"
        );
        assert_eq!(c["Activity"]["properties"]["cursor"]["type"], "integer");
        assert!(
            c["FollowRequest"]["properties"]["reason"]["pattern"]
                .as_str()
                .unwrap()
                .contains("\\u0000-\\u0009")
        );
        let delta = &c["HeartbeatDelta"];
        for f in ["since", "since_height"] {
            assert!(delta["required"].as_array().unwrap().contains(&json!(f)));
            assert_eq!(delta["properties"][f]["type"], "integer");
        }
        let agent = &c["Agent"]["properties"];
        assert!(
            agent.get("last_active_height").is_some() && agent.get("created_at_height").is_some()
        );
    }
}
