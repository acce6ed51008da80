//! The typed error of every custody operation.

use std::time::Duration;

/// Why a custody operation failed.
///
/// HTTP statuses and OutLayer error codes are mapped to these variants inside this crate; callers
/// match on meaning, never on status numbers. Secrets never appear in any variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CustodyError {
    /// 401: the credential is missing, unknown, expired or badly signed (`missing_auth`,
    /// `invalid_api_key`, `timestamp_expired`, `invalid_signature`, `missing_signature`).
    #[error("custody rejected the credential: {code}")]
    Unauthorized {
        /// The OutLayer error code (empty when the body had none).
        code: String,
        /// The message, if any.
        message: String,
    },
    /// 403: the wallet is frozen or a policy denies the operation.
    #[error("custody forbade the operation: {code}: {message}")]
    Forbidden {
        /// The OutLayer error code, e.g. `policy_denied`.
        code: String,
        /// The message, if any.
        message: String,
    },
    /// 402: the caller's paid quota (e.g. the trial's WASM calls) is exhausted.
    #[error("custody requires payment: {message}")]
    PaymentRequired {
        /// The OutLayer error code (empty when the body had none).
        code: String,
        /// The message, if any.
        message: String,
    },
    /// 429: too many requests.
    #[error("custody rate limit hit (retry after {retry_after:?})")]
    RateLimited {
        /// The `Retry-After` header, when it held a number of seconds.
        retry_after: Option<Duration>,
    },
    /// 400 (or another 4xx with an envelope): the request was refused as invalid.
    #[error("custody refused the request: {code}: {message}")]
    BadRequest {
        /// The OutLayer error code, e.g. `bad_request`.
        code: String,
        /// The message, if any.
        message: String,
    },
    /// 404: an unknown request, approval or path.
    #[error("custody: not found: {code}")]
    NotFound {
        /// The OutLayer error code (empty for a bare 404).
        code: String,
        /// The message, if any.
        message: String,
    },
    /// 409: a conflicting state (`already_approved`, `wallet_busy`, last key).
    #[error("custody conflict: {code}: {message}")]
    Conflict {
        /// The OutLayer error code.
        code: String,
        /// The message, if any.
        message: String,
    },
    /// 502/503 with a JSON envelope: custody's key store is unavailable. Transient.
    #[error("custody key store unavailable ({status}): {message}")]
    Keystore {
        /// The HTTP status.
        status: u16,
        /// The message, if any.
        message: String,
    },
    /// The wallet has no NEAR to pay for the transaction. Fund `account_id` and retry.
    #[error("custody wallet {account_id} has insufficient balance")]
    InsufficientBalance {
        /// The wallet's NEAR account (the address to fund).
        account_id: String,
    },
    /// The transaction was sent but failed on chain (200 `status:"failed"` or 422
    /// `onchain_tx_failed`). Nothing was applied.
    #[error("custody transaction failed on chain: {message}")]
    OnchainFailed {
        /// The transaction hash, when custody reported one.
        tx_hash: Option<String>,
        /// The failure text.
        message: String,
    },
    /// The WASM run behind a VRF request failed (`status:"failed"` or `success:false`).
    #[error("custody WASM execution failed: {message}")]
    ExecutionFailed {
        /// The failure text.
        message: String,
    },
    /// Custody answered a write with a non-JSON 5xx while the wallet is funded: an upstream
    /// (storage or proxy) failure. The write may or may not have been applied.
    #[error("custody upstream failure ({status}): {snippet}")]
    Upstream {
        /// The HTTP status.
        status: u16,
        /// The start of the body.
        snippet: String,
    },
    /// Any other unexpected status.
    #[error("custody answered HTTP {status}: {snippet}")]
    Http {
        /// The HTTP status.
        status: u16,
        /// The start of the body.
        snippet: String,
    },
    /// The request timed out.
    #[error("custody request timed out")]
    Timeout,
    /// The request could not be sent or its response not read (connection refused, reset, TLS).
    #[error("custody transport error: {0}")]
    Transport(String),
    /// The response was not the expected JSON.
    #[error("custody response could not be decoded: {0}")]
    Decode(String),
    /// The client was built with an invalid configuration (e.g. a bad base URL).
    #[error("invalid custody client configuration: {0}")]
    InvalidConfig(String),
}

impl CustodyError {
    /// Whether retrying the same request later may succeed (rate limits, timeouts, transport
    /// failures, key store and other 5xx failures).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::RateLimited { .. }
            | Self::Keystore { .. }
            | Self::Upstream { .. }
            | Self::Timeout
            | Self::Transport(_) => true,
            Self::Http { status, .. } => *status >= 500,
            _ => false,
        }
    }
}

/// The first 200 characters of a body, for error messages.
pub(crate) fn snippet(body: &[u8]) -> String {
    const MAX: usize = 200;
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    match trimmed.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}...", &trimmed[..end]),
        None => trimmed.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_truncates_on_char_boundaries() {
        let long = "é".repeat(300);
        let s = snippet(long.as_bytes());
        assert_eq!(s.chars().count(), 203);
        assert!(s.ends_with("..."));
        assert_eq!(
            snippet(b"  <html>bad gateway</html>\n"),
            "<html>bad gateway</html>"
        );
        assert_eq!(snippet(&[0xff, 0xfe]), "\u{fffd}\u{fffd}");
    }

    #[test]
    fn transient_classification() {
        assert!(CustodyError::Timeout.is_transient());
        assert!(
            CustodyError::Http {
                status: 500,
                snippet: String::new()
            }
            .is_transient()
        );
        assert!(
            !CustodyError::InsufficientBalance {
                account_id: "a".into()
            }
            .is_transient()
        );
    }
}
