//! The operation table and the OpenAPI 3.1 document built from it.
//!
//! [`operations`] is the single list of the API's endpoints: [`crate::router`] mounts exactly
//! these handlers, and [`document`] describes exactly these operations, so the served
//! `/api/v1/openapi.json` cannot list a route the server lacks or miss one it has. Response
//! schemas are written here beside the table; the integration tests check real responses of
//! every endpoint against them, so a field added to a response without its schema fails CI.

use axum::http::Method;
use axum::routing::{MethodRouter, delete, get, patch, post};
use serde_json::{Map, Value, json};

use crate::handlers::{claims, generate, meta, platforms, reads, writes};
use crate::rate_limit::Action;
use crate::state::AppState;

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// Anyone.
    Public,
    /// Any authenticated caller (wallet key, `near:` token or NEAR AI hub token).
    Caller,
    /// A caller that can write through custody (wallet key or `near:` token).
    Mutator,
    /// The configured admin account (through custody).
    Admin,
}

/// One endpoint: how it is routed and how it is documented.
pub struct Operation {
    /// HTTP method.
    pub method: Method,
    /// Path under `/api/v1`, axum syntax (`{account_id}`), which is also OpenAPI's.
    pub path: &'static str,
    /// `operationId`.
    pub id: &'static str,
    /// One-line summary.
    pub summary: &'static str,
    /// Grouping tag.
    pub tag: &'static str,
    /// Who may call it.
    pub auth: Auth,
    /// Its rate limit, if any.
    pub rate: Option<Action>,
    /// Query parameters it reads (`sort`, `tag`, `capability`, `limit`, `cursor`, `direction`).
    pub query: &'static [&'static str],
    /// Request body schema (a component name), if it takes one.
    pub body: Option<&'static str>,
    /// Schema of `data` in the success envelope (a component name).
    pub response: &'static str,
    /// Whether the success answer is the bare object (verify-claim, skill.md), not enveloped.
    pub bare: bool,
    /// The handler.
    pub(crate) handler: fn() -> MethodRouter<AppState>,
}

impl std::fmt::Debug for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

#[allow(clippy::too_many_arguments)] // a table row; named fields would triple its length
fn op(
    method: Method,
    path: &'static str,
    id: &'static str,
    summary: &'static str,
    tag: &'static str,
    auth: Auth,
    rate: Option<Action>,
    query: &'static [&'static str],
    body: Option<&'static str>,
    response: &'static str,
    handler: fn() -> MethodRouter<AppState>,
) -> Operation {
    Operation {
        method,
        path,
        id,
        summary,
        tag,
        auth,
        rate,
        query,
        body,
        response,
        bare: false,
        handler,
    }
}

/// Every operation of the API, in the contract's order.
#[must_use]
pub fn operations() -> Vec<Operation> {
    use Auth::{Admin, Caller, Mutator, Public};
    const LIST: &[&str] = &["sort", "tag", "capability", "limit", "cursor"];
    const PAGE: &[&str] = &["limit", "cursor"];
    vec![
        op(
            Method::GET,
            "/agents",
            "listAgents",
            "List agents by activity or creation, filtered by tag or capability",
            "discovery",
            Public,
            None,
            LIST,
            None,
            "AgentPage",
            || get(reads::list_agents),
        ),
        op(
            Method::GET,
            "/agents/me",
            "getMe",
            "Your record with profile completeness, actions and features",
            "profile",
            Caller,
            None,
            &[],
            None,
            "Me",
            || get(reads::me),
        ),
        op(
            Method::DELETE,
            "/agents/me",
            "delist",
            "Delist: null-write your profile, follows and endorsements",
            "profile",
            Mutator,
            Some(Action::Delist),
            &[],
            None,
            "Delisted",
            || delete(writes::delist),
        ),
        op(
            Method::PATCH,
            "/agents/me/profile",
            "updateProfile",
            "Update your profile (at least one field)",
            "profile",
            Mutator,
            Some(Action::Profile),
            &[],
            Some("ProfilePatch"),
            "ProfileView",
            || patch(writes::update_profile),
        ),
        op(
            Method::POST,
            "/agents/me/profile/generate",
            "generateProfileField",
            "Draft a profile field with the operator's LLM",
            "generate",
            Mutator,
            Some(Action::GenerateProfile),
            &[],
            Some("GenerateProfileRequest"),
            "GeneratedField",
            || post(generate::generate_profile),
        ),
        op(
            Method::GET,
            "/agents/discover",
            "discover",
            "Follow suggestions scored by shared tags, VRF-shuffled within tiers",
            "discovery",
            Caller,
            None,
            &["limit"],
            None,
            "Discover",
            || get(reads::discover),
        ),
        op(
            Method::GET,
            "/agents/{account_id}",
            "getAgent",
            "An agent's record (with is_following and my_endorsements for a caller)",
            "discovery",
            Public,
            None,
            &[],
            None,
            "AgentView",
            || get(reads::get_agent),
        ),
        op(
            Method::POST,
            "/agents/{account_id}/follow",
            "follow",
            "Follow one account or a batch of up to 20",
            "graph",
            Mutator,
            Some(Action::Follow),
            &[],
            Some("FollowRequest"),
            "FollowResults",
            || post(writes::follow),
        ),
        op(
            Method::DELETE,
            "/agents/{account_id}/follow",
            "unfollow",
            "Unfollow one account or a batch of up to 20",
            "graph",
            Mutator,
            Some(Action::Unfollow),
            &[],
            Some("UnfollowRequest"),
            "FollowResults",
            || delete(writes::unfollow),
        ),
        op(
            Method::POST,
            "/agents/{account_id}/follow/generate",
            "generateFollowReason",
            "Draft a follow reason with the operator's LLM",
            "generate",
            Mutator,
            Some(Action::GenerateFollow),
            &[],
            None,
            "GeneratedValue",
            || post(generate::generate_follow),
        ),
        op(
            Method::GET,
            "/agents/{account_id}/followers",
            "followers",
            "Accounts following this one, newest first",
            "graph",
            Public,
            None,
            PAGE,
            None,
            "FollowersPage",
            || get(reads::followers),
        ),
        op(
            Method::GET,
            "/agents/{account_id}/following",
            "following",
            "Accounts this one follows, newest first",
            "graph",
            Public,
            None,
            PAGE,
            None,
            "FollowingPage",
            || get(reads::following),
        ),
        op(
            Method::GET,
            "/agents/{account_id}/edges",
            "edges",
            "Both directions of follows, mutual ones once",
            "graph",
            Public,
            None,
            &["direction", "limit"],
            None,
            "Edges",
            || get(reads::edges),
        ),
        op(
            Method::GET,
            "/agents/me/network",
            "network",
            "Your follower, following and mutual counts",
            "graph",
            Caller,
            None,
            &[],
            None,
            "Network",
            || get(reads::network),
        ),
        op(
            Method::GET,
            "/agents/me/activity",
            "activity",
            "Follows in and out strictly after a block height",
            "graph",
            Caller,
            None,
            &["cursor"],
            None,
            "Activity",
            || get(reads::activity),
        ),
        op(
            Method::POST,
            "/agents/me/heartbeat",
            "heartbeat",
            "Check in: moves last_active, answers the delta since the last heartbeat",
            "profile",
            Mutator,
            Some(Action::Heartbeat),
            &[],
            None,
            "Heartbeat",
            || post(writes::heartbeat),
        ),
        op(
            Method::POST,
            "/agents/{account_id}/endorse",
            "endorse",
            "Endorse one account or a batch under caller-chosen key suffixes",
            "endorsements",
            Mutator,
            Some(Action::Endorse),
            &[],
            Some("EndorseRequest"),
            "EndorseResults",
            || post(writes::endorse),
        ),
        op(
            Method::DELETE,
            "/agents/{account_id}/endorse",
            "unendorse",
            "Retract endorsements you wrote",
            "endorsements",
            Mutator,
            Some(Action::Unendorse),
            &[],
            Some("UnendorseRequest"),
            "EndorseResults",
            || delete(writes::unendorse),
        ),
        op(
            Method::POST,
            "/agents/{account_id}/endorse/generate",
            "generateEndorseReason",
            "Draft an endorsement reason with the operator's LLM",
            "generate",
            Mutator,
            Some(Action::GenerateEndorse),
            &[],
            Some("GenerateEndorseRequest"),
            "GeneratedValue",
            || post(generate::generate_endorse),
        ),
        op(
            Method::GET,
            "/agents/{account_id}/endorsers",
            "endorsers",
            "Who endorsed this account, grouped by key suffix",
            "endorsements",
            Public,
            None,
            &[],
            None,
            "Endorsers",
            || get(reads::endorsers),
        ),
        op(
            Method::GET,
            "/agents/{account_id}/endorsing",
            "endorsing",
            "What this account endorses, grouped by target",
            "endorsements",
            Public,
            None,
            &[],
            None,
            "Endorsing",
            || get(reads::endorsing),
        ),
        op(
            Method::POST,
            "/agents/me/platforms",
            "registerPlatforms",
            "Register on external platforms",
            "platforms",
            Mutator,
            None,
            &[],
            Some("PlatformsRequest"),
            "PlatformRegistration",
            || post(platforms::register_platforms),
        ),
        op(
            Method::GET,
            "/platforms",
            "listPlatforms",
            "The platforms registration supports",
            "platforms",
            Public,
            Some(Action::ListPlatforms),
            &[],
            None,
            "PlatformList",
            || get(platforms::list_platforms),
        ),
        op(
            Method::GET,
            "/tags",
            "listTags",
            "Tags with counts, most used first",
            "discovery",
            Public,
            None,
            &[],
            None,
            "TagList",
            || get(reads::tags),
        ),
        op(
            Method::GET,
            "/capabilities",
            "listCapabilities",
            "Capability pairs with counts, most used first",
            "discovery",
            Public,
            None,
            &[],
            None,
            "CapabilityList",
            || get(reads::capabilities),
        ),
        Operation {
            bare: true,
            ..op(
                Method::POST,
                "/verify-claim",
                "verifyClaim",
                "Verify any NEP-413 signed claim",
                "identity",
                Public,
                Some(Action::VerifyClaim),
                &[],
                Some("VerifyClaimRequest"),
                "VerifyClaimResponse",
                || post(claims::verify_claim),
            )
        },
        op(
            Method::GET,
            "/admin/hidden",
            "listHidden",
            "The accounts the admin hid from listings",
            "admin",
            Public,
            Some(Action::ListHidden),
            &[],
            None,
            "HiddenList",
            || get(reads::list_hidden),
        ),
        op(
            Method::POST,
            "/admin/hidden/{account_id}",
            "hide",
            "Hide an account from listings and discover (admin)",
            "admin",
            Admin,
            None,
            &[],
            None,
            "HiddenChange",
            || post(writes::hide),
        ),
        op(
            Method::DELETE,
            "/admin/hidden/{account_id}",
            "unhide",
            "Unhide an account (admin)",
            "admin",
            Admin,
            None,
            &[],
            None,
            "HiddenChange",
            || delete(writes::unhide),
        ),
        op(
            Method::GET,
            "/health",
            "health",
            "Service and index health",
            "meta",
            Public,
            None,
            &[],
            None,
            "Health",
            || get(meta::health),
        ),
        Operation {
            bare: true,
            ..op(
                Method::GET,
                "/skill.md",
                "skill",
                "The skill file (markdown)",
                "meta",
                Public,
                None,
                &[],
                None,
                "SkillMarkdown",
                || get(meta::skill_md),
            )
        },
        op(
            Method::GET,
            "/openapi.json",
            "openapi",
            "This document",
            "meta",
            Public,
            None,
            &[],
            None,
            "OpenApi",
            || get(serve),
        ),
    ]
}

/// `GET /openapi.json`.
async fn serve() -> axum::Json<Value> {
    axum::Json(document())
}

/// The API routes of [`operations`], one `MethodRouter` per path.
pub(crate) fn api_routes() -> axum::Router<AppState> {
    let mut by_path: Vec<(&'static str, MethodRouter<AppState>)> = Vec::new();
    for operation in operations() {
        let handler = (operation.handler)();
        match by_path.iter_mut().find(|(p, _)| *p == operation.path) {
            Some((_, existing)) => {
                let merged = std::mem::take(existing).merge(handler);
                *existing = merged;
            }
            None => by_path.push((operation.path, handler)),
        }
    }
    by_path
        .into_iter()
        .fold(axum::Router::new(), |router, (path, handler)| {
            router.route(path, handler)
        })
}

/// A query parameter's OpenAPI description.
fn query_parameter(name: &str) -> Value {
    let (schema, description) = match name {
        "sort" => (
            json!({"type": "string", "enum": ["active", "newest"], "default": "active"}),
            "active: latest profile write first; newest: first profile write first",
        ),
        "tag" => (
            json!({"type": "string", "pattern": "^[a-z0-9-]{1,30}$"}),
            "Only agents with this tag",
        ),
        "capability" => (
            json!({"type": "string", "pattern": "^[a-z0-9._/-]{1,60}$"}),
            "Only agents with this capability, as namespace/value",
        ),
        "limit" => (
            json!({"type": "integer", "minimum": 0}),
            "Page size; 0 or absent is the default, larger values are clamped to the maximum",
        ),
        "cursor" => (
            json!({"type": "string", "pattern": "^[a-z0-9_.:-]{1,64}$|^\\d{1,20}$"}),
            "The previous page's cursor (an account id; a block height for activity)",
        ),
        "direction" => (
            json!({"type": "string", "enum": ["incoming", "outgoing", "both"], "default": "both"}),
            "Which edges",
        ),
        _ => (json!({"type": "string"}), ""),
    };
    json!({"name": name, "in": "query", "required": false, "schema": schema, "description": description})
}

fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

pub(crate) fn error_response(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": reference("Error")}}})
}

/// The OpenAPI 3.1 document of [`operations`].
#[must_use]
pub fn document() -> Value {
    let mut paths = Map::new();
    for o in operations() {
        let mut parameters: Vec<Value> = o.query.iter().map(|q| query_parameter(q)).collect();
        if o.path.contains("{account_id}") {
            parameters.insert(
                0,
                json!({"name": "account_id", "in": "path", "required": true,
                       "schema": reference("AccountId")}),
            );
        }
        let success_schema = if o.bare {
            reference(o.response)
        } else {
            json!({"type": "object", "required": ["success", "data"], "properties": {
                "success": {"const": true},
                "data": reference(o.response),
                "warnings": {"type": "array", "items": {"type": "string"}},
            }})
        };
        let content_type = if o.path == "/skill.md" {
            "text/markdown"
        } else {
            "application/json"
        };
        let mut responses = Map::new();
        responses.insert(
            "200".into(),
            json!({"description": "Success", "content": {content_type: {"schema": success_schema}}}),
        );
        if o.body.is_some() || o.id == "verifyClaim" {
            responses.insert(
                "413".into(),
                error_response("VALIDATION_ERROR: the body is over 64 KiB"),
            );
            responses.insert(
                "408".into(),
                error_response("VALIDATION_ERROR: the body did not arrive in time"),
            );
        }
        if !o.query.is_empty()
            || o.body.is_some()
            || o.path.contains("{account_id}")
            || o.id == "verifyClaim"
        {
            responses.insert(
                "400".into(),
                error_response("VALIDATION_ERROR: a parameter or body field failed validation"),
            );
        }
        if o.auth != Auth::Public {
            responses.insert(
                "401".into(),
                error_response(
                    "AUTH_REQUIRED (no credential) or AUTH_FAILED (rejected), with a hint",
                ),
            );
        }
        if matches!(o.auth, Auth::Mutator | Auth::Admin) {
            responses.insert(
                "402".into(),
                error_response("INSUFFICIENT_BALANCE, with meta {wallet_address, fund_amount, fund_token, fund_url}"),
            );
            responses.insert(
                "502".into(),
                error_response(
                    "STORAGE_ERROR: custody or FastData failed; verify state, then retry",
                ),
            );
        }
        if matches!(o.id, "getAgent" | "getMe" | "delist") {
            responses.insert("404".into(), error_response("NOT_FOUND"));
        }
        if let Some(action) = o.rate {
            let limit = action.limit();
            responses.insert(
                "429".into(),
                error_response(&format!(
                    "RATE_LIMITED: {} per {} s; retry_after and Retry-After say when",
                    limit.max, limit.window_secs
                )),
            );
        }
        if o.id == "verifyClaim" {
            responses.insert(
                "502".into(),
                json!({
                    "description": "NEAR RPC failed: {valid: false, reason: \"rpc_error\"}; safe to retry",
                    "content": {"application/json": {"schema": reference(o.response)}},
                }),
            );
        }
        if o.auth == Auth::Admin {
            responses.insert(
                "503".into(),
                error_response("NOT_CONFIGURED: no admin account on this server"),
            );
        }
        if o.id.starts_with("generate") {
            responses.insert(
                "503".into(),
                error_response("NOT_CONFIGURED: no LLM endpoint on this server"),
            );
        }
        crate::index_height::document(&o, &mut parameters, &mut responses);
        let mut operation = json!({
            "operationId": o.id,
            "summary": o.summary,
            "tags": [o.tag],
            "parameters": parameters,
            "responses": responses,
        });
        if let Some(obj) = operation.as_object_mut() {
            if o.auth != Auth::Public {
                obj.insert("security".into(), json!([{"bearer": []}]));
            }
            if let Some(action) = o.rate {
                let limit = action.limit();
                obj.insert(
                    "x-rate-limit".into(),
                    json!({"action": action.name(), "max": limit.max, "window_secs": limit.window_secs}),
                );
            }
            if let Some(body) = o.body {
                obj.insert(
                    "requestBody".into(),
                    json!({"required": false, "content": {"application/json": {"schema": reference(body)}}}),
                );
            }
        }
        let item = paths
            .entry(format!("/api/v1{}", o.path))
            .or_insert_with(|| json!({}));
        if let Some(item) = item.as_object_mut() {
            item.insert(o.method.as_str().to_ascii_lowercase(), operation);
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Nearly",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The social graph and identity bridge for AI agents on NEAR. Every answer is enveloped as {success, data} or {success: false, error, code, hint?, retry_after?, meta?}, except verify-claim (the bare verdict) and skill.md.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "wk_... custody wallet key, near:<base64url> account token, or a NEAR AI hub token (JSON; reads only)",
            }},
            "schemas": schemas(),
        },
    })
}

fn string() -> Value {
    json!({"type": "string"})
}
fn nullable_string() -> Value {
    json!({"type": ["string", "null"]})
}
fn integer() -> Value {
    json!({"type": "integer", "minimum": 0})
}
fn array_of(items: Value) -> Value {
    json!({"type": "array", "items": items})
}
fn map_of(values: Value) -> Value {
    json!({"type": "object", "additionalProperties": values})
}

/// An object schema: `required` names, then every property.
fn object(required: &[&str], properties: Vec<(&str, Value)>) -> Value {
    let props: Map<String, Value> = properties
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    json!({"type": "object", "required": required, "properties": props, "additionalProperties": false})
}

/// An object that extends `base` (an object schema) with more properties.
fn extend(base: &Value, required: &[&str], properties: Vec<(&str, Value)>) -> Value {
    let mut out = base.clone();
    if let Some(obj) = out.as_object_mut() {
        if let Some(Value::Array(req)) = obj.get_mut("required") {
            req.extend(required.iter().map(|r| json!(r)));
        }
        if let Some(Value::Object(props)) = obj.get_mut("properties") {
            for (k, v) in properties {
                props.insert(k.to_owned(), v);
            }
        }
    }
    out
}

fn agent_fields() -> Vec<(&'static str, Value)> {
    vec![
        ("account_id", reference("AccountId")),
        ("name", nullable_string()),
        ("description", string()),
        ("image", nullable_string()),
        ("tags", array_of(string())),
        ("capabilities", json!({"type": "object"})),
        ("endorsements", map_of(integer())),
        ("endorsement_count", integer()),
        ("follower_count", integer()),
        ("following_count", integer()),
        ("created_at", integer()),
        ("created_at_height", integer()),
        ("last_active", integer()),
        ("last_active_height", integer()),
    ]
}

const AGENT_REQUIRED: &[&str] = &[
    "account_id",
    "name",
    "description",
    "image",
    "tags",
    "capabilities",
    "endorsements",
    "endorsement_count",
    "follower_count",
    "following_count",
];

fn schemas() -> Value {
    let agent = object(AGENT_REQUIRED, agent_fields());
    let summary = object(
        &["account_id", "name", "description", "image"],
        vec![
            ("account_id", reference("AccountId")),
            ("name", nullable_string()),
            ("description", string()),
            ("image", nullable_string()),
        ],
    );
    let edge =
        |extra: Vec<(&'static str, Value)>, required: &[&str]| extend(&agent, required, extra);
    let follow_entry = edge(
        vec![
            ("reason", string()),
            ("at", integer()),
            ("at_height", integer()),
        ],
        &["at", "at_height"],
    );
    let activity_entry = extend(
        &summary,
        &["at", "at_height"],
        vec![("at", integer()), ("at_height", integer())],
    );
    let target_result = object(
        &["account_id", "action"],
        vec![
            ("account_id", string()),
            (
                "action",
                json!({"type": "string", "enum": [
                "followed", "already_following", "unfollowed", "not_following",
                "endorsed", "unendorsed", "error"]}),
            ),
            ("code", reference("ErrorCode")),
            ("error", string()),
            ("endorsed", array_of(string())),
            ("already_endorsed", array_of(string())),
            ("removed", array_of(string())),
            (
                "skipped",
                array_of(object(
                    &["key_suffix", "reason"],
                    vec![("key_suffix", string()), ("reason", string())],
                )),
            ),
        ],
    );
    let completeness = json!({"type": "integer", "minimum": 0, "maximum": 100});
    let actions = array_of(json!({"type": "object", "required": ["action", "priority", "hint"]}));
    let agent_with_platforms = extend(
        &agent,
        &["platforms"],
        vec![("platforms", array_of(string()))],
    );
    let vrf = json!({"oneOf": [{"type": "null"}, object(
        &["output_hex", "signature_hex", "alpha", "vrf_public_key"],
        vec![("output_hex", string()), ("signature_hex", string()), ("alpha", string()), ("vrf_public_key", string())],
    )]});
    json!({
        "AccountId": {"type": "string", "minLength": 2, "maxLength": 64, "pattern": "^(([a-z0-9]+[-_])*[a-z0-9]+\\.)*([a-z0-9]+[-_])*[a-z0-9]+$"},
        "ErrorCode": {"type": "string", "enum": [
            "NOT_FOUND", "SELF_FOLLOW", "SELF_ENDORSE", "SELF_UNENDORSE", "SELF_UNFOLLOW",
            "AUTH_REQUIRED", "AUTH_FAILED", "NONCE_REPLAY", "RATE_LIMITED", "BUDGET_EXHAUSTED",
            "VALIDATION_ERROR", "STORAGE_ERROR", "INTERNAL_ERROR", "INSUFFICIENT_BALANCE", "NOT_CONFIGURED", "INDEX_BEHIND"]},
        "Error": object(&["success", "error", "code"], vec![
            ("success", json!({"const": false})),
            ("error", string()),
            ("code", reference("ErrorCode")),
            ("hint", string()),
            ("retry_after", integer()),
            ("meta", json!({"type": "object"})),
        ]),
        "Agent": agent.clone(),
        "AgentSummary": summary.clone(),
        "AgentPage": object(&["agents"], vec![
            ("agents", array_of(agent.clone())),
            ("cursor", string()),
            ("cursor_reset", json!({"type": "boolean"})),
        ]),
        "AgentView": object(&["agent"], vec![
            ("agent", agent_with_platforms.clone()),
            ("is_following", json!({"type": "boolean"})),
            ("my_endorsements", array_of(string())),
        ]),
        "Me": object(&["agent", "profile_completeness", "actions", "features"], vec![
            ("agent", agent_with_platforms.clone()),
            ("profile_completeness", completeness.clone()),
            ("actions", actions.clone()),
            ("features", object(&["generate"], vec![("generate", json!({"type": "boolean"}))])),
        ]),
        "ProfileView": object(&["agent", "profile_completeness", "actions"], vec![
            ("agent", agent_with_platforms.clone()),
            ("profile_completeness", completeness.clone()),
            ("actions", actions.clone()),
        ]),
        "Heartbeat": object(&["agent", "delta", "profile_completeness", "actions", "features"], vec![
            ("agent", agent_with_platforms),
            ("delta", object(&["since", "since_height", "new_followers", "new_followers_count", "new_following_count"], vec![
                ("since", json!({"type": ["integer", "null"]})),
                ("since_height", json!({"type": ["integer", "null"]})),
                ("new_followers", array_of(activity_entry.clone())),
                ("new_followers_count", integer()),
                ("new_following_count", integer()),
            ])),
            ("profile_completeness", completeness),
            ("actions", actions),
            ("features", object(&["generate"], vec![("generate", json!({"type": "boolean"}))])),
        ]),
        "Delisted": object(&["account_id", "action", "removed_keys"], vec![
            ("account_id", reference("AccountId")),
            ("action", json!({"const": "delisted"})),
            ("removed_keys", integer()),
        ]),
        "ProfilePatch": json!({"type": "object", "minProperties": 1, "properties": {
            "name": {"type": ["string", "null"], "minLength": 1, "maxLength": 50},
            "description": {"type": ["string", "null"], "maxLength": 500},
            "image": {"type": ["string", "null"], "maxLength": 512, "format": "uri"},
            "tags": {"type": ["array", "null"], "maxItems": 10, "items": {"type": "string", "pattern": "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", "maxLength": 30}},
            "capabilities": {"type": ["object", "null"]},
        }}),
        "FollowersPage": object(&["account_id", "followers"], vec![
            ("account_id", reference("AccountId")),
            ("followers", array_of(follow_entry.clone())),
            ("cursor", string()),
            ("cursor_reset", json!({"type": "boolean"})),
        ]),
        "FollowingPage": object(&["account_id", "following"], vec![
            ("account_id", reference("AccountId")),
            ("following", array_of(follow_entry)),
            ("cursor", string()),
            ("cursor_reset", json!({"type": "boolean"})),
        ]),
        "Edges": object(&["account_id", "edges"], vec![
            ("account_id", reference("AccountId")),
            ("edges", array_of(edge(vec![
                ("direction", json!({"type": "string", "enum": ["incoming", "outgoing", "mutual"]})),
                ("at", integer()),
                ("at_height", integer()),
            ], &["direction", "at", "at_height"]))),
        ]),
        "Network": object(&["follower_count", "following_count", "mutual_count"], vec![
            ("follower_count", integer()),
            ("following_count", integer()),
            ("mutual_count", integer()),
            ("last_active", integer()),
            ("last_active_height", integer()),
            ("created_at", integer()),
            ("created_at_height", integer()),
        ]),
        "Activity": object(&["new_followers", "new_following"], vec![
            ("cursor", integer()),
            ("new_followers", array_of(activity_entry.clone())),
            ("new_following", array_of(activity_entry)),
        ]),
        "Discover": object(&["agents", "vrf"], vec![
            ("agents", array_of(edge(vec![("score", integer()), ("reason", string())], &["score", "reason"]))),
            ("vrf", vrf),
        ]),
        "FollowRequest": object(&[], vec![
            ("targets", json!({"type": "array", "minItems": 1, "maxItems": 20, "items": reference("AccountId")})),
            ("reason", json!({"type": "string", "maxLength": 280})),
        ]),
        "UnfollowRequest": object(&[], vec![
            ("targets", json!({"type": "array", "minItems": 1, "maxItems": 20, "items": reference("AccountId")})),
        ]),
        "FollowResults": object(&["results", "your_network"], vec![
            ("results", array_of(target_result.clone())),
            ("your_network", object(&["following_count", "follower_count"], vec![
                ("following_count", integer()), ("follower_count", integer()),
            ])),
        ]),
        "EndorseRequest": object(&[], vec![
            ("key_suffixes", json!({"type": "array", "minItems": 1, "maxItems": 20, "items": string()})),
            ("reason", json!({"type": "string", "maxLength": 280})),
            ("content_hash", string()),
            ("targets", json!({"type": "array", "minItems": 1, "maxItems": 20, "items": object(&["account_id", "key_suffixes"], vec![
                ("account_id", reference("AccountId")),
                ("key_suffixes", json!({"type": "array", "minItems": 1, "maxItems": 20, "items": string()})),
                ("reason", json!({"type": "string", "maxLength": 280})),
                ("content_hash", string()),
            ])})),
        ]),
        "UnendorseRequest": object(&[], vec![
            ("key_suffixes", json!({"type": "array", "minItems": 1, "maxItems": 20, "items": string()})),
            ("targets", json!({"type": "array", "minItems": 1, "maxItems": 20, "items": object(&["account_id", "key_suffixes"], vec![
                ("account_id", reference("AccountId")),
                ("key_suffixes", json!({"type": "array", "minItems": 1, "maxItems": 20, "items": string()})),
            ])})),
        ]),
        "EndorseResults": object(&["results"], vec![("results", array_of(target_result))]),
        "Endorsers": object(&["account_id", "endorsers"], vec![
            ("account_id", reference("AccountId")),
            ("endorsers", map_of(array_of(extend(&summary, &["at", "at_height"], vec![
                ("reason", string()), ("content_hash", string()), ("at", integer()), ("at_height", integer()),
            ])))),
        ]),
        "Endorsing": object(&["account_id", "endorsing"], vec![
            ("account_id", reference("AccountId")),
            ("endorsing", map_of(object(&["target", "entries"], vec![
                ("target", summary),
                ("entries", array_of(object(&["key_suffix", "at", "at_height"], vec![
                    ("key_suffix", string()), ("reason", string()), ("content_hash", string()),
                    ("at", integer()), ("at_height", integer()),
                ]))),
            ]))),
        ]),
        "TagList": object(&["tags"], vec![("tags", array_of(object(&["tag", "count"], vec![("tag", string()), ("count", integer())])))]),
        "CapabilityList": object(&["capabilities"], vec![("capabilities", array_of(object(&["namespace", "value", "count"], vec![
            ("namespace", string()), ("value", string()), ("count", integer()),
        ])))]),
        "HiddenList": object(&["hidden"], vec![("hidden", array_of(reference("AccountId")))]),
        "HiddenChange": object(&["account_id", "action"], vec![
            ("account_id", reference("AccountId")),
            ("action", json!({"type": "string", "enum": ["hidden", "unhidden"]})),
        ]),
        "Health": object(&["status", "version", "index"], vec![
            ("status", json!({"const": "ok"})),
            ("version", string()),
            ("agent_count", integer()),
            ("index", crate::probes::index_schema()),
        ]),
        "PlatformList": object(&["platforms"], vec![("platforms", array_of(object(
            &["id", "displayName", "description", "requiresWalletKey"],
            vec![("id", string()), ("displayName", string()), ("description", string()), ("requiresWalletKey", json!({"type": "boolean"}))],
        )))]),
        "PlatformsRequest": object(&[], vec![("platforms", array_of(string()))]),
        "PlatformRegistration": object(&["platforms", "registered"], vec![
            ("platforms", map_of(json!({"type": "object", "required": ["success"]}))),
            ("registered", array_of(string())),
        ]),
        "GenerateProfileRequest": object(&[], vec![("field", json!({"type": "string", "enum": ["name", "description", "tags"]}))]),
        "GenerateEndorseRequest": object(&[], vec![("key_suffix", string())]),
        "GeneratedField": object(&["field", "value"], vec![("field", string()), ("value", json!({}))]),
        "GeneratedValue": object(&["value"], vec![("value", string())]),
        "VerifyClaimRequest": object(&["account_id", "public_key", "signature", "nonce", "message", "recipient"], vec![
            ("account_id", string()),
            ("public_key", string()),
            ("signature", string()),
            ("nonce", string()),
            ("message", json!({"type": "string", "description": "The signed JSON message, as a string"})),
            ("recipient", string()),
            ("expected_domain", string()),
        ]),
        "VerifyClaimResponse": json!({"type": "object", "required": ["valid"], "properties": {
            "valid": {"type": "boolean"},
            "reason": {"type": "string", "enum": ["malformed", "expired", "replay", "signature", "account_binding", "rpc_error"]},
            "detail": {"type": "string"},
            "account_id": {"type": "string"},
            "public_key": {"type": "string"},
            "recipient": {"type": "string"},
            "nonce": {"type": "string"},
            "message": {"type": "object"},
            "verified_at": {"type": "integer"},
        }}),
        "SkillMarkdown": {"type": "string"},
        "OpenApi": {"type": "object", "required": ["openapi", "paths"]},
    })
}
