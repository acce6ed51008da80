//! The credentials file, `~/.config/nearly/credentials.json`:
//!
//! ```json
//! {"accounts": {"<account_id>": {"api_key": "wk_...", "account_id": "<account_id>",
//!                                "platforms": {"market.near.ai": {"api_key": "..."}}}}}
//! ```
//!
//! Keyed by account id for several agents on one machine. Writes merge (other accounts, other
//! platforms and unknown fields are kept), refuse to replace an account's different `api_key`
//! unless told to, create the directory (mode 0700), and replace the file atomically (a temp
//! `tempfile` file in the same directory, mode 0600, fsynced, persisted, then the directory
//! fsynced). Readers never see a half-written file;
//! two processes saving at the same instant can still lose one update (there is no lock).

use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// Why the credentials file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The failure.
        source: std::io::Error,
    },
    /// The file is not the documented JSON shape.
    #[error("{path} is not a valid credentials file: {detail}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// The account already has a different `api_key`; pass `overwrite` to replace it.
    #[error(
        "{account_id} already has a different api_key in {path}; refusing to overwrite it (use the overwrite/force option)"
    )]
    KeyConflict {
        /// The account.
        account_id: String,
        /// The file.
        path: PathBuf,
    },
    /// No account matches the selection.
    #[error("no credentials for {what} in {path}")]
    NotFound {
        /// What was asked for.
        what: String,
        /// The file.
        path: PathBuf,
    },
    /// Several accounts are stored and none was picked.
    #[error("{path} holds several accounts ({accounts}); pick one")]
    Ambiguous {
        /// The account ids.
        accounts: String,
        /// The file.
        path: PathBuf,
    },
    /// The home directory is unknown.
    #[error("cannot find the home directory (set HOME)")]
    NoHome,
}

/// One account's credentials.
#[derive(Clone, PartialEq)]
pub struct AccountCredentials {
    /// The account id.
    pub account_id: String,
    /// The custody wallet key (`wk_...`). A secret: never log it.
    pub api_key: String,
    /// Per-platform credentials (`platforms` in the file), as stored.
    pub platforms: Map<String, Value>,
}

impl fmt::Debug for AccountCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountCredentials")
            .field("account_id", &self.account_id)
            .field("api_key", &"<redacted>")
            .field("platforms", &self.platforms.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// What [`CredentialsStore::save`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveOutcome {
    /// A new account entry was written.
    Added,
    /// The entry existed with the same key; other fields merged.
    Unchanged,
    /// The entry's different key was replaced (`overwrite`).
    Replaced,
}

/// A credentials file at a fixed path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialsStore {
    path: PathBuf,
}

impl CredentialsStore {
    /// The file at `path` (tests and `--credentials`).
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// `~/.config/nearly/credentials.json`.
    ///
    /// # Errors
    ///
    /// [`CredentialsError::NoHome`] when the home directory is unknown.
    pub fn default_location() -> Result<Self, CredentialsError> {
        Ok(Self::at(default_path()?))
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The whole file as JSON (`{"accounts": {}}` when it does not exist).
    ///
    /// # Errors
    ///
    /// I/O failures and malformed files.
    pub fn load_raw(&self) -> Result<Map<String, Value>, CredentialsError> {
        let text = match fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut root = Map::new();
                root.insert("accounts".into(), Value::Object(Map::new()));
                return Ok(root);
            }
            Err(source) => {
                return Err(CredentialsError::Io {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        let malformed = |detail: String| CredentialsError::Malformed {
            path: self.path.clone(),
            detail,
        };
        let mut root = match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(map)) => map,
            Ok(_) => return Err(malformed("the top level is not an object".into())),
            Err(e) => return Err(malformed(e.to_string())),
        };
        match root.get("accounts") {
            None => {
                root.insert("accounts".into(), Value::Object(Map::new()));
            }
            Some(Value::Object(_)) => {}
            Some(_) => return Err(malformed("`accounts` is not an object".into())),
        }
        Ok(root)
    }

    /// Every stored account with an `api_key`, by account id.
    ///
    /// # Errors
    ///
    /// I/O failures and malformed files.
    pub fn accounts(&self) -> Result<Vec<AccountCredentials>, CredentialsError> {
        let root = self.load_raw()?;
        let Some(Value::Object(accounts)) = root.get("accounts") else {
            return Ok(Vec::new());
        };
        Ok(accounts
            .iter()
            .filter_map(|(id, entry)| {
                let api_key = entry.get("api_key")?.as_str()?.to_owned();
                let account_id = entry
                    .get("account_id")
                    .and_then(Value::as_str)
                    .unwrap_or(id)
                    .to_owned();
                let platforms = match entry.get("platforms") {
                    Some(Value::Object(p)) => p.clone(),
                    _ => Map::new(),
                };
                Some(AccountCredentials {
                    account_id,
                    api_key,
                    platforms,
                })
            })
            .collect())
    }

    /// The account `account_id`, or with `None` the only stored account.
    ///
    /// # Errors
    ///
    /// [`CredentialsError::NotFound`] (including an empty or missing file),
    /// [`CredentialsError::Ambiguous`] for several accounts and no choice, I/O failures and
    /// malformed files.
    pub fn get(&self, account_id: Option<&str>) -> Result<AccountCredentials, CredentialsError> {
        let mut accounts = self.accounts()?;
        match account_id {
            Some(id) => accounts
                .into_iter()
                .find(|a| a.account_id == id)
                .ok_or_else(|| CredentialsError::NotFound {
                    what: id.to_owned(),
                    path: self.path.clone(),
                }),
            None if accounts.len() == 1 => accounts.pop().ok_or_else(|| unreachable_empty(self)),
            None if accounts.is_empty() => Err(unreachable_empty(self)),
            None => Err(CredentialsError::Ambiguous {
                accounts: accounts
                    .iter()
                    .map(|a| a.account_id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                path: self.path.clone(),
            }),
        }
    }

    /// Stores `creds`, merging into the file. An existing different `api_key` for the account
    /// is replaced only with `overwrite`. `platforms` entries are merged key by key.
    ///
    /// # Errors
    ///
    /// [`CredentialsError::KeyConflict`], I/O failures and malformed files.
    pub fn save(
        &self,
        creds: &AccountCredentials,
        overwrite: bool,
    ) -> Result<SaveOutcome, CredentialsError> {
        let mut root = self.load_raw()?;
        let mut accounts = take_object(&mut root, "accounts");
        let mut entry = take_object(&mut accounts, &creds.account_id);
        let outcome = match entry.get("api_key").and_then(Value::as_str) {
            None => SaveOutcome::Added,
            Some(k) if k == creds.api_key => SaveOutcome::Unchanged,
            Some(_) if overwrite => SaveOutcome::Replaced,
            Some(_) => {
                return Err(CredentialsError::KeyConflict {
                    account_id: creds.account_id.clone(),
                    path: self.path.clone(),
                });
            }
        };
        entry.insert("api_key".into(), Value::String(creds.api_key.clone()));
        entry.insert("account_id".into(), Value::String(creds.account_id.clone()));
        let mut platforms = take_object(&mut entry, "platforms");
        for (k, v) in &creds.platforms {
            platforms.insert(k.clone(), v.clone());
        }
        entry.insert("platforms".into(), Value::Object(platforms));
        accounts.insert(creds.account_id.clone(), Value::Object(entry));
        root.insert("accounts".into(), Value::Object(accounts));
        self.write(&root)?;
        Ok(outcome)
    }

    /// Stores one platform's credentials under an existing account.
    ///
    /// # Errors
    ///
    /// [`CredentialsError::NotFound`] for an unknown account, I/O failures and malformed files.
    pub fn save_platform(
        &self,
        account_id: &str,
        platform: &str,
        credentials: Value,
    ) -> Result<(), CredentialsError> {
        let mut root = self.load_raw()?;
        let mut accounts = take_object(&mut root, "accounts");
        if !accounts.get(account_id).is_some_and(Value::is_object) {
            return Err(CredentialsError::NotFound {
                what: account_id.to_owned(),
                path: self.path.clone(),
            });
        }
        let mut entry = take_object(&mut accounts, account_id);
        let mut platforms = take_object(&mut entry, "platforms");
        platforms.insert(platform.to_owned(), credentials);
        entry.insert("platforms".into(), Value::Object(platforms));
        accounts.insert(account_id.to_owned(), Value::Object(entry));
        root.insert("accounts".into(), Value::Object(accounts));
        self.write(&root)
    }

    /// Writes the file atomically and durably: a 0600 [`tempfile::NamedTempFile`] beside it
    /// (unique, so concurrent writers never share one), fsynced, persisted (renamed) over the
    /// file, then the directory fsynced. A failure leaves the old file; the temp file is
    /// removed when dropped.
    fn write(&self, root: &Map<String, Value>) -> Result<(), CredentialsError> {
        let io = |source: std::io::Error| CredentialsError::Io {
            path: self.path.clone(),
            source,
        };
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        create_private_dir(&dir).map_err(io)?;
        let mut text =
            serde_json::to_string_pretty(root).map_err(|e| CredentialsError::Malformed {
                path: self.path.clone(),
                detail: e.to_string(),
            })?;
        text.push('\n');
        let result = (|| {
            let mut file = private_temp_file(&dir)?;
            file.write_all(text.as_bytes())?;
            file.as_file().sync_all()?;
            file.persist(&self.path).map_err(|e| e.error)?;
            fs::File::open(&dir)?.sync_all()
        })();
        result.map_err(io)
    }
}

fn unreachable_empty(store: &CredentialsStore) -> CredentialsError {
    CredentialsError::NotFound {
        what: "any account".into(),
        path: store.path.clone(),
    }
}

/// Removes `key` from `map` as an object (a missing or non-object value becomes `{}`); the
/// caller inserts it back after editing.
fn take_object(map: &mut Map<String, Value>, key: &str) -> Map<String, Value> {
    match map.remove(key) {
        Some(Value::Object(inner)) => inner,
        _ => Map::new(),
    }
}

/// `$HOME/.config/nearly/credentials.json`.
///
/// # Errors
///
/// [`CredentialsError::NoHome`].
pub fn default_path() -> Result<PathBuf, CredentialsError> {
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .or_else(std::env::home_dir)
        .ok_or(CredentialsError::NoHome)?;
    Ok(home.join(".config").join("nearly").join("credentials.json"))
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)
}

/// A temp file for the credentials in `dir`: owner read/write only (0600).
fn private_temp_file(dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".credentials.").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(fs::Permissions::from_mode(0o600));
    }
    builder.tempfile_in(dir)
}
