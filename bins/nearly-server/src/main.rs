//! `nearly-server`: parse the configuration, start logging, serve until SIGINT or SIGTERM, then
//! shut down gracefully.

use std::process::ExitCode;

use clap::Parser as _;
use nearly_server::{Config, Server, init_tracing};

/// mimalloc instead of the system allocator: request handling allocates many small, short-lived
/// JSON values across worker threads, where glibc malloc spent ~15% of a profile-read benchmark
/// (see docs/BENCHMARKS.md, "HTTP server (wrk)").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::parse();
    if let Err(e) = init_tracing(&config) {
        eprintln!("nearly-server: {e}");
        return ExitCode::FAILURE;
    }
    // Installed before serving, so a signal that arrives as soon as the server listens is
    // already a graceful shutdown, not the default termination.
    let signals = match Signals::install() {
        Ok(signals) => signals,
        Err(e) => {
            eprintln!("nearly-server: cannot listen for shutdown signals: {e}");
            return ExitCode::FAILURE;
        }
    };
    let server = match Server::start(config).await {
        Ok(server) => server,
        Err(e) => {
            tracing::error!(error = %e, "could not start");
            eprintln!("nearly-server: {e}");
            return ExitCode::FAILURE;
        }
    };
    signals.received().await;
    match server.shutdown().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "unclean shutdown");
            ExitCode::FAILURE
        }
    }
}

/// SIGINT (Ctrl-C) and SIGTERM handlers.
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Self {})
        }
    }

    /// Resolves at the first SIGINT or SIGTERM.
    async fn received(mut self) {
        #[cfg(unix)]
        {
            let name = tokio::select! {
                _ = self.interrupt.recv() => "SIGINT",
                _ = self.terminate.recv() => "SIGTERM",
            };
            tracing::info!(signal = name, "signal received");
        }
        #[cfg(not(unix))]
        {
            if let Err(e) = tokio::signal::ctrl_c().await {
                tracing::error!(error = %e, "cannot listen for Ctrl-C; shutting down");
            }
        }
    }
}
