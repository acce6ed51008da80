//! The OutLayer custody wire format, as serde types.
//!
//! Shared by [`HttpOutLayer`](crate::HttpOutLayer) and by any local custody emulator, so both speak
//! exactly the same JSON. Every type is a **tolerant reader** (unknown fields are ignored; fields that
//! `wire-formats.md` §2 calls optional, or that differ between OutLayer versions, are `Option` or
//! defaulted) and a **strict writer** (absent optional fields are omitted, never written as `null`,
//! and the builders fill the documented defaults).

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// `method_name` of a FastData KV write.
pub const FASTDATA_KV_METHOD: &str = "__fastdata_kv";
/// Default gas of a custody call: 30 TGas, as a decimal string.
pub const DEFAULT_GAS: &str = "30000000000000";
/// Default deposit of a custody call: zero yoctoNEAR.
pub const ZERO_DEPOSIT: &str = "0";
/// The request header that makes a `call` idempotent.
pub const IDEMPOTENCY_KEY_HEADER: &str = "X-Idempotency-Key";
/// The error code of a repeated idempotency key (answered with HTTP 200).
pub const DUPLICATE_IDEMPOTENCY_KEY: &str = "duplicate_idempotency_key";
/// The error code of a transaction that failed on chain (newer OutLayer, HTTP 422).
pub const ONCHAIN_TX_FAILED: &str = "onchain_tx_failed";
/// The `action` of the Nearly WASM's VRF entry point.
pub const GET_VRF_SEED_ACTION: &str = "get_vrf_seed";

/// The error envelope of every OutLayer error: `{"error":"<code>","message":"<text>"}`.
///
/// A few codes carry extra fields (`onchain_tx_failed`: `tx_hash`, `failure`; `wallet_busy`:
/// `in_flight_request_id`); they are kept optional here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorEnvelope {
    /// The machine-readable code, e.g. `invalid_api_key`.
    pub error: String,
    /// A human-readable message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Optional structured details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
    /// The transaction hash, on `onchain_tx_failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_hash: Option<String>,
    /// The on-chain failure, on `onchain_tx_failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<Value>,
}

impl ErrorEnvelope {
    /// An envelope with a code and a message.
    pub fn new(error: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            error: error.into(),
            message: Some(message.into()),
            details: None,
            tx_hash: None,
            failure: None,
        }
    }
}

/// Response of `POST /register` (anonymous registration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisterResponse {
    /// The new wallet key, `wk_<64 hex>`. A secret: do not log it.
    pub api_key: String,
    /// The wallet's id (a UUID); absent in some versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet_id: Option<String>,
    /// The wallet's implicit NEAR account: 64 lowercase hex, `hex(ed25519 pubkey)`.
    pub near_account_id: String,
    /// A link that hands the wallet over to a human.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handoff_url: Option<String>,
    /// The free trial; absent before 2026-04.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trial: Option<Trial>,
}

/// The free trial attached to a new wallet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    /// Paid calls left in the trial.
    pub calls_remaining: u64,
    /// When the trial ends (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// Execution limits of the trial.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<ResourceLimits>,
}

/// WASM execution limits (trial limits and `POST /call/{owner}/{project}` `resource_limits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ResourceLimits {
    /// Instruction budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_instructions: Option<u64>,
    /// Wall-clock budget, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_execution_seconds: Option<u64>,
    /// Memory budget, MiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_memory_mb: Option<u64>,
}

/// Body of `POST /wallet/v1/call`: one NEAR function call signed by the wallet.
///
/// `args` (a JSON object) and `args_base64` are mutually exclusive; [`CallRequest::fastdata_kv`]
/// builds the only shape Nearly writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallRequest {
    /// The receiver account; for FastData, the namespace (e.g. `contextual.near`).
    pub receiver_id: String,
    /// The method; for FastData, [`FASTDATA_KV_METHOD`].
    pub method_name: String,
    /// JSON arguments (an object).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<Value>,
    /// Raw arguments, standard base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args_base64: Option<String>,
    /// Gas units, decimal string (default [`DEFAULT_GAS`]).
    #[serde(default = "default_gas")]
    pub gas: String,
    /// Deposit in yoctoNEAR, decimal string (default [`ZERO_DEPOSIT`]).
    #[serde(default = "default_deposit")]
    pub deposit: String,
}

fn default_gas() -> String {
    DEFAULT_GAS.to_owned()
}

fn default_deposit() -> String {
    ZERO_DEPOSIT.to_owned()
}

impl CallRequest {
    /// A FastData KV write: `receiver_id = namespace`, `method_name = "__fastdata_kv"`, `args` = the
    /// FLAT object `{key: value}` (a `null` value deletes the key), 30 TGas, no deposit.
    pub fn fastdata_kv(namespace: impl Into<String>, entries: Map<String, Value>) -> Self {
        Self {
            receiver_id: namespace.into(),
            method_name: FASTDATA_KV_METHOD.to_owned(),
            args: Some(Value::Object(entries)),
            args_base64: None,
            gas: default_gas(),
            deposit: default_deposit(),
        }
    }
}

/// `status` of a call response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallStatus {
    /// The transaction succeeded.
    Success,
    /// The transaction failed on chain (OutLayer 2026-03 answers this with HTTP 200).
    Failed,
    /// A multisig policy holds the call until approvers sign.
    PendingApproval,
    /// A status this client does not know.
    #[serde(other)]
    Unknown,
}

/// Response of `POST /wallet/v1/call` (every shape that carries a `status`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallResponse {
    /// The custody request id (a UUID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The outcome.
    pub status: CallStatus,
    /// The transaction hash, once sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_hash: Option<String>,
    /// The decoded `SuccessValue` JSON, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// The approval id, on `pending_approval`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_id: Option<String>,
    /// Approvals required, on `pending_approval`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<u32>,
    /// Approvals so far, on `pending_approval`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved: Option<u32>,
    /// The failure text, on `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// A human-readable message, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The structured on-chain failure, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<Value>,
}

impl CallResponse {
    /// A bare response with `status` and every optional field absent.
    pub fn with_status(status: CallStatus) -> Self {
        Self {
            request_id: None,
            status,
            tx_hash: None,
            result: None,
            approval_id: None,
            required: None,
            approved: None,
            error: None,
            message: None,
            failure: None,
        }
    }
}

/// Response of `GET /wallet/v1/balance?chain=near`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceResponse {
    /// Balance in the smallest unit, decimal string (read from a string or a number).
    #[serde(deserialize_with = "string_or_number")]
    pub balance: String,
    /// The token (`"near"`; some documents say `"NEAR"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The wallet's NEAR account.
    pub account_id: String,
}

impl BalanceResponse {
    /// Whether the balance is zero (`"0"`, `"000"`; an empty or non-decimal string is not zero).
    pub fn is_zero(&self) -> bool {
        let b = self.balance.trim();
        !b.is_empty() && b.bytes().all(|c| c == b'0')
    }
}

fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "expected a decimal string or number, got {other}"
        ))),
    }
}

/// Body of `POST /wallet/v1/sign-message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignMessageRequest {
    /// The message (at most 10,000 bytes).
    pub message: String,
    /// The recipient (1 to 128 characters).
    pub recipient: String,
    /// Optional nonce: standard base64 of 32 bytes; custody picks one when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// `"nep413"` (the default when absent) or `"raw"` (removed in newer OutLayer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

impl SignMessageRequest {
    /// A NEP-413 signing request; `nonce` is encoded as standard base64 when given.
    pub fn nep413(
        message: impl Into<String>,
        recipient: impl Into<String>,
        nonce: Option<&[u8; 32]>,
    ) -> Self {
        use base64::Engine as _;
        Self {
            message: message.into(),
            recipient: recipient.into(),
            nonce: nonce.map(|n| base64::engine::general_purpose::STANDARD.encode(n)),
            format: None,
        }
    }
}

/// Response of `POST /wallet/v1/sign-message` (NEP-413).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignMessageResponse {
    /// The signing account.
    pub account_id: String,
    /// The signing key, `ed25519:<base58>`.
    pub public_key: String,
    /// The signature, `ed25519:<base58 of 64 bytes>`.
    pub signature: String,
    /// The same signature as standard base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_base64: Option<String>,
    /// The nonce used, standard base64 of 32 bytes (also read from `nonce_base64`).
    #[serde(alias = "nonce_base64")]
    pub nonce: String,
}

/// Body of `POST /call/{owner}/{project}` asking the Nearly WASM for a VRF seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VrfCallRequest {
    /// The WASM input.
    pub input: VrfInput,
    /// Execution limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_limits: Option<ResourceLimits>,
}

/// The WASM input of a VRF request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VrfInput {
    /// Always [`GET_VRF_SEED_ACTION`].
    pub action: String,
    /// The caller's request id, the `{request_id}` of `alpha = "vrf:{request_id}:suggest"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// An optional NEP-413 claim by the caller (NEARLY sends one); passed through unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verifiable_claim: Option<Value>,
}

/// The coordinator's envelope around a WASM run (`HttpsCallResponse`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpsCallResponse {
    /// The run id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    /// `"completed"`, `"failed"`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The WASM output: a JSON value, or a base64 string of its bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Value>,
    /// The failure text, if the run failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What the Nearly WASM writes to its output: `{"success":true,"data":{...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WasmOutput {
    /// Whether the action succeeded.
    pub success: bool,
    /// The VRF proof, on success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<VrfProof>,
    /// The failure text, on failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A VRF proof: an ed25519 signature over `alpha` and its SHA-256 as the output.
///
/// Check it with [`verify_vrf_proof`](crate::vrf::verify_vrf_proof).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VrfProof {
    /// `hex(sha256(signature))`, the random output.
    pub output_hex: String,
    /// `hex` of the 64-byte ed25519 signature over `alpha`.
    pub signature_hex: String,
    /// The signed input, e.g. `vrf:{request_id}:suggest`.
    pub alpha: String,
    /// `hex` of the 32-byte ed25519 VRF public key.
    pub vrf_public_key: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fastdata_kv_call_is_written_strictly() {
        let mut entries = Map::new();
        entries.insert("tag/rust".into(), json!(true));
        entries.insert("graph/follow/bob.near".into(), Value::Null);
        let req = CallRequest::fastdata_kv("contextual.near", entries);
        assert_eq!(
            serde_json::to_value(&req).unwrap(),
            json!({"receiver_id":"contextual.near","method_name":"__fastdata_kv",
                   "args":{"tag/rust":true,"graph/follow/bob.near":null},
                   "gas":"30000000000000","deposit":"0"})
        );
    }

    #[test]
    fn call_request_reader_defaults_gas_and_deposit() {
        let req: CallRequest =
            serde_json::from_value(json!({"receiver_id":"a","method_name":"m","args":{},"x":1}))
                .unwrap();
        assert_eq!(req.gas, DEFAULT_GAS);
        assert_eq!(req.deposit, ZERO_DEPOSIT);
    }

    #[test]
    fn register_response_reads_with_and_without_trial() {
        let bare: RegisterResponse = serde_json::from_value(
            json!({"api_key":"wk_1","wallet_id":"w","near_account_id":"ab","new_field":[1]}),
        )
        .unwrap();
        assert_eq!(bare.trial, None);
        let full: RegisterResponse = serde_json::from_value(json!({
            "api_key":"wk_1","near_account_id":"ab",
            "trial":{"calls_remaining":100,"limits":{"max_memory_mb":64}}}))
        .unwrap();
        assert_eq!(full.trial.as_ref().map(|t| t.calls_remaining), Some(100));
        assert_eq!(full.wallet_id, None);
        // strict writer: absent optionals are omitted
        assert_eq!(
            serde_json::to_value(&full).unwrap(),
            json!({"api_key":"wk_1","near_account_id":"ab",
                   "trial":{"calls_remaining":100,"limits":{"max_memory_mb":64}}})
        );
    }

    #[test]
    fn call_status_reads_unknown_values() {
        let r: CallResponse = serde_json::from_value(json!({"status":"queued"})).unwrap();
        assert_eq!(r.status, CallStatus::Unknown);
        let r: CallResponse =
            serde_json::from_value(json!({"status":"pending_approval","required":2,"approved":0}))
                .unwrap();
        assert_eq!(r.status, CallStatus::PendingApproval);
        assert_eq!(r.required, Some(2));
    }

    #[test]
    fn balance_reads_strings_and_numbers() {
        let b: BalanceResponse =
            serde_json::from_value(json!({"balance":0,"account_id":"a"})).unwrap();
        assert!(b.is_zero());
        let b: BalanceResponse =
            serde_json::from_value(json!({"balance":"1000","token":"near","account_id":"a"}))
                .unwrap();
        assert!(!b.is_zero());
        assert!(
            serde_json::from_value::<BalanceResponse>(json!({"balance":null,"account_id":"a"}))
                .is_err()
        );
    }

    #[test]
    fn sign_message_nonce_alias() {
        let r: SignMessageResponse = serde_json::from_value(json!({
            "account_id":"a","public_key":"ed25519:x","signature":"ed25519:y","nonce_base64":"bm9u"}))
        .unwrap();
        assert_eq!(r.nonce, "bm9u");
        assert_eq!(r.signature_base64, None);
    }

    #[test]
    fn sign_message_request_encodes_nonce() {
        let req = SignMessageRequest::nep413("hi", "nearly.social", Some(&[0u8; 32]));
        assert_eq!(
            serde_json::to_value(&req).unwrap(),
            json!({"message":"hi","recipient":"nearly.social",
                   "nonce":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="})
        );
        let req = SignMessageRequest::nep413("hi", "r", None);
        assert_eq!(
            serde_json::to_value(&req).unwrap(),
            json!({"message":"hi","recipient":"r"})
        );
    }
}
