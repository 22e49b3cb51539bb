//! The serve loop over real TCP (src/http/serve.rs): slow or silent clients
//! are closed by their timeout, the connection cap queues the rest, and a
//! normal request (kept alive) is still answered.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::routing::{get, post};
use axum::Router;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wxthirdparty::http::{serve_tcp, Limits, Server};

const SHORT: Duration = Duration::from_millis(300);
/// Far beyond every short limit: a connection still open by then was not closed by it.
const LONG: Duration = Duration::from_secs(60);

fn router() -> Router {
    Router::new()
        .route("/", get(|| async { "hello" }))
        .route("/echo", post(|b: Bytes| async move { format!("got {}", b.len()) }))
}

async fn start(limits: Limits) -> (Server, std::net::SocketAddr) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    (serve_tcp(l, router(), limits), addr)
}

fn limits(header_read: Duration, idle: Duration, body: Duration, max_connections: usize) -> Limits {
    Limits { header_read, idle, body, max_connections }
}

/// Reads until the server closes (Ok: what it sent) or `within` passes (Err).
async fn closed_within(s: &mut TcpStream, within: Duration) -> Result<String, String> {
    let mut got = Vec::new();
    let r = tokio::time::timeout(within, async {
        let mut buf = [0u8; 4096];
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    let text = String::from_utf8_lossy(&got).into_owned();
    match r {
        Ok(()) => Ok(text),
        Err(_) => Err(text),
    }
}

/// One response's bytes (Content-Length framed; our answers are small).
async fn read_response(s: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf)).await.expect("answered").unwrap();
        assert!(n > 0, "closed before answering: {}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let len: usize = text[..end]
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap()))
                .unwrap_or(0);
            if got.len() >= end + 4 + len {
                return text;
            }
        }
    }
}

#[tokio::test]
async fn a_normal_request_is_answered_and_kept_alive() {
    let (server, addr) = start(limits(SHORT, LONG, SHORT, 8)).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let first = read_response(&mut s).await;
    assert!(first.starts_with("HTTP/1.1 200") && first.ends_with("hello"), "{first}");
    s.write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nabcde").await.unwrap();
    let second = read_response(&mut s).await;
    assert!(second.starts_with("HTTP/1.1 200") && second.ends_with("got 5"), "{second}");
    server.shutdown().await;
}

#[tokio::test]
async fn partial_headers_are_closed_by_the_header_timeout() {
    let (server, addr) = start(limits(SHORT, LONG, LONG, 8)).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let t = Instant::now();
    let sent = closed_within(&mut s, Duration::from_secs(10)).await.expect("closed");
    assert!(!sent.contains("200"), "{sent}");
    assert!(t.elapsed() >= SHORT / 2, "closed before its timeout: {:?}", t.elapsed());
    server.shutdown().await;
}

#[tokio::test]
async fn headers_dripped_a_byte_at_a_time_are_still_cut_off() {
    // Bytes keep arriving (so the idle timeout never fires): the head's own deadline does.
    let (server, addr) = start(limits(SHORT, LONG, LONG, 8)).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    let t = Instant::now();
    let closed = loop {
        if s.write_all(b"X").await.is_err() {
            break true;
        }
        if t.elapsed() > Duration::from_secs(10) {
            break false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(closed || closed_within(&mut s, Duration::from_secs(5)).await.is_ok(), "a dripping head was never cut off");
    server.shutdown().await;
}

#[tokio::test]
async fn a_silent_connection_is_closed() {
    let (server, addr) = start(limits(LONG, SHORT, LONG, 8)).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    closed_within(&mut s, Duration::from_secs(10)).await.expect("a connection that sent nothing was kept open");
    server.shutdown().await;
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed() {
    let (server, addr) = start(limits(LONG, SHORT, LONG, 8)).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    assert!(read_response(&mut s).await.starts_with("HTTP/1.1 200"));
    let t = Instant::now();
    let rest = closed_within(&mut s, Duration::from_secs(10)).await.expect("the idle connection was kept open");
    assert_eq!(rest, "");
    assert!(t.elapsed() >= SHORT / 2, "closed before its timeout: {:?}", t.elapsed());
    server.shutdown().await;
}

#[tokio::test]
async fn a_declared_but_unsent_body_is_closed_by_the_body_timeout() {
    let (server, addr) = start(limits(LONG, LONG, SHORT, 8)).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly ten b").await.unwrap();
    let sent = closed_within(&mut s, Duration::from_secs(10)).await.expect("the stalled body was waited for");
    assert!(!sent.contains("got "), "the handler saw a whole body: {sent}");
    server.shutdown().await;
}

#[tokio::test]
async fn a_slow_handler_is_not_cut_off_by_the_idle_timeout() {
    let slow = Router::new().route("/", get(|| async {
        tokio::time::sleep(Duration::from_millis(900)).await;
        "late"
    }));
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let server = serve_tcp(l, slow, limits(SHORT, SHORT, SHORT, 8));
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let r = read_response(&mut s).await;
    assert!(r.ends_with("late"), "{r}");
    server.shutdown().await;
}

#[tokio::test]
async fn connections_over_the_cap_wait_until_a_slot_frees() {
    let (server, addr) = start(limits(LONG, LONG, LONG, 2)).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        assert!(read_response(&mut s).await.starts_with("HTTP/1.1 200"));
        held.push(s);
    }
    // The kernel completes the handshake; the server does not take it in.
    let mut third = TcpStream::connect(addr).await.unwrap();
    third.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut buf = [0u8; 64];
    let early = tokio::time::timeout(Duration::from_millis(700), third.read(&mut buf)).await;
    assert!(early.is_err(), "a third connection was served over a cap of 2");
    drop(held.pop());
    assert!(read_response(&mut third).await.starts_with("HTTP/1.1 200"));
    drop(held);
    server.shutdown().await;
}

#[tokio::test]
async fn shutdown_closes_idle_connections_and_returns() {
    let (server, addr) = start(limits(LONG, LONG, LONG, 8)).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    assert!(read_response(&mut s).await.starts_with("HTTP/1.1 200"));
    tokio::time::timeout(Duration::from_secs(10), server.shutdown()).await.expect("shutdown waited on an idle connection");
    closed_within(&mut s, Duration::from_secs(5)).await.expect("closed at shutdown");
    assert!(TcpStream::connect(addr).await.is_err(), "still accepting after shutdown");
}

#[tokio::test]
async fn a_kept_alive_connection_also_meets_the_header_timeout() {
    // hyper's head timer runs while a kept-alive connection waits for its next
    // request: an idle connection lasts min(idle, header_read).
    let (server, addr) = start(limits(SHORT, LONG, LONG, 8)).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    assert!(read_response(&mut s).await.starts_with("HTTP/1.1 200"));
    closed_within(&mut s, Duration::from_secs(10)).await.expect("closed by the head timer");
    server.shutdown().await;
}
