//! The verifier (clock + nonce store + access keys) and the ready-made policies built on it.

pub mod near_ai;
pub mod verify_claim;

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use crate::access_keys::{AccessKeys, ImplicitOnly, check_binding};
use crate::clock::{Clock, SystemClock};
use crate::encoding::{Nonce, ParseError, PublicKey, Signature};
use crate::error::VerifyError;
use crate::nonce_store::{InMemoryNonceStore, NonceStore, NonceStoreError};
use crate::payload::{PrefixHasher, SignedCallback, verify_with_prefix};

/// How far a claim's timestamp may be from the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FreshnessWindow {
    /// The oldest accepted timestamp, in ms before now (inclusive).
    pub max_age_ms: u64,
    /// The furthest accepted timestamp, in ms after now (inclusive).
    pub max_future_ms: u64,
}

impl FreshnessWindow {
    /// Five minutes into the past, sixty seconds into the future (Nearly's verify-claim).
    pub const DEFAULT: Self = Self {
        max_age_ms: 5 * 60 * 1000,
        max_future_ms: 60 * 1000,
    };

    /// Refuses `timestamp_ms` with [`VerifyError::Expired`] when it is outside the window.
    pub fn check(&self, timestamp_ms: u64, now_ms: u64) -> Result<(), VerifyError> {
        if timestamp_ms > now_ms.saturating_add(self.max_future_ms) {
            return Err(VerifyError::Expired(format!(
                "timestamp {timestamp_ms} is {} ms in the future; at most {} ms is allowed",
                timestamp_ms - now_ms,
                self.max_future_ms
            )));
        }
        if now_ms.saturating_sub(timestamp_ms) > self.max_age_ms {
            let hint = if timestamp_ms < 100_000_000_000 {
                " (it looks like seconds; NEP-413 timestamps are milliseconds)"
            } else {
                ""
            };
            return Err(VerifyError::Expired(format!(
                "timestamp {timestamp_ms} is {} ms old; claims expire after {} ms{hint}",
                now_ms - timestamp_ms,
                self.max_age_ms
            )));
        }
        Ok(())
    }

    /// Until when a nonce used at `now_ms` for a claim stamped `timestamp_ms` must be remembered:
    /// the claim stays fresh until `timestamp_ms + max_age_ms`, and never less than a full window
    /// from now.
    pub fn nonce_expiry(&self, timestamp_ms: u64, now_ms: u64) -> u64 {
        timestamp_ms
            .max(now_ms)
            .saturating_add(self.max_age_ms)
            .saturating_add(1)
    }
}

impl Default for FreshnessWindow {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The three injected parts every policy uses: a clock, a nonce store and an access-key lookup.
///
/// Cheap to clone (three `Arc`s); share one between policies so they share replay protection.
#[derive(Clone)]
pub struct Verifier {
    clock: Arc<dyn Clock>,
    nonces: Arc<dyn NonceStore>,
    access_keys: Arc<dyn AccessKeys>,
    key_cache: Arc<KeyCache>,
}

/// The default number of decoded public keys a [`Verifier`] keeps.
pub const DEFAULT_KEY_CACHE: usize = 4096;

/// Decoded public keys by their wire string: decoding (base58 + point decompression) is about a
/// tenth of a verification, and the same agents sign again and again. Bounded: when full it is
/// emptied, so a flood of new keys costs only misses.
#[derive(Debug)]
struct KeyCache {
    capacity: usize,
    map: RwLock<HashMap<String, PublicKey>>,
}

impl KeyCache {
    fn new(capacity: usize) -> Self {
        Self {
            capacity,
            map: RwLock::new(HashMap::new()),
        }
    }

    fn parse(&self, s: &str) -> Result<PublicKey, ParseError> {
        if self.capacity == 0 {
            return PublicKey::parse(s);
        }
        if let Some(pk) = self
            .map
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(s)
        {
            return Ok(*pk);
        }
        let pk = PublicKey::parse(s)?;
        let mut map = self.map.write().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= self.capacity {
            map.clear();
        }
        map.insert(s.to_owned(), pk);
        Ok(pk)
    }
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier").finish_non_exhaustive()
    }
}

impl Verifier {
    /// Builds a verifier from its parts.
    pub fn new(
        clock: Arc<dyn Clock>,
        nonces: Arc<dyn NonceStore>,
        access_keys: Arc<dyn AccessKeys>,
    ) -> Self {
        Self {
            clock,
            nonces,
            access_keys,
            key_cache: Arc::new(KeyCache::new(DEFAULT_KEY_CACHE)),
        }
    }

    /// Keeps up to `capacity` decoded public keys (default [`DEFAULT_KEY_CACHE`]; 0 disables).
    pub fn with_key_cache(mut self, capacity: usize) -> Self {
        self.key_cache = Arc::new(KeyCache::new(capacity));
        self
    }

    /// Parses a public key like [`PublicKey::parse`], through the verifier's key cache.
    pub fn parse_public_key(&self, s: &str) -> Result<PublicKey, ParseError> {
        self.key_cache.parse(s)
    }

    /// System clock, in-memory nonce store and no RPC: verifies implicit accounts only.
    pub fn offline() -> Self {
        Self::new(
            Arc::new(SystemClock),
            Arc::new(InMemoryNonceStore::default()),
            Arc::new(ImplicitOnly),
        )
    }

    /// The current time from the injected clock.
    pub fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }

    /// Verifies an already-parsed claim whose freshness timestamp is `timestamp_ms`:
    /// freshness, strict signature (retrying without the callback URL), replay, binding.
    ///
    /// This is the policy-free core; [`verify_claim::VerifyClaimPolicy`] and
    /// [`near_ai::NearAiTokenPolicy`] add parsing and message rules in front of it.
    pub async fn verify(
        &self,
        claim: &Claim,
        timestamp_ms: u64,
        window: FreshnessWindow,
    ) -> Result<SignedCallback, VerifyError> {
        let now = self.now_ms();
        window.check(timestamp_ms, now)?;
        let prefix = PrefixHasher::new(&claim.message, claim.nonce.as_bytes(), &claim.recipient);
        let signed = check_signature(
            &claim.public_key,
            &prefix,
            claim.callback_url.as_deref(),
            &claim.signature,
        )?;
        let binding = BindingCheck {
            account_id: &claim.account_id,
            public_key: &claim.public_key,
            recipient: &claim.recipient,
            nonce: &claim.nonce,
        };
        self.consume_and_bind(binding, window.nonce_expiry(timestamp_ms, now), now)
            .await?;
        Ok(signed)
    }

    /// Records the nonce (replay check), then checks the account binding; releases the nonce if
    /// the binding could not be decided (transient RPC failure) so a retry is possible.
    pub(crate) async fn consume_and_bind(
        &self,
        claim: BindingCheck<'_>,
        nonce_expires_at_ms: u64,
        now_ms: u64,
    ) -> Result<(), VerifyError> {
        let key = replay_key(claim.recipient, claim.public_key, claim.nonce);
        let ticket = match self
            .nonces
            .check_and_insert(&key, nonce_expires_at_ms, now_ms)
            .await
        {
            Ok(ticket) => ticket,
            Err(NonceStoreError::Replay) => {
                return Err(VerifyError::Replay(format!(
                    "nonce {} was already used by key {} for recipient {}",
                    claim.nonce.to_hex(),
                    claim.public_key,
                    claim.recipient
                )));
            }
            Err(e) => return Err(VerifyError::RpcError(e.to_string())),
        };
        let bound = check_binding(claim.account_id, claim.public_key, &*self.access_keys).await;
        if let Err(VerifyError::RpcError(_)) = &bound {
            self.nonces.release(&key, ticket).await;
        }
        bound
    }
}

/// The parts of a verified claim that the replay and binding steps need.
#[derive(Clone, Copy)]
pub(crate) struct BindingCheck<'a> {
    pub(crate) account_id: &'a str,
    pub(crate) public_key: &'a PublicKey,
    pub(crate) recipient: &'a str,
    pub(crate) nonce: &'a Nonce,
}

/// The replay-store key: `hex(public key) + ":" + hex(nonce bytes) + ":" + recipient`.
///
/// Replay is scoped to the signer: a nonce is "used" only for the key that signed it and the
/// recipient it was signed for. Scoping by recipient alone let anyone block someone else's claim
/// by signing the same nonce (or, for NEAR AI tokens whose nonce is the millisecond timestamp,
/// the same millisecond) with a throwaway key first. Fixed-width hex parts come first, so no
/// recipient string can make two different triples collide, and every encoding of the same nonce
/// maps to the same key.
pub fn replay_key(recipient: &str, public_key: &PublicKey, nonce: &Nonce) -> String {
    let mut key = String::with_capacity(64 + 1 + 64 + 1 + recipient.len());
    let mut hex_buf = [0u8; 64];
    // 32 bytes always fit in 64 hex characters.
    let _ = hex::encode_to_slice(public_key.as_bytes(), &mut hex_buf);
    key.extend(hex_buf.iter().map(|&b| char::from(b)));
    key.push(':');
    let _ = hex::encode_to_slice(nonce.as_bytes(), &mut hex_buf);
    key.extend(hex_buf.iter().map(|&b| char::from(b)));
    key.push(':');
    key.push_str(recipient);
    key
}

pub(crate) fn check_signature(
    public_key: &PublicKey,
    prefix: &PrefixHasher,
    callback_url: Option<&str>,
    signature: &Signature,
) -> Result<SignedCallback, VerifyError> {
    verify_with_prefix(public_key, prefix, callback_url, signature).map_err(|_| {
        let tried = if callback_url.is_some() {
            " (tried with the callback URL and without it)"
        } else {
            ""
        };
        VerifyError::Signature(format!(
            "signature does not verify for {public_key} over this NEP-413 payload{tried}"
        ))
    })
}

/// A parsed NEP-413 claim: who claims to have signed which payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The account the signer claims to control.
    pub account_id: String,
    /// The signing key.
    pub public_key: PublicKey,
    /// The signature over the payload.
    pub signature: Signature,
    /// The payload's message.
    pub message: String,
    /// The payload's nonce.
    pub nonce: Nonce,
    /// The payload's recipient.
    pub recipient: String,
    /// The payload's callback URL as the client reported it.
    pub callback_url: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_cache_is_bounded_and_agrees_with_parse() {
        let cache = KeyCache::new(2);
        let keys: Vec<String> = (1..=3u8)
            .map(|i| {
                let k = ed25519_dalek::SigningKey::from_bytes(&[i; 32]);
                PublicKey::from(k.verifying_key()).to_string()
            })
            .collect();
        for k in keys.iter().chain(keys.iter()) {
            assert_eq!(cache.parse(k), PublicKey::parse(k));
            assert!(cache.map.read().unwrap().len() <= 2);
        }
        assert_eq!(cache.parse("ED25519:x"), Err(ParseError::PublicKeyPrefix));
        assert_eq!(KeyCache::new(0).parse(&keys[0]), PublicKey::parse(&keys[0]));
    }

    #[test]
    fn replay_key_is_key_nonce_recipient() {
        let n = Nonce::from_bytes([0xab; 32]);
        let pk = PublicKey::from(ed25519_dalek::SigningKey::from_bytes(&[1; 32]).verifying_key());
        let key = replay_key("r.near", &pk, &n);
        assert_eq!(
            key,
            format!("{}:{}:r.near", hex::encode(pk.as_bytes()), "ab".repeat(32))
        );
        let other =
            PublicKey::from(ed25519_dalek::SigningKey::from_bytes(&[2; 32]).verifying_key());
        assert_ne!(key, replay_key("r.near", &other, &n));
    }

    #[test]
    fn nonce_expiry_covers_the_whole_window() {
        let w = FreshnessWindow::DEFAULT;
        // A claim stamped 60 s ahead stays fresh until ts + 5 min.
        assert!(w.nonce_expiry(1_060_000, 1_000_000) > 1_060_000 + 300_000);
        // An old claim is still remembered a full window from now.
        assert!(w.nonce_expiry(800_000, 1_000_000) > 1_000_000 + 300_000);
    }
}
