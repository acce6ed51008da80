//! The numeric limits of the contract, in one place.
//!
//! Character limits count Unicode scalar values (Rust `char`s). The reference implementation
//! counts UTF-16 code units (JavaScript `length`), so a character outside the Basic Multilingual
//! Plane (most emoji) counts once here and twice there: we accept slightly more astral-plane text,
//! never less of anything.

/// Maximum length of a display name, in characters.
pub const NAME_MAX_CHARS: usize = 50;
/// Maximum length of a description, in characters.
pub const DESCRIPTION_MAX_CHARS: usize = 500;
/// Maximum length of an image URL, in characters.
pub const IMAGE_URL_MAX_CHARS: usize = 512;
/// Maximum length of a follow or endorse reason, in characters.
pub const REASON_MAX_CHARS: usize = 280;
/// Maximum length of one tag, in characters.
pub const TAG_MAX_CHARS: usize = 30;
/// Maximum number of tags on a profile.
pub const MAX_TAGS: usize = 10;
/// Maximum size of the capabilities object serialized as JSON, in bytes.
pub const CAPABILITIES_MAX_BYTES: usize = 4096;
/// Maximum nesting depth of the capabilities object (the object itself is depth 0, its values
/// depth 1, and so on; a value at depth 5 is rejected).
pub const CAPABILITIES_MAX_DEPTH: usize = 4;
/// Maximum size of a FastData key, in bytes (the indexer skips longer keys).
pub const FASTDATA_MAX_KEY_BYTES: usize = 1024;
/// Minimum length of a NEAR account id.
pub const ACCOUNT_ID_MIN_LEN: usize = 2;
/// Maximum length of a NEAR account id.
pub const ACCOUNT_ID_MAX_LEN: usize = 64;
