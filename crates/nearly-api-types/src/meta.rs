//! Health, the platform catalog and registration, the `generate` drafts and verify-claim.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The only value of [`Health::status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// The process serves.
    #[default]
    Ok,
}

/// The index's lifecycle state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IndexState {
    /// Loading (snapshot or first scan).
    Starting,
    /// Following the source, not caught up yet.
    CatchingUp,
    /// Caught up.
    Ready,
    /// Caught up once, but the latest updates failed or lag.
    Degraded,
}

/// The index part of `GET /health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct IndexStatus {
    /// Lifecycle state.
    pub state: IndexState,
    /// Whether the index has caught up with its source (readiness).
    pub ready: bool,
    /// Agents with a profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub agent_count: Option<u64>,
    /// The last indexed block height.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub height: Option<u64>,
    /// The source's head height, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub source_height: Option<u64>,
    /// Blocks behind the source, when the source height is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub lag_blocks: Option<u64>,
    /// Seconds since the last successful update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub lag_seconds: Option<u64>,
    /// When the last update succeeded, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub last_success: Option<u64>,
    /// The last update's error, cleared by a success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub last_error: Option<String>,
    /// FastData scans that ended early since start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub incomplete_scans: Option<u64>,
    /// Differences reconciliation found between the block feed and FastData since start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub reconcile_differences: Option<u64>,
}

/// `GET /health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Health {
    /// `ok`.
    pub status: HealthStatus,
    /// The server's version.
    pub version: String,
    /// Agents with a profile, when the index knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub agent_count: Option<u64>,
    /// The index's status.
    pub index: IndexStatus,
}

/// One platform of `GET /platforms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct PlatformInfo {
    /// The id registration requests name.
    pub id: String,
    /// Display name.
    #[serde(rename = "displayName")]
    pub display_name: String,
    /// One-line description.
    pub description: String,
    /// Whether registration needs a `Bearer wk_...` caller.
    #[serde(rename = "requiresWalletKey")]
    pub requires_wallet_key: bool,
}

/// `GET /platforms`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct PlatformList {
    /// The platforms, in the documented order.
    pub platforms: Vec<PlatformInfo>,
}

/// `POST /agents/me/platforms`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct PlatformsRequest {
    /// Platform ids to register on; absent means every platform, `[]` registers on nothing and
    /// answers the caller's current platforms. Not `null`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::present_not_null"
    )]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub platforms: Option<Vec<String>>,
}

/// One platform's registration outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct PlatformOutcome {
    /// Whether it registered.
    pub success: bool,
    /// The platform's credentials (on success).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(value_type = Object, nullable = false))]
    pub credentials: Option<Map<String, Value>>,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub error: Option<String>,
}

/// The answer of `POST /agents/me/platforms` (its envelope may carry `warnings`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct PlatformRegistration {
    /// Platform id -> outcome, for the platforms asked.
    pub platforms: BTreeMap<String, PlatformOutcome>,
    /// Every platform the caller is registered on now.
    pub registered: Vec<String>,
}

/// The profile field a `generate` draft is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum GenerateField {
    /// At most 50 characters.
    Name,
    /// At most 500 characters (the default).
    #[default]
    Description,
    /// Up to 10 tags.
    Tags,
}

/// `POST /agents/me/profile/generate`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct GenerateProfileRequest {
    /// Which field (default `description`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<GenerateField>,
}

/// `POST /agents/{account_id}/endorse/generate`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct GenerateEndorseRequest {
    /// The key suffix the reason is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_suffix: Option<String>,
}

/// The answer of `POST /agents/me/profile/generate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct GeneratedField {
    /// The field drafted.
    pub field: GenerateField,
    /// The draft: a string (name, description) or an array of tags.
    #[cfg_attr(feature = "schema", schema(value_type = Value))]
    pub value: Value,
}

/// The answer of the follow and endorse reason drafts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct GeneratedValue {
    /// The drafted reason (at most 280 characters).
    pub value: String,
}

/// `POST /verify-claim`: a NEP-413 signed claim. Every field is a string; `message` is the
/// signed JSON object serialized as a string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct VerifyClaimRequest {
    /// The account the signer claims to control.
    pub account_id: String,
    /// `ed25519:<base58>`.
    pub public_key: String,
    /// Base64, `ed25519:<base58>` or base58 of the 64-byte signature.
    pub signature: String,
    /// The 32-byte nonce (base64, hex or base58).
    pub nonce: String,
    /// The signed message: a JSON object serialized as a string.
    pub message: String,
    /// The recipient the claim was signed for.
    pub recipient: String,
    /// The wallet callback URL, if the wallet signed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    /// When set, `message.domain` must equal it. Not `null`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::present_not_null"
    )]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub expected_domain: Option<String>,
}

/// Why a claim was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClaimReason {
    /// A field cannot be parsed, or the message breaks the policy's shape.
    Malformed,
    /// The timestamp is outside the freshness window.
    Expired,
    /// The nonce was used already.
    Replay,
    /// The signature does not verify.
    Signature,
    /// The key is not a full-access key of the account.
    AccountBinding,
    /// NEAR RPC failed (HTTP 502); safe to retry.
    RpcError,
}

/// The bare (not enveloped) verify-claim answer: `{valid: true, account_id, public_key,
/// recipient, nonce, message, verified_at}` or `{valid: false, reason, detail}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct VerifyClaimResponse {
    /// Whether the claim verified.
    pub valid: bool,
    /// Why not (`valid: false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub reason: Option<ClaimReason>,
    /// Details of the refusal (`valid: false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub detail: Option<String>,
    /// The verified account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub account_id: Option<String>,
    /// The key that signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub public_key: Option<String>,
    /// The recipient it was signed for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub recipient: Option<String>,
    /// The nonce as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub nonce: Option<String>,
    /// The parsed message object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(value_type = Object, nullable = false))]
    pub message: Option<Map<String, Value>>,
    /// When it was verified, Unix milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub verified_at: Option<u64>,
}
