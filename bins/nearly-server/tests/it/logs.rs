//! Logs: request ids on every request's lines, JSON format, and the binary's signal handling.

use std::io;
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use nearly_server::{Config, LogFormat, Server, subscriber};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tracing_subscriber::fmt::MakeWriter;

/// Log output captured in memory.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Capture {
    fn lines(&self) -> Vec<Value> {
        let bytes = self.0.lock().unwrap().clone();
        String::from_utf8(bytes)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

/// The `request_id` of the `request` span a JSON line was logged in.
fn request_id(line: &Value) -> Option<&str> {
    line["span"]["request_id"].as_str()
}

/// Every request, on the API or on the sandbox's custody and FastData routers, logs its
/// `answered` line inside a span carrying its request id. (The test runtime is single-threaded,
/// so the thread-local subscriber sees the server's tasks.)
#[tokio::test(flavor = "current_thread")]
async fn json_lines_carry_the_request_id() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(
        subscriber(LogFormat::Json, "info", false, capture.clone()).unwrap(),
    );
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(Config::sandbox(dir.path())).await.unwrap();
    let http = reqwest::Client::new();
    let requests = [
        ("/api/v1/health", "log-api-1"),
        ("/outlayer/vrf/pubkey", "log-custody-1"),
        (
            "/fastdata/v0/latest/contextual.near/alice.near/profile",
            "log-fastdata-1",
        ),
    ];
    for (path, id) in requests {
        let response = http
            .get(format!("{}{path}", server.base_url()))
            .header("x-request-id", id)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
        assert_eq!(response.headers()["x-request-id"], id);
    }
    server.shutdown().await.unwrap();

    let lines = capture.lines();
    assert!(
        lines
            .iter()
            .any(|l| l["fields"]["message"] == "index rebuilt from the sandbox ledger"),
        "{lines:#?}"
    );
    let paths: std::collections::HashMap<&str, &str> =
        requests.iter().map(|(path, id)| (*id, *path)).collect();
    for id in ["log-api-1", "log-custody-1", "log-fastdata-1"] {
        let answered = lines
            .iter()
            .find(|l| request_id(l) == Some(id))
            .unwrap_or_else(|| panic!("no line for {id}: {lines:#?}"));
        assert_eq!(answered["fields"]["message"], "answered");
        // The full path, also under the nested sandbox routers.
        assert_eq!(answered["span"]["path"], paths[id], "{answered}");
        assert_eq!(answered["fields"]["status"], 200);
    }
}

/// The binary: JSON logs on stdout, serves, and on SIGTERM shuts down cleanly (exit 0).
#[cfg(unix)]
#[tokio::test]
async fn the_binary_serves_until_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_nearly-server"))
        .env("NEARLY_LISTEN", "127.0.0.1:0")
        .env("NEARLY_DATA_DIR", dir.path())
        .env("NEARLY_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .env_remove("NEARLY_FASTDATA_URL")
        .env_remove("NEARLY_CUSTODY_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut progress = None;
    let address = loop {
        let line = lines
            .next_line()
            .await
            .unwrap()
            .expect("the server exited before listening");
        let line: Value = serde_json::from_str(&line).unwrap();
        if line["fields"]["message"] == "catching up from the ledger" {
            progress = Some(line["fields"].clone());
        }
        if line["fields"]["message"] == "nearly-server listening" {
            break line["fields"]["address"].as_str().unwrap().to_owned();
        }
    };
    // The start-up catch-up logs its progress (here only its final line: the ledger is empty).
    let progress = progress.expect("a catch-up progress line before listening");
    for field in ["entries", "rate", "height", "head", "remaining"] {
        assert!(progress[field].is_number(), "{field}: {progress}");
    }
    assert_eq!(progress["remaining"], 0);
    let health: Value = reqwest::get(format!("http://{address}/api/v1/health"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["success"], true);

    let pid = child.id().unwrap().to_string();
    let kill = tokio::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(kill.success());
    let mut rest = Vec::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        rest.push(line);
    }
    let status = child.wait().await.unwrap();
    assert!(status.success(), "{status:?} {rest:#?}");
    assert!(rest.iter().any(|l| l.contains("\"stopped\"")), "{rest:#?}");
}
