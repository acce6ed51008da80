//! A durable [`NonceStore`]: the in-process store plus an append-only log in a directory, so a
//! restarted process still refuses every nonce it accepted before (feature `file`).
//!
//! The log is text, one record per line: `+ <expires_at_ms> <sha256 hex> <ticket hex>` when a
//! nonce is recorded and `- <sha256 hex> <ticket hex>` when it is released. A record is written
//! (one `write` call to the file) before `check_and_insert` returns, so an answer that said
//! "valid" is on its way to disk: it survives the process being killed or restarted. It is not
//! fsynced per claim; a power loss can lose the last moments of records (see `docs/DECISIONS.md`).
//! Opening replays the log, keeps the live records and rewrites the log compacted (temp file,
//! fsync, persist, fsync of the directory); the log is compacted again whenever it holds many more lines than live records.
//! A torn last line (a crash mid-write) is ignored: its claim was never answered.

use std::fs::{File, OpenOptions};
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use sha2::{Digest as _, Sha256};

use crate::nonce_store::{
    ClaimTicket, DEFAULT_NONCE_CAPACITY, InMemoryNonceStore, KeyDigest, NonceStore, NonceStoreError,
};

/// The log's file name inside the store's directory.
pub const NONCE_LOG_FILE: &str = "nonces.log";

/// A [`NonceStore`] whose records survive a restart (see the module docs).
#[derive(Debug)]
pub struct FileNonceStore {
    memory: InMemoryNonceStore,
    path: PathBuf,
    log: Mutex<Log>,
}

#[derive(Debug)]
struct Log {
    file: File,
    lines: usize,
}

impl FileNonceStore {
    /// Opens (or creates) `dir/nonces.log` with [`DEFAULT_NONCE_CAPACITY`], keeping the records
    /// still live at `now_ms`.
    ///
    /// # Errors
    ///
    /// The directory or log cannot be created, read or rewritten.
    pub fn open(dir: impl AsRef<Path>, now_ms: u64) -> std::io::Result<Self> {
        Self::open_with_capacity(dir, now_ms, DEFAULT_NONCE_CAPACITY)
    }

    /// Like [`open`](Self::open), holding at most `capacity` live nonces.
    ///
    /// # Errors
    ///
    /// The directory or log cannot be created, read or rewritten.
    pub fn open_with_capacity(
        dir: impl AsRef<Path>,
        now_ms: u64,
        capacity: usize,
    ) -> std::io::Result<Self> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir)?;
        let path = dir.join(NONCE_LOG_FILE);
        let memory = InMemoryNonceStore::new(capacity);
        match File::open(&path) {
            Ok(f) => {
                for line in BufReader::new(f).lines() {
                    apply_line(&memory, &line?, now_ms);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let (file, lines) = rewrite(&path, &memory)?;
        Ok(Self {
            memory,
            path,
            log: Mutex::new(Log { file, lines }),
        })
    }

    /// The number of records currently held (live or not yet purged).
    pub fn len(&self) -> usize {
        self.memory.len()
    }

    /// Whether the store holds no records.
    pub fn is_empty(&self) -> bool {
        self.memory.is_empty()
    }

    fn append(&self, line: &str) -> Result<(), NonceStoreError> {
        let mut log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        log.file
            .write_all(line.as_bytes())
            .map_err(|e| NonceStoreError::Unavailable(format!("nonce log write: {e}")))?;
        log.lines += 1;
        if log.lines > self.memory.len().saturating_mul(2).max(4096) {
            // Compaction failure is not a claim failure: the long log is still correct.
            if let Ok((file, lines)) = rewrite(&self.path, &self.memory) {
                *log = Log { file, lines };
            }
        }
        Ok(())
    }
}

fn parse_hex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    hex::decode_to_slice(s, &mut out).ok()?;
    Some(out)
}

fn apply_line(memory: &InMemoryNonceStore, line: &str, now_ms: u64) {
    let mut parts = line.split(' ');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("+"), Some(exp), Some(digest), Some(ticket)) => {
            if let (Ok(exp), Some(digest), Some(ticket)) = (
                exp.parse::<u64>(),
                parse_hex::<32>(digest),
                parse_hex::<16>(ticket),
            ) && exp > now_ms
            {
                let _ = memory.insert_digest(
                    digest,
                    exp,
                    now_ms,
                    ClaimTicket::from_u128(u128::from_be_bytes(ticket)),
                );
            }
        }
        (Some("-"), Some(digest), Some(ticket), None) => {
            if let (Some(digest), Some(ticket)) = (parse_hex::<32>(digest), parse_hex::<16>(ticket))
            {
                memory.release_digest(digest, ClaimTicket::from_u128(u128::from_be_bytes(ticket)));
            }
        }
        _ => {}
    }
}

fn record_line(exp: u64, digest: &KeyDigest, ticket: ClaimTicket) -> String {
    format!("+ {exp} {} {}\n", hex::encode(digest), ticket.to_hex())
}

/// Writes the live records to a [`tempfile::NamedTempFile`] beside the log, fsyncs it, persists
/// it (renames it) over the log, fsyncs the directory and reopens the log for appending.
fn rewrite(path: &Path, memory: &InMemoryNonceStore) -> std::io::Result<(File, usize)> {
    let records = memory.records();
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut text = String::with_capacity(records.len() * 120);
    for (digest, exp, ticket) in &records {
        text.push_str(&record_line(*exp, digest, *ticket));
    }
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    File::open(dir)?.sync_all()?;
    let file = OpenOptions::new().append(true).open(path)?;
    Ok((file, records.len()))
}

#[async_trait]
impl NonceStore for FileNonceStore {
    async fn check_and_insert(
        &self,
        key: &str,
        expires_at_ms: u64,
        now_ms: u64,
    ) -> Result<ClaimTicket, NonceStoreError> {
        let digest: KeyDigest = Sha256::digest(key.as_bytes()).into();
        let ticket =
            self.memory
                .insert_digest(digest, expires_at_ms, now_ms, ClaimTicket::random())?;
        if let Err(e) = self.append(&record_line(expires_at_ms, &digest, ticket)) {
            // Not recorded durably: do not accept the claim.
            self.memory.release_digest(digest, ticket);
            return Err(e);
        }
        Ok(ticket)
    }

    async fn release(&self, key: &str, ticket: ClaimTicket) {
        let digest: KeyDigest = Sha256::digest(key.as_bytes()).into();
        if self.memory.release_digest(digest, ticket) {
            // A lost release line only makes the claim refused after a restart, never accepted.
            let _ = self.append(&format!("- {} {}\n", hex::encode(digest), ticket.to_hex()));
        }
    }
}
