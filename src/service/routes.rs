//! wetoken's routes and JSON, plus /healthz and /metrics.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Value};
use subtle::ConstantTimeEq;

use super::apps::{json_str, AppCells};
use super::request::{self, Call};
use super::Shared;
use crate::error::Error;
use crate::http::loopback_host;
use crate::model::Token;

/// Requests carry ids and a token at most; anything bigger is refused.
const MAX_BODY: usize = 4 * 1024;

type S = State<Arc<Shared>>;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    // One handler: src/service/request.rs decides what a request asks for
    // (pure, fuzzed), so no request gets an answer written by the framework.
    Router::new()
        .fallback(handle)
        .layer(middleware::from_fn_with_state(shared.clone(), guard))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(shared)
}

async fn handle(State(s): S, method: Method, uri: Uri, body: Result<Bytes, BytesRejection>) -> Response {
    let Ok(body) = body else {
        return reply(StatusCode::PAYLOAD_TOO_LARGE, 40097, "request body is over 4 KiB");
    };
    match request::parse(method.as_str(), uri.path(), uri.query(), &body, s.legacy_create_get) {
        Ok(Call::Create { appid, secret, platform }) => register(&s, &appid, &secret, platform).await,
        Ok(Call::TokenGet { appid }) => token_get(&s, &appid).await,
        Ok(Call::TicketGet { appid }) => ticket_get(&s, &appid).await,
        Ok(Call::TokenRefresh { appid, rejected }) => token_refresh(&s, &appid, &rejected).await,
        Ok(Call::Healthz) => healthz(&s).await,
        Ok(Call::Metrics) => metrics(&s),
        Err(r) => reply(StatusCode::from_u16(r.status).unwrap_or(StatusCode::BAD_REQUEST), r.errcode, &r.errmsg),
    }
}

fn reply(status: StatusCode, errcode: i64, errmsg: &str) -> Response {
    (status, axum::Json(json!({ "errcode": errcode, "errmsg": errmsg }))).into_response()
}

fn error_reply(e: &Error) -> Response {
    match e {
        Error::WeChat { code, .. } => reply(StatusCode::BAD_GATEWAY, *code, &e.to_string()),
        Error::InvalidArgument { .. } => reply(StatusCode::BAD_REQUEST, 40097, &e.to_string()),
        Error::NotFound(_) => reply(StatusCode::NOT_FOUND, 40013, &e.to_string()),
        Error::NotReady(_) => reply(StatusCode::SERVICE_UNAVAILABLE, -1, &e.to_string()),
        _ => reply(StatusCode::SERVICE_UNAVAILABLE, -1, &e.to_string()),
    }
}

/// Host (on a loopback bind), the per-address rate limit, then auth
/// (Bearer, constant-time): the client token, or the admin token for the
/// admin routes, which are off without one.
async fn guard(State(s): S, ConnectInfo(peer): ConnectInfo<SocketAddr>, req: Request, next: Next) -> Response {
    if s.loopback && !loopback_host(req.headers()) {
        // DNS rebinding: a page on evil.example resolved to 127.0.0.1.
        return reply(StatusCode::FORBIDDEN, 41001, "the Host header is not a loopback name (this service is bound to loopback)");
    }
    let forwarded: Vec<&str> = req.headers().get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
    if !s.limiter.allow(request::client_ip(peer.ip(), &forwarded, &s.trusted_proxies)) {
        return reply(StatusCode::TOO_MANY_REQUESTS, 45009, "rate limit reached");
    }
    match request::access(req.uri().path()) {
        request::Access::Open => {}
        request::Access::Client => {
            if let Some(expected) = &s.auth_token {
                if !bearer_ok(req.headers(), expected) {
                    return reply(StatusCode::UNAUTHORIZED, 41001, "missing or wrong Authorization: Bearer token");
                }
            }
        }
        request::Access::Admin => match &s.admin_token {
            None => return reply(StatusCode::FORBIDDEN, 41001, "admin routes are off: start the service with adminToken (--admin-token)"),
            Some(expected) if !bearer_ok(req.headers(), expected) => {
                return reply(StatusCode::UNAUTHORIZED, 41001, "missing or wrong Authorization: Bearer admin token");
            }
            Some(_) => {}
        },
    }
    next.run(req).await
}

/// `Bearer <token>`, the scheme in any case (RFC 7235).
fn bearer_ok(h: &HeaderMap, expected: &str) -> bool {
    let Some(v) = h.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Some((scheme, given)) = v.trim_start().split_once(' ') else {
        return false;
    };
    scheme.eq_ignore_ascii_case("bearer") && bool::from(given.trim().as_bytes().ct_eq(expected.as_bytes()))
}

async fn register(s: &Shared, appid: &str, secret: &str, platform: bool) -> Response {
    let r = if platform { s.apps.create_platform(appid, secret).await } else { s.apps.create(appid, secret).await };
    match r {
        Ok(()) => {
            super::log(if platform { "platform_created" } else { "app_created" }, &format!("\"appid\":{}", json_str(appid)));
            reply(StatusCode::OK, 0, "success")
        }
        Err(e) => error_reply(&e),
    }
}

fn token_reply(field: &str, t: &Token) -> Response {
    let now = crate::model::now_ms();
    let date = chrono::DateTime::from_timestamp_millis(t.expires_at_ms)
        .map(|d| d.with_timezone(&chrono::Local).format("%Y%m%d%H%M%S").to_string())
        .unwrap_or_default();
    let mut body = json!({ "errcode": 0, "errmsg": "success", "expires_in": t.expires_in_secs(now), "expires_date": date });
    body[field] = Value::String(t.value.clone());
    ([(header::CACHE_CONTROL, "no-store")], axum::Json(body)).into_response()
}

fn unknown(appid: &str) -> Response {
    reply(StatusCode::NOT_FOUND, 40013, &format!("appid {appid} is not registered with this token service"))
}

/// The cells behind `appid`, or the answer for an unknown one / a store error.
async fn cells(s: &Shared, appid: &str) -> Result<Arc<AppCells>, Response> {
    match s.apps.get(appid).await {
        Ok(Some(c)) => Ok(c),
        Ok(None) => Err(unknown(appid)),
        Err(e) => Err(error_reply(&e)),
    }
}

/// Counts and answers a token (`field` is "access_token" or "ticket").
fn served(s: &Shared, field: &'static str, r: crate::error::Result<Token>) -> Response {
    match r {
        Ok(t) => {
            s.metrics.served(field);
            token_reply(field, &t)
        }
        Err(e) => error_reply(&e),
    }
}

async fn token_get(s: &Shared, appid: &str) -> Response {
    match cells(s, appid).await {
        Ok(c) => served(s, "access_token", c.token.get().await),
        Err(r) => r,
    }
}

async fn ticket_get(s: &Shared, appid: &str) -> Response {
    let c = match cells(s, appid).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match &c.ticket {
        Some(ticket) => served(s, "ticket", ticket.get().await),
        None => error_reply(&Error::NotFound(format!("{appid} is a platform: it has no jsapi ticket"))),
    }
}

async fn token_refresh(s: &Shared, appid: &str, failed: &str) -> Response {
    match cells(s, appid).await {
        Ok(c) => served(s, "access_token", s.apps.refresh(&c, failed).await),
        Err(r) => r,
    }
}

async fn healthz(s: &Shared) -> Response {
    match s.store.list_apps().await {
        Ok(apps) => (StatusCode::OK, axum::Json(json!({ "status": "ok", "store": "ok", "apps": apps.len() }))).into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, axum::Json(json!({ "status": "unavailable", "store": e.to_string() }))).into_response(),
    }
}

fn metrics(s: &Shared) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], s.metrics.render(&s.apps.owner_id())).into_response()
}

/// A fixed one-second window per client address.
pub(crate) struct Limiter {
    per_sec: u32,
    seen: Mutex<(i64, HashMap<IpAddr, u32>)>,
}

impl Limiter {
    pub fn new(per_sec: u32) -> Limiter {
        Limiter { per_sec, seen: Mutex::default() }
    }

    fn allow(&self, ip: IpAddr) -> bool {
        if self.per_sec == 0 {
            return true;
        }
        let sec = crate::model::now_ms() / 1000;
        let mut g = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if g.0 != sec {
            *g = (sec, HashMap::new());
        }
        let n = g.1.entry(ip).or_default();
        *n += 1;
        *n <= self.per_sec
    }
}
