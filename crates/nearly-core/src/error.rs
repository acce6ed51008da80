//! The one validation error type of this crate.

use std::fmt;

/// A Unicode code point printed as `U+XXXX` in error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodePoint(pub char);

impl CodePoint {
    fn of(ch: &char) -> Self {
        Self(*ch)
    }
}

impl fmt::Display for CodePoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "U+{:04X}", u32::from(self.0))
    }
}

/// Why a value failed validation.
///
/// Each variant names the field and the rule that failed, and carries the limit where there is
/// one, so tests can compare variants rather than strings. The `Display` text is what the API puts
/// into the `error` field of a `VALIDATION_ERROR` response: it starts with the field prefix the
/// contract requires (`"Name"`, `"Description"`, `"Image URL"`, `"Tag"`, `"Capabilities"`,
/// `"Capability"` for errors about one nested key or value, `"Reason"`, `"Key suffix"`,
/// `"Account ID"`, `"Profile update"`).
///
/// Lengths (`actual`, `max`) are counted in Unicode scalar values (Rust `char`s) unless the
/// variant says bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// The account id is shorter than 2 characters.
    #[error("Account ID must be at least {min} characters (got {actual})")]
    AccountIdTooShort {
        /// The minimum length (2).
        min: usize,
        /// The length received.
        actual: usize,
    },
    /// The account id is longer than 64 characters.
    #[error("Account ID must be at most {max} characters (got {actual})")]
    AccountIdTooLong {
        /// The maximum length (64).
        max: usize,
        /// The length received.
        actual: usize,
    },
    /// The account id contains a character other than `a-z`, `0-9`, `-`, `_`, `.`.
    #[error(
        "Account ID may contain only lowercase letters, digits, '-', '_' and '.' (found {})",
        CodePoint::of(.ch)
    )]
    AccountIdInvalidChar {
        /// The first offending character.
        ch: char,
    },
    /// The account id starts or ends with a separator, or has two separators in a row.
    #[error("Account ID must not start or end with a separator or contain two separators in a row")]
    AccountIdMisplacedSeparator,

    /// The name is longer than 50 characters.
    #[error("Name must be at most {max} characters (got {actual})")]
    NameTooLong {
        /// The maximum length (50).
        max: usize,
        /// The length received.
        actual: usize,
    },
    /// The name is empty or only whitespace.
    #[error("Name must not be blank")]
    NameBlank,
    /// The name contains a control, zero-width or bidi-override character.
    #[error("Name must not contain control or invisible characters (found {})", CodePoint::of(.ch))]
    NameUnsafeChar {
        /// The first offending character.
        ch: char,
    },

    /// The description is longer than 500 characters.
    #[error("Description must be at most {max} characters (got {actual})")]
    DescriptionTooLong {
        /// The maximum length (500).
        max: usize,
        /// The length received.
        actual: usize,
    },
    /// The description contains a control (other than `\n`), zero-width or bidi character.
    #[error(
        "Description must not contain control or invisible characters (found {})",
        CodePoint::of(.ch)
    )]
    DescriptionUnsafeChar {
        /// The first offending character.
        ch: char,
    },

    /// The image URL is longer than 512 characters.
    #[error("Image URL must be at most {max} characters (got {actual})")]
    ImageUrlTooLong {
        /// The maximum length (512).
        max: usize,
        /// The length received.
        actual: usize,
    },
    /// The image URL contains a control, whitespace, zero-width or bidi character.
    #[error(
        "Image URL must not contain whitespace, control or invisible characters (found {})",
        CodePoint::of(.ch)
    )]
    ImageUrlUnsafeChar {
        /// The first offending character.
        ch: char,
    },
    /// The image URL's scheme is not `https`.
    #[error("Image URL must use https://")]
    ImageUrlNotHttps,
    /// The image URL is not of the form `https://host[:port][/path][?query][#fragment]`.
    #[error("Image URL must be an absolute URL of the form https://host/path")]
    ImageUrlMalformed,
    /// The image URL carries credentials (`user:pass@`) in its authority.
    #[error("Image URL must not contain credentials (user@host)")]
    ImageUrlCredentials,
    /// The image URL's host is empty or not a valid host name or IP literal.
    #[error("Image URL must have a valid host (ASCII or punycode name, or IP address)")]
    ImageUrlInvalidHost,
    /// The image URL's port is not a number from 0 to 65535.
    #[error("Image URL port must be a number from 0 to 65535")]
    ImageUrlInvalidPort,
    /// The image URL names a port other than 443, the https default (`:22`, `:6379`, ... reach
    /// other services than a web server).
    #[error("Image URL must use the default https port (443), not {port}")]
    ImageUrlPortNotAllowed {
        /// The port named.
        port: u16,
    },
    /// The image URL's host is private, loopback, link-local, unspecified or otherwise local.
    #[error("Image URL must not point to local or internal hosts")]
    ImageUrlPrivateHost,
    /// The image URL's host is an IPv4 address written in a non-canonical numeric form
    /// (one number, hex, octal or fewer than four parts).
    #[error("Image URL must not use numeric host spellings other than dotted-decimal IPv4")]
    ImageUrlNumericHost,

    /// A tag is empty.
    #[error("Tag must not be empty")]
    TagEmpty,
    /// A tag is longer than 30 characters.
    #[error("Tag must be at most {max} characters (got {actual})")]
    TagTooLong {
        /// The maximum length (30).
        max: usize,
        /// The length received (after lowercasing).
        actual: usize,
    },
    /// A tag is not lowercase alphanumerics with interior hyphens.
    #[error(
        "Tag must be lowercase letters, digits and interior hyphens (no leading or trailing hyphen): {tag:?}"
    )]
    TagInvalidFormat {
        /// The tag after lowercasing.
        tag: String,
    },
    /// More than 10 distinct tags.
    #[error("Tags must be at most {max} (got {actual})")]
    TooManyTags {
        /// The maximum number of tags (10).
        max: usize,
        /// The number of distinct tags received.
        actual: usize,
    },

    /// Capabilities are not a JSON object.
    #[error("Capabilities must be a JSON object")]
    CapabilitiesNotObject,
    /// Capabilities serialize to more than 4096 bytes of JSON.
    #[error("Capabilities must be at most {max} bytes of JSON (got {actual})")]
    CapabilitiesTooLarge {
        /// The maximum size in bytes (4096).
        max: usize,
        /// The serialized size in bytes.
        actual: usize,
    },
    /// Capabilities nest deeper than 4 levels.
    #[error("Capabilities must not nest deeper than {max} levels")]
    CapabilitiesTooDeep {
        /// The maximum depth (4).
        max: usize,
    },
    /// A capability key is empty.
    #[error("Capability keys must not be empty")]
    CapabilityKeyEmpty,
    /// A capability key contains `:` or `/`.
    #[error("Capability key must not contain ':' or '/': {key:?}")]
    CapabilityKeyForbiddenChar {
        /// The offending key.
        key: String,
    },
    /// A capability key contains a control, zero-width or bidi character.
    #[error("Capability key must not contain control or invisible characters (found {})", CodePoint::of(.ch))]
    CapabilityKeyUnsafeChar {
        /// The first offending character.
        ch: char,
    },
    /// A capability string value contains `:` or `/`.
    #[error("Capability value must not contain ':' or '/': {value:?}")]
    CapabilityValueForbiddenChar {
        /// The offending value.
        value: String,
    },
    /// A capability string value contains a control, zero-width or bidi character.
    #[error(
        "Capability value must not contain control or invisible characters (found {})",
        CodePoint::of(.ch)
    )]
    CapabilityValueUnsafeChar {
        /// The first offending character.
        ch: char,
    },
    /// A capability string value is empty where a value is required.
    #[error("Capability value must not be empty")]
    CapabilityValueEmpty,
    /// The index key `cap/{ns}/{value}` of one capability would exceed FastData's key limit.
    #[error("Capability index key must be at most {max} bytes (got {actual})")]
    CapabilityIndexKeyTooLong {
        /// The maximum key size in bytes (1024).
        max: usize,
        /// The size of the composed key in bytes.
        actual: usize,
    },

    /// The reason is longer than 280 characters.
    #[error("Reason must be at most {max} characters (got {actual})")]
    ReasonTooLong {
        /// The maximum length (280).
        max: usize,
        /// The length received.
        actual: usize,
    },
    /// The reason contains a control (other than `\n`), zero-width or bidi character.
    #[error("Reason must not contain control or invisible characters (found {})", CodePoint::of(.ch))]
    ReasonUnsafeChar {
        /// The first offending character.
        ch: char,
    },

    /// The key suffix is empty.
    #[error("Key suffix must not be empty")]
    KeySuffixEmpty,
    /// The key suffix starts with `/`.
    #[error("Key suffix must not start with '/'")]
    KeySuffixLeadingSlash,
    /// The key suffix contains NUL, another control character, or a zero-width or bidi character.
    #[error("Key suffix must not contain control or invisible characters (found {})", CodePoint::of(.ch))]
    KeySuffixUnsafeChar {
        /// The first offending character.
        ch: char,
    },
    /// The composed key `endorsing/{target}/{suffix}` is longer than 1024 bytes.
    #[error(
        "Key suffix makes the key endorsing/{{target}}/{{suffix}} {actual} bytes; the maximum is {max}"
    )]
    KeySuffixKeyTooLong {
        /// The maximum size of the composed key in bytes (1024).
        max: usize,
        /// The size of the composed key in bytes.
        actual: usize,
    },

    /// The name in a profile update is neither a string nor `null`.
    #[error("Name must be a string or null")]
    NameNotString,
    /// The description in a profile update is neither a string nor `null`.
    #[error("Description must be a string")]
    DescriptionNotString,
    /// The image in a profile update is neither a string nor `null`.
    #[error("Image URL must be a string or null")]
    ImageUrlNotString,
    /// The tags in a profile update are not an array of strings.
    #[error("Tags must be an array of strings")]
    TagsNotStrings,
    /// A profile update body is not a JSON object.
    #[error("Profile update must be a JSON object")]
    ProfileUpdateNotObject,
    /// A profile update sets no field.
    #[error("Profile update must set at least one of name, description, image, tags, capabilities")]
    EmptyProfileUpdate,
}
