//! The custody contract: every case runs against the wiremock fake, the sandbox over HTTP and
//! the sandbox in-process, so the emulator cannot drift from what the client expects of
//! OutLayer.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use outlayer_client::wire::{CallRequest, SignMessageRequest};
use outlayer_client::{CallOutcome, CustodyAuth, CustodyError, VrfSeedRequest, verify_vrf_proof};
use serde_json::{Map, Value, json};

use crate::backend::{
    Backend, IDEMPOTENCY_KEY, NS, SIGN_MESSAGE, SIGN_NONCE, SIGN_RECIPIENT, TEN_NEAR,
    VRF_REQUEST_ID,
};

const UNKNOWN_WK: &str = "wk_0000000000000000000000000000000000000000000000000000000000000000";

fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn profile_write() -> CallRequest {
    let mut entries = Map::new();
    entries.insert("profile".into(), json!({"name": "Alice", "tags": ["rust"]}));
    entries.insert("graph/follow/x".into(), json!({}));
    CallRequest::fastdata_kv(NS, entries)
}

async fn register_issues_a_wallet(b: &dyn Backend) {
    let r = b.custody().register().await.unwrap();
    let hex = r.api_key.strip_prefix("wk_").unwrap();
    assert!(is_hex64(hex), "{}", r.api_key.len());
    assert!(is_hex64(&r.near_account_id));
    assert_eq!(r.trial.map(|t| t.calls_remaining), Some(100));
    assert!(r.wallet_id.is_some());
}

async fn resolve_gives_the_implicit_account(b: &dyn Backend) {
    let w = b.wallet().await;
    assert_eq!(
        b.custody().resolve_account(&w.auth).await.unwrap(),
        w.account_id
    );
}

async fn unknown_key_is_unauthorized(b: &dyn Backend) {
    let auth = CustodyAuth::WalletKey(UNKNOWN_WK.into());
    let got = b.custody().resolve_account(&auth).await;
    assert!(
        matches!(&got, Err(CustodyError::Unauthorized { code, .. }) if code == "invalid_api_key"),
        "{got:?}"
    );
    let got = b
        .custody()
        .call(&auth, &profile_write(), None)
        .await
        .map(|_| ());
    assert!(
        matches!(got, Err(CustodyError::Unauthorized { .. })),
        "{got:?}"
    );
}

async fn call_succeeds(b: &dyn Backend) {
    let w = b.wallet().await;
    let outcome = b
        .custody()
        .call(&w.auth, &profile_write(), None)
        .await
        .unwrap();
    // `block_height` differs by backend (in-process: the ledger's; HTTP: none, as OutLayer's
    // answer has none); e2e.rs checks it.
    let CallOutcome::Applied {
        request_id,
        tx_hash,
        result,
        ..
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(request_id.as_deref().map(str::len), Some(36));
    let tx_hash = tx_hash.unwrap();
    assert_eq!(bs58::decode(&tx_hash).into_vec().unwrap().len(), 32);
    assert_eq!(result, None);
}

async fn call_over_256_keys_fails(b: &dyn Backend) {
    let w = b.wallet().await;
    let entries: Map<String, Value> = (0..257).map(|i| (format!("k/{i}"), json!(i))).collect();
    let got = b
        .custody()
        .call(&w.auth, &CallRequest::fastdata_kv(NS, entries), None)
        .await;
    assert!(
        matches!(
            &got,
            Err(CustodyError::OnchainFailed {
                tx_hash: Some(_),
                ..
            })
        ),
        "{got:?}"
    );
}

async fn repeated_idempotency_key_is_a_duplicate(b: &dyn Backend) {
    let w = b.wallet().await;
    let first = b
        .custody()
        .call(&w.auth, &profile_write(), Some(IDEMPOTENCY_KEY))
        .await
        .unwrap();
    let CallOutcome::Applied { request_id, .. } = first else {
        panic!("{first:?}")
    };
    let second = b
        .custody()
        .call(&w.auth, &profile_write(), Some(IDEMPOTENCY_KEY))
        .await
        .unwrap();
    assert_eq!(
        second,
        CallOutcome::DuplicateIdempotencyKey {
            message: format!("Request already processed: {}", request_id.unwrap())
        }
    );
    assert!(second.is_applied());
}

fn check_nep413(
    response: &outlayer_client::wire::SignMessageResponse,
    account_id: &str,
) -> [u8; 32] {
    let pk = nep413::PublicKey::parse(&response.public_key).unwrap();
    assert_eq!(pk.implicit_account_id(), account_id);
    assert_eq!(response.account_id, account_id);
    let sig = nep413::Signature::parse(&response.signature).unwrap();
    assert!(response.signature.starts_with("ed25519:"));
    assert_eq!(
        response.signature_base64.as_deref(),
        Some(sig.to_base64().as_str())
    );
    let nonce: [u8; 32] = STANDARD
        .decode(&response.nonce)
        .unwrap()
        .try_into()
        .unwrap();
    let payload = nep413::PayloadRef {
        message: SIGN_MESSAGE,
        nonce: &nonce,
        recipient: SIGN_RECIPIENT,
        callback_url: None,
    };
    nep413::verify_payload(&pk, payload, &sig).unwrap();
    nonce
}

async fn sign_message_verifies_with_nep413(b: &dyn Backend) {
    let w = b.wallet().await;
    let request = SignMessageRequest::nep413(SIGN_MESSAGE, SIGN_RECIPIENT, Some(&SIGN_NONCE));
    let response = b.custody().sign_message(&w.auth, &request).await.unwrap();
    assert_eq!(check_nep413(&response, &w.account_id), SIGN_NONCE);
}

async fn sign_message_picks_a_nonce(b: &dyn Backend) {
    let w = b.wallet().await;
    let request = SignMessageRequest::nep413(SIGN_MESSAGE, SIGN_RECIPIENT, None);
    let response = b.custody().sign_message(&w.auth, &request).await.unwrap();
    check_nep413(&response, &w.account_id);
}

async fn balance_is_ten_near(b: &dyn Backend) {
    let w = b.wallet().await;
    let balance = b.custody().balance(&w.auth).await.unwrap();
    assert_eq!(balance.balance, TEN_NEAR);
    assert_eq!(balance.token.as_deref(), Some("near"));
    assert_eq!(balance.account_id, w.account_id);
    assert!(!balance.is_zero());
}

async fn zero_balance_call_is_insufficient_balance(b: &dyn Backend) {
    let w = b.broke_wallet().await;
    assert!(b.custody().balance(&w.auth).await.unwrap().is_zero());
    let got = b.custody().call(&w.auth, &profile_write(), None).await;
    assert_eq!(
        got,
        Err(CustodyError::InsufficientBalance {
            account_id: w.account_id
        })
    );
}

async fn vrf_seed_is_a_verifiable_proof(b: &dyn Backend) {
    let w = b.wallet().await;
    let proof = b
        .custody()
        .vrf_seed(&w.auth, &VrfSeedRequest::new(VRF_REQUEST_ID))
        .await
        .unwrap();
    assert_eq!(verify_vrf_proof(&proof), Ok(()));
    assert_eq!(proof.alpha, format!("vrf:{VRF_REQUEST_ID}:suggest"));
    assert_eq!(proof.vrf_public_key, b.vrf_public_key_hex().await);
}

async fn vrf_seed_needs_a_known_key(b: &dyn Backend) {
    let got = b
        .custody()
        .vrf_seed(
            &CustodyAuth::WalletKey(UNKNOWN_WK.into()),
            &VrfSeedRequest::new(VRF_REQUEST_ID),
        )
        .await;
    assert!(
        matches!(got, Err(CustodyError::Unauthorized { .. })),
        "{got:?}"
    );
}

async fn near_token_resolves_its_account(b: &dyn Backend) {
    let w = b.wallet().await;
    let token = b.account_token(&w).await;
    assert_eq!(
        b.custody().resolve_account(&token).await.unwrap(),
        w.account_id
    );
    assert_eq!(b.custody().balance(&token).await.unwrap().balance, TEN_NEAR);
}

async fn missing_auth_is_401_over_http(b: &dyn Backend) {
    let Some(base) = b.base_url() else { return };
    let response = reqwest::get(format!("{base}/wallet/v1/balance?chain=near"))
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({"error": "missing_auth",
               "message": "Provide Authorization: Bearer <api_key> header. Register at POST /register"})
    );
}

async fn register_accepts_an_empty_body_over_http(b: &dyn Backend) {
    let Some(base) = b.base_url() else { return };
    let response = reqwest::Client::new()
        .post(format!("{base}/register"))
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert!(body["api_key"].as_str().unwrap().starts_with("wk_"));
    assert!(body["trial"]["calls_remaining"].is_number());
}

/// Generates one `#[tokio::test]` per case and backend.
macro_rules! contract {
    ($($case:ident),* $(,)?) => {
        mod fake {
            $( #[tokio::test] async fn $case() {
                super::$case(&crate::backend::Fake::start().await).await
            } )*
        }
        mod sandbox_http {
            $( #[tokio::test] async fn $case() {
                super::$case(&crate::backend::SandboxHttp::start().await).await
            } )*
        }
        mod sandbox_in_process {
            $( #[tokio::test] async fn $case() {
                super::$case(&crate::backend::SandboxInProcess::start().await).await
            } )*
        }
    };
}

contract!(
    register_issues_a_wallet,
    resolve_gives_the_implicit_account,
    unknown_key_is_unauthorized,
    call_succeeds,
    call_over_256_keys_fails,
    repeated_idempotency_key_is_a_duplicate,
    sign_message_verifies_with_nep413,
    sign_message_picks_a_nonce,
    balance_is_ten_near,
    zero_balance_call_is_insufficient_balance,
    vrf_seed_is_a_verifiable_proof,
    vrf_seed_needs_a_known_key,
    near_token_resolves_its_account,
    missing_auth_is_401_over_http,
    register_accepts_an_empty_body_over_http,
);
