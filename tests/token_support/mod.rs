//! For token cell tests: a small upstream that counts calls and can fail or
//! hang on request, a `Fetch` over HTTP (the crate's own WeChat transport),
//! and a TCP proxy in front of a database that can be taken down and up
//! (a database restart, without touching the shared server).
#![allow(dead_code)]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;
use wxthirdparty::model::Token;
use wxthirdparty::token::Fetch;
use wxthirdparty::wechat::Transport;

#[derive(Clone, Debug)]
pub enum Mode {
    /// Issue `tok-N` living `lifetime_ms`, after `delay_ms`.
    Ok { lifetime_ms: i64, delay_ms: u64 },
    /// HTTP 500 (transient).
    Http500,
    /// A WeChat error answer.
    Errcode(i64),
    /// Never answer.
    Hang,
}

#[derive(Clone)]
pub struct Upstream {
    pub url: String,
    pub calls: Arc<AtomicUsize>,
    mode: Arc<Mutex<Vec<Mode>>>,
}

impl Upstream {
    /// `modes`: one per call, the last repeats forever.
    pub async fn start(modes: Vec<Mode>) -> Upstream {
        let up = Upstream { url: String::new(), calls: Arc::default(), mode: Arc::new(Mutex::new(modes)) };
        let app = Router::new().route("/token", get(serve)).with_state(up.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Upstream { url, ..up }
    }
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
    pub fn set(&self, modes: Vec<Mode>) {
        *self.mode.lock().unwrap() = modes;
    }
}

async fn serve(State(up): State<Upstream>) -> Response {
    let n = up.calls.fetch_add(1, Ordering::SeqCst) + 1;
    let mode = {
        let mut m = up.mode.lock().unwrap();
        if m.len() > 1 {
            m.remove(0)
        } else {
            m[0].clone()
        }
    };
    match mode {
        Mode::Ok { lifetime_ms, delay_ms } => {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            Json(json!({"access_token": format!("tok-{n}"), "expires_in_ms": lifetime_ms})).into_response()
        }
        Mode::Http500 => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        Mode::Errcode(c) => Json(json!({"errcode": c, "errmsg": format!("error {c}")})).into_response(),
        Mode::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            StatusCode::GATEWAY_TIMEOUT.into_response()
        }
    }
}

/// Fetches `GET {base}/token` through the crate's WeChat transport.
pub struct HttpFetch {
    pub transport: Transport,
}

impl HttpFetch {
    pub fn new(base: &str) -> Arc<HttpFetch> {
        Arc::new(HttpFetch { transport: Transport::with_timeout(Some(base), Duration::from_secs(60)) })
    }
}

impl Fetch for HttpFetch {
    fn fetch<'a>(
        &'a self,
        _current: Option<&'a Token>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = wxthirdparty::Result<Token>> + Send + 'a>> {
        Box::pin(async move {
            let v: Value = self.transport.get("/token", &[]).await?;
            let now = now_ms();
            Ok(Token {
                value: v["access_token"].as_str().unwrap_or_default().to_owned(),
                expires_at_ms: now + v["expires_in_ms"].as_i64().unwrap_or(0),
                updated_at_ms: now,
                refresh_token: None,
                extra: None,
            })
        })
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

/// Forwards 127.0.0.1:<port> to a database; `down()` cuts every connection
/// and refuses new ones until `up()`.
pub struct Proxy {
    pub port: u16,
    up: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Proxy {
    pub async fn start(target: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let conns: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let (u, c) = (up.clone(), conns.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else { continue };
                if !u.load(Ordering::SeqCst) {
                    drop(inbound); // refused: the database is "down"
                    continue;
                }
                let target = target.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                c.lock().unwrap().push(task.abort_handle());
            }
        });
        Proxy { port, up, conns }
    }

    /// The database URL with its port replaced by the proxy's.
    pub fn url_for(&self, url: &str) -> String {
        let mut u = url::Url::parse(url).unwrap();
        u.set_port(Some(self.port)).unwrap();
        u.to_string()
    }

    pub fn down(&self) {
        self.up.store(false, Ordering::SeqCst);
        for c in self.conns.lock().unwrap().drain(..) {
            c.abort();
        }
    }

    pub fn up(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// `host:port` of a database URL.
pub fn host_port(url: &str) -> String {
    let u = url::Url::parse(url).unwrap();
    format!("{}:{}", u.host_str().unwrap(), u.port_or_known_default().unwrap_or(0))
}
