//! Property tests: token decoding and verification never panic, and mint-then-verify round-trips.

use base64::Engine as _;
use ed25519_dalek::SigningKey;
use nep413::ImplicitOnly;
use outlayer_client::{
    TokenError, TokenPolicy, decode_account_token, mint_account_token, parse_vrf_response,
    verify_account_token,
};
use proptest::prelude::*;

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

/// Strings that get past the base64 layer: base64url of arbitrary bytes or of JSON-like text.
fn near_tokens() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        any::<String>().prop_map(|s| format!("near:{s}")),
        proptest::collection::vec(any::<u8>(), 0..300).prop_map(|b| format!(
            "near:{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
        )),
        (
            "[a-z0-9._-]{0,70}",
            ".{0,20}",
            "ed25519:[1-9A-HJ-NP-Za-km-z]{0,50}",
            any::<u64>(),
            "[1-9A-HJ-NP-Za-km-z]{0,100}"
        )
            .prop_map(|(a, s, p, t, g)| {
                let json = serde_json::json!({
                    "account_id": a, "seed": s, "pubkey": p, "timestamp": t, "signature": g});
                format!(
                    "near:{}",
                    base64::engine::general_purpose::URL_SAFE.encode(json.to_string())
                )
            }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn decode_and_verify_never_panic(token in near_tokens(), now in any::<u64>()) {
        let _ = decode_account_token(&token);
        let _ = block_on(verify_account_token(&token, now, &TokenPolicy::default(), &ImplicitOnly));
    }

    #[test]
    fn vrf_parsing_never_panics(body in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = parse_vrf_response(&body);
    }
}

proptest! {
    // Signing and strict verification are slow in debug builds: fewer cases for the round trip.
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn mint_then_verify_round_trips(
        secret in any::<[u8; 32]>(),
        seed in any::<String>(),
        timestamp in 0u64..=4_000_000_000,
        skew in -30i64..=30,
    ) {
        let key = SigningKey::from_bytes(&secret);
        let account = hex::encode(key.verifying_key().to_bytes());
        let token = mint_account_token(&key, &account, &seed, timestamp);
        let now = timestamp.saturating_add_signed(skew);
        let verified = block_on(verify_account_token(&token, now, &TokenPolicy::default(), &ImplicitOnly));
        match verified {
            Ok(v) => {
                prop_assert_eq!(v.account_id, account);
                prop_assert_eq!(v.seed, seed);
                prop_assert_eq!(v.timestamp, timestamp);
            }
            // a weak (small-order) key cannot pass verify_strict; any other error is a bug
            Err(TokenError::BadSignature) => prop_assert!(key.verifying_key().is_weak()),
            Err(other) => prop_assert!(false, "unexpected {:?}", other),
        }
    }

    #[test]
    fn tokens_outside_the_window_expire(
        secret in any::<[u8; 32]>(),
        timestamp in 100u64..=4_000_000_000,
        skew in prop_oneof![31u64..1_000_000, Just(u64::MAX / 2)],
        future in any::<bool>(),
    ) {
        let key = SigningKey::from_bytes(&secret);
        let account = hex::encode(key.verifying_key().to_bytes());
        let token = mint_account_token(&key, &account, "s", timestamp);
        let now = if future { timestamp.saturating_sub(skew) } else { timestamp.saturating_add(skew) };
        prop_assume!(now.abs_diff(timestamp) > 30);
        let got = block_on(verify_account_token(&token, now, &TokenPolicy::default(), &ImplicitOnly));
        let is_expired = matches!(got, Err(TokenError::Expired { .. }));
        prop_assert!(is_expired);
    }
}
