//! Snapshots: snapshot -> load answers every query like the original; every corrupt case is
//! rejected; an interrupted write leaves the previous snapshot whole.

use std::path::Path;

use indexer::{
    Direction, Graph, Indexer, IndexerConfig, IndexerError, ListQuery, Sort, Version, Write,
    load_or_empty, load_snapshot, write_snapshot,
};
use nearly_core::Xorshift32;
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::helpers::NS;
use crate::model::{ACCOUNTS, ADMIN, TAGS, writes_strategy};

fn config() -> IndexerConfig {
    IndexerConfig::new(NS).with_admin(ADMIN)
}

/// Every query of the index over every account of the model, as one JSON value.
pub(crate) fn every_query(g: &Graph) -> Value {
    let mut out = serde_json::Map::new();
    out.insert("height".into(), json!(g.height()));
    out.insert("count".into(), json!(g.agent_count()));
    out.insert("hidden".into(), json!(g.hidden()));
    out.insert("tags".into(), json!(g.tags()));
    out.insert("caps".into(), json!(g.capabilities()));
    for sort in [Sort::Active, Sort::Newest] {
        let all = |tag: Option<&str>, capability: Option<&str>| {
            json!(g.list_agents(&ListQuery {
                sort,
                tag,
                capability,
                limit: 1000,
                ..ListQuery::default()
            }))
        };
        out.insert(format!("list/{sort:?}"), all(None, None));
        for tag in TAGS {
            out.insert(format!("list/{sort:?}/{tag}"), all(Some(tag), None));
        }
        for cap in g.capabilities() {
            let path = format!("{}/{}", cap.namespace, cap.value);
            let page = all(None, Some(path.as_str()));
            out.insert(format!("list/{sort:?}/cap/{path}"), page);
        }
    }
    for who in ACCOUNTS {
        let mut per = serde_json::Map::new();
        per.insert("agent".into(), json!(g.agent(who)));
        per.insert("summary".into(), json!(g.agent_summary(who)));
        per.insert("keys".into(), json!(g.keys_of(who)));
        per.insert("followers".into(), json!(g.followers(who, None, 1000)));
        per.insert("following".into(), json!(g.following(who, None, 1000)));
        for d in [Direction::Incoming, Direction::Outgoing, Direction::Both] {
            per.insert(format!("edges/{d:?}"), json!(g.edges(who, d, 1000)));
        }
        per.insert("endorsers".into(), json!(g.endorsers(who)));
        per.insert("endorsing".into(), json!(g.endorsing(who)));
        per.insert("activity".into(), json!(g.activity(who, None)));
        per.insert("network".into(), json!(g.network(who)));
        per.insert("discover".into(), json!(g.discover(who, 100, None)));
        per.insert(
            "discover/vrf".into(),
            json!(g.discover(who, 100, Some(Xorshift32::new(7)))),
        );
        for other in ACCOUNTS {
            per.insert(
                format!("relation/{other}"),
                json!(g.viewer_relation(who, other)),
            );
        }
        out.insert(who.into(), Value::Object(per));
    }
    Value::Object(out)
}

fn roundtrip(ix: &Indexer, dir: &Path) -> Indexer {
    let path = dir.join("index.snapshot");
    write_snapshot(ix, &path)
        .unwrap()
        .expect("no write-through pending");
    load_snapshot(config(), &path).unwrap().0
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    #[test]
    fn snapshot_then_load_answers_every_query_like_the_original((writes, order) in writes_strategy()) {
        let ix = Indexer::new(config());
        for i in order {
            ix.apply_writes(std::slice::from_ref(&writes[i]));
        }
        let dir = tempfile::tempdir().unwrap();
        let loaded = roundtrip(&ix, dir.path());
        prop_assert_eq!(every_query(&loaded.read()), every_query(&ix.read()));
        // And it keeps behaving the same: the same late writes change both alike.
        for w in writes.iter().rev() {
            ix.apply_writes(std::slice::from_ref(w));
            loaded.apply_writes(std::slice::from_ref(w));
        }
        prop_assert_eq!(every_query(&loaded.read()), every_query(&ix.read()));
    }
}

fn sample() -> Indexer {
    let ix = Indexer::new(config());
    let w = |who: &str, key: &str, value: Option<Value>, height| Write {
        predecessor: who.into(),
        key: key.into(),
        value,
        version: Version::new(height, 0),
        block_timestamp_ns: height * 1_000_000_000,
    };
    ix.apply_writes(&[
        w(
            "a.near",
            "profile",
            Some(json!({"name": "A", "tags": ["x"]})),
            1,
        ),
        w("b.near", "profile", Some(json!({"name": "B"})), 2),
        w(
            "b.near",
            "graph/follow/a.near",
            Some(json!({"reason": "r"})),
            3,
        ),
        w("a.near", "tag/x", Some(json!(true)), 4),
        w("b.near", "graph/follow/a.near", None, 5),
    ]);
    ix
}

fn rejected(bytes: &[u8], config: IndexerConfig) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index.snapshot");
    std::fs::write(&path, bytes).unwrap();
    let Err(IndexerError::Snapshot(reason)) = load_snapshot(config.clone(), &path) else {
        panic!("a bad snapshot was accepted");
    };
    // Start-up ignores it and starts empty (a full rebuild).
    let (ix, info) = load_or_empty(config, &path);
    assert!(info.is_none());
    assert_eq!(ix.height(), 0);
    reason
}

fn good_bytes() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index.snapshot");
    write_snapshot(&sample(), &path).unwrap().unwrap();
    std::fs::read(path).unwrap()
}

#[test]
fn a_truncated_snapshot_is_rejected() {
    let bytes = good_bytes();
    for cut in [0, 5, 23, bytes.len() / 2, bytes.len() - 1] {
        let reason = rejected(&bytes[..cut], config());
        assert!(
            reason.contains("truncated") || reason.contains("too short"),
            "{reason}"
        );
    }
}

#[test]
fn a_corrupt_snapshot_is_rejected() {
    let mut bytes = good_bytes();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x40;
    assert!(rejected(&bytes, config()).contains("checksum"));
}

#[test]
fn an_old_format_snapshot_is_rejected() {
    let mut bytes = good_bytes();
    bytes[8..12].copy_from_slice(&0u32.to_le_bytes());
    assert!(rejected(&bytes, config()).contains("format version 0"));
}

#[test]
fn a_foreign_snapshot_is_rejected() {
    let bytes = good_bytes();
    assert!(
        rejected(&bytes, IndexerConfig::new("other.near").with_admin(ADMIN)).contains("namespace")
    );
    assert!(rejected(&bytes, IndexerConfig::new(NS)).contains("admin"));
    assert!(rejected(b"not a snapshot at all, just text", config()).contains("magic"));
}

#[test]
fn a_valid_snapshot_is_loaded_with_its_height() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index.snapshot");
    let ix = sample();
    let info = write_snapshot(&ix, &path).unwrap().unwrap();
    assert_eq!(info.height, 5);
    let (loaded, got) = load_or_empty(config(), &path);
    assert_eq!(got, Some(info));
    assert_eq!(every_query(&loaded.read()), every_query(&ix.read()));
    // Only the snapshot file remains: the temporary file was renamed.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn a_snapshot_is_skipped_while_a_write_through_is_pending() {
    let dir = tempfile::tempdir().unwrap();
    let ix = sample();
    ix.apply_own_write(
        "c.near",
        &[("profile".into(), Some(json!({"name": "C"})))],
        9,
    );
    assert_eq!(write_snapshot(&ix, &dir.path().join("s")).unwrap(), None);
    assert!(!dir.path().join("s").exists());
}

/// A big-enough index (so a write takes a while) in one of two states.
fn crash_state(variant: u64) -> Indexer {
    let ix = Indexer::new(config());
    let mut writes = Vec::new();
    for i in 0..2_000u64 {
        let who = format!("agent{i}.near");
        writes.push(Write {
            predecessor: who.clone(),
            key: "profile".into(),
            value: Some(json!({"name": format!("Agent {i} v{variant}")})),
            version: Version::new(1 + i, 0),
            block_timestamp_ns: (1 + i) * 1_000_000_000,
        });
        for d in 1..=5 {
            writes.push(Write {
                predecessor: who.clone(),
                key: format!("graph/follow/agent{}.near", (i + d) % 2_000),
                value: Some(json!({"reason": "r"})),
                version: Version::new(10_000 + i, u32::try_from(d).unwrap()),
                block_timestamp_ns: 10_000_000_000_000,
            });
        }
    }
    ix.apply_writes(&writes);
    if variant == 1 {
        ix.apply_writes(&[Write {
            predecessor: "agent0.near".into(),
            key: "profile".into(),
            value: Some(json!({"name": "changed"})),
            version: Version::new(20_000, 0),
            block_timestamp_ns: 20_000_000_000_000,
        }]);
    }
    ix
}

const CHILD_DIR: &str = "NEARLY_SNAPSHOT_CRASH_CHILD_DIR";

/// One test, two roles: run normally it spawns this test binary again as a child that writes
/// snapshots of two alternating states in a loop, kills it (SIGKILL) at an arbitrary moment
/// once it has written a few, and checks the snapshot on disk is one of the two states, whole.
#[test]
fn a_snapshot_writer_killed_mid_write_leaves_a_whole_snapshot() {
    use std::io::{BufRead, BufReader, Write as _};
    if let Some(dir) = std::env::var_os(CHILD_DIR) {
        let path = Path::new(&dir).join("index.snapshot");
        let states = [crash_state(0), crash_state(1)];
        let mut out = std::io::stdout();
        for n in 0u64.. {
            write_snapshot(&states[(n % 2) as usize], &path)
                .unwrap()
                .unwrap();
            writeln!(out, "wrote {n}").unwrap();
            out.flush().unwrap();
        }
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "snapshot::a_snapshot_writer_killed_mid_write_leaves_a_whole_snapshot",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DIR, dir.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // Block on the child's reports (no sleeping): kill it while it writes the fourth.
    let mut wrote = 0;
    while wrote < 3 {
        let line = lines.next().expect("the child reports").unwrap();
        if line.starts_with("wrote ") {
            wrote += 1;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let (loaded, _) = load_snapshot(config(), &dir.path().join("index.snapshot"))
        .expect("the snapshot on disk is whole");
    let got = every_query(&loaded.read());
    let a = every_query(&crash_state(0).read());
    let b = every_query(&crash_state(1).read());
    assert!(
        got == a || got == b,
        "the snapshot is one of the written states"
    );
}
