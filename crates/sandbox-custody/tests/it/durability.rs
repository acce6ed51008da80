//! Wallets, idempotency keys, balances and the VRF key survive a restart.

use outlayer_client::wire::SignMessageRequest;
use outlayer_client::{CallOutcome, Custody};
use sandbox_custody::Config;
use serde_json::json;

use crate::backend::{IDEMPOTENCY_KEY, NS, Sandbox};

#[tokio::test]
async fn wallets_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let (wallet, broke, vrf_key, request_id) = {
        let (custody, _ledger, _clock) = Sandbox::open_in(dir.path(), Config::default());
        let wallet = custody.create_wallet().await.unwrap();
        let broke = custody.create_wallet().await.unwrap();
        custody
            .set_balance(&broke.near_account_id, Some(0))
            .await
            .unwrap();
        let auth = outlayer_client::CustodyAuth::WalletKey(wallet.api_key.clone());
        let mut entries = serde_json::Map::new();
        entries.insert("profile".into(), json!({"name": "A"}));
        let write = outlayer_client::wire::CallRequest::fastdata_kv(NS, entries);
        let CallOutcome::Applied { request_id, .. } = custody
            .call(&auth, &write, Some(IDEMPOTENCY_KEY))
            .await
            .unwrap()
        else {
            panic!("not applied")
        };
        (
            wallet,
            broke,
            custody.vrf_public_key_hex(),
            request_id.unwrap(),
        )
    };
    // Everything was dropped: both redb files are closed. Reopen.
    let (custody, ledger, _clock) = Sandbox::open_in(dir.path(), Config::default());
    assert!(
        !std::fs::read(dir.path().join(sandbox_custody::STORE_FILE))
            .unwrap()
            .windows(wallet.api_key.len())
            .any(|w| w == wallet.api_key.as_bytes()),
        "the wk_ key itself is never stored"
    );
    let auth = outlayer_client::CustodyAuth::WalletKey(wallet.api_key);
    assert_eq!(
        custody.resolve_account(&auth).await.unwrap(),
        wallet.near_account_id
    );
    assert_eq!(custody.vrf_public_key_hex(), vrf_key);
    let signed = custody
        .sign_message(&auth, &SignMessageRequest::nep413("m", "r", None))
        .await
        .unwrap();
    assert_eq!(
        nep413::PublicKey::parse(&signed.public_key)
            .unwrap()
            .implicit_account_id(),
        wallet.near_account_id
    );
    let mut entries = serde_json::Map::new();
    entries.insert("profile".into(), json!({"name": "B"}));
    let write = outlayer_client::wire::CallRequest::fastdata_kv(NS, entries);
    assert_eq!(
        custody
            .call(&auth, &write, Some(IDEMPOTENCY_KEY))
            .await
            .unwrap(),
        CallOutcome::DuplicateIdempotencyKey {
            message: format!("Request already processed: {request_id}")
        }
    );
    assert_eq!(ledger.head().block_height, 1);
    let broke_auth = outlayer_client::CustodyAuth::WalletKey(broke.api_key);
    assert!(custody.balance(&broke_auth).await.unwrap().is_zero());
}

#[tokio::test]
async fn a_store_open_twice_is_an_error_not_a_panic() {
    let sandbox = Sandbox::new(Config::default());
    let again = sandbox_custody::LocalCustody::open(
        sandbox.dir.path(),
        sandbox.ledger.clone(),
        nearly_sandbox::SystemClock,
        Config::default(),
    );
    assert!(matches!(again, Err(sandbox_custody::Error::Internal(_))));
}
