//! wetoken's routes and JSON, plus /healthz and /metrics.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use subtle::ConstantTimeEq;

use super::apps::{json_str, AppCells};
use super::Shared;
use crate::error::Error;
use crate::token::Token;

/// Requests carry ids and a token at most; anything bigger is refused.
const MAX_BODY: usize = 4 * 1024;

type S = State<Arc<Shared>>;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/wechat/app/create", get(create).post(create))
        .route("/wechat/platform/create", get(create_platform).post(create_platform))
        .route("/{appid}/wechat/token/get", get(token_get))
        .route("/{appid}/wechat/ticket/get", get(ticket_get))
        .route("/{appid}/wechat/token/refresh", post(token_refresh))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .fallback(|| async { reply(StatusCode::NOT_FOUND, 404, "no such route") })
        .layer(middleware::from_fn_with_state(shared.clone(), guard))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(shared)
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

/// Auth (Bearer, constant-time) and the per-address rate limit.
async fn guard(State(s): S, ConnectInfo(peer): ConnectInfo<SocketAddr>, req: Request, next: Next) -> Response {
    if !s.limiter.allow(peer.ip()) {
        return reply(StatusCode::TOO_MANY_REQUESTS, 45009, "rate limit reached");
    }
    if let Some(expected) = &s.auth_token {
        if req.uri().path() != "/healthz" && !bearer_ok(req.headers(), expected) {
            return reply(StatusCode::UNAUTHORIZED, 41001, "missing or wrong Authorization: Bearer token");
        }
    }
    next.run(req).await
}

fn bearer_ok(h: &HeaderMap, expected: &str) -> bool {
    let Some(given) = h.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")) else {
        return false;
    };
    bool::from(given.trim().as_bytes().ct_eq(expected.as_bytes()))
}

async fn create(State(s): S, Query(q): Query<HashMap<String, String>>) -> Response {
    register(&s, &q, false).await
}

async fn create_platform(State(s): S, Query(q): Query<HashMap<String, String>>) -> Response {
    register(&s, &q, true).await
}

async fn register(s: &Shared, q: &HashMap<String, String>, platform: bool) -> Response {
    let (Some(appid), Some(secret)) = (q.get("appid"), q.get("secret")) else {
        return reply(StatusCode::BAD_REQUEST, 40097, "appid and secret are required");
    };
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
    let now = crate::api::now_ms();
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

async fn token_get(State(s): S, Path(appid): Path<String>) -> Response {
    match cells(&s, &appid).await {
        Ok(c) => served(&s, "access_token", c.token.get().await),
        Err(r) => r,
    }
}

async fn ticket_get(State(s): S, Path(appid): Path<String>) -> Response {
    let c = match cells(&s, &appid).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match &c.ticket {
        Some(ticket) => served(&s, "ticket", ticket.get().await),
        None => error_reply(&Error::NotFound(format!("{appid} is a platform: it has no jsapi ticket"))),
    }
}

/// The rejected token: `?access_token=`, or a JSON / form body with `access_token`.
fn rejected_token(q: &HashMap<String, String>, body: &[u8]) -> Option<String> {
    if let Some(t) = q.get("access_token") {
        return Some(t.clone());
    }
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        return v.get("access_token").and_then(Value::as_str).map(str::to_owned);
    }
    url::form_urlencoded::parse(body).find(|(k, _)| k == "access_token").map(|(_, v)| v.into_owned())
}

async fn token_refresh(State(s): S, Path(appid): Path<String>, Query(q): Query<HashMap<String, String>>, body: Bytes) -> Response {
    let Some(failed) = rejected_token(&q, &body).filter(|t| !t.is_empty()) else {
        return reply(StatusCode::BAD_REQUEST, 40097, "access_token (the token WeChat rejected) is required");
    };
    match cells(&s, &appid).await {
        Ok(c) => served(&s, "access_token", s.apps.refresh(&c, &failed).await),
        Err(r) => r,
    }
}

async fn healthz(State(s): S) -> Response {
    match s.store.list_apps().await {
        Ok(apps) => (StatusCode::OK, axum::Json(json!({ "status": "ok", "store": "ok", "apps": apps.len() }))).into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, axum::Json(json!({ "status": "unavailable", "store": e.to_string() }))).into_response(),
    }
}

async fn metrics(State(s): S) -> Response {
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
        let sec = crate::api::now_ms() / 1000;
        let mut g = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if g.0 != sec {
            *g = (sec, HashMap::new());
        }
        let n = g.1.entry(ip).or_default();
        *n += 1;
        *n <= self.per_sec
    }
}
