//! [`Server`]: opens storage, builds the index, picks the implementations behind
//! [`api_http::AppState`] and serves the router until shut down.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use api_http::hygiene::with_request_context;
use api_http::{ApiConfig, AppState, MarketClient, NearFmClient, OpenAiCompatible};
use fastdata_client::{FastDataRead, HttpFastData};
use indexer::{ApplyStats, Indexer, IndexerConfig, IndexerError};
use neardata_client::{BlockSource, HttpNeardata};
use nearly_core::{Clock, SystemClock};
use nearly_sandbox::Ledger;
use nep413::AccessKeys;
use nep413::rpc::RpcAccessKeys;
use outlayer_client::{Custody, HttpOutLayer};
use sandbox_custody::LocalCustody;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::{Config, Mode};
use crate::error::ServerError;

/// The sandbox ledger's file inside the data dir.
pub const LEDGER_FILE: &str = "ledger.redb";
/// The index snapshot's file inside the data dir.
pub const SNAPSHOT_FILE: &str = "index.snapshot";
/// A start-up catch-up of at least this many entries is followed by a snapshot at once.
const CATCH_UP_SNAPSHOT_ENTRIES: usize = 10_000;

/// A background task that keeps the index current, stopped by [`Server::shutdown`].
struct Background {
    name: &'static str,
    handle: JoinHandle<Result<(), IndexerError>>,
}

/// A running server: the HTTP listener plus the task that keeps the index current.
///
/// Dropping it without [`Server::shutdown`] also stops everything, but without waiting.
pub struct Server {
    local_addr: SocketAddr,
    mode: Mode,
    stop: watch::Sender<bool>,
    http: JoinHandle<std::io::Result<()>>,
    background: Vec<Background>,
    /// The sandbox ledger, released last on shutdown.
    ledger: Option<Ledger>,
    /// The index, snapshotted at shutdown.
    index: Arc<Indexer>,
    snapshot_path: PathBuf,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("local_addr", &self.local_addr)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

/// What the mode-specific half of start-up hands back.
struct Backend {
    /// The index: from the snapshot (plus the ledger tail in the sandbox), or empty.
    index: Arc<Indexer>,
    custody: Arc<dyn Custody>,
    /// The sandbox's wire-compatible FastData and custody routers (sandbox mode only).
    sandbox_routes: Option<(Ledger, LocalCustody)>,
    background: Vec<Background>,
}

impl Server {
    /// Opens storage, rebuilds the index, binds, starts serving in a background tokio task.
    ///
    /// # Errors
    ///
    /// An invalid configuration, storage that cannot be opened (for instance a data dir
    /// already used by a running server), an index bootstrap failure (ledger rebuild, or the
    /// first FastData sync in production mode), or an address that cannot be bound.
    pub async fn start(config: Config) -> Result<Server, ServerError> {
        let mode = config.validate()?;
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| ServerError::Bind {
                    addr: config.listen,
                    source,
                })?;
        let local_addr = listener.local_addr().map_err(|source| ServerError::Bind {
            addr: config.listen,
            source,
        })?;

        let http_client = reqwest::Client::builder()
            .build()
            .map_err(|e| client_error("http")(e.to_string()))?;
        let (stop, _) = watch::channel(false);
        let snapshot_path = config.data_dir.join(SNAPSHOT_FILE);
        let backend = match mode {
            Mode::Sandbox => start_sandbox(&config, &snapshot_path, &stop).await?,
            Mode::Production => start_production(&config, &snapshot_path, &stop).await?,
        };
        let index = backend.index.clone();
        let snapshotter = spawn_snapshotter(
            index.clone(),
            snapshot_path.clone(),
            Duration::from_secs(config.snapshot_interval_secs),
            stop.subscribe(),
        );

        let state = AppState::new(backend.custody)
            .with_index(index.clone())
            .with_access_keys(access_keys(&config, &http_client))
            .with_config(ApiConfig {
                trust_forwarded_for: config.trust_forwarded_for,
                ..ApiConfig::default()
            });
        let mut state = crate::shared::install(&config, state).await?;
        if let Some(url) = &config.market_url {
            state = state.with_platform_client(Arc::new(MarketClient::new(
                url.as_str(),
                http_client.clone(),
            )));
        }
        if let Some(url) = &config.nearfm_url {
            state = state.with_platform_client(Arc::new(NearFmClient::new(
                url.as_str(),
                http_client.clone(),
            )));
        }
        if let (Some(url), Some(model)) = (&config.llm_url, &config.llm_model) {
            let key = config
                .llm_api_key
                .as_ref()
                .map(|k| k.expose().to_owned())
                .unwrap_or_default();
            state = state.with_llm(Arc::new(OpenAiCompatible::new(
                url.as_str(),
                model.as_str(),
                key,
                http_client.clone(),
            )));
        }

        let mut ledger = None;
        if let Some((sandbox_ledger, _)) = &backend.sandbox_routes {
            // Writes wait (briefly) for the follower to index their real block.
            let head_of = sandbox_ledger.clone();
            state = state.with_source_head(Arc::new(move || head_of.head().block_height));
        }
        // Evidence links on the web pages: the sandbox's own FastData emulator, or the real one.
        let fastdata_base = match &config.fastdata_url {
            Some(url) if backend.sandbox_routes.is_none() => url.as_str().to_owned(),
            _ => "/fastdata".to_owned(),
        };
        let pages = web::WebState::new(state.clone(), fastdata_base);
        let observed = state.clone();
        let mut app = api_http::router(state);
        if let Some((sandbox_ledger, custody)) = backend.sandbox_routes {
            app = app
                // The same request-id and span layers as the API's routes.
                .nest_service(
                    "/fastdata",
                    with_request_context(nearly_sandbox::fastdata_api::router(
                        sandbox_ledger.clone(),
                    )),
                )
                .nest_service(
                    "/neardata",
                    with_request_context(nearly_sandbox::neardata_api::router(
                        sandbox_ledger.clone(),
                    )),
                )
                .nest(
                    "/outlayer",
                    with_request_context(sandbox_custody::router(custody)),
                );
            ledger = Some(sandbox_ledger);
        }

        // Metrics first, on the API and sandbox routes (a route layer sees their matched paths;
        // on the outside it would only see the pages' fallback). Then the web pages in front:
        // what they do not serve goes to the API router, and their own routes are tracked too.
        let app =
            crate::observe::install(&config, &observed, app, stopped(stop.subscribe())).await?;
        let app =
            web::router(pages, app).route_layer(axum::middleware::from_fn(crate::observe::track));
        let http = tokio::spawn(api_http::run_with(
            listener,
            app,
            stopped(stop.subscribe()),
            config.serve_config(),
        ));
        tracing::info!(
            address = %local_addr,
            mode = ?mode,
            data_dir = %config.data_dir.display(),
            namespace = %config.namespace,
            "nearly-server listening"
        );
        Ok(Server {
            local_addr,
            mode,
            stop,
            http,
            background: {
                let mut tasks = backend.background;
                tasks.push(snapshotter);
                tasks
            },
            ledger,
            index,
            snapshot_path,
        })
    }

    /// The address the server listens on (the real port when configured with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The index the server answers from (for waiting on its height in tests and tools).
    pub fn index(&self) -> Arc<Indexer> {
        self.index.clone()
    }

    /// "http://{local_addr}"
    pub fn base_url(&self) -> String {
        format!("http://{}", self.local_addr)
    }

    /// Graceful: stop accepting, finish in-flight requests, stop background tasks, flush storage.
    ///
    /// Every sandbox commit is already durable when it is acknowledged (the ledger and custody
    /// store fsync each transaction); shutting down releases their files, so the same data dir
    /// can be opened again as soon as this returns.
    ///
    /// # Errors
    ///
    /// The HTTP server or a background task failed while running (everything is stopped
    /// anyway).
    pub async fn shutdown(self) -> Result<(), ServerError> {
        tracing::info!("shutting down: no new connections, finishing in-flight requests");
        self.stop.send_replace(true);
        let mut first_error = match self.http.await {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(ServerError::Serve(e)),
            Err(e) => Some(join_error("http")(e)),
        };
        for task in self.background {
            let outcome = match task.handle.await {
                Ok(Ok(())) => None,
                Ok(Err(e)) => Some(ServerError::Task {
                    task: task.name,
                    message: e.to_string(),
                }),
                Err(e) => Some(join_error(task.name)(e)),
            };
            first_error = first_error.or(outcome);
        }
        // The index no longer changes: the shutdown snapshot makes the next start fast.
        let (index, path) = (self.index.clone(), self.snapshot_path.clone());
        match tokio::task::spawn_blocking(move || indexer::write_snapshot(&index, &path)).await {
            Ok(Ok(Some(info))) => tracing::info!(
                height = info.height,
                entries = info.entries,
                bytes = info.bytes,
                "index snapshot written"
            ),
            Ok(Ok(None)) => tracing::info!("write-through entries pending; no shutdown snapshot"),
            Ok(Err(e)) => tracing::warn!(error = %e, "shutdown snapshot failed"),
            Err(e) => tracing::warn!(error = %e, "shutdown snapshot task failed"),
        }
        drop(self.ledger);
        tracing::info!("stopped");
        first_error.map_or(Ok(()), Err)
    }
}

/// Sandbox: the durable ledger and local custody in the data dir; the index from its snapshot
/// plus the ledger tail (or rebuilt from the whole ledger), then pushed every commit.
async fn start_sandbox(
    config: &Config,
    snapshot_path: &Path,
    stop: &watch::Sender<bool>,
) -> Result<Backend, ServerError> {
    let dir = config.data_dir.clone();
    let index_config = indexer_config(config);
    let snapshot_path = snapshot_path.to_path_buf();
    let (ledger, custody, index, stats, elapsed) = tokio::task::spawn_blocking(move || {
        let (ledger, custody) = open_sandbox(&dir)?;
        let started = Instant::now();
        let (mut index, info) = indexer::load_or_empty(index_config.clone(), &snapshot_path);
        let head = ledger.head().block_height;
        if info.is_some_and(|i| i.height > head) {
            tracing::warn!(
                snapshot_height = index.height(),
                ledger_height = head,
                "index snapshot is ahead of the ledger (another ledger?); full rebuild"
            );
            index = Indexer::new(index_config);
        }
        let stats = indexer::rebuild_from_ledger(&index, &ledger)?;
        let elapsed = started.elapsed();
        index.mark_caught_up(SystemClock.now_ns());
        if stats.applied + stats.stale + stats.ignored >= CATCH_UP_SNAPSHOT_ENTRIES {
            snapshot_now(&index, &snapshot_path);
        }
        Ok::<_, ServerError>((ledger, custody, Arc::new(index), stats, elapsed))
    })
    .await
    .map_err(join_error("open the sandbox"))??;
    log_rebuild(&ledger, &index, stats, elapsed);

    let follower = tokio::spawn(log_failure(
        "ledger follower",
        indexer::follow_ledger(
            index.clone(),
            Arc::new(ledger.clone()),
            stopped(stop.subscribe()),
        ),
    ));
    let custody_dyn: Arc<dyn Custody> = Arc::new(custody.clone());
    Ok(Backend {
        index,
        custody: custody_dyn,
        sandbox_routes: Some((ledger, custody)),
        background: vec![Background {
            name: "ledger follower",
            handle: follower,
        }],
    })
}

/// Writes a snapshot now (blocking), logging the outcome.
fn snapshot_now(index: &Indexer, path: &Path) {
    match indexer::write_snapshot(index, path) {
        Ok(Some(info)) => tracing::info!(
            height = info.height,
            entries = info.entries,
            bytes = info.bytes,
            "index snapshot written"
        ),
        Ok(None) => tracing::debug!("write-through entries pending; snapshot skipped"),
        Err(e) => tracing::warn!(error = %e, "index snapshot failed; the previous one stays"),
    }
}

/// Snapshots the index every `interval` (never when it is zero) until stopped.
fn spawn_snapshotter(
    index: Arc<Indexer>,
    path: PathBuf,
    interval: Duration,
    mut stop: watch::Receiver<bool>,
) -> Background {
    let handle = tokio::spawn(async move {
        if interval.is_zero() {
            let _ = stop.wait_for(|stop| *stop).await;
            return Ok(());
        }
        loop {
            tokio::select! {
                _ = stop.wait_for(|stop| *stop) => return Ok(()),
                () = tokio::time::sleep(interval) => {}
            }
            let (index, path) = (index.clone(), path.clone());
            if let Err(e) = tokio::task::spawn_blocking(move || snapshot_now(&index, &path)).await {
                tracing::warn!(error = %e, "snapshot task failed");
            }
        }
    });
    Background {
        name: "snapshotter",
        handle,
    }
}

/// Opens the ledger and custody store in `dir` (blocking).
fn open_sandbox(dir: &Path) -> Result<(Ledger, LocalCustody), ServerError> {
    std::fs::create_dir_all(dir).map_err(|source| ServerError::DataDir {
        path: dir.to_path_buf(),
        source,
    })?;
    let path: PathBuf = dir.join(LEDGER_FILE);
    let ledger =
        Ledger::open(&path, SystemClock).map_err(|source| ServerError::Ledger { path, source })?;
    let custody = LocalCustody::open(
        dir,
        ledger.clone(),
        SystemClock,
        sandbox_custody::Config::default(),
    )
    .map_err(|source| ServerError::Custody {
        path: dir.to_path_buf(),
        source,
    })?;
    Ok((ledger, custody))
}

fn log_rebuild(ledger: &Ledger, index: &Indexer, stats: ApplyStats, elapsed: Duration) {
    let entries = stats.applied + stats.stale + stats.ignored;
    tracing::info!(
        transactions = ledger.head().block_height,
        entries,
        applied = stats.applied,
        agents = index.read().agent_count(),
        elapsed_ms = elapsed.as_millis(),
        "index rebuilt from the sandbox ledger"
    );
}

/// Production: FastData reads and OutLayer custody over HTTP; the index from its snapshot (or
/// empty), serving at once while the pull loop syncs in the background (first pull at start,
/// retried with backoff while FastData fails, then every pull interval). Start-up never waits
/// for FastData, so a restart during an upstream incident still serves what the index has.
async fn start_production(
    config: &Config,
    snapshot_path: &Path,
    stop: &watch::Sender<bool>,
) -> Result<Backend, ServerError> {
    let (Some(fastdata_url), Some(custody_url)) = (&config.fastdata_url, &config.custody_url)
    else {
        return Err(ServerError::Config(
            "production mode needs --fastdata-url and --custody-url".into(),
        ));
    };
    let fastdata = HttpFastData::new(
        fastdata_url.as_str(),
        config.namespace.clone(),
        fastdata_client::HttpConfig::default(),
    )
    .map_err(|e| client_error("fastdata")(e.to_string()))?;
    let custody = HttpOutLayer::new(custody_url.as_str(), outlayer_client::HttpConfig::default())
        .map_err(|e| client_error("custody")(e.to_string()))?;

    let index_config = indexer_config(config);
    let path = snapshot_path.to_path_buf();
    let (index, snapshot) =
        tokio::task::spawn_blocking(move || indexer::load_or_empty(index_config, &path))
            .await
            .map_err(join_error("load the index snapshot"))?;
    let index = Arc::new(index);

    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let source: Arc<dyn FastDataRead> = Arc::new(fastdata);
    let Some(neardata_url) = &config.neardata_url else {
        let interval = config.pull_interval();
        let puller = tokio::spawn({
            let index = index.clone();
            let until_stop = stopped(stop.subscribe());
            async move {
                indexer::pull_loop(index, source, clock, interval, until_stop).await;
                Ok(())
            }
        });
        return Ok(Backend {
            index,
            custody: Arc::new(custody),
            sandbox_routes: None,
            background: vec![Background {
                name: "pull loop",
                handle: puller,
            }],
        });
    };
    let blocks: Arc<dyn BlockSource> = Arc::new(
        HttpNeardata::new(
            neardata_url.as_str(),
            neardata_client::HttpConfig::default(),
        )
        .map_err(|e| client_error("neardata")(e.to_string()))?,
    );
    let feed = BlockFeed {
        index: index.clone(),
        fastdata: source.clone(),
        blocks: blocks.clone(),
        clock: clock.clone(),
        margin: config.bootstrap_margin_blocks,
        namespace: config.namespace.clone(),
    };
    let resume = snapshot.map(|_| index.height());
    let follower = tokio::spawn(log_failure(
        "block feed",
        feed.clone().run(resume, stopped(stop.subscribe())),
    ));
    let mut background = vec![Background {
        name: "block feed",
        handle: follower,
    }];
    if config.reconcile_interval_secs > 0 {
        let interval = Duration::from_secs(config.reconcile_interval_secs);
        let until_stop = stopped(stop.subscribe());
        background.push(Background {
            name: "reconciler",
            handle: tokio::spawn(async move {
                feed.reconcile_loop(interval, until_stop).await;
                Ok(())
            }),
        });
    }
    Ok(Backend {
        index,
        custody: Arc::new(custody),
        sandbox_routes: None,
        background,
    })
}

/// Production with a block feed: bootstrap (when there is no snapshot), then follow final
/// blocks; reconciliation on an interval.
#[derive(Clone)]
struct BlockFeed {
    index: Arc<Indexer>,
    fastdata: Arc<dyn FastDataRead>,
    blocks: Arc<dyn BlockSource>,
    clock: Arc<dyn Clock>,
    /// `neardata.md` §4's L: the KV API's own indexing lag, in blocks.
    margin: u64,
    namespace: String,
}

/// Capped exponential retry waits of the start-up steps: 1 s, 2 s, ... up to 30 s.
fn retry_wait(failures: u32) -> Duration {
    Duration::from_secs(1)
        .checked_mul(2u32.saturating_pow(failures.min(5)))
        .unwrap_or(Duration::from_secs(30))
        .min(Duration::from_secs(30))
}

impl BlockFeed {
    /// With `resume` (a snapshot's height) follows blocks from there. Without: notes the final
    /// height H0, scans the namespace once through the KV API, then follows from `H0 - margin`
    /// (re-applied blocks are idempotent). Each start-up step is retried with backoff, its
    /// failures recorded in health; start-up itself never waits for them.
    async fn run(
        self,
        resume: Option<u64>,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<(), IndexerError> {
        let mut shutdown = std::pin::pin!(shutdown);
        let from = match resume {
            Some(height) => {
                tracing::info!(height, "block feed resumes from the index snapshot");
                height
            }
            None => {
                let bootstrap = self.bootstrap();
                tokio::select! {
                    () = &mut shutdown => return Ok(()),
                    from = bootstrap => from,
                }
            }
        };
        indexer::follow_blocks(
            self.index.clone(),
            self.blocks.clone(),
            indexer::BlockFeedConfig::new(self.namespace.clone()),
            from,
            self.clock.clone(),
            shutdown,
        )
        .await
    }

    /// The bootstrap scan; returns the height to follow from.
    async fn bootstrap(&self) -> u64 {
        let mut failures = 0u32;
        let head = loop {
            match self.blocks.final_height().await {
                Ok(head) => break head,
                Err(e) => {
                    self.index
                        .note_update_failure(self.clock.now_ns(), &format!("neardata: {e}"));
                    tokio::time::sleep(retry_wait(failures)).await;
                    failures = failures.saturating_add(1);
                }
            }
        };
        self.index.note_source_height(head);
        let mut failures = 0u32;
        loop {
            match indexer::sync_once(&self.index, self.fastdata.as_ref(), self.clock.now_ns()).await
            {
                Ok(report) => {
                    let from = head.saturating_sub(self.margin);
                    tracing::info!(
                        rows = report.rows,
                        final_height = head,
                        from,
                        "bootstrap scan done; following blocks"
                    );
                    return from;
                }
                Err(_) => {
                    // sync_once recorded the error in health.
                    tokio::time::sleep(retry_wait(failures)).await;
                    failures = failures.saturating_add(1);
                }
            }
        }
    }

    /// Reconciles every `interval` until `shutdown`; failures are logged and retried at the
    /// next interval.
    async fn reconcile_loop(self, interval: Duration, shutdown: impl Future<Output = ()> + Send) {
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(interval) => {}
            }
            let pass = async {
                let head = self
                    .blocks
                    .final_height()
                    .await
                    .map_err(|e| e.to_string())?;
                let horizon = head.saturating_sub(self.margin);
                indexer::reconcile_once(&self.index, self.fastdata.as_ref(), horizon)
                    .await
                    .map_err(|e| e.to_string())
            };
            let outcome = tokio::select! {
                () = &mut shutdown => return,
                outcome = pass => outcome,
            };
            match outcome {
                Ok(report) => {
                    metrics::counter!("nearly_reconcile_differences_total")
                        .increment(u64::try_from(report.differences.len()).unwrap_or(u64::MAX));
                }
                Err(error) => {
                    tracing::warn!(%error, "reconciliation failed; retried next interval")
                }
            }
        }
    }
}

fn indexer_config(config: &Config) -> IndexerConfig {
    let base = IndexerConfig::new(config.namespace.clone());
    match &config.admin_account {
        Some(admin) => base.with_admin(admin.clone()),
        None => base,
    }
}

/// NEAR RPC key lookups when configured, otherwise implicit accounts only.
fn access_keys(config: &Config, http: &reqwest::Client) -> Arc<dyn AccessKeys> {
    match &config.rpc_url {
        Some(url) => Arc::new(RpcAccessKeys::with_client(http.clone(), url.as_str())),
        None => Arc::new(nep413::ImplicitOnly),
    }
}

/// Resolves once the stop flag is set (or the server is dropped).
async fn stopped(mut stop: watch::Receiver<bool>) {
    // An error means the sender is gone: the server was dropped, so stop too.
    let _ = stop.wait_for(|stop| *stop).await;
}

/// Logs a background task's failure when it happens, not only at shutdown.
async fn log_failure(
    name: &'static str,
    task: impl Future<Output = Result<(), IndexerError>>,
) -> Result<(), IndexerError> {
    let outcome = task.await;
    if let Err(e) = &outcome {
        tracing::error!(task = name, error = %e, "background task stopped; the index is no longer updated");
    }
    outcome
}

fn client_error(service: &'static str) -> impl Fn(String) -> ServerError {
    move |message| ServerError::Client { service, message }
}

fn join_error(task: &'static str) -> impl Fn(tokio::task::JoinError) -> ServerError {
    move |e| ServerError::Task {
        task,
        message: e.to_string(),
    }
}
