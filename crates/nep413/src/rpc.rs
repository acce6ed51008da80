//! NEAR JSON-RPC access-key lookups (feature `rpc`).
//!
//! One request per lookup: `query` / `view_access_key` at `finality: "final"`. Only
//! `"permission": "FullAccess"` counts as full access; any other variant (`FunctionCall`, the
//! newer `GasKey*` variants, or anything unknown) is [`AccessKeyStatus::NotFullAccess`].

use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};

use crate::access_keys::{AccessKeyStatus, AccessKeys};
use crate::encoding::PublicKey;

/// The default per-request timeout.
pub const DEFAULT_RPC_TIMEOUT: Duration = Duration::from_secs(5);

/// NEAR mainnet's public RPC endpoint.
pub const MAINNET_RPC_URL: &str = "https://rpc.mainnet.near.org";

/// Why an RPC lookup gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RpcError {
    /// No response within the configured timeout.
    #[error("NEAR RPC timed out after {0:?}")]
    Timeout(Duration),
    /// The request could not be sent or the response not read.
    #[error("NEAR RPC request failed: {0}")]
    Transport(String),
    /// A non-success HTTP status with no usable JSON-RPC answer.
    #[error("NEAR RPC answered HTTP {0}")]
    Http(u16),
    /// The body is not the JSON-RPC shape we expect.
    #[error("NEAR RPC answered an unexpected body: {0}")]
    MalformedBody(String),
    /// A JSON-RPC error other than a missing key or account.
    #[error("NEAR RPC error {name}: {message}")]
    Rpc {
        /// `error.cause.name` (or `error.name`).
        name: String,
        /// The node's message.
        message: String,
    },
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// [`AccessKeys`] over NEAR JSON-RPC.
///
/// ```no_run
/// # fn main() -> Result<(), nep413::rpc::RpcError> {
/// use std::time::Duration;
/// let rpc = nep413::rpc::RpcAccessKeys::new(nep413::rpc::MAINNET_RPC_URL)?
///     .with_timeout(Duration::from_secs(3));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct RpcAccessKeys {
    client: reqwest::Client,
    url: String,
    timeout: Duration,
}

impl RpcAccessKeys {
    /// A client for the JSON-RPC endpoint at `url`, with the default 5 s timeout.
    pub fn new(url: impl Into<String>) -> Result<Self, RpcError> {
        let client = reqwest::Client::builder()
            .build()
            .map_err(|e| RpcError::Client(e.to_string()))?;
        Ok(Self::with_client(client, url))
    }

    /// Uses an existing `reqwest::Client` (shared connection pool).
    pub fn with_client(client: reqwest::Client, url: impl Into<String>) -> Self {
        Self {
            client,
            url: url.into(),
            timeout: DEFAULT_RPC_TIMEOUT,
        }
    }

    /// Sets the per-request timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Looks up `public_key` on `account_id`.
    pub async fn view_access_key(
        &self,
        account_id: &str,
        public_key: &PublicKey,
    ) -> Result<AccessKeyStatus, RpcError> {
        let body = json!({
            "jsonrpc": "2.0",
            "id": "nep413",
            "method": "query",
            "params": {
                "request_type": "view_access_key",
                "finality": "final",
                "account_id": account_id,
                "public_key": public_key.to_string(),
            }
        });
        let timeout = self.timeout;
        let map_err = |e: reqwest::Error| {
            if e.is_timeout() {
                RpcError::Timeout(timeout)
            } else {
                RpcError::Transport(e.to_string())
            }
        };
        let response = self
            .client
            .post(&self.url)
            .timeout(timeout)
            .json(&body)
            .send()
            .await
            .map_err(map_err)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(map_err)?;
        interpret_response(status.as_u16(), &bytes)
    }
}

#[async_trait]
impl AccessKeys for RpcAccessKeys {
    async fn access_key_status(&self, account_id: &str, public_key: &PublicKey) -> AccessKeyStatus {
        match self.view_access_key(account_id, public_key).await {
            Ok(status) => status,
            Err(e) => AccessKeyStatus::RpcError(e.to_string()),
        }
    }
}

/// Whether a node's error text says the key or the account does not exist.
fn says_missing(text: &str) -> bool {
    text.contains("does not exist")
        && (text.contains("access key")
            || text.starts_with("account ")
            || text.contains("Account "))
}

/// Turns an HTTP status and body into a verdict.
fn interpret_response(status: u16, body: &[u8]) -> Result<AccessKeyStatus, RpcError> {
    let parsed: Result<Value, _> = serde_json::from_slice(body);
    let value = match parsed {
        Ok(v @ Value::Object(_)) => v,
        _ if !(200..300).contains(&status) => return Err(RpcError::Http(status)),
        Ok(_) => return Err(RpcError::MalformedBody("not a JSON object".into())),
        Err(e) => return Err(RpcError::MalformedBody(e.to_string())),
    };
    if let Some(error) = value.get("error") {
        return interpret_error(error);
    }
    if !(200..300).contains(&status) {
        return Err(RpcError::Http(status));
    }
    let result = value
        .get("result")
        .ok_or_else(|| RpcError::MalformedBody("neither `result` nor `error`".into()))?;
    if let Some(err) = result.get("error") {
        let text = err.as_str().unwrap_or_default();
        return if says_missing(text) {
            Ok(AccessKeyStatus::Missing {
                detail: text.to_owned(),
            })
        } else {
            Err(RpcError::Rpc {
                name: "QUERY_ERROR".into(),
                message: err.to_string(),
            })
        };
    }
    match result.get("permission") {
        Some(Value::String(p)) if p == "FullAccess" => Ok(AccessKeyStatus::FullAccess),
        Some(Value::String(p)) => Ok(AccessKeyStatus::NotFullAccess {
            permission: p.clone(),
        }),
        Some(Value::Object(m)) => Ok(AccessKeyStatus::NotFullAccess {
            permission: m.keys().next().cloned().unwrap_or_else(|| "unknown".into()),
        }),
        Some(other) => Ok(AccessKeyStatus::NotFullAccess {
            permission: other.to_string(),
        }),
        None => Err(RpcError::MalformedBody("result has no `permission`".into())),
    }
}

fn interpret_error(error: &Value) -> Result<AccessKeyStatus, RpcError> {
    let cause = error
        .get("cause")
        .and_then(|c| c.get("name"))
        .and_then(Value::as_str);
    let data = error
        .get("data")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let message = error
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if let Some(name @ ("UNKNOWN_ACCESS_KEY" | "UNKNOWN_ACCOUNT")) = cause {
        return Ok(AccessKeyStatus::Missing {
            detail: if data.is_empty() {
                name.to_owned()
            } else {
                format!("{name}: {data}")
            },
        });
    }
    if says_missing(data) || says_missing(message) {
        let detail = if data.is_empty() { message } else { data };
        return Ok(AccessKeyStatus::Missing {
            detail: detail.to_owned(),
        });
    }
    let name = cause
        .or_else(|| error.get("name").and_then(Value::as_str))
        .unwrap_or("UNKNOWN")
        .to_owned();
    let message = if data.is_empty() {
        message.to_owned()
    } else {
        format!("{message}: {data}")
    };
    Err(RpcError::Rpc { name, message })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions() {
        let full = br#"{"jsonrpc":"2.0","id":"x","result":{"nonce":1,"permission":"FullAccess","block_height":1,"block_hash":"h"}}"#;
        assert_eq!(
            interpret_response(200, full),
            Ok(AccessKeyStatus::FullAccess)
        );
        let gas = br#"{"result":{"nonce":1,"permission":{"GasKeyFullAccess":{"balance":"0","num_nonces":1}}}}"#;
        assert_eq!(
            interpret_response(200, gas),
            Ok(AccessKeyStatus::NotFullAccess {
                permission: "GasKeyFullAccess".into()
            })
        );
        let odd = br#"{"result":{"permission":"SomethingNew"}}"#;
        assert_eq!(
            interpret_response(200, odd),
            Ok(AccessKeyStatus::NotFullAccess {
                permission: "SomethingNew".into()
            })
        );
    }

    #[test]
    fn other_query_errors_are_transient() {
        let body = br#"{"result":{"error":"DB Not Found Error: BLOCK HEIGHT","logs":[]}}"#;
        assert!(matches!(
            interpret_response(200, body),
            Err(RpcError::Rpc { .. })
        ));
        let body = br#"{"error":{"name":"HANDLER_ERROR","cause":{"name":"UNKNOWN_BLOCK"},"code":-32000,"message":"Server error"}}"#;
        assert!(matches!(
            interpret_response(200, body),
            Err(RpcError::Rpc { name, .. }) if name == "UNKNOWN_BLOCK"
        ));
    }
}
