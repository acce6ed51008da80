//! A real `redis-server` for tests (feature `test-server`): a free port on 127.0.0.1, a
//! temporary directory, no persistence, killed by PID on drop.
//!
//! Start-up waits for the server's own "Ready to accept connections" line, not a polling loop.
//! If `redis-server` is missing or does not start, [`RedisServer::start`] returns an error and
//! the test that needed it fails: it is never skipped.

use std::io::{BufRead as _, BufReader};
use std::net::{Ipv4Addr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// A running `redis-server` child process.
#[derive(Debug)]
pub struct RedisServer {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
    persistent: bool,
    /// Keeps the temporary directory alive as long as the server.
    _tmp: Option<std::sync::Arc<TempDirGuard>>,
}

/// Removes the directory on drop.
#[derive(Debug)]
pub struct TempDirGuard(PathBuf);

impl Drop for TempDirGuard {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl RedisServer {
    /// Starts `redis-server` on a free port in a new temporary directory.
    ///
    /// # Errors
    ///
    /// `redis-server` is not installed or did not report readiness.
    pub fn start() -> std::io::Result<Self> {
        Self::start_with(false)
    }

    /// Like [`start`](Self::start), with the append-only file on and fsynced on every write, so
    /// a [`stop`](Self::stop) + [`restart`](Self::restart) loses nothing (how production Redis
    /// must run for the nonce store).
    ///
    /// # Errors
    ///
    /// `redis-server` is not installed or did not report readiness.
    pub fn start_persistent() -> std::io::Result<Self> {
        Self::start_with(true)
    }

    fn start_with(persistent: bool) -> std::io::Result<Self> {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
            .local_addr()?
            .port();
        let dir = std::env::temp_dir().join(format!(
            "nearly-redis-test-{}-{port}-{:x}",
            std::process::id(),
            rand_suffix()
        ));
        std::fs::create_dir_all(&dir)?;
        let guard = std::sync::Arc::new(TempDirGuard(dir.clone()));
        let mut server = Self {
            port,
            dir,
            child: None,
            persistent,
            _tmp: Some(guard),
        };
        server.restart()?;
        Ok(server)
    }

    /// `redis://127.0.0.1:{port}`
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The port it listens on (kept across [`stop`](Self::stop) and
    /// [`restart`](Self::restart)).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server (by PID) and waits for it to exit; the port stays reserved for
    /// [`restart`](Self::restart) only by convention.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port and directory (after [`stop`](Self::stop)).
    ///
    /// # Errors
    ///
    /// `redis-server` could not be spawned or did not report readiness.
    pub fn restart(&mut self) -> std::io::Result<()> {
        self.stop();
        let mut child = Command::new("redis-server")
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .arg("--dir")
            .arg(&self.dir)
            .args(["--save", ""])
            .args(if self.persistent {
                ["--appendonly", "yes", "--appendfsync", "always"]
            } else {
                ["--appendonly", "no", "--appendfsync", "everysec"]
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .stdin(Stdio::null())
            .spawn()
            .map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!("cannot run redis-server (apt-get install redis-server): {e}"),
                )
            })?;
        let Some(stdout) = child.stdout.take() else {
            let _ = child.kill();
            return Err(std::io::Error::other("redis-server stdout missing"));
        };
        let mut lines = BufReader::new(stdout).lines();
        let mut seen = Vec::new();
        loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if line.contains("Ready to accept connections") {
                        break;
                    }
                    seen.push(line);
                }
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(std::io::Error::other(format!(
                        "redis-server on port {} did not start: {}",
                        self.port,
                        seen.join(" | ")
                    )));
                }
            }
        }
        // Keep draining its output so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        self.child = Some(child);
        Ok(())
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher as _, Hasher as _};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0);
    h.finish()
}
