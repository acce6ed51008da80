//! The OutLayer-compatible HTTP API over a [`LocalCustody`].
//!
//! The only place that knows HTTP statuses: every [`Error`] becomes its OutLayer status and
//! envelope here.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use outlayer_client::wire::{
    CallResponse, CallStatus, DUPLICATE_IDEMPOTENCY_KEY, ErrorEnvelope, GET_VRF_SEED_ACTION,
    HttpsCallResponse, IDEMPOTENCY_KEY_HEADER, SignMessageRequest, VrfCallRequest, WasmOutput,
};
use outlayer_client::{CallOutcome, CustodyAuth};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::custody::{LocalCustody, uuid_v4};
use crate::error::Error;
use crate::wire::{AuthSignRequest, VrfPublicKeyResponse};

/// Largest request body accepted: NEAR's 4 MiB function-call args limit plus room for the
/// envelope.
pub const MAX_BODY_BYTES: usize = 5 * 1024 * 1024;

/// The body of the zero-balance answer: the real service answers a `call` from an unfunded
/// wallet with a proxy's 502 page, not JSON (`wire-formats.md` §2.3).
const BAD_GATEWAY_PAGE: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n\
<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n";

/// The OutLayer custody API over `custody`, wire-compatible with `api.outlayer.fastnear.com`
/// (`wire-formats.md` §2):
///
/// | Method | Path | Auth |
/// |---|---|---|
/// | POST | `/register` (empty body or `{}`) | none |
/// | POST | `/wallet/v1/call` (`X-Idempotency-Key` honoured) | wallet |
/// | POST | `/wallet/v1/sign-message` | wallet |
/// | GET | `/wallet/v1/balance?chain=near` | wallet |
/// | POST | `/wallet/v1/auth-sign` | wallet |
/// | GET | `/vrf/pubkey` | none |
/// | POST | `/call/{owner}/{project}` (`get_vrf_seed`; any owner and project) | wallet |
///
/// "wallet" is `Authorization: Bearer wk_...` or `Bearer near:...` (a token of a wallet held
/// here). Errors are `{"error":"<code>","message":"..."}` with OutLayer's statuses: 401
/// (`missing_auth`, `invalid_api_key`, `timestamp_expired`, `invalid_signature`), 400
/// (`bad_request` for any malformed body or query, `unsupported_chain`, `unsupported_token`),
/// 422 `onchain_tx_failed`, 404 `not_found`, 405 `method_not_allowed`, 500 `internal_error`;
/// a call from a zero-balance wallet is a 502 with an HTML body, as in production.
///
/// Mount it under a prefix with [`Router::nest`]:
///
/// ```no_run
/// # fn demo(custody: sandbox_custody::LocalCustody) {
/// let app: axum::Router = axum::Router::new().nest("/outlayer", sandbox_custody::router(custody));
/// # }
/// ```
pub fn router(custody: LocalCustody) -> Router {
    Router::new()
        .route("/register", post(register))
        .route("/wallet/v1/call", post(call))
        .route("/wallet/v1/sign-message", post(sign_message))
        .route("/wallet/v1/balance", get(balance))
        .route("/wallet/v1/auth-sign", post(auth_sign))
        .route("/vrf/pubkey", get(vrf_pubkey))
        .route("/call/{owner}/{project}", post(wasm_call))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(custody)
}

/// An [`Error`] rendered as OutLayer renders it.
struct ApiError(Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        Self(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let error = self.0;
        let status = match &error {
            Error::MissingAuth
            | Error::InvalidApiKey(_)
            | Error::TimestampExpired { .. }
            | Error::InvalidSignature(_) => StatusCode::UNAUTHORIZED,
            Error::BadRequest(_) | Error::UnsupportedChain(_) | Error::UnsupportedToken(_) => {
                StatusCode::BAD_REQUEST
            }
            Error::InsufficientBalance { .. } => {
                return (
                    StatusCode::BAD_GATEWAY,
                    [(header::CONTENT_TYPE, "text/html")],
                    BAD_GATEWAY_PAGE,
                )
                    .into_response();
            }
            Error::OnchainFailed { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let mut envelope = ErrorEnvelope::new(error.code(), error.public_message());
        if let Error::OnchainFailed { tx_hash, message } = error {
            envelope.tx_hash = Some(tx_hash);
            envelope.failure = Some(Value::String(message));
        }
        (status, Json(envelope)).into_response()
    }
}

type ApiResult = Result<Response, ApiError>;

/// The credential of `Authorization: Bearer <wk_...|near:...>`, checked against the custody
/// before the body is looked at (as OutLayer's auth middleware does).
async fn authenticate(custody: &LocalCustody, headers: &HeaderMap) -> Result<CustodyAuth, Error> {
    let auth = credential(headers)?;
    custody.account_of(&auth).await?;
    Ok(auth)
}

/// The credential of `Authorization: Bearer <wk_...|near:...>`.
fn credential(headers: &HeaderMap) -> Result<CustodyAuth, Error> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or(Error::MissingAuth)?;
    let value = value
        .to_str()
        .map_err(|_| Error::InvalidApiKey("the Authorization header is not ASCII".to_owned()))?;
    let token = match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        _ => {
            return Err(Error::InvalidApiKey(
                "expected Authorization: Bearer <api_key>".to_owned(),
            ));
        }
    };
    CustodyAuth::from_bearer(token).ok_or_else(|| {
        Error::InvalidApiKey("the credential is neither a wk_ key nor a near: token".to_owned())
    })
}

/// Parses a JSON body; any failure (too large, not JSON, wrong shape) is a 400.
fn json_body<T: DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> Result<T, Error> {
    let bytes = body.map_err(|e| Error::BadRequest(format!("cannot read the body: {e}")))?;
    serde_json::from_slice(&bytes).map_err(|e| Error::BadRequest(format!("invalid JSON body: {e}")))
}

async fn register(
    State(custody): State<LocalCustody>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let bytes = body.map_err(|e| Error::BadRequest(format!("cannot read the body: {e}")))?;
    if !bytes.iter().all(u8::is_ascii_whitespace) {
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| Error::BadRequest(format!("invalid JSON body: {e}")))?;
        let Value::Object(map) = value else {
            return Err(Error::BadRequest("the body must be a JSON object".to_owned()).into());
        };
        if map.contains_key("account_id") || map.contains_key("signature") {
            return Err(Error::BadRequest(
                "deterministic registration is not supported by the sandbox custody; \
                 POST an empty body"
                    .to_owned(),
            )
            .into());
        }
    }
    Ok(Json(custody.create_wallet().await?).into_response())
}

async fn call(
    State(custody): State<LocalCustody>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let auth = authenticate(&custody, &headers).await?;
    let request = json_body(body)?;
    let idempotency_key = [IDEMPOTENCY_KEY_HEADER, "Idempotency-Key"]
        .iter()
        .find_map(|name| headers.get(*name))
        .map(|v| {
            v.to_str().map_err(|_| {
                Error::BadRequest("the idempotency key header is not ASCII".to_owned())
            })
        })
        .transpose()?;
    let outcome = custody
        .execute_call(&auth, &request, idempotency_key)
        .await?;
    Ok(match outcome {
        // The wire answer has no block height, as the real service's has none.
        CallOutcome::Applied {
            request_id,
            tx_hash,
            result,
            block_height: _,
        } => {
            let mut response = CallResponse::with_status(CallStatus::Success);
            response.request_id = request_id;
            response.tx_hash = tx_hash;
            // Written as `"result": null` when there is none, like the real service.
            response.result = Some(result.unwrap_or(Value::Null));
            Json(response).into_response()
        }
        CallOutcome::DuplicateIdempotencyKey { message } => {
            Json(ErrorEnvelope::new(DUPLICATE_IDEMPOTENCY_KEY, message)).into_response()
        }
        CallOutcome::PendingApproval {
            request_id,
            approval_id,
            required,
            approved,
        } => {
            let mut response = CallResponse::with_status(CallStatus::PendingApproval);
            response.request_id = request_id;
            response.approval_id = approval_id;
            response.required = required;
            response.approved = approved;
            Json(response).into_response()
        }
    })
}

async fn sign_message(
    State(custody): State<LocalCustody>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let auth = authenticate(&custody, &headers).await?;
    let request: SignMessageRequest = json_body(body)?;
    Ok(Json(custody.sign_nep413(&auth, &request).await?).into_response())
}

/// The query of `GET /wallet/v1/balance`.
#[derive(Debug, Deserialize)]
struct BalanceQuery {
    chain: Option<String>,
    token: Option<String>,
}

async fn balance(
    State(custody): State<LocalCustody>,
    headers: HeaderMap,
    query: Result<Query<BalanceQuery>, QueryRejection>,
) -> ApiResult {
    let auth = authenticate(&custody, &headers).await?;
    let Query(query) = query.map_err(|e| Error::BadRequest(format!("invalid query: {e}")))?;
    match query.chain.as_deref() {
        None | Some("near") => {}
        Some(other) => return Err(Error::UnsupportedChain(other.to_owned()).into()),
    }
    if let Some(token) = query.token.filter(|t| !t.eq_ignore_ascii_case("near")) {
        return Err(Error::UnsupportedToken(token).into());
    }
    Ok(Json(custody.wallet_balance(&auth).await?).into_response())
}

async fn auth_sign(
    State(custody): State<LocalCustody>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let auth = authenticate(&custody, &headers).await?;
    let request: AuthSignRequest = json_body(body)?;
    Ok(Json(custody.auth_sign(&auth, &request).await?).into_response())
}

async fn vrf_pubkey(State(custody): State<LocalCustody>) -> Response {
    Json(VrfPublicKeyResponse {
        vrf_public_key_hex: custody.vrf_public_key_hex(),
    })
    .into_response()
}

/// `POST /call/{owner}/{project}`: the sandbox runs no WASM; it answers the Nearly program's
/// `get_vrf_seed` action itself, whatever the owner and project.
async fn wasm_call(
    State(custody): State<LocalCustody>,
    Path((_owner, _project)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let auth = authenticate(&custody, &headers).await?;
    let request: VrfCallRequest = json_body(body)?;
    let output = if request.input.action == GET_VRF_SEED_ACTION {
        let request_id = request.input.request_id.unwrap_or_else(uuid_v4);
        WasmOutput {
            success: true,
            data: Some(custody.vrf_seed_for(&auth, &request_id).await?),
            error: None,
        }
    } else {
        WasmOutput {
            success: false,
            data: None,
            error: Some(format!(
                "unknown action {:?}; the sandbox program only knows {GET_VRF_SEED_ACTION:?}",
                request.input.action
            )),
        }
    };
    let output = serde_json::to_value(output).map_err(|e| Error::internal("VRF output", e))?;
    Ok(Json(HttpsCallResponse {
        call_id: Some(uuid_v4()),
        status: Some("completed".to_owned()),
        output: Some(output),
        error: None,
    })
    .into_response())
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(ErrorEnvelope::new("not_found", "no such endpoint")),
    )
        .into_response()
}

async fn method_not_allowed() -> Response {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        Json(ErrorEnvelope::new(
            "method_not_allowed",
            "this endpoint does not accept that method",
        )),
    )
        .into_response()
}
