//! Snapshots: the index's whole canonical state on disk, with the source height it reflects.
//!
//! # Format
//! `MAGIC` (8 bytes) | format version (u32 LE) | CRC-32 of the payload (u32 LE) | payload length
//! (u64 LE) | payload: the [`postcard`] encoding of the namespace, the admin, the number of
//! interned accounts and suffixes, and the canonical state as three postcard-encoded sections
//! (byte strings): the head (interned account, tag, capability and suffix names once; profiles
//! with their folded fields; `tag/*` and `cap/*` memberships; hidden accounts; first-profile
//! times; tombstones), the follow edges sorted by `(from, to)` and the endorsements sorted by
//! `(from, to, suffix)`, every record typed, by index, with its version and block second.
//! Derived orderings (listings, reverse edges, newest-first sets, discover's tag index, counts)
//! are not stored: loading builds each in bulk from sorted data (no key parsing, no write path),
//! the edge sections on their own threads, streamed record by record with borrowed strings.
//!
//! Format versions (bump [`SNAPSHOT_FORMAT`] on any change of the payload):
//! - 1: the first format (records as key strings and JSON text, re-applied on load).
//! - 2: typed records (profiles' folded fields, edges as account indexes), loaded in bulk.
//! - 3: the same records in three sections, so the edges decode in parallel with the head.
//!
//! A snapshot that is truncated, corrupt (checksum), of another format version, or of another
//! namespace or admin is rejected with [`IndexerError::Snapshot`]; the caller logs it and
//! rebuilds from the source, never half-trusting it.
//!
//! # Write-through
//! Provisional (write-through) entries are not snapshotted: the index does not keep the
//! confirmed state they cover, so [`write_snapshot`] skips while any is pending (they last
//! milliseconds to the grace period); the next interval or the shutdown snapshot catches up.
//!
//! # Durability
//! Written to a temporary file in the same directory, `sync_data`, renamed over the old
//! snapshot, then the directory is fsynced: a crash at any point leaves the previous snapshot or
//! the new one, whole.

use std::io::Write as _;
use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::IndexerError;
use crate::graph::Graph;
use crate::indexer::{Indexer, IndexerConfig};
use crate::load::{CanonicalState, Sections, encode_sections};

/// The first bytes of every snapshot file.
const MAGIC: &[u8; 8] = b"NRLYSNAP";
/// The payload format this build writes and reads.
pub const SNAPSHOT_FORMAT: u32 = 3;
/// Header: magic, format, checksum, payload length.
const HEADER: usize = 8 + 4 + 4 + 8;

/// An encoded section: a postcard byte string, borrowed from the snapshot when decoding.
struct Blob<'a>(&'a [u8]);

impl Serialize for Blob<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Blob<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <&'a [u8]>::deserialize(d).map(Blob)
    }
}

#[derive(Serialize, Deserialize)]
struct Payload<'a> {
    namespace: &'a str,
    admin: Option<&'a str>,
    /// Interned accounts: the edge sections are checked against it before the head is decoded.
    accounts: u64,
    /// Interned endorsement suffixes, likewise.
    suffixes: u64,
    head: Blob<'a>,
    follows: Blob<'a>,
    endorsements: Blob<'a>,
}

/// The snapshot file's bytes for `state` (header and payload).
pub(crate) fn encode_state(
    namespace: &str,
    admin: Option<&str>,
    state: &CanonicalState,
) -> Result<Vec<u8>, IndexerError> {
    let (head, follows, endorsements) =
        encode_sections(state).map_err(|e| invalid(format!("encode: {e}")))?;
    let payload = Payload {
        namespace,
        admin,
        accounts: state.head.accounts.len() as u64,
        suffixes: state.head.suffixes.len() as u64,
        head: Blob(&head),
        follows: Blob(&follows),
        endorsements: Blob(&endorsements),
    };
    let body = postcard::to_stdvec(&payload).map_err(|e| invalid(format!("encode: {e}")))?;
    let mut out = Vec::with_capacity(HEADER + body.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&SNAPSHOT_FORMAT.to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&body);
    Ok(out)
}

/// What a written or loaded snapshot holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotInfo {
    /// The source height the snapshot reflects (the tail starts above it).
    pub height: u64,
    /// Live records (follows, endorsements, profiles, tags, capabilities, hidden keys).
    pub entries: usize,
    /// The file's size in bytes.
    pub bytes: u64,
}

fn invalid(reason: impl Into<String>) -> IndexerError {
    IndexerError::Snapshot(reason.into())
}

fn io(what: &str, path: &Path, e: &std::io::Error) -> IndexerError {
    IndexerError::Snapshot(format!("{what} {}: {e}", path.display()))
}

/// Encodes the index's canonical state, or `None` while write-through entries are pending.
fn encode(indexer: &Indexer) -> Result<Option<(Vec<u8>, u64, usize)>, IndexerError> {
    let state = {
        let graph = indexer.read();
        if graph.has_provisional() {
            return Ok(None);
        }
        graph.export()
    };
    let (height, entries) = (state.head.height, state.entries());
    let config = indexer.config();
    let out = encode_state(&config.namespace, config.admin.as_deref(), &state)?;
    Ok(Some((out, height, entries)))
}

/// Writes the index's snapshot to `path` atomically (see the module docs). Blocking: call it
/// from a blocking context in async code. Returns `None` (nothing written) while write-through
/// entries are pending.
///
/// # Errors
/// [`IndexerError::Snapshot`] when the file cannot be written; the previous snapshot stays.
pub fn write_snapshot(
    indexer: &Indexer,
    path: &Path,
) -> Result<Option<SnapshotInfo>, IndexerError> {
    let Some((bytes, height, entries)) = encode(indexer)? else {
        tracing::debug!("write-through entries pending; snapshot skipped");
        return Ok(None);
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut file =
        tempfile::NamedTempFile::new_in(dir).map_err(|e| io("create a temp file in", dir, &e))?;
    file.write_all(&bytes)
        .and_then(|()| file.as_file().sync_data())
        .map_err(|e| io("write", file.path(), &e))?;
    file.persist(path)
        .map_err(|e| io("rename the snapshot to", path, &e.error))?;
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io("fsync", dir, &e))?;
    Ok(Some(SnapshotInfo {
        height,
        entries,
        bytes: bytes.len() as u64,
    }))
}

/// Decodes a snapshot for `config` from its bytes.
pub(crate) fn decode(
    bytes: &[u8],
    config: &IndexerConfig,
) -> Result<(Graph, SnapshotInfo), IndexerError> {
    if bytes.len() < HEADER || &bytes[..8] != MAGIC {
        return Err(invalid("not a snapshot (too short or wrong magic)"));
    }
    let word = |at: usize| -> [u8; 4] {
        let mut w = [0; 4];
        w.copy_from_slice(&bytes[at..at + 4]);
        w
    };
    let format = u32::from_le_bytes(word(8));
    if format != SNAPSHOT_FORMAT {
        return Err(invalid(format!(
            "format version {format}, this build reads {SNAPSHOT_FORMAT}"
        )));
    }
    let crc = u32::from_le_bytes(word(12));
    let mut len = [0; 8];
    len.copy_from_slice(&bytes[16..24]);
    let len = u64::from_le_bytes(len);
    let body = &bytes[HEADER..];
    if body.len() as u64 != len {
        return Err(invalid(format!(
            "truncated: {} payload bytes, header says {len}",
            body.len()
        )));
    }
    if crc32fast::hash(body) != crc {
        return Err(invalid("checksum mismatch (corrupt)"));
    }
    let payload: Payload =
        postcard::from_bytes(body).map_err(|e| invalid(format!("decode: {e}")))?;
    if payload.namespace != config.namespace || payload.admin != config.admin.as_deref() {
        return Err(invalid(format!(
            "snapshot of namespace {} (admin {:?}), the index is {} (admin {:?})",
            payload.namespace, payload.admin, config.namespace, config.admin
        )));
    }
    let count = |n: u64| {
        usize::try_from(n)
            .ok()
            .filter(|n| u32::try_from(*n).is_ok())
            .ok_or_else(|| invalid("inconsistent state: too many names"))
    };
    let sections = Sections {
        accounts: count(payload.accounts)?,
        suffixes: count(payload.suffixes)?,
        head: payload.head.0,
        follows: payload.follows.0,
        endorsements: payload.endorsements.0,
    };
    let (graph, entries) = Graph::import(config.admin.clone(), sections).map_err(invalid)?;
    let info = SnapshotInfo {
        height: graph.height(),
        entries,
        bytes: bytes.len() as u64,
    };
    Ok((graph, info))
}

/// Loads the snapshot at `path` into a new index for `config`. Blocking.
///
/// # Errors
/// [`IndexerError::Snapshot`] for a missing, unreadable, truncated, corrupt, old-format or
/// foreign (other namespace or admin) snapshot: nothing of it is used.
pub fn load_snapshot(
    config: IndexerConfig,
    path: &Path,
) -> Result<(Indexer, SnapshotInfo), IndexerError> {
    let bytes = std::fs::read(path).map_err(|e| io("read", path, &e))?;
    let (graph, info) = decode(&bytes, &config)?;
    Ok((Indexer::from_graph(config, graph), info))
}

/// Start-up: the snapshot at `path` when it is valid, otherwise (logged) an empty index to
/// rebuild from the source. Blocking.
#[must_use]
pub fn load_or_empty(config: IndexerConfig, path: &Path) -> (Indexer, Option<SnapshotInfo>) {
    if !path.exists() {
        tracing::info!(path = %path.display(), "no index snapshot; full rebuild");
        return (Indexer::new(config), None);
    }
    match load_snapshot(config.clone(), path) {
        Ok((indexer, info)) => {
            tracing::info!(path = %path.display(), height = info.height, entries = info.entries, bytes = info.bytes, "index snapshot loaded");
            (indexer, Some(info))
        }
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "index snapshot ignored; full rebuild");
            (Indexer::new(config), None)
        }
    }
}
