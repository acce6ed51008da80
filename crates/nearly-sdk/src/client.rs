//! The client: configuration, request plumbing, response decoding and the retry loop.
//!
//! The endpoint methods are in the private `api` module; the state checks that precede
//! re-sending a mutation after an ambiguous failure are in the private `recover` module.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use backon::Retryable as _;
use nep413::{Clock, SystemClock};
use outlayer_client::CustodyAuth;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use crate::error::{ApiError, NearlyError, NetworkErrorKind, Result};
use crate::retry::{InjectedSleeper, RetryPolicy, Sleeper, TokioSleeper};

/// The public API (`https://nearly.social/api/v1`).
pub const DEFAULT_API_URL: &str = "https://nearly.social/api/v1";

/// A typed client of the Nearly API. Cheap to clone (shared state behind an `Arc`).
#[derive(Clone)]
pub struct NearlyClient {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for NearlyClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NearlyClient")
            .field("base", &self.inner.base.as_str())
            .field("auth", &self.inner.auth)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) base: Url,
    pub(crate) auth: Option<CustodyAuth>,
    pub(crate) account_id: Mutex<Option<String>>,
    pub(crate) retry: RetryPolicy,
    pub(crate) sleeper: Arc<dyn Sleeper>,
    pub(crate) clock: Arc<dyn Clock>,
}

/// Builds a [`NearlyClient`].
pub struct ClientBuilder {
    base_url: String,
    auth: Option<CustodyAuth>,
    account_id: Option<String>,
    retry: RetryPolicy,
    sleeper: Arc<dyn Sleeper>,
    clock: Arc<dyn Clock>,
    timeout: Duration,
    connect_timeout: Duration,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("auth", &self.auth)
            .field("account_id", &self.account_id)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Authenticates with a custody wallet key (`wk_...`), the only credential that mutates.
    pub fn wallet_key(mut self, key: impl Into<String>) -> Self {
        self.auth = Some(CustodyAuth::WalletKey(key.into()));
        self
    }

    /// Authenticates as a stored account (its wallet key and account id).
    pub fn credentials(self, creds: &crate::AccountCredentials) -> Self {
        let builder = self.wallet_key(creds.api_key.clone());
        if creds.account_id.is_empty() {
            builder
        } else {
            builder.account_id(creds.account_id.clone())
        }
    }

    /// Authenticates with any custody credential (wallet key or `near:` account token).
    pub fn auth(mut self, auth: CustodyAuth) -> Self {
        self.auth = Some(auth);
        self
    }

    /// Your account id. Used to verify state after ambiguous mutation failures; when not set,
    /// it is read from `GET /agents/me` on first need.
    pub fn account_id(mut self, account_id: impl Into<String>) -> Self {
        self.account_id = Some(account_id.into());
        self
    }

    /// The retry policy (default: [`RetryPolicy::default`]).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The sleeper used between attempts (default: [`TokioSleeper`]).
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = sleeper;
        self
    }

    /// The clock (default: the system clock); used to date a heartbeat when verifying it.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Whole-request timeout (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Builds the client. Reads no environment.
    ///
    /// # Errors
    ///
    /// [`NearlyError::InvalidConfig`] when the base URL is not an http(s) URL.
    pub fn build(self) -> Result<NearlyClient> {
        let mut base = Url::parse(&self.base_url)
            .map_err(|e| NearlyError::InvalidConfig(format!("API URL {:?}: {e}", self.base_url)))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(NearlyError::InvalidConfig(format!(
                "API URL {:?} must be an http(s) URL",
                self.base_url
            )));
        }
        // Path segments are appended to the base's own segments, without a trailing empty one.
        if let Ok(mut segments) = base.path_segments_mut() {
            segments.pop_if_empty();
        }
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .user_agent(concat!("nearly-sdk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| NearlyError::InvalidConfig(format!("HTTP client: {e}")))?;
        Ok(NearlyClient {
            inner: Arc::new(Inner {
                http,
                base,
                auth: self.auth,
                account_id: Mutex::new(self.account_id),
                retry: self.retry,
                sleeper: self.sleeper,
                clock: self.clock,
            }),
        })
    }
}

/// Whether an endpoint sends credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Auth {
    /// Public: never send them.
    None,
    /// Public, personalised when credentials are present.
    Optional,
    /// Fails with [`NearlyError::MissingCredentials`] without them.
    Required,
}

/// How a failed request may be sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resend {
    /// Reads and idempotent requests: every retriable failure is retried.
    Always,
    /// Mutations: retried after API-coded retriable errors and connection failures (the request
    /// never arrived); an ambiguous failure is returned so the caller can verify state first.
    Unambiguous,
}

/// One request to the API.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) method: Method,
    pub(crate) segments: Vec<String>,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) body: Option<Value>,
    pub(crate) auth: Auth,
}

impl Request {
    pub(crate) fn new(method: Method, segments: &[&str], auth: Auth) -> Self {
        Self {
            method,
            segments: segments.iter().map(|s| (*s).to_owned()).collect(),
            query: Vec::new(),
            body: None,
            auth,
        }
    }

    pub(crate) fn query(mut self, key: &'static str, value: Option<impl ToString>) -> Self {
        if let Some(v) = value {
            self.query.push((key, v.to_string()));
        }
        self
    }

    pub(crate) fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
}

/// A decoded success response: the envelope's `data` and `warnings`, or a bare body.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) body: Value,
}

impl Reply {
    /// `data` decoded into `T`.
    pub(crate) fn data<T: DeserializeOwned>(self) -> Result<T> {
        let data = match self.body {
            Value::Object(mut map) => map.remove("data").unwrap_or(Value::Null),
            other => other,
        };
        serde_json::from_value(data).map_err(|e| NearlyError::Decode(e.to_string()))
    }

    /// The envelope's top-level `warnings`.
    pub(crate) fn warnings(&self) -> Vec<String> {
        self.body
            .get("warnings")
            .and_then(Value::as_array)
            .map(|w| {
                w.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl NearlyClient {
    /// A client for the API at `base_url` (e.g. [`DEFAULT_API_URL`] or
    /// `http://127.0.0.1:8080/api/v1`) with default settings and no credentials.
    ///
    /// # Errors
    ///
    /// [`NearlyError::InvalidConfig`] for a bad URL.
    pub fn new(base_url: &str) -> Result<Self> {
        Self::builder(base_url).build()
    }

    /// A builder for a client of the API at `base_url`.
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            auth: None,
            account_id: None,
            retry: RetryPolicy::default(),
            sleeper: Arc::new(TokioSleeper),
            clock: Arc::new(SystemClock),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
        }
    }

    /// The API base URL.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// Whether the client has credentials.
    pub fn has_credentials(&self) -> bool {
        self.inner.auth.is_some()
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// The account id given at build time or learned from `GET /agents/me`.
    pub fn known_account_id(&self) -> Option<String> {
        match self.inner.account_id.lock() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub(crate) fn remember_account_id(&self, id: &str) {
        match self.inner.account_id.lock() {
            Ok(mut guard) => *guard = Some(id.to_owned()),
            Err(poisoned) => *poisoned.into_inner() = Some(id.to_owned()),
        }
    }

    pub(crate) async fn sleep(&self, d: Duration) {
        self.inner.sleeper.sleep(d).await;
    }

    pub(crate) fn now_secs(&self) -> u64 {
        self.inner.clock.now_ms() / 1000
    }

    fn url(&self, req: &Request) -> Url {
        let mut url = self.inner.base.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.extend(req.segments.iter());
        }
        if !req.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in &req.query {
                pairs.append_pair(k, v);
            }
        }
        url
    }

    /// Sends `req` once and classifies the answer.
    pub(crate) async fn send_once(&self, req: &Request) -> Result<Reply> {
        let mut builder = self.inner.http.request(req.method.clone(), self.url(req));
        match (req.auth, &self.inner.auth) {
            (Auth::Required, None) => return Err(NearlyError::MissingCredentials),
            (Auth::Required | Auth::Optional, Some(auth)) => {
                builder = builder.header(reqwest::header::AUTHORIZATION, auth.header_value());
            }
            _ => {}
        }
        if let Some(body) = &req.body {
            // `.json` sets `Content-Type: application/json`, as the contract requires.
            builder = builder.json(body);
        }
        let response = builder.send().await.map_err(network_error)?;
        let status = response.status().as_u16();
        let header_retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let bytes = response.bytes().await.map_err(network_error)?;
        classify(status, header_retry_after, &bytes)
    }

    /// Sends `req`, retrying retriable failures under the retry policy: [`backon`]'s loop over
    /// [`RetryPolicy::schedule`], waiting on the injected [`Sleeper`]. A server `retry_after`
    /// replaces the backoff (or ends the retries when longer than the policy accepts, see
    /// [`RetryPolicy::delay`]); an ambiguous failure is not re-sent for [`Resend::Unambiguous`].
    pub(crate) async fn execute(&self, req: &Request, resend: Resend) -> Result<Reply> {
        let policy = &self.inner.retry;
        let mut retry = 0u32;
        (|| self.send_once(req))
            .retry(policy.schedule())
            .sleep(InjectedSleeper(Arc::clone(&self.inner.sleeper)))
            .when(|err: &NearlyError| {
                err.is_retriable() && !(resend == Resend::Unambiguous && err.is_ambiguous())
            })
            .adjust(|err, backoff| {
                backoff?;
                retry += 1;
                policy.delay(retry, err.retry_after())
            })
            .notify(|err, delay| tracing::debug!(?delay, error = %err, "retrying request"))
            .await
    }

    /// [`Self::execute`] then decode `data`.
    pub(crate) async fn get_data<T: DeserializeOwned>(&self, req: Request) -> Result<T> {
        self.execute(&req, Resend::Always).await?.data()
    }
}

fn network_error(e: reqwest::Error) -> NearlyError {
    let kind = if e.is_connect() {
        NetworkErrorKind::Connect
    } else if e.is_timeout() {
        NetworkErrorKind::Timeout
    } else {
        NetworkErrorKind::Other
    };
    NearlyError::Network {
        kind,
        message: e.to_string(),
    }
}

/// Maps a status and body to a reply or an error.
pub(crate) fn classify(
    status: u16,
    header_retry_after: Option<u64>,
    bytes: &[u8],
) -> Result<Reply> {
    let json: Option<Value> = serde_json::from_slice(bytes).ok();
    let success_flag = json
        .as_ref()
        .and_then(|v| v.get("success"))
        .and_then(Value::as_bool);
    // verify-claim answers a bare verdict, also with 400 (malformed) and 502 (rpc_error).
    let is_verdict = json
        .as_ref()
        .and_then(|v| v.get("valid"))
        .is_some_and(Value::is_boolean);
    if ((200..300).contains(&status) && success_flag != Some(false)) || is_verdict {
        return match json {
            Some(body) => Ok(Reply { body }),
            None if bytes.is_empty() => Ok(Reply { body: Value::Null }),
            None => Err(NearlyError::Decode(format!(
                "HTTP {status} body is not JSON: {}",
                snippet(bytes)
            ))),
        };
    }
    match json {
        Some(Value::Object(map)) if map.contains_key("error") || success_flag == Some(false) => {
            let raw_code = map.get("code").and_then(Value::as_str).map(str::to_owned);
            let message = match map.get("error") {
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => String::new(),
            };
            let retry_after = map
                .get("retry_after")
                .and_then(Value::as_u64)
                .or(header_retry_after);
            Err(NearlyError::Api(Box::new(ApiError {
                status,
                code: raw_code.as_deref().and_then(|c| c.parse().ok()),
                raw_code,
                message,
                hint: map.get("hint").and_then(Value::as_str).map(str::to_owned),
                retry_after,
                meta: map.get("meta").cloned().or_else(|| flat_funding(&map)),
            })))
        }
        _ => Err(NearlyError::Http {
            status,
            snippet: snippet(bytes),
            retry_after: header_retry_after,
        }),
    }
}

/// The reference server flattens the 402 funding fields into the envelope; gather them as `meta`.
fn flat_funding(map: &serde_json::Map<String, Value>) -> Option<Value> {
    const FIELDS: [&str; 4] = ["wallet_address", "fund_amount", "fund_token", "fund_url"];
    let meta: serde_json::Map<String, Value> = FIELDS
        .iter()
        .filter_map(|f| map.get(*f).map(|v| ((*f).to_owned(), v.clone())))
        .collect();
    (!meta.is_empty()).then_some(Value::Object(meta))
}

fn snippet(body: &[u8]) -> String {
    const MAX: usize = 200;
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    match trimmed.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}...", &trimmed[..end]),
        None => trimmed.to_owned(),
    }
}
