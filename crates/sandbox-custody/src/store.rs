//! The durable wallet store: one redb file (`custody.redb`) in the data dir.
//!
//! Tables:
//! - `keys`: `sha256(wk_ key)` (32 bytes) -> account id. The key itself is never stored.
//! - `wallets`: account id -> [`WalletRecord`] as JSON (the ed25519 secret key **in the clear**).
//! - `idempotency`: `"{account}\n{idempotency key}"` -> the request id that used it.
//! - `balances`: account id -> a balance override (decimal yoctoNEAR).
//! - `meta`: `"vrf_secret"` -> the 32-byte VRF secret key.
//!
//! Every write is one redb transaction with immediate durability, so it is on disk when the
//! method returns.

use std::path::Path;

use ed25519_dalek::SigningKey;
use rand::RngCore as _;
use redb::{Database, Durability, ReadableTable as _, TableDefinition};
use serde::{Deserialize, Serialize};

use crate::error::Error;

const KEYS: TableDefinition<&[u8], &str> = TableDefinition::new("keys");
const WALLETS: TableDefinition<&str, &[u8]> = TableDefinition::new("wallets");
const IDEMPOTENCY: TableDefinition<&str, &str> = TableDefinition::new("idempotency");
const BALANCES: TableDefinition<&str, &str> = TableDefinition::new("balances");
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

const META_VRF_SECRET: &str = "vrf_secret";

/// One wallet as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct WalletRecord {
    /// hex of the 32-byte ed25519 secret key (unencrypted: this is a sandbox).
    pub(crate) secret_key_hex: String,
    /// The wallet id (UUID-shaped).
    pub(crate) wallet_id: String,
    /// When the wallet was registered, nanoseconds since the Unix epoch.
    pub(crate) created_at_ns: u64,
}

impl WalletRecord {
    pub(crate) fn signing_key(&self) -> Result<SigningKey, Error> {
        let bytes: [u8; 32] = hex::decode(&self.secret_key_hex)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| Error::internal("wallet store", "a stored secret key is corrupt"))?;
        Ok(SigningKey::from_bytes(&bytes))
    }
}

/// The wallet store.
pub(crate) struct Store {
    db: Database,
}

impl Store {
    /// Opens (or creates) the store at `path` and returns it with its VRF key, generating and
    /// persisting the VRF key on first open.
    pub(crate) fn open(path: &Path) -> Result<(Self, SigningKey), Error> {
        let db = Database::create(path)?;
        let mut txn = db.begin_write()?;
        txn.set_durability(Durability::Immediate);
        let vrf = {
            txn.open_table(KEYS)?;
            txn.open_table(WALLETS)?;
            txn.open_table(IDEMPOTENCY)?;
            txn.open_table(BALANCES)?;
            let mut meta = txn.open_table(META)?;
            let stored: Option<Vec<u8>> = meta.get(META_VRF_SECRET)?.map(|g| g.value().to_vec());
            match stored {
                Some(bytes) => {
                    let bytes: [u8; 32] = bytes.try_into().map_err(|_| {
                        Error::internal("wallet store", "the stored VRF key is corrupt")
                    })?;
                    SigningKey::from_bytes(&bytes)
                }
                None => {
                    let key = SigningKey::from_bytes(&random_bytes());
                    meta.insert(META_VRF_SECRET, key.to_bytes().as_slice())?;
                    key
                }
            }
        };
        txn.commit()?;
        Ok((Self { db }, vrf))
    }

    fn write<T>(
        &self,
        f: impl FnOnce(&redb::WriteTransaction) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut txn = self.db.begin_write()?;
        txn.set_durability(Durability::Immediate);
        let out = f(&txn)?;
        txn.commit()?;
        Ok(out)
    }

    /// Stores a new wallet reachable by `key_hash`.
    pub(crate) fn insert_wallet(
        &self,
        key_hash: &[u8; 32],
        account_id: &str,
        record: &WalletRecord,
    ) -> Result<(), Error> {
        let json = serde_json::to_vec(record).map_err(|e| Error::internal("wallet store", e))?;
        self.write(|txn| {
            txn.open_table(KEYS)?
                .insert(key_hash.as_slice(), account_id)?;
            txn.open_table(WALLETS)?
                .insert(account_id, json.as_slice())?;
            Ok(())
        })
    }

    /// The account behind a key hash.
    pub(crate) fn account_by_key_hash(&self, key_hash: &[u8; 32]) -> Result<Option<String>, Error> {
        let txn = self.db.begin_read()?;
        let keys = txn.open_table(KEYS)?;
        Ok(keys.get(key_hash.as_slice())?.map(|g| g.value().to_owned()))
    }

    /// The wallet of an account.
    pub(crate) fn wallet(&self, account_id: &str) -> Result<Option<WalletRecord>, Error> {
        let txn = self.db.begin_read()?;
        let wallets = txn.open_table(WALLETS)?;
        match wallets.get(account_id)? {
            None => Ok(None),
            Some(g) => serde_json::from_slice(g.value())
                .map(Some)
                .map_err(|e| Error::internal("wallet store", e)),
        }
    }

    /// The request id that already used `key` for `account_id`, if any.
    pub(crate) fn idempotent_request(
        &self,
        account_id: &str,
        key: &str,
    ) -> Result<Option<String>, Error> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(IDEMPOTENCY)?;
        Ok(table
            .get(idempotency_slot(account_id, key).as_str())?
            .map(|g| g.value().to_owned()))
    }

    /// Remembers that `key` was used by `request_id`.
    pub(crate) fn record_idempotent_request(
        &self,
        account_id: &str,
        key: &str,
        request_id: &str,
    ) -> Result<(), Error> {
        self.write(|txn| {
            txn.open_table(IDEMPOTENCY)?
                .insert(idempotency_slot(account_id, key).as_str(), request_id)?;
            Ok(())
        })
    }

    /// The balance override of an account, if one was set.
    pub(crate) fn balance_override(&self, account_id: &str) -> Result<Option<u128>, Error> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(BALANCES)?;
        match table.get(account_id)? {
            None => Ok(None),
            Some(g) => g
                .value()
                .parse()
                .map(Some)
                .map_err(|e| Error::internal("wallet store", e)),
        }
    }

    /// Sets (or with `None` clears) the balance override of an account.
    pub(crate) fn set_balance_override(
        &self,
        account_id: &str,
        yocto: Option<u128>,
    ) -> Result<(), Error> {
        self.write(|txn| {
            let mut table = txn.open_table(BALANCES)?;
            match yocto {
                Some(v) => {
                    table.insert(account_id, v.to_string().as_str())?;
                }
                None => {
                    table.remove(account_id)?;
                }
            }
            Ok(())
        })
    }
}

/// A newline cannot occur in an account id, so the slot is unambiguous.
fn idempotency_slot(account_id: &str, key: &str) -> String {
    format!("{account_id}\n{key}")
}

/// 32 bytes from the operating system's generator.
pub(crate) fn random_bytes() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("custody.redb");
        let hash = [3u8; 32];
        let record = WalletRecord {
            secret_key_hex: hex::encode([5u8; 32]),
            wallet_id: "w".into(),
            created_at_ns: 7,
        };
        let vrf_before = {
            let (store, vrf) = Store::open(&path).unwrap();
            store.insert_wallet(&hash, "acct", &record).unwrap();
            store
                .record_idempotent_request("acct", "k1", "req")
                .unwrap();
            store.set_balance_override("acct", Some(0)).unwrap();
            vrf.verifying_key()
        };
        let (store, vrf) = Store::open(&path).unwrap();
        assert_eq!(vrf.verifying_key(), vrf_before);
        assert_eq!(
            store.account_by_key_hash(&hash).unwrap().as_deref(),
            Some("acct")
        );
        assert_eq!(store.account_by_key_hash(&[4u8; 32]).unwrap(), None);
        assert_eq!(store.wallet("acct").unwrap(), Some(record));
        assert_eq!(
            store.idempotent_request("acct", "k1").unwrap().as_deref(),
            Some("req")
        );
        assert_eq!(store.idempotent_request("other", "k1").unwrap(), None);
        assert_eq!(store.balance_override("acct").unwrap(), Some(0));
        store.set_balance_override("acct", None).unwrap();
        assert_eq!(store.balance_override("acct").unwrap(), None);
    }
}
