//! The FastData key convention, as one type.

use std::fmt;

use crate::account::AccountId;
use crate::capabilities::{CAP_PREFIX, CapabilityPair};
use crate::error::ValidationError;
use crate::fields::{ENDORSING_PREFIX, KeySuffix, Tag};

const PROFILE: &str = "profile";
const TAG_PREFIX: &str = "tag/";
const FOLLOW_PREFIX: &str = "graph/follow/";
const HIDDEN_PREFIX: &str = "hidden/";

/// One key of the Nearly convention, written under the writer's (predecessor's) account in the
/// FastData namespace.
///
/// | variant | key | value |
/// |---|---|---|
/// | [`Key::Profile`] | `profile` | the profile blob |
/// | [`Key::Tag`] | `tag/{tag}` | `true` |
/// | [`Key::Cap`] | `cap/{ns}/{value}` | `true` |
/// | [`Key::Follow`] | `graph/follow/{target}` | `{}` or `{reason}` |
/// | [`Key::Endorsing`] | `endorsing/{target}/{suffix}` | `{}` or `{reason?, content_hash?}` |
/// | [`Key::Hidden`] | `hidden/{account}` | `true` (admin account only) |
///
/// [`Key::parse`] and [`Key::to_key_string`] are exact inverses: `parse` accepts only the
/// canonical spelling that `to_key_string` produces (so `tag/Rust` is refused, not folded into
/// `tag/rust`).
///
/// ```
/// use nearly_core::{Key, KeyParseError};
/// let key = Key::parse("graph/follow/alice.near")?;
/// assert!(matches!(key, Key::Follow(ref target) if target.as_str() == "alice.near"));
/// assert_eq!(key.to_key_string(), "graph/follow/alice.near");
/// assert_eq!(Key::parse("settings/theme"), Err(KeyParseError::NotOurs));
/// # Ok::<(), KeyParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// `profile`: the profile blob.
    Profile,
    /// `tag/{tag}`: tag index entry.
    Tag(Tag),
    /// `cap/{ns}/{value}`: capability index entry.
    Cap(CapabilityPair),
    /// `graph/follow/{target}`: a follow edge.
    Follow(AccountId),
    /// `endorsing/{target}/{suffix}`: an endorsement.
    Endorsing {
        /// The endorsed account.
        target: AccountId,
        /// The caller-chosen suffix.
        suffix: KeySuffix,
    },
    /// `hidden/{account}`: moderation entry (honoured only under the admin account).
    Hidden(AccountId),
}

/// Why a string is not a [`Key`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyParseError {
    /// The key does not belong to the Nearly convention at all (another application's key in the
    /// same namespace). Indexers skip it silently.
    #[error("not a Nearly key")]
    NotOurs,
    /// The key uses one of our prefixes but its tail is invalid.
    #[error("invalid `{prefix}` key: {source}")]
    Invalid {
        /// The convention prefix (`tag/`, `cap/`, `graph/follow/`, `endorsing/`, `hidden/`).
        prefix: &'static str,
        /// What is wrong with the tail.
        source: ValidationError,
    },
    /// The key uses one of our prefixes and names a valid entry, but not in its canonical
    /// spelling (for example `tag/Rust` or `cap/skills/Audit`).
    #[error("`{prefix}` key is not in canonical form")]
    NonCanonical {
        /// The convention prefix.
        prefix: &'static str,
    },
    /// A `cap/` key without the `/` between namespace and value.
    #[error("`cap/` key must be cap/{{ns}}/{{value}}")]
    MissingCapValue,
    /// An `endorsing/` key without the `/` between target and suffix.
    #[error("`endorsing/` key must be endorsing/{{target}}/{{suffix}}")]
    MissingEndorsingSuffix,
}

impl Key {
    /// The FastData key string.
    pub fn to_key_string(&self) -> String {
        match self {
            Self::Profile => PROFILE.to_owned(),
            Self::Tag(tag) => format!("{TAG_PREFIX}{tag}"),
            Self::Cap(pair) => pair.index_key(),
            Self::Follow(target) => format!("{FOLLOW_PREFIX}{target}"),
            Self::Endorsing { target, suffix } => format!("{ENDORSING_PREFIX}{target}/{suffix}"),
            Self::Hidden(account) => format!("{HIDDEN_PREFIX}{account}"),
        }
    }

    /// Parses a FastData key string. Never panics, whatever the input.
    ///
    /// # Errors
    /// [`KeyParseError::NotOurs`] for keys outside the convention; the other variants for keys
    /// under our prefixes that are malformed.
    pub fn parse(raw: &str) -> Result<Self, KeyParseError> {
        let invalid =
            |prefix: &'static str| move |source| KeyParseError::Invalid { prefix, source };
        let (prefix, key) = if raw == PROFILE {
            return Ok(Self::Profile);
        } else if let Some(tail) = raw.strip_prefix(TAG_PREFIX) {
            (
                TAG_PREFIX,
                Self::Tag(Tag::parse(tail).map_err(invalid(TAG_PREFIX))?),
            )
        } else if let Some(tail) = raw.strip_prefix(CAP_PREFIX) {
            let (ns, value) = tail.split_once('/').ok_or(KeyParseError::MissingCapValue)?;
            let pair = CapabilityPair::new(ns, value).map_err(invalid(CAP_PREFIX))?;
            (CAP_PREFIX, Self::Cap(pair))
        } else if let Some(tail) = raw.strip_prefix(FOLLOW_PREFIX) {
            let target = AccountId::parse(tail).map_err(invalid(FOLLOW_PREFIX))?;
            (FOLLOW_PREFIX, Self::Follow(target))
        } else if let Some(tail) = raw.strip_prefix(ENDORSING_PREFIX) {
            let (target, suffix) = tail
                .split_once('/')
                .ok_or(KeyParseError::MissingEndorsingSuffix)?;
            let target = AccountId::parse(target).map_err(invalid(ENDORSING_PREFIX))?;
            let suffix = KeySuffix::parse(&target, suffix).map_err(invalid(ENDORSING_PREFIX))?;
            (ENDORSING_PREFIX, Self::Endorsing { target, suffix })
        } else if let Some(tail) = raw.strip_prefix(HIDDEN_PREFIX) {
            let account = AccountId::parse(tail).map_err(invalid(HIDDEN_PREFIX))?;
            (HIDDEN_PREFIX, Self::Hidden(account))
        } else {
            return Err(KeyParseError::NotOurs);
        };
        if key.to_key_string() != raw {
            return Err(KeyParseError::NonCanonical { prefix });
        }
        Ok(key)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_key_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(s: &str) -> AccountId {
        AccountId::parse(s).unwrap()
    }

    #[test]
    fn every_variant_round_trips() {
        let bob = account("bob.near");
        let keys = [
            Key::Profile,
            Key::Tag(Tag::parse("defi").unwrap()),
            Key::Cap(CapabilityPair::new("languages.primary", "rust").unwrap()),
            Key::Follow(account("alice.near")),
            Key::Endorsing {
                suffix: KeySuffix::parse(&bob, "task_completion/job_123").unwrap(),
                target: bob,
            },
            Key::Hidden(account("spam.near")),
        ];
        let strings = [
            "profile",
            "tag/defi",
            "cap/languages.primary/rust",
            "graph/follow/alice.near",
            "endorsing/bob.near/task_completion/job_123",
            "hidden/spam.near",
        ];
        for (key, s) in keys.iter().zip(strings) {
            assert_eq!(key.to_key_string(), s);
            assert_eq!(Key::parse(s).as_ref(), Ok(key));
        }
    }

    #[test]
    fn foreign_keys_are_not_ours() {
        for s in [
            "",
            "profiles",
            "profile/x",
            "graph/like/x.near",
            "graph",
            "tags/rust",
            "endorsement/bob.near/x",
            "Profile",
        ] {
            assert_eq!(Key::parse(s), Err(KeyParseError::NotOurs), "{s:?}");
        }
    }

    #[test]
    fn malformed_keys_under_our_prefixes_are_invalid() {
        assert_eq!(
            Key::parse("tag/"),
            Err(KeyParseError::Invalid {
                prefix: "tag/",
                source: ValidationError::TagEmpty
            })
        );
        assert_eq!(
            Key::parse("tag/Rust"),
            Err(KeyParseError::NonCanonical { prefix: "tag/" })
        );
        assert_eq!(
            Key::parse("cap/skills/Audit"),
            Err(KeyParseError::NonCanonical { prefix: "cap/" })
        );
        assert_eq!(
            Key::parse("cap/skills"),
            Err(KeyParseError::MissingCapValue)
        );
        assert!(matches!(
            Key::parse("cap/skills/a/b"),
            Err(KeyParseError::Invalid { prefix: "cap/", .. })
        ));
        assert!(matches!(
            Key::parse("graph/follow/Bob.near"),
            Err(KeyParseError::Invalid {
                prefix: "graph/follow/",
                ..
            })
        ));
        assert_eq!(
            Key::parse("endorsing/bob.near"),
            Err(KeyParseError::MissingEndorsingSuffix)
        );
        assert_eq!(
            Key::parse("endorsing/bob.near/"),
            Err(KeyParseError::Invalid {
                prefix: "endorsing/",
                source: ValidationError::KeySuffixEmpty
            })
        );
        assert_eq!(
            Key::parse("endorsing/bob.near//x"),
            Err(KeyParseError::Invalid {
                prefix: "endorsing/",
                source: ValidationError::KeySuffixLeadingSlash
            })
        );
        assert!(matches!(
            Key::parse("hidden/"),
            Err(KeyParseError::Invalid {
                prefix: "hidden/",
                ..
            })
        ));
    }

    #[test]
    fn endorsing_suffix_may_contain_slashes() {
        let key = Key::parse("endorsing/bob.near/tags/rust/extra").unwrap();
        let Key::Endorsing { target, suffix } = key else {
            unreachable!("parsed as {key:?}")
        };
        assert_eq!(target.as_str(), "bob.near");
        assert_eq!(suffix.as_str(), "tags/rust/extra");
    }
}
