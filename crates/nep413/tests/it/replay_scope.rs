//! Replay is scoped to the signer: regression tests, one per attack of issue 14.
//!
//! Before the fix the replay key was `(recipient, nonce)`, so anyone who signed a nonce first
//! (with any key) made everyone else's claim with that nonce fail as a replay.

use std::sync::Arc;

use nep413::{
    AccessKeyStatus, NearAiTokenPolicy, Nonce, Reason, VerifyClaimPolicy, VerifyClaimRequest,
    VerifyClaimResponse, sign_near_ai_token,
};

use crate::common::{FakeKeys, NOW, claim_message, fixture_with, implicit, implicit_claim, key};

fn reason(r: &VerifyClaimResponse) -> Option<Reason> {
    match r {
        VerifyClaimResponse::Valid(_) => None,
        VerifyClaimResponse::Invalid(e) => Some(e.reason()),
    }
}

/// An attacker floods 1,000 future-timestamped NEAR AI tokens signed with a throwaway key, one
/// per millisecond; the victim's genuine token for one of those milliseconds still verifies.
#[tokio::test]
async fn future_tokens_from_a_throwaway_key_do_not_block_a_victims_token() {
    let victim_key = key(40);
    let attacker_key = key(41);
    let victim = implicit(&victim_key);
    let attacker = implicit(&attacker_key);
    let f = fixture_with(NOW, Arc::new(FakeKeys::default()), Default::default());
    let policy = NearAiTokenPolicy::new(f.verifier.clone());
    for ms in 0..1_000u64 {
        let t = sign_near_ai_token(&attacker_key, &attacker, "login", "ai.near", NOW + ms, None);
        policy.verify(&t).await.unwrap();
    }
    // 0.5 s later the victim signs "now": its nonce is one the attacker already used.
    f.clock.advance(500);
    let genuine = sign_near_ai_token(&victim_key, &victim, "login", "ai.near", NOW + 500, None);
    let id = policy.verify(&genuine).await.unwrap();
    assert_eq!(id.account_id, victim);
    // And the victim's token is still single-use.
    assert_eq!(
        policy.verify(&genuine).await.unwrap_err().reason(),
        Reason::Replay
    );
}

/// Two accounts signing NEAR AI tokens in the same millisecond both verify.
#[tokio::test]
async fn two_accounts_signing_in_the_same_millisecond_do_not_collide() {
    let keys = FakeKeys::with("alice.near", AccessKeyStatus::FullAccess);
    keys.set("bob.near", AccessKeyStatus::FullAccess);
    let f = fixture_with(NOW, keys, Default::default());
    let policy = NearAiTokenPolicy::new(f.verifier.clone());
    let a = sign_near_ai_token(&key(42), "alice.near", "login", "ai.near", NOW, None);
    let b = sign_near_ai_token(&key(43), "bob.near", "login", "ai.near", NOW, None);
    assert_eq!(policy.verify(&a).await.unwrap().account_id, "alice.near");
    assert_eq!(policy.verify(&b).await.unwrap().account_id, "bob.near");
}

/// A verify-claim that copies another claim's nonce and arrives first does not make the genuine
/// claim fail; the copy itself is the attacker's own claim and is single-use for the attacker.
#[tokio::test]
async fn a_claim_copying_anothers_nonce_does_not_make_the_genuine_claim_fail() {
    let f = fixture_with(NOW, Arc::new(FakeKeys::default()), Default::default());
    let policy = VerifyClaimPolicy::new(f.verifier.clone());
    let nonce = Nonce::random();
    let genuine = implicit_claim(&key(44), nonce);
    let attacker_key = key(45);
    let attacker = implicit(&attacker_key);
    let copy = VerifyClaimRequest::sign(
        &attacker_key,
        &attacker,
        claim_message(Some(&attacker), NOW),
        "nearly.social",
        nonce,
        None,
    );
    assert_eq!(reason(&policy.verify(&copy).await), None);
    assert_eq!(reason(&policy.verify(&genuine).await), None);
    assert_eq!(reason(&policy.verify(&genuine).await), Some(Reason::Replay));
    assert_eq!(reason(&policy.verify(&copy).await), Some(Reason::Replay));
}

/// The same key and nonce for a verify-claim and a NEAR AI token share one replay store, so a
/// NEAR AI token cannot be replayed as a verify-claim for the same recipient either.
#[tokio::test]
async fn policies_sharing_a_verifier_share_the_signer_scoped_store() {
    let k = key(46);
    let account = implicit(&k);
    let f = fixture_with(NOW, Arc::new(FakeKeys::default()), Default::default());
    let near_ai = NearAiTokenPolicy::new(f.verifier.clone()).with_recipients(["nearly.social"]);
    let claims = VerifyClaimPolicy::new(f.verifier.clone());
    let token = sign_near_ai_token(&k, &account, "hi", "nearly.social", NOW, None);
    near_ai.verify(&token).await.unwrap();
    let same_nonce = VerifyClaimRequest::sign(
        &k,
        &account,
        claim_message(Some(&account), NOW),
        "nearly.social",
        Nonce::from_timestamp_ms(NOW),
        None,
    );
    assert_eq!(
        reason(&claims.verify(&same_nonce).await),
        Some(Reason::Replay)
    );
}
