//! OutLayer `near:` account tokens: minting and full verification.
//!
//! A token is `near:` + base64url (no padding) of the JSON
//! `{"account_id","seed","pubkey":"ed25519:<b58>","timestamp":<unix s>,"signature":"<b58>"}`,
//! where `signature` is the raw ed25519 signature (base58, no prefix) of the UTF-8 bytes of
//! `auth:{seed}:{timestamp}` by `pubkey`. A token proves that whoever holds a key of
//! `account_id` asked for access within the freshness window.
//!
//! [`verify_account_token`] checks everything OutLayer checks, in the same order: decoding,
//! freshness against an injected clock, strict signature, then that the key belongs to the
//! account (implicit accounts offline, named accounts through a [`nep413::AccessKeys`] lookup).

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use ed25519_dalek::{Signature, Signer as _, SigningKey};
use nep413::{AccessKeyStatus, AccessKeys, PublicKey};
use serde::{Deserialize, Serialize};

use crate::auth::ACCOUNT_TOKEN_PREFIX;

/// OutLayer's freshness window: `|now - timestamp|` must be at most 30 seconds.
pub const DEFAULT_WINDOW_SECS: u64 = 30;

/// Tokens longer than this are refused before decoding (a real one is about 400 characters).
pub const MAX_TOKEN_LEN: usize = 4096;

/// base64url that accepts input with or without `=` padding.
const BASE64URL_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The signed JSON inside a `near:` token, exactly as written on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountTokenPayload {
    /// The NEAR account the token speaks for.
    pub account_id: String,
    /// The wallet seed (NEARLY uses `"admin"`).
    pub seed: String,
    /// The signing key, `ed25519:<base58 of 32 bytes>`.
    pub pubkey: String,
    /// When the token was minted, unix seconds.
    pub timestamp: u64,
    /// base58 (no prefix) of the ed25519 signature of `auth:{seed}:{timestamp}`.
    pub signature: String,
}

/// A token that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedAccountToken {
    /// The account the token speaks for (bound to `public_key`).
    pub account_id: String,
    /// The wallet seed.
    pub seed: String,
    /// The key that signed it.
    pub public_key: PublicKey,
    /// When it was minted, unix seconds.
    pub timestamp: u64,
}

/// Why a `near:` token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not base64url, not the expected JSON, a bad key or signature encoding, or an invalid
    /// account id.
    #[error("malformed near: token: {0}")]
    Malformed(String),
    /// The timestamp is outside the freshness window.
    #[error(
        "near: token expired: timestamp {timestamp} is more than {window_secs} s from now ({now})"
    )]
    Expired {
        /// The token's timestamp (unix s).
        timestamp: u64,
        /// The verifier's clock (unix s).
        now: u64,
        /// The window, seconds.
        window_secs: u64,
    },
    /// The signature does not verify (strictly) over `auth:{seed}:{timestamp}`.
    #[error("near: token signature does not verify")]
    BadSignature,
    /// The key is not (a full-access key) of the account.
    #[error("near: token key is not bound to the account: {0}")]
    NotBound(String),
    /// The account binding could not be checked (NEAR RPC failure). Transient.
    #[error("could not check the near: token's key: {0}")]
    RpcError(String),
}

/// How strictly [`verify_account_token`] checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenPolicy {
    /// Maximum `|now - timestamp|`, seconds. Default [`DEFAULT_WINDOW_SECS`].
    pub window_secs: u64,
    /// Whether a named account's key must be a `FullAccess` key (default `true`, as Nearly
    /// requires for claims); `false` accepts any existing key, as OutLayer does.
    pub require_full_access: bool,
}

impl Default for TokenPolicy {
    fn default() -> Self {
        Self {
            window_secs: DEFAULT_WINDOW_SECS,
            require_full_access: true,
        }
    }
}

/// The message a token signs: `auth:{seed}:{timestamp}`.
pub fn auth_message(seed: &str, timestamp_s: u64) -> String {
    format!("auth:{seed}:{timestamp_s}")
}

/// Mints a `near:` token for `account_id` signed by `key` at `timestamp_s` (unix seconds).
///
/// The key must be a key of `account_id` (for an implicit account, `account_id` is the hex of
/// its public key) for the token to verify anywhere.
pub fn mint_account_token(
    key: &SigningKey,
    account_id: &str,
    seed: &str,
    timestamp_s: u64,
) -> String {
    let signature = key.sign(auth_message(seed, timestamp_s).as_bytes());
    let payload = AccountTokenPayload {
        account_id: account_id.to_owned(),
        seed: seed.to_owned(),
        pubkey: PublicKey::from(key.verifying_key()).to_string(),
        timestamp: timestamp_s,
        signature: bs58::encode(signature.to_bytes()).into_string(),
    };
    // Serializing a struct of strings and an integer cannot fail; an empty payload would only
    // produce a token that fails to verify.
    let json = serde_json::to_vec(&payload).unwrap_or_default();
    format!(
        "{ACCOUNT_TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    )
}

/// Decodes a token (with or without its `near:` prefix; base64url with or without padding) into
/// its payload, without checking anything else.
pub fn decode_account_token(token: &str) -> Result<AccountTokenPayload, TokenError> {
    let body = token
        .strip_prefix(ACCOUNT_TOKEN_PREFIX)
        .unwrap_or(token)
        .trim();
    if body.len() > MAX_TOKEN_LEN {
        return Err(TokenError::Malformed(format!(
            "token must be at most {MAX_TOKEN_LEN} characters"
        )));
    }
    let bytes = BASE64URL_LENIENT
        .decode(body)
        .map_err(|_| TokenError::Malformed("token is not base64url".into()))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| TokenError::Malformed(format!("token payload is not the expected JSON: {e}")))
}

/// Verifies a `near:` token at time `now_s` (unix seconds, injected).
///
/// In order: decode ([`TokenError::Malformed`]); `|now - timestamp| <= window`
/// ([`TokenError::Expired`]); parse `pubkey` (lowercase `ed25519:` + 32 bytes) and the base58
/// signature ([`TokenError::Malformed`]); `verify_strict` over `auth:{seed}:{timestamp}`
/// ([`TokenError::BadSignature`]); then the binding: an implicit account must be `hex(pubkey)`,
/// a named account is asked of `access_keys` ([`TokenError::NotBound`], [`TokenError::RpcError`]).
pub async fn verify_account_token(
    token: &str,
    now_s: u64,
    policy: &TokenPolicy,
    access_keys: &dyn AccessKeys,
) -> Result<VerifiedAccountToken, TokenError> {
    let payload = decode_account_token(token)?;
    if payload.timestamp.abs_diff(now_s) > policy.window_secs {
        return Err(TokenError::Expired {
            timestamp: payload.timestamp,
            now: now_s,
            window_secs: policy.window_secs,
        });
    }
    let public_key = PublicKey::parse(&payload.pubkey)
        .map_err(|e| TokenError::Malformed(format!("pubkey: {e}")))?;
    let mut sig = [0u8; 64];
    match bs58::decode(&payload.signature).onto(&mut sig[..]) {
        Ok(64) => {}
        _ => {
            return Err(TokenError::Malformed(
                "signature must be base58 of exactly 64 bytes, without prefix".into(),
            ));
        }
    }
    public_key
        .verifying_key()
        .verify_strict(
            auth_message(&payload.seed, payload.timestamp).as_bytes(),
            &Signature::from_bytes(&sig),
        )
        .map_err(|_| TokenError::BadSignature)?;
    check_binding(&payload.account_id, &public_key, policy, access_keys).await?;
    Ok(VerifiedAccountToken {
        account_id: payload.account_id,
        seed: payload.seed,
        public_key,
        timestamp: payload.timestamp,
    })
}

async fn check_binding(
    account_id: &str,
    public_key: &PublicKey,
    policy: &TokenPolicy,
    access_keys: &dyn AccessKeys,
) -> Result<(), TokenError> {
    if nep413::is_implicit_account(account_id) {
        return if public_key.implicit_account_id() == account_id {
            Ok(())
        } else {
            Err(TokenError::NotBound(format!(
                "implicit account {account_id} is not the hex of {public_key}"
            )))
        };
    }
    if !nep413::access_keys::is_valid_account_id(account_id) {
        return Err(TokenError::Malformed(format!(
            "account_id {account_id:?} is not a valid NEAR account id"
        )));
    }
    match access_keys.access_key_status(account_id, public_key).await {
        AccessKeyStatus::FullAccess => Ok(()),
        AccessKeyStatus::NotFullAccess { .. } if !policy.require_full_access => Ok(()),
        AccessKeyStatus::NotFullAccess { permission } => Err(TokenError::NotBound(format!(
            "{public_key} is a {permission} key of {account_id}, not a FullAccess key"
        ))),
        AccessKeyStatus::Missing { detail } => Err(TokenError::NotBound(format!(
            "{public_key} is not a key of {account_id}: {detail}"
        ))),
        AccessKeyStatus::RpcError(detail) => Err(TokenError::RpcError(detail)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nep413::ImplicitOnly;
    use serde_json::{Value, json};

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[9u8; 32])
    }

    fn implicit() -> String {
        hex::encode(key().verifying_key().to_bytes())
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    fn payload_of(token: &str) -> Value {
        let body = token.strip_prefix("near:").unwrap();
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(body)
                .unwrap(),
        )
        .unwrap()
    }

    fn encode(payload: &Value) -> String {
        format!(
            "near:{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload.to_string())
        )
    }

    #[test]
    fn minted_token_has_the_wire_shape() {
        let token = mint_account_token(&key(), "alice.near", "admin", 1_700_000_000);
        assert!(token.starts_with("near:"));
        assert!(!token.contains('=') && !token.contains('+') && !token.contains('/'));
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token.strip_prefix("near:").unwrap())
            .unwrap();
        let raw = String::from_utf8(raw).unwrap();
        let at = |k: &str| raw.find(&format!("\"{k}\":")).unwrap();
        assert!(
            at("account_id") < at("seed") && at("seed") < at("pubkey"),
            "{raw}"
        );
        assert!(at("pubkey") < at("timestamp") && at("timestamp") < at("signature"));
        let p = payload_of(&token);
        assert_eq!(p["timestamp"], json!(1_700_000_000_u64));
        assert!(p["pubkey"].as_str().unwrap().starts_with("ed25519:"));
        let sig = bs58::decode(p["signature"].as_str().unwrap())
            .into_vec()
            .unwrap();
        let expected = key().sign(b"auth:admin:1700000000").to_bytes();
        assert_eq!(sig, expected);
    }

    #[test]
    fn implicit_round_trip_and_padding_tolerance() {
        let token = mint_account_token(&key(), &implicit(), "s", 100);
        let ok = block_on(verify_account_token(
            &token,
            130,
            &TokenPolicy::default(),
            &ImplicitOnly,
        ))
        .unwrap();
        assert_eq!(ok.account_id, implicit());
        assert_eq!(ok.timestamp, 100);
        // padded base64url is accepted too
        let body = token.strip_prefix("near:").unwrap();
        let padded = format!("near:{body}{}", "=".repeat((4 - body.len() % 4) % 4));
        assert!(
            block_on(verify_account_token(
                &padded,
                100,
                &TokenPolicy::default(),
                &ImplicitOnly
            ))
            .is_ok()
        );
    }

    #[test]
    fn freshness_window_both_directions() {
        let token = mint_account_token(&key(), &implicit(), "s", 1_000);
        let policy = TokenPolicy::default();
        for now in [969, 1_031, 0, u64::MAX] {
            assert!(
                matches!(
                    block_on(verify_account_token(&token, now, &policy, &ImplicitOnly)),
                    Err(TokenError::Expired { .. })
                ),
                "{now}"
            );
        }
        for now in [970, 1_000, 1_030] {
            assert!(block_on(verify_account_token(&token, now, &policy, &ImplicitOnly)).is_ok());
        }
        let wide = TokenPolicy {
            window_secs: 300,
            ..policy
        };
        assert!(block_on(verify_account_token(&token, 1_200, &wide, &ImplicitOnly)).is_ok());
    }

    #[test]
    fn tampering_is_a_bad_signature() {
        let token = mint_account_token(&key(), &implicit(), "s", 1_000);
        let mut p = payload_of(&token);
        p["seed"] = json!("other");
        assert_eq!(
            block_on(verify_account_token(
                &encode(&p),
                1_000,
                &TokenPolicy::default(),
                &ImplicitOnly
            )),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn implicit_account_of_another_key_is_not_bound() {
        let other = hex::encode(
            SigningKey::from_bytes(&[1u8; 32])
                .verifying_key()
                .to_bytes(),
        );
        let token = mint_account_token(&key(), &other, "s", 1_000);
        assert!(matches!(
            block_on(verify_account_token(
                &token,
                1_000,
                &TokenPolicy::default(),
                &ImplicitOnly
            )),
            Err(TokenError::NotBound(_))
        ));
    }

    #[test]
    fn malformed_inputs() {
        let policy = TokenPolicy::default();
        let token = mint_account_token(&key(), &implicit(), "s", 1_000);
        let good = payload_of(&token);
        let mut cases = vec![
            "near:".to_owned(),
            "near:!!!".to_owned(),
            encode(&json!([1, 2])),
            format!("near:{}", "A".repeat(MAX_TOKEN_LEN + 1)),
        ];
        for (field, value) in [
            ("pubkey", json!("ED25519:abc")),
            ("pubkey", json!("ed25519:abc")),
            ("signature", json!("ed25519:xyz")),
            ("signature", json!("1111")),
            ("timestamp", json!("1000")),
            ("timestamp", json!(-1)),
            ("account_id", json!("Not Valid")),
        ] {
            let mut p = good.clone();
            p[field] = value;
            cases.push(encode(&p));
        }
        for case in cases {
            let got = block_on(verify_account_token(&case, 1_000, &policy, &ImplicitOnly));
            assert!(
                matches!(got, Err(TokenError::Malformed(_))),
                "{case}: {got:?}"
            );
        }
    }
}
