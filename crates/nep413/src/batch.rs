//! Batched signature verification (feature `batch`).
//!
//! `ed25519_dalek::verify_batch` checks many signatures for roughly the cost of a third of them,
//! but it neither rejects weak (small-order) public keys nor tells which signature failed. So:
//! weak keys are taken out first and verified strictly (which rejects them), and when the batch
//! fails every item is re-verified strictly with `verify_strict` to find the failures. A batch
//! that passes can differ from strict verification only for signatures whose `R` is small-order
//! or non-canonically encoded — malleated encodings of a valid signature by the key holder,
//! never a forgery.

use ed25519_dalek::VerifyingKey;

use crate::encoding::{PublicKey, Signature};
use crate::error::VerifyError;
use crate::payload::{PrefixHasher, SignedCallback};
use crate::policy::check_signature;

/// One signature to check in a batch.
pub(crate) struct BatchItem<'a> {
    pub(crate) public_key: &'a PublicKey,
    pub(crate) prefix: &'a PrefixHasher,
    pub(crate) callback_url: Option<&'a str>,
    pub(crate) signature: &'a Signature,
}

/// Verifies every item; results in item order.
pub(crate) fn verify_items(items: &[BatchItem<'_>]) -> Vec<Result<SignedCallback, VerifyError>> {
    let strong: Vec<usize> = (0..items.len())
        .filter(|&i| !items[i].public_key.verifying_key().is_weak())
        .collect();
    let batch_ok = !strong.is_empty() && {
        let digests: Vec<[u8; 32]> = strong
            .iter()
            .map(|&i| items[i].prefix.finish(items[i].callback_url))
            .collect();
        let messages: Vec<&[u8]> = digests.iter().map(|d| d.as_slice()).collect();
        let signatures: Vec<ed25519_dalek::Signature> = strong
            .iter()
            .map(|&i| items[i].signature.to_dalek())
            .collect();
        let keys: Vec<VerifyingKey> = strong
            .iter()
            .map(|&i| *items[i].public_key.verifying_key())
            .collect();
        ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok()
    };
    let mut strong_iter = strong.iter().peekable();
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let in_batch = strong_iter.next_if(|&&j| j == i).is_some();
            if in_batch && batch_ok {
                Ok(SignedCallback::AsProvided(
                    item.callback_url.map(str::to_owned),
                ))
            } else {
                check_signature(
                    item.public_key,
                    item.prefix,
                    item.callback_url,
                    item.signature,
                )
            }
        })
        .collect()
}

/// Verifies `(public key, payload digest, signature)` triples with one batch check, falling back
/// to strict one-by-one verification when the batch fails; `true` where the signature verifies.
///
/// Weak keys are always `false`.
pub fn verify_digests(items: &[(PublicKey, [u8; 32], Signature)]) -> Vec<bool> {
    let all_strong = items.iter().all(|(pk, _, _)| !pk.verifying_key().is_weak());
    if all_strong && !items.is_empty() {
        let messages: Vec<&[u8]> = items.iter().map(|(_, d, _)| d.as_slice()).collect();
        let signatures: Vec<ed25519_dalek::Signature> =
            items.iter().map(|(_, _, s)| s.to_dalek()).collect();
        let keys: Vec<VerifyingKey> = items.iter().map(|(pk, _, _)| *pk.verifying_key()).collect();
        if ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok() {
            return vec![true; items.len()];
        }
    }
    items
        .iter()
        .map(|(pk, d, s)| crate::payload::verify_digest(pk, d, s).is_ok())
        .collect()
}
