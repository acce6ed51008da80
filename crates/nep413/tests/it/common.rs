//! Shared fixtures: vector files, a scripted AccessKeys, a verifier on a manual clock.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use nep413::{
    AccessKeyStatus, AccessKeys, InMemoryNonceStore, ManualClock, Nonce, PublicKey, SigningKey,
    Verifier, VerifyClaimRequest,
};
use serde_json::Value;

/// A fixed "now" for policy tests (2024-04-12).
pub(crate) const NOW: u64 = 1_712_900_000_000;

pub(crate) fn vectors(file: &str) -> Vec<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    doc["vectors"].as_array().unwrap().clone()
}

pub(crate) fn s<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} missing in {}", v["id"]))
}

/// AccessKeys answering from a script, counting calls.
#[derive(Default)]
pub(crate) struct FakeKeys {
    pub(crate) answers: Mutex<HashMap<String, AccessKeyStatus>>,
    pub(crate) calls: AtomicUsize,
}

impl FakeKeys {
    pub(crate) fn with(account: &str, status: AccessKeyStatus) -> Arc<Self> {
        let f = Self::default();
        f.set(account, status);
        Arc::new(f)
    }

    pub(crate) fn set(&self, account: &str, status: AccessKeyStatus) {
        self.answers
            .lock()
            .unwrap()
            .insert(account.to_owned(), status);
    }

    pub(crate) fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl AccessKeys for FakeKeys {
    async fn access_key_status(&self, account_id: &str, _: &PublicKey) -> AccessKeyStatus {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.answers
            .lock()
            .unwrap()
            .get(account_id)
            .cloned()
            .unwrap_or(AccessKeyStatus::Missing {
                detail: "unscripted".into(),
            })
    }
}

pub(crate) struct Fixture {
    pub(crate) clock: Arc<ManualClock>,
    pub(crate) nonces: Arc<InMemoryNonceStore>,
    pub(crate) keys: Arc<FakeKeys>,
    pub(crate) verifier: Verifier,
}

pub(crate) fn fixture_at(now: u64) -> Fixture {
    fixture_with(
        now,
        Arc::new(FakeKeys::default()),
        InMemoryNonceStore::default(),
    )
}

pub(crate) fn fixture_with(now: u64, keys: Arc<FakeKeys>, store: InMemoryNonceStore) -> Fixture {
    let clock = Arc::new(ManualClock::new(now));
    let nonces = Arc::new(store);
    let verifier = Verifier::new(clock.clone(), nonces.clone(), keys.clone());
    Fixture {
        clock,
        nonces,
        keys,
        verifier,
    }
}

pub(crate) fn key(n: u8) -> SigningKey {
    SigningKey::from_bytes(&[n; 32])
}

pub(crate) fn implicit(key: &SigningKey) -> String {
    PublicKey::from(key.verifying_key()).implicit_account_id()
}

pub(crate) fn claim_message(account_id: Option<&str>, timestamp: u64) -> String {
    let mut m = serde_json::json!({
        "action": "login", "domain": "nearly.social", "version": 1, "timestamp": timestamp,
    });
    if let Some(a) = account_id {
        m["account_id"] = Value::from(a);
    }
    m.to_string()
}

/// A valid claim for the implicit account of `key`, stamped `NOW`.
pub(crate) fn implicit_claim(key: &SigningKey, nonce: Nonce) -> VerifyClaimRequest {
    let account = implicit(key);
    VerifyClaimRequest::sign(
        key,
        &account,
        claim_message(Some(&account), NOW),
        "nearly.social",
        nonce,
        None,
    )
}

pub(crate) fn signing_key_from_near_secret(secret: &str) -> SigningKey {
    let bytes = bs58::decode(secret.strip_prefix("ed25519:").unwrap())
        .into_vec()
        .unwrap();
    SigningKey::from_bytes(&bytes[..32].try_into().unwrap())
}

impl Fixture {
    pub(crate) fn clock_now(&self) -> u64 {
        use nep413::Clock as _;
        self.clock.now_ms()
    }
}
