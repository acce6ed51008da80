//! `near:` tokens: named-account binding through `nep413::AccessKeys`, and use as a credential.

use std::sync::Mutex;

use async_trait::async_trait;
use ed25519_dalek::SigningKey;
use nep413::{AccessKeyStatus, AccessKeys, PublicKey};
use outlayer_client::{
    Custody, CustodyAuth, TokenError, TokenPolicy, mint_account_token, verify_account_token,
};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::client;

const NOW: u64 = 1_760_000_000;

/// Answers a fixed status and records every lookup.
struct FakeChain {
    status: AccessKeyStatus,
    lookups: Mutex<Vec<(String, String)>>,
}

impl FakeChain {
    fn new(status: AccessKeyStatus) -> Self {
        Self {
            status,
            lookups: Mutex::new(Vec::new()),
        }
    }

    fn lookups(&self) -> Vec<(String, String)> {
        self.lookups.lock().unwrap().clone()
    }
}

#[async_trait]
impl AccessKeys for FakeChain {
    async fn access_key_status(&self, account_id: &str, public_key: &PublicKey) -> AccessKeyStatus {
        self.lookups
            .lock()
            .unwrap()
            .push((account_id.to_owned(), public_key.to_string()));
        self.status.clone()
    }
}

fn key() -> SigningKey {
    SigningKey::from_bytes(&[5u8; 32])
}

fn pubkey() -> String {
    PublicKey::from(key().verifying_key()).to_string()
}

async fn verify_named(
    status: AccessKeyStatus,
    policy: TokenPolicy,
) -> (Result<(), TokenError>, FakeChain) {
    let chain = FakeChain::new(status);
    let token = mint_account_token(&key(), "alice.near", "admin", NOW - 10);
    let result = verify_account_token(&token, NOW, &policy, &chain)
        .await
        .map(|v| {
            assert_eq!(v.account_id, "alice.near");
            assert_eq!(v.seed, "admin");
            assert_eq!(v.public_key.to_string(), pubkey());
        });
    (result, chain)
}

#[tokio::test]
async fn named_account_with_a_full_access_key_verifies() {
    let (result, chain) = verify_named(AccessKeyStatus::FullAccess, TokenPolicy::default()).await;
    assert_eq!(result, Ok(()));
    assert_eq!(chain.lookups(), vec![("alice.near".to_owned(), pubkey())]);
}

#[tokio::test]
async fn function_call_keys_depend_on_the_policy() {
    let status = AccessKeyStatus::NotFullAccess {
        permission: "FunctionCall".into(),
    };
    let (strict, _) = verify_named(status.clone(), TokenPolicy::default()).await;
    assert!(matches!(strict, Err(TokenError::NotBound(_))), "{strict:?}");
    let lenient = TokenPolicy {
        require_full_access: false,
        ..TokenPolicy::default()
    };
    let (ok, _) = verify_named(status, lenient).await;
    assert_eq!(ok, Ok(()));
}

#[tokio::test]
async fn missing_keys_and_rpc_failures_are_typed() {
    let (missing, _) = verify_named(
        AccessKeyStatus::Missing {
            detail: "access key does not exist".into(),
        },
        TokenPolicy::default(),
    )
    .await;
    assert!(matches!(missing, Err(TokenError::NotBound(_))));
    let (rpc, _) = verify_named(
        AccessKeyStatus::RpcError("timeout".into()),
        TokenPolicy::default(),
    )
    .await;
    assert_eq!(rpc, Err(TokenError::RpcError("timeout".into())));
}

#[tokio::test]
async fn implicit_accounts_never_ask_the_chain() {
    let chain = FakeChain::new(AccessKeyStatus::FullAccess);
    let account = hex::encode(key().verifying_key().to_bytes());
    let token = mint_account_token(&key(), &account, "admin", NOW + 30);
    let verified = verify_account_token(&token, NOW, &TokenPolicy::default(), &chain)
        .await
        .unwrap();
    assert_eq!(verified.account_id, account);
    assert!(chain.lookups().is_empty());
}

#[tokio::test]
async fn expired_and_bad_tokens_never_ask_the_chain() {
    let chain = FakeChain::new(AccessKeyStatus::FullAccess);
    let old = mint_account_token(&key(), "alice.near", "admin", NOW - 31);
    assert_eq!(
        verify_account_token(&old, NOW, &TokenPolicy::default(), &chain).await,
        Err(TokenError::Expired {
            timestamp: NOW - 31,
            now: NOW,
            window_secs: 30
        })
    );
    assert!(chain.lookups().is_empty());
}

#[tokio::test]
async fn a_minted_token_is_sent_as_a_bearer() {
    let server = MockServer::start().await;
    let token = mint_account_token(&key(), "alice.near", "admin", NOW);
    Mock::given(method("GET"))
        .and(path("/wallet/v1/balance"))
        .and(header("authorization", format!("Bearer {token}").as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"balance": "1", "account_id": "alice.near"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let auth = CustodyAuth::AccountToken(token);
    assert_eq!(
        client(&server).resolve_account(&auth).await.unwrap(),
        "alice.near"
    );
}
