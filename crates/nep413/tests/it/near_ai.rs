//! NEAR AI hub bearer tokens.

use nep413::{AccessKeyStatus, NearAiTokenPolicy, Reason, SignedCallback, sign_near_ai_token};
use serde_json::{Value, json};

use crate::common::{FakeKeys, fixture_at, fixture_with, implicit, key, s, vectors};

/// The real-wallet token of published vector V6, as the hub would receive it.
fn v6_token() -> (String, u64) {
    let all = vectors("published.json");
    let v = all.iter().find(|v| v["id"] == "V6").unwrap();
    let token = json!({
        "account_id": s(v, "account_id"),
        "public_key": s(v, "public_key"),
        "signature": s(v, "signature_b64"),
        "callback_url": s(v, "callback_url"),
        "message": s(v, "message"),
        "recipient": s(v, "recipient"),
        "nonce": s(v, "nonce_wire"),
        "on_behalf_of": null,
        "runner_data": "{\"agent\":\"\"}",
    });
    (token.to_string(), s(v, "nonce_wire").parse().unwrap())
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.!~*()".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn real_wallet_token_v6_verifies_at_its_time_in_every_wrapping() {
    let (token, ts) = v6_token();
    for wrapped in [
        token.clone(),
        format!("auth:'{token}'"),
        format!("Bearer auth:\"{}\"", percent_encode(&token)),
        percent_encode(&token),
    ] {
        let keys = FakeKeys::with("zavodil.near", AccessKeyStatus::FullAccess);
        let f = fixture_with(ts + 2_000, keys, Default::default());
        let policy = NearAiTokenPolicy::new(f.verifier.clone());
        let id = policy
            .verify(&wrapped)
            .await
            .unwrap_or_else(|e| panic!("{wrapped}: {e}"));
        assert_eq!(id.account_id, "zavodil.near");
        assert_eq!(id.timestamp_ms, ts);
        assert_eq!(id.verified_at, ts + 2_000);
        assert!(matches!(
            id.signed_callback,
            SignedCallback::AsProvided(Some(_))
        ));
        assert_eq!(f.keys.calls(), 1);
    }
}

#[tokio::test]
async fn token_is_single_use() {
    let (token, ts) = v6_token();
    let keys = FakeKeys::with("zavodil.near", AccessKeyStatus::FullAccess);
    let f = fixture_with(ts, keys, Default::default());
    let policy = NearAiTokenPolicy::new(f.verifier.clone());
    assert!(policy.verify(&token).await.is_ok());
    let again = policy.verify(&format!("auth:'{token}'")).await.unwrap_err();
    assert_eq!(again.reason(), Reason::Replay);
}

#[tokio::test]
async fn nonce_timestamp_is_the_freshness_clock() {
    let (token, ts) = v6_token();
    for (now, expected) in [
        (ts + 300_001, Some(Reason::Expired)),
        (ts - 60_001, Some(Reason::Expired)),
        (ts + 300_000, None),
    ] {
        let keys = FakeKeys::with("zavodil.near", AccessKeyStatus::FullAccess);
        let f = fixture_with(now, keys, Default::default());
        let policy = NearAiTokenPolicy::new(f.verifier.clone());
        assert_eq!(
            policy.verify(&token).await.err().map(|e| e.reason()),
            expected,
            "now {now}"
        );
    }
}

#[tokio::test]
async fn window_is_configurable() {
    let (token, ts) = v6_token();
    let keys = FakeKeys::with("zavodil.near", AccessKeyStatus::FullAccess);
    let f = fixture_with(ts + 3_600_000, keys, Default::default());
    let policy = NearAiTokenPolicy::new(f.verifier.clone()).with_window(nep413::FreshnessWindow {
        max_age_ms: 86_400_000,
        max_future_ms: 0,
    });
    assert!(policy.verify(&token).await.is_ok());
}

#[tokio::test]
async fn recipient_is_pinned_to_ai_near_by_default() {
    let f = fixture_at(crate::common::NOW);
    let k = key(20);
    let a = implicit(&k);
    let token = sign_near_ai_token(&k, &a, "hi", "evil.app", crate::common::NOW, None);
    let e = NearAiTokenPolicy::new(f.verifier.clone())
        .verify(&token)
        .await
        .unwrap_err();
    assert_eq!(e.reason(), Reason::Malformed);
    assert!(e.detail().contains("evil.app"));
    let ok = NearAiTokenPolicy::new(f.verifier.clone()).with_recipients(["evil.app"]);
    assert!(ok.verify(&token).await.is_ok());
}

#[tokio::test]
async fn signed_token_round_trips_and_tampering_fails() {
    let f = fixture_at(crate::common::NOW);
    let policy = NearAiTokenPolicy::new(f.verifier.clone());
    let k = key(21);
    let a = implicit(&k);
    let token = sign_near_ai_token(
        &k,
        &a,
        "Welcome to NEAR AI Hub!",
        "ai.near",
        crate::common::NOW,
        Some("https://cb"),
    );
    let mut tampered: Value = serde_json::from_str(&token).unwrap();
    tampered["message"] = Value::from("Welcome to NEAR AI Hub?");
    let e = policy.verify(&tampered.to_string()).await.unwrap_err();
    assert_eq!(e.reason(), Reason::Signature);
    let id = policy.verify(&token).await.unwrap();
    assert_eq!(id.account_id, a);
    assert_eq!(f.keys.calls(), 0);
}

#[tokio::test]
async fn callback_dropped_by_the_wallet_is_retried_without() {
    let f = fixture_at(crate::common::NOW);
    let policy = NearAiTokenPolicy::new(f.verifier.clone());
    let k = key(22);
    let a = implicit(&k);
    let token = sign_near_ai_token(&k, &a, "m", "ai.near", crate::common::NOW, None);
    let mut with_cb: Value = serde_json::from_str(&token).unwrap();
    with_cb["callback_url"] = Value::from("https://app.near.ai/sign-in/callback");
    let id = policy.verify(&with_cb.to_string()).await.unwrap();
    assert_eq!(id.signed_callback, SignedCallback::RetriedWithoutCallback);
}

#[tokio::test]
async fn malformed_tokens_name_the_problem() {
    let f = fixture_at(crate::common::NOW);
    let policy = NearAiTokenPolicy::new(f.verifier.clone());
    let k = key(23);
    let a = implicit(&k);
    let good: Value = serde_json::from_str(&sign_near_ai_token(
        &k,
        &a,
        "m",
        "ai.near",
        crate::common::NOW,
        None,
    ))
    .unwrap();
    let mut random_nonce = good.clone();
    random_nonce["nonce"] = Value::from(nep413::Nonce::random().to_base64());
    let mut no_sig = good.clone();
    no_sig.as_object_mut().unwrap().remove("signature");
    for (token, needle) in [
        ("wk_abc".to_owned(), "JSON object"),
        ("{not json".to_owned(), "expected JSON"),
        (random_nonce.to_string(), "decimal millisecond timestamp"),
        (no_sig.to_string(), "missing field `signature`"),
    ] {
        let e = policy.verify(&token).await.unwrap_err();
        assert_eq!(e.reason(), Reason::Malformed, "{token}");
        assert!(
            e.detail().contains(needle),
            "{needle} not in {}",
            e.detail()
        );
    }
}
