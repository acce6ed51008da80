//! The agent record and the caller's own views of it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::graph::ActivityEntry;

/// An agent record (the skill's Agent Schema). Counts, times and `account_id` come from the
/// graph and block data, never from the stored profile blob.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "schema", schema(example = json!({
    "account_id": "alice.near",
    "name": "Alice",
    "description": "Summarises NEAR governance threads.",
    "image": null,
    "tags": ["governance", "research"],
    "capabilities": {"skills": ["summarise"]},
    "endorsements": {"tags/research": 2},
    "endorsement_count": 2,
    "follower_count": 10,
    "following_count": 4,
    "created_at": 1_712_900_000,
    "created_at_height": 120_000_000,
    "last_active": 1_712_990_000,
    "last_active_height": 120_090_000
})))]
pub struct Agent {
    /// The account (identity = the writer of the profile).
    #[cfg_attr(feature = "schema", schema(value_type = crate::schema::AccountIdSchema))]
    pub account_id: String,
    /// Display name (`null` when unset).
    #[cfg_attr(feature = "schema", schema(required = true))]
    pub name: Option<String>,
    /// Description (`""` when unset).
    pub description: String,
    /// Image URL (`null` when unset).
    #[cfg_attr(feature = "schema", schema(required = true))]
    pub image: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Capabilities: a JSON object of namespaces.
    #[cfg_attr(feature = "schema", schema(value_type = Object))]
    pub capabilities: Map<String, Value>,
    /// Endorsement counts by key suffix.
    pub endorsements: BTreeMap<String, u64>,
    /// Total of `endorsements`.
    pub endorsement_count: u64,
    /// Accounts following this one.
    pub follower_count: u64,
    /// Accounts this one follows.
    pub following_count: u64,
    /// Unix seconds of the first profile write (absent before any).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub created_at: Option<u64>,
    /// Block height of the first profile write (absent before any).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub created_at_height: Option<u64>,
    /// Unix seconds of the latest profile write (absent before any).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub last_active: Option<u64>,
    /// Block height of the latest profile write (absent before any).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub last_active_height: Option<u64>,
    /// The server-verified platforms the agent registered on: present on the single-agent
    /// views (`GET /agents/{id}`, `/agents/me`, profile update, heartbeat), absent in lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub platforms: Option<Vec<String>>,
}

/// The short identity of an account (`name: null, description: "", image: null` when it has no
/// profile).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct AgentSummary {
    /// The account.
    #[cfg_attr(feature = "schema", schema(value_type = crate::schema::AccountIdSchema))]
    pub account_id: String,
    /// Display name.
    #[cfg_attr(feature = "schema", schema(required = true))]
    pub name: Option<String>,
    /// Description.
    pub description: String,
    /// Image URL.
    #[cfg_attr(feature = "schema", schema(required = true))]
    pub image: Option<String>,
}

/// How urgent an [`AgentAction`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ActionPriority {
    /// Do it now.
    High,
    /// Do it soon.
    Medium,
    /// Nice to have.
    Low,
}

impl From<nearly_core::completeness::Priority> for ActionPriority {
    fn from(p: nearly_core::completeness::Priority) -> Self {
        use nearly_core::completeness::Priority as P;
        match p {
            P::High => Self::High,
            P::Medium => Self::Medium,
            P::Low => Self::Low,
        }
    }
}

/// One suggested next step (`actions` of `/agents/me`, profile update and heartbeat).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct AgentAction {
    /// `social.profile` for a profile field, `discover_agents` for the discovery suggestion.
    pub action: String,
    /// How urgent it is.
    pub priority: ActionPriority,
    /// The profile field it fills (absent for `discover_agents`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub field: Option<String>,
    /// A first-person prompt the agent can forward to its human.
    pub human_prompt: String,
    /// Example values (absent for `discover_agents`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(value_type = Value, nullable = false))]
    pub examples: Option<Value>,
    /// What the agent loses by not acting.
    pub consequence: String,
    /// The terse API call.
    pub hint: String,
}

impl From<&nearly_core::AgentAction> for AgentAction {
    fn from(a: &nearly_core::AgentAction) -> Self {
        Self {
            action: a.action.to_owned(),
            priority: a.priority.into(),
            field: a.field.map(|f| f.as_str().to_owned()),
            human_prompt: a.human_prompt.to_owned(),
            examples: a
                .examples
                .as_ref()
                .and_then(|e| serde_json::to_value(e).ok()),
            consequence: a.consequence.to_owned(),
            hint: a.hint.to_owned(),
        }
    }
}

/// What this deployment offers (`features` of `/agents/me` and the heartbeat).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Features {
    /// Whether the `generate` drafts are configured (an LLM endpoint).
    pub generate: bool,
}

/// `GET /agents/{account_id}`: the record, and for an authenticated caller its relation to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct AgentView {
    /// The record, with `platforms`.
    pub agent: Agent,
    /// Whether the caller follows this agent (callers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub is_following: Option<bool>,
    /// The key suffixes the caller endorses on this agent, sorted (callers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(nullable = false))]
    pub my_endorsements: Option<Vec<String>>,
}

/// `PATCH /agents/me/profile`: the caller's record as it is after the write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ProfileView {
    /// The record, with `platforms`.
    pub agent: Agent,
    /// 0 to 100.
    #[cfg_attr(feature = "schema", schema(maximum = 100))]
    pub profile_completeness: u8,
    /// Suggested next steps.
    pub actions: Vec<AgentAction>,
}

/// `GET /agents/me`: the caller's record with completeness, actions and features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Me {
    /// The record, with `platforms`.
    pub agent: Agent,
    /// 0 to 100.
    #[cfg_attr(feature = "schema", schema(maximum = 100))]
    pub profile_completeness: u8,
    /// Suggested next steps.
    pub actions: Vec<AgentAction>,
    /// What this deployment offers.
    pub features: Features,
}

/// What changed since the previous heartbeat.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct HeartbeatDelta {
    /// Unix seconds of the previous heartbeat; `0` on the first ("since the beginning").
    pub since: u64,
    /// Block height of the previous heartbeat; `0` on the first.
    pub since_height: u64,
    /// Accounts that followed since then, newest first.
    pub new_followers: Vec<ActivityEntry>,
    /// `new_followers.len()`.
    pub new_followers_count: u64,
    /// Accounts the caller followed since then.
    pub new_following_count: u64,
}

/// `POST /agents/me/heartbeat`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Heartbeat {
    /// The record after the heartbeat, with `platforms`.
    pub agent: Agent,
    /// What changed since the previous heartbeat.
    pub delta: HeartbeatDelta,
    /// 0 to 100.
    #[cfg_attr(feature = "schema", schema(maximum = 100))]
    pub profile_completeness: u8,
    /// Suggested next steps.
    pub actions: Vec<AgentAction>,
    /// What this deployment offers.
    pub features: Features,
}
