//! Reads one account's `profile` key from a FastData KV server and prints it.
//!
//! ```text
//! cargo run -p fastdata-client --example read_profile -- [BASE_URL] [ACCOUNT] [NAMESPACE]
//! ```
//!
//! Defaults: `http://127.0.0.1:8080/fastdata` (the local sandbox), `alice.near`,
//! `contextual.near`.

use std::process::ExitCode;
use std::time::Duration;

use fastdata_client::{
    FastDataError, FastDataRead, HttpConfig, HttpFastData, KvValue, RetryPolicy,
};

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let base_url = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:8080/fastdata".to_owned());
    let account = args.next().unwrap_or_else(|| "alice.near".to_owned());
    let namespace = args.next().unwrap_or_else(|| "contextual.near".to_owned());

    let config = HttpConfig {
        request_timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(2),
        retry: RetryPolicy::NONE,
        ..HttpConfig::default()
    };
    let client = match HttpFastData::new(&base_url, namespace, config) {
        Ok(client) => client,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };

    match client.get_latest(&account, "profile").await {
        Ok(Some(entry)) => {
            match &entry.value {
                KvValue::Value(profile) => println!("{profile:#}"),
                KvValue::Deleted => println!("(profile deleted)"),
            }
            println!(
                "block {} at {} s (writer {})",
                entry.block_height,
                entry.block_time_secs(),
                entry.predecessor_id
            );
            ExitCode::SUCCESS
        }
        Ok(None) => {
            println!("{account} has no profile in {}", client.namespace());
            ExitCode::SUCCESS
        }
        Err(FastDataError::Transport { message, .. }) => {
            eprintln!("error: nothing answered at {base_url} — is the server running? ({message})");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
