//! Inputs (writes, versions) and the plain result types every query returns.
//!
//! Result types serialize with the JSON field names of the skill's responses (the indexer's own
//! tests read them as JSON), but they are not the wire: the HTTP layer converts each into its
//! `nearly-api-types` type, and its tests prove the two serialize alike.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

/// The version of one write of one `(predecessor, key)`: block height, then position in the
/// block. Higher wins; an equal version is the same write seen twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Version {
    /// Block height.
    pub height: u64,
    /// Position of the entry in its block (0 when the source does not say, as FastData reads).
    pub position: u32,
}

impl Version {
    /// A version.
    #[must_use]
    pub fn new(height: u64, position: u32) -> Self {
        Self { height, position }
    }
}

/// One FastData write as the indexer applies it. `predecessor` is the writer (identity);
/// `block_timestamp_ns` is the only time the indexer uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Write {
    /// The writer (the receipt's predecessor account).
    pub predecessor: String,
    /// The FastData key.
    pub key: String,
    /// The value; `None` is a deletion (tombstone).
    pub value: Option<Value>,
    /// Height and position of the write.
    pub version: Version,
    /// Block timestamp in nanoseconds.
    pub block_timestamp_ns: u64,
}

/// Sort order of [`crate::Graph::list_agents`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Block time of the latest `profile` write, newest first.
    #[default]
    Active,
    /// Block time of the first `profile` write, newest first.
    Newest,
}

/// Direction filter of [`crate::Graph::edges`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Accounts following this one.
    Incoming,
    /// Accounts this one follows.
    Outgoing,
    /// Both, mutual follows once with direction `mutual`.
    #[default]
    Both,
}

/// What an [`EdgeEntry`] is relative to the queried account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EdgeDirection {
    /// The other account follows the queried one.
    Incoming,
    /// The queried account follows the other one.
    Outgoing,
    /// Both (only with [`Direction::Both`]).
    Mutual,
}

/// An agent record (the skill's Agent Schema). Counts, times and `account_id` come from the
/// graph and block data, never from the stored blob.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agent {
    /// The account (identity = the writer's predecessor).
    pub account_id: String,
    /// Display name.
    pub name: Option<String>,
    /// Description (`""` when absent).
    pub description: String,
    /// Image URL as stored.
    pub image: Option<String>,
    /// Tags from the profile blob.
    pub tags: Vec<String>,
    /// Capabilities object from the profile blob.
    pub capabilities: Map<String, Value>,
    /// Endorsement counts by key suffix.
    pub endorsements: BTreeMap<String, u64>,
    /// Total of `endorsements`.
    pub endorsement_count: u64,
    /// Number of accounts following this one.
    pub follower_count: u64,
    /// Number of accounts this one follows.
    pub following_count: u64,
    /// Unix seconds of the first `profile` write.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<u64>,
    /// Block height of the first `profile` write.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at_height: Option<u64>,
    /// Unix seconds of the latest `profile` write.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_active: Option<u64>,
    /// Block height of the latest `profile` write.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_active_height: Option<u64>,
}

/// The short identity of an account (`name: null, description: "", image: null` when it has no
/// profile).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentSummary {
    /// The account.
    pub account_id: String,
    /// Display name.
    pub name: Option<String>,
    /// Description.
    pub description: String,
    /// Image URL.
    pub image: Option<String>,
}

/// A page of `GET /agents`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentPage {
    /// The agents.
    pub agents: Vec<Agent>,
    /// The last account of the page, present only when more follow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// `true` when the given cursor was not in the result set and the page restarted.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub cursor_reset: bool,
}

/// One follower or followed account: the agent record plus the edge.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FollowEntry {
    /// The other account's record (defaults when it has no profile).
    #[serde(flatten)]
    pub agent: Agent,
    /// The follow's reason, if written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Unix seconds of the follow.
    pub at: u64,
    /// Block height of the follow.
    pub at_height: u64,
}

/// A page of `GET /agents/{id}/followers`, newest follow first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FollowersPage {
    /// The queried account.
    pub account_id: String,
    /// The followers.
    pub followers: Vec<FollowEntry>,
    /// Present only when more follow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// The cursor was not a follower; the page restarted.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub cursor_reset: bool,
}

/// A page of `GET /agents/{id}/following`, newest follow first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FollowingPage {
    /// The queried account.
    pub account_id: String,
    /// The followed accounts.
    pub following: Vec<FollowEntry>,
    /// Present only when more follow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// The cursor was not followed; the page restarted.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub cursor_reset: bool,
}

/// One neighbour in `GET /agents/{id}/edges`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EdgeEntry {
    /// The neighbour's record.
    #[serde(flatten)]
    pub agent: Agent,
    /// Its direction.
    pub direction: EdgeDirection,
    /// Unix seconds of the edge (the incoming edge for `mutual`).
    pub at: u64,
    /// Block height of the edge (the incoming edge for `mutual`).
    pub at_height: u64,
}

/// `GET /agents/{id}/edges`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Edges {
    /// The queried account.
    pub account_id: String,
    /// Incoming (and mutual) first, then outgoing; newest edge first within each.
    pub edges: Vec<EdgeEntry>,
}

/// One endorser of one suffix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EndorserEntry {
    /// The endorser.
    pub account_id: String,
    /// Its name.
    pub name: Option<String>,
    /// Its description.
    pub description: String,
    /// Its image.
    pub image: Option<String>,
    /// The endorsement's reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The caller-asserted content hash.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_hash: Option<String>,
    /// Unix seconds.
    pub at: u64,
    /// Block height.
    pub at_height: u64,
}

/// `GET /agents/{id}/endorsers`: endorsers grouped by key suffix, oldest first in each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Endorsers {
    /// The queried account.
    pub account_id: String,
    /// Suffix -> endorsers.
    pub endorsers: BTreeMap<String, Vec<EndorserEntry>>,
}

/// One endorsement an account gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EndorsingEntry {
    /// The key suffix.
    pub key_suffix: String,
    /// Reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Content hash.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_hash: Option<String>,
    /// Unix seconds.
    pub at: u64,
    /// Block height.
    pub at_height: u64,
}

/// Everything an account endorses about one target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EndorsingGroup {
    /// The target's identity (defaults when it has no profile).
    pub target: AgentSummary,
    /// The entries, oldest first.
    pub entries: Vec<EndorsingEntry>,
}

/// `GET /agents/{id}/endorsing`: grouped by target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Endorsing {
    /// The queried account.
    pub account_id: String,
    /// Target -> group.
    pub endorsing: BTreeMap<String, EndorsingGroup>,
}

/// A tag and how many listed agents carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TagCount {
    /// The tag.
    pub tag: String,
    /// Listed agents (with a profile, not hidden) carrying its `tag/*` key.
    pub count: u64,
}

/// A capability pair and how many listed agents carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CapabilityCount {
    /// Namespace (`skills`, `languages.primary`).
    pub namespace: String,
    /// Value.
    pub value: String,
    /// Listed agents carrying its `cap/*` key.
    pub count: u64,
}

/// One discover suggestion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiscoverEntry {
    /// The candidate's record.
    #[serde(flatten)]
    pub agent: Agent,
    /// Shared-tag count.
    pub score: usize,
    /// Display-only reason string.
    pub reason: String,
}

/// An account in an activity list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Activity {
    /// New high-water height; the input cursor echoed when nothing is new; absent only on a
    /// first call with no edges.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<u64>,
    /// Accounts that followed after the cursor, newest first.
    pub new_followers: Vec<ActivityEntry>,
    /// Accounts followed after the cursor, newest first.
    pub new_following: Vec<ActivityEntry>,
}

/// `GET /agents/me/network`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Network {
    /// Followers.
    pub follower_count: u64,
    /// Following.
    pub following_count: u64,
    /// Accounts that are both.
    pub mutual_count: u64,
    /// Unix seconds of the latest profile write.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_active: Option<u64>,
    /// Its height.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_active_height: Option<u64>,
    /// Unix seconds of the first profile write.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<u64>,
    /// Its height.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at_height: Option<u64>,
}

/// A viewer's relation to a profile it views (`is_following`, `my_endorsements`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ViewerRelation {
    /// The viewer follows the target.
    pub is_following: bool,
    /// The key suffixes the viewer endorses on the target, sorted.
    pub my_endorsements: Vec<String>,
}

/// What applying a batch of writes did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ApplyStats {
    /// Writes that changed the index.
    pub applied: usize,
    /// Writes older than (or equal to) what the index holds: ignored.
    pub stale: usize,
    /// Keys outside the convention, malformed, or `hidden/*` not by the admin: ignored.
    pub ignored: usize,
}

impl ApplyStats {
    pub(crate) fn add(&mut self, other: Self) {
        self.applied += other.applied;
        self.stale += other.stale;
        self.ignored += other.ignored;
    }
}
