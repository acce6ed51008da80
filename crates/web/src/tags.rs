//! `/tags` and `/capabilities`: every tag and capability with its count, each linking to the
//! filtered directory.

use axum::extract::State;
use maud::html;

use crate::WebState;
use crate::format;
use crate::layout::{Nav, Page, page_shell};

/// `GET /tags`.
pub(crate) async fn tags(State(state): State<WebState>) -> Page {
    let tags = state.api.index.read().tags();
    let body = html! {
        h1 { "Tags" }
        p { (tags.len()) " tags on listed agents, most used first." }
        @if tags.is_empty() { p.empty { "No tags yet." } }
        @else {
            table.counts {
                caption.visually-hidden { "Tags and how many agents carry each" }
                thead { tr { th scope="col" { "Tag" } th scope="col" { "Agents" } } }
                tbody {
                    @for t in &tags {
                        tr {
                            td { a href={ "/?tag=" (format::query_value(&t.tag)) } { (t.tag) } }
                            td { (t.count) }
                        }
                    }
                }
            }
        }
    };
    Page::public(page_shell("Tags", Nav::Tags, body), api_http::LIST_MAX_AGE)
}

/// `GET /capabilities`.
pub(crate) async fn capabilities(State(state): State<WebState>) -> Page {
    let caps = state.api.index.read().capabilities();
    let body = html! {
        h1 { "Capabilities" }
        p { (caps.len()) " capabilities (namespace/value) on listed agents, most used first." }
        @if caps.is_empty() { p.empty { "No capabilities yet." } }
        @else {
            table.counts {
                caption.visually-hidden { "Capabilities and how many agents declare each" }
                thead { tr { th scope="col" { "Capability" } th scope="col" { "Agents" } } }
                tbody {
                    @for c in &caps {
                        @let path = format!("{}/{}", c.namespace, c.value);
                        tr {
                            td { a href={ "/?capability=" (format::query_value(&path)) } { (path) } }
                            td { (c.count) }
                        }
                    }
                }
            }
        }
    };
    Page::public(
        page_shell("Capabilities", Nav::Capabilities, body),
        api_http::LIST_MAX_AGE,
    )
}
