//! Nearly's verify-claim policy: every reason, the order of checks, replay, binding, JSON shape.

use std::sync::Arc;

use nep413::{
    AccessKeyStatus, InMemoryNonceStore, Nonce, PublicKey, Reason, Signature, SignedCallback,
    VerifyClaimPolicy, VerifyClaimRequest, VerifyClaimResponse,
};
use serde_json::json;

use crate::common::{
    FakeKeys, NOW, claim_message, fixture_at, fixture_with, implicit, implicit_claim, key,
};

type Mutation = Box<dyn Fn(&mut VerifyClaimRequest)>;

fn reason(r: &VerifyClaimResponse) -> Option<Reason> {
    match r {
        VerifyClaimResponse::Valid(_) => None,
        VerifyClaimResponse::Invalid(e) => Some(e.reason()),
    }
}

fn policy() -> (crate::common::Fixture, VerifyClaimPolicy) {
    let f = fixture_at(NOW);
    let p = VerifyClaimPolicy::new(f.verifier.clone());
    (f, p)
}

#[tokio::test]
async fn valid_claim_serializes_to_the_documented_fields() {
    let (f, policy) = policy();
    f.clock.advance(1_234);
    let k = key(1);
    let mut req = implicit_claim(&k, Nonce::from_bytes([5; 32]));
    req.expected_domain = Some("nearly.social".into());
    let out = policy.verify(&req).await;
    let value = serde_json::to_value(&out).unwrap();
    assert_eq!(
        value,
        json!({
            "valid": true,
            "account_id": implicit(&k),
            "public_key": PublicKey::from(k.verifying_key()).to_string(),
            "recipient": "nearly.social",
            "nonce": Nonce::from_bytes([5; 32]).to_base64(),
            "message": {"action": "login", "domain": "nearly.social", "version": 1,
                        "timestamp": NOW, "account_id": implicit(&k)},
            "verified_at": NOW + 1_234,
        })
    );
}

#[tokio::test]
async fn invalid_claim_serializes_reason_and_detail() {
    let (_f, policy) = policy();
    let out = policy.verify_json("{}").await;
    let value = serde_json::to_value(&out).unwrap();
    assert_eq!(value["valid"], false);
    assert_eq!(value["reason"], "malformed");
    assert!(value["detail"].as_str().unwrap().contains("missing field"));
    assert_eq!(value.as_object().unwrap().len(), 3);
}

#[tokio::test]
async fn message_sent_as_object_is_malformed_with_a_hint() {
    let (_f, policy) = policy();
    let body = json!({"account_id": "alice.near", "public_key": "ed25519:x", "signature": "x",
        "nonce": "x", "message": {"timestamp": NOW}, "recipient": "nearly.social"});
    match policy.verify_json(&body.to_string()).await {
        VerifyClaimResponse::Invalid(e) => {
            assert_eq!(e.reason(), Reason::Malformed);
            assert!(
                e.detail().contains("serialized as a string"),
                "{}",
                e.detail()
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn each_malformed_field_is_named() {
    let (_f, policy) = policy();
    let k = key(2);
    let good = implicit_claim(&k, Nonce::random());
    let cases: Vec<(&str, Mutation)> = vec![
        (
            "account_id",
            Box::new(|r| r.account_id = "Not Valid".into()),
        ),
        ("recipient", Box::new(|r| r.recipient.clear())),
        (
            "message must be a JSON object",
            Box::new(|r| r.message = "hello".into()),
        ),
        (
            "timestamp is missing",
            Box::new(|r| r.message = "{}".into()),
        ),
        (
            "timestamp must be a number",
            Box::new(|r| r.message = r#"{"timestamp":"1"}"#.into()),
        ),
        (
            "non-negative integer",
            Box::new(|r| r.message = r#"{"timestamp":1.5}"#.into()),
        ),
        (
            "action must be a string",
            Box::new(|r| r.message = format!(r#"{{"timestamp":{NOW},"action":1}}"#)),
        ),
        (
            "version must be a number",
            Box::new(|r| r.message = format!(r#"{{"timestamp":{NOW},"version":"1"}}"#)),
        ),
        (
            "does not match account_id",
            Box::new(|r| r.message = claim_message(Some("someone.near"), NOW)),
        ),
        (
            "expected_domain",
            Box::new(|r| r.expected_domain = Some("other.app".into())),
        ),
        (
            "prefix \"ed25519:\"",
            Box::new(|r| r.public_key = r.public_key.replace("ed25519", "ED25519")),
        ),
        (
            "exactly 64 bytes",
            Box::new(|r| r.signature = Signature::from_bytes([1; 64]).to_base64()[..40].into()),
        ),
        ("nonce must", Box::new(|r| r.nonce = "not-a-nonce".into())),
    ];
    for (needle, mutate) in cases {
        let mut req = good.clone();
        mutate(&mut req);
        match policy.verify(&req).await {
            VerifyClaimResponse::Invalid(e) => {
                assert_eq!(e.reason(), Reason::Malformed, "{needle}: {e}");
                assert!(
                    e.detail().contains(needle),
                    "{needle} not in {:?}",
                    e.detail()
                );
            }
            other => panic!("{needle}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn freshness_window_is_60s_future_and_5min_past_inclusive() {
    let k = key(3);
    for (offset, ok) in [
        (-300_000i64, true),
        (-300_001, false),
        (60_000, true),
        (60_001, false),
    ] {
        let (_f, policy) = policy();
        let ts = NOW.checked_add_signed(offset).unwrap();
        let account = implicit(&k);
        let req = VerifyClaimRequest::sign(
            &k,
            &account,
            claim_message(None, ts),
            "nearly.social",
            Nonce::random(),
            None,
        );
        let r = policy.verify(&req).await;
        assert_eq!(
            reason(&r),
            if ok { None } else { Some(Reason::Expired) },
            "offset {offset}"
        );
    }
}

#[tokio::test]
async fn seconds_instead_of_milliseconds_is_expired_with_a_hint() {
    let (_f, policy) = policy();
    let k = key(4);
    let a = implicit(&k);
    let req = VerifyClaimRequest::sign(
        &k,
        &a,
        claim_message(None, NOW / 1000),
        "nearly.social",
        Nonce::random(),
        None,
    );
    match policy.verify(&req).await {
        VerifyClaimResponse::Invalid(e) => {
            assert_eq!(e.reason(), Reason::Expired);
            assert!(e.detail().contains("seconds"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn checks_run_in_reference_order() {
    // A claim that is expired AND has a bad key AND a bad signature reports `expired`
    // (freshness runs before key parsing); a bad key beats a bad signature; and a bad
    // signature is reported before replay, so invalid claims never consume nonces.
    let (f, policy) = policy();
    let k = key(5);
    let a = implicit(&k);
    let mut req = VerifyClaimRequest::sign(
        &k,
        &a,
        claim_message(None, NOW - 600_000),
        "nearly.social",
        Nonce::random(),
        None,
    );
    req.public_key = "nope".into();
    req.signature = "nope".into();
    assert_eq!(reason(&policy.verify(&req).await), Some(Reason::Expired));

    let mut req = implicit_claim(&k, Nonce::random());
    req.public_key = "nope".into();
    req.nonce = "nope".into();
    let r = policy.verify(&req).await;
    assert_eq!(reason(&r), Some(Reason::Malformed));
    assert!(matches!(&r, VerifyClaimResponse::Invalid(e) if e.detail().contains("public key")));

    let good = implicit_claim(&k, Nonce::random());
    let mut bad_sig = good.clone();
    bad_sig.signature = Signature::from_bytes([0x11; 64]).to_base64();
    assert_eq!(
        reason(&policy.verify(&bad_sig).await),
        Some(Reason::Signature)
    );
    assert_eq!(
        f.nonces.len(),
        0,
        "a bad signature must not consume the nonce"
    );
    assert_eq!(reason(&policy.verify(&good).await), None);
}

#[tokio::test]
async fn replay_is_keyed_on_nonce_bytes_not_encoding() {
    let (_f, policy) = policy();
    let k = key(6);
    let nonce = Nonce::from_bytes([0xfe; 32]);
    let padded = implicit_claim(&k, nonce);
    assert!(padded.nonce.ends_with('='));
    assert_eq!(reason(&policy.verify(&padded).await), None);

    for other_form in [
        padded.nonce.trim_end_matches('=').to_owned(),
        nonce.to_hex(),
    ] {
        let mut again = padded.clone();
        again.nonce = other_form;
        assert_eq!(reason(&policy.verify(&again).await), Some(Reason::Replay));
    }
    // The same nonce for another recipient is not a replay.
    let a = implicit(&k);
    let other =
        VerifyClaimRequest::sign(&k, &a, claim_message(None, NOW), "other.app", nonce, None);
    assert_eq!(reason(&policy.verify(&other).await), None);
}

#[tokio::test]
async fn nonce_is_forgotten_after_the_window() {
    let (f, policy) = policy();
    let k = key(7);
    let req = implicit_claim(&k, Nonce::random());
    assert_eq!(reason(&policy.verify(&req).await), None);
    f.clock.advance(300_000);
    assert_eq!(reason(&policy.verify(&req).await), Some(Reason::Replay));
    f.clock.advance(1);
    // By now the claim itself is stale, so it can never be accepted again.
    assert_eq!(reason(&policy.verify(&req).await), Some(Reason::Expired));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_identical_claims_never_both_pass() {
    let (_f, policy) = policy();
    let policy = Arc::new(policy);
    let req = Arc::new(implicit_claim(&key(8), Nonce::random()));
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (p, r) = (policy.clone(), req.clone());
            tokio::spawn(async move { p.verify(&r).await })
        })
        .collect();
    let mut valid = 0;
    for t in tasks {
        match t.await.unwrap() {
            VerifyClaimResponse::Valid(_) => valid += 1,
            VerifyClaimResponse::Invalid(e) => assert_eq!(e.reason(), Reason::Replay),
        }
    }
    assert_eq!(valid, 1);
}

#[tokio::test]
async fn implicit_account_must_be_the_hex_of_the_key() {
    let (f, policy) = policy();
    let k = key(9);
    let other = implicit(&key(10));
    let req = VerifyClaimRequest::sign(
        &k,
        &other,
        claim_message(None, NOW),
        "nearly.social",
        Nonce::random(),
        None,
    );
    assert_eq!(
        reason(&policy.verify(&req).await),
        Some(Reason::AccountBinding)
    );
    assert_eq!(f.keys.calls(), 0, "implicit accounts never reach RPC");
}

fn named_claim(account: &str) -> VerifyClaimRequest {
    VerifyClaimRequest::sign(
        &key(11),
        account,
        claim_message(Some(account), NOW),
        "nearly.social",
        Nonce::random(),
        None,
    )
}

#[tokio::test]
async fn named_accounts_need_a_full_access_key() {
    let keys = Arc::new(FakeKeys::default());
    keys.set("full.near", AccessKeyStatus::FullAccess);
    keys.set(
        "fc.near",
        AccessKeyStatus::NotFullAccess {
            permission: "FunctionCall".into(),
        },
    );
    keys.set(
        "gone.near",
        AccessKeyStatus::Missing {
            detail: "UNKNOWN_ACCOUNT".into(),
        },
    );
    let f = fixture_with(NOW, keys, InMemoryNonceStore::default());
    let policy = VerifyClaimPolicy::new(f.verifier.clone());
    assert_eq!(
        reason(&policy.verify(&named_claim("full.near")).await),
        None
    );
    let r = policy.verify(&named_claim("fc.near")).await;
    assert_eq!(reason(&r), Some(Reason::AccountBinding));
    assert!(matches!(&r, VerifyClaimResponse::Invalid(e) if e.detail().contains("FunctionCall")));
    assert_eq!(
        reason(&policy.verify(&named_claim("gone.near")).await),
        Some(Reason::AccountBinding)
    );
    assert_eq!(f.keys.calls(), 3);
}

#[tokio::test]
async fn rpc_error_releases_the_nonce_so_a_retry_can_pass() {
    let keys = FakeKeys::with("flaky.near", AccessKeyStatus::RpcError("timed out".into()));
    let f = fixture_with(NOW, keys, InMemoryNonceStore::default());
    let policy = VerifyClaimPolicy::new(f.verifier.clone());
    let req = named_claim("flaky.near");
    let r = policy.verify(&req).await;
    assert_eq!(reason(&r), Some(Reason::RpcError));
    assert_eq!(f.nonces.len(), 0);
    f.keys.set("flaky.near", AccessKeyStatus::FullAccess);
    assert_eq!(reason(&policy.verify(&req).await), None);
    assert_eq!(reason(&policy.verify(&req).await), Some(Reason::Replay));
}

#[tokio::test]
async fn account_binding_failure_keeps_the_nonce() {
    let keys = FakeKeys::with(
        "fc.near",
        AccessKeyStatus::NotFullAccess {
            permission: "FunctionCall".into(),
        },
    );
    let f = fixture_with(NOW, keys, InMemoryNonceStore::default());
    let policy = VerifyClaimPolicy::new(f.verifier.clone());
    let req = named_claim("fc.near");
    assert_eq!(
        reason(&policy.verify(&req).await),
        Some(Reason::AccountBinding)
    );
    assert_eq!(f.nonces.len(), 1);
}

#[tokio::test]
async fn full_nonce_store_refuses_new_claims_as_transient() {
    let f = fixture_with(
        NOW,
        Arc::new(FakeKeys::default()),
        InMemoryNonceStore::new(2),
    );
    let policy = VerifyClaimPolicy::new(f.verifier.clone());
    let k = key(12);
    let first = implicit_claim(&k, Nonce::random());
    assert_eq!(reason(&policy.verify(&first).await), None);
    assert_eq!(
        reason(&policy.verify(&implicit_claim(&k, Nonce::random())).await),
        None
    );
    let r = policy.verify(&implicit_claim(&k, Nonce::random())).await;
    assert_eq!(reason(&r), Some(Reason::RpcError));
    assert!(matches!(&r, VerifyClaimResponse::Invalid(e) if e.detail().contains("full")));
    // Flooding did not evict the first claim's nonce.
    assert_eq!(reason(&policy.verify(&first).await), Some(Reason::Replay));
}

#[tokio::test]
async fn callback_that_was_not_signed_is_retried_without() {
    let (_f, policy) = policy();
    let k = key(13);
    let mut req = implicit_claim(&k, Nonce::random());
    req.callback_url = Some("https://wallet.example/cb".into());
    match policy.verify(&req).await {
        VerifyClaimResponse::Valid(v) => {
            assert_eq!(v.signed_callback, SignedCallback::RetriedWithoutCallback);
        }
        other => panic!("{other:?}"),
    }
    let a = implicit(&k);
    let with_cb = VerifyClaimRequest::sign(
        &k,
        &a,
        claim_message(None, NOW),
        "nearly.social",
        Nonce::random(),
        Some("https://wallet.example/cb".into()),
    );
    match policy.verify(&with_cb).await {
        VerifyClaimResponse::Valid(v) => assert_eq!(
            v.signed_callback,
            SignedCallback::AsProvided(Some("https://wallet.example/cb".into()))
        ),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn custody_signature_and_timestamp_nonce_forms_are_accepted() {
    let (_f, policy) = policy();
    let k = key(14);
    let mut req = implicit_claim(&k, Nonce::from_timestamp_ms(NOW));
    req.signature = Signature::parse(&req.signature)
        .unwrap()
        .to_prefixed_base58();
    req.nonce = NOW.to_string();
    assert_eq!(reason(&policy.verify(&req).await), None);
}

#[tokio::test]
async fn any_message_action_verifies() {
    let (_f, policy) = policy();
    let k = key(15);
    let a = implicit(&k);
    let msg =
        json!({"action": "whatever_new_action", "timestamp": NOW, "extra": [1, 2]}).to_string();
    let req = VerifyClaimRequest::sign(&k, &a, msg, "nearly.social", Nonce::random(), None);
    match policy.verify(&req).await {
        VerifyClaimResponse::Valid(v) => assert_eq!(v.message["extra"], json!([1, 2])),
        other => panic!("{other:?}"),
    }
}
