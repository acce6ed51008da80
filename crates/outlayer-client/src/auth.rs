//! Credentials sent to custody: a `wk_` wallet key or a `near:` account token.

use std::fmt;

/// The prefix of a custody wallet key (`"wk_" + hex(32 random bytes)`).
pub const WALLET_KEY_PREFIX: &str = "wk_";

/// The prefix of an OutLayer account token (`"near:" + base64url(JSON)`).
pub const ACCOUNT_TOKEN_PREFIX: &str = "near:";

/// The credentials of one custody caller, rendered as an `Authorization: Bearer ...` header.
///
/// `Debug` redacts the secret, and there is deliberately no `Display`, `Serialize` or accessor that
/// would put the secret in a log line by accident. Use [`CustodyAuth::header_value`] to send it.
#[derive(Clone, PartialEq, Eq)]
pub enum CustodyAuth {
    /// A custody wallet key, `wk_<64 hex>`: full access to the wallet.
    WalletKey(String),
    /// An account token, `near:<base64url(JSON)>`; the `near:` prefix is added when missing.
    AccountToken(String),
}

impl CustodyAuth {
    /// Classifies a raw bearer credential: `wk_...` is a wallet key, `near:...` an account token,
    /// anything else `None` (it is not a custody credential).
    pub fn from_bearer(token: &str) -> Option<Self> {
        if token.starts_with(WALLET_KEY_PREFIX) && token.len() > WALLET_KEY_PREFIX.len() {
            Some(Self::WalletKey(token.to_owned()))
        } else if token.starts_with(ACCOUNT_TOKEN_PREFIX)
            && token.len() > ACCOUNT_TOKEN_PREFIX.len()
        {
            Some(Self::AccountToken(token.to_owned()))
        } else {
            None
        }
    }

    /// The full `Authorization` header value, `Bearer wk_...` or `Bearer near:...`.
    ///
    /// This is the secret itself: send it, never log it.
    pub fn header_value(&self) -> String {
        match self {
            Self::WalletKey(key) => format!("Bearer {key}"),
            Self::AccountToken(token) => {
                let body = token.strip_prefix(ACCOUNT_TOKEN_PREFIX).unwrap_or(token);
                format!("Bearer {ACCOUNT_TOKEN_PREFIX}{body}")
            }
        }
    }

    /// A short, secret-free label of the credential kind (`"wallet_key"` or `"account_token"`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::WalletKey(_) => "wallet_key",
            Self::AccountToken(_) => "account_token",
        }
    }
}

impl fmt::Debug for CustodyAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WalletKey(_) => f.write_str("WalletKey(wk_<redacted>)"),
            Self::AccountToken(_) => f.write_str("AccountToken(near:<redacted>)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let key = CustodyAuth::WalletKey("wk_deadbeefcafe".into());
        let token = CustodyAuth::AccountToken("near:eyJzZWNyZXQiOjF9".into());
        let shown = format!("{key:?} {token:?} {:#?}", vec![key.clone(), token.clone()]);
        assert!(!shown.contains("deadbeef"), "{shown}");
        assert!(!shown.contains("eyJzZWNyZXQiOjF9"), "{shown}");
        assert!(shown.contains("redacted"));
    }

    #[test]
    fn header_value_renders_bearer() {
        assert_eq!(
            CustodyAuth::WalletKey("wk_ab".into()).header_value(),
            "Bearer wk_ab"
        );
        assert_eq!(
            CustodyAuth::AccountToken("near:abc".into()).header_value(),
            "Bearer near:abc"
        );
        assert_eq!(
            CustodyAuth::AccountToken("abc".into()).header_value(),
            "Bearer near:abc"
        );
    }

    #[test]
    fn from_bearer_classifies() {
        assert_eq!(
            CustodyAuth::from_bearer("wk_01"),
            Some(CustodyAuth::WalletKey("wk_01".into()))
        );
        assert_eq!(
            CustodyAuth::from_bearer("near:x"),
            Some(CustodyAuth::AccountToken("near:x".into()))
        );
        assert_eq!(CustodyAuth::from_bearer("wk_"), None);
        assert_eq!(CustodyAuth::from_bearer("{\"json\":1}"), None);
        assert_eq!(CustodyAuth::from_bearer(""), None);
    }
}
