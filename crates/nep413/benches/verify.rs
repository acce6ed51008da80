//! Claims verified per second: raw `verify_strict` against the full verify-claim pipeline
//! (parse key/signature/nonce/message, borsh + sha256, `verify_strict`, nonce store, offline
//! implicit binding), single and batched (feature `batch`).
//!
//! ```sh
//! cargo bench -p nep413 --all-features -- --warm-up-time 1 --measurement-time 3
//! ```

// A benchmark's setup failing is a broken benchmark; panicking is the right report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nep413::{
    ImplicitOnly, InMemoryNonceStore, ManualClock, Nonce, Payload, PublicKey, SigningKey, Verifier,
    VerifyClaimPolicy, VerifyClaimRequest,
};

const NOW: u64 = 1_712_900_000_000;
/// Distinct claims prepared up front (each has its own nonce; signing is not measured).
const CLAIMS: usize = 2048;
#[cfg(feature = "batch")]
const BATCH: usize = 256;

/// Polls a future that never waits (in-memory store, offline binding) to completion without
/// runtime overhead.
fn run<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

fn claims() -> Vec<VerifyClaimRequest> {
    let keys: Vec<SigningKey> = (0..16u8)
        .map(|i| SigningKey::from_bytes(&[i + 1; 32]))
        .collect();
    (0..CLAIMS)
        .map(|i| {
            let key = &keys[i % keys.len()];
            let account = PublicKey::from(key.verifying_key()).implicit_account_id();
            let message = format!(
                r#"{{"action":"login","domain":"nearly.social","account_id":"{account}","version":1,"timestamp":{NOW}}}"#
            );
            let mut nonce = [0u8; 32];
            nonce[..8].copy_from_slice(&(i as u64).to_le_bytes());
            VerifyClaimRequest::sign(
                key,
                &account,
                message,
                "nearly.social",
                Nonce::from_bytes(nonce),
                None,
            )
        })
        .collect()
}

/// A policy with a fresh nonce store, so the prepared claims can be replayed across rounds.
fn fresh_policy() -> VerifyClaimPolicy {
    policy_with_key_cache(nep413::policy::DEFAULT_KEY_CACHE)
}

fn policy_with_key_cache(capacity: usize) -> VerifyClaimPolicy {
    let verifier = Verifier::new(
        Arc::new(ManualClock::new(NOW)),
        Arc::new(InMemoryNonceStore::new(CLAIMS * 2)),
        Arc::new(ImplicitOnly),
    )
    .with_key_cache(capacity);
    VerifyClaimPolicy::new(verifier)
}

/// Times `iters` single verifications, cycling through the claims with a new store each round.
fn time_single(reqs: &[VerifyClaimRequest], iters: u64, key_cache: usize) -> Duration {
    let mut total = Duration::ZERO;
    let fresh_policy = || policy_with_key_cache(key_cache);
    let mut policy = fresh_policy();
    for i in 0..usize::try_from(iters).unwrap() {
        let idx = i % reqs.len();
        if idx == 0 && i > 0 {
            policy = fresh_policy();
        }
        let start = Instant::now();
        let out = run(policy.verify(black_box(&reqs[idx])));
        total += start.elapsed();
        assert!(out.is_valid());
    }
    total
}

fn time_single_json(bodies: &[String], iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    let mut policy = fresh_policy();
    for i in 0..usize::try_from(iters).unwrap() {
        let idx = i % bodies.len();
        if idx == 0 && i > 0 {
            policy = fresh_policy();
        }
        let start = Instant::now();
        let out = run(policy.verify_json(black_box(&bodies[idx])));
        total += start.elapsed();
        assert!(out.is_valid());
    }
    total
}

fn bench(c: &mut Criterion) {
    let reqs = claims();
    let bodies: Vec<String> = reqs
        .iter()
        .map(|r| serde_json::to_string(r).unwrap())
        .collect();

    // Raw verify_strict over precomputed digests and decoded keys.
    let raw: Vec<(
        ed25519_dalek::VerifyingKey,
        [u8; 32],
        ed25519_dalek::Signature,
    )> = reqs
        .iter()
        .map(|r| {
            let pk = PublicKey::parse(&r.public_key).unwrap();
            let nonce = Nonce::parse(&r.nonce).unwrap();
            let payload = Payload::new(r.message.clone(), nonce, r.recipient.clone(), None);
            let sig = nep413::Signature::parse(&r.signature).unwrap();
            (
                *pk.verifying_key(),
                payload.hash(),
                ed25519_dalek::Signature::from_bytes(sig.as_bytes()),
            )
        })
        .collect();

    let mut g = c.benchmark_group("nep413");
    g.throughput(Throughput::Elements(1));
    g.bench_function("raw_verify_strict", |b| {
        let mut i = 0;
        b.iter(|| {
            let (pk, digest, sig) = &raw[i % raw.len()];
            i += 1;
            pk.verify_strict(black_box(digest), black_box(sig)).unwrap();
        });
    });
    g.bench_function("pipeline_single", |b| {
        b.iter_custom(|iters| time_single(&reqs, iters, nep413::policy::DEFAULT_KEY_CACHE));
    });
    g.bench_function("pipeline_single_no_key_cache", |b| {
        b.iter_custom(|iters| time_single(&reqs, iters, 0));
    });
    g.bench_function("pipeline_single_from_json", |b| {
        b.iter_custom(|iters| time_single_json(&bodies, iters));
    });

    #[cfg(feature = "batch")]
    {
        g.throughput(Throughput::Elements(BATCH as u64));
        g.bench_function("raw_verify_batch_256", |b| {
            let mut round = 0;
            b.iter(|| {
                let start = (round * BATCH) % raw.len();
                round += 1;
                let chunk = &raw[start..start + BATCH];
                let msgs: Vec<&[u8]> = chunk.iter().map(|(_, d, _)| d.as_slice()).collect();
                let sigs: Vec<ed25519_dalek::Signature> =
                    chunk.iter().map(|(_, _, s)| *s).collect();
                let keys: Vec<ed25519_dalek::VerifyingKey> =
                    chunk.iter().map(|(k, _, _)| *k).collect();
                ed25519_dalek::verify_batch(&msgs, &sigs, &keys).unwrap();
            });
        });
        g.bench_function("pipeline_batch_256", |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                let mut policy = fresh_policy();
                let rounds_per_store = reqs.len() / BATCH;
                for i in 0..usize::try_from(iters).unwrap() {
                    let round = i % rounds_per_store;
                    if round == 0 && i > 0 {
                        policy = fresh_policy();
                    }
                    let chunk = &reqs[round * BATCH..(round + 1) * BATCH];
                    let start = Instant::now();
                    let out = run(policy.verify_batch(black_box(chunk)));
                    total += start.elapsed();
                    assert!(out.iter().all(Result::is_ok));
                }
                total
            });
        });
    }
    g.finish();

    // Where the pipeline's time goes beyond verify_strict.
    let mut parts = c.benchmark_group("nep413_parts");
    parts.throughput(Throughput::Elements(1));
    let r = &reqs[0];
    parts.bench_function("parse_public_key", |b| {
        b.iter(|| PublicKey::parse(black_box(&r.public_key)).unwrap());
    });
    parts.bench_function("parse_signature", |b| {
        b.iter(|| nep413::Signature::parse(black_box(&r.signature)).unwrap());
    });
    parts.bench_function("parse_nonce", |b| {
        b.iter(|| Nonce::parse(black_box(&r.nonce)).unwrap())
    });
    parts.bench_function("parse_message_json", |b| {
        b.iter(|| {
            serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(black_box(
                &r.message,
            ))
            .unwrap()
        });
    });
    let payload = Payload::new(
        r.message.clone(),
        Nonce::parse(&r.nonce).unwrap(),
        r.recipient.clone(),
        None,
    );
    parts.bench_function("borsh_sha256", |b| b.iter(|| black_box(&payload).hash()));
    parts.bench_function("nonce_store_insert", |b| {
        // Entries expire 1000 inserts later, so the store stays small and purges as it goes.
        let store = InMemoryNonceStore::new(1 << 16);
        let mut i = 0u64;
        b.iter(|| {
            i += 1;
            let key = format!("nearly.social:{i:064x}");
            store.check_and_insert_sync(&key, i + 1000, i).unwrap();
        });
    });
    parts.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default();
    targets = bench
}
criterion_main!(benches);
