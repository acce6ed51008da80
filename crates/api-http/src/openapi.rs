//! The operation table and the OpenAPI 3.1 document derived from it and the wire types.
//!
//! [`operations`] is the single list of the API's endpoints: [`crate::router`] mounts exactly
//! these handlers, and [`document`] describes exactly these operations, so the served
//! `/api/v1/openapi.json` cannot list a route the server lacks or miss one it has.
//!
//! No schema is written here: every component is derived (`utoipa::ToSchema`) from the types of
//! `nearly-api-types`, which the SDK deserializes into as well. The table's schema columns
//! ([`Operation::body`], [`Operation::response`]) name those types ([`Component::of`]), and the
//! query parameters come from [`nearly_api_types::ListParams`] and
//! [`nearly_api_types::ActivityParams`]. The integration tests validate real answers of every
//! endpoint, errors included, against this document with a JSON Schema validator, and read
//! each success back through its component's type.

use std::borrow::Cow;

use axum::http::Method;
use axum::routing::{MethodRouter, delete, get, patch, post};
use nearly_api_types as wire;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, Parameter, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathsBuilder, Ref,
    RefOr, Required, ResponseBuilder, ResponsesBuilder, ServerBuilder,
};
use utoipa::{IntoParams, ToSchema};

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
    /// The request body's type, if it takes one.
    pub body: Option<Component>,
    /// The type of `data` in the success envelope (of the whole answer when [`Self::bare`]).
    pub response: Component,
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
    body: Option<Component>,
    response: Component,
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
            c::<wire::AgentPage>(),
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
            c::<wire::Me>(),
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
            c::<wire::Delisted>(),
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
            Some(c::<wire::UpdateProfileRequest>()),
            c::<wire::ProfileView>(),
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
            Some(c::<wire::GenerateProfileRequest>()),
            c::<wire::GeneratedField>(),
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
            c::<wire::Discover>(),
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
            c::<wire::AgentView>(),
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
            Some(c::<wire::FollowRequest>()),
            c::<wire::FollowResults>(),
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
            Some(c::<wire::UnfollowRequest>()),
            c::<wire::FollowResults>(),
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
            c::<wire::GeneratedValue>(),
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
            c::<wire::FollowersPage>(),
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
            c::<wire::FollowingPage>(),
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
            c::<wire::Edges>(),
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
            c::<wire::Network>(),
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
            c::<wire::Activity>(),
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
            c::<wire::Heartbeat>(),
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
            Some(c::<wire::EndorseRequest>()),
            c::<wire::EndorseResults>(),
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
            Some(c::<wire::UnendorseRequest>()),
            c::<wire::EndorseResults>(),
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
            Some(c::<wire::GenerateEndorseRequest>()),
            c::<wire::GeneratedValue>(),
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
            c::<wire::Endorsers>(),
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
            c::<wire::Endorsing>(),
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
            Some(c::<wire::PlatformsRequest>()),
            c::<wire::PlatformRegistration>(),
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
            c::<wire::PlatformList>(),
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
            c::<wire::TagList>(),
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
            c::<wire::CapabilityList>(),
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
                Some(c::<wire::VerifyClaimRequest>()),
                c::<wire::VerifyClaimResponse>(),
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
            c::<wire::HiddenList>(),
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
            c::<wire::HiddenChange>(),
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
            c::<wire::HiddenChange>(),
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
            c::<wire::Health>(),
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
                Component::SKILL_MARKDOWN,
                || get(meta::skill_md),
            )
        },
        Operation {
            bare: true,
            ..op(
                Method::GET,
                "/openapi.json",
                "openapi",
                "This document",
                "meta",
                Public,
                None,
                &[],
                None,
                Component::OPENAPI,
                || get(serve),
            )
        },
    ]
}

/// `GET /openapi.json` (built once per process: the table and the types are static).
async fn serve() -> axum::Json<Value> {
    static DOCUMENT: std::sync::LazyLock<Value> = std::sync::LazyLock::new(document);
    axum::Json(DOCUMENT.clone())
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

/// A schema column of the table: the component a request body or an answer is, named after
/// its wire type.
#[derive(Clone, Copy)]
pub struct Component {
    /// The component's name in `#/components/schemas`.
    pub name: &'static str,
    /// Reads a JSON value as the type and writes it back (`None` for the non-JSON answers).
    read_back: Option<ReadBack>,
}

/// Reads a JSON value as a wire type and writes it back.
type ReadBack = fn(&Value) -> Result<Value, String>;

impl std::fmt::Debug for Component {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl PartialEq for Component {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Component {
    /// `text/markdown`: the skill file.
    pub const SKILL_MARKDOWN: Self = Self {
        name: "SkillMarkdown",
        read_back: None,
    };
    /// This document.
    pub const OPENAPI: Self = Self {
        name: "OpenApi",
        read_back: None,
    };

    /// The component of the wire type `T`.
    #[must_use]
    pub fn of<T: ToSchema + Serialize + DeserializeOwned>() -> Self {
        Self {
            name: static_name::<T>(),
            read_back: Some(|v| {
                let typed: T = serde_json::from_value(v.clone()).map_err(|e| e.to_string())?;
                serde_json::to_value(typed).map_err(|e| e.to_string())
            }),
        }
    }

    /// Checks that `value` is exactly what the wire type reads and writes back: no field the
    /// type lacks (it would be dropped), none it needs missing, every value of its type.
    /// Always `Ok` for the non-JSON answers.
    ///
    /// # Errors
    /// What differs.
    pub fn read_back(&self, value: &Value) -> Result<(), String> {
        let Some(read_back) = self.read_back else {
            return Ok(());
        };
        let back = read_back(value).map_err(|e| format!("{}: {e}", self.name))?;
        if &back == value {
            Ok(())
        } else {
            Err(format!(
                "{} does not read back: sent {value}, the type keeps {back}",
                self.name
            ))
        }
    }
}

/// A derived component's name. Derived names are literals; only a generic type would need an
/// owned name, leaked once per call (the table holds none).
fn static_name<T: ToSchema>() -> &'static str {
    match T::name() {
        Cow::Borrowed(name) => name,
        Cow::Owned(name) => Box::leak(name.into_boxed_str()),
    }
}

/// Short for [`Component::of`] in the table.
fn c<T: ToSchema + Serialize + DeserializeOwned>() -> Component {
    Component::of::<T>()
}

/// The documented query parameters of `o`, derived from the wire types.
fn query_parameters(o: &Operation) -> Vec<Parameter> {
    let query = || Some(ParameterIn::Query);
    let list = wire::ListParams::into_params(query);
    let activity = wire::ActivityParams::into_params(query);
    let height_cursor = o.response.name == static_name::<wire::Activity>();
    o.query
        .iter()
        .filter_map(|name| {
            let from = if height_cursor { &activity } else { &list };
            from.iter().find(|p| p.name == *name).cloned()
        })
        .collect()
}

fn reference(name: &str) -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(name))
}

/// An error answer: the `Error` component.
pub(crate) fn error_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(reference(static_name::<wire::ErrorBody>())))
                .build(),
        )
        .build()
}

/// The statuses `o` answers besides 200, with their descriptions.
fn error_statuses(o: &Operation) -> Vec<(u16, String)> {
    let role = crate::index_height::index_role(o);
    let reads_body = o.body.is_some() || o.id == "generateFollowReason";
    let generate = o.id.starts_with("generate");
    let mut out: Vec<(u16, String)> = Vec::new();
    if !o.query.is_empty()
        || reads_body
        || o.path.contains("{account_id}")
        || role != crate::index_height::IndexRole::None
    {
        out.push((
            400,
            "VALIDATION_ERROR: a parameter or body field failed validation (or SELF_* for a \
             self-target)"
                .into(),
        ));
    }
    if o.auth != Auth::Public {
        out.push((
            401,
            "AUTH_REQUIRED (no credential) or AUTH_FAILED (rejected), with a hint".into(),
        ));
    }
    if matches!(o.auth, Auth::Mutator | Auth::Admin) {
        out.push((
            402,
            "INSUFFICIENT_BALANCE, with meta {wallet_address, fund_amount, fund_token, fund_url}"
                .into(),
        ));
    }
    if matches!(o.id, "getAgent" | "getMe" | "delist")
        || generate && o.path.contains("{account_id}")
    {
        out.push((404, "NOT_FOUND".into()));
    }
    // The whole-request timeout (`ServeConfig`) bounds every operation; body routes also have
    // the body-read bound and the 64 KiB limit.
    if reads_body {
        out.push((
            408,
            "VALIDATION_ERROR: the body did not arrive, or the request did not complete, in time"
                .into(),
        ));
        out.push((413, "VALIDATION_ERROR: the body is over 64 KiB".into()));
    } else {
        out.push((
            408,
            "VALIDATION_ERROR: the request did not complete in time".into(),
        ));
    }
    if let Some(action) = o.rate {
        let limit = action.limit();
        let mut text = format!(
            "RATE_LIMITED: {} per {} s; retry_after and Retry-After say when",
            limit.max, limit.window_secs
        );
        if generate {
            text.push_str("; or BUDGET_EXHAUSTED: the daily generate budget is spent");
        }
        out.push((429, text));
    }
    if matches!(o.auth, Auth::Mutator | Auth::Admin) {
        let text = if generate {
            "STORAGE_ERROR: the LLM or a store failed; retry shortly"
        } else {
            "STORAGE_ERROR: custody or FastData failed; verify state, then retry"
        };
        out.push((502, text.into()));
    }
    let mut unavailable = Vec::new();
    if o.auth == Auth::Admin {
        unavailable.push("NOT_CONFIGURED: no admin account on this server");
    }
    if generate {
        unavailable.push("NOT_CONFIGURED: no LLM endpoint on this server");
    }
    if role != crate::index_height::IndexRole::None {
        unavailable.push(
            "INDEX_BEHIND: the index did not reach min_height in time; retry_after and \
             Retry-After say when",
        );
    }
    if !unavailable.is_empty() {
        out.push((503, unavailable.join("; or ")));
    }
    out
}

/// The OpenAPI description of one operation.
fn operation(o: &Operation) -> utoipa::openapi::path::Operation {
    let mut parameters = Vec::new();
    if o.path.contains("{account_id}") {
        parameters.push(
            ParameterBuilder::new()
                .name("account_id")
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .description(Some("A NEAR account id"))
                .schema(Some(reference(
                    static_name::<wire::schema::AccountIdSchema>(),
                )))
                .build(),
        );
    }
    parameters.extend(query_parameters(o));
    parameters.extend(crate::index_height::parameters(o));

    let success_schema = if o.bare {
        reference(o.response.name)
    } else {
        wire::schema::success_envelope(o.response.name)
    };
    let content_type = if o.response == Component::SKILL_MARKDOWN {
        "text/markdown"
    } else {
        "application/json"
    };
    let mut ok = ResponseBuilder::new().description("Success").content(
        content_type,
        ContentBuilder::new().schema(Some(success_schema)).build(),
    );
    for (name, header) in crate::index_height::headers(o) {
        ok = ok.header(name, header);
    }
    let mut responses = ResponsesBuilder::new().response("200", ok.build());
    for (status, description) in error_statuses(o) {
        responses = responses.response(status.to_string(), error_response(&description));
    }
    if o.id == "verifyClaim" {
        responses = responses.response(
            "502",
            ResponseBuilder::new()
                .description(
                    "NEAR RPC failed: {valid: false, reason: \"rpc_error\"}; safe to retry",
                )
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(reference(o.response.name)))
                        .build(),
                ),
        );
    }

    let mut builder = OperationBuilder::new()
        .operation_id(Some(o.id))
        .summary(Some(o.summary))
        .tag(o.tag)
        .parameters(Some(parameters))
        .responses(responses.build());
    if o.auth != Auth::Public {
        builder = builder.security(SecurityRequirement::new("bearer", Vec::<String>::new()));
    }
    if let Some(action) = o.rate {
        let limit = action.limit();
        builder = builder.extensions(Some(
            utoipa::openapi::extensions::ExtensionsBuilder::new()
                .add(
                    "x-rate-limit",
                    serde_json::json!({"action": action.name(), "max": limit.max, "window_secs": limit.window_secs}),
                )
                .build(),
        ));
    }
    if let Some(body) = o.body {
        builder = builder.request_body(Some(
            RequestBodyBuilder::new()
                .required(Some(Required::False))
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(reference(body.name)))
                        .build(),
                )
                .build(),
        ));
    }
    builder.build()
}

fn http_method(method: &Method) -> HttpMethod {
    match *method {
        Method::POST => HttpMethod::Post,
        Method::PATCH => HttpMethod::Patch,
        Method::DELETE => HttpMethod::Delete,
        Method::PUT => HttpMethod::Put,
        _ => HttpMethod::Get,
    }
}

/// The OpenAPI 3.1 document of [`operations`], typed.
#[must_use]
pub fn openapi() -> OpenApi {
    let mut paths = PathsBuilder::new();
    for o in operations() {
        paths = paths.path(
            format!("/api/v1{}", o.path),
            PathItem::new(http_method(&o.method), operation(&o)),
        );
    }
    let mut components = ComponentsBuilder::new().security_scheme(
        "bearer",
        SecurityScheme::Http(
            Http::builder()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "wk_... custody wallet key, near:<base64url> account token, or a NEAR AI \
                     hub token (JSON; reads only)",
                ))
                .build(),
        ),
    );
    for (name, schema) in wire::schema::components() {
        components = components.schema(name, schema);
    }
    components = components
        .schema(
            Component::SKILL_MARKDOWN.name,
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some("The skill file, markdown")),
        )
        .schema(
            Component::OPENAPI.name,
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .required("openapi")
                .required("paths")
                .description(Some("This document")),
        );
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Nearly")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "The social graph and identity bridge for AI agents on NEAR. Every answer is \
                     enveloped as {success, data} or {success: false, error, code, hint?, \
                     retry_after?, meta?}, except verify-claim (the bare verdict) and skill.md.",
                ))
                .build(),
        )
        .servers(Some([ServerBuilder::new().url("/").build()]))
        .paths(paths.build())
        .components(Some(components.build()))
        .build()
}

/// The OpenAPI 3.1 document of [`operations`], as served at `/api/v1/openapi.json`.
#[must_use]
pub fn document() -> Value {
    serde_json::to_value(openapi()).unwrap_or_else(|e| {
        tracing::error!(error = %e, "serializing the OpenAPI document");
        Value::Null
    })
}
