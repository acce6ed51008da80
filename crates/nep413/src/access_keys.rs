//! Account binding: does a public key belong to an account as a full-access key?

use async_trait::async_trait;

use crate::encoding::PublicKey;
use crate::error::VerifyError;

/// What the chain says about a public key on an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessKeyStatus {
    /// The key is a `FullAccess` key of the account.
    FullAccess,
    /// The key exists but is not a full-access key.
    NotFullAccess {
        /// The permission variant, e.g. `FunctionCall` or `GasKeyFunctionCall`.
        permission: String,
    },
    /// The key or the account does not exist.
    Missing {
        /// What the node said.
        detail: String,
    },
    /// The question could not be answered (network error, timeout, 5xx, malformed answer).
    RpcError(String),
}

/// Looks up a public key on a named account (implicit accounts never reach this trait).
#[async_trait]
pub trait AccessKeys: Send + Sync {
    /// The status of `public_key` on `account_id` at final finality.
    async fn access_key_status(&self, account_id: &str, public_key: &PublicKey) -> AccessKeyStatus;

    /// Whether this lookup can answer for named accounts at all. `false` (only
    /// [`ImplicitOnly`]) makes a named account a permanent, operator-side condition rather
    /// than a transient RPC failure: [`check_binding`] refuses it as
    /// [`VerifyError::AccountBinding`] with [`NAMED_ACCOUNTS_NEED_RPC`] and never asks.
    fn resolves_named_accounts(&self) -> bool {
        true
    }
}

/// Why a named account cannot be verified by a deployment without NEAR RPC. Permanent until
/// the operator configures an RPC endpoint; retrying does not help.
pub const NAMED_ACCOUNTS_NEED_RPC: &str = "named accounts can only be verified when the operator configures NEAR RPC (the server runs without one); this is not retriable: use an implicit account or ask the operator to set an RPC URL";

/// An [`AccessKeys`] for deployments without NEAR RPC: only implicit accounts can be verified.
/// A named account is a permanent condition, not a transient one:
/// [`AccessKeys::resolves_named_accounts`] is `false`, and asked anyway it answers
/// [`AccessKeyStatus::Missing`] with [`NAMED_ACCOUNTS_NEED_RPC`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ImplicitOnly;

#[async_trait]
impl AccessKeys for ImplicitOnly {
    async fn access_key_status(&self, account_id: &str, _: &PublicKey) -> AccessKeyStatus {
        AccessKeyStatus::Missing {
            detail: format!("{account_id}: {NAMED_ACCOUNTS_NEED_RPC}"),
        }
    }

    fn resolves_named_accounts(&self) -> bool {
        false
    }
}

/// Whether `account_id` is an implicit account: exactly 64 lowercase hex characters.
pub fn is_implicit_account(account_id: &str) -> bool {
    account_id.len() == 64
        && account_id
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Whether `account_id` is a valid NEAR account id: 2 to 64 characters of `a-z`, `0-9` and the
/// separators `-`, `_`, `.`, never two separators in a row and none at either end.
pub fn is_valid_account_id(account_id: &str) -> bool {
    let bytes = account_id.as_bytes();
    if !(2..=64).contains(&bytes.len()) {
        return false;
    }
    let mut prev_separator = true; // forbids a leading separator
    for &b in bytes {
        match b {
            b'a'..=b'z' | b'0'..=b'9' => prev_separator = false,
            b'-' | b'_' | b'.' if !prev_separator => prev_separator = true,
            _ => return false,
        }
    }
    !prev_separator
}

/// Checks that `public_key` controls `account_id` as a full-access key.
///
/// Implicit accounts are decided offline (the account id must be the lowercase hex of the key);
/// named accounts are looked up through `access_keys`.
pub async fn check_binding(
    account_id: &str,
    public_key: &PublicKey,
    access_keys: &dyn AccessKeys,
) -> Result<(), VerifyError> {
    if is_implicit_account(account_id) {
        let mut expected = [0u8; 64];
        // Hex-encoding 32 bytes into 64 always fits.
        let _ = hex::encode_to_slice(public_key.as_bytes(), &mut expected);
        return if expected.as_slice() == account_id.as_bytes() {
            Ok(())
        } else {
            Err(VerifyError::AccountBinding(format!(
                "implicit account {account_id} is not the hex of public key {public_key}"
            )))
        };
    }
    if !access_keys.resolves_named_accounts() {
        return Err(VerifyError::AccountBinding(format!(
            "cannot check that {public_key} is a key of {account_id}: {NAMED_ACCOUNTS_NEED_RPC}"
        )));
    }
    match access_keys.access_key_status(account_id, public_key).await {
        AccessKeyStatus::FullAccess => Ok(()),
        AccessKeyStatus::NotFullAccess { permission } => Err(VerifyError::AccountBinding(format!(
            "{public_key} is a {permission} key of {account_id}, not a FullAccess key"
        ))),
        AccessKeyStatus::Missing { detail } => Err(VerifyError::AccountBinding(format!(
            "{public_key} is not a key of {account_id}: {detail}"
        ))),
        AccessKeyStatus::RpcError(detail) => Err(VerifyError::RpcError(detail)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn implicit_accounts_are_64_lowercase_hex() {
        assert!(is_implicit_account(&"a".repeat(64)));
        assert!(!is_implicit_account(&"A".repeat(64)));
        assert!(!is_implicit_account(&"a".repeat(63)));
        assert!(!is_implicit_account(&"g".repeat(64)));
    }

    /// Issue 11 item 7: without RPC a named account is a permanent refusal, not `rpc_error`.
    #[tokio::test]
    async fn named_accounts_without_rpc_are_not_transient() {
        let key =
            PublicKey::from(ed25519_dalek::SigningKey::from_bytes(&[1u8; 32]).verifying_key());
        let e = check_binding("alice.near", &key, &ImplicitOnly)
            .await
            .unwrap_err();
        assert!(!e.is_transient(), "{e}");
        assert!(
            matches!(&e, VerifyError::AccountBinding(d) if d.contains(NAMED_ACCOUNTS_NEED_RPC))
        );
    }

    #[test]
    fn account_id_rules() {
        for ok in ["alice.near", "a-b_c.testnet", "ab", "0x1", &"a".repeat(64)] {
            assert!(is_valid_account_id(ok), "{ok}");
        }
        for bad in [
            "a",
            "Alice.near",
            ".a",
            "a.",
            "a..b",
            "a-.b",
            "",
            "a b",
            &"a".repeat(65),
        ] {
            assert!(!is_valid_account_id(bad), "{bad}");
        }
    }
}
