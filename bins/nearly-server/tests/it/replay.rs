//! No claim is valid twice, ever: not after a restart of the embedded default (issue 14).

use std::time::{SystemTime, UNIX_EPOCH};

use nearly_server::{Config, Server};
use nep413::{Nonce, SigningKey, VerifyClaimRequest};
use serde_json::Value;

pub(crate) fn fresh_claim(key: &SigningKey) -> VerifyClaimRequest {
    let ts = u64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap();
    let account = nep413::PublicKey::from(key.verifying_key()).implicit_account_id();
    let message = serde_json::json!({
        "action": "login", "domain": "nearly.social", "version": 1, "timestamp": ts,
    })
    .to_string();
    VerifyClaimRequest::sign(
        key,
        account,
        message,
        "nearly.social",
        Nonce::random(),
        None,
    )
}

pub(crate) async fn verify(
    http: &reqwest::Client,
    base: &str,
    claim: &VerifyClaimRequest,
) -> (u16, Value) {
    let response = http
        .post(format!("{base}/api/v1/verify-claim"))
        .json(claim)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// Regression (issue 14): a claim already used was valid again after a restart.
#[tokio::test]
async fn a_used_claim_is_a_replay_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    let claim = fresh_claim(&SigningKey::from_bytes(&[21; 32]));
    let unused = fresh_claim(&SigningKey::from_bytes(&[22; 32]));

    let server = Server::start(Config::sandbox(dir.path())).await.unwrap();
    let (status, verdict) = verify(&http, &server.base_url(), &claim).await;
    assert_eq!(
        (status, &verdict["valid"]),
        (200, &Value::Bool(true)),
        "{verdict}"
    );
    server.shutdown().await.unwrap();

    let server = Server::start(Config::sandbox(dir.path())).await.unwrap();
    let (status, verdict) = verify(&http, &server.base_url(), &claim).await;
    assert_eq!(status, 200);
    assert_eq!(verdict["valid"], false, "{verdict}");
    assert_eq!(verdict["reason"], "replay", "{verdict}");
    // A claim signed before the restart but never used is still accepted once.
    let (_, verdict) = verify(&http, &server.base_url(), &unused).await;
    assert_eq!(verdict["valid"], true, "{verdict}");
    server.shutdown().await.unwrap();
}
