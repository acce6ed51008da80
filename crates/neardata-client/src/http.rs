//! The block source trait ([`BlockSource`]) and its real HTTP implementation ([`HttpNeardata`]).

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, HeaderMap, LOCATION, RETRY_AFTER};
use url::Url;

use crate::block::Block;
use crate::error::NeardataError;

/// What neardata answered for one height.
#[derive(Debug, Clone)]
pub enum BlockAnswer {
    /// 200 with a block.
    Block(Box<Block>),
    /// 200 with `null`: no block at this height (a skipped height; the tailer confirms it
    /// with the next block's `prev_hash`).
    Skipped,
    /// 404 `BLOCK_DOES_NOT_EXIST`: the height is beyond what the server will wait for. Ask
    /// again later.
    NotYet,
}

/// A source of final blocks: neardata over HTTP ([`HttpNeardata`]) or an in-process one.
#[async_trait]
pub trait BlockSource: Send + Sync {
    /// The newest final height.
    ///
    /// # Errors
    ///
    /// Any [`NeardataError`]; see [`NeardataError::is_retryable`].
    async fn final_height(&self) -> Result<u64, NeardataError>;

    /// The final block at `height`. For a height just past the tip the server may hold the
    /// request until the block exists (the long poll), up to the client's timeout.
    ///
    /// # Errors
    ///
    /// Any [`NeardataError`]; a body that is not a block is
    /// [`NeardataError::MalformedBlock`].
    async fn block(&self, height: u64) -> Result<BlockAnswer, NeardataError>;
}

/// How many redirects one request follows (as the official fetcher).
pub const MAX_REDIRECTS: usize = 5;

/// Settings of [`HttpNeardata`], built by the caller (this crate never reads the environment).
#[derive(Clone, PartialEq, Eq)]
pub struct HttpConfig {
    /// Deadline for one request, redirects and body included. It also ends a long poll, so keep
    /// it above the server's wait (neardata waits 2 s per missing block; the sandbox 10 s).
    pub request_timeout: Duration,
    /// Deadline for establishing a connection.
    pub connect_timeout: Duration,
    /// Optional API key, sent as `Authorization: Bearer <key>` on every hop (redirects are
    /// followed by hand so the header survives them). Never printed by `Debug`.
    pub api_key: Option<String>,
}

impl Default for HttpConfig {
    /// 15 s per request, 5 s to connect, no key.
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(15),
            connect_timeout: Duration::from_secs(5),
            api_key: None,
        }
    }
}

impl fmt::Debug for HttpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpConfig")
            .field("request_timeout", &self.request_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// [`BlockSource`] over HTTP: `https://mainnet.neardata.xyz`, or a sandbox such as
/// `http://127.0.0.1:8080/neardata`. One attempt per call; retries belong to the caller
/// ([`crate::Tailer`] retries for ever with backoff).
#[derive(Debug, Clone)]
pub struct HttpNeardata {
    http: reqwest::Client,
    /// Base URL without a trailing slash; `/v0/...` is appended.
    base: String,
    config: HttpConfig,
}

/// One answer after redirects.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl HttpNeardata {
    /// A client for the server at `base_url` (any path prefix is kept).
    ///
    /// # Errors
    ///
    /// [`NeardataError::InvalidConfig`] for a URL that is not `http(s)://` without query or
    /// fragment, or an HTTP client that cannot be built.
    pub fn new(base_url: &str, config: HttpConfig) -> Result<Self, NeardataError> {
        let parsed = Url::parse(base_url)
            .map_err(|e| NeardataError::InvalidConfig(format!("base URL {base_url:?}: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https")
            || parsed.query().is_some()
            || parsed.fragment().is_some()
            || parsed.cannot_be_a_base()
        {
            return Err(NeardataError::InvalidConfig(format!(
                "base URL {base_url:?} must be http(s) without query or fragment"
            )));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("neardata-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| NeardataError::InvalidConfig(format!("HTTP client: {e}")))?;
        Ok(Self {
            http,
            base: parsed.as_str().trim_end_matches('/').to_owned(),
            config,
        })
    }

    /// The configuration this client was built with.
    #[must_use]
    pub fn config(&self) -> &HttpConfig {
        &self.config
    }

    fn url(&self, path: &str) -> Result<Url, NeardataError> {
        Url::parse(&format!("{}{path}", self.base))
            .map_err(|e| NeardataError::InvalidConfig(format!("cannot build URL for {path}: {e}")))
    }

    /// One GET under the request timeout; follows redirects (re-sending the key) unless
    /// `follow` is false.
    async fn get(&self, url: Url, follow: bool) -> Result<Answer, NeardataError> {
        let endpoint = url.path().to_owned();
        let timeout = self.config.request_timeout;
        match tokio::time::timeout(timeout, self.get_inner(url, follow, &endpoint)).await {
            Ok(answer) => answer,
            Err(_) => Err(NeardataError::Timeout {
                endpoint,
                after: timeout,
            }),
        }
    }

    async fn get_inner(
        &self,
        mut url: Url,
        follow: bool,
        endpoint: &str,
    ) -> Result<Answer, NeardataError> {
        for _ in 0..=MAX_REDIRECTS {
            let mut request = self
                .http
                .get(url.clone())
                .header(ACCEPT, "application/json");
            if let Some(key) = &self.config.api_key {
                request = request.bearer_auth(key);
            }
            tracing::debug!(%url, "neardata request");
            let response = request.send().await.map_err(|e| transport(endpoint, &e))?;
            let status = response.status();
            let headers = response.headers().clone();
            if follow && status.is_redirection() {
                url = location(&url, &headers).ok_or_else(|| NeardataError::Unexpected {
                    status: status.as_u16(),
                    endpoint: endpoint.to_owned(),
                    message: "redirect without a usable Location".into(),
                })?;
                continue;
            }
            let body = response
                .bytes()
                .await
                .map_err(|e| transport(endpoint, &e))?
                .to_vec();
            return Ok(Answer {
                status,
                headers,
                body,
            });
        }
        Err(NeardataError::TooManyRedirects {
            endpoint: endpoint.to_owned(),
            max: MAX_REDIRECTS,
        })
    }
}

#[async_trait]
impl BlockSource for HttpNeardata {
    /// `GET /v0/last_block/final/headers` without following it: the height is in the
    /// `Location` (`.../v0/block/{H}/headers`). A server that answers the headers directly
    /// (200) is read from `header.height`.
    async fn final_height(&self) -> Result<u64, NeardataError> {
        let url = self.url("/v0/last_block/final/headers")?;
        let endpoint = url.path().to_owned();
        let answer = self.get(url.clone(), false).await?;
        let unexpected = |message: String| NeardataError::Unexpected {
            status: answer.status.as_u16(),
            endpoint: endpoint.clone(),
            message,
        };
        if answer.status.is_redirection() {
            let target = location(&url, &answer.headers)
                .ok_or_else(|| unexpected("redirect without a usable Location".into()))?;
            return height_in_block_path(target.path())
                .ok_or_else(|| unexpected(format!("Location {} names no block height", target)));
        }
        if answer.status.is_success() {
            #[derive(serde::Deserialize)]
            struct Headers {
                header: Height,
            }
            #[derive(serde::Deserialize)]
            struct Height {
                height: u64,
            }
            return serde_json::from_slice::<Headers>(&answer.body)
                .map(|h| h.header.height)
                .map_err(|e| unexpected(format!("not a block header: {e}")));
        }
        Err(status_error(&endpoint, &answer))
    }

    async fn block(&self, height: u64) -> Result<BlockAnswer, NeardataError> {
        let url = self.url(&format!("/v0/block/{height}"))?;
        let endpoint = url.path().to_owned();
        let answer = self.get(url, true).await?;
        if answer.status.is_success() {
            if answer.body.trim_ascii() == b"null" {
                return Ok(BlockAnswer::Skipped);
            }
            return Block::decode(&answer.body, height).map(|b| BlockAnswer::Block(Box::new(b)));
        }
        if answer.status == StatusCode::NOT_FOUND
            && error_type(&answer.body).as_deref() == Some("BLOCK_DOES_NOT_EXIST")
        {
            return Ok(BlockAnswer::NotYet);
        }
        Err(status_error(&endpoint, &answer))
    }
}

/// Maps a non-success answer to its error.
fn status_error(endpoint: &str, answer: &Answer) -> NeardataError {
    let status = answer.status.as_u16();
    let message = snippet(&answer.body);
    match answer.status {
        StatusCode::TOO_MANY_REQUESTS => NeardataError::RateLimited {
            retry_after: retry_after(&answer.headers),
        },
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => NeardataError::Unauthorized { status },
        StatusCode::BAD_REQUEST => NeardataError::BadRequest {
            status,
            endpoint: endpoint.to_owned(),
            message,
        },
        StatusCode::NOT_FOUND
            if matches!(
                error_type(&answer.body).as_deref(),
                Some("BLOCK_HEIGHT_TOO_HIGH" | "BLOCK_HEIGHT_TOO_LOW")
            ) =>
        {
            NeardataError::BadRequest {
                status,
                endpoint: endpoint.to_owned(),
                message,
            }
        }
        s if s.is_server_error() => NeardataError::Server {
            status,
            endpoint: endpoint.to_owned(),
            message,
        },
        _ => NeardataError::Unexpected {
            status,
            endpoint: endpoint.to_owned(),
            message,
        },
    }
}

/// The `type` of a `{"error": ..., "type": ...}` body.
fn error_type(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Typed {
        #[serde(rename = "type")]
        kind: String,
    }
    serde_json::from_slice::<Typed>(body).ok().map(|t| t.kind)
}

/// The first 200 characters of a body, for error messages.
fn snippet(body: &[u8]) -> String {
    String::from_utf8_lossy(body).chars().take(200).collect()
}

/// `Retry-After` in seconds (the HTTP-date form is not used by rate limiters we know).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?;
    text.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// The `Location` of a redirect, resolved against the request URL (it may be relative).
fn location(base: &Url, headers: &HeaderMap) -> Option<Url> {
    let text = headers.get(LOCATION)?.to_str().ok()?;
    base.join(text).ok()
}

/// `H` in a path ending `/block/{H}` or `/block/{H}/<suffix...>`.
fn height_in_block_path(path: &str) -> Option<u64> {
    let mut previous: Option<&str> = None;
    for segment in path.split('/').rev() {
        if segment == "block" {
            return previous?.parse().ok();
        }
        previous = Some(segment);
    }
    None
}

fn transport(endpoint: &str, error: &reqwest::Error) -> NeardataError {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    NeardataError::Transport {
        endpoint: endpoint.to_owned(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::height_in_block_path;

    #[test]
    fn height_is_read_from_block_paths() {
        assert_eq!(height_in_block_path("/v0/block/123/headers"), Some(123));
        assert_eq!(height_in_block_path("/neardata/v0/block/7"), Some(7));
        assert_eq!(height_in_block_path("/v0/block/x/headers"), None);
        assert_eq!(height_in_block_path("/v0/last_block/final"), None);
    }
}
