//! Nearly's `POST /verify-claim` policy.
//!
//! Checks run in the reference order, each failing with its own [`Reason`](crate::Reason):
//! shape -> message -> freshness -> key -> signature -> nonce -> payload/verify -> replay ->
//! binding.

use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{BindingCheck, FreshnessWindow, Verifier, check_signature};
use crate::access_keys::is_valid_account_id;
use crate::encoding::{Nonce, PublicKey, Signature};
use crate::error::VerifyError;
use crate::payload::{Payload, PrefixHasher, SignedCallback};

/// The verify-claim request body.
///
/// `message` is a JSON *string* holding an object such as
/// `{"action":"login","domain":"nearly.social","version":1,"timestamp":1712900000000}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyClaimRequest {
    /// The account the signer claims to control.
    pub account_id: String,
    /// `ed25519:<base58>`.
    pub public_key: String,
    /// Base64, `ed25519:<base58>` or base58 of 64 bytes.
    pub signature: String,
    /// Any nonce encoding [`Nonce::parse`] accepts.
    pub nonce: String,
    /// The signed message: a JSON object serialized as a string.
    pub message: String,
    /// The recipient the claim was signed for.
    pub recipient: String,
    /// The wallet callback URL, if the wallet signed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    /// When set, `message.domain` must equal it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_domain: Option<String>,
}

impl VerifyClaimRequest {
    /// Signs `message` for `recipient` with `key` and returns the request a client would send
    /// (signature and nonce in standard base64, the key as `ed25519:<base58>`).
    pub fn sign(
        key: &SigningKey,
        account_id: impl Into<String>,
        message: impl Into<String>,
        recipient: impl Into<String>,
        nonce: Nonce,
        callback_url: Option<String>,
    ) -> Self {
        let payload = Payload::new(message, nonce, recipient, callback_url);
        let signature = Signature::from_bytes(payload.sign(key));
        Self {
            account_id: account_id.into(),
            public_key: PublicKey::from(key.verifying_key()).to_string(),
            signature: signature.to_base64(),
            nonce: nonce.to_base64(),
            message: payload.message,
            recipient: payload.recipient,
            callback_url: payload.callback_url,
            expected_domain: None,
        }
    }
}

/// A claim that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedClaim {
    /// The verified account.
    pub account_id: String,
    /// The key that signed, as `ed25519:<base58>`.
    pub public_key: String,
    /// The recipient the claim was signed for.
    pub recipient: String,
    /// The nonce as the client sent it.
    pub nonce: String,
    /// The parsed message object.
    pub message: Map<String, Value>,
    /// When the claim was verified (Unix ms, from the injected clock).
    pub verified_at: u64,
    /// Which callback URL the signature covered (not part of the HTTP response).
    pub signed_callback: SignedCallback,
}

/// The verify-claim answer: serializes to `{"valid":true, account_id, public_key, recipient,
/// nonce, message, verified_at}` or `{"valid":false, reason, detail}`.
#[derive(Debug, Clone, PartialEq)]
pub enum VerifyClaimResponse {
    /// The claim is valid.
    Valid(VerifiedClaim),
    /// The claim was refused.
    Invalid(VerifyError),
}

impl VerifyClaimResponse {
    /// Whether the claim is valid.
    pub fn is_valid(&self) -> bool {
        matches!(self, Self::Valid(_))
    }
}

impl From<Result<VerifiedClaim, VerifyError>> for VerifyClaimResponse {
    fn from(r: Result<VerifiedClaim, VerifyError>) -> Self {
        match r {
            Ok(v) => Self::Valid(v),
            Err(e) => Self::Invalid(e),
        }
    }
}

impl Serialize for VerifyClaimResponse {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        match self {
            Self::Valid(v) => {
                let mut m = serializer.serialize_map(Some(7))?;
                m.serialize_entry("valid", &true)?;
                m.serialize_entry("account_id", &v.account_id)?;
                m.serialize_entry("public_key", &v.public_key)?;
                m.serialize_entry("recipient", &v.recipient)?;
                m.serialize_entry("nonce", &v.nonce)?;
                m.serialize_entry("message", &v.message)?;
                m.serialize_entry("verified_at", &v.verified_at)?;
                m.end()
            }
            Self::Invalid(e) => {
                let mut m = serializer.serialize_map(Some(3))?;
                m.serialize_entry("valid", &false)?;
                m.serialize_entry("reason", &e.reason())?;
                m.serialize_entry("detail", e.detail())?;
                m.end()
            }
        }
    }
}

/// Nearly's verify-claim policy.
#[derive(Debug, Clone)]
pub struct VerifyClaimPolicy {
    verifier: Verifier,
    window: FreshnessWindow,
}

/// A request that passed every step before the signature check.
struct Prepared<'a> {
    message: Map<String, Value>,
    timestamp_ms: u64,
    public_key: PublicKey,
    signature: Signature,
    nonce: Nonce,
    prefix: PrefixHasher,
    request: &'a VerifyClaimRequest,
}

impl VerifyClaimPolicy {
    /// The policy with the default window (5 minutes past, 60 s future).
    pub fn new(verifier: Verifier) -> Self {
        Self {
            verifier,
            window: FreshnessWindow::DEFAULT,
        }
    }

    /// Replaces the freshness window.
    pub fn with_window(mut self, window: FreshnessWindow) -> Self {
        self.window = window;
        self
    }

    /// The verifier this policy uses.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// Verifies a raw JSON request body; an unreadable body is `malformed`.
    pub async fn verify_json(&self, body: &str) -> VerifyClaimResponse {
        match serde_json::from_str::<VerifyClaimRequest>(body) {
            Ok(request) => self.verify(&request).await,
            Err(e) => VerifyClaimResponse::Invalid(VerifyError::Malformed(format!(
                "request body is not a verify-claim object: {e}{}",
                if e.to_string().contains("expected a string") {
                    " (every field is a string; `message` is a JSON object serialized as a string)"
                } else {
                    ""
                }
            ))),
        }
    }

    /// Verifies a request.
    pub async fn verify(&self, request: &VerifyClaimRequest) -> VerifyClaimResponse {
        self.verify_result(request).await.into()
    }

    /// Verifies a request, as a `Result`.
    pub async fn verify_result(
        &self,
        request: &VerifyClaimRequest,
    ) -> Result<VerifiedClaim, VerifyError> {
        let now = self.verifier.now_ms();
        let prepared = self.prepare(request, now)?;
        let signed = check_signature(
            &prepared.public_key,
            &prepared.prefix,
            request.callback_url.as_deref(),
            &prepared.signature,
        )?;
        self.finish(prepared, signed, now).await
    }

    /// Steps up to (not including) the signature check.
    fn prepare<'a>(
        &self,
        request: &'a VerifyClaimRequest,
        now_ms: u64,
    ) -> Result<Prepared<'a>, VerifyError> {
        check_shape(request)?;
        let (message, timestamp_ms) = parse_message(request)?;
        self.window.check(timestamp_ms, now_ms)?;
        let public_key = self.verifier.parse_public_key(&request.public_key)?;
        let signature = Signature::parse(&request.signature)?;
        let nonce = Nonce::parse(&request.nonce)?;
        let prefix = PrefixHasher::new(&request.message, nonce.as_bytes(), &request.recipient);
        Ok(Prepared {
            message,
            timestamp_ms,
            public_key,
            signature,
            nonce,
            prefix,
            request,
        })
    }

    /// Replay and binding, then the success value.
    async fn finish(
        &self,
        p: Prepared<'_>,
        signed_callback: SignedCallback,
        now_ms: u64,
    ) -> Result<VerifiedClaim, VerifyError> {
        let binding = BindingCheck {
            account_id: &p.request.account_id,
            public_key: &p.public_key,
            recipient: &p.request.recipient,
            nonce: &p.nonce,
        };
        self.verifier
            .consume_and_bind(
                binding,
                self.window.nonce_expiry(p.timestamp_ms, now_ms),
                now_ms,
            )
            .await?;
        Ok(VerifiedClaim {
            account_id: p.request.account_id.clone(),
            public_key: p.request.public_key.clone(),
            recipient: p.request.recipient.clone(),
            nonce: p.request.nonce.clone(),
            message: p.message,
            verified_at: now_ms,
            signed_callback,
        })
    }

    /// Verifies many requests with one batched signature check (feature `batch`).
    ///
    /// Results are in request order and equal what [`verify_result`](Self::verify_result)
    /// would give one by one: keys are checked with `is_weak()` first (batch verification skips
    /// that check), and if the batch fails every claim is re-verified strictly to find which
    /// ones failed. Replay and binding run in request order, so a nonce repeated inside the
    /// batch is a `replay` for its second use.
    #[cfg(feature = "batch")]
    pub async fn verify_batch(
        &self,
        requests: &[VerifyClaimRequest],
    ) -> Vec<Result<VerifiedClaim, VerifyError>> {
        let now = self.verifier.now_ms();
        let prepared: Vec<Result<Prepared<'_>, VerifyError>> =
            requests.iter().map(|r| self.prepare(r, now)).collect();
        let items: Vec<crate::batch::BatchItem<'_>> = prepared
            .iter()
            .filter_map(|p| p.as_ref().ok())
            .map(|p| crate::batch::BatchItem {
                public_key: &p.public_key,
                prefix: &p.prefix,
                callback_url: p.request.callback_url.as_deref(),
                signature: &p.signature,
            })
            .collect();
        let mut verdicts = crate::batch::verify_items(&items).into_iter();
        drop(items);
        let mut out = Vec::with_capacity(requests.len());
        for p in prepared {
            let result = match p {
                Err(e) => Err(e),
                Ok(p) => match verdicts.next() {
                    Some(Ok(signed)) => self.finish(p, signed, now).await,
                    Some(Err(e)) => Err(e),
                    None => Err(VerifyError::Signature("batch verdict missing".into())),
                },
            };
            out.push(result);
        }
        out
    }
}

fn check_shape(r: &VerifyClaimRequest) -> Result<(), VerifyError> {
    for (name, value) in [
        ("account_id", &r.account_id),
        ("public_key", &r.public_key),
        ("signature", &r.signature),
        ("nonce", &r.nonce),
        ("message", &r.message),
        ("recipient", &r.recipient),
    ] {
        if value.is_empty() {
            return Err(VerifyError::Malformed(format!(
                "{name} must be a non-empty string"
            )));
        }
    }
    if !is_valid_account_id(&r.account_id) {
        return Err(VerifyError::Malformed(format!(
            "account_id {:?} is not a valid NEAR account id",
            r.account_id
        )));
    }
    Ok(())
}

fn parse_message(r: &VerifyClaimRequest) -> Result<(Map<String, Value>, u64), VerifyError> {
    let message: Map<String, Value> = serde_json::from_str(&r.message).map_err(|e| {
        VerifyError::Malformed(format!(
            "message must be a JSON object serialized as a string: {e}"
        ))
    })?;
    let timestamp_ms = match message.get("timestamp") {
        Some(Value::Number(n)) => n.as_u64().ok_or_else(|| {
            VerifyError::Malformed(format!(
                "message.timestamp must be a non-negative integer of milliseconds, got {n}"
            ))
        })?,
        Some(_) => {
            return Err(VerifyError::Malformed(
                "message.timestamp must be a number (milliseconds)".into(),
            ));
        }
        None => {
            return Err(VerifyError::Malformed(
                "message.timestamp is missing".into(),
            ));
        }
    };
    for field in ["action", "domain"] {
        if message.get(field).is_some_and(|v| !v.is_string()) {
            return Err(VerifyError::Malformed(format!(
                "message.{field} must be a string"
            )));
        }
    }
    if message.get("version").is_some_and(|v| !v.is_number()) {
        return Err(VerifyError::Malformed(
            "message.version must be a number".into(),
        ));
    }
    match message.get("account_id") {
        None => {}
        Some(Value::String(a)) if *a == r.account_id => {}
        Some(Value::String(a)) => {
            return Err(VerifyError::Malformed(format!(
                "message.account_id {a:?} does not match account_id {:?}",
                r.account_id
            )));
        }
        Some(_) => {
            return Err(VerifyError::Malformed(
                "message.account_id must be a string".into(),
            ));
        }
    }
    if let Some(expected) = &r.expected_domain {
        match message.get("domain").and_then(Value::as_str) {
            Some(d) if d == expected => {}
            Some(d) => {
                return Err(VerifyError::Malformed(format!(
                    "message.domain {d:?} does not match expected_domain {expected:?}"
                )));
            }
            None => {
                return Err(VerifyError::Malformed(format!(
                    "message.domain is missing but expected_domain is {expected:?}"
                )));
            }
        }
    }
    Ok((message, timestamp_ms))
}
