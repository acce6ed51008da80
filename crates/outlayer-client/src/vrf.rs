//! VRF proofs: decoding the custody answer and verifying a proof offline.

use base64::Engine as _;
use ed25519_dalek::{Signature, VerifyingKey};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::CustodyError;
use crate::wire::{VrfProof, WasmOutput};

/// Why a VRF proof does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VrfError {
    /// `vrf_public_key` is not 32 bytes of hex (or `ed25519:<base58>`) or not a valid point.
    #[error("vrf_public_key must be 32 bytes of hex encoding a valid ed25519 key")]
    PublicKey,
    /// `signature_hex` is not 64 bytes of hex.
    #[error("signature_hex must be 64 bytes of hex")]
    SignatureEncoding,
    /// `output_hex` is not 32 bytes of hex.
    #[error("output_hex must be 32 bytes of hex")]
    OutputEncoding,
    /// The signature does not verify (strictly) over `alpha` with the key.
    #[error("VRF signature does not verify over alpha")]
    BadSignature,
    /// `output_hex` is not `hex(sha256(signature))`.
    #[error("output_hex is not sha256(signature)")]
    OutputMismatch,
}

/// Checks a VRF proof: `verify_strict(vrf_public_key, utf8(alpha), signature)` and
/// `output_hex == hex(sha256(signature))` (hex compared case-insensitively, as bytes).
///
/// It does not know which key to trust or which `alpha` to expect: callers compare
/// `proof.vrf_public_key` with their pinned key and `proof.alpha` with the expected input.
pub fn verify_vrf_proof(proof: &VrfProof) -> Result<(), VrfError> {
    let key = parse_vrf_public_key(&proof.vrf_public_key).ok_or(VrfError::PublicKey)?;
    let sig_bytes: [u8; 64] = hex::decode(proof.signature_hex.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(VrfError::SignatureEncoding)?;
    let output: [u8; 32] = hex::decode(proof.output_hex.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(VrfError::OutputEncoding)?;
    let signature = Signature::from_bytes(&sig_bytes);
    key.verify_strict(proof.alpha.as_bytes(), &signature)
        .map_err(|_| VrfError::BadSignature)?;
    let expected: [u8; 32] = Sha256::digest(sig_bytes).into();
    if expected != output {
        return Err(VrfError::OutputMismatch);
    }
    Ok(())
}

fn parse_vrf_public_key(s: &str) -> Option<VerifyingKey> {
    let s = s.trim();
    let bytes = match s.strip_prefix("ed25519:") {
        Some(b58) => bs58::decode(b58).into_vec().ok()?,
        None => hex::decode(s).ok()?,
    };
    let bytes: [u8; 32] = bytes.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

/// Decodes the body of `POST /call/{owner}/{project}` into a VRF proof.
///
/// Accepts the three shapes seen in the wild: the WASM output as the top-level object,
/// `{"output": <base64 string or object>, ...}` (the coordinator envelope), or a raw base64
/// string (as a JSON string or as plain text). The WASM output itself is either
/// `{"success":true,"data":{proof}}` or the bare proof object. A `status:"failed"` envelope or
/// `success:false` is [`CustodyError::ExecutionFailed`]; anything else unreadable is
/// [`CustodyError::Decode`]. It does not verify the proof.
pub fn parse_vrf_response(body: &[u8]) -> Result<VrfProof, CustodyError> {
    let value = match serde_json::from_slice::<Value>(body) {
        Ok(value) => value,
        Err(_) => {
            let text = std::str::from_utf8(body)
                .map_err(|_| CustodyError::Decode("VRF response is not UTF-8".into()))?;
            decode_output_string(text)?
        }
    };
    match value {
        Value::String(s) => proof_from_output(decode_output_string(&s)?),
        Value::Object(ref map) => {
            if map.get("status").and_then(Value::as_str) == Some("failed") {
                let message = map
                    .get("error")
                    .and_then(Value::as_str)
                    .unwrap_or("WASM execution failed")
                    .to_owned();
                return Err(CustodyError::ExecutionFailed { message });
            }
            match map.get("output") {
                Some(Value::String(s)) => proof_from_output(decode_output_string(s)?),
                Some(output @ Value::Object(_)) => proof_from_output(output.clone()),
                Some(other) => Err(CustodyError::Decode(format!(
                    "VRF output must be an object or a base64 string, got {}",
                    json_kind(other)
                ))),
                None => proof_from_output(value),
            }
        }
        other => Err(CustodyError::Decode(format!(
            "VRF response must be an object or a string, got {}",
            json_kind(&other)
        ))),
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A WASM output string: JSON text, or base64 (standard or url-safe, padded or not) of JSON.
fn decode_output_string(s: &str) -> Result<Value, CustodyError> {
    let s = s.trim();
    if s.starts_with('{') {
        return serde_json::from_str(s)
            .map_err(|e| CustodyError::Decode(format!("VRF output is not JSON: {e}")));
    }
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let bytes = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(s).ok())
        .ok_or_else(|| CustodyError::Decode("VRF output is neither JSON nor base64".into()))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| CustodyError::Decode(format!("decoded VRF output is not JSON: {e}")))
}

fn proof_from_output(output: Value) -> Result<VrfProof, CustodyError> {
    let is_envelope = output.get("success").is_some();
    if is_envelope {
        let out: WasmOutput = serde_json::from_value(output)
            .map_err(|e| CustodyError::Decode(format!("bad WASM output: {e}")))?;
        if !out.success {
            return Err(CustodyError::ExecutionFailed {
                message: out.error.unwrap_or_else(|| "VRF program failed".into()),
            });
        }
        return out
            .data
            .ok_or_else(|| CustodyError::Decode("WASM output has success but no data".into()));
    }
    serde_json::from_value(output).map_err(|e| CustodyError::Decode(format!("bad VRF proof: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};
    use serde_json::json;

    fn proof(alpha: &str) -> VrfProof {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let sig = key.sign(alpha.as_bytes()).to_bytes();
        VrfProof {
            output_hex: hex::encode(Sha256::digest(sig)),
            signature_hex: hex::encode(sig),
            alpha: alpha.into(),
            vrf_public_key: hex::encode(key.verifying_key().to_bytes()),
        }
    }

    #[test]
    fn a_real_proof_verifies() {
        let p = proof("vrf:req-1:suggest");
        assert_eq!(verify_vrf_proof(&p), Ok(()));
        let upper = VrfProof {
            output_hex: p.output_hex.to_uppercase(),
            ..p.clone()
        };
        assert_eq!(verify_vrf_proof(&upper), Ok(()));
        let b58 = VrfProof {
            vrf_public_key: format!(
                "ed25519:{}",
                bs58::encode(hex::decode(&p.vrf_public_key).unwrap()).into_string()
            ),
            ..p
        };
        assert_eq!(verify_vrf_proof(&b58), Ok(()));
    }

    #[test]
    fn tampering_is_detected() {
        let p = proof("vrf:req-1:suggest");
        let other_alpha = VrfProof {
            alpha: "vrf:req-2:suggest".into(),
            ..p.clone()
        };
        assert_eq!(verify_vrf_proof(&other_alpha), Err(VrfError::BadSignature));
        let other_output = VrfProof {
            output_hex: hex::encode([0u8; 32]),
            ..p.clone()
        };
        assert_eq!(
            verify_vrf_proof(&other_output),
            Err(VrfError::OutputMismatch)
        );
        let bad_key = VrfProof {
            vrf_public_key: "zz".into(),
            ..p.clone()
        };
        assert_eq!(verify_vrf_proof(&bad_key), Err(VrfError::PublicKey));
        let short_sig = VrfProof {
            signature_hex: "abcd".into(),
            ..p.clone()
        };
        assert_eq!(
            verify_vrf_proof(&short_sig),
            Err(VrfError::SignatureEncoding)
        );
        let short_out = VrfProof {
            output_hex: "ab".into(),
            ..p
        };
        assert_eq!(verify_vrf_proof(&short_out), Err(VrfError::OutputEncoding));
    }

    #[test]
    fn parses_every_output_shape() {
        let p = proof("vrf:x:suggest");
        let wasm = json!({"success": true, "data": p});
        let b64 = base64::engine::general_purpose::STANDARD.encode(wasm.to_string());
        let shapes = [
            wasm.to_string(),
            serde_json::to_string(&p).unwrap(),
            json!({"call_id":"c","status":"completed","output": b64}).to_string(),
            json!({"call_id":"c","status":"completed","output": wasm}).to_string(),
            json!({"output": wasm.to_string()}).to_string(),
            json!(b64).to_string(),
            b64.clone(),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(wasm.to_string()),
        ];
        for shape in shapes {
            assert_eq!(
                parse_vrf_response(shape.as_bytes()),
                Ok(p.clone()),
                "{shape}"
            );
        }
    }

    #[test]
    fn failures_are_typed() {
        assert!(matches!(
            parse_vrf_response(br#"{"status":"failed","error":"trap"}"#),
            Err(CustodyError::ExecutionFailed { message }) if message == "trap"
        ));
        assert!(matches!(
            parse_vrf_response(br#"{"success":false,"error":"no key"}"#),
            Err(CustodyError::ExecutionFailed { message }) if message == "no key"
        ));
        for bad in [
            &b"[1]"[..],
            b"{}",
            b"!!!",
            b"{\"output\":3}",
            b"\xff\xfe",
            b"\"\"",
        ] {
            assert!(
                matches!(parse_vrf_response(bad), Err(CustodyError::Decode(_))),
                "{bad:?}"
            );
        }
    }
}
