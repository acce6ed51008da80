//! The crate's error: [`NeardataError`].

use std::time::Duration;

/// Why a neardata request (or the tailer) failed. HTTP statuses are mapped here, in the crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NeardataError {
    /// No complete answer within the per-request timeout.
    #[error("neardata request to {endpoint} timed out after {after:?}")]
    Timeout {
        /// Path of the request.
        endpoint: String,
        /// The per-request timeout that elapsed.
        after: Duration,
    },
    /// HTTP 429; `retry_after` is the server's `Retry-After: <seconds>`, if it sent one.
    #[error("neardata rate limited the request (retry after {retry_after:?})")]
    RateLimited {
        /// Server-advised wait.
        retry_after: Option<Duration>,
    },
    /// HTTP 5xx (cache or Redis trouble upstream).
    #[error("neardata answered HTTP {status} for {endpoint}: {message}")]
    Server {
        /// HTTP status code.
        status: u16,
        /// Path of the request.
        endpoint: String,
        /// A snippet of the body.
        message: String,
    },
    /// A status the spec does not give for this endpoint (an unknown 404, a 3xx without a
    /// usable `Location`, a 2xx from the tip endpoint that is no header...). Retryable: a proxy
    /// in between may recover.
    #[error("neardata answered HTTP {status} for {endpoint}: {message}")]
    Unexpected {
        /// HTTP status code.
        status: u16,
        /// Path of the request.
        endpoint: String,
        /// What was wrong.
        message: String,
    },
    /// More than 5 redirects in a row.
    #[error("neardata redirected more than {max} times from {endpoint}")]
    TooManyRedirects {
        /// Path of the first request.
        endpoint: String,
        /// The hop limit.
        max: usize,
    },
    /// A 200 answer for height `height` that is not a readable block (see
    /// [`crate::Block::decode`]). Retried, never skipped.
    #[error("neardata block {height} cannot be read: {reason}")]
    MalformedBlock {
        /// The height asked for.
        height: u64,
        /// What was wrong.
        reason: String,
    },
    /// Connection refused, reset, DNS or TLS failure.
    #[error("could not reach neardata at {endpoint}: {message}")]
    Transport {
        /// Path of the request.
        endpoint: String,
        /// The transport error and its causes.
        message: String,
    },
    /// HTTP 401/403: the API key is invalid. Configuration error; not retried.
    #[error("neardata rejected the API key (HTTP {status})")]
    Unauthorized {
        /// HTTP status code.
        status: u16,
    },
    /// HTTP 400, or 404 `BLOCK_HEIGHT_TOO_HIGH` / `BLOCK_HEIGHT_TOO_LOW`: the request itself is
    /// wrong (a bug or a cursor from another chain). Not retried.
    #[error("neardata refused the request for {endpoint} (HTTP {status}): {message}")]
    BadRequest {
        /// HTTP status code.
        status: u16,
        /// Path of the request.
        endpoint: String,
        /// The body (the server's error text or `type`).
        message: String,
    },
    /// The client was configured with an unusable base URL or setting.
    #[error("invalid neardata client configuration: {0}")]
    InvalidConfig(String),
    /// An in-process block source failed to read its own storage. Retryable.
    #[error("neardata backend failed: {0}")]
    Backend(String),
}

impl NeardataError {
    /// Whether the tailer should retry (with backoff) after this error. Everything is, except
    /// an invalid key, a request the server calls wrong, and a bad configuration.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        !matches!(
            self,
            Self::Unauthorized { .. } | Self::BadRequest { .. } | Self::InvalidConfig(_)
        )
    }

    /// The server-advised wait of a 429, if any.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after } => *retry_after,
            _ => None,
        }
    }
}
