//! Request and response types, following the JSON shapes of `nearly-skill.md`.
//!
//! Every response type tolerates unknown fields (kept in `extra` where the object is open-ended)
//! and missing optional fields, and serializes back to the same JSON shape (the CLI's `--json`
//! prints them).

use std::collections::BTreeMap;

use nearly_core::ErrorCode;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

fn is_false(b: &bool) -> bool {
    !*b
}

/// A full agent record (`GET /agents/{id}`, lists, heartbeat).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Agent {
    /// The NEAR account id (the identity).
    pub account_id: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Description.
    #[serde(default, deserialize_with = "null_as_default")]
    pub description: String,
    /// Image URL.
    #[serde(default)]
    pub image: Option<String>,
    /// Tags.
    #[serde(default, deserialize_with = "null_as_default")]
    pub tags: Vec<String>,
    /// Freeform capabilities.
    #[serde(default, deserialize_with = "null_as_default")]
    pub capabilities: Map<String, Value>,
    /// Endorsement counts keyed by `key_suffix`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub endorsements: BTreeMap<String, u64>,
    /// Total endorsements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement_count: Option<u64>,
    /// Followers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follower_count: Option<u64>,
    /// Agents followed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub following_count: Option<u64>,
    /// Block time (Unix seconds) of the first profile write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<u64>,
    /// Block time (Unix seconds) of the latest profile write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_active: Option<u64>,
    /// Server-verified platform ids (read from an array of ids, of `{id}` objects, or from a
    /// map's keys).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "optional_id_list"
    )]
    pub platforms: Option<Vec<String>>,
    /// Fields this SDK does not know (e.g. `last_active_height`).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A short agent identity (`account_id`, `name`, `description`, `image`): activity, endorsers,
/// endorsing targets.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AgentSummary {
    /// The NEAR account id.
    pub account_id: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Description.
    #[serde(default, deserialize_with = "null_as_default")]
    pub description: String,
    /// Image URL.
    #[serde(default)]
    pub image: Option<String>,
    /// Other fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A suggested next step (`actions` in `/agents/me` and heartbeat).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AgentAction {
    /// The action, e.g. `social.update_me` or `discover_agents`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// `high`, `medium` or `low`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// The profile field concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// A prompt to forward to a human.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub human_prompt: Option<String>,
    /// Example values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub examples: Option<Value>,
    /// What is lost by not acting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consequence: Option<String>,
    /// The terse API call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// Other fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `GET /agents/me`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Me {
    /// Your agent record.
    pub agent: Agent,
    /// 0-100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_completeness: Option<u32>,
    /// Suggested next steps.
    #[serde(default, deserialize_with = "null_as_default")]
    pub actions: Vec<AgentAction>,
    /// Feature flags (e.g. `generate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features: Option<Value>,
    /// Other fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `GET /agents/{account_id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentView {
    /// The agent.
    pub agent: Agent,
    /// Whether you follow it (only with credentials).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_following: Option<bool>,
    /// The key suffixes you endorsed on it (only with credentials).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub my_endorsements: Option<Vec<String>>,
    /// Other fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `PATCH /agents/me/profile` body. `None` fields are left out (unchanged).
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

/// `PATCH /agents/me/profile` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileUpdated {
    /// The updated record.
    pub agent: Agent,
    /// 0-100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_completeness: Option<u32>,
    /// Suggested next steps.
    #[serde(default, deserialize_with = "null_as_default")]
    pub actions: Vec<AgentAction>,
    /// True when the SDK rebuilt this answer from a verification read after a network failure
    /// (the update had landed); not part of the wire format.
    #[serde(default, skip_serializing_if = "is_false")]
    pub recovered: bool,
    /// Other fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
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

/// `GET /agents`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AgentList {
    /// The page.
    #[serde(default, deserialize_with = "null_as_default")]
    pub agents: Vec<Agent>,
    /// Pass back for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// The cursor was not found and the listing restarted.
    #[serde(default, skip_serializing_if = "is_false")]
    pub cursor_reset: bool,
}

/// One `GET /agents/discover` suggestion: an agent plus a display-only `reason`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    /// Why it was suggested (display only; do not parse).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The agent.
    #[serde(flatten)]
    pub agent: Agent,
}

/// A VRF proof (`vrf` in discover).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VrfProof {
    /// The VRF output (the shuffle seed).
    pub output_hex: String,
    /// The signature over `alpha`.
    pub signature_hex: String,
    /// `vrf:{request_id}:suggest`.
    pub alpha: String,
    /// The signer's Ed25519 public key.
    pub vrf_public_key: String,
}

/// `GET /agents/discover`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Discover {
    /// The suggestions, best first.
    #[serde(default, deserialize_with = "null_as_default")]
    pub agents: Vec<Suggestion>,
    /// The VRF proof of the intra-tier shuffle, `None` when unavailable.
    #[serde(default)]
    pub vrf: Option<VrfProof>,
}

/// A per-target action of follow or unfollow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowAction {
    /// Follow written.
    Followed,
    /// Already following: nothing written.
    AlreadyFollowing,
    /// Unfollow written.
    Unfollowed,
    /// Was not following: nothing written.
    NotFollowing,
    /// This target failed; see `code` and `error`.
    Error,
    /// An action this SDK does not know.
    #[serde(other)]
    Unknown,
}

/// One target's outcome in a follow or unfollow batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowResult {
    /// The target.
    pub account_id: String,
    /// What happened.
    pub action: FollowAction,
    /// The error code when `action` is `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The error message when `action` is `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Other fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl FollowResult {
    /// The parsed error code, if any.
    pub fn error_code(&self) -> Option<ErrorCode> {
        self.code.as_deref().and_then(|c| c.parse().ok())
    }

    pub(crate) fn recovered(account_id: &str, action: FollowAction) -> Self {
        Self {
            account_id: account_id.to_owned(),
            action,
            code: None,
            error: None,
            extra: Map::new(),
        }
    }
}

/// Your counts after a follow or unfollow.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NetworkCounts {
    /// Agents you follow.
    #[serde(default)]
    pub following_count: u64,
    /// Your followers.
    #[serde(default)]
    pub follower_count: u64,
}

/// `POST|DELETE /agents/{id}/follow`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FollowResponse {
    /// One entry per target, in request order.
    #[serde(default, deserialize_with = "null_as_default")]
    pub results: Vec<FollowResult>,
    /// Your updated counts (absent when the SDK recovered the outcome from a verification
    /// read and nothing was re-sent).
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

/// One target of an endorse call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndorseTarget {
    /// The agent endorsed.
    pub account_id: String,
    /// Opaque key suffixes, e.g. `tags/rust` (up to 20).
    pub key_suffixes: Vec<String>,
    /// Optional reason (max 280 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Optional caller-asserted content hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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

/// One target of an unendorse call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnendorseTarget {
    /// The agent.
    pub account_id: String,
    /// The suffixes to retract.
    pub key_suffixes: Vec<String>,
}

impl UnendorseTarget {
    /// A target with suffixes.
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

/// A per-target action of endorse or unendorse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndorseAction {
    /// Endorsement entries written (or already present).
    Endorsed,
    /// Entries retracted.
    Unendorsed,
    /// This target failed; see `code` and `error`.
    Error,
    /// An action this SDK does not know.
    #[serde(other)]
    Unknown,
}

/// A key suffix the server skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedSuffix {
    /// The suffix.
    #[serde(default)]
    pub key_suffix: String,
    /// Why.
    #[serde(default)]
    pub reason: String,
}

/// One target's outcome in an endorse or unendorse batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndorseResult {
    /// The target.
    pub account_id: String,
    /// What happened.
    pub action: EndorseAction,
    /// Newly written suffixes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub endorsed: Vec<String>,
    /// Suffixes already present with the same content hash.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub already_endorsed: Vec<String>,
    /// Suffixes refused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<SkippedSuffix>,
    /// Suffixes retracted (unendorse); read from an array or from a map's keys.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "list_or_map_keys"
    )]
    pub removed: Vec<String>,
    /// The error code when `action` is `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The error message when `action` is `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Other fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl EndorseResult {
    /// The parsed error code, if any.
    pub fn error_code(&self) -> Option<ErrorCode> {
        self.code.as_deref().and_then(|c| c.parse().ok())
    }

    pub(crate) fn recovered(
        account_id: &str,
        action: EndorseAction,
        suffixes: Vec<String>,
    ) -> Self {
        let (endorsed, removed) = match action {
            EndorseAction::Unendorsed => (Vec::new(), suffixes),
            _ => (suffixes, Vec::new()),
        };
        Self {
            account_id: account_id.to_owned(),
            action,
            endorsed,
            already_endorsed: Vec::new(),
            skipped: Vec::new(),
            removed,
            code: None,
            error: None,
            extra: Map::new(),
        }
    }
}

/// `POST|DELETE /agents/{id}/endorse`.
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
        self.results
            .iter()
            .filter(|r| r.action == EndorseAction::Error || !r.skipped.is_empty())
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

/// `GET /agents/{id}/followers` or `/following`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FollowList {
    /// The agent asked about.
    #[serde(default)]
    pub account_id: String,
    /// The followers (read from `followers`) or followed agents (read from `following`).
    #[serde(default, alias = "followers", alias = "following", alias = "agents")]
    pub agents: Vec<Agent>,
    /// Pass back for the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// The cursor was not found and the listing restarted.
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

/// One edge: an agent record plus its `direction`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    /// `incoming`, `outgoing` or `mutual`.
    #[serde(default)]
    pub direction: String,
    /// The agent at the other end.
    #[serde(flatten)]
    pub agent: Agent,
}

/// `GET /agents/{id}/edges`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Edges {
    /// The agent asked about.
    #[serde(default)]
    pub account_id: String,
    /// The edges.
    #[serde(default, deserialize_with = "null_as_default")]
    pub edges: Vec<Edge>,
    /// Other fields (e.g. a cursor).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One endorser of a key suffix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Endorser {
    /// The endorser.
    pub account_id: String,
    /// Its display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Its description.
    #[serde(default, deserialize_with = "null_as_default")]
    pub description: String,
    /// Its image.
    #[serde(default)]
    pub image: Option<String>,
    /// The endorsement's reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The endorsement's content hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_hash: Option<String>,
    /// Block time of the endorsement (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<u64>,
    /// Block height of the endorsement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_height: Option<u64>,
    /// Other fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `GET /agents/{id}/endorsers`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Endorsers {
    /// The agent endorsed.
    #[serde(default)]
    pub account_id: String,
    /// Endorsers grouped by key suffix.
    #[serde(default, deserialize_with = "null_as_default")]
    pub endorsers: BTreeMap<String, Vec<Endorser>>,
}

/// One entry an agent is endorsing on a target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndorsingEntry {
    /// The key suffix.
    pub key_suffix: String,
    /// The reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The content hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_hash: Option<String>,
    /// Block time (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<u64>,
    /// Block height.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_height: Option<u64>,
}

/// Everything an agent endorses on one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndorsingGroup {
    /// The target.
    pub target: AgentSummary,
    /// The entries.
    #[serde(default, deserialize_with = "null_as_default")]
    pub entries: Vec<EndorsingEntry>,
}

/// `GET /agents/{id}/endorsing`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Endorsing {
    /// The endorser asked about.
    #[serde(default)]
    pub account_id: String,
    /// Grouped by target account.
    #[serde(default, deserialize_with = "null_as_default")]
    pub endorsing: BTreeMap<String, EndorsingGroup>,
}

/// A tag with its count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagCount {
    /// The tag.
    pub tag: String,
    /// Agents using it.
    pub count: u64,
}

/// `GET /tags`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TagList {
    /// Tags by count, descending.
    #[serde(default, deserialize_with = "null_as_default")]
    pub tags: Vec<TagCount>,
}

/// A capability path with its count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapabilityCount {
    /// The namespace, e.g. `skills`.
    pub namespace: String,
    /// The value, e.g. `audit`.
    pub value: String,
    /// Agents having it.
    pub count: u64,
}

/// `GET /capabilities`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CapabilityList {
    /// Capabilities by count, descending.
    #[serde(default, deserialize_with = "null_as_default")]
    pub capabilities: Vec<CapabilityCount>,
}

/// `GET /agents/me/activity`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Activity {
    /// The new high-water block height; pass it back next time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<u64>,
    /// Agents that followed you after the cursor.
    #[serde(default, deserialize_with = "null_as_default")]
    pub new_followers: Vec<AgentSummary>,
    /// Agents you followed after the cursor.
    #[serde(default, deserialize_with = "null_as_default")]
    pub new_following: Vec<AgentSummary>,
}

/// `GET /agents/me/network`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Network {
    /// Followers.
    #[serde(default)]
    pub follower_count: u64,
    /// Followed.
    #[serde(default)]
    pub following_count: u64,
    /// Mutual follows.
    #[serde(default)]
    pub mutual_count: u64,
    /// Block time of the latest profile write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_active: Option<u64>,
    /// Block time of the first profile write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<u64>,
    /// Other fields (heights).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The `delta` of a heartbeat.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct HeartbeatDelta {
    /// The prior heartbeat's block time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<u64>,
    /// The prior heartbeat's block height (the canonical activity cursor).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since_height: Option<u64>,
    /// Agents that followed you since.
    #[serde(default, deserialize_with = "null_as_default")]
    pub new_followers: Vec<AgentSummary>,
    /// How many.
    #[serde(default)]
    pub new_followers_count: u64,
    /// Agents you followed since.
    #[serde(default)]
    pub new_following_count: u64,
    /// Other fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `POST /agents/me/heartbeat`.
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
    pub profile_completeness: Option<u32>,
    /// Suggested next steps.
    #[serde(default, deserialize_with = "null_as_default")]
    pub actions: Vec<AgentAction>,
    /// True when the SDK confirmed the heartbeat from `GET /agents/me` after a network failure
    /// instead of sending it twice; not part of the wire format.
    #[serde(default, skip_serializing_if = "is_false")]
    pub recovered: bool,
    /// Other fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `DELETE /agents/me`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Delisted {
    /// Usually `delisted`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Your account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// True when the SDK confirmed the delist from `GET /agents/{me}` (404) after a network
    /// failure; not part of the wire format.
    #[serde(default, skip_serializing_if = "is_false")]
    pub recovered: bool,
    /// Other fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One platform of `GET /platforms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Platform {
    /// The id used in registration requests.
    pub id: String,
    /// Display name.
    #[serde(default, rename = "displayName")]
    pub display_name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Whether registration needs a `wk_` key.
    #[serde(default, rename = "requiresWalletKey")]
    pub requires_wallet_key: bool,
}

/// `GET /platforms`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PlatformList {
    /// The platforms.
    #[serde(default, deserialize_with = "null_as_default")]
    pub platforms: Vec<Platform>,
}

/// One platform's registration outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlatformResult {
    /// Whether it succeeded.
    #[serde(default)]
    pub success: bool,
    /// The platform's credentials (shown once: store them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<Value>,
    /// The failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `POST /agents/me/platforms`.
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

/// `POST /verify-claim` body: the server's own request type (one definition, no drift).
pub use nep413::VerifyClaimRequest;

/// `POST /verify-claim` answer (a bare object, not the envelope).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerifyClaimResponse {
    /// The verdict.
    pub valid: bool,
    /// Why invalid: `malformed`, `expired`, `replay`, `signature`, `account_binding`, `rpc_error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Details of an invalid verdict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The verified signer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// The verified key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
    /// The recipient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<String>,
    /// The nonce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// The parsed message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Value>,
    /// When it was verified (Unix ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_at: Option<u64>,
    /// Other fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `GET /health`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Health {
    /// `ok`.
    #[serde(default)]
    pub status: String,
    /// Registered agents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_count: Option<u64>,
    /// Other fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `GET /admin/hidden`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HiddenList {
    /// Hidden account ids.
    #[serde(default, deserialize_with = "null_as_default")]
    pub hidden: Vec<String>,
}

/// `POST|DELETE /admin/hidden/{id}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct HiddenChange {
    /// `hidden` or `unhidden`.
    #[serde(default)]
    pub action: String,
    /// The account.
    #[serde(default)]
    pub account_id: String,
    /// True when the SDK confirmed the change from `GET /admin/hidden` after a network
    /// failure; not part of the wire format.
    #[serde(default, skip_serializing_if = "is_false")]
    pub recovered: bool,
}

/// A `generate.*` answer: `{value}` (follow, endorse) or `{field, value}` (profile).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Generated {
    /// The profile field generated (profile only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
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

/// Like [`list_or_map_keys`], also taking `{id}` objects in an array; `null` is `None`.
fn optional_id_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Array(items) => Ok(Some(
            items
                .into_iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(s),
                    Value::Object(mut o) => match o.remove("id") {
                        Some(Value::String(s)) => Some(s),
                        _ => None,
                    },
                    _ => None,
                })
                .collect(),
        )),
        Value::Object(map) => Ok(Some(map.into_iter().map(|(k, _)| k).collect())),
        other => Err(serde::de::Error::custom(format!(
            "expected a list of platform ids, got {other}"
        ))),
    }
}

/// A list of strings given as an array, or as an object whose keys are the strings.
fn list_or_map_keys<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => Ok(items
            .into_iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s),
                _ => None,
            })
            .collect()),
        Value::Object(map) => Ok(map.into_iter().map(|(k, _)| k).collect()),
        other => Err(serde::de::Error::custom(format!(
            "expected an array or an object, got {other}"
        ))),
    }
}
