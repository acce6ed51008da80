//! The credentials file: mode 0600, directory created, merge, refusal to overwrite a key.

use nearly_sdk::{AccountCredentials, CredentialsError, CredentialsStore, SaveOutcome};
use serde_json::{Map, Value, json};

fn creds(account: &str, key: &str) -> AccountCredentials {
    AccountCredentials {
        account_id: account.into(),
        api_key: key.into(),
        platforms: Map::new(),
    }
}

fn read(store: &CredentialsStore) -> Value {
    serde_json::from_str(&std::fs::read_to_string(store.path()).unwrap()).unwrap()
}

#[test]
fn save_creates_the_directory_and_a_private_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = CredentialsStore::at(dir.path().join("nested/nearly/credentials.json"));
    assert_eq!(
        store.save(&creds("a.near", "wk_a"), false).unwrap(),
        SaveOutcome::Added
    );
    assert_eq!(
        read(&store),
        json!({"accounts": {"a.near": {"api_key": "wk_a", "account_id": "a.near", "platforms": {}}}})
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(store.path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = std::fs::metadata(store.path().parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o777, 0o700);
    }
    // No temp files left beside it.
    let entries: Vec<_> = std::fs::read_dir(store.path().parent().unwrap())
        .unwrap()
        .collect();
    assert_eq!(entries.len(), 1);
}

#[test]
fn save_merges_other_accounts_platforms_and_unknown_fields() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials.json");
    std::fs::write(
        &path,
        json!({
            "version": 3,
            "accounts": {
                "other.near": {"api_key": "wk_other", "account_id": "other.near", "note": "keep"},
                "a.near": {"api_key": "wk_a", "account_id": "a.near", "label": "mine",
                           "platforms": {"near.fm": {"token": "t"}}}
            }
        })
        .to_string(),
    )
    .unwrap();
    let store = CredentialsStore::at(&path);
    let mut update = creds("a.near", "wk_a");
    update.platforms.insert(
        "market.near.ai".into(),
        json!({"api_key": "sk", "agent_id": "x"}),
    );
    assert_eq!(store.save(&update, false).unwrap(), SaveOutcome::Unchanged);
    let file = read(&store);
    assert_eq!(file["version"], 3);
    assert_eq!(file["accounts"]["other.near"]["note"], "keep");
    assert_eq!(file["accounts"]["other.near"]["api_key"], "wk_other");
    assert_eq!(file["accounts"]["a.near"]["label"], "mine");
    assert_eq!(
        file["accounts"]["a.near"]["platforms"]["near.fm"]["token"],
        "t"
    );
    assert_eq!(
        file["accounts"]["a.near"]["platforms"]["market.near.ai"]["api_key"],
        "sk"
    );
}

#[test]
fn save_refuses_to_overwrite_a_different_key_unless_told_to() {
    let dir = tempfile::tempdir().unwrap();
    let store = CredentialsStore::at(dir.path().join("credentials.json"));
    store.save(&creds("a.near", "wk_old"), false).unwrap();
    let e = store.save(&creds("a.near", "wk_new"), false).unwrap_err();
    assert!(
        matches!(e, CredentialsError::KeyConflict { ref account_id, .. } if account_id == "a.near")
    );
    assert_eq!(read(&store)["accounts"]["a.near"]["api_key"], "wk_old");
    assert_eq!(
        store.save(&creds("a.near", "wk_new"), true).unwrap(),
        SaveOutcome::Replaced
    );
    assert_eq!(read(&store)["accounts"]["a.near"]["api_key"], "wk_new");
}

#[test]
fn get_picks_the_only_account_or_the_named_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = CredentialsStore::at(dir.path().join("credentials.json"));
    assert!(matches!(
        store.get(None),
        Err(CredentialsError::NotFound { .. })
    ));
    store.save(&creds("a.near", "wk_a"), false).unwrap();
    assert_eq!(store.get(None).unwrap().api_key, "wk_a");
    store.save(&creds("b.near", "wk_b"), false).unwrap();
    assert!(matches!(
        store.get(None),
        Err(CredentialsError::Ambiguous { .. })
    ));
    assert_eq!(store.get(Some("b.near")).unwrap().api_key, "wk_b");
    assert!(matches!(
        store.get(Some("c.near")),
        Err(CredentialsError::NotFound { .. })
    ));
    // Debug never shows the key.
    assert!(!format!("{:?}", store.get(Some("b.near")).unwrap()).contains("wk_b"));
}

#[test]
fn save_platform_adds_one_platform() {
    let dir = tempfile::tempdir().unwrap();
    let store = CredentialsStore::at(dir.path().join("credentials.json"));
    store.save(&creds("a.near", "wk_a"), false).unwrap();
    store
        .save_platform("a.near", "near.fm", json!({"token": "t"}))
        .unwrap();
    assert_eq!(
        read(&store)["accounts"]["a.near"]["platforms"]["near.fm"]["token"],
        "t"
    );
    assert!(store.save_platform("x.near", "near.fm", json!({})).is_err());
}

#[test]
fn malformed_files_are_reported_not_clobbered() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials.json");
    std::fs::write(&path, "{not json").unwrap();
    let store = CredentialsStore::at(&path);
    assert!(matches!(
        store.save(&creds("a.near", "wk_a"), false),
        Err(CredentialsError::Malformed { .. })
    ));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "{not json");
}
