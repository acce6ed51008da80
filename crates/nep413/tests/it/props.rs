//! Property tests: sign/verify round trips, bit flips, and parsers that never panic.

use nep413::{
    Nonce, Payload, PayloadRef, PublicKey, Signature, SigningKey, VerifyClaimPolicy, verify_bytes,
    verify_payload,
};
use proptest::prelude::*;

use crate::common::{NOW, fixture_at};

fn payload_strategy() -> impl Strategy<Value = Payload> {
    (
        any::<String>(),
        any::<[u8; 32]>(),
        any::<String>(),
        proptest::option::of(any::<String>()),
    )
        .prop_map(|(m, n, r, c)| Payload::new(m, Nonce::from_bytes(n), r, c))
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn sign_then_verify_round_trips(seed in any::<[u8; 32]>(), payload in payload_strategy()) {
        let key = SigningKey::from_bytes(&seed);
        let pk = PublicKey::parse(&PublicKey::from(key.verifying_key()).to_string()).unwrap();
        let sig = Signature::parse(&Signature::from_bytes(payload.sign(&key)).to_base64()).unwrap();
        prop_assert!(verify_payload(&pk, payload.as_ref(), &sig).is_ok());
        prop_assert!(verify_bytes(&pk, &payload.to_bytes(), &sig).is_ok());
        let decoded: Payload = borsh::from_slice(&payload.to_bytes()[4..]).unwrap();
        prop_assert_eq!(decoded, payload);
    }

    #[test]
    fn flipping_any_payload_bit_fails(
        seed in any::<[u8; 32]>(),
        payload in payload_strategy(),
        bit in any::<proptest::sample::Index>(),
    ) {
        let key = SigningKey::from_bytes(&seed);
        let pk = PublicKey::from(key.verifying_key());
        let sig = Signature::from_bytes(payload.sign(&key));
        let mut bytes = payload.to_bytes();
        let i = bit.index(bytes.len() * 8);
        bytes[i / 8] ^= 1 << (i % 8);
        prop_assert!(verify_bytes(&pk, &bytes, &sig).is_err());
    }

    #[test]
    fn flipping_any_signature_bit_fails(
        seed in any::<[u8; 32]>(),
        payload in payload_strategy(),
        bit in 0usize..512,
    ) {
        let key = SigningKey::from_bytes(&seed);
        let pk = PublicKey::from(key.verifying_key());
        let mut raw = payload.sign(&key);
        raw[bit / 8] ^= 1 << (bit % 8);
        let sig = Signature::from_bytes(raw);
        prop_assert!(verify_payload(&pk, payload.as_ref(), &sig).is_err());
    }

    #[test]
    fn a_different_callback_never_verifies_without_the_retry(
        seed in any::<[u8; 32]>(),
        payload in payload_strategy(),
        other in any::<String>(),
    ) {
        prop_assume!(payload.callback_url.as_deref() != Some(other.as_str()));
        let key = SigningKey::from_bytes(&seed);
        let pk = PublicKey::from(key.verifying_key());
        let sig = Signature::from_bytes(payload.sign(&key));
        let claimed = PayloadRef { callback_url: Some(&other), ..payload.as_ref() };
        let r = verify_payload(&pk, claimed, &sig);
        // Passing is only possible when the signed payload had no callback.
        prop_assert_eq!(r.is_ok(), payload.callback_url.is_none());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parsers_never_panic(s in any::<String>()) {
        let _ = PublicKey::parse(&s);
        let _ = Signature::parse(&s);
        let _ = Nonce::parse(&s);
        let _ = PublicKey::parse(&format!("ed25519:{s}"));
        let _ = Signature::parse(&format!("ed25519:{s}"));
    }

    #[test]
    fn parsers_never_panic_on_alphabet_soup(s in "[0-9A-Za-z+/=:\\[\\], -]{0,120}") {
        let _ = Signature::parse(&s);
        let _ = Nonce::parse(&s);
        let _ = PublicKey::parse(&s);
    }

    #[test]
    fn claims_and_tokens_never_panic(s in any::<String>(), field in 0usize..7) {
        let f = fixture_at(NOW);
        let claim = VerifyClaimPolicy::new(f.verifier.clone());
        let token = nep413::NearAiTokenPolicy::new(f.verifier.clone());
        let mut obj = serde_json::json!({
            "account_id": "alice.near", "public_key": "ed25519:x", "signature": "x",
            "nonce": "x", "message": "{}", "recipient": "r", "callback_url": null,
        });
        let names = ["account_id", "public_key", "signature", "nonce", "message", "recipient", "callback_url"];
        obj[names[field]] = serde_json::Value::from(s.clone());
        block_on(async {
            let _ = claim.verify_json(&s).await;
            let _ = claim.verify_json(&obj.to_string()).await;
            let _ = token.verify(&s).await;
            let _ = token.verify(&obj.to_string()).await;
            let _ = token.verify(&format!("auth:'{s}'")).await;
            let _ = token.verify(&format!("%7B{s}")).await;
        });
    }
}
