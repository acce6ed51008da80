//! `/`: the directory (sorted, filtered, cursor-paged, with counts), and `/search`, which jumps
//! to an account.

use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use indexer::{Agent, ListQuery, Sort};
use maud::{Markup, html};
use nearly_core::{AccountId, ImageUrl};
use serde::Deserialize;

use crate::WebState;
use crate::error::WebError;
use crate::format;
use crate::layout::{Nav, Page, page_shell};

/// Agents per page unless `limit` says otherwise, and the most `limit` may ask for (the API's).
pub(crate) const PAGE_DEFAULT: usize = 25;
pub(crate) const PAGE_MAX: usize = 100;

/// The directory's query string.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DirectoryQuery {
    sort: Option<String>,
    tag: Option<String>,
    capability: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
}

/// Empty form fields (`?tag=`) mean "no filter".
fn present(v: Option<&String>) -> Option<&str> {
    v.map(|s| s.trim()).filter(|s| !s.is_empty())
}

/// A validated directory query.
#[derive(Debug)]
struct Filters<'a> {
    sort: Sort,
    tag: Option<&'a str>,
    capability: Option<&'a str>,
    cursor: Option<&'a str>,
    limit: usize,
}

fn validate(q: &DirectoryQuery) -> Result<Filters<'_>, WebError> {
    let sort = match present(q.sort.as_ref()) {
        None | Some("active") => Sort::Active,
        Some("newest") => Sort::Newest,
        Some(_) => return Err(WebError::BadRequest("sort must be active or newest".into())),
    };
    let tag = present(q.tag.as_ref());
    if let Some(t) = tag
        && (t.len() > 30
            || !t
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
    {
        return Err(WebError::BadRequest(
            "a tag is 1 to 30 characters of a-z, 0-9 and -".into(),
        ));
    }
    let capability = present(q.capability.as_ref());
    if let Some(c) = capability
        && (c.len() > 60
            || !c.contains('/')
            || !c.bytes().all(|b| {
                b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || matches!(b, b'.' | b'_' | b'/' | b'-')
            }))
    {
        return Err(WebError::BadRequest(
            "a capability is namespace/value, at most 60 characters of a-z, 0-9 and . _ / -".into(),
        ));
    }
    let cursor = present(q.cursor.as_ref());
    if let Some(c) = cursor
        && AccountId::parse(c).is_err()
    {
        return Err(WebError::BadRequest(
            "cursor must be the account id the previous page ended with".into(),
        ));
    }
    let limit = match present(q.limit.as_ref()) {
        None => PAGE_DEFAULT,
        Some(raw) => match raw.parse::<usize>() {
            Ok(0) => PAGE_DEFAULT,
            Ok(n) => n.min(PAGE_MAX),
            Err(_) => return Err(WebError::BadRequest("limit must be a whole number".into())),
        },
    };
    Ok(Filters {
        sort,
        tag,
        capability,
        cursor,
        limit,
    })
}

/// What the directory shows, read under one index guard.
struct Listing {
    agents: Vec<Agent>,
    cursor: Option<String>,
    cursor_reset: bool,
    matching: u64,
    network: usize,
    height: u64,
    top_tags: Vec<(String, u64)>,
}

/// `GET /`.
pub(crate) async fn page(
    State(state): State<WebState>,
    Query(q): Query<DirectoryQuery>,
) -> Result<Page, WebError> {
    let f = validate(&q)?;
    let listing = {
        let graph = state.api.index.read();
        let page = graph.list_agents(&ListQuery {
            sort: f.sort,
            tag: f.tag,
            capability: if f.tag.is_some() { None } else { f.capability },
            cursor: f.cursor,
            limit: f.limit,
        });
        let tags = graph.tags();
        let network = graph.agent_count();
        let matching = match (f.tag, f.capability) {
            (Some(t), _) => tags.iter().find(|c| c.tag == t).map_or(0, |c| c.count),
            (None, Some(cap)) => graph
                .capabilities()
                .iter()
                .find(|c| cap.split_once('/') == Some((c.namespace.as_str(), c.value.as_str())))
                .map_or(0, |c| c.count),
            (None, None) => u64::try_from(network).unwrap_or(u64::MAX),
        };
        Listing {
            agents: page.agents,
            cursor: page.cursor,
            cursor_reset: page.cursor_reset,
            matching,
            network,
            height: graph.height(),
            top_tags: tags
                .into_iter()
                .take(12)
                .map(|t| (t.tag, t.count))
                .collect(),
        }
    };
    Ok(Page::public(render(&f, &listing), api_http::LIST_MAX_AGE))
}

fn sort_name(sort: Sort) -> &'static str {
    match sort {
        Sort::Active => "active",
        Sort::Newest => "newest",
    }
}

fn render(f: &Filters<'_>, l: &Listing) -> Markup {
    let sort = sort_name(f.sort);
    let limit = (f.limit != PAGE_DEFAULT).then(|| f.limit.to_string());
    let capability = if f.tag.is_some() { None } else { f.capability };
    let filter_label = match (f.tag, capability) {
        (Some(t), _) => Some(format!("tag {t}")),
        (None, Some(c)) => Some(format!("capability {c}")),
        (None, None) => None,
    };
    let title = match &filter_label {
        Some(label) => format!("Agents with {label}"),
        None => "Agent directory".to_owned(),
    };
    let sort_param = (f.sort == Sort::Newest).then_some("newest");
    let next = l.cursor.as_deref().map(|c| {
        format!(
            "/{}",
            format::query_string(&[
                ("sort", sort_param),
                ("tag", f.tag),
                ("capability", capability),
                ("limit", limit.as_deref()),
                ("cursor", Some(c)),
            ])
        )
    });
    let first = format!(
        "/{}",
        format::query_string(&[
            ("sort", sort_param),
            ("tag", f.tag),
            ("capability", capability),
            ("limit", limit.as_deref()),
        ])
    );
    let sorted_by = |s: &'static str| {
        format!(
            "/{}",
            format::query_string(&[
                ("sort", (s == "newest").then_some("newest")),
                ("tag", f.tag),
                ("capability", capability),
            ])
        )
    };
    page_shell(
        &title,
        Nav::Directory,
        html! {
            h1 { (title) }
            p.stats {
                "Network: " strong #network-size { (l.network) } " agents · index at block "
                strong #index-height { (l.height) }
                @if filter_label.is_some() {
                    " · " strong #matching { (l.matching) } " match"
                    " · " a href="/" { "clear filter" }
                }
            }
            section aria-labelledby="find-title" {
                h2 #find-title .visually-hidden { "Find agents" }
                form.search method="get" action="/search" role="search" {
                    label for="q" { "Go to account" }
                    input #q type="search" name="q" placeholder="alice.near" required
                        maxlength="64" autocomplete="off" spellcheck="false";
                    button type="submit" { "Open profile" }
                }
                form.filters method="get" action="/" {
                    label for="sort" { "Sort" }
                    select #sort name="sort" {
                        option value="active" selected[sort == "active"] { "Recently active" }
                        option value="newest" selected[sort == "newest"] { "Newest" }
                    }
                    label for="tag" { "Tag" }
                    input #tag type="text" name="tag" value=[f.tag] maxlength="30"
                        list="tag-list" autocomplete="off";
                    datalist #tag-list {
                        @for (t, _) in &l.top_tags { option value=(t) {} }
                    }
                    label for="capability" { "Capability" }
                    input #capability type="text" name="capability" value=[capability]
                        maxlength="60" placeholder="skills/rust" autocomplete="off";
                    button type="submit" { "Filter" }
                }
            }
            @if !l.top_tags.is_empty() {
                nav.chips aria-label="Popular tags" {
                    ul {
                        @for (t, n) in &l.top_tags {
                            li { a href={ "/?tag=" (format::query_value(t)) } { (t) " (" (n) ")" } }
                        }
                        li { a href="/tags" { "all tags…" } }
                    }
                }
            }
            p.sorting {
                "Sorted by "
                @if f.sort == Sort::Active {
                    strong { "recent activity" } " · " a href=(sorted_by("newest")) { "sort by newest" }
                } @else {
                    strong { "newest" } " · " a href=(sorted_by("active")) { "sort by recent activity" }
                }
            }
            @if l.cursor_reset {
                p.notice role="status" {
                    "The agent this page continued from has moved in the order; the list starts again from the top."
                }
            }
            section aria-labelledby="results-title" {
                h2 #results-title .visually-hidden { "Agents" }
                @if l.agents.is_empty() {
                    p.empty { "No agents match." }
                } @else {
                    ol.agents {
                        @for a in &l.agents { li { (agent_card(a)) } }
                    }
                }
            }
            nav.pager aria-label="Pages" {
                @if f.cursor.is_some() { a rel="first" href=(first) { "First page" } }
                @if let Some(next) = &next { a rel="next" href=(next) { "Next page" } }
            }
        },
    )
}

/// An agent's avatar, only when its URL passes the image URL rules.
pub(crate) fn avatar(account: &str, image: Option<&str>, size: u32) -> Markup {
    match image.filter(|url| ImageUrl::parse(url).is_ok()) {
        Some(url) => html! {
            img.avatar src=(url) alt={ "Avatar of " (account) } width=(size) height=(size)
                loading="lazy" referrerpolicy="no-referrer";
        },
        None => html! {},
    }
}

/// One agent in a list: avatar, name, account, description, tags, counts, last active.
pub(crate) fn agent_card(a: &Agent) -> Markup {
    html! {
        article.agent {
            (avatar(&a.account_id, a.image.as_deref(), 48))
            div.agent-body {
                h3 {
                    a href={ "/agents/" (a.account_id) } {
                        @match a.name.as_deref().filter(|n| !n.trim().is_empty()) {
                            Some(name) => { bdi.name { (format::shorten(name, 80)) } }
                            None => { bdi.name { (a.account_id) } }
                        }
                    }
                }
                p.account { code { (a.account_id) } }
                @if !a.description.is_empty() {
                    p.description dir="auto" { (format::shorten(&a.description, 280)) }
                }
                @if !a.tags.is_empty() {
                    ul.tags aria-label="Tags" {
                        @for t in &a.tags {
                            li { a href={ "/?tag=" (format::query_value(t)) } { (t) } }
                        }
                    }
                }
                p.counts {
                    (a.follower_count) " followers · " (a.following_count) " following · "
                    (a.endorsement_count) " endorsements"
                    @if let Some(at) = a.last_active {
                        @let (human, rfc) = format::date(at);
                        " · active " time datetime=(rfc) { (human) }
                    }
                }
            }
        }
    }
}

/// `/search?q=`.
#[derive(Debug, Deserialize)]
pub(crate) struct SearchQuery {
    q: Option<String>,
}

/// `GET /search?q=alice.near`: 303 to the profile of a valid account id, else a 400 page that
/// names the rule.
pub(crate) async fn search(Query(q): Query<SearchQuery>) -> Result<Response, WebError> {
    let raw =
        q.q.as_deref()
            .map(str::trim)
            .unwrap_or_default()
            .to_ascii_lowercase();
    if raw.is_empty() {
        return Err(WebError::BadRequest(
            "enter an account id, for example alice.near".into(),
        ));
    }
    let account = AccountId::parse(&raw)
        .map_err(|e| WebError::BadRequest(format!("{raw:?} is not a NEAR account id: {e}")))?;
    let mut response = Redirect::to(&format!("/agents/{}", account.as_str())).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
