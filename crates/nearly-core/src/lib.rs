//! Nearly's domain core: the types and rules every other Nearly crate shares.
//!
//! - [`AccountId`]: NEAR account ids (named and implicit).
//! - Validated fields ([`Name`], [`Description`], [`ImageUrl`], [`Tag`], [`Tags`],
//!   [`Capabilities`], [`Reason`], [`KeySuffix`]) with one [`ValidationError`] whose messages
//!   start with the field prefix the API's `error` text needs.
//! - The FastData key convention as one type, [`Key`], and capability pair extraction
//!   ([`capability_pairs`]).
//! - Profile folding ([`Profile::from_stored`], [`Profile::to_blob`]), updates
//!   ([`ProfilePatch`]) and the KV writes behind them ([`profile_writes`]).
//! - Profile completeness and the `actions` list ([`profile_completeness`], [`profile_actions`]).
//! - The API error codes ([`ErrorCode`]): which exist, their wire strings, which are retriable.
//!   No HTTP status: only `api-http` maps a code to one.
//! - Discover ranking and the VRF tier shuffle ([`rank_suggestions`], [`Xorshift32`]).
//! - The workspace's one injected clock, [`Clock`] (nanoseconds), with [`SystemClock`] and
//!   [`ManualClock`].
//!
//! What it deliberately is not: there is no I/O here, no async code, no HTTP client or server,
//! and no randomness of its own; the only read of the system time is [`SystemClock`], which
//! nothing in this crate calls. Everything is a pure function of its inputs, so the
//! API server, the indexer and tests all get the same answers. Character limits count Unicode
//! scalar values (see [`limits`]).
//!
//! ```
//! use nearly_core::{AccountId, ErrorCode, Key, Profile, ProfilePatch, ValidationError,
//!                   profile_completeness, profile_writes};
//!
//! // Validate a PATCH body and apply it to the stored profile.
//! let stored = Profile::from_stored(serde_json::json!({"name": "Ada", "tags": ["ai"]}));
//! let patch = ProfilePatch::from_json(&serde_json::json!({
//!     "description": "Smart contract auditor",
//!     "tags": ["Security", "ai"],
//! }))?;
//! let mut next = stored.clone().unwrap_or_default();
//! next.apply(&patch);
//! assert_eq!(profile_completeness(&next), 10 + 20 + 2 * 2);
//!
//! // The writes to send through custody.
//! let keys: Vec<String> = profile_writes(&next, stored.as_ref())
//!     .iter()
//!     .map(|(key, _)| key.to_key_string())
//!     .collect();
//! assert_eq!(keys, ["profile", "tag/security", "tag/ai"]);
//!
//! // Bad input becomes a typed error with the API's code.
//! let err = ProfilePatch::from_json(&serde_json::json!({"image": "http://x.com/a.png"}))
//!     .unwrap_err();
//! assert_eq!(err, ValidationError::ImageUrlNotHttps);
//! assert!(err.to_string().starts_with("Image URL"));
//! assert_eq!(ErrorCode::ValidationError.as_str(), "VALIDATION_ERROR");
//!
//! // Keys written by anyone parse back into the convention, or are clearly not ours.
//! let key = Key::parse("graph/follow/bob.near").unwrap();
//! assert_eq!(key, Key::Follow(AccountId::parse("bob.near")?));
//! # Ok::<(), ValidationError>(())
//! ```

pub mod account;
pub mod capabilities;
pub mod clock;
pub mod completeness;
pub mod discover;
pub mod error;
pub mod error_code;
pub mod fields;
pub mod image;
pub mod key;
pub mod limits;
pub mod profile;
mod text;
pub mod writes;

pub use account::AccountId;
pub use capabilities::{Capabilities, CapabilityPair, capability_pairs};
pub use clock::{Clock, ManualClock, SystemClock};
pub use completeness::{
    ActionExamples, AgentAction, Priority, ProfileField, profile_actions, profile_completeness,
    profile_gaps,
};
pub use discover::{Candidate, Suggestion, VrfSeedError, Xorshift32, rank_suggestions};
pub use error::ValidationError;
pub use error_code::{ErrorCode, UnknownErrorCode};
pub use fields::{Description, KeySuffix, Name, Reason, Tag, Tags};
pub use image::ImageUrl;
pub use key::{Key, KeyParseError};
pub use profile::{DERIVED_FIELDS, Profile, ProfilePatch};
pub use writes::{delist_profile_writes, endorsement_value, follow_value, profile_writes, to_args};
