use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

use fastdata_client::Order;
use serde_json::{Value, json};

use super::*;

/// A unique directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static N: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "nearly-sandbox-unit-{}-{}",
            std::process::id(),
            N.fetch_add(1, AtomicOrdering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
    fn file(&self) -> PathBuf {
        self.0.join("ledger.redb")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const T0: u64 = 1_700_000_000_000_000_000;

fn open() -> (TempDir, Arc<ManualClock>, Ledger) {
    let dir = TempDir::new();
    let clock = Arc::new(ManualClock::new(T0));
    let ledger = Ledger::open(dir.file(), clock.clone()).unwrap();
    (dir, clock, ledger)
}

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

fn keys(rows: &[LedgerEntry]) -> Vec<String> {
    rows.iter().map(|e| e.key.clone()).collect()
}

#[test]
fn heights_start_at_one_and_persist() {
    let dir = TempDir::new();
    let clock = Arc::new(ManualClock::new(T0));
    {
        let ledger = Ledger::open(dir.file(), clock.clone()).unwrap();
        assert_eq!(ledger.head(), Head::default());
        let r1 = ledger
            .commit("ns.near", "a.near", &obj(json!({"k": 1})))
            .unwrap();
        let r2 = ledger
            .commit("ns.near", "a.near", &obj(json!({"k": 2})))
            .unwrap();
        assert_eq!((r1.block_height, r2.block_height), (1, 2));
        assert_eq!(r1.block_timestamp_ns, T0);
    }
    // Reopen with a clock that went backwards: heights continue, time never goes back.
    clock.set(T0 - 1_000);
    let ledger = Ledger::open(dir.file(), clock.clone()).unwrap();
    assert_eq!(ledger.head().block_height, 2);
    let r3 = ledger
        .commit("ns.near", "a.near", &obj(json!({"k": 3})))
        .unwrap();
    assert_eq!(r3.block_height, 3);
    assert!(r3.block_timestamp_ns > T0);
}

#[test]
fn timestamps_strictly_increase_even_if_the_clock_stalls_or_goes_back() {
    let (_dir, clock, ledger) = open();
    let mut last = 0;
    for step in [0i64, 0, -5_000, 10, 1_000_000_000] {
        if step >= 0 {
            clock.advance(step.unsigned_abs());
        } else {
            clock.set(clock.now_ns() - step.unsigned_abs());
        }
        let r = ledger
            .commit("ns.near", "a.near", &obj(json!({"k": step})))
            .unwrap();
        assert!(
            r.block_timestamp_ns > last,
            "{} <= {last}",
            r.block_timestamp_ns
        );
        last = r.block_timestamp_ns;
    }
    // Once the clock is ahead again, it is used as is.
    assert_eq!(last, T0 - 5_000 + 10 + 1_000_000_000);
}

#[test]
fn too_many_keys_rejects_the_whole_transaction() {
    let (_dir, _clock, ledger) = open();
    let args: Map<String, Value> = (0..=MAX_KEYS_PER_TX)
        .map(|i| (format!("k{i}"), json!(i)))
        .collect();
    let err = ledger.commit("ns.near", "a.near", &args).unwrap_err();
    assert!(matches!(
        err,
        LedgerError::Rejected(TxRejection::TooManyKeys {
            count: 257,
            max: 256
        })
    ));
    assert_eq!(ledger.head().block_height, 0);
    // Exactly 256 is fine.
    let args: Map<String, Value> = (0..MAX_KEYS_PER_TX)
        .map(|i| (format!("k{i}"), json!(i)))
        .collect();
    assert_eq!(
        ledger
            .commit("ns.near", "a.near", &args)
            .unwrap()
            .accepted
            .len(),
        256
    );
}

#[test]
fn raw_args_must_be_an_object() {
    let (_dir, _clock, ledger) = open();
    for bad in [&b"[1,2]"[..], b"not json", b"\"s\"", b"null"] {
        let err = ledger
            .commit_raw("ns.near", "a.near", bad, &TxMeta::default())
            .unwrap_err();
        assert!(matches!(
            err,
            LedgerError::Rejected(TxRejection::NotAnObject)
        ));
    }
    let r = ledger
        .commit_raw("ns.near", "a.near", br#"{"a":1,"a":2}"#, &TxMeta::default())
        .unwrap();
    assert_eq!(r.accepted, ["a"]);
    assert_eq!(
        ledger
            .latest("ns.near", "a.near", "a")
            .unwrap()
            .unwrap()
            .value,
        "2"
    );
}

#[test]
fn bad_entries_are_skipped_individually() {
    let (_dir, _clock, ledger) = open();
    let big = "x".repeat(262_144);
    let long_key = "k".repeat(1025);
    let mut args = obj(json!({"ok": 1, "": 2, "bad\u{1}": 3, "big": big}));
    args.insert(long_key.clone(), json!(4));
    let r = ledger.commit("ns.near", "a.near", &args).unwrap();
    assert_eq!(r.accepted, ["ok"]);
    let mut skipped: Vec<&str> = r.skipped.iter().map(|(k, _)| k.as_str()).collect();
    skipped.sort_unstable();
    assert_eq!(skipped, ["", "bad\u{1}", "big", long_key.as_str()]);
    assert!(
        r.skipped
            .iter()
            .any(|(_, why)| matches!(why, EntryRejection::ValueTooLarge { .. }))
    );
    assert_eq!(r.block_height, 1);
    // A transaction whose keys are all skipped still makes a block.
    let r = ledger
        .commit("ns.near", "a.near", &obj(json!({"": 1})))
        .unwrap();
    assert_eq!((r.block_height, r.accepted.len()), (2, 0));
}

#[test]
fn account_ids_are_checked() {
    let (_dir, _clock, ledger) = open();
    for (ns, pred) in [
        ("NS.near", "a.near"),
        ("ns.near", "a"),
        ("ns.near", ".a.near"),
        ("ns.near", "a..near"),
        ("ns.near", "a/b.near"),
        ("ns.near", "a.near."),
    ] {
        let err = ledger.commit(ns, pred, &obj(json!({"k": 1}))).unwrap_err();
        assert!(
            matches!(err, LedgerError::InvalidAccountId { .. }),
            "{ns} {pred}"
        );
    }
    let implicit = "a".repeat(64);
    ledger
        .commit("contextual.near", &implicit, &obj(json!({"k": 1})))
        .unwrap();
    let meta = TxMeta {
        signer_id: Some("Bad".into()),
        tx_hash: None,
    };
    assert!(
        ledger
            .commit_with("ns.near", "a.near", &obj(json!({"k": 1})), &meta)
            .is_err()
    );
}

#[test]
fn latest_wins_and_tombstones_are_kept() {
    let (_dir, clock, ledger) = open();
    ledger
        .commit("ns.near", "a.near", &obj(json!({"k": {"v": 1}})))
        .unwrap();
    clock.advance(1);
    ledger
        .commit("ns.near", "a.near", &obj(json!({"k": null})))
        .unwrap();
    let latest = ledger.latest("ns.near", "a.near", "k").unwrap().unwrap();
    assert!(latest.is_tombstone());
    assert_eq!(latest.value, "null");
    assert_eq!(latest.json_value().unwrap(), None);
    assert_eq!(latest.block_height, 2);
    assert_eq!(ledger.latest("ns.near", "a.near", "other").unwrap(), None);
    assert_eq!(ledger.latest("ns2.near", "a.near", "k").unwrap(), None);

    let mut q = ScanQuery::new(
        Index::History {
            namespace: "ns.near".into(),
            predecessor: "a.near".into(),
        },
        10,
    );
    q.filter = KeyFilter::Exact("k".into());
    let asc = ledger.scan(&q).unwrap();
    assert_eq!(
        asc.iter().map(|e| e.value.as_str()).collect::<Vec<_>>(),
        [r#"{"v":1}"#, "null"]
    );
    q.order = Order::Descending;
    let desc = ledger.scan(&q).unwrap();
    assert_eq!(desc[0].block_height, 2);
}

#[test]
fn metadata_is_recorded() {
    let (_dir, _clock, ledger) = open();
    let meta = TxMeta {
        signer_id: Some("relayer.near".into()),
        tx_hash: Some("TxHash111".into()),
    };
    let r = ledger
        .commit_with("ns.near", "a.near", &obj(json!({"k": 1})), &meta)
        .unwrap();
    assert_eq!(r.tx_hash, "TxHash111");
    let row = ledger.latest("ns.near", "a.near", "k").unwrap().unwrap();
    assert_eq!(row.signer_id, "relayer.near");
    assert_eq!(row.tx_hash.as_deref(), Some("TxHash111"));
    assert_eq!(row.receipt_id, r.receipt_id);
    // Synthetic hashes look like NEAR hashes: base58 of 32 bytes.
    let r2 = ledger
        .commit("ns.near", "a.near", &obj(json!({"k": 2})))
        .unwrap();
    assert_eq!(bs58::decode(&r2.tx_hash).into_vec().unwrap().len(), 32);
    assert_ne!(r2.tx_hash, r2.receipt_id);
}

/// Seeds: ns.near: alice {a, b/1, b/2, c}, bob {b/1, b/3}; other.near: alice {z}; then alice
/// rewrites b/1 (so it has two history rows).
fn seeded() -> (TempDir, Arc<ManualClock>, Ledger) {
    let (dir, clock, ledger) = open();
    let c = |ns, pred, v: Value| {
        clock.advance(1_000);
        ledger.commit(ns, pred, &obj(v)).unwrap();
    };
    c(
        "ns.near",
        "alice.near",
        json!({"a": 1, "b/1": 1, "b/2": 2, "c": 3}),
    );
    c("ns.near", "bob.near", json!({"b/1": 10, "b/3": 30}));
    c("other.near", "alice.near", json!({"z": 0, "b/1": "o"}));
    c("ns.near", "alice.near", json!({"b/1": 11}));
    (dir, clock, ledger)
}

fn page_through(ledger: &Ledger, mut q: ScanQuery) -> Vec<LedgerEntry> {
    let mut all = Vec::new();
    loop {
        let page = ledger.scan(&q).unwrap();
        let done = page.len() < q.limit;
        q.after = page.last().map(Position::from);
        all.extend(page);
        if done {
            return all;
        }
    }
}

#[test]
fn every_index_has_its_endpoint_order() {
    let (_dir, _clock, ledger) = seeded();
    let ns = || "ns.near".to_owned();
    let scan = |index: Index, filter: KeyFilter, order: Order| {
        let mut q = ScanQuery::new(index, 100);
        q.filter = filter;
        q.order = order;
        ledger.scan(&q).unwrap()
    };
    let latest = scan(
        Index::Latest {
            namespace: ns(),
            predecessor: "alice.near".into(),
        },
        KeyFilter::All,
        Order::Ascending,
    );
    assert_eq!(keys(&latest), ["a", "b/1", "b/2", "c"]);
    assert_eq!(latest[1].value, "11");

    let across = scan(
        Index::LatestAcross { namespace: ns() },
        KeyFilter::Prefix("b/".into()),
        Order::Ascending,
    );
    let pairs: Vec<(String, String)> = across
        .iter()
        .map(|e| (e.key.clone(), e.predecessor.clone()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("b/1".into(), "alice.near".into()),
            ("b/1".into(), "bob.near".into()),
            ("b/2".into(), "alice.near".into()),
            ("b/3".into(), "bob.near".into())
        ]
    );

    let all = scan(
        Index::AllOf {
            predecessor: "alice.near".into(),
        },
        KeyFilter::Exact("ignored".into()),
        Order::Ascending,
    );
    let pairs: Vec<(&str, &str)> = all
        .iter()
        .map(|e| (e.namespace.as_str(), e.key.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("ns.near", "a"),
            ("ns.near", "b/1"),
            ("ns.near", "b/2"),
            ("ns.near", "c"),
            ("other.near", "b/1"),
            ("other.near", "z")
        ]
    );

    // History by writer, newest first: grouped by key DESC, then height DESC.
    let hist = scan(
        Index::History {
            namespace: ns(),
            predecessor: "alice.near".into(),
        },
        KeyFilter::All,
        Order::Descending,
    );
    let rows: Vec<(&str, u64)> = hist
        .iter()
        .map(|e| (e.key.as_str(), e.block_height))
        .collect();
    assert_eq!(
        rows,
        [("c", 1), ("b/2", 1), ("b/1", 4), ("b/1", 1), ("a", 1)]
    );

    let hist = scan(
        Index::HistoryAcross { namespace: ns() },
        KeyFilter::Exact("b/1".into()),
        Order::Ascending,
    );
    let rows: Vec<(&str, u64)> = hist
        .iter()
        .map(|e| (e.predecessor.as_str(), e.block_height))
        .collect();
    assert_eq!(
        rows,
        [("alice.near", 1), ("bob.near", 2), ("alice.near", 4)]
    );

    let hist = scan(
        Index::KeyHistory { key: "b/1".into() },
        KeyFilter::All,
        Order::Descending,
    );
    let rows: Vec<(&str, u64)> = hist
        .iter()
        .map(|e| (e.namespace.as_str(), e.block_height))
        .collect();
    assert_eq!(
        rows,
        [
            ("ns.near", 4),
            ("other.near", 3),
            ("ns.near", 2),
            ("ns.near", 1)
        ]
    );
}

#[test]
fn empty_prefix_is_fastdatas_quirk_and_all_is_everything() {
    let (_dir, _clock, ledger) = seeded();
    let mut q = ScanQuery::new(
        Index::Latest {
            namespace: "ns.near".into(),
            predecessor: "alice.near".into(),
        },
        100,
    );
    q.filter = KeyFilter::Prefix(String::new());
    assert!(ledger.scan(&q).unwrap().is_empty());
    q.filter = KeyFilter::All;
    assert_eq!(ledger.scan(&q).unwrap().len(), 4);
}

#[test]
fn paging_visits_every_row_once_in_both_directions() {
    let (_dir, _clock, ledger) = seeded();
    for index in [
        Index::Latest {
            namespace: "ns.near".into(),
            predecessor: "alice.near".into(),
        },
        Index::LatestAcross {
            namespace: "ns.near".into(),
        },
        Index::AllOf {
            predecessor: "alice.near".into(),
        },
        Index::History {
            namespace: "ns.near".into(),
            predecessor: "alice.near".into(),
        },
        Index::HistoryAcross {
            namespace: "ns.near".into(),
        },
        Index::KeyHistory { key: "b/1".into() },
    ] {
        for order in [Order::Ascending, Order::Descending] {
            let mut whole = ScanQuery::new(index.clone(), 1000);
            whole.order = order;
            let expected = ledger.scan(&whole).unwrap();
            for limit in 1..=3 {
                let mut q = whole.clone();
                q.limit = limit;
                assert_eq!(
                    page_through(&ledger, q),
                    expected,
                    "{index:?} {order:?} {limit}"
                );
            }
        }
    }
}

#[test]
fn a_foreign_position_is_clamped_to_the_range() {
    let (_dir, _clock, ledger) = seeded();
    let mut q = ScanQuery::new(
        Index::Latest {
            namespace: "ns.near".into(),
            predecessor: "alice.near".into(),
        },
        100,
    );
    q.filter = KeyFilter::Prefix("b/".into());
    q.after = Some(Position {
        key: "a".into(),
        ..Position::default()
    });
    assert_eq!(keys(&ledger.scan(&q).unwrap()), ["b/1", "b/2"]);
    q.after = Some(Position {
        key: "zzz".into(),
        ..Position::default()
    });
    assert!(ledger.scan(&q).unwrap().is_empty());
    q.order = Order::Descending;
    assert_eq!(keys(&ledger.scan(&q).unwrap()), ["b/2", "b/1"]);
}

#[test]
fn latest_many_answers_in_input_order() {
    let (_dir, _clock, ledger) = seeded();
    let rows = ledger
        .latest_many(&[
            ("ns.near", "bob.near", "b/3"),
            ("ns.near", "bob.near", "missing"),
            ("other.near", "alice.near", "z"),
        ])
        .unwrap();
    assert_eq!(rows[0].as_ref().unwrap().value, "30");
    assert!(rows[1].is_none());
    assert_eq!(rows[2].as_ref().unwrap().value, "0");
}

#[test]
fn transactions_since_replays_blocks_with_entries() {
    let (_dir, _clock, ledger) = seeded();
    let txs = ledger.transactions_since(0, 100).unwrap();
    assert_eq!(
        txs.iter().map(|t| t.block_height).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    assert_eq!(txs[1].predecessor, "bob.near");
    assert_eq!(
        txs[1].entries,
        [
            ("b/1".to_owned(), Some(json!(10))),
            ("b/3".to_owned(), Some(json!(30)))
        ]
    );
    assert_eq!(ledger.transactions_since(2, 1).unwrap()[0].block_height, 3);
    assert!(ledger.transactions_since(4, 10).unwrap().is_empty());
    assert!(ledger.transactions_since(u64::MAX, 10).unwrap().is_empty());
}

#[test]
fn deletes_are_none_in_committed_tx() {
    let (_dir, _clock, ledger) = open();
    let mut rx = ledger.subscribe();
    ledger
        .commit("ns.near", "a.near", &obj(json!({"gone": null, "here": ""})))
        .unwrap();
    let tx = rx.try_recv().unwrap();
    assert_eq!(
        tx.entries,
        [
            ("gone".to_owned(), None),
            ("here".to_owned(), Some(json!("")))
        ]
    );
    assert_eq!(*tx, ledger.transactions_since(0, 1).unwrap()[0]);
}
