//! Wire encodings of public keys, signatures and nonces.
//!
//! Each type has one parsing entry point (`parse`) that accepts every encoding NEP-413 clients are
//! known to send and rejects everything else with a [`ParseError`] naming the problem.

use std::fmt;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use ed25519_dalek::VerifyingKey;

/// Standard base64 alphabet; accepts input with or without `=` padding, emits padded output.
const BASE64_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The lowercase prefix every NEAR ed25519 key and prefixed signature carries.
pub const ED25519_PREFIX: &str = "ed25519:";

/// Why a public key, signature or nonce could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The public key does not start with the lowercase `ed25519:` prefix.
    #[error("public key must start with the lowercase prefix \"ed25519:\"")]
    PublicKeyPrefix,
    /// The part after `ed25519:` is not base58.
    #[error("public key is not valid base58 after \"ed25519:\"")]
    PublicKeyEncoding,
    /// The public key decodes to the wrong number of bytes.
    #[error("public key must decode to exactly 32 bytes, got {0}")]
    PublicKeyLength(usize),
    /// The 32 bytes are not the encoding of a curve point.
    #[error("public key bytes are not a valid ed25519 point")]
    PublicKeyPoint,
    /// The signature is neither base64 nor base58 (with or without `ed25519:`).
    #[error("signature must be standard base64, \"ed25519:<base58>\" or base58")]
    SignatureEncoding,
    /// The signature decodes to the wrong number of bytes.
    #[error("signature must decode to exactly 64 bytes, got {0}")]
    SignatureLength(usize),
    /// The nonce matches none of the accepted encodings.
    #[error(
        "nonce must be base64 of 32 bytes, 64 hex characters, a JSON array of 32 bytes, \
         or a decimal millisecond timestamp of at most 32 digits"
    )]
    NonceEncoding,
    /// The nonce decodes to the wrong number of bytes.
    #[error("nonce must decode to exactly 32 bytes, got {0}")]
    NonceLength(usize),
}

/// An ed25519 public key as NEAR writes it: `ed25519:<base58 of 32 bytes>`.
///
/// Holding one means the bytes decompress to a curve point; weak (small-order) keys still parse
/// and are rejected by strict verification.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey {
    key: VerifyingKey,
}

impl PublicKey {
    /// Parses `ed25519:<base58>`; the prefix must be lowercase and the key exactly 32 bytes.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let b58 = s
            .strip_prefix(ED25519_PREFIX)
            .ok_or(ParseError::PublicKeyPrefix)?;
        let mut buf = [0u8; 32];
        let len = decode_base58_fixed(b58, &mut buf).map_err(|e| match e {
            FixedDecodeError::Encoding => ParseError::PublicKeyEncoding,
            FixedDecodeError::Length(n) => ParseError::PublicKeyLength(n),
        })?;
        if len != 32 {
            return Err(ParseError::PublicKeyLength(len));
        }
        Self::from_bytes(&buf)
    }

    /// Builds a key from its 32 raw bytes.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, ParseError> {
        VerifyingKey::from_bytes(bytes)
            .map(|key| Self { key })
            .map_err(|_| ParseError::PublicKeyPoint)
    }

    /// The 32 raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.key.as_bytes()
    }

    /// The dalek verifying key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.key
    }

    /// The implicit account id of this key: lowercase hex of its 32 bytes.
    pub fn implicit_account_id(&self) -> String {
        hex::encode(self.as_bytes())
    }
}

impl From<VerifyingKey> for PublicKey {
    fn from(key: VerifyingKey) -> Self {
        Self { key }
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{ED25519_PREFIX}{}",
            bs58::encode(self.as_bytes()).into_string()
        )
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({self})")
    }
}

impl std::str::FromStr for PublicKey {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// A 64-byte ed25519 signature (`R || S`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature([u8; 64]);

impl Signature {
    /// Parses standard base64 (padded or not), `ed25519:<base58>` or bare base58; the result must
    /// be exactly 64 bytes.
    ///
    /// Base64 is tried before bare base58. A string valid in both that decodes to 64 bytes both
    /// ways needs an 86-character base58 string with a leading `1`, which wallets do not produce;
    /// clients that want no doubt send the `ed25519:` prefix.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let mut buf = [0u8; 64];
        if let Some(b58) = s.strip_prefix(ED25519_PREFIX) {
            return match decode_base58_fixed(b58, &mut buf) {
                Ok(64) => Ok(Self(buf)),
                Ok(n) | Err(FixedDecodeError::Length(n)) => Err(ParseError::SignatureLength(n)),
                Err(FixedDecodeError::Encoding) => Err(ParseError::SignatureEncoding),
            };
        }
        let b64 = decode_base64_fixed(s, &mut buf);
        if let Ok(64) = b64 {
            return Ok(Self(buf));
        }
        let b58 = decode_base58_fixed(s, &mut buf);
        if let Ok(64) = b58 {
            return Ok(Self(buf));
        }
        // Report a length problem from whichever decoding understood the text.
        match (b64, b58) {
            (Ok(n) | Err(FixedDecodeError::Length(n)), _) => Err(ParseError::SignatureLength(n)),
            (_, Ok(n) | Err(FixedDecodeError::Length(n))) => Err(ParseError::SignatureLength(n)),
            _ => Err(ParseError::SignatureEncoding),
        }
    }

    /// Wraps 64 raw bytes.
    pub fn from_bytes(bytes: [u8; 64]) -> Self {
        Self(bytes)
    }

    /// The 64 raw bytes.
    pub fn to_bytes(&self) -> [u8; 64] {
        self.0
    }

    /// The 64 raw bytes, borrowed.
    pub fn as_bytes(&self) -> &[u8; 64] {
        &self.0
    }

    /// Standard padded base64, the encoding NEP-413 specifies and wallets send.
    pub fn to_base64(&self) -> String {
        BASE64_LENIENT.encode(self.0)
    }

    /// `ed25519:<base58>`, the encoding custody and near-cli-rs print.
    pub fn to_prefixed_base58(&self) -> String {
        format!("{ED25519_PREFIX}{}", bs58::encode(self.0).into_string())
    }

    pub(crate) fn to_dalek(self) -> ed25519_dalek::Signature {
        ed25519_dalek::Signature::from_bytes(&self.0)
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", self.to_base64())
    }
}

/// The 32-byte NEP-413 nonce.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Nonce([u8; 32]);

impl Nonce {
    /// Parses every nonce encoding in use:
    /// - standard base64 of 32 bytes, padded or not (wallets);
    /// - 64 hex characters;
    /// - a JSON array of 32 integers `0..=255`;
    /// - an ASCII decimal millisecond timestamp of 1 to 32 digits, left-padded with `'0'` to 32
    ///   bytes (NEAR AI hub), so `"1741287395592"` and `"00000000000000000001741287395592"` are
    ///   the same nonce.
    ///
    /// The forms cannot collide: base64 of 32 bytes is 43 or 44 characters, hex is 64, a
    /// timestamp at most 32 digits, and only the array starts with `[`.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let bytes = s.as_bytes();
        if bytes.first() == Some(&b'[') {
            let v: Vec<u8> = serde_json::from_str(s).map_err(|_| ParseError::NonceEncoding)?;
            let arr: [u8; 32] = v
                .as_slice()
                .try_into()
                .map_err(|_| ParseError::NonceLength(v.len()))?;
            return Ok(Self(arr));
        }
        if !bytes.is_empty() && bytes.len() <= 32 && bytes.iter().all(u8::is_ascii_digit) {
            return Ok(Self::from_decimal_digits(bytes));
        }
        if bytes.len() == 64 && bytes.iter().all(u8::is_ascii_hexdigit) {
            let mut out = [0u8; 32];
            hex::decode_to_slice(s, &mut out).map_err(|_| ParseError::NonceEncoding)?;
            return Ok(Self(out));
        }
        let mut out = [0u8; 32];
        match decode_base64_fixed(s, &mut out) {
            Ok(32) => Ok(Self(out)),
            Ok(n) | Err(FixedDecodeError::Length(n)) => Err(ParseError::NonceLength(n)),
            Err(FixedDecodeError::Encoding) => Err(ParseError::NonceEncoding),
        }
    }

    /// The NEAR AI hub nonce for a millisecond timestamp: its decimal digits left-padded with
    /// `'0'` to 32 ASCII bytes.
    pub fn from_timestamp_ms(ms: u64) -> Self {
        let digits = ms.to_string();
        Self::from_decimal_digits(digits.as_bytes())
    }

    fn from_decimal_digits(digits: &[u8]) -> Self {
        let mut out = [b'0'; 32];
        let start = 32usize.saturating_sub(digits.len());
        out[start..].copy_from_slice(&digits[digits.len().saturating_sub(32)..]);
        Self(out)
    }

    /// A fresh random nonce from the operating system's generator.
    pub fn random() -> Self {
        use rand::RngCore as _;
        let mut out = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut out);
        Self(out)
    }

    /// Wraps 32 raw bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The 32 raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// If the nonce is 32 ASCII digits (a NEAR AI hub timestamp nonce), its value.
    ///
    /// Values that do not fit a `u64` give `None`.
    pub fn as_timestamp_ms(&self) -> Option<u64> {
        if !self.0.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.0.iter().try_fold(0u64, |acc, d| {
            acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        })
    }

    /// Standard padded base64, the encoding wallets send.
    pub fn to_base64(&self) -> String {
        BASE64_LENIENT.encode(self.0)
    }

    /// Lowercase hex (64 characters), as used in replay keys.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Debug for Nonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Nonce({})", self.to_hex())
    }
}

enum FixedDecodeError {
    Encoding,
    Length(usize),
}

/// Decodes base58 into `out`, reporting the decoded length; too long is a length error.
fn decode_base58_fixed(s: &str, out: &mut [u8]) -> Result<usize, FixedDecodeError> {
    match bs58::decode(s).onto(&mut *out) {
        Ok(n) => Ok(n),
        Err(bs58::decode::Error::BufferTooSmall) => {
            // Learn the real length for the error message; only on the failure path.
            match bs58::decode(s).into_vec() {
                Ok(v) => Err(FixedDecodeError::Length(v.len())),
                Err(_) => Err(FixedDecodeError::Encoding),
            }
        }
        Err(_) => Err(FixedDecodeError::Encoding),
    }
}

/// Decodes standard base64 (padding optional) into `out`, reporting the decoded length.
fn decode_base64_fixed(s: &str, out: &mut [u8]) -> Result<usize, FixedDecodeError> {
    let estimate = base64::decoded_len_estimate(s.len());
    if estimate > out.len() + 3 {
        // Far too long: decode anyway (bounded by the input) to report the real length.
        return match BASE64_LENIENT.decode(s) {
            Ok(v) => Err(FixedDecodeError::Length(v.len())),
            Err(_) => Err(FixedDecodeError::Encoding),
        };
    }
    let mut tmp = [0u8; 72];
    match BASE64_LENIENT.decode_slice(s, &mut tmp) {
        Ok(n) if n == out.len() => {
            out.copy_from_slice(&tmp[..n]);
            Ok(n)
        }
        Ok(n) => Err(FixedDecodeError::Length(n)),
        Err(_) => Err(FixedDecodeError::Encoding),
    }
}

/// Encodes bytes as standard padded base64.
pub fn base64_encode(bytes: &[u8]) -> String {
    BASE64_LENIENT.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1_PK: &str = "ed25519:2RM3EotCzEiVobm6aMjaup43k8cFffR4KHFtrqbZ79Qy";

    #[test]
    fn public_key_requires_lowercase_prefix() {
        assert!(PublicKey::parse(V1_PK).is_ok());
        assert_eq!(
            PublicKey::parse(&V1_PK.replace("ed25519", "ED25519")),
            Err(ParseError::PublicKeyPrefix)
        );
        assert_eq!(
            PublicKey::parse("2RM3EotCzEiVobm6aMjaup43k8cFffR4KHFtrqbZ79Qy"),
            Err(ParseError::PublicKeyPrefix)
        );
    }

    #[test]
    fn public_key_rejects_wrong_length_and_alphabet() {
        assert_eq!(
            PublicKey::parse("ed25519:abc"),
            Err(ParseError::PublicKeyLength(3))
        );
        assert_eq!(
            PublicKey::parse("ed25519:0OIl"),
            Err(ParseError::PublicKeyEncoding)
        );
        let long = bs58::encode([7u8; 33]).into_string();
        assert_eq!(
            PublicKey::parse(&format!("ed25519:{long}")),
            Err(ParseError::PublicKeyLength(33))
        );
    }

    #[test]
    fn public_key_display_round_trips() {
        let pk = PublicKey::parse(V1_PK).unwrap();
        assert_eq!(pk.to_string(), V1_PK);
        assert_eq!(
            pk.implicit_account_id(),
            "151848b75252e8406857a3bffa3cb4bf0451e62bb1774f20906329f0614d5a3e"
        );
    }

    #[test]
    fn signature_accepts_all_three_encodings() {
        let raw = [0xabu8; 64];
        let sig = Signature::from_bytes(raw);
        let padded = sig.to_base64();
        assert!(padded.ends_with("=="));
        assert_eq!(Signature::parse(&padded).unwrap(), sig);
        assert_eq!(Signature::parse(padded.trim_end_matches('=')).unwrap(), sig);
        assert_eq!(Signature::parse(&sig.to_prefixed_base58()).unwrap(), sig);
        let bare = bs58::encode(raw).into_string();
        assert_eq!(Signature::parse(&bare).unwrap(), sig);
    }

    #[test]
    fn signature_rejects_wrong_length() {
        assert_eq!(
            Signature::parse(&base64_encode(&[1u8; 63])),
            Err(ParseError::SignatureLength(63))
        );
        assert_eq!(
            Signature::parse(&format!(
                "ed25519:{}",
                bs58::encode([1u8; 65]).into_string()
            )),
            Err(ParseError::SignatureLength(65))
        );
        assert_eq!(Signature::parse("!!!"), Err(ParseError::SignatureEncoding));
        assert_eq!(Signature::parse(""), Err(ParseError::SignatureLength(0)));
    }

    #[test]
    fn nonce_encodings_agree() {
        let b64 = "KNV0cOpvJ50D5vfF9pqWom8wo2sliQ4W+Wa7uZ3Uk6Y=";
        let n = Nonce::parse(b64).unwrap();
        assert_eq!(Nonce::parse(b64.trim_end_matches('=')).unwrap(), n);
        assert_eq!(Nonce::parse(&n.to_hex()).unwrap(), n);
        assert_eq!(Nonce::parse(&n.to_hex().to_uppercase()).unwrap(), n);
        let arr = serde_json::to_string(&n.as_bytes().to_vec()).unwrap();
        assert_eq!(Nonce::parse(&arr).unwrap(), n);
    }

    #[test]
    fn nonce_timestamp_is_left_padded() {
        let short = Nonce::parse("1741287395592").unwrap();
        let padded = Nonce::parse("00000000000000000001741287395592").unwrap();
        assert_eq!(short, padded);
        assert_eq!(short.as_bytes(), b"00000000000000000001741287395592");
        assert_eq!(short, Nonce::from_timestamp_ms(1_741_287_395_592));
        assert_eq!(short.as_timestamp_ms(), Some(1_741_287_395_592));
        assert_eq!(Nonce::from_bytes([1; 32]).as_timestamp_ms(), None);
    }

    #[test]
    fn nonce_rejects_everything_else() {
        assert_eq!(Nonce::parse(""), Err(ParseError::NonceLength(0)));
        assert_eq!(Nonce::parse("[1,2,3]"), Err(ParseError::NonceLength(3)));
        assert_eq!(Nonce::parse("[256]"), Err(ParseError::NonceEncoding));
        assert_eq!(
            Nonce::parse(&"1".repeat(33)),
            Err(ParseError::NonceEncoding)
        );
        assert_eq!(
            Nonce::parse(&base64_encode(&[0u8; 31])),
            Err(ParseError::NonceLength(31))
        );
        assert_eq!(Nonce::parse("not a nonce"), Err(ParseError::NonceEncoding));
    }
}
