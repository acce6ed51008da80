//! The read error: [`FastDataError`].

use std::time::Duration;

/// Why a FastData read failed. HTTP statuses are mapped to variants here, inside the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FastDataError {
    /// No complete answer within the per-request timeout (after any retries).
    #[error("FastData request to {endpoint} timed out after {after:?}")]
    Timeout {
        /// Path of the request.
        endpoint: String,
        /// The per-request timeout that elapsed.
        after: Duration,
    },
    /// HTTP 429 (after any retries); `retry_after` is the server's `Retry-After`, if it sent one.
    #[error("FastData rate limited the request (retry after {retry_after:?})")]
    RateLimited {
        /// Server-advised wait, from a `Retry-After: <seconds>` header.
        retry_after: Option<Duration>,
    },
    /// The server rejected the page token (HTTP 400 `Invalid page_token`). Tokens are opaque and
    /// only valid for the same endpoint and filters.
    #[error("FastData rejected the page token: {message}")]
    InvalidPageToken {
        /// The server's message.
        message: String,
    },
    /// HTTP 404: the server has no such route (the real server answers unknown paths and wrong
    /// methods with an empty 404; an absent key is an empty list, not a 404). Usually a wrong
    /// base URL.
    #[error("FastData has no endpoint {endpoint} (HTTP 404): check the base URL")]
    NotFound {
        /// Path of the request.
        endpoint: String,
    },
    /// Any other non-success status: 4xx (never retried) or 5xx (after retries).
    #[error("FastData answered HTTP {status} for {endpoint}: {message}")]
    Http {
        /// HTTP status code.
        status: u16,
        /// Path of the request.
        endpoint: String,
        /// The body's `error` field when it is JSON, otherwise a snippet of the body.
        message: String,
    },
    /// A 2xx answer whose body is not the documented JSON.
    #[error("could not decode FastData response from {endpoint}: {message}")]
    Decode {
        /// Path of the request.
        endpoint: String,
        /// What was wrong.
        message: String,
    },
    /// Connection refused, reset, DNS failure, TLS failure... (after any retries).
    #[error("could not reach FastData at {endpoint}: {message}")]
    Transport {
        /// Path of the request.
        endpoint: String,
        /// The transport error and its causes.
        message: String,
    },
    /// The caller asked for something the wire cannot express (checked before any request).
    #[error("invalid FastData request: {0}")]
    InvalidRequest(String),
    /// The client was configured with an unusable base URL, namespace or setting.
    #[error("invalid FastData client configuration: {0}")]
    InvalidConfig(String),
    /// An in-process implementation (such as the sandbox ledger) could not read its own
    /// storage. Retryable: the storage may recover.
    #[error("FastData backend failed: {0}")]
    Backend(String),
}

impl FastDataError {
    /// Whether a read that failed this way is worth retrying: timeouts, transport failures,
    /// 429 and 5xx. Never 4xx, decode errors or invalid requests.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Timeout { .. }
            | Self::Transport { .. }
            | Self::RateLimited { .. }
            | Self::Backend(_) => true,
            Self::Http { status, .. } => *status >= 500,
            Self::InvalidPageToken { .. }
            | Self::NotFound { .. }
            | Self::Decode { .. }
            | Self::InvalidRequest(_)
            | Self::InvalidConfig(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_classification() {
        let http = |status| FastDataError::Http {
            status,
            endpoint: "/v0/multi".into(),
            message: String::new(),
        };
        assert!(http(500).is_retryable());
        assert!(http(503).is_retryable());
        assert!(!http(400).is_retryable());
        assert!(!http(403).is_retryable());
        assert!(FastDataError::RateLimited { retry_after: None }.is_retryable());
        assert!(
            !FastDataError::Decode {
                endpoint: String::new(),
                message: String::new()
            }
            .is_retryable()
        );
    }
}
