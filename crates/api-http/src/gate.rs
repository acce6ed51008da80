//! The operation gate: the operation table's `auth` and `rate` columns, enforced.
//!
//! One middleware on every API route (a `route_layer` set by [`crate::router`], so it runs after routing and
//! knows the matched operation). For the matched row of [`crate::openapi::operations`]:
//!
//! 1. a per-IP limit ([`Per::Ip`]) is checked first;
//! 2. the caller is authenticated as the `auth` column asks: `Caller` needs any credential
//!    (401 `AUTH_REQUIRED` with a hint otherwise), `Mutator` and `Admin` a credential that can
//!    write through custody (NEAR AI hub tokens are refused with the read-only hint); the
//!    caller is handed to the handler as [`Authed`];
//! 3. a per-caller limit ([`Per::Caller`]) is checked next, before the body is read: a request
//!    over its limit is a 429 whatever it carries (so `DELETE /agents/me` answers 429, not 404,
//!    inside its window);
//! 4. a per-target limit ([`Per::Target`], the batch writes) is handed to the handler as
//!    [`BatchLimit`]: the batch runner takes one slot per target it writes.
//!
//! verify-claim's per-IP limit ([`Per::Claim`]) is not the gate's: its handler takes the slot
//! together with the claim's nonce ([`crate::claim_limit`]).
//!
//! A refusal is 429 `RATE_LIMITED` with `retry_after`, `Retry-After` and `X-RateLimit-*`; an
//! allowed answer that is not an error envelope gets the `X-RateLimit-*` headers of its slot.
//! Public operations without a limit pass through untouched.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::Method;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use nearly_core::ErrorCode;

use crate::auth::{Caller, HINT_AUTH_REQUIRED, Mutator, OptionalCaller};
use crate::error::{ApiError, ErrorAnswer, with_rate_headers};
use crate::handlers::ip_of;
use crate::openapi::{Auth, operations};
use crate::rate_limit::{Action, Decision, Per, enforce};
use crate::state::AppState;

/// The caller the gate authenticated for an operation whose `auth` column is not `Public`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authed(pub Caller);

/// The per-target limit of a batch operation, from its `rate` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchLimit(pub Action);

impl<S: Send + Sync> FromRequestParts<S> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Self>().cloned().ok_or_else(|| {
            ApiError::internal("a handler needs a caller but its operation is public")
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for BatchLimit {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Self>().copied().ok_or_else(|| {
            ApiError::internal("a batch handler's operation has no per-target limit")
        })
    }
}

/// An operation's `auth` and `rate` columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rule {
    auth: Auth,
    rate: Option<Action>,
}

/// The table's rules by (method, path template under `/api/v1`).
static RULES: LazyLock<HashMap<(Method, &'static str), Rule>> = LazyLock::new(|| {
    operations()
        .into_iter()
        .map(|op| {
            let rule = Rule {
                auth: op.auth,
                rate: op.rate,
            };
            ((op.method, op.path), rule)
        })
        .collect()
});

/// The rule of the matched operation (`None` for a route outside the table).
fn rule_of(method: &Method, matched: &str) -> Option<Rule> {
    let path = matched.strip_prefix("/api/v1").unwrap_or(matched);
    RULES.get(&(method.clone(), path)).copied()
}

/// The gate (see the module docs).
pub(crate) async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let rule = parts
        .extensions
        .get::<MatchedPath>()
        .and_then(|m| rule_of(&parts.method, m.as_str()));
    let Some(rule) = rule else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    let decision = match admit(&state, &mut parts, rule).await {
        Ok(decision) => decision,
        Err(refusal) => return refusal.into_response(),
    };
    let response = next.run(Request::from_parts(parts, body)).await;
    match decision {
        Some(d) if response.extensions().get::<ErrorAnswer>().is_none() => {
            with_rate_headers(&d, response)
        }
        _ => response,
    }
}

/// Steps 1 to 4: the decision whose headers the answer carries, or the refusal.
async fn admit(
    state: &AppState,
    parts: &mut Parts,
    rule: Rule,
) -> Result<Option<Decision>, ApiError> {
    let limiter = state.rate_limiter.as_ref();
    let mut decision = None;
    if let Some(action) = rule.rate
        && action.per() == Per::Ip
    {
        decision = Some(enforce(limiter, action, &ip_of(parts, state)).await?);
    }
    let caller = match rule.auth {
        Auth::Public => None,
        Auth::Caller => match OptionalCaller::from_request_parts(parts, state).await? {
            OptionalCaller(Some(caller)) => Some(caller),
            OptionalCaller(None) => {
                return Err(
                    ApiError::new(ErrorCode::AuthRequired, "Authentication required")
                        .with_hint(HINT_AUTH_REQUIRED),
                );
            }
        },
        Auth::Mutator | Auth::Admin => Some(Mutator::from_request_parts(parts, state).await?.0),
    };
    if let (Some(action), Some(caller)) = (rule.rate, &caller) {
        match action.per() {
            Per::Caller => {
                decision = Some(enforce(limiter, action, caller.account_id.as_str()).await?);
            }
            Per::Target => {
                parts.extensions.insert(BatchLimit(action));
            }
            Per::Ip | Per::Claim => {}
        }
    }
    if let Some(caller) = caller {
        parts.extensions.insert(Authed(caller));
    }
    Ok(decision)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_a_rule_and_limits_fit_their_auth() {
        for op in operations() {
            let rule = rule_of(&op.method, &format!("/api/v1{}", op.path)).unwrap();
            assert_eq!(rule.auth, op.auth, "{op:?}");
            if let Some(action) = op.rate {
                // A per-caller or per-target limit needs a caller to count against.
                let needs_caller = matches!(action.per(), Per::Caller | Per::Target);
                assert!(
                    !needs_caller || op.auth != Auth::Public,
                    "{op:?} limits per caller but is public"
                );
            }
        }
        assert_eq!(rule_of(&Method::GET, "/api/v1/nope"), None);
    }
}
