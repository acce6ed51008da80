//! Index and application values into the wire types of `nearly-api-types`: the answers'
//! `data`, built as types, never as JSON literals.

use nearly_api_types as wire;

use crate::app::{self, MeView, TargetError};
use crate::state::{AppState, IndexStatus};

/// An index record, with the server-verified platforms on the single-agent views.
pub(crate) fn agent(a: &indexer::Agent, platforms: Option<Vec<String>>) -> wire::Agent {
    into_agent(a.clone(), platforms)
}

/// An index record moved into its wire type (the read paths own their query results).
pub(crate) fn into_agent(a: indexer::Agent, platforms: Option<Vec<String>>) -> wire::Agent {
    let indexer::Agent {
        account_id,
        name,
        description,
        image,
        tags,
        capabilities,
        endorsements,
        endorsement_count,
        follower_count,
        following_count,
        created_at,
        created_at_height,
        last_active,
        last_active_height,
    } = a;
    wire::Agent {
        account_id,
        name,
        description,
        image,
        tags,
        capabilities,
        endorsements,
        endorsement_count,
        follower_count,
        following_count,
        created_at,
        created_at_height,
        last_active,
        last_active_height,
        platforms,
    }
}

fn summary(s: indexer::AgentSummary) -> wire::AgentSummary {
    let indexer::AgentSummary {
        account_id,
        name,
        description,
        image,
    } = s;
    wire::AgentSummary {
        account_id,
        name,
        description,
        image,
    }
}

fn activity_entry(e: indexer::ActivityEntry) -> wire::ActivityEntry {
    wire::ActivityEntry {
        summary: summary(e.summary),
        at: e.at,
        at_height: e.at_height,
    }
}

/// `GET /agents`.
pub(crate) fn agent_page(page: indexer::AgentPage) -> wire::AgentPage {
    wire::AgentPage {
        agents: page
            .agents
            .into_iter()
            .map(|a| into_agent(a, None))
            .collect(),
        cursor: page.cursor,
        cursor_reset: page.cursor_reset,
    }
}

fn follow_entries(entries: Vec<indexer::FollowEntry>) -> Vec<wire::FollowEntry> {
    entries
        .into_iter()
        .map(|e| wire::FollowEntry {
            agent: into_agent(e.agent, None),
            reason: e.reason,
            at: e.at,
            at_height: e.at_height,
        })
        .collect()
}

/// `GET /agents/{id}/followers`.
pub(crate) fn followers_page(page: indexer::FollowersPage) -> wire::FollowersPage {
    wire::FollowersPage {
        account_id: page.account_id,
        followers: follow_entries(page.followers),
        cursor: page.cursor,
        cursor_reset: page.cursor_reset,
    }
}

/// `GET /agents/{id}/following`.
pub(crate) fn following_page(page: indexer::FollowingPage) -> wire::FollowingPage {
    wire::FollowingPage {
        account_id: page.account_id,
        following: follow_entries(page.following),
        cursor: page.cursor,
        cursor_reset: page.cursor_reset,
    }
}

/// `GET /agents/{id}/edges`.
pub(crate) fn edges(edges: indexer::Edges) -> wire::Edges {
    wire::Edges {
        account_id: edges.account_id,
        edges: edges
            .edges
            .into_iter()
            .map(|e| wire::EdgeEntry {
                agent: into_agent(e.agent, None),
                direction: match e.direction {
                    indexer::EdgeDirection::Incoming => wire::EdgeDirection::Incoming,
                    indexer::EdgeDirection::Outgoing => wire::EdgeDirection::Outgoing,
                    indexer::EdgeDirection::Mutual => wire::EdgeDirection::Mutual,
                },
                at: e.at,
                at_height: e.at_height,
            })
            .collect(),
    }
}

/// `GET /agents/{id}/endorsers`.
pub(crate) fn endorsers(endorsers: indexer::Endorsers) -> wire::Endorsers {
    wire::Endorsers {
        account_id: endorsers.account_id,
        endorsers: endorsers
            .endorsers
            .into_iter()
            .map(|(suffix, entries)| {
                let entries = entries
                    .into_iter()
                    .map(|e| wire::EndorserEntry {
                        account_id: e.account_id,
                        name: e.name,
                        description: e.description,
                        image: e.image,
                        reason: e.reason,
                        content_hash: e.content_hash,
                        at: e.at,
                        at_height: e.at_height,
                    })
                    .collect();
                (suffix, entries)
            })
            .collect(),
    }
}

/// `GET /agents/{id}/endorsing`.
pub(crate) fn endorsing(endorsing: indexer::Endorsing) -> wire::Endorsing {
    wire::Endorsing {
        account_id: endorsing.account_id,
        endorsing: endorsing
            .endorsing
            .into_iter()
            .map(|(target, group)| {
                let group = wire::EndorsingGroup {
                    target: summary(group.target),
                    entries: group
                        .entries
                        .into_iter()
                        .map(|e| wire::EndorsingEntry {
                            key_suffix: e.key_suffix,
                            reason: e.reason,
                            content_hash: e.content_hash,
                            at: e.at,
                            at_height: e.at_height,
                        })
                        .collect(),
                };
                (target, group)
            })
            .collect(),
    }
}

/// `GET /agents/me/network`.
pub(crate) fn network(n: indexer::Network) -> wire::Network {
    wire::Network {
        follower_count: n.follower_count,
        following_count: n.following_count,
        mutual_count: n.mutual_count,
        last_active: n.last_active,
        last_active_height: n.last_active_height,
        created_at: n.created_at,
        created_at_height: n.created_at_height,
    }
}

/// `GET /agents/me/activity`.
pub(crate) fn activity(a: indexer::Activity) -> wire::Activity {
    wire::Activity {
        cursor: a.cursor,
        new_followers: a.new_followers.into_iter().map(activity_entry).collect(),
        new_following: a.new_following.into_iter().map(activity_entry).collect(),
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
            new_followers: delta
                .new_followers
                .iter()
                .cloned()
                .map(activity_entry)
                .collect(),
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
    agents: Vec<indexer::DiscoverEntry>,
    vrf: Option<outlayer_client::wire::VrfProof>,
) -> wire::Discover {
    wire::Discover {
        agents: agents
            .into_iter()
            .map(|e| wire::DiscoverEntry {
                agent: into_agent(e.agent, None),
                score: count(e.score),
                reason: e.reason,
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

#[cfg(test)]
mod tests {
    //! Every read answer built as its wire type serializes exactly as the index's result did
    //! when the handlers answered with it directly: the move to the wire types changed nothing
    //! a client sees, field by field, absent fields included.

    use serde::Serialize;
    use serde_json::Value;

    use indexer::{Direction, Indexer, IndexerConfig, ListQuery, Sort, Version, Write};

    const NS: u64 = 1_000_000_000;

    fn w(who: &str, key: &str, value: Option<Value>, height: u64) -> Write {
        Write {
            predecessor: who.into(),
            key: key.into(),
            value,
            version: Version::new(height, 0),
            block_timestamp_ns: height * 10 * NS,
        }
    }

    /// A written value, from its JSON text (the handler modules build no JSON by macro).
    fn v(text: &str) -> Option<Value> {
        Some(serde_json::from_str(text).unwrap())
    }

    /// Profiles with and without optional fields, follows with and without a reason, a follow
    /// of an account with no profile, mutual follows, endorsements with reason and hash.
    fn populated() -> Indexer {
        let ix = Indexer::new(IndexerConfig::new("contextual.near").with_admin("admin.near"));
        ix.apply_writes(&[
            w(
                "alice.near",
                "profile",
                v(
                    r#"{"name": "Alice", "description": "d", "image": "https://example.com/a.png",
                      "tags": ["rust", "defi"], "capabilities": {"skills": ["audit"]}}"#,
                ),
                1,
            ),
            w("bob.near", "profile", v(r#"{"tags": ["rust"]}"#), 2),
            w("carol.near", "profile", v(r#"{"name": "Carol"}"#), 3),
            w(
                "bob.near",
                "graph/follow/alice.near",
                v(r#"{"reason": "r"}"#),
                4,
            ),
            w("carol.near", "graph/follow/alice.near", v(r#"{}"#), 5),
            w("alice.near", "graph/follow/bob.near", v(r#"{}"#), 6),
            w("alice.near", "graph/follow/ghost.near", v(r#"{}"#), 7),
            w(
                "bob.near",
                "endorsing/alice.near/tags/rust",
                v(r#"{"reason": "good", "content_hash": "sha256:x"}"#),
                8,
            ),
            w("carol.near", "endorsing/alice.near/trusted", v(r#"{}"#), 9),
            w("alice.near", "endorsing/ghost.near/trusted", v(r#"{}"#), 10),
        ]);
        ix
    }

    fn same<A: Serialize, B: Serialize>(index: &A, wire: &B) {
        let index = serde_json::to_value(index).unwrap();
        let wire = serde_json::to_value(wire).unwrap();
        assert_eq!(wire, index);
    }

    #[test]
    fn read_answers_as_wire_types_serialize_as_the_index_results_did() {
        let ix = populated();
        let g = ix.read();
        for sort in [Sort::Active, Sort::Newest] {
            for (cursor, limit) in [(None, 1), (Some("bob.near"), 25), (Some("nobody"), 2)] {
                let page = g.list_agents(&ListQuery {
                    sort,
                    tag: None,
                    capability: None,
                    cursor,
                    limit,
                });
                same(&page, &super::agent_page(page.clone()));
            }
        }
        for account in ["alice.near", "bob.near", "ghost.near", "nobody.near"] {
            for (cursor, limit) in [(None, 1), (None, 25), (Some("nobody"), 2)] {
                let page = g.followers(account, cursor, limit);
                same(&page, &super::followers_page(page.clone()));
                let page = g.following(account, cursor, limit);
                same(&page, &super::following_page(page.clone()));
            }
            for direction in [Direction::Both, Direction::Incoming, Direction::Outgoing] {
                let edges = g.edges(account, direction, 25);
                same(&edges, &super::edges(edges.clone()));
            }
            let endorsers = g.endorsers(account);
            same(&endorsers, &super::endorsers(endorsers.clone()));
            let endorsing = g.endorsing(account);
            same(&endorsing, &super::endorsing(endorsing.clone()));
            let network = g.network(account);
            same(&network, &super::network(network.clone()));
            for after in [None, Some(0), Some(5), Some(100)] {
                let activity = g.activity(account, after);
                same(&activity, &super::activity(activity.clone()));
            }
            let discover = g.discover(account, 10, None);
            let wire = super::discover(discover.clone(), None);
            same(&discover, &wire.agents);
            if let Some(agent) = g.agent(account) {
                same(&agent, &super::into_agent(agent.clone(), None));
            }
        }
    }

    #[test]
    fn the_populated_index_exercises_the_optional_fields() {
        // Guards the equivalence test above against an index too empty to compare anything.
        let ix = populated();
        let g = ix.read();
        let followers = g.followers("alice.near", None, 25);
        assert_eq!(followers.followers.len(), 2);
        assert!(followers.followers.iter().any(|f| f.reason.is_some()));
        assert!(followers.followers.iter().any(|f| f.reason.is_none()));
        assert!(g.followers("alice.near", None, 1).cursor.is_some());
        let endorsers = g.endorsers("alice.near");
        assert!(
            endorsers.endorsers["tags/rust"][0]
                .content_hash
                .as_deref()
                .is_some()
        );
        assert!(!g.endorsing("alice.near").endorsing.is_empty());
        assert!(g.activity("alice.near", None).cursor.is_some());
        assert!(g.network("alice.near").mutual_count > 0);
        let both = g.edges("alice.near", Direction::Both, 25);
        assert!(
            both.edges
                .iter()
                .any(|e| e.direction == indexer::EdgeDirection::Mutual)
        );
    }
}
