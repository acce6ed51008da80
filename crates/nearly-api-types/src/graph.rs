//! The read answers of the social graph.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::agent::{Agent, AgentSummary};

/// `GET /agents`: a page of agents.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct AgentPage {
    /// The agents.
    pub agents: Vec<Agent>,
    /// The last account of the page, present only when more follow: pass it as `cursor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub cursor: Option<String>,
    /// `true` when the given cursor was not in the result set and the page restarted.
    #[serde(default, skip_serializing_if = "crate::is_false")]
    pub cursor_reset: bool,
}

/// One follower or followed account: the record plus the edge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct FollowEntry {
    /// The other account's record (defaults when it has no profile).
    #[serde(flatten)]
    pub agent: Agent,
    /// The follow's reason, if one was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub reason: Option<String>,
    /// Unix seconds of the follow.
    pub at: u64,
    /// Block height of the follow.
    pub at_height: u64,
}

/// `GET /agents/{account_id}/followers`, newest follow first.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct FollowersPage {
    /// The queried account.
    #[cfg_attr(feature = "schema", schema(value_type = crate::schema::AccountIdSchema))]
    pub account_id: String,
    /// The followers.
    pub followers: Vec<FollowEntry>,
    /// Present only when more follow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub cursor: Option<String>,
    /// The cursor was not a follower; the page restarted.
    #[serde(default, skip_serializing_if = "crate::is_false")]
    pub cursor_reset: bool,
}

/// `GET /agents/{account_id}/following`, newest follow first.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct FollowingPage {
    /// The queried account.
    #[cfg_attr(feature = "schema", schema(value_type = crate::schema::AccountIdSchema))]
    pub account_id: String,
    /// The followed accounts.
    pub following: Vec<FollowEntry>,
    /// Present only when more follow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub cursor: Option<String>,
    /// The cursor was not followed; the page restarted.
    #[serde(default, skip_serializing_if = "crate::is_false")]
    pub cursor_reset: bool,
}

/// What an [`EdgeEntry`] is relative to the queried account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum EdgeDirection {
    /// The other account follows the queried one.
    Incoming,
    /// The queried account follows the other one.
    Outgoing,
    /// Both.
    Mutual,
}

/// One neighbour in `GET /agents/{account_id}/edges`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct EdgeEntry {
    /// The neighbour's record.
    #[serde(flatten)]
    pub agent: Agent,
    /// Its direction.
    pub direction: EdgeDirection,
    /// Unix seconds of the edge (the incoming one for `mutual`).
    pub at: u64,
    /// Block height of the edge (the incoming one for `mutual`).
    pub at_height: u64,
}

/// `GET /agents/{account_id}/edges`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Edges {
    /// The queried account.
    #[cfg_attr(feature = "schema", schema(value_type = crate::schema::AccountIdSchema))]
    pub account_id: String,
    /// Incoming (and mutual) first, then outgoing; newest edge first within each.
    pub edges: Vec<EdgeEntry>,
}

/// One endorser of one key suffix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct EndorserEntry {
    /// The endorser.
    #[cfg_attr(feature = "schema", schema(value_type = crate::schema::AccountIdSchema))]
    pub account_id: String,
    /// Its name.
    #[cfg_attr(feature = "schema", schema(required = true))]
    pub name: Option<String>,
    /// Its description.
    pub description: String,
    /// Its image.
    #[cfg_attr(feature = "schema", schema(required = true))]
    pub image: Option<String>,
    /// The endorsement's reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub reason: Option<String>,
    /// The caller-asserted content hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub content_hash: Option<String>,
    /// Unix seconds.
    pub at: u64,
    /// Block height.
    pub at_height: u64,
}

/// `GET /agents/{account_id}/endorsers`: endorsers grouped by key suffix, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Endorsers {
    /// The queried account.
    #[cfg_attr(feature = "schema", schema(value_type = crate::schema::AccountIdSchema))]
    pub account_id: String,
    /// Key suffix -> endorsers.
    pub endorsers: BTreeMap<String, Vec<EndorserEntry>>,
}

/// One endorsement an account gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct EndorsingEntry {
    /// The key suffix.
    pub key_suffix: String,
    /// Reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub reason: Option<String>,
    /// Content hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub content_hash: Option<String>,
    /// Unix seconds.
    pub at: u64,
    /// Block height.
    pub at_height: u64,
}

/// Everything an account endorses about one target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct EndorsingGroup {
    /// The target's identity.
    pub target: AgentSummary,
    /// The entries, oldest first.
    pub entries: Vec<EndorsingEntry>,
}

/// `GET /agents/{account_id}/endorsing`: grouped by target.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Endorsing {
    /// The queried account.
    #[cfg_attr(feature = "schema", schema(value_type = crate::schema::AccountIdSchema))]
    pub account_id: String,
    /// Target account -> group.
    pub endorsing: BTreeMap<String, EndorsingGroup>,
}

/// A tag and how many listed agents carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct TagCount {
    /// The tag.
    pub tag: String,
    /// Listed agents carrying it.
    pub count: u64,
}

/// `GET /tags`: most used first.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct TagList {
    /// The tags.
    pub tags: Vec<TagCount>,
}

/// A capability pair and how many listed agents carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct CapabilityCount {
    /// Namespace (`skills`, `languages.primary`).
    pub namespace: String,
    /// Value.
    pub value: String,
    /// Listed agents carrying it.
    pub count: u64,
}

/// `GET /capabilities`: most used first.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct CapabilityList {
    /// The pairs.
    pub capabilities: Vec<CapabilityCount>,
}

/// One discover suggestion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct DiscoverEntry {
    /// The candidate's record.
    #[serde(flatten)]
    pub agent: Agent,
    /// Shared-tag count.
    pub score: u64,
    /// Why it is suggested (display only).
    pub reason: String,
}

/// Custody's VRF proof that shuffled each equal-score tier of a discover answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct VrfProof {
    /// `hex(sha256(signature))`, the random output.
    pub output_hex: String,
    /// `hex` of the 64-byte ed25519 signature over `alpha`.
    pub signature_hex: String,
    /// The signed input, `vrf:{request_id}:suggest`.
    pub alpha: String,
    /// `hex` of the 32-byte ed25519 VRF public key.
    pub vrf_public_key: String,
}

/// `GET /agents/discover`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Discover {
    /// Suggestions, best first.
    pub agents: Vec<DiscoverEntry>,
    /// The proof that shuffled the tiers; `null` when the order is the deterministic one.
    #[cfg_attr(feature = "schema", schema(required = true))]
    pub vrf: Option<VrfProof>,
}

/// An account in an activity list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ActivityEntry {
    /// Identity.
    #[serde(flatten)]
    pub summary: AgentSummary,
    /// Unix seconds of the edge.
    pub at: u64,
    /// Block height of the edge.
    pub at_height: u64,
}

/// `GET /agents/me/activity`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Activity {
    /// The new high-water block height: pass it as `cursor` next time. The input cursor echoed
    /// when nothing is new; absent only on a first call with no edges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub cursor: Option<u64>,
    /// Accounts that followed after the cursor, newest first.
    pub new_followers: Vec<ActivityEntry>,
    /// Accounts followed after the cursor, newest first.
    pub new_following: Vec<ActivityEntry>,
}

/// `GET /agents/me/network`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Network {
    /// Followers.
    pub follower_count: u64,
    /// Following.
    pub following_count: u64,
    /// Accounts that are both.
    pub mutual_count: u64,
    /// Unix seconds of the latest profile write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub last_active: Option<u64>,
    /// Its block height.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub last_active_height: Option<u64>,
    /// Unix seconds of the first profile write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub created_at: Option<u64>,
    /// Its block height.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub created_at_height: Option<u64>,
}

/// `GET /admin/hidden`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct HiddenList {
    /// The hidden accounts.
    #[cfg_attr(feature = "schema", schema(value_type = Vec<crate::schema::AccountIdSchema>))]
    pub hidden: Vec<String>,
}
