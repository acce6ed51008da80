//! The reconciliation diff, alone.

use std::collections::BTreeMap;

use neardata_client::reconcile::{Difference, IndexedVersion, ScannedRow, reconcile};
use serde_json::{Value, json};

fn idx(rows: &[(&str, &str, u64, Option<Value>)]) -> BTreeMap<(String, String), IndexedVersion> {
    rows.iter()
        .map(|(p, k, h, v)| {
            (
                (p.to_string(), k.to_string()),
                IndexedVersion {
                    block_height: *h,
                    value: v.clone(),
                },
            )
        })
        .collect()
}

fn scan(rows: &[(&str, &str, u64, Option<Value>)]) -> Vec<ScannedRow> {
    rows.iter()
        .map(|(p, k, h, v)| ScannedRow {
            predecessor: p.to_string(),
            key: k.to_string(),
            block_height: *h,
            block_timestamp_ns: h * 10,
            value: v.clone(),
        })
        .collect()
}

#[test]
fn agreement_is_clean() {
    let rows = [
        ("a.near", "profile", 5, Some(json!({"x": 1}))),
        ("a.near", "gone", 6, None),
    ];
    let r = reconcile(&idx(&rows), &scan(&rows), 100);
    assert!(r.is_clean());
    assert!(r.repairs.is_empty());
}

#[test]
fn each_case_is_counted_and_only_missed_and_mismatched_rows_are_repaired() {
    let index = idx(&[
        ("a.near", "older_here", 5, Some(json!(1))),
        ("a.near", "same_height", 7, Some(json!(1.0))),
        ("a.near", "newer_here", 9, Some(json!(1))),
        ("a.near", "only_here", 4, Some(json!(1))),
        ("a.near", "float", 3, Some(json!(1e16))),
    ]);
    let upstream = scan(&[
        ("a.near", "older_here", 6, Some(json!(2))),
        ("a.near", "same_height", 7, Some(json!(2))),
        ("a.near", "newer_here", 8, Some(json!(0))),
        ("a.near", "only_there", 2, None),
        // ryu and zmij spell 1e16 differently; parsed, they are one value.
        (
            "a.near",
            "float",
            3,
            Some(serde_json::from_str("1e+16").unwrap()),
        ),
    ]);
    let r = reconcile(&index, &upstream, 100);
    assert_eq!(
        (r.tailer_missed, r.value_mismatch, r.upstream_behind),
        (2, 1, 2)
    );
    let repaired: Vec<&str> = r.repairs.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(repaired, ["older_here", "only_there", "same_height"]);
    let kind = |k: &str| r.findings.iter().find(|f| f.key == k).unwrap().difference;
    assert_eq!(kind("older_here"), Difference::TailerMissed);
    assert_eq!(kind("only_there"), Difference::TailerMissed);
    assert_eq!(kind("same_height"), Difference::ValueMismatch);
    assert_eq!(kind("newer_here"), Difference::UpstreamBehind);
    assert_eq!(kind("only_here"), Difference::UpstreamBehind);
    assert!(r.findings.iter().all(|f| f.key != "float"));
}

#[test]
fn rows_above_the_horizon_are_ignored_on_both_sides() {
    let index = idx(&[("a.near", "fresh_here", 101, Some(json!(1)))]);
    let upstream = scan(&[("a.near", "fresh_there", 150, Some(json!(1)))]);
    assert!(reconcile(&index, &upstream, 100).is_clean());
}
