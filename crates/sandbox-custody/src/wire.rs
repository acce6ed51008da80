//! Wire types the sandbox serves that `outlayer_client::wire` does not define (Nearly's client
//! never calls these endpoints): `POST /wallet/v1/auth-sign` and `GET /vrf/pubkey`.

use serde::{Deserialize, Serialize};

/// Body of `POST /wallet/v1/auth-sign` (`wire-formats.md` §2.5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthSignRequest {
    /// What the signature is for: `"bearer"` (a `near:` token), `"register"` or `"api-key"`.
    pub purpose: String,
    /// The wallet seed named in the signed message.
    pub seed: String,
}

/// Response of `POST /wallet/v1/auth-sign`.
///
/// For `purpose: "bearer"`, `{account_id, seed, pubkey: public_key, timestamp: auth_timestamp,
/// signature}` is exactly the payload of a `near:` token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthSignResponse {
    /// The signed message: `{prefix}:{seed}:{auth_timestamp}` with prefix `auth` (bearer),
    /// `register` or `api-key`.
    pub auth_message: String,
    /// The signing time, unix seconds.
    pub auth_timestamp: u64,
    /// base58 (no prefix) of the raw ed25519 signature of the UTF-8 bytes of `auth_message`.
    pub signature: String,
    /// The wallet's key, `ed25519:<base58>`.
    pub public_key: String,
}

/// Response of `GET /vrf/pubkey`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VrfPublicKeyResponse {
    /// hex of the 32-byte ed25519 VRF public key.
    pub vrf_public_key_hex: String,
}
