//! An acknowledged commit is on disk: a child process commits until it is killed (SIGKILL, no
//! clean shutdown), then the parent reopens the file and finds every acknowledged entry.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use nearly_sandbox::ledger::{Ledger, SystemClock};
use serde_json::json;

use crate::support::{TempDir, obj};

const CHILD_ENV: &str = "NEARLY_SANDBOX_DURABILITY_CHILD_LEDGER";
const NS: &str = "contextual.near";

/// The child's body. A no-op unless the parent started this test binary with `CHILD_ENV`.
#[test]
fn child_commits_until_killed() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let ledger = Ledger::open(path, SystemClock).unwrap();
    for i in 0..1_000_000u64 {
        let receipt = ledger
            .commit(
                NS,
                "alice.near",
                &obj(json!({format!("k{i}"): i, "last": i})),
            )
            .unwrap();
        // Printed only after `commit` returned, i.e. after the acknowledgement.
        println!("ACK {} {i}", receipt.block_height);
    }
}

#[test]
fn acknowledged_writes_survive_a_kill() {
    const ACKS: usize = 25;
    let dir = TempDir::new("durability");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "durability::child_commits_until_killed",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, dir.file())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut acked: Vec<(u64, u64)> = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("ACK ") {
            let (h, i) = rest.split_once(' ').unwrap();
            acked.push((h.parse().unwrap(), i.parse().unwrap()));
            if acked.len() == ACKS {
                // Mid-stream: the child is most likely inside its next commit.
                child.kill().unwrap();
                break;
            }
        }
    }
    child.wait().unwrap();
    assert_eq!(
        acked.len(),
        ACKS,
        "the child stopped before acknowledging {ACKS} writes"
    );

    let ledger = Ledger::open(dir.file(), SystemClock).unwrap();
    let head = ledger.head().block_height;
    assert!(head >= ACKS as u64, "head {head} lost acknowledged blocks");
    for (height, i) in &acked {
        let row = ledger
            .latest(NS, "alice.near", &format!("k{i}"))
            .unwrap()
            .unwrap_or_else(|| panic!("acknowledged k{i} at height {height} is gone"));
        assert_eq!(
            (row.block_height, row.value.as_str()),
            (*height, i.to_string().as_str())
        );
    }
    // The reopened ledger continues the height sequence.
    let next = ledger
        .commit(NS, "alice.near", &obj(json!({"after": true})))
        .unwrap();
    assert_eq!(next.block_height, head + 1);
}
