//! The HTTP side: connections that can be reset on purpose, and
//! the one handler every WeChat path goes through (count, fault, route).

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::config::Fault;
use super::faults::errmsg;
use super::state::{Reply, Req, Shared};
use super::{account, component, content, longtail, oauth, open};

/// Media uploads are small in tests; WeChat caps video at 10 MB.
const BODY_LIMIT: usize = 20 * 1024 * 1024;

/// A connection the handler can order reset (Fault::Reset).
pub(crate) struct Conn {
    inner: TcpStream,
    kill: Arc<AtomicBool>,
}

impl Conn {
    fn killed(&self) -> bool {
        if self.kill.load(Ordering::Relaxed) {
            // SO_LINGER 0: closing sends RST instead of FIN; with 0 it does not block.
            #[allow(deprecated)]
            let _ = self.inner.set_linger(Some(Duration::ZERO));
            true
        } else {
            false
        }
    }
}

fn reset_err() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionReset, "sandbox fault: connection reset")
}

impl AsyncRead for Conn {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        if self.killed() {
            return Poll::Ready(Err(reset_err()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Conn {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.killed() {
            return Poll::Ready(Err(reset_err()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.killed() {
            return Poll::Ready(Err(reset_err()));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Lets a handler reset the connection its request came on.
#[derive(Clone)]
pub(crate) struct ConnHandle(Arc<AtomicBool>);

/// An accepted socket as the sandbox serves it: resettable on purpose.
pub(crate) fn wrap(inner: TcpStream, _peer: SocketAddr) -> (Conn, ConnHandle) {
    let kill = Arc::new(AtomicBool::new(false));
    (Conn { inner, kill: kill.clone() }, ConnHandle(kill))
}

pub(crate) fn parse_query(q: Option<&str>) -> HashMap<String, String> {
    url::form_urlencoded::parse(q.unwrap_or("").as_bytes()).into_owned().collect()
}

/// Every WeChat path: count the call, apply a fault if one is due, route.
pub(crate) async fn wechat(State(shared): State<Arc<Shared>>, ConnectInfo(conn): ConnectInfo<ConnHandle>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();
    let fault = {
        let mut st = shared.lock();
        *st.counters.entry(path.clone()).or_default() += 1;
        st.faults.take(&path)
    };
    match fault {
        Some(Fault::Errcode(code)) => return Reply::err(code, errmsg(code)).into_response(),
        Some(Fault::ImageErrcode(code)) => {
            let body = serde_json::json!({"errcode": code, "errmsg": errmsg(code)}).to_string().into_bytes();
            return Reply::Raw { status: StatusCode::OK, content_type: "image/jpeg".into(), body, filename: None }.into_response();
        }
        Some(Fault::Http500) => return (StatusCode::INTERNAL_SERVER_ERROR, "system error").into_response(),
        Some(Fault::Reset) => {
            conn.0.store(true, Ordering::Relaxed);
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
        Some(Fault::DelayMs(ms)) => tokio::time::sleep(Duration::from_millis(ms)).await,
        Some(Fault::LoseAnswer) | None => {}
    }
    let body = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(b) => b,
        Err(_) => return Reply::err(45002, "content size out of limit").into_response(),
    };
    let content_type = parts
        .headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let req = Req { query: parse_query(parts.uri.query()), path, body, content_type };
    shared.lock().log_request(parts.method.as_str(), &req);
    let reply = route(&shared, &req).await;
    if fault == Some(Fault::LoseAnswer) {
        conn.0.store(true, Ordering::Relaxed);
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    if reply.is_success() {
        *shared.lock().issued.entry(req.path).or_default() += 1;
    }
    reply.into_response()
}

async fn route(shared: &Shared, req: &Req) -> Reply {
    let path = req.path.as_str();
    if let Some(name) = path.strip_prefix("/cgi-bin/component/") {
        if name.starts_with("api_") {
            return component::handle(shared, req, name).await;
        }
    }
    if path == "/cgi-bin/componentloginpage" || path == "/safe/bindcomponent" {
        return component::login_page(shared, req).await;
    }
    if let Some(reply) = super::wxa_review::handle(shared, req).await {
        return reply;
    }
    if let Some(reply) = account::handle(shared, req) {
        return reply;
    }
    if let Some(reply) = content::handle(shared, req) {
        return reply;
    }
    if let Some(reply) = oauth::handle(shared, req) {
        return reply;
    }
    if let Some(reply) = open::handle(shared, req) {
        return reply;
    }
    if let Some(reply) = longtail::handle(shared, req) {
        return reply;
    }
    Reply::Raw {
        status: StatusCode::NOT_FOUND,
        content_type: "application/json".into(),
        body: serde_json::json!({"errcode": 404, "errmsg": format!("the sandbox has no endpoint {path}")}).to_string().into_bytes(),
        filename: None,
    }
}
