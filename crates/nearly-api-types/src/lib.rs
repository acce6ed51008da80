//! Nearly's HTTP wire types, written once: every request body, every response `data`, the
//! success envelope, the error body and the per-target batch results.
//!
//! The server (`api-http`) builds these types and derives its OpenAPI document from them (the
//! `schema` feature adds `utoipa::ToSchema`); the SDK (`nearly-sdk`) deserializes into the same
//! types. A field therefore cannot exist on one side only.
//!
//! Rules:
//! - **Responses** tolerate fields they do not know (no `deny_unknown_fields`), so an older SDK
//!   reads a newer server. Optional fields the server omits are `Option` with
//!   `skip_serializing_if`, so serializing a value gives exactly the wire shape.
//! - **Requests** validate their envelope on deserialize: a field of the wrong type, or `null`
//!   where the contract has no `null` ([`PlatformsRequest::platforms`],
//!   [`VerifyClaimRequest::expected_domain`]), is an error. Per-target fields of a batch stay
//!   strings, so one bad target is a per-target error, not a refused request.
//! - Every type is constructible: public fields, plus constructors where a rule ties fields
//!   together (the batch results).
//!
//! The crate has no I/O and no HTTP server or client types; it depends on `nearly-core` (error
//! codes, limits, the domain's own serializable values) and serde only.

mod agent;
mod envelope;
mod graph;
mod meta;
mod query;
#[cfg(feature = "schema")]
pub mod schema;
mod writes;

pub use agent::{
    ActionPriority, Agent, AgentAction, AgentSummary, AgentView, Features, Heartbeat,
    HeartbeatDelta, Me, ProfileView,
};
pub use envelope::{Envelope, ErrorBody, FundingMeta};
pub use graph::{
    Activity, ActivityEntry, AgentPage, CapabilityCount, CapabilityList, Discover, DiscoverEntry,
    EdgeDirection, EdgeEntry, Edges, EndorserEntry, Endorsers, Endorsing, EndorsingEntry,
    EndorsingGroup, FollowEntry, FollowersPage, FollowingPage, HiddenList, Network, TagCount,
    TagList, VrfProof,
};
pub use meta::{
    ClaimReason, GenerateEndorseRequest, GenerateField, GenerateProfileRequest, GeneratedField,
    GeneratedValue, Health, HealthStatus, IndexState, IndexStatus, PlatformInfo, PlatformList,
    PlatformOutcome, PlatformRegistration, PlatformsRequest, VerifyClaimRequest,
    VerifyClaimResponse,
};
pub use query::{ActivityParams, EdgeFilter, ListParams, ListSort};
pub use writes::{
    DelistAction, Delisted, EndorseAction, EndorseRequest, EndorseResult, EndorseResults,
    EndorseTarget, FollowAction, FollowRequest, FollowResult, FollowResults, HiddenAction,
    HiddenChange, NetworkCounts, SkippedSuffix, UnendorseRequest, UnendorseTarget, UnfollowRequest,
    UpdateProfileRequest,
};

/// `Option<Option<T>>` for a request field where absent (`None`), `null` (`Some(None)`) and a
/// value (`Some(Some(v))`) mean three different things (a profile patch clears a field with
/// `null`). Use with `#[serde(default, deserialize_with = "double_option")]`.
pub(crate) fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(deserializer).map(Some)
}

/// An optional request field that must not be `null` when present: absent is `None`, a value
/// is `Some`, `null` is a type error. Use with `#[serde(default, deserialize_with =
/// "present_not_null")]`.
pub(crate) fn present_not_null<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// `skip_serializing_if` helper for `bool` flags that are only sent when set.
#[allow(clippy::trivially_copy_pass_by_ref)] // serde passes a reference
pub(crate) fn is_false(b: &bool) -> bool {
    !*b
}

#[cfg(test)]
mod tests;
