//! NEAR account ids.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::ValidationError;
use crate::limits::{ACCOUNT_ID_MAX_LEN, ACCOUNT_ID_MIN_LEN};

/// A valid NEAR account id.
///
/// Rules: 2 to 64 characters; lowercase ASCII letters and digits in runs separated by a single
/// `-`, `_` or `.`; no separator at the start or end and never two in a row. Named accounts
/// (`alice.near`) and implicit accounts (64 lowercase hex characters, see
/// [`AccountId::is_implicit`]) both satisfy these rules.
///
/// The only ways to get one are [`AccountId::parse`], [`FromStr`], [`TryFrom<String>`] and
/// deserialization (which validates), so holding an `AccountId` proves it is valid.
///
/// ```
/// use nearly_core::AccountId;
/// let id: AccountId = "alice.near".parse()?;
/// assert_eq!(id.as_str(), "alice.near");
/// assert!(!id.is_implicit());
/// assert!(AccountId::parse("Alice.near").is_err());
/// # Ok::<(), nearly_core::ValidationError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccountId(String);

impl AccountId {
    /// Validates `raw` and returns it as an account id.
    ///
    /// # Errors
    /// The `AccountId*` variants of [`ValidationError`].
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        validate(raw)?;
        Ok(Self(raw.to_owned()))
    }

    /// The account id as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Consumes the id and returns the inner string.
    pub fn into_string(self) -> String {
        self.0
    }

    /// Whether this is a NEAR implicit account: exactly 64 lowercase hex characters (the hex of
    /// an ed25519 public key).
    pub fn is_implicit(&self) -> bool {
        self.0.len() == 64
            && self
                .0
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }
}

fn is_separator(b: u8) -> bool {
    matches!(b, b'-' | b'_' | b'.')
}

fn validate(raw: &str) -> Result<(), ValidationError> {
    let actual = raw.chars().count();
    if actual < ACCOUNT_ID_MIN_LEN {
        return Err(ValidationError::AccountIdTooShort {
            min: ACCOUNT_ID_MIN_LEN,
            actual,
        });
    }
    if actual > ACCOUNT_ID_MAX_LEN {
        return Err(ValidationError::AccountIdTooLong {
            max: ACCOUNT_ID_MAX_LEN,
            actual,
        });
    }
    if let Some(ch) = raw
        .chars()
        .find(|&c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.')))
    {
        return Err(ValidationError::AccountIdInvalidChar { ch });
    }
    // All ASCII from here on.
    let bytes = raw.as_bytes();
    let misplaced = bytes.first().is_some_and(|&b| is_separator(b))
        || bytes.last().is_some_and(|&b| is_separator(b))
        || bytes
            .windows(2)
            .any(|w| is_separator(w[0]) && is_separator(w[1]));
    if misplaced {
        return Err(ValidationError::AccountIdMisplacedSeparator);
    }
    Ok(())
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for AccountId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for AccountId {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for AccountId {
    type Error = ValidationError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        validate(&value)?;
        Ok(Self(value))
    }
}

impl From<AccountId> for String {
    fn from(id: AccountId) -> Self {
        id.0
    }
}

impl Serialize for AccountId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for AccountId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::try_from(raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_named_and_implicit_accounts() {
        for ok in [
            "ab",
            "alice.near",
            "agency_bot",
            "a-b_c.d",
            "0x1234",
            "sub.alice.testnet",
            &"a".repeat(64),
        ] {
            assert!(AccountId::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn length_limits_are_two_and_sixty_four() {
        assert_eq!(
            AccountId::parse("a"),
            Err(ValidationError::AccountIdTooShort { min: 2, actual: 1 })
        );
        assert_eq!(
            AccountId::parse(""),
            Err(ValidationError::AccountIdTooShort { min: 2, actual: 0 })
        );
        assert_eq!(
            AccountId::parse(&"a".repeat(65)),
            Err(ValidationError::AccountIdTooLong {
                max: 64,
                actual: 65
            })
        );
    }

    #[test]
    fn rejects_uppercase_and_foreign_characters() {
        assert_eq!(
            AccountId::parse("Alice.near"),
            Err(ValidationError::AccountIdInvalidChar { ch: 'A' })
        );
        assert_eq!(
            AccountId::parse("al ice"),
            Err(ValidationError::AccountIdInvalidChar { ch: ' ' })
        );
        assert_eq!(
            AccountId::parse("alice/near"),
            Err(ValidationError::AccountIdInvalidChar { ch: '/' })
        );
        assert_eq!(
            AccountId::parse("álice"),
            Err(ValidationError::AccountIdInvalidChar { ch: 'á' })
        );
    }

    #[test]
    fn rejects_misplaced_separators() {
        for bad in [
            ".alice", "alice.", "-a", "a_", "a..b", "a-.b", "a__b", "a._b",
        ] {
            assert_eq!(
                AccountId::parse(bad),
                Err(ValidationError::AccountIdMisplacedSeparator),
                "{bad}"
            );
        }
    }

    #[test]
    fn implicit_accounts_are_64_lowercase_hex() {
        let hex = "36842e2f73d0b7b2f2af6e0d94a7a997398c2c09d9cf09ca3fa23b5426fccf88";
        assert!(AccountId::parse(hex).unwrap().is_implicit());
        assert!(!AccountId::parse(&hex[..63]).unwrap().is_implicit());
        let not_hex = format!("{}g", &hex[..63]);
        assert!(!AccountId::parse(&not_hex).unwrap().is_implicit());
        assert!(AccountId::parse(&hex.to_uppercase()).is_err());
    }

    #[test]
    fn serde_round_trip_and_deserialize_validates() {
        let id = AccountId::parse("bob.near").unwrap();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"bob.near\"");
        assert_eq!(serde_json::from_str::<AccountId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<AccountId>("\"Bob.near\"").is_err());
        assert!(serde_json::from_str::<AccountId>("42").is_err());
    }

    #[test]
    fn try_from_string_and_display() {
        let id = AccountId::try_from(String::from("carol.near")).unwrap();
        assert_eq!(id.to_string(), "carol.near");
        assert_eq!(id.as_ref(), "carol.near");
        assert!(AccountId::try_from(String::from("x")).is_err());
    }
}
