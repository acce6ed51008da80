//! The typed error of every SDK operation.

use std::time::Duration;

use nearly_core::ErrorCode;
use outlayer_client::CustodyError;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::credentials::CredentialsError;

/// Funding details of a 402 `INSUFFICIENT_BALANCE` error (`meta` in the error envelope).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FundingMeta {
    /// The wallet (NEAR account) to fund.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet_address: Option<String>,
    /// The suggested amount, e.g. `"0.01"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fund_amount: Option<String>,
    /// The token to send, e.g. `"near"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fund_token: Option<String>,
    /// A page that funds the wallet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fund_url: Option<String>,
    /// Fields this SDK does not know yet.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An error envelope the API answered: `{success: false, error, code, hint?, retry_after?, meta?}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The HTTP status of the response.
    pub status: u16,
    /// The machine-readable code, when it is one this SDK knows. Match on this.
    pub code: Option<ErrorCode>,
    /// The `code` string exactly as sent (also set for codes [`ErrorCode`] does not know).
    pub raw_code: Option<String>,
    /// The human-readable message (`error`).
    pub message: String,
    /// Recovery guidance (present on the auth codes).
    pub hint: Option<String>,
    /// Seconds to wait before retrying (`retry_after`, else the `Retry-After` header).
    pub retry_after: Option<u64>,
    /// Extra details: for 402 `INSUFFICIENT_BALANCE`, the funding fields (see
    /// [`ApiError::funding`]).
    pub meta: Option<Value>,
}

impl ApiError {
    /// The funding details of an `INSUFFICIENT_BALANCE` error, read from `meta`.
    pub fn funding(&self) -> Option<FundingMeta> {
        self.meta
            .as_ref()
            .and_then(|m| serde_json::from_value(m.clone()).ok())
    }

    /// Whether sending the same request again later may succeed.
    ///
    /// Retriable codes ([`ErrorCode::is_retriable`]) except `AUTH_FAILED` and `NONCE_REPLAY`,
    /// which only succeed with a different request (a new nonce or key). An envelope without a
    /// `code` is a proxy-level failure and retriable, as the contract says.
    pub fn is_retriable(&self) -> bool {
        match (self.code, &self.raw_code) {
            (Some(ErrorCode::AuthFailed | ErrorCode::NonceReplay), _) => false,
            (Some(code), _) => code.is_retriable(),
            (None, None) => true,
            (None, Some(_)) => self.status >= 500 || self.status == 429,
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.raw_code {
            Some(code) => write!(f, "{code} (HTTP {}): {}", self.status, self.message)?,
            None => write!(f, "HTTP {}: {}", self.status, self.message)?,
        }
        if let Some(hint) = &self.hint {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

/// How a request failed below HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkErrorKind {
    /// The connection could not be opened: the request never reached the server.
    Connect,
    /// No complete answer within the timeout: the request may have been applied.
    Timeout,
    /// The connection broke mid-request (reset, closed): the request may have been applied.
    Other,
}

/// Why an SDK operation failed.
#[derive(Debug, thiserror::Error)]
pub enum NearlyError {
    /// The API answered an error envelope (boxed: it is the largest variant).
    #[error("{0}")]
    Api(Box<ApiError>),
    /// The API answered an error status without a JSON envelope (e.g. a proxy's bodyless 502).
    #[error("HTTP {status} without an API error body: {snippet}")]
    Http {
        /// The HTTP status.
        status: u16,
        /// The start of the body.
        snippet: String,
        /// The `Retry-After` header, in seconds.
        retry_after: Option<u64>,
    },
    /// The request failed below HTTP (refused, reset, timed out).
    #[error("network error ({kind:?}): {message}")]
    Network {
        /// What kind of failure.
        kind: NetworkErrorKind,
        /// The transport's message.
        message: String,
    },
    /// A success response was not the documented JSON.
    #[error("response could not be decoded: {0}")]
    Decode(String),
    /// The endpoint needs credentials and the client has none.
    #[error("this endpoint needs credentials (a wk_ wallet key); none configured")]
    MissingCredentials,
    /// The arguments cannot form a request (e.g. a batch without targets).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The client was built with an invalid configuration (e.g. a bad base URL).
    #[error("invalid client configuration: {0}")]
    InvalidConfig(String),
    /// A custody operation (wallet registration, signing, balance) failed.
    #[error("custody: {0}")]
    Custody(#[from] CustodyError),
    /// Reading or writing the credentials file failed.
    #[error("credentials: {0}")]
    Credentials(#[from] CredentialsError),
}

impl NearlyError {
    /// The API error code, when the API answered one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Api(e) => e.code,
            _ => None,
        }
    }

    /// The API error, when the API answered one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Self::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The server's `retry_after` (body field or `Retry-After` header).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Api(e) => e.retry_after.map(Duration::from_secs),
            Self::Http { retry_after, .. } => retry_after.map(Duration::from_secs),
            _ => None,
        }
    }

    /// Whether sending the same request again later may succeed: retriable API codes, bodyless
    /// 429/5xx answers and network failures.
    pub fn is_retriable(&self) -> bool {
        match self {
            Self::Api(e) => e.is_retriable(),
            Self::Http { status, .. } => *status == 429 || (500..=599).contains(status),
            Self::Network { .. } => true,
            Self::Custody(e) => e.is_transient(),
            _ => false,
        }
    }

    /// Whether the outcome of the request is unknown: it may or may not have been applied
    /// server-side (a timeout, a broken connection, a 5xx without an API error code). A mutation
    /// that failed this way must be verified before it is sent again.
    pub fn is_ambiguous(&self) -> bool {
        match self {
            Self::Network { kind, .. } => *kind != NetworkErrorKind::Connect,
            Self::Http { status, .. } => (500..=599).contains(status),
            Self::Api(e) => e.code.is_none() && e.raw_code.is_none() && e.status >= 500,
            _ => false,
        }
    }

    /// Whether this is a missing, unknown or rejected credential (`AUTH_REQUIRED`,
    /// `AUTH_FAILED`, `NONCE_REPLAY`, no credentials configured, a credentials file problem).
    pub fn is_auth(&self) -> bool {
        match self {
            Self::Api(e) => matches!(
                e.code,
                Some(ErrorCode::AuthRequired | ErrorCode::AuthFailed | ErrorCode::NonceReplay)
            ),
            Self::MissingCredentials | Self::Credentials(_) => true,
            Self::Custody(CustodyError::Unauthorized { .. }) => true,
            _ => false,
        }
    }

    /// Whether the failure is below the API (network, bodyless 5xx, custody transport).
    pub fn is_network(&self) -> bool {
        match self {
            Self::Network { .. } => true,
            Self::Http { status, .. } => (500..=599).contains(status),
            Self::Custody(
                CustodyError::Transport(_) | CustodyError::Timeout | CustodyError::Upstream { .. },
            ) => true,
            _ => false,
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = NearlyError> = std::result::Result<T, E>;
