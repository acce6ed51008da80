//! The verdict: why a claim was refused, in the six reasons the HTTP API reports.

use serde::{Deserialize, Serialize};

/// The machine-readable reason a claim was refused; serializes to exactly the strings the
/// verify-claim API returns as `reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The claim or one of its fields cannot be parsed, or the message breaks the policy's shape.
    Malformed,
    /// The timestamp is outside the freshness window.
    Expired,
    /// The nonce was already used for this recipient within the window.
    Replay,
    /// The signature does not verify strictly over the payload.
    Signature,
    /// The key does not belong to the account as a full-access key.
    AccountBinding,
    /// A transient failure (NEAR RPC unreachable or erroring, nonce store unavailable or full);
    /// the nonce is released, so retrying the same claim is safe.
    RpcError,
}

impl Reason {
    /// The wire name (`"malformed"`, `"expired"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::Expired => "expired",
            Self::Replay => "replay",
            Self::Signature => "signature",
            Self::AccountBinding => "account_binding",
            Self::RpcError => "rpc_error",
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refused claim: one variant per [`Reason`], each with a human-readable detail.
///
/// Serializes as `{"reason": "<reason>", "detail": "<detail>"}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// See [`Reason::Malformed`].
    #[error("malformed: {0}")]
    Malformed(String),
    /// See [`Reason::Expired`].
    #[error("expired: {0}")]
    Expired(String),
    /// See [`Reason::Replay`].
    #[error("replay: {0}")]
    Replay(String),
    /// See [`Reason::Signature`].
    #[error("signature: {0}")]
    Signature(String),
    /// See [`Reason::AccountBinding`].
    #[error("account_binding: {0}")]
    AccountBinding(String),
    /// See [`Reason::RpcError`].
    #[error("rpc_error: {0}")]
    RpcError(String),
}

impl VerifyError {
    /// The machine-readable reason.
    pub fn reason(&self) -> Reason {
        match self {
            Self::Malformed(_) => Reason::Malformed,
            Self::Expired(_) => Reason::Expired,
            Self::Replay(_) => Reason::Replay,
            Self::Signature(_) => Reason::Signature,
            Self::AccountBinding(_) => Reason::AccountBinding,
            Self::RpcError(_) => Reason::RpcError,
        }
    }

    /// The human-readable detail.
    pub fn detail(&self) -> &str {
        match self {
            Self::Malformed(d)
            | Self::Expired(d)
            | Self::Replay(d)
            | Self::Signature(d)
            | Self::AccountBinding(d)
            | Self::RpcError(d) => d,
        }
    }

    /// Whether retrying the same claim later may succeed (only [`Reason::RpcError`]).
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::RpcError(_))
    }
}

impl Serialize for VerifyError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut s = serializer.serialize_struct("VerifyError", 2)?;
        s.serialize_field("reason", &self.reason())?;
        s.serialize_field("detail", self.detail())?;
        s.end()
    }
}

impl From<crate::encoding::ParseError> for VerifyError {
    fn from(e: crate::encoding::ParseError) -> Self {
        Self::Malformed(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_serialize_to_the_api_strings() {
        let all = [
            (Reason::Malformed, "malformed"),
            (Reason::Expired, "expired"),
            (Reason::Replay, "replay"),
            (Reason::Signature, "signature"),
            (Reason::AccountBinding, "account_binding"),
            (Reason::RpcError, "rpc_error"),
        ];
        for (r, s) in all {
            assert_eq!(serde_json::to_value(r).unwrap(), serde_json::json!(s));
            assert_eq!(r.as_str(), s);
            assert_eq!(
                serde_json::from_value::<Reason>(serde_json::json!(s)).unwrap(),
                r
            );
        }
    }

    #[test]
    fn error_serializes_reason_and_detail() {
        let e = VerifyError::AccountBinding("key is a FunctionCall key".into());
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"reason": "account_binding", "detail": "key is a FunctionCall key"})
        );
        assert!(!e.is_transient());
        assert!(VerifyError::RpcError(String::new()).is_transient());
    }
}
