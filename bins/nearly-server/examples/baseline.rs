//! The benchmark's baseline: a bare axum server (no middleware, no state, no logging) that
//! answers every request, any method and path, with the same fixed body: the bytes of the
//! response being measured, so both sides send the same number of bytes. Request bodies are
//! read in full and dropped.
//!
//! Run: `cargo run --release -p nearly-server --example baseline -- ADDR BODY_FILE`.

use axum::body::Bytes;
use axum::http::header;
use axum::response::IntoResponse;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut argv = std::env::args().skip(1);
    let addr = argv.next().ok_or("usage: baseline ADDR BODY_FILE")?;
    let file = argv.next().ok_or("usage: baseline ADDR BODY_FILE")?;
    let body = Bytes::from(std::fs::read(&file)?);
    let app = axum::Router::new().fallback(move |_request: Bytes| {
        let body = body.clone();
        async move { ([(header::CONTENT_TYPE, "application/json")], body).into_response() }
    });
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!(
        "baseline: {} bytes on {addr}",
        std::fs::metadata(&file)?.len()
    );
    axum::serve(listener, app).await?;
    Ok(())
}
