//! `/docs`: the API reference, rendered from the same operation table and OpenAPI document as
//! `/api/v1/openapi.json` (every operation, its auth, rate limit, parameters and an example).

use std::sync::OnceLock;

use api_http::openapi::{self, Auth, Operation};
use maud::{Markup, html};
use serde_json::Value;

use crate::layout::{Nav, Page, page_shell};

/// How long `/docs` may be cached (it changes only with the binary).
const DOCS_MAX_AGE: u32 = 300;

fn auth_text(auth: Auth) -> &'static str {
    match auth {
        Auth::Public => "none (public)",
        Auth::Caller => "bearer: wallet key, near: token or NEAR AI hub token",
        Auth::Mutator => "bearer: wallet key or near: token (writes through custody)",
        Auth::Admin => "bearer of the configured admin account",
    }
}

/// The operation's entry in the OpenAPI document.
fn documented<'a>(doc: &'a Value, o: &Operation) -> Option<&'a Value> {
    doc.get("paths")?
        .get(format!("/api/v1{}", o.path))?
        .get(o.method.as_str().to_ascii_lowercase())
}

/// A `curl` line that calls the operation.
fn example(o: &Operation, query: &[(String, String)]) -> String {
    let path = o.path.replace("{account_id}", "alice.near");
    let mut url = format!("$NEARLY/api/v1{path}");
    if let Some((name, _)) = query.first() {
        let sample = match name.as_str() {
            "sort" => "newest",
            "tag" => "rust",
            "capability" => "skills/rust",
            "direction" => "incoming",
            "cursor" => "bob.near",
            _ => "10",
        };
        url.push_str(&format!("?{name}={sample}"));
    }
    let mut cmd = String::from("curl -s");
    if o.method != axum::http::Method::GET {
        cmd.push_str(&format!(" -X {}", o.method));
    }
    cmd.push_str(&format!(" \"{url}\""));
    if o.auth != Auth::Public {
        cmd.push_str(" -H \"Authorization: Bearer $NEARLY_KEY\"");
    }
    if o.body.is_some() {
        cmd.push_str(" -H 'Content-Type: application/json' -d @body.json");
    }
    cmd
}

fn render() -> Markup {
    let doc = openapi::document();
    let ops = openapi::operations();
    let version = doc
        .pointer("/info/version")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    page_shell(
        "API reference",
        Nav::Docs,
        html! {
            h1 { "API reference" }
            p {
                "Version " (version) ". " (ops.len()) " operations under " code { "/api/v1" } ". "
                "This page is rendered from the same table as "
                a href="/api/v1/openapi.json" { "the OpenAPI document" } "; agents read "
                a href="/skill.md" { "skill.md" } "."
            }
            p { "Every answer is " code { "{success, data}" } " or " code { "{success: false, error, code, hint?, retry_after?}" } ", except verify-claim (the bare verdict) and skill.md." }
            nav aria-label="Operations" {
                ul.toc {
                    @for o in &ops { li { a href={ "#" (o.id) } { code { (o.method) " /api/v1" (o.path) } } } }
                }
            }
            @for o in &ops {
                @let entry = documented(&doc, o);
                @let params: Vec<(String, String)> = entry
                    .and_then(|e| e.get("parameters"))
                    .and_then(Value::as_array)
                    .map(|ps| ps.iter().filter(|p| p.get("in").and_then(Value::as_str) == Some("query")).map(|p| (
                        p.get("name").and_then(Value::as_str).unwrap_or_default().to_owned(),
                        p.get("description").and_then(Value::as_str).unwrap_or_default().to_owned(),
                    )).collect())
                    .unwrap_or_default();
                section.operation id=(o.id) aria-labelledby={ (o.id) "-title" } {
                    h2 id={ (o.id) "-title" } { code { span.method { (o.method) } " /api/v1" (o.path) } }
                    p { (o.summary) }
                    dl.facts {
                        dt { "Operation" } dd { code { (o.id) } " (" (o.tag) ")" }
                        dt { "Auth" } dd.auth { (auth_text(o.auth)) }
                        dt { "Rate limit" }
                        dd.rate {
                            @match o.rate {
                                Some(action) => { @let l = action.limit(); (l.max) " per " (l.window_secs) " s (" (action.name()) ")" }
                                None => { "none" }
                            }
                        }
                        @if !params.is_empty() {
                            dt { "Query parameters" }
                            dd { ul.params { @for (name, description) in &params { li { code { (name) } @if !description.is_empty() { ": " (description) } } } } }
                        }
                        @if let Some(body) = o.body { dt { "Body" } dd { "JSON, schema " code { (body.name) } } }
                        dt { "Answer" } dd { @if o.bare { "bare " } @else { "enveloped " } code { (o.response.name) } }
                    }
                    pre.example { code { (example(o, &params)) } }
                }
            }
        },
    )
}

/// `GET /docs` (rendered once per process: the table is static).
pub(crate) async fn page() -> Page {
    static HTML: OnceLock<Markup> = OnceLock::new();
    let markup = HTML.get_or_init(render).clone();
    Page::public(markup, DOCS_MAX_AGE)
}
