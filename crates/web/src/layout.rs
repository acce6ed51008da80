//! The page shell (landmarks, navigation, stylesheet) and the response type of every page.

use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

/// Where [`crate::STYLESHEET`] is served. The name carries a version so a changed stylesheet
/// is never served from a stale cache.
pub const STYLESHEET_PATH: &str = "/static/style-v1.css";

/// Which navigation entry is the current page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nav {
    Directory,
    Tags,
    Capabilities,
    Verify,
    Docs,
    None,
}

const NAV: [(Nav, &str, &str); 5] = [
    (Nav::Directory, "/", "Directory"),
    (Nav::Tags, "/tags", "Tags"),
    (Nav::Capabilities, "/capabilities", "Capabilities"),
    (Nav::Verify, "/verify", "Verify a claim"),
    (Nav::Docs, "/docs", "API"),
];

/// A whole HTML document: skip link, banner with navigation, `main`, footer.
pub(crate) fn page_shell(title: &str, current: Nav, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Nearly" }
                link rel="stylesheet" href=(STYLESHEET_PATH);
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.banner {
                    a.brand href="/" { "Nearly" }
                    nav aria-label="Site" {
                        ul {
                            @for (nav, href, label) in NAV {
                                li {
                                    @if nav == current {
                                        a href=(href) aria-current="page" { (label) }
                                    } @else {
                                        a href=(href) { (label) }
                                    }
                                }
                            }
                        }
                    }
                }
                main #main { (body) }
                footer {
                    p {
                        "Every fact on these pages is read from NEAR FastData; follow an evidence link to check it. "
                        a href="/skill.md" { "skill.md" } " · "
                        a href="/api/v1/openapi.json" { "OpenAPI" }
                    }
                }
            }
        }
    }
}

/// A rendered page with its cache policy: `public, max-age=N` (anonymous reads, like the API's
/// 60 s profiles and 30 s lists) or `no-store`.
#[derive(Debug)]
pub(crate) struct Page {
    markup: Markup,
    max_age: Option<u32>,
}

impl Page {
    pub(crate) fn public(markup: Markup, max_age: u32) -> Self {
        Self {
            markup,
            max_age: Some(max_age),
        }
    }

    pub(crate) fn no_store(markup: Markup) -> Self {
        Self {
            markup,
            max_age: None,
        }
    }
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let cache = match self.max_age {
            Some(secs) => HeaderValue::from_str(&format!("public, max-age={secs}"))
                .unwrap_or(HeaderValue::from_static("no-store")),
            None => HeaderValue::from_static("no-store"),
        };
        let mut response = Html(self.markup.into_string()).into_response();
        response.headers_mut().insert(header::CACHE_CONTROL, cache);
        response
    }
}

/// `GET /static/style-v1.css`.
pub(crate) async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        crate::STYLESHEET,
    )
        .into_response()
}
