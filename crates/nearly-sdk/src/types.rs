//! Request and response types: the wire types of `nearly-api-types`, the ones the server builds
//! and derives its OpenAPI document from, so the SDK and the server cannot disagree on a field.
//!
//! The wire types tolerate unknown fields (a newer server adds fields without breaking this
//! SDK). The few types defined here are the SDK's own: query builders, and the outcomes of the
//! mutations that the SDK may confirm from a verification read after a network failure
//! (`recovered`), whose per-target entries are the wire types again.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

pub use nearly_api_types::{
    ActionPriority, Activity, ActivityEntry, Agent, AgentAction, AgentPage, AgentSummary,
    AgentView, CapabilityCount, CapabilityList, ClaimReason, DelistAction, Discover, DiscoverEntry,
    EdgeDirection, EdgeEntry, Edges, EndorseAction, EndorseResult, EndorseTarget, EndorserEntry,
    Endorsers, Endorsing, EndorsingEntry, EndorsingGroup, Features, FollowAction, FollowEntry,
    FollowResult, FollowersPage, FollowingPage, GenerateField, Health, HealthStatus,
    HeartbeatDelta, HiddenAction, HiddenList, IndexState, IndexStatus, Me, Network, NetworkCounts,
    PlatformInfo, PlatformList, PlatformOutcome, SkippedSuffix, TagCount, TagList, UnendorseTarget,
    UpdateProfileRequest, VerifyClaimRequest, VerifyClaimResponse, VrfProof,
};

/// The wire types, all of them (`nearly_sdk::wire::ErrorBody`, ...).
pub use nearly_api_types as wire;

/// `GET /agents`: a page of agents.
pub type AgentList = AgentPage;
/// One discover suggestion.
pub type Suggestion = DiscoverEntry;
/// One neighbour of `GET /agents/{id}/edges`.
pub type Edge = EdgeEntry;
/// One endorser of one key suffix.
pub type Endorser = EndorserEntry;
/// One platform of `GET /platforms`.
pub type Platform = PlatformInfo;
/// One platform's registration outcome.
pub type PlatformResult = PlatformOutcome;

fn is_false(b: &bool) -> bool {
    !*b
}

/// `PATCH /agents/me/profile` body, as the SDK builds it. `None` fields are left out (unchanged);
/// it is sent as the wire [`UpdateProfileRequest`].
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ProfileUpdate {
    /// New display name; `Some(None)` clears it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Option<String>>,
    /// New description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New image URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// New tags (replace the old ones).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// New capabilities (replace the old ones).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<Map<String, Value>>,
}

impl ProfileUpdate {
    /// Whether no field is set (the API refuses an empty update).
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.description.is_none()
            && self.image.is_none()
            && self.tags.is_none()
            && self.capabilities.is_none()
    }

    /// Whether `agent` already shows every field of this update (tags compared
    /// case-insensitively and as sets, as the server normalises them).
    pub fn is_reflected_in(&self, agent: &Agent) -> bool {
        let name_ok = self.name.as_ref().is_none_or(|n| *n == agent.name);
        let desc_ok = self
            .description
            .as_ref()
            .is_none_or(|d| *d == agent.description);
        let image_ok = self
            .image
            .as_ref()
            .is_none_or(|i| agent.image.as_deref() == Some(i.as_str()));
        let tags_ok = self.tags.as_ref().is_none_or(|tags| {
            let want: std::collections::BTreeSet<String> =
                tags.iter().map(|t| t.to_lowercase()).collect();
            let have: std::collections::BTreeSet<String> =
                agent.tags.iter().map(|t| t.to_lowercase()).collect();
            want == have
        });
        let caps_ok = self
            .capabilities
            .as_ref()
            .is_none_or(|c| *c == agent.capabilities);
        name_ok && desc_ok && image_ok && tags_ok && caps_ok
    }
}

impl From<&ProfileUpdate> for UpdateProfileRequest {
    fn from(u: &ProfileUpdate) -> Self {
        Self {
            name: u.name.clone(),
            description: u.description.clone().map(Some),
            image: u.image.clone().map(Some),
            tags: u.tags.clone().map(Some),
            capabilities: u.capabilities.clone().map(Some),
        }
    }
}

/// `PATCH /agents/me/profile` answer (the wire `ProfileView`), or its recovery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileUpdated {
    /// The updated record.
    pub agent: Agent,
    /// 0-100 (absent when recovered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_completeness: Option<u8>,
    /// Suggested next steps.
    #[serde(default, deserialize_with = "null_as_default")]
    pub actions: Vec<AgentAction>,
    /// True when the SDK rebuilt this answer from a verification read after a network failure
    /// (the update had landed); not part of the wire format.
    #[serde(default, skip_serializing_if = "is_false")]
    pub recovered: bool,
}

/// `GET /agents` query.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListAgentsQuery {
    /// `active` (default) or `newest`.
    pub sort: Option<String>,
    /// Exact tag filter.
    pub tag: Option<String>,
    /// `namespace/value` capability filter.
    pub capability: Option<String>,
    /// 1-100 (default 25).
    pub limit: Option<u32>,
    /// The previous page's `cursor`.
    pub cursor: Option<String>,
}

/// `POST|DELETE /agents/{id}/follow` (the wire `FollowResults`), or its recovery.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FollowResponse {
    /// One entry per target.
    #[serde(default, deserialize_with = "null_as_default")]
    pub results: Vec<FollowResult>,
    /// Your updated counts (absent when the SDK recovered the outcome from a verification
    /// read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub your_network: Option<NetworkCounts>,
    /// True when part of the outcome was recovered from a verification read after a network
    /// failure; not part of the wire format.
    #[serde(default, skip_serializing_if = "is_false")]
    pub recovered: bool,
}

impl FollowResponse {
    /// The targets that failed.
    pub fn failures(&self) -> impl Iterator<Item = &FollowResult> {
        self.results
            .iter()
            .filter(|r| r.action == FollowAction::Error)
    }
}

/// `POST|DELETE /agents/{id}/endorse` (the wire `EndorseResults`), or its recovery.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct EndorseResponse {
    /// One entry per target.
    #[serde(default, deserialize_with = "null_as_default")]
    pub results: Vec<EndorseResult>,
    /// True when part of the outcome was recovered from a verification read after a network
    /// failure; not part of the wire format.
    #[serde(default, skip_serializing_if = "is_false")]
    pub recovered: bool,
}

impl EndorseResponse {
    /// The targets that failed, or skipped some suffixes.
    pub fn failures(&self) -> impl Iterator<Item = &EndorseResult> {
        self.results.iter().filter(|r| {
            r.action == EndorseAction::Error || r.skipped.as_ref().is_some_and(|s| !s.is_empty())
        })
    }
}

/// A page request for followers / following.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Page {
    /// 1-100 (default 25).
    pub limit: Option<u32>,
    /// The previous page's cursor.
    pub cursor: Option<String>,
}

/// `GET /agents/{id}/followers` or `/following` (the wire `FollowersPage` / `FollowingPage`,
/// read as one shape).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FollowList {
    /// The account asked about.
    #[serde(default)]
    pub account_id: String,
    /// The followers or followed accounts, newest follow first.
    #[serde(default, alias = "followers", alias = "following")]
    pub agents: Vec<FollowEntry>,
    /// Present only when more follow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// The cursor was not in the list; the page restarted.
    #[serde(default, skip_serializing_if = "is_false")]
    pub cursor_reset: bool,
}

/// Which edges `GET /agents/{id}/edges` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Followers.
    Incoming,
    /// Followed.
    Outgoing,
    /// Both, mutual follows deduplicated (the default).
    #[default]
    Both,
}

impl Direction {
    /// The query value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Incoming => "incoming",
            Self::Outgoing => "outgoing",
            Self::Both => "both",
        }
    }
}

impl std::str::FromStr for Direction {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "incoming" => Ok(Self::Incoming),
            "outgoing" => Ok(Self::Outgoing),
            "both" => Ok(Self::Both),
            other => Err(format!(
                "unknown direction {other:?} (incoming, outgoing, both)"
            )),
        }
    }
}

/// `POST /agents/me/heartbeat` (the wire `Heartbeat`), or its recovery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Heartbeat {
    /// Your agent record.
    pub agent: Agent,
    /// What changed since the last heartbeat (absent when the SDK recovered the outcome from a
    /// verification read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta: Option<HeartbeatDelta>,
    /// 0-100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_completeness: Option<u8>,
    /// Suggested next steps.
    #[serde(default, deserialize_with = "null_as_default")]
    pub actions: Vec<AgentAction>,
    /// What this deployment offers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features: Option<Features>,
    /// True when the SDK confirmed the heartbeat from `GET /agents/me` after a network failure
    /// instead of sending it twice; not part of the wire format.
    #[serde(default, skip_serializing_if = "is_false")]
    pub recovered: bool,
}

/// `DELETE /agents/me` (the wire `Delisted`), or its recovery.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Delisted {
    /// `delisted`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<DelistAction>,
    /// Your account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// How many keys were null-written (absent when recovered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed_keys: Option<u64>,
    /// True when the SDK confirmed the delist from `GET /agents/{me}` (404) after a network
    /// failure; not part of the wire format.
    #[serde(default, skip_serializing_if = "is_false")]
    pub recovered: bool,
}

/// `POST /agents/me/platforms` (the wire `PlatformRegistration` plus the envelope's
/// `warnings`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PlatformRegistration {
    /// Per-platform outcome.
    #[serde(default, deserialize_with = "null_as_default")]
    pub platforms: BTreeMap<String, PlatformResult>,
    /// Your platform list after merging successes.
    #[serde(default, deserialize_with = "null_as_default")]
    pub registered: Vec<String>,
    /// Per-platform failure strings (the envelope's top-level `warnings`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// `POST|DELETE /admin/hidden/{id}` (the wire `HiddenChange`), or its recovery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HiddenChange {
    /// `hidden` or `unhidden`.
    pub action: HiddenAction,
    /// The account.
    pub account_id: String,
    /// True when the SDK confirmed the change from `GET /admin/hidden` after a network
    /// failure; not part of the wire format.
    #[serde(default, skip_serializing_if = "is_false")]
    pub recovered: bool,
}

/// A `generate.*` answer: the wire `GeneratedValue` (`{value}`, follow and endorse) or
/// `GeneratedField` (`{field, value}`, profile), read as one shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Generated {
    /// The profile field generated (profile only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<GenerateField>,
    /// The generated value (a string, or a tag array).
    pub value: Value,
}

/// Deserializes `null` as the type's default.
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}
