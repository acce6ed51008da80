//! Response plumbing, the one place where answers become HTTP: the error envelope
//! ([`ApiError`], with the `ErrorCode -> HTTP status` table, [`status_of`], and the mapping of
//! the application layer's [`AppError`]), the success envelope ([`Envelope`]), and the headers
//! every handler shares (`Cache-Control`, `X-RateLimit-*`).
//!
//! Also reachable as `api_http::error`, its former name.

use axum::Json;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use nearly_core::ErrorCode;
use serde::Serialize;
use serde_json::Value;

use crate::app::AppError;
pub use crate::app::{FUND_AMOUNT, FUND_TOKEN};
use crate::auth::{HINT_BAD_WALLET_KEY, HINT_READ_ONLY};
use crate::rate_limit::Decision;

/// The message every `INTERNAL_ERROR` answers with; the cause only goes to the log.
pub const INTERNAL_MESSAGE: &str = "Internal server error. Retry after a brief delay.";

/// The HTTP status of a top-level error with `code`: 400 validation and self-targeting, 401
/// auth, 402 balance, 404 not found, 429 rate and budget limits, 500 internal, 502 storage, 503
/// not configured and index behind. The only place a code meets a status.
#[must_use]
pub const fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::ValidationError
        | ErrorCode::SelfFollow
        | ErrorCode::SelfEndorse
        | ErrorCode::SelfUnendorse
        | ErrorCode::SelfUnfollow => StatusCode::BAD_REQUEST,
        ErrorCode::AuthRequired | ErrorCode::AuthFailed | ErrorCode::NonceReplay => {
            StatusCode::UNAUTHORIZED
        }
        ErrorCode::InsufficientBalance => StatusCode::PAYMENT_REQUIRED,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::RateLimited | ErrorCode::BudgetExhausted => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::StorageError => StatusCode::BAD_GATEWAY,
        ErrorCode::NotConfigured | ErrorCode::IndexBehind => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// Marks a response that is an error envelope (a response extension), so layers that decorate
/// successful answers (the `X-RateLimit-*` headers of [`crate::gate`]) can tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorAnswer;

/// A failed request, rendered as `{success:false, error, code, hint?, retry_after?, meta?}`.
///
/// The HTTP status comes from [`status_of`], except for the transport-level
/// statuses that have no error code of their own: 405 ([`ApiError::method_not_allowed`]), 408
/// ([`ApiError::request_timeout`]) and 413 ([`ApiError::payload_too_large`]), which carry
/// `VALIDATION_ERROR` in the body. When
/// `retry_after` is set the response also has a `Retry-After` header.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The machine-readable code.
    pub code: ErrorCode,
    /// The human-readable message (replaced by [`INTERNAL_MESSAGE`] for `INTERNAL_ERROR`).
    pub message: String,
    /// Recovery guidance (the auth codes carry one).
    pub hint: Option<String>,
    /// Seconds to wait before retrying (rate and budget limits).
    pub retry_after: Option<u64>,
    /// Structured extra details (the 402 funding details).
    pub meta: Option<Value>,
    /// Rarely used extras, boxed to keep `Result<_, ApiError>` small.
    extra: Option<Box<Extra>>,
}

/// Extra response headers (e.g. `X-RateLimit-*` on a 429) and the transport-level status that
/// overrides the code's (405, 408, 413 only).
#[derive(Debug, Clone, PartialEq, Default)]
struct Extra {
    headers: Vec<(HeaderName, HeaderValue)>,
    transport_status: Option<StatusCode>,
}

impl ApiError {
    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            hint: None,
            retry_after: None,
            meta: None,
            extra: None,
        }
    }

    /// Adds a recovery hint.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds `retry_after` (and so the `Retry-After` header).
    #[must_use]
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// Adds structured details under `meta`.
    #[must_use]
    pub fn with_meta(mut self, meta: Value) -> Self {
        self.meta = Some(meta);
        self
    }

    /// Adds a response header.
    #[must_use]
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.extra
            .get_or_insert_with(Box::default)
            .headers
            .push((name, value));
        self
    }

    /// A `VALIDATION_ERROR` (400).
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::ValidationError, message)
    }

    /// A `NOT_FOUND` (404).
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    /// An `INTERNAL_ERROR` (500): logs `cause` and answers [`INTERNAL_MESSAGE`].
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(cause = %cause, "internal error");
        Self::new(ErrorCode::InternalError, INTERNAL_MESSAGE)
    }

    /// A `STORAGE_ERROR` (502) for an upstream dependency (custody, NEAR RPC) that failed
    /// transiently: logs `cause` and answers `message`.
    pub fn upstream(message: impl Into<String>, cause: impl std::fmt::Display) -> Self {
        tracing::warn!(cause = %cause, "upstream failure");
        Self::new(ErrorCode::StorageError, message)
    }

    /// `NOT_CONFIGURED` (503): the feature needs configuration this deployment does not have.
    pub fn not_configured(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotConfigured, message)
    }

    /// 402 `INSUFFICIENT_BALANCE` with `meta: {wallet_address, fund_amount, fund_token,
    /// fund_url}`.
    pub fn insufficient_balance(account_id: &str) -> Self {
        let to: String = url::form_urlencoded::byte_serialize(account_id.as_bytes()).collect();
        let fund_url = format!(
            "https://outlayer.fastnear.com/wallet/fund?to={to}&amount={FUND_AMOUNT}&token=near&msg=Fund+agent+wallet+for+gas"
        );
        Self::new(
            ErrorCode::InsufficientBalance,
            format!("Fund your wallet with ≥{FUND_AMOUNT} NEAR, then retry."),
        )
        .with_meta(
            serde_json::to_value(nearly_api_types::FundingMeta {
                wallet_address: account_id.to_owned(),
                fund_amount: FUND_AMOUNT.to_owned(),
                fund_token: FUND_TOKEN.to_owned(),
                fund_url,
            })
            .unwrap_or(Value::Null),
        )
    }

    /// The answer to a failed custody write or signature: 402 with funding details for an
    /// unfunded wallet, `AUTH_FAILED` for a refused credential, `RATE_LIMITED` when custody
    /// throttles, and 502 `STORAGE_ERROR` (cause logged) for everything else.
    pub fn from_custody(error: outlayer_client::CustodyError) -> Self {
        Self::from(AppError::from(error))
    }

    /// 413 with `VALIDATION_ERROR` in the body: the request body is larger than `limit` bytes.
    pub fn payload_too_large(limit: usize) -> Self {
        let mut e = Self::validation(format!(
            "Request body too large: must be at most {limit} bytes"
        ));
        e.extra.get_or_insert_with(Box::default).transport_status =
            Some(StatusCode::PAYLOAD_TOO_LARGE);
        e
    }

    /// 408 with `VALIDATION_ERROR` in the body: the request (its body, or the whole exchange)
    /// did not arrive within `what`'s bound.
    pub fn request_timeout(what: &str, bound: std::time::Duration) -> Self {
        let mut e = Self::validation(format!(
            "Request timeout: {what} did not complete within {} s",
            bound.as_secs()
        ));
        e.extra.get_or_insert_with(Box::default).transport_status =
            Some(StatusCode::REQUEST_TIMEOUT);
        e
    }

    /// 405 with `VALIDATION_ERROR` in the body: the path exists but not with this method.
    pub fn method_not_allowed(method: &str, path: &str) -> Self {
        let mut e = Self::validation(format!("Method {method} is not allowed on {path}"));
        e.extra.get_or_insert_with(Box::default).transport_status =
            Some(StatusCode::METHOD_NOT_ALLOWED);
        e
    }

    /// The HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        self.extra
            .as_ref()
            .and_then(|x| x.transport_status)
            .unwrap_or_else(|| status_of(self.code))
    }

    /// The JSON body: the wire type [`nearly_api_types::ErrorBody`].
    pub fn body(&self) -> Value {
        serde_json::to_value(self.error_body()).unwrap_or(Value::Null)
    }

    /// The error body as its wire type (`INTERNAL_ERROR` always says [`INTERNAL_MESSAGE`]).
    pub fn error_body(&self) -> nearly_api_types::ErrorBody {
        let message = if self.code == ErrorCode::InternalError {
            INTERNAL_MESSAGE.to_owned()
        } else {
            self.message.clone()
        };
        nearly_api_types::ErrorBody {
            hint: self.hint.clone(),
            retry_after: self.retry_after,
            meta: self.meta.clone(),
            ..nearly_api_types::ErrorBody::new(self.code, message)
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = (status, Json(self.error_body())).into_response();
        let headers = response.headers_mut();
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        for (name, value) in self.extra.map(|x| x.headers).unwrap_or_default() {
            headers.insert(name, value);
        }
        response.extensions_mut().insert(ErrorAnswer);
        response
    }
}

/// The application layer's errors, answered: the code's status, the message, and the hint,
/// `retry_after`, headers or funding `meta` the contract gives each.
impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let message = e.to_string();
        match e {
            AppError::RateLimited { action, decision } => match decision.into_result(action) {
                Err(refusal) => refusal,
                Ok(_) => Self::new(ErrorCode::RateLimited, message).with_retry_after(1),
            },
            AppError::LimiterUnavailable { cause, .. } => {
                Self::upstream(message, cause).with_retry_after(1)
            }
            AppError::InsufficientBalance { account_id } => Self::insufficient_balance(&account_id),
            AppError::CredentialRefused => {
                Self::new(ErrorCode::AuthFailed, message).with_hint(HINT_BAD_WALLET_KEY)
            }
            AppError::CustodyThrottled { retry_after } => {
                Self::new(ErrorCode::RateLimited, message).with_retry_after(retry_after)
            }
            AppError::ReadOnly(_) => {
                Self::new(ErrorCode::AuthRequired, message).with_hint(HINT_READ_ONLY)
            }
            AppError::NotAdmin => Self::new(ErrorCode::AuthFailed, message)
                .with_hint("Authenticate with the admin account's wallet key or near: token."),
            AppError::Budget(exhausted) => Self::from(exhausted),
            AppError::Internal => Self::new(ErrorCode::InternalError, INTERNAL_MESSAGE),
            other => Self::new(other.code(), message),
        }
    }
}

/// Adds `Cache-Control: public, max-age=N` (an anonymous read) or `private, no-store` (a read
/// personalised for a caller, or a write's answer, which must never be shared).
pub fn cached(response: impl IntoResponse, max_age: Option<u32>) -> Response {
    let mut response = response.into_response();
    let value = match max_age {
        Some(secs) => HeaderValue::from_str(&format!("public, max-age={secs}"))
            .unwrap_or(HeaderValue::from_static("no-store")),
        None => HeaderValue::from_static("private, no-store"),
    };
    response.headers_mut().insert(header::CACHE_CONTROL, value);
    response
}

/// Adds the `X-RateLimit-*` headers of an allowed request to its response.
pub fn with_rate_headers(decision: &Decision, response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    for (name, value) in decision.headers() {
        response.headers_mut().insert(name, value);
    }
    response
}

/// A successful answer, rendered as `{success:true, data, warnings?}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope<T> {
    /// The payload.
    pub data: T,
    /// Non-fatal warnings (only `POST /agents/me/platforms` emits them); omitted when empty.
    pub warnings: Vec<String>,
}

impl<T> Envelope<T> {
    /// The same answer with `warnings`.
    #[must_use]
    pub fn with_warnings(mut self, warnings: Vec<String>) -> Self {
        self.warnings = warnings;
        self
    }
}

/// What may be the `data` of a success answer: the response types of `nearly-api-types` and
/// nothing else. The trait is sealed, so a result type of the index or of the application layer
/// cannot be answered as it is: it goes through its conversion in `handlers/wire.rs` first, and
/// the derived document (built from the same types) describes every answer.
pub trait Answer: Serialize + sealed::Sealed {}

mod sealed {
    /// Only this module's list implements [`super::Answer`].
    pub trait Sealed {}
}

macro_rules! answers {
    ($($t:ident),* $(,)?) => {
        $(
            impl sealed::Sealed for nearly_api_types::$t {}
            impl Answer for nearly_api_types::$t {}
        )*
    };
}

answers!(
    Activity,
    AgentPage,
    AgentView,
    CapabilityList,
    Delisted,
    Discover,
    Edges,
    EndorseResults,
    Endorsers,
    Endorsing,
    FollowResults,
    FollowersPage,
    FollowingPage,
    GeneratedField,
    GeneratedValue,
    Health,
    Heartbeat,
    HiddenChange,
    HiddenList,
    Me,
    Network,
    PlatformList,
    PlatformRegistration,
    ProfileView,
    TagList,
);

/// Wraps `data` in the success envelope.
pub fn ok<T: Answer>(data: T) -> Envelope<T> {
    Envelope {
        data,
        warnings: Vec::new(),
    }
}

/// The body is the wire type [`nearly_api_types::Envelope`]; a value that cannot be serialized
/// is an `INTERNAL_ERROR` (logged), never a partial body.
impl<T: Answer> IntoResponse for Envelope<T> {
    fn into_response(self) -> Response {
        let body = nearly_api_types::Envelope::ok(&self.data).with_warnings(self.warnings);
        match serde_json::to_vec(&body) {
            Ok(bytes) => (
                StatusCode::OK,
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                bytes,
            )
                .into_response(),
            Err(e) => ApiError::internal(format!("serializing a response: {e}")).into_response(),
        }
    }
}

/// The result type of every handler.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_gets_its_status_and_shape() {
        for code in ErrorCode::ALL {
            let e = ApiError::new(code, "boom");
            assert_eq!(e.status(), status_of(code));
            let body = e.body();
            assert_eq!(body["success"], false);
            assert_eq!(body["code"], code.as_str());
            assert!(body.get("hint").is_none());
            assert!(body.get("retry_after").is_none());
        }
    }

    #[test]
    fn the_status_table() {
        let table: Vec<(&str, u16)> = ErrorCode::ALL
            .into_iter()
            .map(|c| (c.as_str(), status_of(c).as_u16()))
            .collect();
        assert_eq!(
            table,
            [
                ("NOT_FOUND", 404),
                ("SELF_FOLLOW", 400),
                ("SELF_ENDORSE", 400),
                ("SELF_UNENDORSE", 400),
                ("SELF_UNFOLLOW", 400),
                ("AUTH_REQUIRED", 401),
                ("AUTH_FAILED", 401),
                ("NONCE_REPLAY", 401),
                ("RATE_LIMITED", 429),
                ("BUDGET_EXHAUSTED", 429),
                ("VALIDATION_ERROR", 400),
                ("STORAGE_ERROR", 502),
                ("INTERNAL_ERROR", 500),
                ("INSUFFICIENT_BALANCE", 402),
                ("NOT_CONFIGURED", 503),
                ("INDEX_BEHIND", 503),
            ]
        );
    }

    #[test]
    fn application_errors_answer_with_their_extras() {
        let e = ApiError::from(AppError::ReadOnly("no".into()));
        assert_eq!(
            (e.status(), e.hint.as_deref()),
            (StatusCode::UNAUTHORIZED, Some(HINT_READ_ONLY))
        );
        let e = ApiError::from(AppError::NotAdmin);
        assert_eq!(e.code, ErrorCode::AuthFailed);
        assert!(e.hint.is_some());
        let e = ApiError::from(AppError::CustodyThrottled { retry_after: 4 });
        assert_eq!((e.status().as_u16(), e.retry_after), (429, Some(4)));
        let e = ApiError::from(AppError::Invalid("targets must not be empty".into()));
        assert_eq!(
            (e.status().as_u16(), e.message.as_str()),
            (400, "targets must not be empty")
        );
        let refused = Decision {
            allowed: false,
            limit: 10,
            remaining: 0,
            reset_at: 60,
            retry_after: Some(9),
        };
        let r = ApiError::from(AppError::RateLimited {
            action: crate::rate_limit::Action::Follow,
            decision: refused,
        })
        .into_response();
        assert_eq!(r.status(), 429);
        assert_eq!(r.headers()[header::RETRY_AFTER], "9");
        assert_eq!(r.headers()["x-ratelimit-limit"], "10");
        assert!(r.extensions().get::<ErrorAnswer>().is_some());
    }

    #[test]
    fn internal_errors_never_leak() {
        let e = ApiError::new(ErrorCode::InternalError, "db password is hunter2");
        assert_eq!(e.body()["error"], INTERNAL_MESSAGE);
        let e = ApiError::internal("secret cause");
        assert_eq!(e.body()["error"], INTERNAL_MESSAGE);
    }

    #[test]
    fn insufficient_balance_meta() {
        let e = ApiError::insufficient_balance("alice.near");
        assert_eq!(e.status(), StatusCode::PAYMENT_REQUIRED);
        let meta = &e.body()["meta"];
        assert_eq!(meta["wallet_address"], "alice.near");
        assert_eq!(meta["fund_amount"], "0.01");
        assert_eq!(meta["fund_token"], "NEAR");
        assert_eq!(
            meta["fund_url"],
            "https://outlayer.fastnear.com/wallet/fund?to=alice.near&amount=0.01&token=near&msg=Fund+agent+wallet+for+gas"
        );
    }

    #[test]
    fn custody_errors() {
        use outlayer_client::CustodyError as E;
        let e = ApiError::from_custody(E::InsufficientBalance {
            account_id: "ab".into(),
        });
        assert_eq!(e.status(), 402);
        assert_eq!(e.body()["meta"]["wallet_address"], "ab");
        let e = ApiError::from_custody(E::RateLimited {
            retry_after: Some(std::time::Duration::from_secs(9)),
        });
        assert_eq!((e.status().as_u16(), e.retry_after), (429, Some(9)));
        assert_eq!(ApiError::from_custody(E::Timeout).status(), 502);
        let e = ApiError::from_custody(E::Unauthorized {
            code: "invalid_api_key".into(),
            message: String::new(),
        });
        assert_eq!(e.code, ErrorCode::AuthFailed);
        assert!(e.hint.is_some());
    }

    #[test]
    fn transport_statuses() {
        assert_eq!(ApiError::payload_too_large(10).status(), 413);
        assert_eq!(ApiError::method_not_allowed("GET", "/x").status(), 405);
        assert_eq!(
            ApiError::payload_too_large(10).body()["code"],
            "VALIDATION_ERROR"
        );
    }

    #[test]
    fn retry_after_header() {
        let r = ApiError::new(ErrorCode::RateLimited, "slow down")
            .with_retry_after(7)
            .into_response();
        assert_eq!(r.status(), 429);
        assert_eq!(r.headers()[header::RETRY_AFTER], "7");
    }
}
