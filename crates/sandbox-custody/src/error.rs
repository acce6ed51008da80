//! The crate's one error type, and its mapping to [`CustodyError`].

use outlayer_client::CustodyError;

/// Why a local custody operation failed.
///
/// Each variant corresponds to one OutLayer error code (see [`Error::code`]); the router turns it
/// into the OutLayer error envelope and the [`Custody`](outlayer_client::Custody) implementation
/// into the [`CustodyError`] that [`HttpOutLayer`](outlayer_client::HttpOutLayer) would produce
/// for the same response. Secrets never appear in any variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// No `Authorization: Bearer ...` header (HTTP only).
    #[error("Provide Authorization: Bearer <api_key> header. Register at POST /register")]
    MissingAuth,
    /// The credential is not a known `wk_` key, not a custody credential at all, or a malformed
    /// `near:` token, or a token for an account that has no wallet here.
    #[error("invalid API key: {0}")]
    InvalidApiKey(String),
    /// A `near:` token outside the freshness window.
    #[error("near: token timestamp is outside the {window_secs} s window")]
    TimestampExpired {
        /// The window, seconds.
        window_secs: u64,
    },
    /// A `near:` token whose signature does not verify or whose key is not the account's.
    #[error("invalid signature: {0}")]
    InvalidSignature(String),
    /// The request is malformed or asks for something the sandbox does not do.
    #[error("{0}")]
    BadRequest(String),
    /// `GET /wallet/v1/balance` for a chain other than `near`.
    #[error("unsupported chain {0:?}: the sandbox custody only holds NEAR")]
    UnsupportedChain(String),
    /// `GET /wallet/v1/balance` for a fungible token.
    #[error("unsupported token {0:?}: the sandbox custody only holds native NEAR")]
    UnsupportedToken(String),
    /// The wallet's balance is zero, so it cannot pay for a transaction. Over HTTP this is the
    /// real service's quirk: a 502 with a non-JSON body.
    #[error("wallet {account_id} has insufficient balance")]
    InsufficientBalance {
        /// The wallet's account (the address to fund).
        account_id: String,
    },
    /// The transaction "failed on chain" (for the sandbox: the FastData indexer would drop it
    /// whole, e.g. more than 256 keys). Nothing was committed.
    #[error("transaction failed on chain: {message}")]
    OnchainFailed {
        /// The synthetic transaction hash.
        tx_hash: String,
        /// Why it failed.
        message: String,
    },
    /// The wallet store, the ledger or a blocking task failed. The cause is logged; over HTTP
    /// the client only sees `internal_error`.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The OutLayer error code of this error (`wire-formats.md` §2.9).
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingAuth => "missing_auth",
            Self::InvalidApiKey(_) => "invalid_api_key",
            Self::TimestampExpired { .. } => "timestamp_expired",
            Self::InvalidSignature(_) => "invalid_signature",
            Self::BadRequest(_) => "bad_request",
            Self::UnsupportedChain(_) => "unsupported_chain",
            Self::UnsupportedToken(_) => "unsupported_token",
            Self::InsufficientBalance { .. } => "insufficient_balance",
            Self::OnchainFailed { .. } => outlayer_client::wire::ONCHAIN_TX_FAILED,
            Self::Internal(_) => "internal_error",
        }
    }

    /// The message shown to a client: the error's text, except for internal errors, whose cause
    /// stays in the log.
    pub fn public_message(&self) -> String {
        match self {
            Self::Internal(_) => "internal error".to_owned(),
            other => other.to_string(),
        }
    }

    pub(crate) fn internal(what: &str, cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "sandbox custody: {what} failed");
        Self::Internal(format!("{what}: {cause}"))
    }
}

impl From<Error> for CustodyError {
    /// The error [`HttpOutLayer`](outlayer_client::HttpOutLayer) reports when the sandbox router
    /// answers with this error, so in-process and HTTP callers see the same variant.
    fn from(error: Error) -> Self {
        let code = error.code().to_owned();
        let message = error.public_message();
        match error {
            Error::MissingAuth
            | Error::InvalidApiKey(_)
            | Error::TimestampExpired { .. }
            | Error::InvalidSignature(_) => Self::Unauthorized { code, message },
            Error::BadRequest(_) | Error::UnsupportedChain(_) | Error::UnsupportedToken(_) => {
                Self::BadRequest { code, message }
            }
            Error::InsufficientBalance { account_id } => Self::InsufficientBalance { account_id },
            Error::OnchainFailed { tx_hash, message } => Self::OnchainFailed {
                tx_hash: Some(tx_hash),
                message,
            },
            Error::Internal(_) => Self::Http {
                status: 500,
                snippet: format!(r#"{{"error":"{code}","message":"{message}"}}"#),
            },
        }
    }
}

impl From<redb::Error> for Error {
    fn from(e: redb::Error) -> Self {
        Self::internal("wallet store", e)
    }
}

macro_rules! storage_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Error {
            fn from(e: $t) -> Self {
                Self::from(redb::Error::from(e))
            }
        }
    )*};
}

storage_from!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_the_outlayer_table() {
        assert_eq!(Error::MissingAuth.code(), "missing_auth");
        assert_eq!(
            Error::InvalidApiKey(String::new()).code(),
            "invalid_api_key"
        );
        assert_eq!(
            Error::OnchainFailed {
                tx_hash: "t".into(),
                message: "m".into()
            }
            .code(),
            "onchain_tx_failed"
        );
    }

    #[test]
    fn internal_causes_stay_private() {
        let e = Error::Internal("redb: /secret/path".into());
        assert_eq!(e.public_message(), "internal error");
        let mapped = CustodyError::from(e);
        assert!(
            matches!(&mapped, CustodyError::Http { status: 500, snippet } if !snippet.contains("secret")),
            "{mapped:?}"
        );
    }

    #[test]
    fn maps_like_the_http_client() {
        assert_eq!(
            CustodyError::from(Error::InsufficientBalance {
                account_id: "ab".into()
            }),
            CustodyError::InsufficientBalance {
                account_id: "ab".into()
            }
        );
        assert!(matches!(
            CustodyError::from(Error::TimestampExpired { window_secs: 30 }),
            CustodyError::Unauthorized { code, .. } if code == "timestamp_expired"
        ));
    }
}
