#![doc = include_str!("../README.md")]

pub mod access_keys;
#[cfg(feature = "batch")]
pub mod batch;
pub mod clock;
#[cfg(feature = "conformance")]
pub mod conformance;
pub mod encoding;
pub mod error;
#[cfg(feature = "file")]
pub mod file_store;
pub mod nonce_store;
pub mod payload;
pub mod policy;
#[cfg(feature = "rpc")]
pub mod rpc;

pub use access_keys::{
    AccessKeyStatus, AccessKeys, ImplicitOnly, NAMED_ACCOUNTS_NEED_RPC, is_implicit_account,
};
pub use clock::{Clock, ManualClock, SystemClock};
pub use ed25519_dalek::SigningKey;
pub use encoding::{Nonce, ParseError, PublicKey, Signature};
pub use error::{Reason, VerifyError};
#[cfg(feature = "file")]
pub use file_store::FileNonceStore;
pub use nonce_store::{ClaimTicket, InMemoryNonceStore, NonceStore, NonceStoreError};
pub use payload::{
    NEP413_TAG, Payload, PayloadRef, SignatureError, SignedCallback, sign, verify_bytes,
    verify_digest, verify_payload,
};
pub use policy::near_ai::{NearAiIdentity, NearAiTokenPolicy, sign_near_ai_token};
pub use policy::verify_claim::{
    VerifiedClaim, VerifyClaimPolicy, VerifyClaimRequest, VerifyClaimResponse,
};
pub use policy::{Claim, FreshnessWindow, Verifier, replay_key};
