//! The application layer called directly, with no HTTP: typed inputs in, typed outcomes out.

use api_http::app::{AppError, FollowRequest, FollowResult, Targets};
use api_http::rate_limit::Action;
use api_http::{Caller, CallerKind};
use nearly_core::{AccountId, ErrorCode};
use outlayer_client::CustodyAuth;

use crate::helpers::TestApp;

async fn caller(app: &TestApp) -> Caller {
    let (key, id) = app.wallet().await;
    Caller {
        account_id: AccountId::parse(&id).unwrap(),
        kind: CallerKind::WalletKey,
        custody_auth: CustodyAuth::from_bearer(&key),
    }
}

#[tokio::test]
async fn follow_runs_one_batch_and_answers_typed_results() {
    let app = TestApp::new();
    let uc = app.state.app();
    let me = caller(&app).await;
    let bob = caller(&app).await;
    uc.heartbeat(&bob).await.unwrap();

    let request = FollowRequest {
        targets: Targets::many(vec![
            bob.account_id.to_string(),
            bob.account_id.to_string(),
            "Not An Account!".into(),
            me.account_id.to_string(),
        ])
        .unwrap(),
        reason: None,
    };
    let outcome = uc.follow(&me, Action::Follow, request).await.unwrap();
    let results: Vec<(&str, &FollowResult)> = outcome
        .batch
        .results
        .iter()
        .map(|t| (t.account_id.as_str(), &t.result))
        .collect();
    assert_eq!(
        results.len(),
        3,
        "duplicates are answered once: {results:?}"
    );
    assert_eq!(
        results[0],
        (bob.account_id.as_str(), &FollowResult::Followed)
    );
    assert!(
        matches!(results[1].1, FollowResult::Failed(e) if e.code == ErrorCode::ValidationError)
    );
    assert!(matches!(results[2].1, FollowResult::Failed(e) if e.code == ErrorCode::SelfFollow));
    assert_eq!(outcome.network.following_count, 1);
    // One write took one slot of the follow window.
    assert_eq!(outcome.batch.rate.map(|d| d.remaining), Some(9));

    // Following again writes nothing and takes no slot.
    let again = uc
        .follow(
            &me,
            Action::Follow,
            FollowRequest {
                targets: Targets::One(bob.account_id.to_string()),
                reason: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        again.batch.results[0].result,
        FollowResult::AlreadyFollowing
    );
    assert_eq!(again.batch.rate, None);
}

#[tokio::test]
async fn a_batch_refused_at_its_first_slot_is_a_domain_rate_limit() {
    let app = TestApp::new();
    let uc = app.state.app();
    let me = caller(&app).await;
    let bob = caller(&app).await;
    uc.heartbeat(&bob).await.unwrap();
    // The limit is the caller's to name (the gate passes the table's): delist's window holds
    // one slot, so the follow spends it and the unfollow is refused before writing anything.
    let follow = FollowRequest {
        targets: Targets::One(bob.account_id.to_string()),
        reason: None,
    };
    uc.follow(&me, Action::Delist, follow).await.unwrap();
    let e = uc
        .unfollow(
            &me,
            Action::Delist,
            Targets::One(bob.account_id.to_string()),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            AppError::RateLimited {
                action: Action::Delist,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.code(), ErrorCode::RateLimited);
}

#[tokio::test]
async fn targets_are_bounded() {
    assert_eq!(
        Targets::<String>::many(Vec::new()),
        Err(AppError::Invalid("targets must not be empty".into()))
    );
    let e = Targets::many(vec![String::new(); 21]).unwrap_err();
    assert!(e.to_string().contains("at most 20"), "{e}");
}
