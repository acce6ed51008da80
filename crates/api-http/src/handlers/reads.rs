//! The read endpoints of the social graph, answered from the in-memory index
//! ([`indexer::Graph`]) without I/O: lists, profiles, followers, edges, endorsements, tags,
//! capabilities, discover, activity, network and the hidden set.
//!
//! Every handler takes one read guard, builds its answer and drops the guard before any
//! `await` (the guard is not `Send`, so the compiler holds us to that).

use axum::extract::{Path, State};
use axum::response::Response;
use indexer::{Direction, ListQuery as GraphQuery, Sort as GraphSort};
use nearly_api_types::{AgentView, HiddenList};
use nearly_core::{AccountId, Xorshift32};
use outlayer_client::{VrfSeedRequest, verify_vrf_proof};

use super::{path_account, wire};
use crate::auth::OptionalCaller;
use crate::error::{ApiError, ApiResult, cached, ok};
use crate::extract::{ListQuery, Sort};
use crate::gate::Authed;
use crate::hygiene::RequestId;
use crate::state::AppState;

/// `Cache-Control` of public profile reads (the skill: profiles 60 s).
pub const PROFILE_MAX_AGE: u32 = 60;
/// `Cache-Control` of public list reads (the skill: lists, followers, edges, endorsers 30 s).
pub const LIST_MAX_AGE: u32 = 30;

/// Default and maximum page sizes.
pub(crate) const LIST_DEFAULT: usize = 25;
pub(crate) const LIST_MAX: usize = 100;
const DISCOVER_DEFAULT: usize = 10;
const DISCOVER_MAX: usize = 50;

/// How long discover waits for custody's VRF before answering with `vrf: null`.
const VRF_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// `GET /agents`: listed agents by `active` or `newest`, filtered by tag or capability,
/// cursor-paged (default 25, max 100).
pub(crate) async fn list_agents(State(state): State<AppState>, q: ListQuery) -> Response {
    let sort = match q.sort {
        Some(Sort::Newest) => GraphSort::Newest,
        Some(Sort::Active) | None => GraphSort::Active,
    };
    let page = state.index.read().list_agents(&GraphQuery {
        sort,
        tag: q.tag.as_deref(),
        capability: q.capability.as_deref(),
        cursor: q.cursor.as_deref(),
        limit: q.limit(LIST_DEFAULT, LIST_MAX),
    });
    cached(ok(wire::agent_page(page)), Some(LIST_MAX_AGE))
}

/// `GET /agents/{account_id}`: the agent record (404 when it has no profile); with a caller,
/// also `is_following` and `my_endorsements`, and the answer is not cacheable.
pub(crate) async fn get_agent(
    State(state): State<AppState>,
    OptionalCaller(caller): OptionalCaller,
    Path(raw): Path<String>,
) -> ApiResult<Response> {
    let account = path_account(&raw)?;
    let (agent, relation) = {
        let graph = state.index.read();
        let agent = graph
            .agent(account.as_str())
            .ok_or_else(|| agent_not_found(&account))?;
        let relation = caller
            .as_ref()
            .map(|c| graph.viewer_relation(c.account_id.as_str(), account.as_str()));
        (agent, relation)
    };
    let max_age = if relation.is_some() {
        None
    } else {
        Some(PROFILE_MAX_AGE)
    };
    let platforms = state.app().platforms_of(&account).await;
    let view = AgentView {
        agent: wire::into_agent(agent, Some(platforms)),
        is_following: relation.as_ref().map(|r| r.is_following),
        my_endorsements: relation.map(|r| r.my_endorsements),
    };
    Ok(cached(ok(view), max_age))
}

pub(crate) fn agent_not_found(account: &AccountId) -> ApiError {
    ApiError::not_found(format!("Agent {account} not found"))
}

/// `GET /agents/{account_id}/followers`: newest follow first, cursor-paged.
pub(crate) async fn followers(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    q: ListQuery,
) -> ApiResult<Response> {
    let account = path_account(&raw)?;
    let page = state.index.read().followers(
        account.as_str(),
        q.cursor.as_deref(),
        q.limit(LIST_DEFAULT, LIST_MAX),
    );
    Ok(cached(ok(wire::followers_page(page)), Some(LIST_MAX_AGE)))
}

/// `GET /agents/{account_id}/following`: newest follow first, cursor-paged.
pub(crate) async fn following(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    q: ListQuery,
) -> ApiResult<Response> {
    let account = path_account(&raw)?;
    let page = state.index.read().following(
        account.as_str(),
        q.cursor.as_deref(),
        q.limit(LIST_DEFAULT, LIST_MAX),
    );
    Ok(cached(ok(wire::following_page(page)), Some(LIST_MAX_AGE)))
}

/// `GET /agents/{account_id}/edges?direction=incoming|outgoing|both`.
pub(crate) async fn edges(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    q: ListQuery,
) -> ApiResult<Response> {
    let account = path_account(&raw)?;
    let direction = match q.param("direction") {
        None | Some("both") => Direction::Both,
        Some("incoming") => Direction::Incoming,
        Some("outgoing") => Direction::Outgoing,
        Some(other) => {
            return Err(ApiError::validation(format!(
                "direction must be one of: incoming, outgoing, both (got {other:?})"
            )));
        }
    };
    let edges =
        state
            .index
            .read()
            .edges(account.as_str(), direction, q.limit(LIST_DEFAULT, LIST_MAX));
    Ok(cached(ok(wire::edges(edges)), Some(LIST_MAX_AGE)))
}

/// `GET /agents/{account_id}/endorsers`: grouped by key suffix.
pub(crate) async fn endorsers(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<Response> {
    let account = path_account(&raw)?;
    let endorsers = state.index.read().endorsers(account.as_str());
    Ok(cached(ok(wire::endorsers(endorsers)), Some(LIST_MAX_AGE)))
}

/// `GET /agents/{account_id}/endorsing`: grouped by target.
pub(crate) async fn endorsing(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<Response> {
    let account = path_account(&raw)?;
    let endorsing = state.index.read().endorsing(account.as_str());
    Ok(cached(ok(wire::endorsing(endorsing)), Some(LIST_MAX_AGE)))
}

/// `GET /tags`: tags with counts, most used first.
pub(crate) async fn tags(State(state): State<AppState>) -> Response {
    let tags = state.index.read().tags();
    cached(ok(wire::tag_list(tags)), Some(LIST_MAX_AGE))
}

/// `GET /capabilities`: capability pairs with counts, most used first.
pub(crate) async fn capabilities(State(state): State<AppState>) -> Response {
    let capabilities = state.index.read().capabilities();
    cached(ok(wire::capability_list(capabilities)), Some(LIST_MAX_AGE))
}

/// `GET /agents/me`: the caller's record with `profile_completeness`, `actions` and
/// `features`; 404 when the caller has no profile yet.
pub(crate) async fn me(
    State(state): State<AppState>,
    Authed(caller): Authed,
) -> ApiResult<Response> {
    let view = state.app().me(&caller.account_id).await?;
    Ok(cached(ok(wire::me(&view, wire::features(&state))), None))
}

/// `GET /agents/me/network`: follower, following and mutual counts with the profile times.
pub(crate) async fn network(
    State(state): State<AppState>,
    Authed(caller): Authed,
) -> ApiResult<Response> {
    let network = state.index.read().network(caller.account_id.as_str());
    Ok(cached(ok(wire::network(network)), None))
}

/// `GET /agents/me/activity?cursor=H`: follows in and out strictly after block height `H`.
pub(crate) async fn activity(
    State(state): State<AppState>,
    Authed(caller): Authed,
    q: ListQuery,
) -> ApiResult<Response> {
    let after = match q.cursor.as_deref() {
        None => None,
        Some(c) => Some(c.parse::<u64>().map_err(|_| {
            ApiError::validation(format!(
                "cursor must be a non-negative integer block height (got {c:?})"
            ))
        })?),
    };
    let activity = state
        .index
        .read()
        .activity(caller.account_id.as_str(), after);
    Ok(cached(ok(wire::activity(activity)), None))
}

/// `GET /agents/discover`: suggestions scored by shared tags; each equal-score tier shuffled
/// with custody's VRF when the caller has a custody credential and the proof verifies, else
/// the deterministic order and `vrf: null`.
pub(crate) async fn discover(
    State(state): State<AppState>,
    Authed(caller): Authed,
    request_id: Option<axum::Extension<RequestId>>,
    q: ListQuery,
) -> ApiResult<Response> {
    let limit = q.limit(DISCOVER_DEFAULT, DISCOVER_MAX);
    let proof = match (&caller.custody_auth, request_id) {
        (Some(auth), Some(axum::Extension(RequestId(id)))) => {
            let request = VrfSeedRequest::new(id);
            match tokio::time::timeout(VRF_TIMEOUT, state.custody.vrf_seed(auth, &request)).await {
                Ok(Ok(proof)) => match verify_vrf_proof(&proof) {
                    Ok(()) if proof.alpha == format!("vrf:{}:suggest", request.request_id) => {
                        Some(proof)
                    }
                    Ok(()) => {
                        tracing::warn!(alpha = %proof.alpha, "VRF proof for another input; deterministic order");
                        None
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "VRF proof does not verify; deterministic order");
                        None
                    }
                },
                Ok(Err(e)) => {
                    tracing::info!(error = %e, "VRF unavailable; deterministic order");
                    None
                }
                Err(_) => {
                    tracing::warn!("VRF timed out; deterministic order");
                    None
                }
            }
        }
        _ => None,
    };
    let rng = proof
        .as_ref()
        .and_then(|p| Xorshift32::from_output_hex(&p.output_hex).ok());
    let proof = if rng.is_some() { proof } else { None };
    let agents = state
        .index
        .read()
        .discover(caller.account_id.as_str(), limit, rng);
    Ok(cached(ok(wire::discover(agents, proof)), None))
}

/// `GET /admin/hidden`: the hidden accounts (public; the gate limits it per IP).
pub(crate) async fn list_hidden(State(state): State<AppState>) -> Response {
    let hidden = state.index.read().hidden();
    cached(ok(HiddenList { hidden }), Some(LIST_MAX_AGE))
}
