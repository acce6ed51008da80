//! The stored records (one per entry, one per block) and their compact binary codec.
//!
//! Layout: a version byte, then fields in a fixed order; integers are little-endian, strings and
//! optional strings are a `u32` length (`u32::MAX` = absent) followed by UTF-8 bytes. Decoding
//! never panics: malformed bytes are reported as [`LedgerError::Corrupt`].

use crate::ledger::LedgerError;

const VERSION: u8 = 1;

/// One stored row: everything the wire format can show about one key write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    /// The namespace (`current_account_id`, the receiver of the `__fastdata_kv` call).
    pub namespace: String,
    /// The writer (`predecessor_id`).
    pub predecessor: String,
    /// The key.
    pub key: String,
    /// The value as compact JSON text (`serde_json::to_string` of the written value); the text
    /// `null` is a tombstone (a delete), kept in history and latest like any other value.
    pub value: String,
    /// Height of the block (= transaction) that wrote it.
    pub block_height: u64,
    /// Timestamp of that block in nanoseconds since the Unix epoch.
    pub block_timestamp_ns: u64,
    /// FastData's `order_id` inside the block. The sandbox has one transaction per block, so this
    /// is always 0; it is stored to keep the indexes shaped like the real ones.
    pub order_id: i64,
    /// Index of the `FunctionCall` action inside its receipt (always 0 in the sandbox).
    pub action_index: u32,
    /// The transaction signer.
    pub signer_id: String,
    /// The receipt id (synthetic in the sandbox, base58 of 32 bytes like on chain).
    pub receipt_id: String,
    /// The transaction hash, if known.
    pub tx_hash: Option<String>,
}

impl LedgerEntry {
    /// Whether this row is a delete (the value written was JSON `null`).
    #[must_use]
    pub fn is_tombstone(&self) -> bool {
        self.value == "null"
    }

    /// The value parsed as JSON; `None` for a tombstone.
    ///
    /// # Errors
    ///
    /// [`LedgerError::Corrupt`] if the stored text is not valid JSON (never the case for values
    /// committed through [`Ledger::commit`](crate::ledger::Ledger::commit)).
    pub fn json_value(&self) -> Result<Option<serde_json::Value>, LedgerError> {
        match serde_json::from_str(&self.value) {
            Ok(serde_json::Value::Null) => Ok(None),
            Ok(v) => Ok(Some(v)),
            Err(e) => Err(LedgerError::Corrupt(format!(
                "stored value of {:?} is not JSON: {e}",
                self.key
            ))),
        }
    }

    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(64 + self.key.len() + self.value.len());
        w.u8(VERSION);
        w.str(&self.namespace);
        w.str(&self.predecessor);
        w.str(&self.key);
        w.str(&self.value);
        w.u64(self.block_height);
        w.u64(self.block_timestamp_ns);
        w.i64(self.order_id);
        w.u32(self.action_index);
        w.str(&self.signer_id);
        w.str(&self.receipt_id);
        w.opt_str(self.tx_hash.as_deref());
        w.0
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, LedgerError> {
        let mut r = Reader(bytes);
        r.version()?;
        let entry = Self {
            namespace: r.str()?,
            predecessor: r.str()?,
            key: r.str()?,
            value: r.str()?,
            block_height: r.u64()?,
            block_timestamp_ns: r.u64()?,
            order_id: r.i64()?,
            action_index: r.u32()?,
            signer_id: r.str()?,
            receipt_id: r.str()?,
            tx_hash: r.opt_str()?,
        };
        r.end()?;
        Ok(entry)
    }
}

/// One stored block: the transaction it holds, without its entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BlockRecord {
    pub(crate) block_timestamp_ns: u64,
    pub(crate) namespace: String,
    pub(crate) predecessor: String,
    pub(crate) signer_id: String,
    pub(crate) receipt_id: String,
    pub(crate) tx_hash: Option<String>,
    pub(crate) entry_count: u32,
}

impl BlockRecord {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(128);
        w.u8(VERSION);
        w.u64(self.block_timestamp_ns);
        w.str(&self.namespace);
        w.str(&self.predecessor);
        w.str(&self.signer_id);
        w.str(&self.receipt_id);
        w.opt_str(self.tx_hash.as_deref());
        w.u32(self.entry_count);
        w.0
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, LedgerError> {
        let mut r = Reader(bytes);
        r.version()?;
        let block = Self {
            block_timestamp_ns: r.u64()?,
            namespace: r.str()?,
            predecessor: r.str()?,
            signer_id: r.str()?,
            receipt_id: r.str()?,
            tx_hash: r.opt_str()?,
            entry_count: r.u32()?,
        };
        r.end()?;
        Ok(block)
    }
}

struct Writer(Vec<u8>);

impl Writer {
    fn with_capacity(n: usize) -> Self {
        Self(Vec::with_capacity(n))
    }
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn str(&mut self, s: &str) {
        // Keys are at most 1 KiB and values 256 KiB (checked before commit), far below u32::MAX.
        let len = u32::try_from(s.len()).unwrap_or(u32::MAX - 1);
        self.u32(len);
        self.0.extend_from_slice(&s.as_bytes()[..len as usize]);
    }
    fn opt_str(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.str(s),
            None => self.u32(u32::MAX),
        }
    }
}

struct Reader<'a>(&'a [u8]);

fn corrupt(what: &str) -> LedgerError {
    LedgerError::Corrupt(format!("truncated or malformed record ({what})"))
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], LedgerError> {
        let (head, rest) = self
            .0
            .split_first_chunk::<N>()
            .ok_or_else(|| corrupt("int"))?;
        self.0 = rest;
        Ok(*head)
    }
    fn version(&mut self) -> Result<(), LedgerError> {
        match self.take::<1>()? {
            [VERSION] => Ok(()),
            [v] => Err(LedgerError::Corrupt(format!(
                "unknown record version {v} (this build reads version {VERSION})"
            ))),
        }
    }
    fn u32(&mut self) -> Result<u32, LedgerError> {
        self.take().map(u32::from_le_bytes)
    }
    fn u64(&mut self) -> Result<u64, LedgerError> {
        self.take().map(u64::from_le_bytes)
    }
    fn i64(&mut self) -> Result<i64, LedgerError> {
        self.take().map(i64::from_le_bytes)
    }
    fn str(&mut self) -> Result<String, LedgerError> {
        let len = self.u32()? as usize;
        if len > self.0.len() {
            return Err(corrupt("string length"));
        }
        let (s, rest) = self.0.split_at(len);
        self.0 = rest;
        String::from_utf8(s.to_vec()).map_err(|_| corrupt("utf-8"))
    }
    fn opt_str(&mut self) -> Result<Option<String>, LedgerError> {
        let (head, _) = self
            .0
            .split_first_chunk::<4>()
            .ok_or_else(|| corrupt("option"))?;
        if u32::from_le_bytes(*head) == u32::MAX {
            self.0 = &self.0[4..];
            Ok(None)
        } else {
            self.str().map(Some)
        }
    }
    fn end(&self) -> Result<(), LedgerError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(corrupt("trailing bytes"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn entry_round_trips(
            ns in ".*", pred in ".*", key in ".*", value in ".*",
            h in any::<u64>(), ts in any::<u64>(), o in any::<i64>(), ai in any::<u32>(),
            tx in proptest::option::of(".*"),
        ) {
            let e = LedgerEntry {
                namespace: ns, predecessor: pred, key, value, block_height: h,
                block_timestamp_ns: ts, order_id: o, action_index: ai,
                signer_id: "s.near".into(), receipt_id: "r".into(), tx_hash: tx,
            };
            prop_assert_eq!(LedgerEntry::decode(&e.encode()).unwrap(), e);
        }

        #[test]
        fn decoding_garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = LedgerEntry::decode(&bytes);
            let _ = BlockRecord::decode(&bytes);
        }
    }

    #[test]
    fn block_round_trips() {
        let b = BlockRecord {
            block_timestamp_ns: u64::MAX,
            namespace: "ns.near".into(),
            predecessor: "p.near".into(),
            signer_id: "p.near".into(),
            receipt_id: "r".into(),
            tx_hash: None,
            entry_count: 3,
        };
        assert_eq!(BlockRecord::decode(&b.encode()).unwrap(), b);
        let mut bad = b.encode();
        bad[0] = 9;
        assert!(matches!(
            BlockRecord::decode(&bad),
            Err(LedgerError::Corrupt(_))
        ));
    }
}
