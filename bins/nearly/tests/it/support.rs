//! Running the binary with a clean environment and a temporary credentials file.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::json;

pub(crate) const KEY: &str = "wk_cli_test";
pub(crate) const ME: &str = "me.near";

/// A temporary home with a credentials file holding `ME`.
pub(crate) struct Home {
    pub(crate) dir: tempfile::TempDir,
}

impl Home {
    pub(crate) fn empty() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub(crate) fn with_me() -> Self {
        let home = Self::empty();
        std::fs::write(
            home.credentials(),
            json!({"accounts": {ME: {"api_key": KEY, "account_id": ME, "platforms": {}}}})
                .to_string(),
        )
        .unwrap();
        home
    }

    pub(crate) fn credentials(&self) -> PathBuf {
        self.dir.path().join("credentials.json")
    }

    /// `nearly --credentials <file> --retries 0 --api-url <api>` with no NEARLY_* variables.
    pub(crate) fn nearly(&self, api: &str) -> Command {
        command(self.dir.path(), &self.credentials(), api)
    }
}

pub(crate) fn command(home: &Path, credentials: &Path, api: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_nearly"));
    for var in [
        "NEARLY_WK_KEY",
        "NEARLY_WK_ACCOUNT_ID",
        "NEARLY_API_URL",
        "NEARLY_CUSTODY_URL",
        "NEARLY_CREDENTIALS",
        "NEARLY_RETRIES",
    ] {
        c.env_remove(var);
    }
    c.env("HOME", home)
        .arg("--credentials")
        .arg(credentials)
        .arg("--retries")
        .arg("0")
        .arg("--api-url")
        .arg(api);
    c
}

/// Runs a blocking command off the async runtime (the servers live on it).
pub(crate) async fn run(mut cmd: Command) -> std::process::Output {
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

pub(crate) fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub(crate) fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
