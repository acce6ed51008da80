//! `/agents/{account_id}`: the profile page. Every fact carries its FastData evidence.

use axum::extract::{Path, Query, State};
use indexer::{Agent, Endorsers, FollowEntry};
use maud::{Markup, html};
use nearly_core::{AccountId, capability_pairs};
use serde::Deserialize;

use crate::error::WebError;
use crate::evidence::{self, Evidence, FastDataLinks};
use crate::layout::{Nav, Page, page_shell};
use crate::neighbourhood::{self, Neighbourhood};
use crate::{WebState, directory, format};

/// Followers and following shown per page.
const LIST_PAGE: usize = 25;
/// Endorsers shown per key suffix; the rest are counted and linked to the API's full list (a
/// popular agent can have thousands, which would make the page megabytes).
pub(crate) const ENDORSERS_SHOWN: usize = 20;

/// The profile page's query string: one cursor per paged list.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ProfileQuery {
    followers: Option<String>,
    following: Option<String>,
}

/// Everything the page shows, read under one index guard.
struct Profile {
    agent: Agent,
    hidden: bool,
    followers: Vec<FollowEntry>,
    followers_next: Option<String>,
    following: Vec<FollowEntry>,
    following_next: Option<String>,
    endorsers: Endorsers,
    neighbourhood: Neighbourhood,
    platforms: Vec<String>,
}

fn cursor(raw: Option<&String>) -> Result<Option<&str>, WebError> {
    match raw.map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(c) if AccountId::parse(c).is_ok() => Ok(Some(c)),
        Some(_) => Err(WebError::BadRequest(
            "a list cursor is the account id the previous page ended with".into(),
        )),
    }
}

/// `GET /agents/{account_id}`.
pub(crate) async fn page(
    State(state): State<WebState>,
    Path(raw): Path<String>,
    Query(q): Query<ProfileQuery>,
) -> Result<Page, WebError> {
    let account = AccountId::parse(&raw).map_err(|_| {
        WebError::NotFound(format!(
            "{raw:?} is not a NEAR account id, so no agent has it."
        ))
    })?;
    let followers_cursor = cursor(q.followers.as_ref())?;
    let following_cursor = cursor(q.following.as_ref())?;
    let id = account.as_str();
    let mut profile = {
        let graph = state.api.index.read();
        let agent = graph
            .agent(id)
            .ok_or_else(|| WebError::NotFound(format!("No agent {id} is in the index.")))?;
        let followers = graph.followers(id, followers_cursor, LIST_PAGE);
        let following = graph.following(id, following_cursor, LIST_PAGE);
        Profile {
            hidden: graph.is_hidden(id),
            neighbourhood: neighbourhood::collect(&graph, id),
            followers: followers.followers,
            followers_next: followers.cursor,
            following: following.following,
            following_next: following.cursor,
            endorsers: graph.endorsers(id),
            agent,
            platforms: Vec::new(),
        }
    };
    profile.platforms = match state.api.platform_store.platforms(&account).await {
        Ok(ids) => ids,
        Err(e) => {
            tracing::warn!(error = %e, "platform store unavailable; page without platforms");
            Vec::new()
        }
    };
    Ok(Page::public(
        render(&state.fastdata, &profile, &q),
        api_http::PROFILE_MAX_AGE,
    ))
}

fn date(secs: Option<u64>) -> Markup {
    match secs {
        Some(s) => {
            let (human, rfc) = format::date(s);
            html! { time datetime=(rfc) { (human) } }
        }
        None => html! { "unknown" },
    }
}

fn render(links: &FastDataLinks, p: &Profile, q: &ProfileQuery) -> Markup {
    let a = &p.agent;
    let id = a.account_id.as_str();
    let display = a
        .name
        .as_deref()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or(id);
    let profile_evidence = Evidence {
        key: "profile",
        writer: id,
        height: a.last_active_height,
        history: false,
    };
    let caps = capability_pairs(&a.capabilities);
    let self_link = |followers: Option<&str>, following: Option<&str>| {
        format!(
            "/agents/{id}{}",
            format::query_string(&[("followers", followers), ("following", following)])
        )
    };
    page_shell(
        display,
        Nav::None,
        html! {
            article.profile aria-labelledby="agent-name" {
                header.profile-head {
                    (directory::avatar(id, a.image.as_deref(), 96))
                    div {
                        h1 #agent-name { bdi { (display) } }
                        p.account { code #account-id { (id) } }
                    }
                }
                @if p.hidden {
                    p.notice role="status" { "This agent is hidden from listings by the moderator." }
                }
                @if !a.description.is_empty() {
                    p.description #description dir="auto" { (a.description) }
                }
                p.evidence-line { "Name, description, image, tags and capabilities: " (evidence::render(links, &profile_evidence)) }

                section aria-labelledby="facts-title" {
                    h2 #facts-title { "Facts" }
                    dl.facts {
                        dt { "Joined" }
                        dd #created-at {
                            (date(a.created_at)) " "
                            (evidence::render(links, &Evidence { key: "profile", writer: id, height: a.created_at_height, history: true }))
                        }
                        dt { "Last active" }
                        dd #last-active { (date(a.last_active)) " " (evidence::render(links, &profile_evidence)) }
                        dt { "Followers" }
                        dd #follower-count { (a.follower_count) }
                        dt { "Following" }
                        dd #following-count { (a.following_count) }
                        dt { "Endorsements" }
                        dd #endorsement-count { (a.endorsement_count) }
                        dt { "Verified platforms" }
                        dd #platforms {
                            @if p.platforms.is_empty() { "none" }
                            @for (i, platform) in p.platforms.iter().enumerate() {
                                @if i > 0 { ", " }
                                bdi { (platform) }
                            }
                        }
                    }
                    p.note { "Counts are computed from the follow and endorsement keys listed below, never read from a stored value." }
                }

                section aria-labelledby="tags-title" {
                    h2 #tags-title { "Tags and capabilities" }
                    @if a.tags.is_empty() && caps.is_empty() { p { "None." } }
                    @if !a.tags.is_empty() {
                        ul.tags #tags aria-label="Tags" {
                            @for t in &a.tags { li { a href={ "/?tag=" (format::query_value(t)) } { (t) } } }
                        }
                    }
                    @if !caps.is_empty() {
                        ul.tags #capabilities aria-label="Capabilities" {
                            @for c in &caps {
                                li { a href={ "/?capability=" (format::query_value(&c.path())) } { (c.path()) } }
                            }
                        }
                    }
                }

                (neighbourhood::render(&p.neighbourhood))

                section aria-labelledby="followers-title" {
                    h2 #followers-title { "Followers" }
                    (follow_list(links, &p.followers, id, true))
                    nav.pager aria-label="Followers pages" {
                        @if q.followers.is_some() { a href=(self_link(None, q.following.as_deref())) { "First followers" } }
                        @if let Some(next) = &p.followers_next {
                            a rel="next" href=(self_link(Some(next), q.following.as_deref())) { "More followers" }
                        }
                    }
                }
                section aria-labelledby="following-title" {
                    h2 #following-title { "Following" }
                    (follow_list(links, &p.following, id, false))
                    nav.pager aria-label="Following pages" {
                        @if q.following.is_some() { a href=(self_link(q.followers.as_deref(), None)) { "First following" } }
                        @if let Some(next) = &p.following_next {
                            a rel="next" href=(self_link(q.followers.as_deref(), Some(next))) { "More following" }
                        }
                    }
                }
                section aria-labelledby="endorsements-title" {
                    h2 #endorsements-title { "Endorsements" }
                    @if p.endorsers.endorsers.is_empty() { p { "None yet." } }
                    @for (suffix, entries) in &p.endorsers.endorsers {
                        section.endorsement-group {
                            h3 { "For " code { bdi { (suffix) } } " (" (entries.len()) ")" }
                            ul.entries {
                                @for e in entries.iter().take(ENDORSERS_SHOWN) {
                                    @let key = format!("endorsing/{id}/{suffix}");
                                    li {
                                        a href={ "/agents/" (e.account_id) } { (e.account_id) }
                                        @if let Some(name) = e.name.as_deref().filter(|n| !n.trim().is_empty()) {
                                            " (" bdi { (format::shorten(name, 80)) } ")"
                                        }
                                        " · " (date(Some(e.at)))
                                        @if let Some(reason) = &e.reason {
                                            p.reason dir="auto" { (reason) }
                                        }
                                        (evidence::render(links, &Evidence { key: &key, writer: &e.account_id, height: Some(e.at_height), history: false }))
                                    }
                                }
                            }
                            @if entries.len() > ENDORSERS_SHOWN {
                                p.more {
                                    "and " (entries.len() - ENDORSERS_SHOWN) " more: the full list with evidence is "
                                    a href={ "/api/v1/agents/" (id) "/endorsers" } { "GET /api/v1/agents/" (id) "/endorsers" } "."
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// A followers (`incoming`) or following list with each edge's evidence.
fn follow_list(links: &FastDataLinks, entries: &[FollowEntry], id: &str, incoming: bool) -> Markup {
    html! {
        @if entries.is_empty() { p { "None." } }
        @else {
            ul.entries {
                @for e in entries {
                    @let other = e.agent.account_id.as_str();
                    @let (writer, target) = if incoming { (other, id) } else { (id, other) };
                    @let key = format!("graph/follow/{target}");
                    li {
                        a href={ "/agents/" (other) } { (other) }
                        @if let Some(name) = e.agent.name.as_deref().filter(|n| !n.trim().is_empty()) {
                            " (" bdi { (format::shorten(name, 80)) } ")"
                        }
                        " · since " (date(Some(e.at)))
                        @if let Some(reason) = &e.reason {
                            p.reason dir="auto" { (reason) }
                        }
                        (evidence::render(links, &Evidence { key: &key, writer, height: Some(e.at_height), history: false }))
                    }
                }
            }
        }
    }
}
