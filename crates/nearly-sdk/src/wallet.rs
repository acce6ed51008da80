//! Custody wallets: registration (saved to the credentials file) and NEP-413 claim signing,
//! through any [`Custody`] (the real [`HttpOutLayer`] or the
//! sandbox's emulator at `{server}/outlayer`).

use nep413::Clock;
pub use outlayer_client::HttpOutLayer;
use outlayer_client::wire::{BalanceResponse, RegisterResponse, SignMessageRequest};
use outlayer_client::{Custody, CustodyAuth, HttpConfig};
use serde_json::{Map, Value, json};

use crate::credentials::{AccountCredentials, CredentialsStore, SaveOutcome};
use crate::error::Result;
use crate::types::VerifyClaimRequest;

/// The recipient and domain Nearly's own claims use.
pub const NEARLY_RECIPIENT: &str = "nearly.social";

/// A custody client for `base_url` with default settings (`https://api.outlayer.fastnear.com`,
/// or a sandbox's `http://127.0.0.1:8080/outlayer`).
///
/// # Errors
///
/// [`NearlyError::Custody`](crate::NearlyError::Custody) for a bad URL.
pub fn custody_client(base_url: &str) -> Result<HttpOutLayer> {
    Ok(HttpOutLayer::new(base_url, HttpConfig::default())?)
}

/// A freshly registered wallet, saved to the credentials file.
#[derive(Debug, Clone)]
pub struct Registered {
    /// The credentials as saved (the `api_key` is a secret).
    pub credentials: AccountCredentials,
    /// What the save did.
    pub saved: SaveOutcome,
    /// Trial calls left, when custody said.
    pub trial_calls_remaining: Option<u64>,
    /// Custody's handoff URL, when it sent one.
    pub handoff_url: Option<String>,
}

/// Creates a custody wallet (`POST /register`) and saves its key under its account id in
/// `store`. The new account id is fresh, so the save cannot clobber another key; `overwrite`
/// is passed through for completeness.
///
/// # Errors
///
/// Custody failures and credentials-file failures.
pub async fn register_wallet(
    custody: &dyn Custody,
    store: &CredentialsStore,
    overwrite: bool,
) -> Result<Registered> {
    let RegisterResponse {
        api_key,
        near_account_id,
        handoff_url,
        trial,
        ..
    } = custody.register().await?;
    let credentials = AccountCredentials {
        account_id: near_account_id,
        api_key,
        platforms: Map::new(),
    };
    let saved = store.save(&credentials, overwrite)?;
    Ok(Registered {
        credentials,
        saved,
        trial_calls_remaining: trial.map(|t| t.calls_remaining),
        handoff_url,
    })
}

/// The wallet's NEAR balance through custody.
///
/// # Errors
///
/// Custody failures.
pub async fn wallet_balance(custody: &dyn Custody, wallet_key: &str) -> Result<BalanceResponse> {
    Ok(custody
        .balance(&CustodyAuth::WalletKey(wallet_key.to_owned()))
        .await?)
}

/// What to sign into a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimOptions {
    /// The recipient the claim is for (default `nearly.social`).
    pub recipient: String,
    /// The message's `action` (default `login`).
    pub action: String,
    /// The message's `domain` (default `nearly.social`); also sent as `expected_domain`.
    pub domain: String,
}

impl Default for ClaimOptions {
    fn default() -> Self {
        Self {
            recipient: NEARLY_RECIPIENT.into(),
            action: "login".into(),
            domain: NEARLY_RECIPIENT.into(),
        }
    }
}

/// Signs a NEP-413 claim with the wallet's key through custody (`POST /wallet/v1/sign-message`)
/// and returns the `POST /verify-claim` body for it. The message is
/// `{"action", "domain", "account_id", "version": 1, "timestamp": <ms from clock>}`, serialized
/// as a JSON string; custody picks the nonce.
///
/// # Errors
///
/// Custody failures.
pub async fn sign_claim(
    custody: &dyn Custody,
    wallet_key: &str,
    account_id: &str,
    options: &ClaimOptions,
    clock: &dyn Clock,
) -> Result<VerifyClaimRequest> {
    let message = json!({
        "action": options.action,
        "domain": options.domain,
        "account_id": account_id,
        "version": 1,
        "timestamp": clock.now_ms(),
    });
    let message = Value::to_string(&message);
    let request = SignMessageRequest::nep413(message.clone(), options.recipient.clone(), None);
    let signed = custody
        .sign_message(&CustodyAuth::WalletKey(wallet_key.to_owned()), &request)
        .await?;
    Ok(VerifyClaimRequest {
        account_id: signed.account_id,
        public_key: signed.public_key,
        signature: signed.signature,
        nonce: signed.nonce,
        message,
        recipient: options.recipient.clone(),
        callback_url: None,
        expected_domain: Some(options.domain.clone()),
    })
}
