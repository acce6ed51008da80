//! The NEAR AI hub bearer token: a NEP-413 envelope serialized as JSON.
//!
//! ```text
//! {"account_id":"...","public_key":"ed25519:...","signature":"<base64>","message":"...",
//!  "recipient":"ai.near","nonce":"00000000000000000001741287395592","callback_url":"..."}
//! ```
//! The nonce is the signing time in milliseconds, left-padded with `'0'` to 32 ASCII bytes, and
//! is itself the freshness timestamp. Extra fields (`on_behalf_of`, `runner_data`, ...) are
//! ignored. The token may arrive wrapped as `auth:'{...}'` or percent-encoded (cookie form).

use ed25519_dalek::SigningKey;
use serde::Deserialize;
use serde_json::Value;

use super::{BindingCheck, FreshnessWindow, Verifier, check_signature};
use crate::access_keys::is_valid_account_id;
use crate::encoding::{Nonce, PublicKey, Signature};
use crate::error::VerifyError;
use crate::payload::{Payload, PrefixHasher, SignedCallback};

/// The recipient NEAR AI hub tokens are signed for.
pub const NEAR_AI_RECIPIENT: &str = "ai.near";

/// A verified NEAR AI token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NearAiIdentity {
    /// The verified account.
    pub account_id: String,
    /// The key that signed.
    pub public_key: PublicKey,
    /// The signed message.
    pub message: String,
    /// The recipient the token was signed for.
    pub recipient: String,
    /// The signing time taken from the nonce (Unix ms).
    pub timestamp_ms: u64,
    /// Which callback URL the signature covered.
    pub signed_callback: SignedCallback,
    /// When the token was verified (Unix ms, from the injected clock).
    pub verified_at: u64,
}

#[derive(Deserialize)]
struct TokenFields {
    account_id: String,
    public_key: String,
    signature: String,
    message: String,
    recipient: String,
    nonce: Value,
    #[serde(default)]
    callback_url: Option<String>,
}

/// Verifies NEAR AI hub bearer tokens; replay-protected through the verifier's nonce store, so
/// each token is accepted once.
#[derive(Debug, Clone)]
pub struct NearAiTokenPolicy {
    verifier: Verifier,
    window: FreshnessWindow,
    recipients: Option<Vec<String>>,
}

impl NearAiTokenPolicy {
    /// The policy with the default window (5 minutes past, 60 s future), accepting only tokens
    /// signed for [`NEAR_AI_RECIPIENT`].
    pub fn new(verifier: Verifier) -> Self {
        Self {
            verifier,
            window: FreshnessWindow::DEFAULT,
            recipients: Some(vec![NEAR_AI_RECIPIENT.to_owned()]),
        }
    }

    /// Replaces the freshness window.
    pub fn with_window(mut self, window: FreshnessWindow) -> Self {
        self.window = window;
        self
    }

    /// Accepts tokens signed for any of `recipients` (instead of only `ai.near`).
    pub fn with_recipients<I, S>(mut self, recipients: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.recipients = Some(recipients.into_iter().map(Into::into).collect());
        self
    }

    /// Accepts tokens signed for any recipient. A token signed for another app can then be
    /// presented here by that app; prefer [`with_recipients`](Self::with_recipients).
    pub fn any_recipient(mut self) -> Self {
        self.recipients = None;
        self
    }

    /// Verifies a token (the bearer credential, with or without `Bearer `, `auth:` and quotes,
    /// plain or percent-encoded JSON).
    pub async fn verify(&self, token: &str) -> Result<NearAiIdentity, VerifyError> {
        let json = unwrap_token(token)?;
        let fields: TokenFields = serde_json::from_str(&json).map_err(|e| {
            VerifyError::Malformed(format!(
                "NEAR AI token is not the expected JSON object: {e}"
            ))
        })?;
        for (name, value) in [
            ("account_id", &fields.account_id),
            ("public_key", &fields.public_key),
            ("signature", &fields.signature),
            ("recipient", &fields.recipient),
        ] {
            if value.is_empty() {
                return Err(VerifyError::Malformed(format!(
                    "{name} must be a non-empty string"
                )));
            }
        }
        if !is_valid_account_id(&fields.account_id) {
            return Err(VerifyError::Malformed(format!(
                "account_id {:?} is not a valid NEAR account id",
                fields.account_id
            )));
        }
        if let Some(allowed) = &self.recipients
            && !allowed.contains(&fields.recipient)
        {
            return Err(VerifyError::Malformed(format!(
                "recipient {:?} is not accepted here (expected one of {allowed:?})",
                fields.recipient
            )));
        }
        let nonce = match &fields.nonce {
            Value::String(s) => Nonce::parse(s)?,
            Value::Number(n) => n
                .as_u64()
                .map(Nonce::from_timestamp_ms)
                .ok_or_else(|| VerifyError::Malformed(format!("nonce {n} is not a timestamp")))?,
            _ => return Err(VerifyError::Malformed("nonce must be a string".into())),
        };
        let timestamp_ms = nonce.as_timestamp_ms().ok_or_else(|| {
            VerifyError::Malformed(
                "NEAR AI token nonce must be a decimal millisecond timestamp".into(),
            )
        })?;
        let now = self.verifier.now_ms();
        self.window.check(timestamp_ms, now)?;
        let public_key = self.verifier.parse_public_key(&fields.public_key)?;
        let signature = Signature::parse(&fields.signature)?;
        let prefix = PrefixHasher::new(&fields.message, nonce.as_bytes(), &fields.recipient);
        let signed_callback = check_signature(
            &public_key,
            &prefix,
            fields.callback_url.as_deref(),
            &signature,
        )?;
        let binding = BindingCheck {
            account_id: &fields.account_id,
            public_key: &public_key,
            recipient: &fields.recipient,
            nonce: &nonce,
        };
        self.verifier
            .consume_and_bind(binding, self.window.nonce_expiry(timestamp_ms, now), now)
            .await?;
        Ok(NearAiIdentity {
            account_id: fields.account_id,
            public_key,
            message: fields.message,
            recipient: fields.recipient,
            timestamp_ms,
            signed_callback,
            verified_at: now,
        })
    }
}

/// Builds a NEAR AI token the way the hub's clients do: the nonce is `timestamp_ms` padded to 32
/// digits, the signature standard base64, the result compact JSON.
pub fn sign_near_ai_token(
    key: &SigningKey,
    account_id: &str,
    message: &str,
    recipient: &str,
    timestamp_ms: u64,
    callback_url: Option<&str>,
) -> String {
    let nonce = Nonce::from_timestamp_ms(timestamp_ms);
    let payload = Payload::new(message, nonce, recipient, callback_url.map(str::to_owned));
    let signature = Signature::from_bytes(payload.sign(key));
    serde_json::json!({
        "account_id": account_id,
        "public_key": PublicKey::from(key.verifying_key()).to_string(),
        "signature": signature.to_base64(),
        "callback_url": callback_url,
        "message": message,
        "recipient": recipient,
        "nonce": timestamp_ms.to_string(),
    })
    .to_string()
}

/// Strips `Bearer `, `auth:` and surrounding quotes, and percent-decodes a cookie-form token.
fn unwrap_token(token: &str) -> Result<String, VerifyError> {
    let mut t = token.trim();
    if t.len() >= 7 && t.is_char_boundary(7) && t[..7].eq_ignore_ascii_case("bearer ") {
        t = t[7..].trim_start();
    }
    if let Some(rest) = t.strip_prefix("auth:") {
        t = rest.trim();
    }
    for q in ['\'', '"'] {
        if t.len() >= 2 && t.starts_with(q) && t.ends_with(q) {
            t = &t[1..t.len() - 1];
            break;
        }
    }
    if t.starts_with('{') {
        return Ok(t.to_owned());
    }
    if t.len() >= 3 && t.is_char_boundary(3) && t[..3].eq_ignore_ascii_case("%7b") {
        return percent_decode(t);
    }
    Err(VerifyError::Malformed(
        "NEAR AI token must be a JSON object (optionally `auth:` wrapped or percent-encoded)"
            .into(),
    ))
}

fn percent_decode(s: &str) -> Result<String, VerifyError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hi = bytes.get(i + 1).and_then(|b| char::from(*b).to_digit(16));
            let lo = bytes.get(i + 2).and_then(|b| char::from(*b).to_digit(16));
            match (hi, lo) {
                (Some(h), Some(l)) => {
                    // Two hex digits are at most 255.
                    out.push(u8::try_from(h * 16 + l).unwrap_or(0));
                    i += 3;
                }
                _ => {
                    return Err(VerifyError::Malformed(
                        "NEAR AI token has an invalid percent escape".into(),
                    ));
                }
            }
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| {
        VerifyError::Malformed("NEAR AI token is not UTF-8 after percent-decoding".into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unwrap_token_accepts_documented_wrappers() {
        let json = r#"{"a":"b c"}"#;
        assert_eq!(unwrap_token(json).unwrap(), json);
        assert_eq!(unwrap_token(&format!("auth:'{json}'")).unwrap(), json);
        assert_eq!(
            unwrap_token(&format!("Bearer auth:\"{json}\"")).unwrap(),
            json
        );
        assert_eq!(
            unwrap_token("auth:\"%7B%22a%22%3A%22b%20c%22%7D\"").unwrap(),
            json
        );
        assert!(unwrap_token("wk_abc").is_err());
        assert!(unwrap_token("%7B%2").is_err());
        assert!(unwrap_token("%7B%FF%FE").is_err());
    }
}
