//! The real OutLayer custody client over HTTP.

use std::time::Duration;

use async_trait::async_trait;
use backon::Retryable as _;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use crate::auth::CustodyAuth;
use crate::custody::{CallOutcome, Custody, VrfSeedRequest};
use crate::error::{CustodyError, snippet};
use crate::vrf::parse_vrf_response;
use crate::wire::{
    BalanceResponse, CallRequest, CallResponse, CallStatus, DUPLICATE_IDEMPOTENCY_KEY,
    ErrorEnvelope, GET_VRF_SEED_ACTION, IDEMPOTENCY_KEY_HEADER, ONCHAIN_TX_FAILED,
    RegisterResponse, ResourceLimits, SignMessageRequest, SignMessageResponse, VrfCallRequest,
    VrfInput, VrfProof,
};

/// The public OutLayer API.
pub const DEFAULT_BASE_URL: &str = "https://api.outlayer.fastnear.com";

/// Settings of [`HttpOutLayer`]. `Default` gives production values.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpConfig {
    /// Whole-request timeout (connect, send, read the body). Default 15 s.
    pub timeout: Duration,
    /// Connection timeout. Default 5 s.
    pub connect_timeout: Duration,
    /// Extra attempts for reads (balance, resolve) and for idempotency-keyed calls after a
    /// transport failure, a timeout or a 5xx. Default 2.
    pub read_retries: u32,
    /// Delay before the first retry; doubled for each further one. Default 200 ms.
    pub retry_backoff: Duration,
    /// Owner of the WASM project that serves VRF seeds. Default `hack.near`.
    pub vrf_owner: String,
    /// The WASM project that serves VRF seeds. Default `nearly`.
    pub vrf_project: String,
    /// `resource_limits` sent with a VRF request. Default 2e9 instructions, 512 MiB, 30 s.
    pub vrf_resource_limits: Option<ResourceLimits>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(15),
            connect_timeout: Duration::from_secs(5),
            read_retries: 2,
            retry_backoff: Duration::from_millis(200),
            vrf_owner: "hack.near".into(),
            vrf_project: "nearly".into(),
            vrf_resource_limits: Some(ResourceLimits {
                max_instructions: Some(2_000_000_000),
                max_execution_seconds: Some(30),
                max_memory_mb: Some(512),
            }),
        }
    }
}

/// The real OutLayer custody service over HTTP.
///
/// Behaviour beyond the plain status mapping:
/// - a `call` answered 502 with a body that is not an OutLayer error envelope (a proxy page) is
///   disambiguated with `GET /wallet/v1/balance?chain=near`: balance zero is
///   [`CustodyError::InsufficientBalance`], anything else [`CustodyError::Upstream`]; a 400
///   `insufficient_balance` is resolved to the same variant;
/// - `status:"failed"` (200) and 422 `onchain_tx_failed` are [`CustodyError::OnchainFailed`];
/// - reads are retried with exponential backoff on transport failures, timeouts and 5xx; `call` is
///   retried only when an idempotency key makes the retry safe; `register`, `sign_message` and
///   `vrf_seed` are never retried.
#[derive(Debug, Clone)]
pub struct HttpOutLayer {
    client: reqwest::Client,
    base: Url,
    config: HttpConfig,
}

/// When a request may be sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retry {
    /// A mutation without an idempotency key, or a quota-consuming call.
    Never,
    /// A read: transport failures, timeouts and any 5xx.
    Read,
    /// An idempotency-keyed call: like `Read`, but a non-envelope 502 (the zero-balance signal)
    /// is answered at once.
    Idempotent,
}

/// Whether an answer is worth sending the request again: any 5xx, except a non-envelope 502 to
/// an idempotency-keyed call (the zero-balance signal, answered at once).
fn retriable_status(retry: Retry, raw: &RawResponse) -> bool {
    raw.status >= 500
        && !(retry == Retry::Idempotent && raw.status == 502 && raw.envelope().is_none())
}

/// A failed attempt, as the retry loop sees it.
#[derive(Debug)]
enum Attempt {
    /// An answer to send again for ([`retriable_status`]); the last one is returned as is.
    Answered(RawResponse),
    /// No answer.
    Failed(CustodyError),
}

impl Attempt {
    fn is_retriable(&self) -> bool {
        match self {
            Self::Answered(_) => true,
            Self::Failed(error) => {
                matches!(error, CustodyError::Timeout | CustodyError::Transport(_))
            }
        }
    }
}

/// A response read whole.
#[derive(Debug)]
struct RawResponse {
    status: u16,
    retry_after: Option<Duration>,
    body: Vec<u8>,
}

impl RawResponse {
    fn envelope(&self) -> Option<ErrorEnvelope> {
        serde_json::from_slice(&self.body).ok()
    }

    fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

impl HttpOutLayer {
    /// A client for the custody service at `base_url` (e.g. [`DEFAULT_BASE_URL`], or a sandbox's
    /// `http://127.0.0.1:8080/outlayer`; a path prefix is kept). Reads no environment.
    pub fn new(base_url: &str, config: HttpConfig) -> Result<Self, CustodyError> {
        let base = Url::parse(base_url)
            .map_err(|e| CustodyError::InvalidConfig(format!("base URL {base_url:?}: {e}")))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(CustodyError::InvalidConfig(format!(
                "base URL {base_url:?} must be an http(s) URL"
            )));
        }
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .user_agent(concat!(
                "nearly-outlayer-client/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .map_err(|e| CustodyError::InvalidConfig(format!("HTTP client: {e}")))?;
        Ok(Self {
            client,
            base,
            config,
        })
    }

    /// The base URL requests are sent to.
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// The configuration in use.
    pub fn config(&self) -> &HttpConfig {
        &self.config
    }

    fn endpoint(&self, segments: &[&str]) -> Result<Url, CustodyError> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|()| CustodyError::InvalidConfig("base URL cannot be a base".into()))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    fn authorization(auth: &CustodyAuth) -> Result<HeaderValue, CustodyError> {
        let mut value = HeaderValue::from_str(&auth.header_value()).map_err(|_| {
            CustodyError::Unauthorized {
                code: "invalid_credential".into(),
                message: "the credential contains characters not allowed in a header".into(),
            }
        })?;
        value.set_sensitive(true);
        Ok(value)
    }

    /// Sends the request built by `make`, retrying as `retry` allows. The loop is [`backon`]'s,
    /// over `retry_backoff` doubled per retry (no cap, no jitter) for `read_retries` retries
    /// ([`Retry::Never`]: none).
    async fn send(
        &self,
        op: &'static str,
        retry: Retry,
        make: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<RawResponse, CustodyError> {
        let retries = match retry {
            Retry::Never => 0,
            Retry::Read | Retry::Idempotent => self.config.read_retries,
        };
        // Exact integer doubling (backon's own exponential builder computes in f32 seconds).
        let first = self.config.retry_backoff;
        let schedule = (0..retries).map(move |n| first.saturating_mul(2u32.saturating_pow(n)));
        let attempt = || async {
            let result = Self::send_once(make()).await;
            match &result {
                Ok(raw) => tracing::debug!(op, status = raw.status, "custody response"),
                Err(error) => tracing::debug!(op, %error, "custody request failed"),
            }
            match result {
                Ok(raw) if retriable_status(retry, &raw) => Err(Attempt::Answered(raw)),
                Ok(raw) => Ok(raw),
                Err(error) => Err(Attempt::Failed(error)),
            }
        };
        let outcome = attempt
            .retry(schedule)
            .when(Attempt::is_retriable)
            .notify(|_, delay| tracing::warn!(op, ?delay, "retrying custody request"))
            .await;
        match outcome {
            Ok(raw) | Err(Attempt::Answered(raw)) => Ok(raw),
            Err(Attempt::Failed(error)) => Err(error),
        }
    }

    async fn send_once(request: reqwest::RequestBuilder) -> Result<RawResponse, CustodyError> {
        let response = request.send().await.map_err(transport_error)?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = response.bytes().await.map_err(transport_error)?.to_vec();
        Ok(RawResponse {
            status,
            retry_after,
            body,
        })
    }

    async fn probe_insufficient_balance(
        &self,
        auth: &CustodyAuth,
        fallback: CustodyError,
    ) -> CustodyError {
        match self.balance(auth).await {
            Ok(balance) if balance.is_zero() => CustodyError::InsufficientBalance {
                account_id: balance.account_id,
            },
            Ok(_) => fallback,
            Err(error) => {
                tracing::warn!(%error, "balance probe after a failed custody call also failed");
                fallback
            }
        }
    }
}

fn transport_error(e: reqwest::Error) -> CustodyError {
    if e.is_timeout() {
        CustodyError::Timeout
    } else {
        // reqwest's own message is generic ("error sending request"): add the causes.
        let e = e.without_url();
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        CustodyError::Transport(message)
    }
}

fn decode<T: DeserializeOwned>(raw: &RawResponse) -> Result<T, CustodyError> {
    serde_json::from_slice(&raw.body)
        .map_err(|e| CustodyError::Decode(format!("{e}; body: {}", snippet(&raw.body))))
}

/// Maps a non-2xx response (or a 2xx error envelope) to a typed error.
fn status_error(raw: &RawResponse) -> CustodyError {
    let envelope = raw.envelope();
    let has_envelope = envelope.is_some();
    let (code, message, tx_hash, failure) = match envelope {
        Some(e) => (e.error, e.message.unwrap_or_default(), e.tx_hash, e.failure),
        None => Default::default(),
    };
    match raw.status {
        401 => CustodyError::Unauthorized { code, message },
        402 => CustodyError::PaymentRequired { code, message },
        403 => CustodyError::Forbidden { code, message },
        404 => CustodyError::NotFound { code, message },
        409 => CustodyError::Conflict { code, message },
        429 => CustodyError::RateLimited {
            retry_after: raw.retry_after,
        },
        _ if code == ONCHAIN_TX_FAILED => CustodyError::OnchainFailed {
            tx_hash,
            message: failure_message(message, failure.as_ref()),
        },
        400..=499 if has_envelope => CustodyError::BadRequest { code, message },
        502 | 503 if has_envelope => CustodyError::Keystore {
            status: raw.status,
            message: if message.is_empty() { code } else { message },
        },
        status => CustodyError::Http {
            status,
            snippet: snippet(&raw.body),
        },
    }
}

fn failure_message(message: String, failure: Option<&Value>) -> String {
    if !message.is_empty() {
        return message;
    }
    match failure {
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => "transaction failed".into(),
    }
}

/// Reads a 2xx `call` body.
fn call_outcome(raw: &RawResponse) -> Result<CallOutcome, CustodyError> {
    let value: Value = decode(raw)?;
    if value.get("status").is_some() {
        let response: CallResponse = serde_json::from_value(value)
            .map_err(|e| CustodyError::Decode(format!("call response: {e}")))?;
        return match response.status {
            CallStatus::Success => Ok(CallOutcome::Applied {
                request_id: response.request_id,
                tx_hash: response.tx_hash,
                result: response.result,
                // OutLayer's answer carries no block height (only the transaction hash).
                block_height: None,
            }),
            CallStatus::PendingApproval => Ok(CallOutcome::PendingApproval {
                request_id: response.request_id,
                approval_id: response.approval_id,
                required: response.required,
                approved: response.approved,
            }),
            CallStatus::Failed => Err(CustodyError::OnchainFailed {
                tx_hash: response.tx_hash,
                message: failure_message(
                    response.error.or(response.message).unwrap_or_default(),
                    response.failure.as_ref(),
                ),
            }),
            CallStatus::Unknown => Err(CustodyError::Decode(format!(
                "unknown call status; body: {}",
                snippet(&raw.body)
            ))),
        };
    }
    match raw.envelope() {
        Some(envelope) if envelope.error == DUPLICATE_IDEMPOTENCY_KEY => {
            Ok(CallOutcome::DuplicateIdempotencyKey {
                message: envelope.message.unwrap_or_default(),
            })
        }
        Some(_) => Err(status_error(&RawResponse {
            status: 400,
            retry_after: None,
            body: raw.body.clone(),
        })),
        None => Err(CustodyError::Decode(format!(
            "call response has neither status nor error; body: {}",
            snippet(&raw.body)
        ))),
    }
}

#[async_trait]
impl Custody for HttpOutLayer {
    async fn register(&self) -> Result<RegisterResponse, CustodyError> {
        let url = self.endpoint(&["register"])?;
        let raw = self
            .send("register", Retry::Never, || {
                self.client
                    .post(url.clone())
                    .header(CONTENT_TYPE, "application/json")
            })
            .await?;
        if !raw.is_success() {
            return Err(status_error(&raw));
        }
        decode(&raw)
    }

    async fn call(
        &self,
        auth: &CustodyAuth,
        request: &CallRequest,
        idempotency_key: Option<&str>,
    ) -> Result<CallOutcome, CustodyError> {
        let url = self.endpoint(&["wallet", "v1", "call"])?;
        let authorization = Self::authorization(auth)?;
        let idempotency = idempotency_key
            .map(|key| {
                HeaderValue::from_str(key).map_err(|_| CustodyError::BadRequest {
                    code: "invalid_idempotency_key".into(),
                    message: "the idempotency key contains characters not allowed in a header"
                        .into(),
                })
            })
            .transpose()?;
        let retry = if idempotency.is_some() {
            Retry::Idempotent
        } else {
            Retry::Never
        };
        let raw = self
            .send("call", retry, || {
                let builder = self
                    .client
                    .post(url.clone())
                    .header(AUTHORIZATION, authorization.clone())
                    .json(request);
                match &idempotency {
                    Some(key) => builder.header(IDEMPOTENCY_KEY_HEADER, key.clone()),
                    None => builder,
                }
            })
            .await?;
        if raw.is_success() {
            return call_outcome(&raw);
        }
        let envelope = raw.envelope();
        match (raw.status, envelope) {
            (502, None) => {
                let fallback = CustodyError::Upstream {
                    status: raw.status,
                    snippet: snippet(&raw.body),
                };
                Err(self.probe_insufficient_balance(auth, fallback).await)
            }
            (400, Some(e)) if e.error == "insufficient_balance" => Err(self
                .probe_insufficient_balance(auth, status_error(&raw))
                .await),
            _ => Err(status_error(&raw)),
        }
    }

    async fn sign_message(
        &self,
        auth: &CustodyAuth,
        request: &SignMessageRequest,
    ) -> Result<SignMessageResponse, CustodyError> {
        let url = self.endpoint(&["wallet", "v1", "sign-message"])?;
        let authorization = Self::authorization(auth)?;
        let raw = self
            .send("sign_message", Retry::Never, || {
                self.client
                    .post(url.clone())
                    .header(AUTHORIZATION, authorization.clone())
                    .json(request)
            })
            .await?;
        if !raw.is_success() {
            return Err(status_error(&raw));
        }
        decode(&raw)
    }

    async fn balance(&self, auth: &CustodyAuth) -> Result<BalanceResponse, CustodyError> {
        let mut url = self.endpoint(&["wallet", "v1", "balance"])?;
        url.query_pairs_mut().append_pair("chain", "near");
        let authorization = Self::authorization(auth)?;
        let raw = self
            .send("balance", Retry::Read, || {
                self.client
                    .get(url.clone())
                    .header(AUTHORIZATION, authorization.clone())
            })
            .await?;
        if !raw.is_success() {
            return Err(status_error(&raw));
        }
        decode(&raw)
    }

    async fn vrf_seed(
        &self,
        auth: &CustodyAuth,
        request: &VrfSeedRequest,
    ) -> Result<VrfProof, CustodyError> {
        let url = self.endpoint(&["call", &self.config.vrf_owner, &self.config.vrf_project])?;
        let authorization = Self::authorization(auth)?;
        let body = VrfCallRequest {
            input: VrfInput {
                action: GET_VRF_SEED_ACTION.into(),
                request_id: Some(request.request_id.clone()),
                verifiable_claim: request.verifiable_claim.clone(),
            },
            resource_limits: self.config.vrf_resource_limits,
        };
        let raw = self
            .send("vrf_seed", Retry::Never, || {
                self.client
                    .post(url.clone())
                    .header(AUTHORIZATION, authorization.clone())
                    .json(&body)
            })
            .await?;
        if !raw.is_success() {
            return Err(status_error(&raw));
        }
        parse_vrf_response(&raw.body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(status: u16, body: &str) -> RawResponse {
        RawResponse {
            status,
            retry_after: None,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn endpoints_keep_the_base_path() {
        let c = HttpOutLayer::new("http://127.0.0.1:9/outlayer", HttpConfig::default()).unwrap();
        assert_eq!(
            c.endpoint(&["wallet", "v1", "call"]).unwrap().as_str(),
            "http://127.0.0.1:9/outlayer/wallet/v1/call"
        );
        let c = HttpOutLayer::new("http://127.0.0.1:9/", HttpConfig::default()).unwrap();
        assert_eq!(
            c.endpoint(&["call", "hack.near", "nearly"])
                .unwrap()
                .as_str(),
            "http://127.0.0.1:9/call/hack.near/nearly"
        );
    }

    #[test]
    fn bad_base_urls_are_config_errors() {
        for bad in ["", "not a url", "mailto:a@b", "ftp://x"] {
            assert!(matches!(
                HttpOutLayer::new(bad, HttpConfig::default()),
                Err(CustodyError::InvalidConfig(_))
            ));
        }
    }

    #[test]
    fn status_mapping() {
        assert_eq!(
            status_error(&raw(401, r#"{"error":"invalid_api_key","message":"no"}"#)),
            CustodyError::Unauthorized {
                code: "invalid_api_key".into(),
                message: "no".into()
            }
        );
        assert_eq!(
            status_error(&raw(
                422,
                r#"{"error":"onchain_tx_failed","tx_hash":"T","failure":{"x":1}}"#
            )),
            CustodyError::OnchainFailed {
                tx_hash: Some("T".into()),
                message: r#"{"x":1}"#.into()
            }
        );
        assert_eq!(
            status_error(&raw(418, "teapot")),
            CustodyError::Http {
                status: 418,
                snippet: "teapot".into()
            }
        );
        assert_eq!(
            status_error(&raw(503, r#"{"error":"keystore_error"}"#)),
            CustodyError::Keystore {
                status: 503,
                message: "keystore_error".into()
            }
        );
        assert_eq!(
            status_error(&raw(404, "")),
            CustodyError::NotFound {
                code: String::new(),
                message: String::new()
            }
        );
    }

    #[test]
    fn call_outcomes() {
        assert_eq!(
            call_outcome(&raw(
                200,
                r#"{"status":"success","tx_hash":"T","result":null}"#
            )),
            Ok(CallOutcome::Applied {
                request_id: None,
                tx_hash: Some("T".into()),
                result: None,
                block_height: None,
            })
        );
        assert_eq!(
            call_outcome(&raw(200, r#"{"error":"wallet_busy","message":"m"}"#)),
            Err(CustodyError::BadRequest {
                code: "wallet_busy".into(),
                message: "m".into()
            })
        );
        assert!(matches!(
            call_outcome(&raw(200, r#"{"ok":true}"#)),
            Err(CustodyError::Decode(_))
        ));
        assert!(matches!(
            call_outcome(&raw(200, r#"{"status":"queued"}"#)),
            Err(CustodyError::Decode(_))
        ));
    }
}
