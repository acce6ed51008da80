//! The server's configuration: command-line flags, each with an environment fallback.

use std::convert::Infallible;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use url::Url;

use crate::ServerError;

/// The default `--listen` address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// The default `--data-dir`.
pub const DEFAULT_DATA_DIR: &str = "./nearly-data";
/// The default `--pull-interval-secs` (production mode only).
pub const DEFAULT_PULL_INTERVAL_SECS: u64 = 30;
/// The default `--reconcile-interval-secs`: hourly.
pub const DEFAULT_RECONCILE_INTERVAL_SECS: u64 = 3600;
/// The default `--bootstrap-margin-blocks` (`neardata.md` §4: L = 600 blocks, about 6 min of
/// the KV API's own indexing lag).
pub const DEFAULT_BOOTSTRAP_MARGIN_BLOCKS: u64 = 600;
/// Default seconds between index snapshots.
pub const DEFAULT_SNAPSHOT_INTERVAL_SECS: u64 = 300;
/// The default `--log-filter` (`RUST_LOG` syntax).
pub const DEFAULT_LOG_FILTER: &str = "info";

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event, with the enclosing spans' fields
    /// (`request{request_id=...}`).
    #[default]
    Pretty,
    /// One JSON object per line, with the current span and the span list (so `request_id` is
    /// on every line of a request).
    Json,
}

/// A secret setting (the LLM API key). Its `Debug` and `Display` never show the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself, for the one place that sends it.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl FromStr for Secret {
    type Err = Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::new(s))
    }
}

/// Which backends the server runs on, decided by the configured URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// No FastData or custody URL: the embedded ledger and local custody in the data dir.
    Sandbox,
    /// FastData and custody URLs given: real services, the index pulled from FastData.
    Production,
}

/// Configuration (clap derive; every flag has an env fallback).
///
/// With neither `--fastdata-url` nor `--custody-url` the server runs in **sandbox** mode
/// (embedded ledger and custody in `--data-dir`, zero setup); with both it runs in
/// **production** mode against those services. Giving only one of them is an error.
///
/// The LLM API key is a [`Secret`]: it never appears in `Debug` output, logs or `--help`.
#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "nearly-server",
    version,
    about = "The Nearly social graph server"
)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "NEARLY_LISTEN", default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,

    /// Directory for durable state: the sandbox ledger and custody store, and the platform
    /// store (in both modes). Created if missing.
    #[arg(long, env = "NEARLY_DATA_DIR", default_value = DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,

    /// FastData KV base URL (e.g. `https://kv.main.fastnear.com`). Production mode; requires
    /// `--custody-url`.
    #[arg(long, env = "NEARLY_FASTDATA_URL")]
    pub fastdata_url: Option<Url>,

    /// OutLayer custody base URL (e.g. `https://api.outlayer.fastnear.com`). Production mode;
    /// requires `--fastdata-url`.
    #[arg(long, env = "NEARLY_CUSTODY_URL")]
    pub custody_url: Option<Url>,

    /// NEAR JSON-RPC URL for named-account key checks (verify-claim, NEAR AI tokens). Without
    /// it only implicit accounts verify.
    #[arg(long, env = "NEARLY_RPC_URL")]
    pub rpc_url: Option<Url>,

    /// The FastData namespace (the custody call's receiver) the graph lives in.
    #[arg(long, env = "NEARLY_NAMESPACE", default_value = api_http::state::DEFAULT_NAMESPACE)]
    pub namespace: String,

    /// The account whose `hidden/*` keys hide agents.
    #[arg(long, env = "NEARLY_ADMIN_ACCOUNT")]
    pub admin_account: Option<String>,

    /// OpenAI-compatible chat-completions base URL for `generate.*` (without it they answer
    /// 503 NOT_CONFIGURED). Requires `--llm-model`.
    #[arg(long, env = "NEARLY_LLM_URL")]
    pub llm_url: Option<Url>,

    /// The model `generate.*` asks.
    #[arg(long, env = "NEARLY_LLM_MODEL")]
    pub llm_model: Option<String>,

    /// API key for the LLM endpoint (never printed).
    #[arg(long, env = "NEARLY_LLM_API_KEY", hide_env_values = true)]
    pub llm_api_key: Option<Secret>,

    /// `market.near.ai` API base URL (e.g. `https://market.near.ai/v1`); without it the
    /// platform is "not configured".
    #[arg(long, env = "NEARLY_MARKET_URL")]
    pub market_url: Option<Url>,

    /// `near.fm` API base URL (e.g. `https://api.near.fm`); without it the platform is "not
    /// configured".
    #[arg(long, env = "NEARLY_NEARFM_URL")]
    pub nearfm_url: Option<Url>,

    /// Log line format.
    #[arg(long, env = "NEARLY_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty)]
    pub log_format: LogFormat,

    /// Log filter, `RUST_LOG` syntax (e.g. `info`, `warn,api_http=debug`, `off`).
    #[arg(long, env = "RUST_LOG", default_value = DEFAULT_LOG_FILTER)]
    pub log_filter: String,

    /// Seconds between FastData re-scans in production mode (at least 1).
    #[arg(long, env = "NEARLY_PULL_INTERVAL_SECS", default_value_t = DEFAULT_PULL_INTERVAL_SECS)]
    pub pull_interval_secs: u64,

    /// neardata base URL (e.g. `https://mainnet.neardata.xyz`, or a sandbox server's
    /// `http://HOST/neardata`). Production mode: the index follows final blocks from it
    /// (seconds of lag) instead of re-scanning FastData every pull interval; FastData is then
    /// scanned only to bootstrap an index without a snapshot and to reconcile.
    #[arg(long, env = "NEARLY_NEARDATA_URL")]
    pub neardata_url: Option<Url>,

    /// Seconds between reconciliation scans of FastData when following blocks; 0 turns
    /// reconciliation off.
    #[arg(long, env = "NEARLY_RECONCILE_INTERVAL_SECS", default_value_t = DEFAULT_RECONCILE_INTERVAL_SECS)]
    pub reconcile_interval_secs: u64,

    /// Blocks below the final tip the block feed starts from after a bootstrap scan, and
    /// below which reconciliation compares (the KV API's own indexing lag).
    #[arg(long, env = "NEARLY_BOOTSTRAP_MARGIN_BLOCKS", default_value_t = DEFAULT_BOOTSTRAP_MARGIN_BLOCKS)]
    pub bootstrap_margin_blocks: u64,

    /// Seconds between index snapshots (`index.snapshot` in the data dir); 0 writes them only
    /// after a large catch-up and at graceful shutdown.
    #[arg(long, env = "NEARLY_SNAPSHOT_INTERVAL_SECS", default_value_t = DEFAULT_SNAPSHOT_INTERVAL_SECS)]
    pub snapshot_interval_secs: u64,

    /// Take per-IP rate-limit addresses from the last `X-Forwarded-For` hop. Only behind a
    /// proxy you run, which appends it.
    #[arg(
        long,
        env = "NEARLY_TRUST_FORWARDED_FOR",
        value_parser = clap::builder::BoolishValueParser::new(),
        action = clap::ArgAction::SetTrue,
    )]
    pub trust_forwarded_for: bool,

    /// Redis URL (`redis://host:6379`) for the state every replica must share: NEP-413 nonces,
    /// rate limits, `generate.*` budgets, platform registrations. Without it they stay in this
    /// process and its data dir (one replica only).
    #[arg(long, env = "NEARLY_REDIS_URL")]
    pub redis_url: Option<String>,

    /// Prefix of every Redis key (one per deployment sharing a Redis).
    #[arg(long, env = "NEARLY_REDIS_PREFIX", default_value = nearly_redis::DEFAULT_PREFIX)]
    pub redis_prefix: String,

    /// Bound on every Redis call, milliseconds.
    #[arg(long, env = "NEARLY_REDIS_TIMEOUT_MS", default_value_t = 500)]
    pub redis_timeout_ms: u64,

    /// Serve `GET /metrics` on this address instead of the API's listener.
    #[arg(long, env = "NEARLY_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,

    /// The metrics recorder's handle (tests pass a local recorder's); `None` installs the
    /// process-wide recorder.
    #[arg(skip)]
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    /// Seconds a connection may take to send a request head, and may sit idle between
    /// keep-alive requests, before the server closes it (at least 1).
    #[arg(long, env = "NEARLY_HEADER_READ_TIMEOUT_SECS", default_value_t = api_http::serve::DEFAULT_HEADER_READ_TIMEOUT.as_secs())]
    pub header_read_timeout_secs: u64,

    /// Seconds a request body may take to arrive before a 408 (at least 1).
    #[arg(long, env = "NEARLY_BODY_READ_TIMEOUT_SECS", default_value_t = api_http::serve::DEFAULT_BODY_READ_TIMEOUT.as_secs())]
    pub body_read_timeout_secs: u64,

    /// Seconds a whole request may take before a 408 (at least 1).
    #[arg(long, env = "NEARLY_REQUEST_TIMEOUT_SECS", default_value_t = api_http::serve::DEFAULT_REQUEST_TIMEOUT.as_secs())]
    pub request_timeout_secs: u64,
}

impl Config {
    /// Sandbox mode in `data_dir`, listening on 127.0.0.1:0, every other setting default, logs
    /// off/quiet.
    pub fn sandbox(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            data_dir: data_dir.into(),
            fastdata_url: None,
            custody_url: None,
            rpc_url: None,
            namespace: api_http::state::DEFAULT_NAMESPACE.to_owned(),
            admin_account: None,
            llm_url: None,
            llm_model: None,
            llm_api_key: None,
            market_url: None,
            nearfm_url: None,
            log_format: LogFormat::Pretty,
            log_filter: "off".to_owned(),
            pull_interval_secs: DEFAULT_PULL_INTERVAL_SECS,
            neardata_url: None,
            reconcile_interval_secs: 0,
            bootstrap_margin_blocks: DEFAULT_BOOTSTRAP_MARGIN_BLOCKS,
            snapshot_interval_secs: DEFAULT_SNAPSHOT_INTERVAL_SECS,
            trust_forwarded_for: false,
            redis_url: None,
            redis_prefix: nearly_redis::DEFAULT_PREFIX.to_owned(),
            redis_timeout_ms: 500,
            metrics_listen: None,
            metrics: None,
            header_read_timeout_secs: api_http::serve::DEFAULT_HEADER_READ_TIMEOUT.as_secs(),
            body_read_timeout_secs: api_http::serve::DEFAULT_BODY_READ_TIMEOUT.as_secs(),
            request_timeout_secs: api_http::serve::DEFAULT_REQUEST_TIMEOUT.as_secs(),
        }
    }

    /// Production mode against a sandbox server at `base` (`http://HOST`): its `/fastdata`,
    /// `/outlayer` and `/neardata` routes, data in `data_dir`, reconciliation off.
    pub fn production_against(
        base: &str,
        data_dir: impl Into<PathBuf>,
    ) -> Result<Self, url::ParseError> {
        let mut config = Self::sandbox(data_dir);
        config.fastdata_url = Some(Url::parse(&format!("{base}/fastdata"))?);
        config.custody_url = Some(Url::parse(&format!("{base}/outlayer"))?);
        config.neardata_url = Some(Url::parse(&format!("{base}/neardata"))?);
        Ok(config)
    }

    /// Checks the settings that depend on each other and returns the mode they select.
    ///
    /// # Errors
    ///
    /// [`ServerError::Config`] when only one of the FastData and custody URLs is given, the LLM
    /// URL comes without a model, the namespace or admin account is not a NEAR account id, or
    /// the pull interval is zero.
    pub fn validate(&self) -> Result<Mode, ServerError> {
        let mode = match (&self.fastdata_url, &self.custody_url) {
            (None, None) => Mode::Sandbox,
            (Some(_), Some(_)) => Mode::Production,
            (Some(_), None) => {
                return Err(ServerError::Config(
                    "--fastdata-url (NEARLY_FASTDATA_URL) needs --custody-url (NEARLY_CUSTODY_URL): \
                     give both for production mode, or neither for the sandbox"
                        .into(),
                ));
            }
            (None, Some(_)) => {
                return Err(ServerError::Config(
                    "--custody-url (NEARLY_CUSTODY_URL) needs --fastdata-url (NEARLY_FASTDATA_URL): \
                     give both for production mode, or neither for the sandbox"
                        .into(),
                ));
            }
        };
        nearly_core::AccountId::parse(&self.namespace).map_err(|e| {
            ServerError::Config(format!(
                "--namespace {:?} is not a NEAR account id: {e}",
                self.namespace
            ))
        })?;
        if let Some(admin) = &self.admin_account {
            nearly_core::AccountId::parse(admin).map_err(|e| {
                ServerError::Config(format!(
                    "--admin-account {admin:?} is not a NEAR account id: {e}"
                ))
            })?;
        }
        if self.llm_url.is_some() && self.llm_model.as_deref().is_none_or(str::is_empty) {
            return Err(ServerError::Config(
                "--llm-url (NEARLY_LLM_URL) needs --llm-model (NEARLY_LLM_MODEL)".into(),
            ));
        }
        if self.pull_interval_secs == 0 {
            return Err(ServerError::Config(
                "--pull-interval-secs must be at least 1".into(),
            ));
        }
        for (secs, flag) in [
            (self.header_read_timeout_secs, "--header-read-timeout-secs"),
            (self.body_read_timeout_secs, "--body-read-timeout-secs"),
            (self.request_timeout_secs, "--request-timeout-secs"),
        ] {
            if secs == 0 {
                return Err(ServerError::Config(format!("{flag} must be at least 1")));
            }
        }
        if self.neardata_url.is_some() && mode == Mode::Sandbox {
            return Err(ServerError::Config(
                "--neardata-url (NEARLY_NEARDATA_URL) is for production mode: give it with \
                 --fastdata-url and --custody-url"
                    .into(),
            ));
        }
        Ok(mode)
    }

    /// The connection time bounds.
    #[must_use]
    pub fn serve_config(&self) -> api_http::ServeConfig {
        api_http::ServeConfig {
            header_read_timeout: Duration::from_secs(self.header_read_timeout_secs),
            body_read_timeout: Duration::from_secs(self.body_read_timeout_secs),
            request_timeout: Duration::from_secs(self.request_timeout_secs),
        }
    }

    /// The pull interval as a duration.
    #[must_use]
    pub fn pull_interval(&self) -> Duration {
        Duration::from_secs(self.pull_interval_secs)
    }
}
