//! Issue 11 item 6: the serving loop bounds header, body and idle keep-alive reads (a
//! slowloris client cannot hold sockets open). Real sockets on 127.0.0.1:0; the bounds are short
//! so the server's timers fire quickly, and every wait has an outer bound that fails the test.

use std::time::Duration;

use api_http::{ServeConfig, run_with};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::helpers::TestApp;

/// Longer than any server bound below: past it, the server failed to close.
const OUTER: Duration = Duration::from_secs(10);

struct Server {
    addr: std::net::SocketAddr,
    _stop: tokio::sync::oneshot::Sender<()>,
    _app: TestApp,
}

async fn serve(config: ServeConfig) -> Server {
    let app = TestApp::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(run_with(
        listener,
        app.router(),
        async move {
            let _ = stopped.await;
        },
        config,
    ));
    Server {
        addr,
        _stop: stop,
        _app: app,
    }
}

fn short() -> ServeConfig {
    ServeConfig {
        header_read_timeout: Duration::from_millis(300),
        body_read_timeout: Duration::from_millis(300),
        request_timeout: Duration::from_secs(5),
    }
}

/// Reads until the server closes the connection; everything it sent.
async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let read = tokio::time::timeout(OUTER, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the server kept the connection open");
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn partial_headers_are_closed_after_the_header_timeout() {
    let server = serve(short()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        .await
        .unwrap();
    let answer = read_to_close(&mut stream).await;
    assert!(!answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed() {
    let server = serve(short()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    assert_eq!(read_to_close(&mut stream).await, "");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let server = serve(short()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let answer = read_to_close(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn a_stalled_body_is_answered_408_in_the_error_envelope() {
    let server = serve(short()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(
            b"POST /api/v1/verify-claim HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"account_id\":",
        )
        .await
        .unwrap();
    let answer = read_to_close(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"success\":false"), "{answer}");
    assert!(answer.contains("VALIDATION_ERROR"), "{answer}");
}

#[tokio::test]
async fn requests_still_carry_the_peer_address() {
    let server = serve(ServeConfig::default()).await;
    let client = reqwest::Client::new();
    let r = client
        .get(format!("http://{}/api/v1/platforms", server.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Per-IP limits see the peer: the 120-per-minute bucket counts this request.
    assert_eq!(r.headers()["x-ratelimit-remaining"], "119");
}
