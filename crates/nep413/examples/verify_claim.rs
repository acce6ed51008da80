//! Verifies a Nearly claim end to end, offline: generate a key, sign a claim for its implicit
//! account, verify it with the verify-claim policy, then show a replay and a tampered claim being
//! refused.
//!
//! ```sh
//! cargo run --release -p nep413 --example verify_claim
//! ```
//!
//! An embedding service would build the [`Verifier`] once at start-up (with
//! `nep413::rpc::RpcAccessKeys` under the `rpc` feature for named accounts) and call
//! [`VerifyClaimPolicy::verify_json`] on each request body.

use std::sync::Arc;

use nep413::{
    Clock as _, ImplicitOnly, InMemoryNonceStore, Nonce, PublicKey, SigningKey, SystemClock,
    Verifier, VerifyClaimPolicy, VerifyClaimRequest,
};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The three injected parts: real time, an in-memory replay store, no RPC (implicit only).
    let verifier = Verifier::new(
        Arc::new(SystemClock),
        Arc::new(InMemoryNonceStore::default()),
        Arc::new(ImplicitOnly),
    );
    let policy = VerifyClaimPolicy::new(verifier);

    // The client side: a fresh key; its implicit account id is the hex of the public key.
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    let account_id = PublicKey::from(key.verifying_key()).implicit_account_id();
    let message = serde_json::json!({
        "action": "login",
        "domain": "nearly.social",
        "account_id": account_id,
        "version": 1,
        "timestamp": SystemClock.now_ms(),
    })
    .to_string();
    let mut request = VerifyClaimRequest::sign(
        &key,
        &account_id,
        message,
        "nearly.social",
        Nonce::random(),
        None,
    );
    request.expected_domain = Some("nearly.social".into());

    println!("claim sent by the client:");
    println!("{}\n", serde_json::to_string_pretty(&request)?);

    let body = serde_json::to_string(&request)?;
    let verdict = policy.verify_json(&body).await;
    println!("1. verify-claim answers:");
    println!("{}\n", serde_json::to_string_pretty(&verdict)?);

    let replay = policy.verify_json(&body).await;
    println!("2. the same claim again (replay):");
    println!("{}\n", serde_json::to_string(&replay)?);

    let mut tampered = VerifyClaimRequest::sign(
        &key,
        &account_id,
        request.message.replace("login", "delete"),
        "nearly.social",
        Nonce::random(),
        None,
    );
    tampered.message = request.message.replace("login", "admin");
    println!("3. a claim whose message was changed after signing:");
    println!(
        "{}",
        serde_json::to_string(&policy.verify(&tampered).await)?
    );

    Ok(())
}
