//! Follows a neardata server and prints the `__fastdata_kv` writes of one namespace.
//!
//! ```sh
//! cargo run -p neardata-client --example tail -- https://mainnet.neardata.xyz contextual.near
//! ```
//!
//! Starts at the newest final block; stops after 20 blocks.

use std::sync::Arc;

use neardata_client::{BlockSource, Cursor, HttpConfig, HttpNeardata, Tailer, TailerConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "https://mainnet.neardata.xyz".into());
    let namespace = args.next().unwrap_or_else(|| "contextual.near".into());
    let source = Arc::new(HttpNeardata::new(&url, HttpConfig::default())?);
    let tip = source.final_height().await?;
    println!("final tip {tip}");
    let mut tailer = Tailer::new(source, TailerConfig::new(namespace), Cursor::after(tip));
    for _ in 0..20 {
        let block = tailer.next().await?;
        println!(
            "block {} at {} ns: {} writes, {:?}",
            block.height,
            block.block_timestamp_ns,
            block.writes.len(),
            block.stats
        );
        for w in &block.writes {
            println!("  {} {} = {:?}", w.predecessor, w.key, w.value);
        }
    }
    Ok(())
}
