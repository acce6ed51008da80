//! Index and application values into the wire types of `nearly-api-types`: the answers'
//! `data`, built as types, never as JSON literals.

use nearly_api_types as wire;

use crate::app::{self, MeView, TargetError};
use crate::state::{AppState, IndexStatus};

/// An index record, with the server-verified platforms on the single-agent views.
pub(crate) fn agent(a: &indexer::Agent, platforms: Option<Vec<String>>) -> wire::Agent {
    wire::Agent {
        account_id: a.account_id.clone(),
        name: a.name.clone(),
        description: a.description.clone(),
        image: a.image.clone(),
        tags: a.tags.clone(),
        capabilities: a.capabilities.clone(),
        endorsements: a.endorsements.clone(),
        endorsement_count: a.endorsement_count,
        follower_count: a.follower_count,
        following_count: a.following_count,
        created_at: a.created_at,
        created_at_height: a.created_at_height,
        last_active: a.last_active,
        last_active_height: a.last_active_height,
        platforms,
    }
}

fn summary(s: &indexer::AgentSummary) -> wire::AgentSummary {
    wire::AgentSummary {
        account_id: s.account_id.clone(),
        name: s.name.clone(),
        description: s.description.clone(),
        image: s.image.clone(),
    }
}

fn activity_entry(e: &indexer::ActivityEntry) -> wire::ActivityEntry {
    wire::ActivityEntry {
        summary: summary(&e.summary),
        at: e.at,
        at_height: e.at_height,
    }
}

fn actions(view: &MeView) -> Vec<wire::AgentAction> {
    view.actions.iter().map(wire::AgentAction::from).collect()
}

/// What this deployment offers.
pub(crate) fn features(state: &AppState) -> wire::Features {
    wire::Features {
        generate: state.llm.is_some(),
    }
}

/// `GET /agents/me`.
pub(crate) fn me(view: &MeView, features: wire::Features) -> wire::Me {
    wire::Me {
        agent: agent(&view.agent, Some(view.platforms.clone())),
        profile_completeness: view.profile_completeness,
        actions: actions(view),
        features,
    }
}

/// `PATCH /agents/me/profile`.
pub(crate) fn profile_view(view: &MeView) -> wire::ProfileView {
    wire::ProfileView {
        agent: agent(&view.agent, Some(view.platforms.clone())),
        profile_completeness: view.profile_completeness,
        actions: actions(view),
    }
}

/// `POST /agents/me/heartbeat`.
pub(crate) fn heartbeat(
    outcome: &app::HeartbeatOutcome,
    features: wire::Features,
) -> wire::Heartbeat {
    let delta = &outcome.delta;
    wire::Heartbeat {
        agent: agent(&outcome.me.agent, Some(outcome.me.platforms.clone())),
        delta: wire::HeartbeatDelta {
            since: delta.since,
            since_height: delta.since_height,
            new_followers: delta.new_followers.iter().map(activity_entry).collect(),
            new_followers_count: count(delta.new_followers.len()),
            new_following_count: count(delta.new_following_count),
        },
        profile_completeness: outcome.me.profile_completeness,
        actions: actions(&outcome.me),
        features,
    }
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// `POST /agents/{id}/follow` and `DELETE ...`.
pub(crate) fn follow_results(outcome: &app::FollowOutcome) -> wire::FollowResults {
    let results = outcome
        .batch
        .results
        .iter()
        .map(|app::Target { account_id, result }| {
            let action = match result {
                app::FollowResult::Followed => wire::FollowAction::Followed,
                app::FollowResult::AlreadyFollowing => wire::FollowAction::AlreadyFollowing,
                app::FollowResult::Unfollowed => wire::FollowAction::Unfollowed,
                app::FollowResult::NotFollowing => wire::FollowAction::NotFollowing,
                app::FollowResult::Failed(TargetError { code, message }) => {
                    return wire::FollowResult::error(account_id, *code, message);
                }
            };
            wire::FollowResult::new(account_id, action)
        })
        .collect();
    wire::FollowResults {
        results,
        your_network: wire::NetworkCounts {
            following_count: outcome.network.following_count,
            follower_count: outcome.network.follower_count,
        },
    }
}

fn skipped(s: &[app::Skipped]) -> Vec<wire::SkippedSuffix> {
    s.iter()
        .map(|s| wire::SkippedSuffix {
            key_suffix: s.key_suffix.clone(),
            reason: s.reason.clone(),
        })
        .collect()
}

/// `POST /agents/{id}/endorse` and `DELETE ...`.
pub(crate) fn endorse_results(
    outcome: &app::BatchOutcome<app::EndorseResult>,
) -> wire::EndorseResults {
    let results = outcome
        .results
        .iter()
        .map(|app::Target { account_id, result }| match result {
            app::EndorseResult::Endorsed {
                endorsed,
                already_endorsed,
                skipped: refused,
            } => wire::EndorseResult {
                already_endorsed: (!already_endorsed.is_empty()).then(|| already_endorsed.clone()),
                skipped: (!refused.is_empty()).then(|| skipped(refused)),
                ..wire::EndorseResult::endorsed(account_id, endorsed.clone())
            },
            app::EndorseResult::Unendorsed { removed } => {
                wire::EndorseResult::unendorsed(account_id, removed.clone())
            }
            app::EndorseResult::NoValidSuffix { skipped: refused } => wire::EndorseResult {
                skipped: Some(skipped(refused)),
                ..wire::EndorseResult::error(
                    account_id,
                    nearly_core::ErrorCode::ValidationError,
                    "no valid key_suffix to endorse",
                )
            },
            app::EndorseResult::Failed(TargetError { code, message }) => {
                wire::EndorseResult::error(account_id, *code, message)
            }
        })
        .collect();
    wire::EndorseResults { results }
}

/// `DELETE /agents/me`.
pub(crate) fn delisted(d: &app::Delisted) -> wire::Delisted {
    wire::Delisted {
        account_id: d.account_id.to_string(),
        action: wire::DelistAction::Delisted,
        removed_keys: count(d.removed_keys),
    }
}

/// `POST` and `DELETE /admin/hidden/{id}`.
pub(crate) fn hidden_change(c: &app::HiddenChange) -> wire::HiddenChange {
    wire::HiddenChange {
        account_id: c.account_id.to_string(),
        action: if c.hidden {
            wire::HiddenAction::Hidden
        } else {
            wire::HiddenAction::Unhidden
        },
    }
}

/// `POST /agents/me/platforms`.
pub(crate) fn platform_registration(r: app::Registered) -> wire::PlatformRegistration {
    let platforms = r
        .platforms
        .into_iter()
        .map(|(id, outcome)| {
            let outcome = match outcome {
                app::PlatformOutcome::Registered(credentials) => wire::PlatformOutcome {
                    success: true,
                    credentials: Some(credentials),
                    error: None,
                },
                app::PlatformOutcome::Failed(error) => wire::PlatformOutcome {
                    success: false,
                    credentials: None,
                    error: Some(error),
                },
            };
            (id, outcome)
        })
        .collect();
    wire::PlatformRegistration {
        platforms,
        registered: r.registered,
    }
}

/// `GET /platforms`.
pub(crate) fn platform_list() -> wire::PlatformList {
    wire::PlatformList {
        platforms: crate::platforms::PLATFORMS
            .iter()
            .map(|p| wire::PlatformInfo {
                id: p.id.to_owned(),
                display_name: p.display_name.to_owned(),
                description: p.description.to_owned(),
                requires_wallet_key: p.requires_wallet_key,
            })
            .collect(),
    }
}

/// `GET /tags`.
pub(crate) fn tag_list(tags: Vec<indexer::TagCount>) -> wire::TagList {
    wire::TagList {
        tags: tags
            .into_iter()
            .map(|t| wire::TagCount {
                tag: t.tag,
                count: t.count,
            })
            .collect(),
    }
}

/// `GET /capabilities`.
pub(crate) fn capability_list(caps: Vec<indexer::CapabilityCount>) -> wire::CapabilityList {
    wire::CapabilityList {
        capabilities: caps
            .into_iter()
            .map(|c| wire::CapabilityCount {
                namespace: c.namespace,
                value: c.value,
                count: c.count,
            })
            .collect(),
    }
}

/// `GET /agents/discover`.
pub(crate) fn discover(
    agents: &[indexer::DiscoverEntry],
    vrf: Option<outlayer_client::wire::VrfProof>,
) -> wire::Discover {
    wire::Discover {
        agents: agents
            .iter()
            .map(|e| wire::DiscoverEntry {
                agent: agent(&e.agent, None),
                score: count(e.score),
                reason: e.reason.clone(),
            })
            .collect(),
        vrf: vrf.map(|p| wire::VrfProof {
            output_hex: p.output_hex,
            signature_hex: p.signature_hex,
            alpha: p.alpha,
            vrf_public_key: p.vrf_public_key,
        }),
    }
}

/// `GET /health`.
pub(crate) fn health(version: &str, index: IndexStatus) -> wire::Health {
    let state = match index.state.as_str() {
        "starting" => wire::IndexState::Starting,
        "catching_up" => wire::IndexState::CatchingUp,
        "ready" => wire::IndexState::Ready,
        other => {
            if other != "degraded" {
                tracing::warn!(state = other, "unknown index state; reporting degraded");
            }
            wire::IndexState::Degraded
        }
    };
    let detail = index.detail;
    wire::Health {
        status: wire::HealthStatus::Ok,
        version: version.to_owned(),
        agent_count: index.agent_count,
        index: wire::IndexStatus {
            state,
            ready: index.ready,
            agent_count: index.agent_count,
            height: index.height,
            source_height: detail.as_ref().and_then(|d| d.source_height),
            lag_blocks: detail.as_ref().and_then(|d| d.lag_blocks),
            lag_seconds: detail.as_ref().and_then(|d| d.lag_seconds),
            last_success: detail.as_ref().and_then(|d| d.last_success),
            last_error: detail.as_ref().and_then(|d| d.last_error.clone()),
            incomplete_scans: detail.as_ref().map(|d| d.incomplete_scans),
            reconcile_differences: detail.as_ref().map(|d| d.reconcile_differences),
        },
    }
}
