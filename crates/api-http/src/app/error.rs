//! The application layer's one error type.

use nearly_core::ErrorCode;
use outlayer_client::CustodyError;

use crate::generate::BudgetExhausted;
use crate::platforms::PlatformStoreError;
use crate::rate_limit::{Action, Decision, RateLimiterError};

/// How much NEAR the funding details of an unfunded wallet ask for.
pub const FUND_AMOUNT: &str = "0.01";

/// The token the funding details ask for.
pub const FUND_TOKEN: &str = "NEAR";

/// Why a use case refused or failed. Its `Display` is the message a client may read; causes
/// (custody, store) are logged where the error is made and never shown.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AppError {
    /// A request field failed validation; the message names the rule.
    #[error("{0}")]
    Invalid(String),
    /// The target (an agent, a profile) does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The caller's credential cannot write (a NEAR AI hub token has no custody key).
    #[error("{0}")]
    ReadOnly(String),
    /// The caller is not the configured admin account.
    #[error("Only the configured admin account may hide or unhide agents")]
    NotAdmin,
    /// The feature needs configuration this deployment does not have.
    #[error("{0}")]
    NotConfigured(String),
    /// The action's rate-limit window is spent.
    #[error("Rate limit exceeded for {}", action.name())]
    RateLimited {
        /// The limited action.
        action: Action,
        /// The refusing decision (its `retry_after` and window).
        decision: Decision,
    },
    /// The rate limiter could not answer (a shared store unreachable): the request does not
    /// proceed, because a write that skipped its limit would break the limit.
    #[error("the rate limiter for {} is unavailable; retry shortly", action.name())]
    LimiterUnavailable {
        /// The action whose limit could not be checked.
        action: Action,
        /// Why.
        cause: RateLimiterError,
    },
    /// The caller's custody wallet cannot pay for the write.
    #[error("Fund your wallet with ≥{FUND_AMOUNT} NEAR, then retry.")]
    InsufficientBalance {
        /// The wallet to fund.
        account_id: String,
    },
    /// Custody refused the caller's credential.
    #[error("Auth failed: custody refused the credential")]
    CredentialRefused,
    /// Custody throttles this wallet.
    #[error("Custody is rate limiting this wallet")]
    CustodyThrottled {
        /// Seconds to wait (at least 1).
        retry_after: u64,
    },
    /// Custody did not answer in time; the write may or may not have happened.
    #[error("Custody did not answer in time; verify state before retrying")]
    CustodyTimeout,
    /// Custody holds the write for multisig approval.
    #[error("Custody holds the write for multisig approval; it is not applied yet")]
    PendingApproval,
    /// The write failed upstream (cause logged).
    #[error("Storage write failed; retry with backoff")]
    Storage,
    /// The platform store failed (cause logged).
    #[error("The platform store is unavailable; retry shortly")]
    PlatformStore,
    /// A draft named the caller itself (`SELF_FOLLOW` or `SELF_ENDORSE`).
    #[error("Cannot target yourself")]
    SelfTarget(ErrorCode),
    /// A daily `generate.*` budget is spent, or its store is unreachable.
    #[error("{0}")]
    Budget(BudgetExhausted),
    /// A dependency (the model) failed or answered unusably (cause logged).
    #[error("{0}")]
    Upstream(&'static str),
    /// An unexpected failure (cause logged); clients only see the internal-error message.
    #[error("Internal server error")]
    Internal,
}

impl AppError {
    /// The domain code a client switches on.
    pub const fn code(&self) -> ErrorCode {
        match self {
            Self::Invalid(_) => ErrorCode::ValidationError,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::ReadOnly(_) => ErrorCode::AuthRequired,
            Self::NotAdmin | Self::CredentialRefused => ErrorCode::AuthFailed,
            Self::NotConfigured(_) => ErrorCode::NotConfigured,
            Self::RateLimited { .. } | Self::CustodyThrottled { .. } => ErrorCode::RateLimited,
            Self::InsufficientBalance { .. } => ErrorCode::InsufficientBalance,
            Self::LimiterUnavailable { .. }
            | Self::CustodyTimeout
            | Self::PendingApproval
            | Self::Storage
            | Self::PlatformStore
            | Self::Upstream(_)
            | Self::Budget(BudgetExhausted::Unavailable) => ErrorCode::StorageError,
            Self::SelfTarget(code) => *code,
            Self::Budget(_) => ErrorCode::BudgetExhausted,
            Self::Internal => ErrorCode::InternalError,
        }
    }

    /// Whether a batch stops at this error instead of reporting it per target: every target
    /// would fail the same way (an unfunded wallet, a refused or read-only credential).
    pub const fn aborts_batch(&self) -> bool {
        matches!(
            self,
            Self::InsufficientBalance { .. } | Self::CredentialRefused | Self::ReadOnly(_)
        )
    }

    /// A validation error.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }

    /// An upstream failure answering `message`; `cause` goes to the log only.
    pub fn upstream(message: &'static str, cause: impl std::fmt::Display) -> Self {
        tracing::warn!(cause = %cause, "upstream failure");
        Self::Upstream(message)
    }
}

impl From<CustodyError> for AppError {
    fn from(error: CustodyError) -> Self {
        match error {
            CustodyError::InsufficientBalance { account_id } => {
                Self::InsufficientBalance { account_id }
            }
            CustodyError::Unauthorized { .. } => Self::CredentialRefused,
            CustodyError::RateLimited { retry_after } => Self::CustodyThrottled {
                retry_after: retry_after.map_or(1, |d| d.as_secs().max(1)),
            },
            other => {
                tracing::warn!(cause = %other, "upstream failure");
                Self::Storage
            }
        }
    }
}

impl From<PlatformStoreError> for AppError {
    fn from(error: PlatformStoreError) -> Self {
        tracing::warn!(cause = %error, "upstream failure");
        Self::PlatformStore
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custody_failures_classify() {
        assert_eq!(
            AppError::from(CustodyError::InsufficientBalance {
                account_id: "ab".into()
            }),
            AppError::InsufficientBalance {
                account_id: "ab".into()
            }
        );
        let throttled = AppError::from(CustodyError::RateLimited {
            retry_after: Some(std::time::Duration::from_millis(200)),
        });
        assert_eq!(throttled, AppError::CustodyThrottled { retry_after: 1 });
        assert_eq!(throttled.code(), ErrorCode::RateLimited);
        assert_eq!(AppError::from(CustodyError::Timeout), AppError::Storage);
        assert!(AppError::CredentialRefused.aborts_batch());
        assert!(!AppError::Storage.aborts_batch());
    }
}
