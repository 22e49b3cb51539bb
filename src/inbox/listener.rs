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

use super::pipeline::{Inbox, MessageQuery, Outcome, ReplyTicket};
use crate::error::{Error, Result};
use crate::http::{serve_tcp, Answer, Limits, Refusal, RequestTarget, Server, Subject};
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
    server: Mutex<Option<Server>>,
}

struct Shared {
    inbox: Arc<Inbox>,
    handler: Arc<dyn MessageHandler>,
    /// The longest the host's handler is waited for (its own deadline and a margin).
    wait: Duration,
}

impl MessageListener {
    /// Listens on `host:port` (0: any free port). `wait`: how long a handler
    /// is waited for before `success` (the host should answer sooner).
    /// `limits`: the connection timeouts and cap (src/http/serve.rs).
    pub async fn start(inbox: Arc<Inbox>, handler: Arc<dyn MessageHandler>, host: &str, port: u16, wait: Duration, limits: Limits) -> Result<MessageListener> {
        let listener = tokio::net::TcpListener::bind((host, port))
            .await
            .map_err(|e| Error::Other(format!("message URL: cannot listen on {host}:{port}: {e}")))?;
        let addr = listener.local_addr().map_err(|e| Error::Other(format!("message URL: {e}")))?;
        let shared = Arc::new(Shared { inbox, handler, wait });
        let app = axum::Router::new().fallback(serve).with_state(shared);
        let server = serve_tcp(listener, app, limits);
        Ok(MessageListener { addr, server: Mutex::new(Some(server)) })
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Stops accepting; answers the deliveries in progress, then returns.
    pub async fn close(&self) {
        let server = self.server.lock().unwrap().take();
        if let Some(s) = server {
            s.shutdown().await;
        }
    }
}

async fn serve(State(s): State<Arc<Shared>>, method: Method, uri: Uri, body: Bytes) -> Response {
    let target = RequestTarget::parse(uri.path_and_query().map_or("/", |p| p.as_str()));
    let appid = target.as_ref().ok().and_then(|t| t.route_appid()).map(str::to_owned);
    // The URL check's echo is the caller's own text: never served as markup.
    let echo = matches!(method, Method::GET | Method::HEAD);
    let result = match (method, target) {
        (_, Err(e)) => Err(e),
        (Method::GET | Method::HEAD, Ok(t)) => s.inbox.verify_url(&MessageQuery::from_target(&t)),
        (Method::POST, _) if body.len() > MAX_BODY => return answer(Answer::refusal(Refusal::TooLarge, Subject::Message)),
        (Method::POST, Ok(t)) => match String::from_utf8(body.to_vec()) {
            // Its own task: WeChat hanging up (after 5 s) must not cancel the
            // handler or the reply a retry is waiting for.
            Ok(text) => {
                let (shared, appid, q) = (s.clone(), appid.clone(), MessageQuery::from_target(&t));
                tokio::spawn(async move { deliver(&shared, appid.as_deref(), &q, &text).await })
                    .await
                    .unwrap_or_else(|e| Err(Error::Other(format!("the delivery failed: {e}"))))
            }
            Err(_) => Err(Error::Parse("the body is not UTF-8".into())),
        },
        _ => return answer(Answer::refusal(Refusal::MethodNotAllowed, Subject::Message)),
    };
    match result {
        Ok(body) => {
            let kind = if !echo && body.starts_with('<') { "application/xml; charset=utf-8" } else { "text/plain; charset=utf-8" };
            ([(header::CONTENT_TYPE, kind), (header::X_CONTENT_TYPE_OPTIONS, "nosniff")], body).into_response()
        }
        Err(e) => {
            let a = Answer::of_error(&e, Subject::Message);
            s.handler.notice(if a.rejected { "message_rejected" } else { "message_error" }, appid.as_deref(), Some(&e));
            answer(a)
        }
    }
}

/// The edge's answer as a response (README, "What WeChat is answered").
fn answer(a: Answer) -> Response {
    let status = StatusCode::from_u16(a.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::X_CONTENT_TYPE_OPTIONS, "nosniff")], a.body).into_response()
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
