//! Batched verification gives the same answers as one-by-one verification.

use nep413::{Nonce, PublicKey, Reason, Signature, VerifyClaimPolicy, VerifyClaimRequest};

use crate::common::{NOW, claim_message, fixture_at, implicit, implicit_claim, key};

fn reasons(r: &[Result<nep413::VerifiedClaim, nep413::VerifyError>]) -> Vec<Option<Reason>> {
    r.iter()
        .map(|x| x.as_ref().err().map(nep413::VerifyError::reason))
        .collect()
}

#[tokio::test]
async fn batch_of_valid_claims_all_pass() {
    let f = fixture_at(NOW);
    let policy = VerifyClaimPolicy::new(f.verifier.clone());
    let reqs: Vec<_> = (0..32u8)
        .map(|i| implicit_claim(&key(i), Nonce::random()))
        .collect();
    let out = policy.verify_batch(&reqs).await;
    assert_eq!(reasons(&out), vec![None; 32]);
    assert_eq!(f.nonces.len(), 32);
}

#[tokio::test]
async fn batch_finds_exactly_the_failing_claims() {
    let f = fixture_at(NOW);
    let policy = VerifyClaimPolicy::new(f.verifier.clone());
    let mut reqs: Vec<VerifyClaimRequest> = (0..10u8)
        .map(|i| implicit_claim(&key(i), Nonce::random()))
        .collect();
    reqs[3].signature = Signature::from_bytes([7; 64]).to_base64(); // bad signature
    reqs[5].nonce = "broken".into(); // malformed
    reqs[7] = reqs[1].clone(); // replay inside the batch
    reqs[8].callback_url = Some("https://cb".into()); // passes on the retry without callback
    // W1: the weak-key forgery must not slip through the batch equation.
    let weak = PublicKey::parse("ed25519:4uQeVj5tqViQh7yWWGStvkEG1Zmhx6uasJtWCJziofM").unwrap();
    reqs[9] = VerifyClaimRequest {
        account_id: weak.implicit_account_id(),
        public_key: weak.to_string(),
        signature: "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==".into(),
        nonce: Nonce::random().to_base64(),
        message: claim_message(None, NOW),
        recipient: "nearly.social".into(),
        callback_url: None,
        expected_domain: None,
    };
    let out = policy.verify_batch(&reqs).await;
    let mut expected = vec![None; 10];
    expected[3] = Some(Reason::Signature);
    expected[5] = Some(Reason::Malformed);
    expected[7] = Some(Reason::Replay);
    expected[9] = Some(Reason::Signature);
    assert_eq!(reasons(&out), expected);
    assert_eq!(
        out[8].as_ref().unwrap().signed_callback,
        nep413::SignedCallback::RetriedWithoutCallback
    );
}

#[tokio::test]
async fn batch_matches_single_verification() {
    let k = key(40);
    let a = implicit(&k);
    let mut reqs = Vec::new();
    for i in 0..12u64 {
        let mut r = VerifyClaimRequest::sign(
            &k,
            &a,
            claim_message(None, NOW - i * 50_000),
            "nearly.social",
            Nonce::random(),
            None,
        );
        if i % 4 == 0 {
            r.message.push(' ');
        }
        reqs.push(r);
    }
    let single = {
        let f = fixture_at(NOW);
        let p = VerifyClaimPolicy::new(f.verifier.clone());
        let mut v = Vec::new();
        for r in &reqs {
            v.push(p.verify_result(r).await);
        }
        v
    };
    let f = fixture_at(NOW);
    let batch = VerifyClaimPolicy::new(f.verifier.clone())
        .verify_batch(&reqs)
        .await;
    assert_eq!(reasons(&batch), reasons(&single));
}

#[test]
fn verify_digests_flags_the_bad_ones() {
    let mut items = Vec::new();
    for i in 0..8u8 {
        let k = key(i);
        let p = nep413::Payload::new("m", Nonce::from_bytes([i; 32]), "r", None);
        let sig = Signature::from_bytes(p.sign(&k));
        items.push((PublicKey::from(k.verifying_key()), p.hash(), sig));
    }
    assert_eq!(nep413::batch::verify_digests(&items), vec![true; 8]);
    items[2].1[0] ^= 1;
    let mut expected = vec![true; 8];
    expected[2] = false;
    assert_eq!(nep413::batch::verify_digests(&items), expected);
}
