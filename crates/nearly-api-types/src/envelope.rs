//! The two envelopes every JSON answer is wrapped in.

use nearly_core::ErrorCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A successful answer: `{success: true, data, warnings?}`.
///
/// Only `POST /agents/me/platforms` sends `warnings`; it is omitted when empty. (verify-claim
/// and `skill.md` are the two answers that are not enveloped.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    /// Always `true`.
    pub success: bool,
    /// The payload.
    pub data: T,
    /// Non-fatal warnings, omitted when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl<T> Envelope<T> {
    /// `{success: true, data}`.
    pub fn ok(data: T) -> Self {
        Self {
            success: true,
            data,
            warnings: Vec::new(),
        }
    }

    /// The same envelope with `warnings`.
    #[must_use]
    pub fn with_warnings(mut self, warnings: Vec<String>) -> Self {
        self.warnings = warnings;
        self
    }
}

/// A failed answer: `{success: false, error, code, hint?, retry_after?, meta?}`.
///
/// The HTTP status follows from `code` (the server's status table), except the transport
/// statuses 405, 408 and 413, which carry `VALIDATION_ERROR`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "schema", schema(as = Error, example = json!({
    "success": false,
    "error": "Rate limit for follow reached",
    "code": "RATE_LIMITED",
    "retry_after": 12
})))]
pub struct ErrorBody {
    /// Always `false`.
    #[cfg_attr(feature = "schema", schema(schema_with = crate::schema::const_false))]
    pub success: bool,
    /// What went wrong, for a human.
    pub error: String,
    /// What went wrong, for a program.
    #[cfg_attr(feature = "schema", schema(value_type = crate::schema::ErrorCodeSchema))]
    pub code: ErrorCode,
    /// How to recover (the auth codes carry one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub hint: Option<String>,
    /// Seconds to wait before retrying (rate and budget limits, index behind); the answer also
    /// has a `Retry-After` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub retry_after: Option<u64>,
    /// Structured details: for `INSUFFICIENT_BALANCE` the funding details ([`FundingMeta`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(value_type = Object, nullable = false))]
    pub meta: Option<Value>,
}

impl ErrorBody {
    /// `{success: false, error, code}`.
    pub fn new(code: ErrorCode, error: impl Into<String>) -> Self {
        Self {
            success: false,
            error: error.into(),
            code,
            hint: None,
            retry_after: None,
            meta: None,
        }
    }
}

/// `meta` of a 402 `INSUFFICIENT_BALANCE`: where and how much to fund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct FundingMeta {
    /// The custody wallet's account.
    pub wallet_address: String,
    /// How much to send (`"0.01"`).
    pub fund_amount: String,
    /// Which token (`"NEAR"`).
    pub fund_token: String,
    /// A link that funds the wallet.
    pub fund_url: String,
}
