//! FastData KV page tokens: base64url (no padding) of compact JSON naming the last row.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::ledger::{LedgerEntry, Position};

/// The token fields. Field letters as on the wire: `a` = current_account_id, `b` =
/// block_height, `k` = key, `o` = order_id, `p` = predecessor_id. Declared in alphabetical
/// order so the JSON matches the KV server's (`serde_json::json!` sorts keys).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PageToken {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) a: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) b: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) k: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) o: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) p: Option<String>,
}

/// Which fields an endpoint's token carries (and requires back).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenShape {
    /// `latest/{ns}/{pred}`: `{k}`.
    K,
    /// `history/{ns}/{pred}`: `{k,b,o}`.
    Kbo,
    /// `latest/{ns}`: `{k,p}`.
    Kp,
    /// `history/{ns}`: `{k,b,o,p}`.
    Kbop,
    /// `all/{pred}`: `{a,k}`.
    Ak,
    /// `/v0/history`: `{b,o,p,a}`.
    Bopa,
}

impl TokenShape {
    fn has(self, field: char) -> bool {
        let fields = match self {
            Self::K => "k",
            Self::Kbo => "kbo",
            Self::Kp => "kp",
            Self::Kbop => "kbop",
            Self::Ak => "ak",
            Self::Bopa => "bopa",
        };
        fields.contains(field)
    }
}

/// The token for the page ending at `last`.
pub(crate) fn encode(shape: TokenShape, last: &LedgerEntry) -> String {
    let pick = |c: char, v: &str| shape.has(c).then(|| v.to_owned());
    let token = PageToken {
        a: pick('a', &last.namespace),
        // Heights beyond i64::MAX cannot occur (one block per commit).
        b: shape
            .has('b')
            .then(|| i64::try_from(last.block_height).unwrap_or(i64::MAX)),
        k: pick('k', &last.key),
        o: shape.has('o').then_some(last.order_id),
        p: pick('p', &last.predecessor),
    };
    // Serialising a struct of strings and integers cannot fail.
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&token).unwrap_or_default())
}

/// Decodes a token; `None` when it is not base64url, not JSON, or lacks a field the endpoint
/// needs (`required`, a subset of the shape's letters). Fields not required are filled with
/// defaults. A negative `b` (possible in a forged token) sorts before every real row.
pub(crate) fn decode(token: &str, required: &str) -> Option<Position> {
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    let t: PageToken = serde_json::from_slice(&bytes).ok()?;
    let need = |c: char, present: bool| !required.contains(c) || present;
    if !(need('a', t.a.is_some())
        && need('b', t.b.is_some())
        && need('k', t.k.is_some())
        && need('o', t.o.is_some())
        && need('p', t.p.is_some()))
    {
        return None;
    }
    let (block_height, order_id) = match t.b {
        Some(b) if b < 0 => (0, i64::MIN),
        Some(b) => (b.unsigned_abs(), t.o.unwrap_or_default()),
        None => (0, t.o.unwrap_or_default()),
    };
    Some(Position {
        namespace: t.a.unwrap_or_default(),
        predecessor: t.p.unwrap_or_default(),
        key: t.k.unwrap_or_default(),
        block_height,
        order_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> LedgerEntry {
        LedgerEntry {
            namespace: "app.near".into(),
            predecessor: "alice.near".into(),
            key: "score".into(),
            value: "1".into(),
            block_height: 12345,
            block_timestamp_ns: 1,
            order_id: 0,
            action_index: 0,
            signer_id: "alice.near".into(),
            receipt_id: "r".into(),
            tx_hash: None,
        }
    }

    fn json_of(token: &str) -> String {
        String::from_utf8(URL_SAFE_NO_PAD.decode(token).unwrap()).unwrap()
    }

    #[test]
    fn tokens_carry_exactly_the_documented_fields() {
        let e = entry();
        assert_eq!(json_of(&encode(TokenShape::K, &e)), r#"{"k":"score"}"#);
        assert_eq!(
            json_of(&encode(TokenShape::Kbo, &e)),
            r#"{"b":12345,"k":"score","o":0}"#
        );
        assert_eq!(
            json_of(&encode(TokenShape::Kp, &e)),
            r#"{"k":"score","p":"alice.near"}"#
        );
        assert_eq!(
            json_of(&encode(TokenShape::Kbop, &e)),
            r#"{"b":12345,"k":"score","o":0,"p":"alice.near"}"#
        );
        assert_eq!(
            json_of(&encode(TokenShape::Ak, &e)),
            r#"{"a":"app.near","k":"score"}"#
        );
        assert_eq!(
            json_of(&encode(TokenShape::Bopa, &e)),
            r#"{"a":"app.near","b":12345,"o":0,"p":"alice.near"}"#
        );
    }

    #[test]
    fn decode_round_trips_and_rejects_bad_tokens() {
        let e = entry();
        let pos = decode(&encode(TokenShape::Kbop, &e), "kbop").unwrap();
        assert_eq!(
            pos,
            Position {
                namespace: String::new(),
                ..Position::from(&e)
            }
        );
        // Upstream's own example token decodes too.
        let upstream = URL_SAFE_NO_PAD.encode(r#"{"k":"score","b":12345,"o":42}"#);
        assert_eq!(decode(&upstream, "kbo").unwrap().order_id, 42);
        for bad in [
            "!!!".to_owned(),
            URL_SAFE_NO_PAD.encode("not json"),
            URL_SAFE_NO_PAD.encode("[1]"),
            URL_SAFE_NO_PAD.encode(r#"{"k":1}"#),
            URL_SAFE_NO_PAD.encode(r#"{"k":"x","b":"1","o":0}"#),
            URL_SAFE_NO_PAD.encode(r#"{"k":"x","b":1.5,"o":0}"#),
            URL_SAFE_NO_PAD.encode(r#"{"k":"x","b":null,"o":0}"#),
            format!("{}=", URL_SAFE_NO_PAD.encode(r#"{"k":"x"}"#)),
        ] {
            assert_eq!(decode(&bad, "kbo"), None, "{bad}");
        }
        // Missing fields are only a problem when required.
        assert!(decode(&encode(TokenShape::K, &e), "k").is_some());
        assert!(decode(&encode(TokenShape::K, &e), "kp").is_none());
    }

    #[test]
    fn negative_height_sorts_first() {
        let t = URL_SAFE_NO_PAD.encode(r#"{"k":"x","b":-1,"o":5}"#);
        let pos = decode(&t, "kbo").unwrap();
        assert_eq!((pos.block_height, pos.order_id), (0, i64::MIN));
    }
}
