//! The real client: [`HttpFastData`], configured by [`HttpConfig`] and [`RetryPolicy`].

use std::collections::HashSet;
use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use backon::Retryable as _;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use crate::entry::{KvEntry, Order, Scan, ScanEnd, ScanLimit};
use crate::error::FastDataError;
use crate::read::{AccountKey, FastDataRead};
use crate::read::{check_key, check_predecessor};
use crate::wire::{
    self, ErrorResponse, INVALID_PAGE_TOKEN_MESSAGE, ListResponse, MAX_LIMIT, MAX_MULTI_KEYS,
    MultiRequest, MultiResponse, QueryRequest, WireEntry,
};

/// How failed reads are retried: exponential backoff, `initial_backoff * 2^n` capped at
/// `max_backoff`, for at most `max_retries` retries after the first attempt. The loop is
/// [`backon`]'s, over [`RetryPolicy::schedule`].
///
/// Retried: timeouts, transport errors, 429 and 5xx. Never 4xx or undecodable 2xx answers.
/// A 429's `Retry-After` is honoured up to `max_backoff`. No jitter: the schedule is exact, so
/// tests can configure tiny delays and stay fast and deterministic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 = try once).
    pub max_retries: u32,
    /// Wait before the first retry.
    pub initial_backoff: Duration,
    /// Upper bound on any single wait.
    pub max_backoff: Duration,
}

impl RetryPolicy {
    /// Try once, never retry.
    pub const NONE: Self = Self {
        max_retries: 0,
        initial_backoff: Duration::ZERO,
        max_backoff: Duration::ZERO,
    };

    /// The waits of the retry loop ([`backon`]'s, fed this exact schedule): `backoff(0)`,
    /// `backoff(1)`, ..., one per retry, `max_retries` in all.
    pub fn schedule(&self) -> impl Iterator<Item = Duration> + Send + Sync + Unpin + use<> {
        let policy = *self;
        (0..self.max_retries).map(move |retry| policy.backoff(retry))
    }

    /// The wait before retry number `retry` (0-based): `initial_backoff * 2^retry`, capped.
    /// Exact integer arithmetic (backon's own exponential builder computes in `f32` seconds).
    #[must_use]
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.checked_pow(retry).unwrap_or(u32::MAX);
        self.initial_backoff
            .checked_mul(factor)
            .unwrap_or(Duration::MAX)
            .min(self.max_backoff)
    }

    /// The wait after `error` when the schedule says `backoff`: a 429's `Retry-After` when
    /// longer, up to `max_backoff`.
    fn delay_after(&self, backoff: Duration, error: &FastDataError) -> Duration {
        match error {
            FastDataError::RateLimited {
                retry_after: Some(after),
            } => backoff.max((*after).min(self.max_backoff)),
            _ => backoff,
        }
    }
}

impl Default for RetryPolicy {
    /// 3 retries: 200 ms, 400 ms, 800 ms (capped at 5 s).
    fn default() -> Self {
        Self {
            max_retries: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
        }
    }
}

/// Settings of [`HttpFastData`]. Built by the caller (from its own config or environment);
/// this crate never reads the environment.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpConfig {
    /// Deadline for one attempt, from sending the request to the end of the body.
    pub request_timeout: Duration,
    /// Deadline for establishing a connection.
    pub connect_timeout: Duration,
    /// Retry schedule for failed reads.
    pub retry: RetryPolicy,
    /// Optional API key, sent as `Authorization: Bearer <key>`. Never printed by `Debug`.
    pub api_key: Option<String>,
    /// Rows requested per page, `1..=200` ([`MAX_LIMIT`]).
    pub page_size: u32,
    /// Ask list and multi endpoints for `receipt_id`, `action_index`, `tx_hash`, `signer_id`.
    /// ([`FastDataRead::get_latest`] uses the GET route, which never carries metadata.)
    pub include_metadata: bool,
}

impl Default for HttpConfig {
    /// 10 s per request, 5 s to connect, [`RetryPolicy::default`], no API key, 200 rows per
    /// page, no metadata.
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            retry: RetryPolicy::default(),
            api_key: None,
            page_size: MAX_LIMIT,
            include_metadata: false,
        }
    }
}

impl fmt::Debug for HttpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpConfig")
            .field("request_timeout", &self.request_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("page_size", &self.page_size)
            .field("include_metadata", &self.include_metadata)
            .finish()
    }
}

/// [`FastDataRead`] over HTTP against a FastData KV server (`https://kv.main.fastnear.com`, or
/// a local emulator such as `http://127.0.0.1:8080/fastdata`).
#[derive(Debug, Clone)]
pub struct HttpFastData {
    http: reqwest::Client,
    /// Base URL without a trailing slash; `/v0/...` is appended.
    base: String,
    namespace: String,
    config: HttpConfig,
}

impl HttpFastData {
    /// A client for the server at `base_url` (any path prefix is kept), reading `namespace`.
    ///
    /// # Errors
    ///
    /// [`FastDataError::InvalidConfig`] for a base URL that is not `http(s)://` without query
    /// or fragment, an empty namespace or one containing `/`, a page size outside `1..=200`,
    /// or an HTTP client that cannot be built.
    pub fn new(
        base_url: &str,
        namespace: impl Into<String>,
        config: HttpConfig,
    ) -> Result<Self, FastDataError> {
        let parsed = Url::parse(base_url)
            .map_err(|e| FastDataError::InvalidConfig(format!("base URL {base_url:?}: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https")
            || parsed.query().is_some()
            || parsed.fragment().is_some()
            || parsed.cannot_be_a_base()
        {
            return Err(FastDataError::InvalidConfig(format!(
                "base URL {base_url:?} must be http(s) without query or fragment"
            )));
        }
        let namespace = namespace.into();
        check_account("namespace", &namespace).map_err(FastDataError::InvalidConfig)?;
        if !(1..=MAX_LIMIT).contains(&config.page_size) {
            return Err(FastDataError::InvalidConfig(format!(
                "page_size {} must be in 1..={MAX_LIMIT}",
                config.page_size
            )));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .user_agent(concat!("fastdata-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| FastDataError::InvalidConfig(format!("HTTP client: {e}")))?;
        Ok(Self {
            http,
            base: parsed.as_str().trim_end_matches('/').to_owned(),
            namespace,
            config,
        })
    }

    /// The configuration this client was built with.
    #[must_use]
    pub fn config(&self) -> &HttpConfig {
        &self.config
    }

    fn url(&self, path: &str) -> Result<Url, FastDataError> {
        Url::parse(&format!("{}{path}", self.base))
            .map_err(|e| FastDataError::InvalidRequest(format!("cannot build URL for {path}: {e}")))
    }

    fn metadata(&self) -> Option<bool> {
        self.config.include_metadata.then_some(true)
    }

    /// One request with retries; decodes a 2xx JSON body into `T`.
    async fn call<B: Serialize + Sync, T: DeserializeOwned>(
        &self,
        method: Method,
        url: &Url,
        body: Option<&B>,
    ) -> Result<T, FastDataError> {
        let body = body
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|e| FastDataError::InvalidRequest(format!("cannot encode body: {e}")))?;
        let policy = self.config.retry;
        (|| self.attempt(method.clone(), url, body.as_deref()))
            .retry(policy.schedule())
            .when(FastDataError::is_retryable)
            .adjust(|error, backoff| backoff.map(|b| policy.delay_after(b, error)))
            .notify(|error, delay| tracing::warn!(%error, ?delay, "retrying FastData read"))
            .await
    }

    async fn attempt<T: DeserializeOwned>(
        &self,
        method: Method,
        url: &Url,
        body: Option<&[u8]>,
    ) -> Result<T, FastDataError> {
        let endpoint = url.path();
        let mut request = self
            .http
            .request(method, url.clone())
            .timeout(self.config.request_timeout)
            .header(ACCEPT, "application/json");
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_vec());
        }
        if let Some(key) = &self.config.api_key {
            request = request.bearer_auth(key);
        }
        tracing::debug!(%url, "FastData request");
        let response = request
            .send()
            .await
            .map_err(|e| self.transport_error(endpoint, &e))?;
        let status = response.status();
        let retry_after = retry_after(response.headers());
        let bytes = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(endpoint, &e))?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|e| FastDataError::Decode {
                endpoint: endpoint.to_owned(),
                message: format!("{e} (body: {})", snippet(&bytes)),
            });
        }
        Err(status_error(status, retry_after, &bytes, endpoint))
    }

    fn transport_error(&self, endpoint: &str, error: &reqwest::Error) -> FastDataError {
        if error.is_timeout() {
            return FastDataError::Timeout {
                endpoint: endpoint.to_owned(),
                after: self.config.request_timeout,
            };
        }
        let mut message = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        FastDataError::Transport {
            endpoint: endpoint.to_owned(),
            message,
        }
    }

    /// Follows `page_token` from a first request built from `base` until the server has no
    /// more rows or `limit` is reached; a repeated page or a token cycle ends the read early and
    /// is reported in [`Scan::end`]. Any failed page fails the whole read.
    async fn paginate(
        &self,
        path: &str,
        base: QueryRequest,
        limit: ScanLimit,
    ) -> Result<Scan, FastDataError> {
        let url = self.url(path)?;
        let mut scan = Scan::default();
        let mut sent_tokens: HashSet<String> = HashSet::new();
        let mut token: Option<String> = None;
        let mut previous_page = 0..0;
        loop {
            // Ask for one row beyond the caller's bound, so a full page proves there is more.
            let want = match limit.max_entries {
                None => self.config.page_size,
                Some(max) => {
                    let left = max.saturating_sub(scan.entries.len()).saturating_add(1);
                    u32::try_from(left)
                        .map_or(self.config.page_size, |l| l.min(self.config.page_size))
                }
            };
            let request = QueryRequest {
                limit: Some(i32::try_from(want).unwrap_or(i32::MAX)),
                page_token: token.clone(),
                ..base.clone()
            };
            let response: ListResponse = self.call(Method::POST, &url, Some(&request)).await?;
            let page = decode_entries(url.path(), response.entries)?;
            // A server that ignores the token answers the same page (or the token it was sent)
            // again: stop instead of looping forever, and say the scan is incomplete.
            let repeated = (token.is_some() && response.page_token == token)
                || (!page.is_empty() && scan.entries.get(previous_page.clone()) == Some(&page[..]));
            if repeated {
                tracing::warn!(
                    path,
                    rows = scan.entries.len(),
                    "FastData repeated a page; the scan is incomplete"
                );
                scan.end = ScanEnd::RepeatedPage;
                break;
            }
            previous_page = scan.entries.len()..scan.entries.len() + page.len();
            scan.entries.extend(page);
            if let Some(max) = limit.max_entries
                && scan.entries.len() > max
            {
                scan.entries.truncate(max);
                scan.end = ScanEnd::Bound;
                break;
            }
            match response.page_token {
                None => break,
                Some(next) => {
                    if !sent_tokens.insert(next.clone()) {
                        tracing::warn!(
                            path,
                            rows = scan.entries.len(),
                            "FastData page tokens cycle; the scan is incomplete"
                        );
                        scan.end = ScanEnd::TokenCycle;
                        break;
                    }
                    token = Some(next);
                }
            }
        }
        Ok(scan)
    }

    fn path_latest_ns(&self) -> String {
        format!("/v0/latest/{}", encode_segment(&self.namespace))
    }

    fn path_latest_pred(&self, predecessor_id: &str) -> String {
        format!(
            "/v0/latest/{}/{}",
            encode_segment(&self.namespace),
            encode_segment(predecessor_id)
        )
    }
}

#[async_trait]
impl FastDataRead for HttpFastData {
    fn namespace(&self) -> &str {
        &self.namespace
    }

    async fn get_latest(
        &self,
        predecessor_id: &str,
        key: &str,
    ) -> Result<Option<KvEntry>, FastDataError> {
        check_predecessor(predecessor_id)?;
        check_key(key)?;
        let response: ListResponse = if key_fits_path(key) {
            // GET /v0/latest/{ns}/{pred}/{key:.*}: `/` stays raw, the rest is percent-encoded.
            let path = format!(
                "{}/{}",
                self.path_latest_pred(predecessor_id),
                encode_key_path(key)
            );
            self.call::<(), _>(Method::GET, &self.url(&path)?, None)
                .await?
        } else {
            // A `.` or `..` segment would be normalised away by URL parsing: ask by body.
            // The token this answer carries is ignored on purpose (exact-key quirk).
            let request = QueryRequest {
                key: Some(key.to_owned()),
                limit: Some(1),
                include_metadata: self.metadata(),
                ..QueryRequest::default()
            };
            let url = self.url(&self.path_latest_pred(predecessor_id))?;
            self.call(Method::POST, &url, Some(&request)).await?
        };
        let endpoint = self.path_latest_pred(predecessor_id);
        Ok(decode_entries(&endpoint, response.entries)?
            .into_iter()
            .next())
    }

    async fn scan_prefix(
        &self,
        predecessor_id: &str,
        key_prefix: &str,
        limit: ScanLimit,
    ) -> Result<Scan, FastDataError> {
        check_predecessor(predecessor_id)?;
        let base = QueryRequest {
            key_prefix: prefix_filter(key_prefix),
            include_metadata: self.metadata(),
            ..QueryRequest::default()
        };
        self.paginate(&self.path_latest_pred(predecessor_id), base, limit)
            .await
    }

    async fn latest_by_key(&self, key: &str, limit: ScanLimit) -> Result<Scan, FastDataError> {
        check_key(key)?;
        let base = QueryRequest {
            key: Some(key.to_owned()),
            include_metadata: self.metadata(),
            ..QueryRequest::default()
        };
        self.paginate(&self.path_latest_ns(), base, limit).await
    }

    async fn latest_by_prefix(
        &self,
        key_prefix: &str,
        limit: ScanLimit,
    ) -> Result<Scan, FastDataError> {
        let base = QueryRequest {
            key_prefix: prefix_filter(key_prefix),
            include_metadata: self.metadata(),
            ..QueryRequest::default()
        };
        self.paginate(&self.path_latest_ns(), base, limit).await
    }

    async fn multi_get(&self, keys: &[AccountKey]) -> Result<Vec<Option<KvEntry>>, FastDataError> {
        for k in keys {
            check_predecessor(&k.predecessor_id)?;
            check_key(&k.key)?;
        }
        let url = self.url("/v0/multi")?;
        let mut out = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(MAX_MULTI_KEYS) {
            let request = MultiRequest {
                keys: chunk
                    .iter()
                    .map(|k| wire::format_multi_key(&self.namespace, &k.predecessor_id, &k.key))
                    .collect(),
                include_metadata: self.metadata(),
            };
            let response: MultiResponse = self.call(Method::POST, &url, Some(&request)).await?;
            if response.entries.len() != chunk.len() {
                return Err(FastDataError::Decode {
                    endpoint: url.path().to_owned(),
                    message: format!(
                        "{} slots answered for {} keys",
                        response.entries.len(),
                        chunk.len()
                    ),
                });
            }
            for slot in response.entries {
                out.push(slot.map(|w| decode_entry(url.path(), w)).transpose()?);
            }
        }
        Ok(out)
    }

    async fn history(
        &self,
        predecessor_id: &str,
        key: &str,
        order: Order,
        limit: ScanLimit,
    ) -> Result<Scan, FastDataError> {
        check_predecessor(predecessor_id)?;
        check_key(key)?;
        let path = format!(
            "/v0/history/{}/{}",
            encode_segment(&self.namespace),
            encode_segment(predecessor_id)
        );
        let base = QueryRequest {
            key: Some(key.to_owned()),
            asc: Some(order == Order::Ascending),
            include_metadata: self.metadata(),
            ..QueryRequest::default()
        };
        self.paginate(&path, base, limit).await
    }

    async fn namespace_history(
        &self,
        key: &str,
        order: Order,
        limit: ScanLimit,
    ) -> Result<Scan, FastDataError> {
        check_key(key)?;
        let path = format!("/v0/history/{}", encode_segment(&self.namespace));
        let base = QueryRequest {
            key: Some(key.to_owned()),
            asc: Some(order == Order::Ascending),
            include_metadata: self.metadata(),
            ..QueryRequest::default()
        };
        self.paginate(&path, base, limit).await
    }

    async fn all_of_predecessor(
        &self,
        predecessor_id: &str,
        limit: ScanLimit,
    ) -> Result<Scan, FastDataError> {
        check_predecessor(predecessor_id)?;
        let path = format!("/v0/all/{}", encode_segment(predecessor_id));
        let base = QueryRequest {
            include_metadata: self.metadata(),
            ..QueryRequest::default()
        };
        self.paginate(&path, base, limit).await
    }
}

/// The server turns an empty prefix into the range `["", "\x01")`, which matches nothing useful:
/// an empty prefix therefore means "no filter".
fn prefix_filter(prefix: &str) -> Option<String> {
    (!prefix.is_empty()).then(|| prefix.to_owned())
}

fn decode_entry(endpoint: &str, wire: WireEntry) -> Result<KvEntry, FastDataError> {
    KvEntry::from_wire(wire).map_err(|e| FastDataError::Decode {
        endpoint: endpoint.to_owned(),
        message: format!("entry value: {e}"),
    })
}

fn decode_entries(endpoint: &str, wire: Vec<WireEntry>) -> Result<Vec<KvEntry>, FastDataError> {
    wire.into_iter()
        .map(|w| decode_entry(endpoint, w))
        .collect()
}

fn status_error(
    status: StatusCode,
    retry_after: Option<Duration>,
    body: &[u8],
    endpoint: &str,
) -> FastDataError {
    let message =
        serde_json::from_slice::<ErrorResponse>(body).map_or_else(|_| snippet(body), |e| e.error);
    match status {
        StatusCode::NOT_FOUND => FastDataError::NotFound {
            endpoint: endpoint.to_owned(),
        },
        StatusCode::TOO_MANY_REQUESTS => FastDataError::RateLimited { retry_after },
        StatusCode::BAD_REQUEST if message == INVALID_PAGE_TOKEN_MESSAGE => {
            FastDataError::InvalidPageToken { message }
        }
        _ => FastDataError::Http {
            status: status.as_u16(),
            endpoint: endpoint.to_owned(),
            message,
        },
    }
}

/// `Retry-After: <seconds>`; the HTTP-date form is not used by FastData and is ignored.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// At most 256 bytes of a body, lossily decoded, for error messages.
fn snippet(body: &[u8]) -> String {
    const MAX: usize = 256;
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.len() <= MAX {
        return text.to_owned();
    }
    let mut end = MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}

fn check_account(what: &str, account: &str) -> Result<(), String> {
    if account.is_empty() || account.contains('/') {
        return Err(format!(
            "{what} {account:?} must be a non-empty account id without '/'"
        ));
    }
    Ok(())
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn percent_encode(s: &str, keep_slash: bool) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if is_unreserved(b) || (keep_slash && b == b'/') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
    out
}

/// Percent-encodes one path segment (an account id): everything but RFC 3986 unreserved bytes.
pub(crate) fn encode_segment(s: &str) -> String {
    percent_encode(s, false)
}

/// Encodes a key for the `{key:.*}` tail of a GET path: `/` stays raw (the server matches the
/// rest of the path), every other byte outside RFC 3986 unreserved is percent-encoded.
pub(crate) fn encode_key_path(key: &str) -> String {
    percent_encode(key, true)
}

/// Whether a key survives URL path normalisation: no `.` or `..` segment.
fn key_fits_path(key: &str) -> bool {
    key.split('/').all(|seg| seg != "." && seg != "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_encoding_keeps_slash_and_escapes_reserved() {
        assert_eq!(
            encode_key_path("graph/follow/bob.near"),
            "graph/follow/bob.near"
        );
        assert_eq!(
            encode_key_path("a b?c#d%e&f+g"),
            "a%20b%3Fc%23d%25e%26f%2Bg"
        );
        assert_eq!(encode_key_path("é/~x"), "%C3%A9/~x");
        assert_eq!(encode_segment("a/b"), "a%2Fb");
    }

    #[test]
    fn dot_segments_do_not_fit_a_path() {
        assert!(key_fits_path("cap/ai.chat/x"));
        assert!(key_fits_path("a//b"));
        assert!(!key_fits_path("a/../b"));
        assert!(!key_fits_path("."));
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let p = RetryPolicy {
            max_retries: 10,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(500),
        };
        assert_eq!(p.backoff(0), Duration::from_millis(100));
        assert_eq!(p.backoff(1), Duration::from_millis(200));
        assert_eq!(p.backoff(2), Duration::from_millis(400));
        assert_eq!(p.backoff(3), Duration::from_millis(500));
        assert_eq!(p.backoff(40), Duration::from_millis(500));
        let limited = FastDataError::RateLimited {
            retry_after: Some(Duration::from_secs(60)),
        };
        assert_eq!(
            p.delay_after(p.backoff(0), &limited),
            Duration::from_millis(500)
        );
        // The schedule stops after `max_retries`.
        let short = RetryPolicy {
            max_retries: 2,
            ..p
        };
        let waits: Vec<Duration> = short.schedule().collect();
        assert_eq!(
            waits,
            [Duration::from_millis(100), Duration::from_millis(200)]
        );
        assert_eq!(RetryPolicy::NONE.schedule().count(), 0);
    }

    #[test]
    fn config_debug_redacts_api_key() {
        let config = HttpConfig {
            api_key: Some("secret-key".into()),
            ..HttpConfig::default()
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("secret-key"), "{shown}");
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn constructor_validates() {
        let ok = HttpFastData::new(
            "http://127.0.0.1:1/fastdata/",
            "contextual.near",
            HttpConfig::default(),
        )
        .unwrap();
        assert_eq!(ok.base, "http://127.0.0.1:1/fastdata");
        for (url, ns) in [
            ("not a url", "ns.near"),
            ("ftp://x", "ns.near"),
            ("http://x/?q=1", "ns.near"),
            ("http://x", ""),
            ("http://x", "a/b"),
        ] {
            assert!(matches!(
                HttpFastData::new(url, ns, HttpConfig::default()),
                Err(FastDataError::InvalidConfig(_))
            ));
        }
        let bad_page = HttpConfig {
            page_size: 201,
            ..HttpConfig::default()
        };
        assert!(HttpFastData::new("http://x", "ns", bad_page).is_err());
    }

    #[test]
    fn snippet_is_bounded() {
        let long = "é".repeat(1000);
        let s = snippet(long.as_bytes());
        assert!(s.len() <= 260);
        assert!(s.ends_with("..."));
    }
}
