//! Validated profile and request fields.
//!
//! Each type has a private field and one parsing entry point, so a value that exists has passed
//! the contract's Validation Rules. All of them serialize as plain JSON strings; those that need
//! no context also deserialize (validating) from a JSON string.
//!
//! Lengths count Unicode scalar values (see [`crate::limits`]).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::account::AccountId;
use crate::error::ValidationError;
use crate::limits::{
    DESCRIPTION_MAX_CHARS, FASTDATA_MAX_KEY_BYTES, MAX_TAGS, NAME_MAX_CHARS, REASON_MAX_CHARS,
    TAG_MAX_CHARS,
};
use crate::text::{char_len, first_unsafe_char};

/// Implements `as_str`, `into_string`, `Display`, `AsRef<str>` and `Serialize` for a string
/// newtype, plus `Deserialize` and `TryFrom<String>` through its `parse` when asked.
macro_rules! string_newtype {
    ($ty:ident) => {
        impl $ty {
            /// The value as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Consumes the value and returns the inner string.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }
    };
    ($ty:ident, parse) => {
        string_newtype!($ty);

        impl TryFrom<String> for $ty {
            type Error = ValidationError;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(deserializer)?;
                Self::parse(&raw).map_err(serde::de::Error::custom)
            }
        }
    };
}

/// A display name: at most 50 characters, not blank, no control or invisible characters
/// (not even `\n`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Name(String);
string_newtype!(Name, parse);

impl Name {
    /// Validates a display name.
    ///
    /// # Errors
    /// [`ValidationError::NameTooLong`], [`ValidationError::NameBlank`],
    /// [`ValidationError::NameUnsafeChar`].
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let actual = char_len(raw);
        if actual > NAME_MAX_CHARS {
            return Err(ValidationError::NameTooLong {
                max: NAME_MAX_CHARS,
                actual,
            });
        }
        if raw.trim().is_empty() {
            return Err(ValidationError::NameBlank);
        }
        if let Some(ch) = first_unsafe_char(raw, false) {
            return Err(ValidationError::NameUnsafeChar { ch });
        }
        Ok(Self(raw.to_owned()))
    }
}

/// An agent description: at most 500 characters; `\n` allowed, other control and invisible
/// characters refused. May be empty.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Description(String);
string_newtype!(Description, parse);

impl Description {
    /// Validates a description.
    ///
    /// # Errors
    /// [`ValidationError::DescriptionTooLong`], [`ValidationError::DescriptionUnsafeChar`].
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let actual = char_len(raw);
        if actual > DESCRIPTION_MAX_CHARS {
            return Err(ValidationError::DescriptionTooLong {
                max: DESCRIPTION_MAX_CHARS,
                actual,
            });
        }
        if let Some(ch) = first_unsafe_char(raw, true) {
            return Err(ValidationError::DescriptionUnsafeChar { ch });
        }
        Ok(Self(raw.to_owned()))
    }
}

/// A follow or endorse reason: at most 280 characters; `\n` allowed, other control and
/// invisible characters refused. May be empty.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reason(String);
string_newtype!(Reason, parse);

impl Reason {
    /// Validates a reason.
    ///
    /// # Errors
    /// [`ValidationError::ReasonTooLong`], [`ValidationError::ReasonUnsafeChar`].
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let actual = char_len(raw);
        if actual > REASON_MAX_CHARS {
            return Err(ValidationError::ReasonTooLong {
                max: REASON_MAX_CHARS,
                actual,
            });
        }
        if let Some(ch) = first_unsafe_char(raw, true) {
            return Err(ValidationError::ReasonUnsafeChar { ch });
        }
        Ok(Self(raw.to_owned()))
    }
}

/// One tag: the input lowercased, then 1 to 30 characters matching
/// `^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`.
///
/// ```
/// use nearly_core::Tag;
/// assert_eq!(Tag::parse("DeFi")?.as_str(), "defi");
/// assert!(Tag::parse("-defi").is_err());
/// # Ok::<(), nearly_core::ValidationError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tag(String);
string_newtype!(Tag, parse);

impl Tag {
    /// Lowercases and validates one tag.
    ///
    /// # Errors
    /// [`ValidationError::TagEmpty`], [`ValidationError::TagTooLong`],
    /// [`ValidationError::TagInvalidFormat`].
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let tag = raw.to_lowercase();
        if tag.is_empty() {
            return Err(ValidationError::TagEmpty);
        }
        let actual = char_len(&tag);
        if actual > TAG_MAX_CHARS {
            return Err(ValidationError::TagTooLong {
                max: TAG_MAX_CHARS,
                actual,
            });
        }
        let bytes = tag.as_bytes();
        let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
        let well_formed = bytes.iter().all(|b| alnum(b) || *b == b'-')
            && bytes.first().is_some_and(alnum)
            && bytes.last().is_some_and(alnum);
        if !well_formed {
            return Err(ValidationError::TagInvalidFormat { tag });
        }
        Ok(Self(tag))
    }
}

/// A profile's tag list: each tag normalised by [`Tag::parse`], duplicates removed keeping the
/// first occurrence, at most 10.
///
/// The limit applies to the distinct tags after normalisation, so `["Rust", "rust"]` is one tag.
/// (The reference counts the raw list; counting after deduplication never refuses a list the
/// reference accepts.)
///
/// ```
/// use nearly_core::Tags;
/// let tags = Tags::parse(["DeFi", "rust", "defi"])?;
/// assert_eq!(tags.iter().map(|t| t.as_str()).collect::<Vec<_>>(), ["defi", "rust"]);
/// # Ok::<(), nearly_core::ValidationError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Tags(Vec<Tag>);

impl Tags {
    /// Normalises, deduplicates and validates a tag list.
    ///
    /// # Errors
    /// The first invalid tag's error, or [`ValidationError::TooManyTags`].
    pub fn parse<I, S>(raw: I) -> Result<Self, ValidationError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut tags: Vec<Tag> = Vec::new();
        for item in raw {
            let tag = Tag::parse(item.as_ref())?;
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        if tags.len() > MAX_TAGS {
            return Err(ValidationError::TooManyTags {
                max: MAX_TAGS,
                actual: tags.len(),
            });
        }
        Ok(Self(tags))
    }

    /// Keeps what can be kept of a stored tag list: valid tags (normalised), deduplicated, the
    /// first 10. Used when reading blobs that agents wrote straight to FastData.
    pub(crate) fn lenient<'a>(raw: impl IntoIterator<Item = &'a str>) -> Self {
        let mut tags: Vec<Tag> = Vec::new();
        for item in raw {
            if tags.len() == MAX_TAGS {
                break;
            }
            if let Ok(tag) = Tag::parse(item)
                && !tags.contains(&tag)
            {
                tags.push(tag);
            }
        }
        Self(tags)
    }

    /// The tags in order.
    pub fn as_slice(&self) -> &[Tag] {
        &self.0
    }

    /// Iterates over the tags in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Tag> {
        self.0.iter()
    }

    /// Number of tags.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no tags.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `tag` is in the list.
    pub fn contains(&self, tag: &Tag) -> bool {
        self.0.contains(tag)
    }

    /// Consumes the list and returns the tags.
    pub fn into_vec(self) -> Vec<Tag> {
        self.0
    }
}

impl<'a> IntoIterator for &'a Tags {
    type Item = &'a Tag;
    type IntoIter = std::slice::Iter<'a, Tag>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl Serialize for Tags {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Tags {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Vec::<String>::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// The caller-chosen tail of an endorsement key `endorsing/{target}/{suffix}`.
///
/// Rules: non-empty, no leading `/`, no control characters (NUL included) and no zero-width or
/// bidi characters, and the composed key at most 1024 bytes (FastData's key limit). The reference
/// refuses only NUL among control characters; we refuse all of them because the FastData indexer
/// skips keys containing control characters, so such an endorsement would never be seen.
///
/// The length rule depends on the target, so parsing takes it: [`KeySuffix::parse`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeySuffix(String);
string_newtype!(KeySuffix);

/// The fixed prefix of endorsement keys.
pub(crate) const ENDORSING_PREFIX: &str = "endorsing/";

impl KeySuffix {
    /// Validates `raw` as the suffix of an endorsement of `target`.
    ///
    /// ```
    /// use nearly_core::{AccountId, KeySuffix};
    /// let bob = AccountId::parse("bob.near")?;
    /// assert_eq!(KeySuffix::parse(&bob, "tags/rust")?.as_str(), "tags/rust");
    /// assert!(KeySuffix::parse(&bob, "/tags/rust").is_err());
    /// # Ok::<(), nearly_core::ValidationError>(())
    /// ```
    ///
    /// # Errors
    /// [`ValidationError::KeySuffixEmpty`], [`ValidationError::KeySuffixLeadingSlash`],
    /// [`ValidationError::KeySuffixUnsafeChar`], [`ValidationError::KeySuffixKeyTooLong`].
    pub fn parse(target: &AccountId, raw: &str) -> Result<Self, ValidationError> {
        if raw.is_empty() {
            return Err(ValidationError::KeySuffixEmpty);
        }
        if raw.starts_with('/') {
            return Err(ValidationError::KeySuffixLeadingSlash);
        }
        if let Some(ch) = first_unsafe_char(raw, false) {
            return Err(ValidationError::KeySuffixUnsafeChar { ch });
        }
        let actual = ENDORSING_PREFIX.len() + target.as_str().len() + 1 + raw.len();
        if actual > FASTDATA_MAX_KEY_BYTES {
            return Err(ValidationError::KeySuffixKeyTooLong {
                max: FASTDATA_MAX_KEY_BYTES,
                actual,
            });
        }
        Ok(Self(raw.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_limits() {
        assert!(Name::parse(&"n".repeat(50)).is_ok());
        assert_eq!(
            Name::parse(&"n".repeat(51)),
            Err(ValidationError::NameTooLong {
                max: 50,
                actual: 51
            })
        );
        assert_eq!(Name::parse(""), Err(ValidationError::NameBlank));
        assert_eq!(Name::parse("  \u{3000}"), Err(ValidationError::NameBlank));
        assert_eq!(
            Name::parse("a\nb"),
            Err(ValidationError::NameUnsafeChar { ch: '\n' })
        );
        assert_eq!(
            Name::parse("evil\u{202E}gnp"),
            Err(ValidationError::NameUnsafeChar { ch: '\u{202E}' })
        );
    }

    #[test]
    fn lengths_count_chars_not_utf16_units_or_bytes() {
        // 50 emoji: 100 UTF-16 units (the reference would refuse), 200 bytes.
        let emoji = "😀".repeat(50);
        assert_eq!(Name::parse(&emoji).map(|n| n.as_str().len()), Ok(200));
        assert_eq!(
            Name::parse(&"é".repeat(51)),
            Err(ValidationError::NameTooLong {
                max: 50,
                actual: 51
            })
        );
        assert!(Description::parse(&"ü".repeat(500)).is_ok());
        assert!(Reason::parse(&"😀".repeat(280)).is_ok());
    }

    #[test]
    fn description_allows_newline_only() {
        assert!(Description::parse("line one\nline two").is_ok());
        assert!(Description::parse("").is_ok());
        assert_eq!(
            Description::parse("tab\there"),
            Err(ValidationError::DescriptionUnsafeChar { ch: '\t' })
        );
        assert_eq!(
            Description::parse("zero\u{200B}width"),
            Err(ValidationError::DescriptionUnsafeChar { ch: '\u{200B}' })
        );
        assert_eq!(
            Description::parse(&"d".repeat(501)),
            Err(ValidationError::DescriptionTooLong {
                max: 500,
                actual: 501
            })
        );
    }

    #[test]
    fn reason_limits() {
        assert!(Reason::parse("worked together\non an audit").is_ok());
        assert_eq!(
            Reason::parse(&"r".repeat(281)),
            Err(ValidationError::ReasonTooLong {
                max: 280,
                actual: 281
            })
        );
        assert_eq!(
            Reason::parse("bom\u{FEFF}"),
            Err(ValidationError::ReasonUnsafeChar { ch: '\u{FEFF}' })
        );
        assert_eq!(
            Reason::parse("del\u{7F}"),
            Err(ValidationError::ReasonUnsafeChar { ch: '\u{7F}' })
        );
    }

    #[test]
    fn tag_rules() {
        assert_eq!(
            Tag::parse("Smart-Contracts").unwrap().as_str(),
            "smart-contracts"
        );
        assert_eq!(Tag::parse("a").unwrap().as_str(), "a");
        assert_eq!(Tag::parse(""), Err(ValidationError::TagEmpty));
        assert!(Tag::parse(&"t".repeat(30)).is_ok());
        assert_eq!(
            Tag::parse(&"t".repeat(31)),
            Err(ValidationError::TagTooLong {
                max: 30,
                actual: 31
            })
        );
        for bad in ["-rust", "rust-", "ru st", "ru_st", "rüst", "a.b", "-"] {
            assert!(
                matches!(
                    Tag::parse(bad),
                    Err(ValidationError::TagInvalidFormat { .. })
                ),
                "{bad}"
            );
        }
        assert!(Tag::parse("a--b").is_ok());
    }

    #[test]
    fn tags_dedup_preserving_first_order_and_cap_at_ten() {
        let tags = Tags::parse(["Rust", "defi", "RUST", "ai", "defi"]).unwrap();
        let names: Vec<&str> = tags.iter().map(Tag::as_str).collect();
        assert_eq!(names, ["rust", "defi", "ai"]);

        let ten: Vec<String> = (0..10).map(|i| format!("t{i}")).collect();
        assert_eq!(Tags::parse(&ten).unwrap().len(), 10);
        let mut eleven = ten.clone();
        eleven.push("t10".into());
        assert_eq!(
            Tags::parse(&eleven),
            Err(ValidationError::TooManyTags {
                max: 10,
                actual: 11
            })
        );
        // Eleven raw entries that are ten distinct tags pass.
        let mut dup = ten;
        dup.push("T0".into());
        assert_eq!(Tags::parse(&dup).unwrap().len(), 10);
        assert_eq!(
            Tags::parse(["ok", "no way"]),
            Err(ValidationError::TagInvalidFormat {
                tag: "no way".into()
            })
        );
    }

    #[test]
    fn lenient_tags_keep_the_valid_ones() {
        let tags = Tags::lenient(["Rust", "bad tag", "rust", "", "ai"]);
        let names: Vec<&str> = tags.iter().map(Tag::as_str).collect();
        assert_eq!(names, ["rust", "ai"]);
        let many: Vec<String> = (0..20).map(|i| format!("t{i}")).collect();
        assert_eq!(Tags::lenient(many.iter().map(String::as_str)).len(), 10);
    }

    #[test]
    fn key_suffix_rules() {
        let bob = AccountId::parse("bob.near").unwrap();
        assert_eq!(
            KeySuffix::parse(&bob, "task_completion/job_123")
                .unwrap()
                .as_str(),
            "task_completion/job_123"
        );
        assert!(KeySuffix::parse(&bob, "trusted").is_ok());
        assert_eq!(
            KeySuffix::parse(&bob, ""),
            Err(ValidationError::KeySuffixEmpty)
        );
        assert_eq!(
            KeySuffix::parse(&bob, "/tags/rust"),
            Err(ValidationError::KeySuffixLeadingSlash)
        );
        assert_eq!(
            KeySuffix::parse(&bob, "tags/\0rust"),
            Err(ValidationError::KeySuffixUnsafeChar { ch: '\0' })
        );
        // "endorsing/" (10) + "bob.near" (8) + "/" (1) = 19 bytes of prefix.
        assert!(KeySuffix::parse(&bob, &"s".repeat(1024 - 19)).is_ok());
        assert_eq!(
            KeySuffix::parse(&bob, &"s".repeat(1024 - 18)),
            Err(ValidationError::KeySuffixKeyTooLong {
                max: 1024,
                actual: 1025
            })
        );
        // Bytes, not characters: 'é' is two bytes.
        assert_eq!(
            KeySuffix::parse(&bob, &"é".repeat(503)),
            Err(ValidationError::KeySuffixKeyTooLong {
                max: 1024,
                actual: 1025
            })
        );
    }

    #[test]
    fn newtypes_serialize_as_strings_and_deserialize_validating() {
        let tags = Tags::parse(["b", "a"]).unwrap();
        assert_eq!(serde_json::to_string(&tags).unwrap(), r#"["b","a"]"#);
        let back: Tags = serde_json::from_str(r#"["B","a","b"]"#).unwrap();
        assert_eq!(back, tags);
        assert!(serde_json::from_str::<Name>(r#""   ""#).is_err());
        assert_eq!(
            serde_json::from_str::<Name>(r#""Ada""#).unwrap().as_str(),
            "Ada"
        );
    }

    #[test]
    fn display_messages_start_with_the_field_prefix_and_carry_the_limit() {
        let msg = Name::parse(&"n".repeat(51)).unwrap_err().to_string();
        assert!(msg.starts_with("Name"), "{msg}");
        assert!(msg.contains("must be at most 50 characters"), "{msg}");
        assert!(Tag::parse("").unwrap_err().to_string().starts_with("Tag"));
        assert!(
            Reason::parse("\u{0}")
                .unwrap_err()
                .to_string()
                .contains("U+0000")
        );
    }
}
