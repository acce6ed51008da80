//! Order-preserving binary encodings of the index keys.
//!
//! Every index table is a redb table of `&[u8] -> &[u8]`, whose keys compare with `memcmp`. A key
//! is a tuple of components, each encoded so that comparing the encoded bytes compares the tuples
//! component by component:
//!
//! - a **string** is its UTF-8 bytes with every `0x00` escaped as `0x00 0xFF`, followed by the
//!   terminator `0x00 0x00`. The terminator sorts below every continuation byte (including an
//!   escaped NUL), so `"a" < "a\0" < "ab"` holds on the encoded bytes too, and no length prefix is
//!   needed. (Account ids never contain `0x00`; keys may, the escape keeps that correct anyway.)
//! - an **unsigned integer** is 8 bytes big-endian.
//! - a **signed integer** (`order_id`) is 8 bytes big-endian with the sign bit flipped.
//!
//! A *range* of string components (a key prefix, or `key >= lo AND key < hi`) is expressed on the
//! unterminated escaped bytes: for any strings `k`, `p`, `k >= p` iff `enc(k) >= esc(p)`, and
//! `k < p` iff `enc(k) < esc(p)`.

/// Builds one encoded key, component by component.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct KeyBuf(Vec<u8>);

impl KeyBuf {
    /// An empty key.
    pub(crate) fn new() -> Self {
        Self(Vec::with_capacity(64))
    }

    /// Appends a string component (escaped and terminated).
    pub(crate) fn str(mut self, s: &str) -> Self {
        self.push_escaped(s.as_bytes());
        self.0.extend_from_slice(&[0x00, 0x00]);
        self
    }

    /// Appends the escaped bytes of `s` *without* a terminator: the lower bound of every string
    /// component `>= s` in this position.
    pub(crate) fn str_open(mut self, s: &[u8]) -> Self {
        self.push_escaped(s);
        self
    }

    /// Appends an unsigned integer component.
    pub(crate) fn u64(mut self, v: u64) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }

    /// Appends a signed integer component.
    pub(crate) fn i64(mut self, v: i64) -> Self {
        self.0.extend_from_slice(&flip_sign(v).to_be_bytes());
        self
    }

    /// The encoded bytes.
    pub(crate) fn into_vec(self) -> Vec<u8> {
        self.0
    }

    fn push_escaped(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if b == 0 {
                self.0.extend_from_slice(&[0x00, 0xFF]);
            } else {
                self.0.push(b);
            }
        }
    }
}

fn flip_sign(v: i64) -> u64 {
    u64::from_be_bytes(v.to_be_bytes()) ^ (1 << 63)
}

#[cfg(test)]
fn unflip_sign(v: u64) -> i64 {
    i64::from_be_bytes((v ^ (1 << 63)).to_be_bytes())
}

/// The smallest byte string greater than every string that starts with `prefix`, or `None` if
/// there is none (all `0xFF`). Used as the exclusive upper bound of a prefix range.
pub(crate) fn successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut out = prefix.to_vec();
    while let Some(last) = out.pop() {
        if last < 0xFF {
            out.push(last + 1);
            return Some(out);
        }
    }
    None
}

/// FastData's `prefix_end`: adds 1 to the last byte of `prefix`; the empty prefix becomes
/// `"\x01"`. (The KV server does exactly this, so `key_prefix: ""` matches only the empty key.)
/// A trailing `0xFF` cannot occur in UTF-8, but is carried like [`successor`] for safety; `None`
/// means "no upper bound".
pub(crate) fn prefix_end(prefix: &str) -> Option<Vec<u8>> {
    if prefix.is_empty() {
        return Some(vec![0x01]);
    }
    successor(prefix.as_bytes())
}

/// Reads components back out of an encoded key (tests only).
#[cfg(test)]
#[derive(Debug)]
pub(crate) struct KeyReader<'a>(&'a [u8]);

#[cfg(test)]
impl<'a> KeyReader<'a> {
    /// Starts reading `bytes`.
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self(bytes)
    }

    /// Reads a string component; `None` if the bytes are not a well-formed component.
    pub(crate) fn str(&mut self) -> Option<String> {
        let mut out = Vec::new();
        let mut i = 0;
        loop {
            let b = *self.0.get(i)?;
            if b == 0 {
                match *self.0.get(i + 1)? {
                    0x00 => {
                        self.0 = &self.0[i + 2..];
                        return String::from_utf8(out).ok();
                    }
                    0xFF => out.push(0),
                    _ => return None,
                }
                i += 2;
            } else {
                out.push(b);
                i += 1;
            }
        }
    }

    /// Reads an unsigned integer component.
    pub(crate) fn u64(&mut self) -> Option<u64> {
        let (head, rest) = self.0.split_first_chunk::<8>()?;
        self.0 = rest;
        Some(u64::from_be_bytes(*head))
    }

    /// Reads a signed integer component.
    pub(crate) fn i64(&mut self) -> Option<i64> {
        self.u64().map(unflip_sign)
    }

    /// Whether every byte was consumed.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn enc(parts: &(String, u64, i64, String)) -> Vec<u8> {
        KeyBuf::new()
            .str(&parts.0)
            .u64(parts.1)
            .i64(parts.2)
            .str(&parts.3)
            .into_vec()
    }

    fn any_str() -> impl Strategy<Value = String> {
        // Bias towards short strings over a tiny alphabet (including NUL) so ties and prefixes
        // are common.
        prop_oneof![
            proptest::collection::vec(
                prop_oneof![Just('\0'), Just('a'), Just('b'), Just('/')],
                0..4
            )
            .prop_map(|v| v.into_iter().collect()),
            any::<String>(),
        ]
    }

    proptest! {
        #[test]
        fn tuple_order_is_preserved(
            a in (any_str(), any::<u64>(), any::<i64>(), any_str()),
            b in (any_str(), any::<u64>(), any::<i64>(), any_str()),
        ) {
            let ord = (a.0.as_bytes(), a.1, a.2, a.3.as_bytes())
                .cmp(&(b.0.as_bytes(), b.1, b.2, b.3.as_bytes()));
            prop_assert_eq!(enc(&a).cmp(&enc(&b)), ord);
        }

        #[test]
        fn round_trips(a in (any_str(), any::<u64>(), any::<i64>(), any_str())) {
            let bytes = enc(&a);
            let mut r = KeyReader::new(&bytes);
            prop_assert_eq!(r.str(), Some(a.0.clone()));
            prop_assert_eq!(r.u64(), Some(a.1));
            prop_assert_eq!(r.i64(), Some(a.2));
            prop_assert_eq!(r.str(), Some(a.3.clone()));
            prop_assert!(r.is_empty());
        }

        #[test]
        fn open_bound_matches_string_order(k in any_str(), p in any_str(), tail in any::<u64>()) {
            let key = KeyBuf::new().str(&k).u64(tail).into_vec();
            let bound = KeyBuf::new().str_open(p.as_bytes()).into_vec();
            prop_assert_eq!(key >= bound, k.as_bytes() >= p.as_bytes());
        }

        #[test]
        fn prefix_range_is_starts_with(k in any_str(), p in any_str().prop_filter("non-empty", |p| !p.is_empty())) {
            let key = KeyBuf::new().str(&k).into_vec();
            let lo = KeyBuf::new().str_open(p.as_bytes()).into_vec();
            let inside = match prefix_end(&p) {
                Some(end) => key >= lo && key < KeyBuf::new().str_open(&end).into_vec(),
                None => key >= lo,
            };
            prop_assert_eq!(inside, k.starts_with(&p));
        }
    }

    #[test]
    fn prefix_end_matches_fastdata() {
        assert_eq!(prefix_end("settings/"), Some(b"settings0".to_vec()));
        assert_eq!(prefix_end("a"), Some(b"b".to_vec()));
        assert_eq!(prefix_end(""), Some(vec![1]));
        assert_eq!(successor(&[0x61, 0xFF]), Some(vec![0x62]));
        assert_eq!(successor(&[0xFF]), None);
    }
}
