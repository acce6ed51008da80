//! The caller's own record: update the profile, heartbeat, delist, and the view they answer with.

use indexer::{ActivityEntry, Agent};
use nearly_core::{
    AccountId, AgentAction, Profile, ProfilePatch, delist_profile_writes, profile_actions,
    profile_completeness, profile_writes,
};
use serde_json::Value;

use super::write::keyed;
use super::{App, AppError, AppResult};
use crate::auth::Caller;

/// The caller's record as the index holds it now, with its server-verified platforms, profile
/// completeness (0 to 100) and the suggested next steps.
#[derive(Debug, Clone, PartialEq)]
pub struct MeView {
    /// The record (defaults when the account has no profile).
    pub agent: Agent,
    /// Server-verified platform ids (empty when the platform store is unavailable, logged).
    pub platforms: Vec<String>,
    /// Profile completeness.
    pub profile_completeness: u8,
    /// Suggested next steps.
    pub actions: Vec<AgentAction>,
}

/// What changed since the caller's previous heartbeat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeartbeatDelta {
    /// Unix seconds of the previous heartbeat's profile write; 0 on the first heartbeat
    /// ("since the beginning").
    pub since: u64,
    /// Its block height; 0 on the first heartbeat.
    pub since_height: u64,
    /// Accounts that followed since, newest first.
    pub new_followers: Vec<ActivityEntry>,
    /// How many accounts the caller followed since.
    pub new_following_count: usize,
}

/// A heartbeat's answer: the record after the write and the delta.
#[derive(Debug, Clone, PartialEq)]
pub struct HeartbeatOutcome {
    /// The record after the write.
    pub me: MeView,
    /// What changed since the previous heartbeat.
    pub delta: HeartbeatDelta,
}

/// A delist's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delisted {
    /// The delisted account.
    pub account_id: AccountId,
    /// How many keys were null-written.
    pub removed_keys: usize,
}

impl App {
    /// The caller's record (see [`MeView`]).
    ///
    /// # Errors
    ///
    /// [`AppError::NotFound`] when the caller has no profile yet.
    pub async fn me(&self, account: &AccountId) -> AppResult<MeView> {
        if !self.index.read().has_profile(account.as_str()) {
            return Err(AppError::NotFound(format!(
                "Agent {account} has no profile yet: POST /agents/me/heartbeat creates one"
            )));
        }
        Ok(self.me_view(account).await)
    }

    /// The record as the index holds it now, defaults when the account has no profile.
    pub(crate) async fn me_view(&self, account: &AccountId) -> MeView {
        let (agent, profile_completeness, actions) = {
            let graph = self.index.read();
            let fallback = Profile::default();
            let profile = graph.profile(account.as_str()).unwrap_or(&fallback);
            (
                graph.agent_or_default(account.as_str()),
                profile_completeness(profile),
                profile_actions(profile),
            )
        };
        MeView {
            agent,
            platforms: self.platforms_of(account).await,
            profile_completeness,
            actions,
        }
    }

    /// The agent's server-verified platform ids (empty, logged, when the store fails).
    pub async fn platforms_of(&self, account: &AccountId) -> Vec<String> {
        match self.platform_store.platforms(account).await {
            Ok(ids) => ids,
            Err(e) => {
                tracing::warn!(error = %e, "platform store unavailable; answering without platforms");
                Vec::new()
            }
        }
    }

    /// `update_profile`: applies `patch` to the caller's profile (defaults when it has none)
    /// and writes the changed keys (tag and capability index entries included).
    ///
    /// # Errors
    ///
    /// A write failure.
    pub async fn update_profile(&self, caller: &Caller, patch: &ProfilePatch) -> AppResult<MeView> {
        let previous = self
            .index
            .read()
            .profile(caller.account_id.as_str())
            .cloned();
        let mut next = previous.clone().unwrap_or_default();
        next.apply(patch);
        self.commit(caller, &keyed(profile_writes(&next, previous.as_ref())))
            .await?;
        Ok(self.me_view(&caller.account_id).await)
    }

    /// `heartbeat`: re-writes the caller's profile (a default one on the first heartbeat),
    /// which moves `last_active`, and answers the delta since the previous heartbeat.
    ///
    /// # Errors
    ///
    /// A write failure.
    pub async fn heartbeat(&self, caller: &Caller) -> AppResult<HeartbeatOutcome> {
        let account = &caller.account_id;
        let (previous, since, since_height, activity) = {
            let graph = self.index.read();
            let record = graph.agent(account.as_str());
            let since = record.as_ref().and_then(|a| a.last_active);
            let since_height = record.as_ref().and_then(|a| a.last_active_height);
            (
                graph.profile(account.as_str()).cloned(),
                since,
                since_height,
                graph.activity(account.as_str(), since_height),
            )
        };
        let writes = match &previous {
            Some(p) => profile_writes(p, Some(p)),
            None => profile_writes(&Profile::default(), None),
        };
        self.commit(caller, &keyed(writes)).await?;
        Ok(HeartbeatOutcome {
            me: self.me_view(account).await,
            delta: HeartbeatDelta {
                since: since.unwrap_or(0),
                since_height: since_height.unwrap_or(0),
                new_following_count: activity.new_following.len(),
                new_followers: activity.new_followers,
            },
        })
    }

    /// `delist`: null-writes the caller's profile, tag and capability keys, follows and
    /// endorsements (others' follows and endorsements of it stay; the admin's `hidden/` keys
    /// are not the caller's to remove).
    ///
    /// # Errors
    ///
    /// [`AppError::NotFound`] when the caller has no profile; a write failure.
    pub async fn delist(&self, caller: &Caller) -> AppResult<Delisted> {
        let account = &caller.account_id;
        let keys = {
            let graph = self.index.read();
            let Some(profile) = graph.profile(account.as_str()) else {
                return Err(AppError::NotFound(format!(
                    "Agent {account} has no profile to delist"
                )));
            };
            let mut keys: Vec<String> = delist_profile_writes(profile)
                .into_iter()
                .map(|(k, _)| k.to_key_string())
                .collect();
            keys.extend(
                graph
                    .keys_of(account.as_str())
                    .into_iter()
                    .filter(|k| !k.starts_with("hidden/")),
            );
            keys.sort();
            keys.dedup();
            keys
        };
        let writes: Vec<(String, Value)> = keys.into_iter().map(|k| (k, Value::Null)).collect();
        self.commit(caller, &writes).await?;
        Ok(Delisted {
            account_id: account.clone(),
            removed_keys: writes.len(),
        })
    }
}
