//! The NEP-413 payload, its byte encoding, hash, signing and strict verification.
//!
//! ```text
//! signed bytes = u32_le(2^31 + 413) || borsh(Payload)      // tag bytes 9d 01 00 80
//! digest       = sha256(signed bytes)
//! signature    = ed25519(secret, digest)
//! ```

use borsh::{BorshDeserialize, BorshSerialize};
use ed25519_dalek::{Signer as _, SigningKey};
use sha2::{Digest as _, Sha256};

use crate::encoding::{Nonce, PublicKey, Signature};

/// The NEP-413 tag, `2^31 + 413`, written little-endian before the borsh payload.
pub const NEP413_TAG: u32 = (1u32 << 31) + 413;

/// The NEP-413 payload: what the wallet signs, minus the tag.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Payload {
    /// The human-readable message.
    pub message: String,
    /// 32 nonce bytes (written raw, without a length prefix).
    pub nonce: [u8; 32],
    /// Who the message is meant for (an app name, domain or account).
    pub recipient: String,
    /// The wallet callback URL, when the wallet signed one.
    pub callback_url: Option<String>,
}

/// A borrowed view of a [`Payload`]; encodes to the same bytes without owning the strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, BorshSerialize)]
pub struct PayloadRef<'a> {
    /// The human-readable message.
    pub message: &'a str,
    /// 32 nonce bytes.
    pub nonce: &'a [u8; 32],
    /// The recipient.
    pub recipient: &'a str,
    /// The wallet callback URL, if any.
    pub callback_url: Option<&'a str>,
}

impl Payload {
    /// Builds a payload from its parts.
    pub fn new(
        message: impl Into<String>,
        nonce: Nonce,
        recipient: impl Into<String>,
        callback_url: Option<String>,
    ) -> Self {
        Self {
            message: message.into(),
            nonce: *nonce.as_bytes(),
            recipient: recipient.into(),
            callback_url,
        }
    }

    /// A borrowed view.
    pub fn as_ref(&self) -> PayloadRef<'_> {
        PayloadRef {
            message: &self.message,
            nonce: &self.nonce,
            recipient: &self.recipient,
            callback_url: self.callback_url.as_deref(),
        }
    }

    /// The signed bytes: tag followed by the borsh payload.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.as_ref().to_bytes()
    }

    /// `sha256(tag || borsh(payload))`, the 32 bytes that are actually signed.
    pub fn hash(&self) -> [u8; 32] {
        self.as_ref().hash()
    }

    /// Signs the payload with `key`, returning the 64-byte signature.
    pub fn sign(&self, key: &SigningKey) -> [u8; 64] {
        sign(key, self)
    }
}

impl PayloadRef<'_> {
    /// The signed bytes: tag followed by the borsh payload.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            4 + 4
                + self.message.len()
                + 32
                + 4
                + self.recipient.len()
                + 5
                + self.callback_url.map_or(0, str::len),
        );
        out.extend_from_slice(&NEP413_TAG.to_le_bytes());
        // Writing into a Vec cannot fail.
        let _ = BorshSerialize::serialize(self, &mut out);
        out
    }

    /// `sha256(tag || borsh(payload))`, streamed into the hasher without building the bytes.
    pub fn hash(&self) -> [u8; 32] {
        PrefixHasher::new(self.message, self.nonce, self.recipient).finish(self.callback_url)
    }
}

/// Hashes the part of a payload before the callback once, so that verifying with and without a
/// callback URL shares the work (the callback is the last field).
#[derive(Clone)]
pub(crate) struct PrefixHasher {
    state: Sha256,
}

impl PrefixHasher {
    pub(crate) fn new(message: &str, nonce: &[u8; 32], recipient: &str) -> Self {
        let mut state = Sha256::new();
        state.update(NEP413_TAG.to_le_bytes());
        update_string(&mut state, message);
        state.update(nonce);
        update_string(&mut state, recipient);
        Self { state }
    }

    pub(crate) fn finish(&self, callback_url: Option<&str>) -> [u8; 32] {
        let mut state = self.state.clone();
        match callback_url {
            None => state.update([0u8]),
            Some(url) => {
                state.update([1u8]);
                update_string(&mut state, url);
            }
        }
        state.finalize().into()
    }
}

/// borsh(String): u32 little-endian byte length, then the UTF-8 bytes.
fn update_string(state: &mut Sha256, s: &str) {
    // borsh refuses strings over u32::MAX bytes; such a claim can never verify, and saturating
    // keeps the hash well defined instead of panicking.
    let len = u32::try_from(s.len()).unwrap_or(u32::MAX);
    state.update(len.to_le_bytes());
    state.update(s.as_bytes());
}

/// Signs a payload: `ed25519(key, sha256(tag || borsh(payload)))`, returning the 64 bytes.
pub fn sign(key: &SigningKey, payload: &Payload) -> [u8; 64] {
    key.sign(&payload.hash()).to_bytes()
}

/// Why a signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// Strict ed25519 verification failed (wrong key, tampered payload, weak key or
    /// non-canonical signature).
    #[error("signature does not verify for this public key and payload")]
    Invalid,
}

/// Verifies `signature` over a 32-byte payload digest with `verify_strict`.
///
/// Strict verification rejects small-order (weak) public keys and `R` values and non-canonical
/// `S`, which is what stops vector W1 (identity key, identity `R`, `s = 0`).
pub fn verify_digest(
    public_key: &PublicKey,
    digest: &[u8; 32],
    signature: &Signature,
) -> Result<(), SignatureError> {
    public_key
        .verifying_key()
        .verify_strict(digest, &signature.to_dalek())
        .map_err(|_| SignatureError::Invalid)
}

/// Verifies a signature over already-encoded payload bytes (`tag || borsh(payload)`).
pub fn verify_bytes(
    public_key: &PublicKey,
    signed_bytes: &[u8],
    signature: &Signature,
) -> Result<(), SignatureError> {
    let digest: [u8; 32] = Sha256::digest(signed_bytes).into();
    verify_digest(public_key, &digest, signature)
}

/// Which callback URL the signature was made over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignedCallback {
    /// The callback URL that came with the claim verified as signed.
    AsProvided(Option<String>),
    /// The claim carried a callback URL, but the signature only verified without one
    /// (wallets such as Meteor and HOT drop it).
    RetriedWithoutCallback,
}

impl SignedCallback {
    /// The callback URL that is inside the signed payload, if any.
    pub fn signed_url(&self) -> Option<&str> {
        match self {
            Self::AsProvided(url) => url.as_deref(),
            Self::RetriedWithoutCallback => None,
        }
    }
}

/// Verifies a payload; when it carries a callback URL and fails, retries once with `None`.
///
/// The reverse (adding a callback the claim did not carry) is impossible: the verifier cannot
/// know the URL.
pub fn verify_payload(
    public_key: &PublicKey,
    payload: PayloadRef<'_>,
    signature: &Signature,
) -> Result<SignedCallback, SignatureError> {
    let prefix = PrefixHasher::new(payload.message, payload.nonce, payload.recipient);
    verify_with_prefix(public_key, &prefix, payload.callback_url, signature)
}

pub(crate) fn verify_with_prefix(
    public_key: &PublicKey,
    prefix: &PrefixHasher,
    callback_url: Option<&str>,
    signature: &Signature,
) -> Result<SignedCallback, SignatureError> {
    let first = verify_digest(public_key, &prefix.finish(callback_url), signature);
    match (first, callback_url) {
        (Ok(()), url) => Ok(SignedCallback::AsProvided(url.map(str::to_owned))),
        (Err(_), Some(_)) => verify_digest(public_key, &prefix.finish(None), signature)
            .map(|()| SignedCallback::RetriedWithoutCallback),
        (Err(e), None) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    #[test]
    fn tag_bytes_are_9d010080() {
        assert_eq!(NEP413_TAG.to_le_bytes(), [0x9d, 0x01, 0x00, 0x80]);
    }

    #[test]
    fn streamed_hash_equals_hash_of_borsh_bytes() {
        for cb in [None, Some(String::new()), Some("https://x".to_owned())] {
            let p = Payload::new("héllo", Nonce::from_bytes([9; 32]), "r.near", cb);
            let digest: [u8; 32] = Sha256::digest(p.to_bytes()).into();
            assert_eq!(p.hash(), digest);
            let mut expected = NEP413_TAG.to_le_bytes().to_vec();
            expected.extend(borsh::to_vec(&p).unwrap());
            assert_eq!(p.to_bytes(), expected);
        }
    }

    #[test]
    fn callback_retry_reports_which_callback_verified() {
        let k = key();
        let pk = PublicKey::from(k.verifying_key());
        let signed_without = Payload::new("m", Nonce::from_bytes([1; 32]), "r", None);
        let sig = Signature::from_bytes(signed_without.sign(&k));
        let claimed = PayloadRef {
            callback_url: Some("https://cb"),
            ..signed_without.as_ref()
        };
        assert_eq!(
            verify_payload(&pk, claimed, &sig),
            Ok(SignedCallback::RetriedWithoutCallback)
        );
        assert_eq!(
            verify_payload(&pk, signed_without.as_ref(), &sig),
            Ok(SignedCallback::AsProvided(None))
        );

        let signed_with = Payload::new(
            "m",
            Nonce::from_bytes([1; 32]),
            "r",
            Some("https://cb".into()),
        );
        let sig = Signature::from_bytes(signed_with.sign(&k));
        assert_eq!(
            verify_payload(&pk, signed_with.as_ref(), &sig),
            Ok(SignedCallback::AsProvided(Some("https://cb".into())))
        );
        // The reverse is not attempted: a claim without callback cannot match one signed with it.
        assert_eq!(
            verify_payload(&pk, signed_without.as_ref(), &sig),
            Err(SignatureError::Invalid)
        );
    }
}
