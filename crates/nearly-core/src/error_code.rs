//! The API's machine-readable error codes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An error code of the API's error envelope `{success: false, error, code, ...}`.
///
/// A domain value: it knows no HTTP status (the server's response layer, `api-http`, maps
/// codes to statuses). Serializes as its `SCREAMING_SNAKE` string.
///
/// ```
/// use nearly_core::ErrorCode;
/// assert_eq!(ErrorCode::RateLimited.as_str(), "RATE_LIMITED");
/// assert!(ErrorCode::RateLimited.is_retriable());
/// assert_eq!("NOT_FOUND".parse::<ErrorCode>(), Ok(ErrorCode::NotFound));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorCode {
    /// The target agent (or resource) does not exist. 404.
    NotFound,
    /// A caller tried to follow itself. 400.
    SelfFollow,
    /// A caller tried to endorse itself. 400.
    SelfEndorse,
    /// A caller tried to unendorse itself. 400.
    SelfUnendorse,
    /// A caller tried to unfollow itself. 400.
    SelfUnfollow,
    /// No credentials were provided (or the bearer is of no known kind). 401.
    AuthRequired,
    /// Credentials were provided but did not verify. 401.
    AuthFailed,
    /// The signed claim's nonce was already used. 401.
    NonceReplay,
    /// Too many requests for this action. 429, with `retry_after`.
    RateLimited,
    /// The daily `generate.*` budget is spent. 429, with `retry_after`.
    BudgetExhausted,
    /// A request field failed validation. 400.
    ValidationError,
    /// The key-value store (FastData through custody) failed. 502.
    StorageError,
    /// An unexpected server error. 500.
    InternalError,
    /// The custody wallet cannot pay for the write. 402, with `meta` funding details.
    InsufficientBalance,
    /// The feature is not configured on this deployment (e.g. `generate.*` without an LLM). 503.
    NotConfigured,
    /// The index has not reached the `min_height` a read asked for within the wait bound. 503,
    /// with `retry_after`.
    IndexBehind,
}

impl ErrorCode {
    /// Every code, in declaration order.
    pub const ALL: [Self; 16] = [
        Self::NotFound,
        Self::SelfFollow,
        Self::SelfEndorse,
        Self::SelfUnendorse,
        Self::SelfUnfollow,
        Self::AuthRequired,
        Self::AuthFailed,
        Self::NonceReplay,
        Self::RateLimited,
        Self::BudgetExhausted,
        Self::ValidationError,
        Self::StorageError,
        Self::InternalError,
        Self::InsufficientBalance,
        Self::NotConfigured,
        Self::IndexBehind,
    ];

    /// The code as it appears on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NotFound => "NOT_FOUND",
            Self::SelfFollow => "SELF_FOLLOW",
            Self::SelfEndorse => "SELF_ENDORSE",
            Self::SelfUnendorse => "SELF_UNENDORSE",
            Self::SelfUnfollow => "SELF_UNFOLLOW",
            Self::AuthRequired => "AUTH_REQUIRED",
            Self::AuthFailed => "AUTH_FAILED",
            Self::NonceReplay => "NONCE_REPLAY",
            Self::RateLimited => "RATE_LIMITED",
            Self::BudgetExhausted => "BUDGET_EXHAUSTED",
            Self::ValidationError => "VALIDATION_ERROR",
            Self::StorageError => "STORAGE_ERROR",
            Self::InternalError => "INTERNAL_ERROR",
            Self::InsufficientBalance => "INSUFFICIENT_BALANCE",
            Self::NotConfigured => "NOT_CONFIGURED",
            Self::IndexBehind => "INDEX_BEHIND",
        }
    }

    /// Whether the contract tells clients they may retry: after `retry_after` (rate and budget
    /// limits), with backoff (storage and internal errors), or with a fresh nonce and timestamp
    /// (`AUTH_FAILED`, `NONCE_REPLAY`). Codes that need the caller or operator to change
    /// something first (validation, self-targeting, missing credentials, funding, configuration,
    /// not found) are not retriable.
    pub const fn is_retriable(self) -> bool {
        matches!(
            self,
            Self::AuthFailed
                | Self::NonceReplay
                | Self::RateLimited
                | Self::BudgetExhausted
                | Self::StorageError
                | Self::InternalError
                | Self::IndexBehind
        )
    }

    /// Whether responses with this code carry a `hint` (the auth codes).
    pub const fn has_hint(self) -> bool {
        matches!(
            self,
            Self::AuthRequired | Self::AuthFailed | Self::NonceReplay
        )
    }

    /// Whether responses with this code carry `retry_after` and a `Retry-After` header.
    pub const fn has_retry_after(self) -> bool {
        matches!(
            self,
            Self::RateLimited | Self::BudgetExhausted | Self::IndexBehind
        )
    }
}

/// The string is not a known error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown error code {0:?}")]
pub struct UnknownErrorCode(pub String);

impl FromStr for ErrorCode {
    type Err = UnknownErrorCode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|code| code.as_str() == s)
            .ok_or_else(|| UnknownErrorCode(s.to_owned()))
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_retriability_follow_the_contract() {
        let expected = [
            ("NOT_FOUND", false),
            ("SELF_FOLLOW", false),
            ("SELF_ENDORSE", false),
            ("SELF_UNENDORSE", false),
            ("SELF_UNFOLLOW", false),
            ("AUTH_REQUIRED", false),
            ("AUTH_FAILED", true),
            ("NONCE_REPLAY", true),
            ("RATE_LIMITED", true),
            ("BUDGET_EXHAUSTED", true),
            ("VALIDATION_ERROR", false),
            ("STORAGE_ERROR", true),
            ("INTERNAL_ERROR", true),
            ("INSUFFICIENT_BALANCE", false),
            ("NOT_CONFIGURED", false),
            ("INDEX_BEHIND", true),
        ];
        assert_eq!(expected.len(), ErrorCode::ALL.len());
        for (code, (name, retriable)) in ErrorCode::ALL.into_iter().zip(expected) {
            assert_eq!(code.as_str(), name);
            assert_eq!(code.is_retriable(), retriable, "{name}");
        }
    }

    #[test]
    fn serde_uses_the_wire_string() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap(), code);
            assert_eq!(code.to_string().parse::<ErrorCode>(), Ok(code));
        }
        assert!(serde_json::from_str::<ErrorCode>("\"PROTOCOL\"").is_err());
        assert_eq!(
            "not_found".parse::<ErrorCode>(),
            Err(UnknownErrorCode("not_found".into()))
        );
    }

    #[test]
    fn envelope_extras() {
        let hinted: Vec<ErrorCode> = ErrorCode::ALL
            .into_iter()
            .filter(|c| c.has_hint())
            .collect();
        assert_eq!(
            hinted,
            [
                ErrorCode::AuthRequired,
                ErrorCode::AuthFailed,
                ErrorCode::NonceReplay
            ]
        );
        let timed: Vec<ErrorCode> = ErrorCode::ALL
            .into_iter()
            .filter(|c| c.has_retry_after())
            .collect();
        assert_eq!(
            timed,
            [
                ErrorCode::RateLimited,
                ErrorCode::BudgetExhausted,
                ErrorCode::IndexBehind
            ]
        );
    }
}
