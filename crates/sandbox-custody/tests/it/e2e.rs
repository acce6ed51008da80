//! End to end through the real ledger: custody writes, FastData reads.

use fastdata_client::{FastDataRead, HttpFastData, KvValue};
use nearly_sandbox::fastdata_api::LedgerReader;
use outlayer_client::wire::CallRequest;
use outlayer_client::{CallOutcome, Custody, HttpOutLayer};
use sandbox_custody::Config;
use serde_json::{Map, Value, json};

use crate::backend::{IDEMPOTENCY_KEY, NS, Sandbox, http_config, serve};

fn write(key: &str, value: Value) -> CallRequest {
    let mut entries = Map::new();
    entries.insert(key.to_owned(), value);
    CallRequest::fastdata_kv(NS, entries)
}

/// Register over HTTP, write `profile` then `graph/follow/x`, and read both back through the
/// FastData KV wire API of the same ledger: under the implicit account, in increasing blocks.
#[tokio::test]
async fn register_call_then_read_over_the_wire() {
    let sandbox = Sandbox::new(Config::default());
    let app = axum::Router::new()
        .nest(
            "/outlayer",
            sandbox_custody::router(sandbox.custody.clone()),
        )
        .nest_service(
            "/fastdata",
            nearly_sandbox::fastdata_api::router(sandbox.ledger.clone()),
        );
    let addr = serve(app).await;
    let custody = HttpOutLayer::new(&format!("http://{addr}/outlayer"), http_config()).unwrap();
    let reader = HttpFastData::new(
        &format!("http://{addr}/fastdata"),
        NS,
        fastdata_client::HttpConfig::default(),
    )
    .unwrap();

    let wallet = custody.register().await.unwrap();
    let auth = outlayer_client::CustodyAuth::WalletKey(wallet.api_key);
    let account = wallet.near_account_id;
    let profile = json!({"name": "Alice", "description": "writes Rust"});
    for request in [
        write("profile", profile.clone()),
        write("graph/follow/x", json!({})),
    ] {
        let outcome = custody.call(&auth, &request, None).await.unwrap();
        // Over the wire there is no block height: OutLayer's answer carries only a tx hash.
        assert!(
            matches!(
                outcome,
                CallOutcome::Applied {
                    block_height: None,
                    ..
                }
            ),
            "{outcome:?}"
        );
    }

    let p = reader
        .get_latest(&account, "profile")
        .await
        .unwrap()
        .unwrap();
    let f = reader
        .get_latest(&account, "graph/follow/x")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.value, KvValue::Value(profile));
    assert_eq!(f.value, KvValue::Value(json!({})));
    for row in [&p, &f] {
        assert_eq!(row.predecessor_id, account);
        assert_eq!(row.current_account_id, NS);
    }
    assert!(
        p.block_height < f.block_height,
        "{} {}",
        p.block_height,
        f.block_height
    );
    assert!(p.block_timestamp < f.block_timestamp);
}

/// The same in-process: `LocalCustody` as `dyn Custody`, `LedgerReader` as `dyn FastDataRead`;
/// the ledger rows carry the custody's tx hash and the wallet as signer.
#[tokio::test]
async fn in_process_writes_land_under_the_implicit_account() {
    let sandbox = Sandbox::new(Config::default());
    let custody: &dyn Custody = &sandbox.custody;
    let reader: &dyn FastDataRead =
        &LedgerReader::new(sandbox.ledger.clone(), NS).with_metadata(true);
    let wallet = sandbox.register().await;

    let CallOutcome::Applied {
        tx_hash,
        block_height,
        ..
    } = custody
        .call(
            &wallet.auth,
            &write("profile", json!({"name": "Bob"})),
            None,
        )
        .await
        .unwrap()
    else {
        panic!("not applied")
    };
    // In-process, the outcome names the ledger block the write committed in.
    assert_eq!(block_height, Some(1));
    let follow = custody
        .call(&wallet.auth, &write("graph/follow/x", json!({})), None)
        .await
        .unwrap();
    assert_eq!(follow.block_height(), Some(2));
    let unfollow = custody
        .call(&wallet.auth, &write("graph/follow/x", Value::Null), None)
        .await
        .unwrap();
    assert_eq!(unfollow.block_height(), Some(3));
    assert_eq!(sandbox.ledger.head().block_height, 3);

    let scan = reader
        .scan_prefix(
            &wallet.account_id,
            "",
            fastdata_client::ScanLimit::UNBOUNDED,
        )
        .await
        .unwrap();
    let rows: Vec<_> = scan
        .entries
        .iter()
        .map(|e| (e.key.as_str(), e.block_height))
        .collect();
    assert_eq!(rows, vec![("graph/follow/x", 3), ("profile", 1)]);
    assert_eq!(scan.live().count(), 1, "the follow was deleted");
    let profile = &scan.entries[1];
    assert_eq!(profile.tx_hash, tx_hash);
    assert_eq!(
        profile.signer_id.as_deref(),
        Some(wallet.account_id.as_str())
    );
}

/// A duplicate idempotency key, an over-long transaction and a zero-balance wallet commit
/// nothing; a skipped key (too long) does not fail the rest.
#[tokio::test]
async fn refused_calls_commit_nothing() {
    let sandbox = Sandbox::new(Config::default());
    let wallet = sandbox.register().await;
    let custody = &sandbox.custody;
    let head = || sandbox.ledger.head().block_height;

    custody
        .execute_call(&wallet.auth, &write("a", json!(1)), Some(IDEMPOTENCY_KEY))
        .await
        .unwrap();
    assert_eq!(head(), 1);
    let again = custody
        .execute_call(&wallet.auth, &write("a", json!(2)), Some(IDEMPOTENCY_KEY))
        .await
        .unwrap();
    assert!(matches!(again, CallOutcome::DuplicateIdempotencyKey { .. }));
    assert_eq!(head(), 1);

    // The same key is free for another wallet.
    let other = sandbox.register().await;
    custody
        .execute_call(&other.auth, &write("a", json!(3)), Some(IDEMPOTENCY_KEY))
        .await
        .unwrap();
    assert_eq!(head(), 2);

    let big: Map<String, Value> = (0..257).map(|i| (format!("k{i}"), json!(i))).collect();
    let failed = custody
        .execute_call(&wallet.auth, &CallRequest::fastdata_kv(NS, big), None)
        .await;
    assert!(matches!(
        failed,
        Err(sandbox_custody::Error::OnchainFailed { .. })
    ));
    assert_eq!(head(), 2);

    let mut mixed = Map::new();
    mixed.insert("ok".into(), json!(true));
    mixed.insert("x".repeat(1025), json!(true));
    custody
        .execute_call(&wallet.auth, &CallRequest::fastdata_kv(NS, mixed), None)
        .await
        .unwrap();
    assert_eq!(head(), 3);
    assert!(
        sandbox
            .ledger
            .latest(NS, &wallet.account_id, "ok")
            .unwrap()
            .is_some()
    );

    custody
        .set_balance(&wallet.account_id, Some(0))
        .await
        .unwrap();
    let broke = custody
        .execute_call(&wallet.auth, &write("b", json!(1)), None)
        .await;
    assert!(matches!(
        broke,
        Err(sandbox_custody::Error::InsufficientBalance { .. })
    ));
    assert_eq!(head(), 3);
}

/// Concurrent calls with one idempotency key: exactly one is applied, the rest are duplicates.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_repeats_of_one_key_apply_once() {
    let sandbox = Sandbox::new(Config::default());
    let wallet = sandbox.register().await;
    let calls = (0..8).map(|i| {
        let custody = sandbox.custody.clone();
        let auth = wallet.auth.clone();
        tokio::spawn(async move {
            custody
                .execute_call(&auth, &write("n", json!(i)), Some("same-key"))
                .await
                .unwrap()
        })
    });
    let mut applied = 0;
    for call in calls.collect::<Vec<_>>() {
        match call.await.unwrap() {
            CallOutcome::Applied { .. } => applied += 1,
            CallOutcome::DuplicateIdempotencyKey { .. } => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(applied, 1);
    assert_eq!(sandbox.ledger.head().block_height, 1);
}
