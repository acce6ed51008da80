//! `/verify`: paste a verify-claim body, see the verdict and each check. The claim goes
//! through the same [`nep413::VerifyClaimPolicy`], clock, nonce store, access-key checker and
//! per-IP rate limit as `POST /api/v1/verify-claim`.

use std::net::SocketAddr;

use api_http::Action;
use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, Form, State};
use axum::http::{Extensions, HeaderMap};
use maud::{Markup, html};
use nep413::{Reason, Verifier, VerifyClaimPolicy, VerifyClaimResponse};
use serde::Deserialize;

use crate::WebState;
use crate::error::WebError;
use crate::layout::{Nav, Page, page_shell};

/// The form's one field.
#[derive(Debug, Deserialize)]
pub(crate) struct ClaimForm {
    claim: String,
}

/// The most a pasted claim may be (the API's body limit).
const MAX_CLAIM_BYTES: usize = api_http::MAX_BODY_BYTES;

const EXAMPLE: &str = r#"{"account_id":"alice.near","public_key":"ed25519:...","signature":"...","nonce":"...","message":"{\"action\":\"login\",\"domain\":\"nearly.social\",\"version\":1,\"timestamp\":1712900000000}","recipient":"nearly.social"}"#;

/// The checks in the policy's order, with the reason that fails each.
const CHECKS: [(&str, Reason); 5] = [
    (
        "Well-formed: fields, message object, key, signature and nonce encodings",
        Reason::Malformed,
    ),
    (
        "Fresh: the message timestamp is inside the window",
        Reason::Expired,
    ),
    (
        "Signature: ed25519 (strict) over the NEP-413 payload",
        Reason::Signature,
    ),
    (
        "Not replayed: the nonce is new for this recipient",
        Reason::Replay,
    ),
    (
        "Key bound: the key is a full-access key of the account",
        Reason::AccountBinding,
    ),
];

fn form(claim: &str) -> Markup {
    html! {
        form.verify method="post" action="/verify" {
            label for="claim" { "Verify-claim body (JSON)" }
            p #claim-help .hint {
                "The same object " code { "POST /api/v1/verify-claim" } " takes: "
                code { "account_id, public_key, signature, nonce, message, recipient" }
                ", optionally " code { "expected_domain" } "."
            }
            textarea #claim name="claim" rows="10" required aria-describedby="claim-help"
                spellcheck="false" placeholder=(EXAMPLE) { (claim) }
            button type="submit" { "Verify" }
        }
    }
}

/// `GET /verify`.
pub(crate) async fn form_page() -> Page {
    Page::public(
        page_shell(
            "Verify a claim",
            Nav::Verify,
            html! {
                h1 { "Verify a NEP-413 claim" }
                p { "Paste a signed claim to check that the account really signed it." }
                (form(""))
            },
        ),
        api_http::LIST_MAX_AGE,
    )
}

fn checks(verdict: &VerifyClaimResponse) -> Markup {
    let failed = match verdict {
        VerifyClaimResponse::Valid(_) => None,
        VerifyClaimResponse::Invalid(e) => Some(e.reason()),
    };
    let failed_at = failed.and_then(|r| CHECKS.iter().position(|(_, c)| *c == r));
    html! {
        ol.checks #checks {
            @for (i, (label, _)) in CHECKS.iter().enumerate() {
                @let (state, word) = match (failed, failed_at) {
                    (None, _) => ("pass", "passed"),
                    (Some(_), Some(at)) if i < at => ("pass", "passed"),
                    (Some(_), Some(at)) if i == at => ("fail", "failed"),
                    (Some(Reason::RpcError), None) if i + 1 == CHECKS.len() => ("unknown", "could not be checked"),
                    (Some(Reason::RpcError), None) => ("pass", "passed"),
                    _ => ("skip", "not checked"),
                };
                li class=(state) data-check=(i) { span.check-state { (word) } ": " (label) }
            }
        }
    }
}

fn verdict_view(verdict: &VerifyClaimResponse) -> Markup {
    html! {
        section #verdict aria-labelledby="verdict-title" role="status" {
            @match verdict {
                VerifyClaimResponse::Valid(v) => {
                    h2 #verdict-title .valid { "Valid" }
                    dl.facts {
                        dt { "Account" } dd #verified-account { (v.account_id) }
                        dt { "Key" } dd { code { (v.public_key) } }
                        dt { "Recipient" } dd { bdi { (v.recipient) } }
                        dt { "Nonce" } dd { code { (v.nonce) } }
                        dt { "Message" } dd { pre dir="ltr" { (serde_json::to_string_pretty(&v.message).unwrap_or_default()) } }
                    }
                }
                VerifyClaimResponse::Invalid(e) => {
                    h2 #verdict-title .invalid { "Invalid: " span #reason { (e.reason().as_str()) } }
                    p.detail dir="auto" { (e.detail()) }
                    @if e.is_transient() { p { "This is a transient failure; the same claim can be retried." } }
                }
            }
            (checks(verdict))
        }
    }
}

/// `POST /verify`: the verdict (never cached; a valid claim's nonce is spent, as on the API).
pub(crate) async fn submit(
    State(state): State<WebState>,
    extensions: Extensions,
    headers: HeaderMap,
    form_body: Result<Form<ClaimForm>, FormRejection>,
) -> Result<Page, WebError> {
    let Form(f) = form_body.map_err(|e| {
        WebError::BadRequest(format!("send the form's claim field: {}", e.body_text()))
    })?;
    let ip = api_http::client_ip(
        &headers,
        extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0),
        state.api.config.trust_forwarded_for,
    );
    let decision = state
        .api
        .rate_limiter
        .check(Action::VerifyClaim, &ip)
        .await
        .map_err(|e| WebError::Unavailable(e.to_string()))?;
    if !decision.allowed {
        return Err(WebError::RateLimited {
            retry_after: decision.retry_after.unwrap_or(1),
        });
    }
    if f.claim.len() > MAX_CLAIM_BYTES {
        return Err(WebError::BadRequest(format!(
            "a claim is at most {MAX_CLAIM_BYTES} bytes"
        )));
    }
    let verifier = Verifier::new(
        state.api.clock.clone(),
        state.api.nonces.clone(),
        state.api.access_keys.clone(),
    );
    let verdict = VerifyClaimPolicy::new(verifier)
        .verify_json(f.claim.trim())
        .await;
    Ok(Page::no_store(page_shell(
        "Claim verdict",
        Nav::Verify,
        html! {
            h1 { "Verify a NEP-413 claim" }
            (verdict_view(&verdict))
            (form(&f.claim))
        },
    )))
}
