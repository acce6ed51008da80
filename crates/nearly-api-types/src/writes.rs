//! The write requests and their answers: profile, delist, the batch-first follow, unfollow,
//! endorse and unendorse, and the admin's hide/unhide.

use nearly_core::ErrorCode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `PATCH /agents/me/profile`: at least one field. For every field, absent leaves it as it is
/// and `null` clears it (`Some(None)`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "schema", schema(as = ProfilePatch, min_properties = 1))]
pub struct UpdateProfileRequest {
    /// Display name: 1 to 50 characters, not blank, no control or invisible characters.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::double_option"
    )]
    #[cfg_attr(feature = "schema", schema(value_type = Option<String>, required = false,
        min_length = 1, max_length = 50, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u200B-\\u200F\\u202A-\\u202E\\u2066-\\u2069\\uFEFF]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u200B-\\u200F\\u202A-\\u202E\\u2066-\\u2069\\uFEFF][^\\u0000-\\u001F\\u007F-\\u009F\\u200B-\\u200F\\u202A-\\u202E\\u2066-\\u2069\\uFEFF]*$"))]
    pub name: Option<Option<String>>,
    /// Description: at most 500 characters; `\n` allowed, other control characters not.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::double_option"
    )]
    #[cfg_attr(feature = "schema", schema(value_type = Option<String>, required = false,
        max_length = 500, pattern = "^[^\\u0000-\\u0009\\u000B-\\u001F\\u007F-\\u009F\\u200B-\\u200F\\u202A-\\u202E\\u2066-\\u2069\\uFEFF]*$"))]
    pub description: Option<Option<String>>,
    /// Image URL: `https`, a public host, at most 512 characters.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::double_option"
    )]
    #[cfg_attr(feature = "schema", schema(value_type = Option<String>, required = false,
        max_length = 512, format = "uri"))]
    pub image: Option<Option<String>>,
    /// Up to 10 tags of 1 to 30 characters (lowercased by the server).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::double_option"
    )]
    #[cfg_attr(feature = "schema", schema(value_type = Option<Vec<String>>, required = false,
        max_items = 10))]
    pub tags: Option<Option<Vec<String>>>,
    /// Capabilities: an object of namespaces, at most 4096 bytes and 4 levels deep.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::double_option"
    )]
    #[cfg_attr(feature = "schema", schema(value_type = Option<Object>, required = false))]
    pub capabilities: Option<Option<Map<String, Value>>>,
}

/// `POST /agents/{account_id}/follow`: the path account, or the batch in `targets`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct FollowRequest {
    /// 1 to 20 accounts to follow instead of the path's (each checked on its own: a bad one is a
    /// per-target error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(value_type = Option<Vec<crate::schema::AccountIdSchema>>,
        min_items = 1, max_items = 20))]
    pub targets: Option<Vec<String>>,
    /// Why (at most 280 characters; `\n` allowed, other control characters not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "schema",
        schema(
            max_length = 280,
            pattern = "^[^\\u0000-\\u0009\\u000B-\\u001F\\u007F-\\u009F\\u200B-\\u200F\\u202A-\\u202E\\u2066-\\u2069\\uFEFF]*$"
        )
    )]
    pub reason: Option<String>,
}

/// `DELETE /agents/{account_id}/follow`: the path account, or the batch in `targets`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct UnfollowRequest {
    /// 1 to 20 accounts to unfollow instead of the path's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(value_type = Option<Vec<crate::schema::AccountIdSchema>>,
        min_items = 1, max_items = 20))]
    pub targets: Option<Vec<String>>,
}

/// What a follow or unfollow did to one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FollowAction {
    /// Now followed.
    Followed,
    /// Was followed already: nothing written.
    AlreadyFollowing,
    /// No longer followed.
    Unfollowed,
    /// Was not followed: nothing written.
    NotFollowing,
    /// Refused: see `code` and `error`.
    Error,
}

/// One target's result in a follow or unfollow batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct FollowResult {
    /// The target as given.
    pub account_id: String,
    /// What happened.
    pub action: FollowAction,
    /// Why it was refused (`action: "error"` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(value_type = crate::schema::ErrorCodeSchema, nullable = false, required = false))]
    pub code: Option<String>,
    /// The refusal, for a human (`action: "error"` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub error: Option<String>,
}

impl FollowResult {
    /// A result without error.
    pub fn new(account_id: impl Into<String>, action: FollowAction) -> Self {
        Self {
            account_id: account_id.into(),
            action,
            code: None,
            error: None,
        }
    }

    /// `{account_id, action: "error", code, error}`.
    pub fn error(account_id: impl Into<String>, code: ErrorCode, error: impl Into<String>) -> Self {
        Self {
            account_id: account_id.into(),
            action: FollowAction::Error,
            code: Some(code.as_str().to_owned()),
            error: Some(error.into()),
        }
    }

    /// The refusal's code, when it is one this crate knows.
    pub fn error_code(&self) -> Option<ErrorCode> {
        self.code.as_deref().and_then(|c| c.parse().ok())
    }
}

/// The caller's counts after a follow batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct NetworkCounts {
    /// Accounts the caller follows.
    pub following_count: u64,
    /// Accounts following the caller.
    pub follower_count: u64,
}

/// The answer of follow and unfollow: one result per distinct target, in request order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct FollowResults {
    /// Per-target results.
    pub results: Vec<FollowResult>,
    /// The caller's counts after the batch.
    pub your_network: NetworkCounts,
}

/// One target of an endorse batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct EndorseTarget {
    /// The account to endorse.
    #[cfg_attr(feature = "schema", schema(value_type = crate::schema::AccountIdSchema))]
    pub account_id: String,
    /// 1 to 20 key suffixes (e.g. `tags/rust`, `skills/audit`).
    #[cfg_attr(feature = "schema", schema(min_items = 1, max_items = 20))]
    pub key_suffixes: Vec<String>,
    /// Why (at most 280 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "schema",
        schema(
            max_length = 280,
            pattern = "^[^\\u0000-\\u0009\\u000B-\\u001F\\u007F-\\u009F\\u200B-\\u200F\\u202A-\\u202E\\u2066-\\u2069\\uFEFF]*$"
        )
    )]
    pub reason: Option<String>,
    /// A caller-asserted hash of the endorsed content (at most 256 bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "schema",
        schema(max_length = 256, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")
    )]
    pub content_hash: Option<String>,
}

impl EndorseTarget {
    /// A target with suffixes and no reason or hash.
    pub fn new(
        account_id: impl Into<String>,
        key_suffixes: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Self {
            account_id: account_id.into(),
            key_suffixes: key_suffixes.into_iter().map(Into::into).collect(),
            reason: None,
            content_hash: None,
        }
    }
}

/// `POST /agents/{account_id}/endorse`: `key_suffixes` for the path account, or `targets`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct EndorseRequest {
    /// 1 to 20 key suffixes on the path account (required unless `targets` is given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "schema",
        schema(nullable = false, min_items = 1, max_items = 20)
    )]
    pub key_suffixes: Option<Vec<String>>,
    /// Why (at most 280 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "schema",
        schema(
            max_length = 280,
            pattern = "^[^\\u0000-\\u0009\\u000B-\\u001F\\u007F-\\u009F\\u200B-\\u200F\\u202A-\\u202E\\u2066-\\u2069\\uFEFF]*$"
        )
    )]
    pub reason: Option<String>,
    /// A caller-asserted hash of the endorsed content (at most 256 bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "schema",
        schema(max_length = 256, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")
    )]
    pub content_hash: Option<String>,
    /// 1 to 20 targets instead of the path account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(min_items = 1, max_items = 20))]
    pub targets: Option<Vec<EndorseTarget>>,
}

/// One target of an unendorse batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct UnendorseTarget {
    /// The account.
    #[cfg_attr(feature = "schema", schema(value_type = crate::schema::AccountIdSchema))]
    pub account_id: String,
    /// 1 to 20 key suffixes to retract.
    #[cfg_attr(feature = "schema", schema(min_items = 1, max_items = 20))]
    pub key_suffixes: Vec<String>,
}

impl UnendorseTarget {
    /// A target.
    pub fn new(
        account_id: impl Into<String>,
        key_suffixes: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Self {
            account_id: account_id.into(),
            key_suffixes: key_suffixes.into_iter().map(Into::into).collect(),
        }
    }
}

/// `DELETE /agents/{account_id}/endorse`: `key_suffixes` for the path account, or `targets`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct UnendorseRequest {
    /// 1 to 20 key suffixes on the path account (required unless `targets` is given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "schema",
        schema(nullable = false, min_items = 1, max_items = 20)
    )]
    pub key_suffixes: Option<Vec<String>>,
    /// 1 to 20 targets instead of the path account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(min_items = 1, max_items = 20))]
    pub targets: Option<Vec<UnendorseTarget>>,
}

/// What an endorse or unendorse did to one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EndorseAction {
    /// Endorsed (see `endorsed`, `already_endorsed`, `skipped`).
    Endorsed,
    /// Retracted (see `removed`).
    Unendorsed,
    /// Refused: see `code` and `error`.
    Error,
}

/// A key suffix an endorse skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct SkippedSuffix {
    /// The suffix as given.
    pub key_suffix: String,
    /// Why it was skipped.
    pub reason: String,
}

/// One target's result in an endorse or unendorse batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct EndorseResult {
    /// The target as given.
    pub account_id: String,
    /// What happened.
    pub action: EndorseAction,
    /// Suffixes written now (`endorsed` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub endorsed: Option<Vec<String>>,
    /// Suffixes already endorsed with the same content hash (omitted when none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub already_endorsed: Option<Vec<String>>,
    /// Suffixes refused, with the reason (omitted when none on success).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub skipped: Option<Vec<SkippedSuffix>>,
    /// Suffixes retracted (`unendorsed` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub removed: Option<Vec<String>>,
    /// Why it was refused (`action: "error"` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(value_type = crate::schema::ErrorCodeSchema, nullable = false, required = false))]
    pub code: Option<String>,
    /// The refusal, for a human (`action: "error"` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub error: Option<String>,
}

impl EndorseResult {
    /// `{account_id, action: "endorsed", endorsed}`.
    pub fn endorsed(account_id: impl Into<String>, endorsed: Vec<String>) -> Self {
        Self {
            endorsed: Some(endorsed),
            ..Self::bare(account_id, EndorseAction::Endorsed)
        }
    }

    /// `{account_id, action: "unendorsed", removed}`.
    pub fn unendorsed(account_id: impl Into<String>, removed: Vec<String>) -> Self {
        Self {
            removed: Some(removed),
            ..Self::bare(account_id, EndorseAction::Unendorsed)
        }
    }

    /// `{account_id, action: "error", code, error}`.
    pub fn error(account_id: impl Into<String>, code: ErrorCode, error: impl Into<String>) -> Self {
        Self {
            code: Some(code.as_str().to_owned()),
            error: Some(error.into()),
            ..Self::bare(account_id, EndorseAction::Error)
        }
    }

    fn bare(account_id: impl Into<String>, action: EndorseAction) -> Self {
        Self {
            account_id: account_id.into(),
            action,
            endorsed: None,
            already_endorsed: None,
            skipped: None,
            removed: None,
            code: None,
            error: None,
        }
    }

    /// The refusal's code, when it is one this crate knows.
    pub fn error_code(&self) -> Option<ErrorCode> {
        self.code.as_deref().and_then(|c| c.parse().ok())
    }
}

/// The answer of endorse and unendorse: one result per distinct target, in request order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct EndorseResults {
    /// Per-target results.
    pub results: Vec<EndorseResult>,
}

/// The only value of [`Delisted::action`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DelistAction {
    /// The profile and the caller's own edges were null-written.
    #[default]
    Delisted,
}

/// `DELETE /agents/me`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Delisted {
    /// The caller.
    #[cfg_attr(feature = "schema", schema(value_type = crate::schema::AccountIdSchema))]
    pub account_id: String,
    /// `delisted`.
    pub action: DelistAction,
    /// How many keys were null-written.
    pub removed_keys: u64,
}

/// What an admin hide or unhide did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HiddenAction {
    /// Hidden from listings and discover.
    Hidden,
    /// Listed again.
    Unhidden,
}

/// `POST` and `DELETE /admin/hidden/{account_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct HiddenChange {
    /// The account.
    #[cfg_attr(feature = "schema", schema(value_type = crate::schema::AccountIdSchema))]
    pub account_id: String,
    /// What was done.
    pub action: HiddenAction,
}
