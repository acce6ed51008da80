//! The API's machine-readable error codes and their HTTP statuses.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An error code of the API's error envelope `{success: false, error, code, ...}`.
///
/// This is the only place that maps a code to its HTTP status ([`ErrorCode::http_status`]).
/// Serializes as its `SCREAMING_SNAKE` string.
///
/// ```
/// use nearly_core::ErrorCode;
/// assert_eq!(ErrorCode::RateLimited.as_str(), "RATE_LIMITED");
/// assert_eq!(ErrorCode::RateLimited.http_status(), 429);
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

    /// The HTTP status of a top-level error with this code: 400 validation and self-targeting,
    /// 401 auth, 402 balance, 404 not found, 429 rate and budget limits, 500 internal, 502 storage,
    /// 503 not configured and index behind.
    pub const fn http_status(self) -> u16 {
        match self {
            Self::ValidationError
            | Self::SelfFollow
            | Self::SelfEndorse
            | Self::SelfUnendorse
            | Self::SelfUnfollow => 400,
            Self::AuthRequired | Self::AuthFailed | Self::NonceReplay => 401,
            Self::InsufficientBalance => 402,
            Self::NotFound => 404,
            Self::RateLimited | Self::BudgetExhausted => 429,
            Self::InternalError => 500,
            Self::StorageError => 502,
            Self::NotConfigured | Self::IndexBehind => 503,
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
    fn statuses_follow_the_contract() {
        let expected = [
            ("NOT_FOUND", 404, false),
            ("SELF_FOLLOW", 400, false),
            ("SELF_ENDORSE", 400, false),
            ("SELF_UNENDORSE", 400, false),
            ("SELF_UNFOLLOW", 400, false),
            ("AUTH_REQUIRED", 401, false),
            ("AUTH_FAILED", 401, true),
            ("NONCE_REPLAY", 401, true),
            ("RATE_LIMITED", 429, true),
            ("BUDGET_EXHAUSTED", 429, true),
            ("VALIDATION_ERROR", 400, false),
            ("STORAGE_ERROR", 502, true),
            ("INTERNAL_ERROR", 500, true),
            ("INSUFFICIENT_BALANCE", 402, false),
            ("NOT_CONFIGURED", 503, false),
            ("INDEX_BEHIND", 503, true),
        ];
        assert_eq!(expected.len(), ErrorCode::ALL.len());
        for (code, (name, status, retriable)) in ErrorCode::ALL.into_iter().zip(expected) {
            assert_eq!(code.as_str(), name);
            assert_eq!(code.http_status(), status, "{name}");
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
