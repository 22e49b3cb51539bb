//! A message URL served natively (axum): the same `Inbox` pipeline as the
//! node middleware, with node's HTTP server and the JS glue out of the path.
//! The host's handler is called only for deliveries that need it (not for
//! retries, the release check, unknown authorizers or rejected requests).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use tokio::sync::oneshot;

use super::pipeline::{Inbox, MessageQuery, Outcome, ReplyTicket};
use crate::error::{Error, Result};
use crate::model::BoxFut;
use crate::store::AuthorizerRecord;

/// WeChat's payloads are small; anything larger is refused.
const MAX_BODY: usize = 1 << 20;

/// The host's side: runs the handler, and hears what happened without it.
pub trait MessageHandler: Send + Sync + 'static {
    /// The handler's reply (buildReply's vocabulary; None = `success`). The
    /// host answers by the deadline itself (`success`, reply sent later).
    fn handle(&self, message: Map<String, Value>, authorizer_appid: String, authorizer: Option<AuthorizerRecord>) -> BoxFut<'static, Option<Value>>;
    /// `message_rejected`, `message_error`, `unknown_authorizer`.
    fn notice(&self, name: &'static str, authorizer_appid: Option<&str>, error: Option<&Error>);
}

pub struct MessageListener {
    addr: SocketAddr,
    shutdown: Mutex<Option<oneshot::Sender<()>>>,
    server: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

struct Shared {
    inbox: Arc<Inbox>,
    handler: Arc<dyn MessageHandler>,
    /// The longest the host's handler is waited for (its own deadline and a margin).
    wait: Duration,
}

/// The query's signature fields (WeChat's names; the rest ignored). Parsed
/// by hand: serde's extractor costs more than the rest of the routing.
fn query_of(uri: &Uri) -> MessageQuery {
    let mut q = MessageQuery::default();
    for (k, v) in url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
        let slot = match &*k {
            "signature" => &mut q.signature,
            "timestamp" => &mut q.timestamp,
            "nonce" => &mut q.nonce,
            "msg_signature" => &mut q.msg_signature,
            "encrypt_type" => &mut q.encrypt_type,
            "echostr" => &mut q.echostr,
            _ => continue,
        };
        *slot = Some(v.into_owned());
    }
    q
}

impl MessageListener {
    /// Listens on `host:port` (0: any free port). `wait`: how long a handler
    /// is waited for before `success` (the host should answer sooner).
    pub async fn start(inbox: Arc<Inbox>, handler: Arc<dyn MessageHandler>, host: &str, port: u16, wait: Duration) -> Result<MessageListener> {
        let listener = tokio::net::TcpListener::bind((host, port))
            .await
            .map_err(|e| Error::Other(format!("message URL: cannot listen on {host}:{port}: {e}")))?;
        let addr = listener.local_addr().map_err(|e| Error::Other(format!("message URL: {e}")))?;
        let shared = Arc::new(Shared { inbox, handler, wait });
        let app = axum::Router::new().fallback(serve).with_state(shared);
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).with_graceful_shutdown(async move { let _ = rx.await; }).await;
        });
        Ok(MessageListener { addr, shutdown: Mutex::new(Some(tx)), server: Mutex::new(Some(server)) })
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Stops accepting; answers the deliveries in progress, then returns.
    pub async fn close(&self) {
        if let Some(tx) = self.shutdown.lock().unwrap().take() {
            let _ = tx.send(());
        }
        let server = self.server.lock().unwrap().take();
        if let Some(s) = server {
            let _ = s.await;
        }
    }
}

/// The default route: `/…/<authorizer appid>/<last segment>`, or `/<appid>`.
fn appid_of(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let raw = match parts.len() {
        0 => return None,
        1 => parts[0],
        n => parts[n - 2],
    };
    Some(url::form_urlencoded::parse(format!("a={raw}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default())
}

async fn serve(State(s): State<Arc<Shared>>, method: Method, uri: Uri, body: Bytes) -> Response {
    let q = query_of(&uri);
    let appid = appid_of(uri.path());
    let result = match method {
        Method::GET | Method::HEAD => s.inbox.verify_url(&q),
        Method::POST if body.len() > MAX_BODY => return (StatusCode::PAYLOAD_TOO_LARGE, "message too large").into_response(),
        Method::POST => match String::from_utf8(body.to_vec()) {
            // Its own task: WeChat hanging up (after 5 s) must not cancel the
            // handler or the reply a retry is waiting for.
            Ok(text) => {
                let (shared, appid) = (s.clone(), appid.clone());
                tokio::spawn(async move { deliver(&shared, appid.as_deref(), &q, &text).await })
                    .await
                    .unwrap_or_else(|e| Err(Error::Other(format!("the delivery failed: {e}"))))
            }
            Err(_) => Err(Error::Parse("the body is not UTF-8".into())),
        },
        _ => return (StatusCode::METHOD_NOT_ALLOWED, "method not allowed").into_response(),
    };
    match result {
        Ok(body) => {
            let kind = if body.starts_with('<') { "application/xml; charset=utf-8" } else { "text/plain; charset=utf-8" };
            ([(header::CONTENT_TYPE, kind)], body).into_response()
        }
        // Forged, mis-signed, unsigned, other-appid or malformed: refused, nothing changed.
        Err(e @ (Error::Crypto(_) | Error::Parse(_) | Error::InvalidArgument { .. })) => {
            s.handler.notice("message_rejected", appid.as_deref(), Some(&e));
            let status = if matches!(e, Error::Crypto(_)) { StatusCode::UNAUTHORIZED } else { StatusCode::BAD_REQUEST };
            (status, "invalid message").into_response()
        }
        Err(e) => {
            s.handler.notice("message_error", appid.as_deref(), Some(&e));
            (StatusCode::INTERNAL_SERVER_ERROR, "error").into_response()
        }
    }
}

async fn deliver(s: &Shared, appid: Option<&str>, q: &MessageQuery, body: &str) -> Result<String> {
    let outcome = match s.inbox.receive_now(appid, q, body)? {
        Some(o) => o,
        None => s.inbox.receive(appid, q, body).await?,
    };
    let (message, ticket, authorizer): (Map<String, Value>, ReplyTicket, Option<AuthorizerRecord>) = match outcome {
        Outcome::Answer { body, notice } => {
            if notice == Some("unknown_authorizer") {
                s.handler.notice("unknown_authorizer", appid, None);
            }
            return Ok(body);
        }
        Outcome::Handle { message, ticket, authorizer } => (message, ticket, authorizer),
    };
    let reply = tokio::time::timeout(s.wait, s.handler.handle(message, ticket.scope.clone(), authorizer)).await.unwrap_or(None);
    match s.inbox.answer(&ticket, reply.as_ref()) {
        Ok(body) => Ok(body),
        Err(e) => {
            // A reply buildReply cannot make: `success`, and the host hears why.
            s.handler.notice("message_error", appid, Some(&e));
            s.inbox.answer(&ticket, None)
        }
    }
}
