//! Prints `COUNT` (default 1) `POST /api/v1/verify-claim` bodies, one per line, each with its
//! own random nonce, freshly signed (valid for the next five minutes) by a fixed
//! implicit-account key: the benchmark's pre-signed claims.
//!
//! Run: `cargo run --release -p nearly-server --example sign_claim -- [COUNT]`.

use std::io::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use nep413::{Nonce, SigningKey, VerifyClaimRequest};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let count: usize = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => 1,
    };
    let key = SigningKey::from_bytes(&[42; 32]);
    let account: String = key
        .verifying_key()
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis();
    let message = format!(
        r#"{{"action":"verify","domain":"nearly.social","account_id":"{account}","version":1,"timestamp":{now_ms}}}"#
    );
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for _ in 0..count {
        let nonce = Nonce::from_bytes(rand::random::<[u8; 32]>());
        let claim = VerifyClaimRequest::sign(
            &key,
            account.clone(),
            message.clone(),
            "nearly.social",
            nonce,
            None,
        );
        writeln!(out, "{}", serde_json::to_string(&claim)?)?;
    }
    out.flush()?;
    Ok(())
}
