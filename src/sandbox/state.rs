//! The sandbox's whole world behind one lock, the request/reply shapes the
//! endpoint handlers share, and the token check every endpoint uses.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::account_data::Account;
use super::config::{ComponentRegistration, InvalidTokenCall, PushRecord, RecordedCall, SandboxConfig};
use super::faults::Faults;
use super::tokens::{reject_errcode, Issue, Kind, TokenRec, Tokens};
use crate::crypto::MsgCrypt;

/// Log sizes are capped so a long-running sandbox stays small.
const LOG_CAP: usize = 10_000;

pub(crate) struct Shared {
    pub state: Mutex<State>,
    pub http: reqwest::Client,
    pub url: String,
    pub port: u16,
}

impl Shared {
    pub fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking handler must not wedge the sandbox for every later test.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub(crate) struct Component {
    pub reg: ComponentRegistration,
    pub crypt: MsgCrypt,
    /// Pushed component_verify_tickets with the time they were pushed.
    pub tickets: Vec<(String, f64)>,
    pub authorizations: BTreeMap<String, Authorization>,
}

pub(crate) struct Authorization {
    pub refresh_token: String,
    pub func_info: Vec<i64>,
    pub auth_time: f64,
    pub revoked: bool,
    pub options: BTreeMap<String, String>,
}

pub(crate) struct State {
    pub cfg: SandboxConfig,
    /// Seconds added to the wall clock (control: advance).
    pub clock_offset: f64,
    pub components: BTreeMap<String, Component>,
    /// Own credentials: appid → appsecret.
    pub apps: HashMap<String, String>,
    pub accounts: HashMap<String, Account>,
    pub tokens: Tokens,
    pub counters: BTreeMap<String, u64>,
    /// Calls per path that succeeded (for token endpoints: credentials issued).
    pub issued: BTreeMap<String, u64>,
    pub invalid_calls: Vec<InvalidTokenCall>,
    pub faults: Faults,
    pub recorded: Vec<RecordedCall>,
    pub requests: Vec<super::requests::ReceivedRequest>,
    /// Open-platform account of each official account (appid → open_appid).
    pub open_accounts: HashMap<String, String>,
    /// Every open-platform account created (it outlives unbinding).
    pub open_platforms: std::collections::HashSet<String>,
    pub pushes: Vec<PushRecord>,
    /// Message URLs and messages sent to them.
    pub messages: super::message_log::MessageBook,
    /// Mini programs and the platforms' mini-program data.
    pub wxa: super::wxa::WxaBook,
}

impl State {
    pub fn new(cfg: SandboxConfig) -> Self {
        State {
            cfg,
            clock_offset: 0.0,
            components: BTreeMap::new(),
            apps: HashMap::new(),
            accounts: HashMap::new(),
            tokens: Tokens::default(),
            counters: BTreeMap::new(),
            issued: BTreeMap::new(),
            invalid_calls: Vec::new(),
            faults: Faults::default(),
            recorded: Vec::new(),
            requests: Vec::new(),
            open_accounts: HashMap::new(),
            open_platforms: Default::default(),
            pushes: Vec::new(),
            messages: Default::default(),
            wxa: Default::default(),
        }
    }

    /// Unix seconds on the sandbox clock.
    pub fn now(&self) -> f64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0) + self.clock_offset
    }

    pub fn now_ms(&self) -> u64 {
        (self.now() * 1000.0) as u64
    }

    pub fn issue(&mut self, req: Issue<'_>) -> String {
        let now = self.now();
        if self.tokens.len() > 50_000 {
            self.tokens.sweep(now, self.cfg.grace_secs);
        }
        self.tokens.issue(req, now)
    }

    /// Checks the credential in query parameter `param` (or `access_token`)
    /// against `kinds`; a refusal is logged and turned into WeChat's answer.
    pub fn auth(&mut self, req: &Req, param: &str, kinds: &[Kind], appid: Option<&str>) -> Result<TokenRec, Reply> {
        let Some(value) = req.q(param).or_else(|| req.q("access_token")).filter(|v| !v.is_empty()) else {
            return Err(Reply::err(41001, &format!("{param} missing")));
        };
        let now = self.now();
        let checked = self.tokens.check(value, kinds, appid, now, self.cfg.grace_secs).map(Clone::clone);
        checked.map_err(|rej| {
            self.log_invalid(&req.path, rej.reason, rej.appid);
            let (code, msg) = reject_errcode(rej.reason);
            Reply::err(code, msg)
        })
    }

    pub fn log_invalid(&mut self, path: &str, reason: &str, appid: Option<String>) {
        let at = self.now_ms();
        push_capped(&mut self.invalid_calls, InvalidTokenCall { path: path.to_owned(), reason: reason.to_owned(), appid, at });
    }

    pub fn log_request(&mut self, method: &str, req: &Req) {
        let at = self.now_ms();
        push_capped(&mut self.requests, super::requests::ReceivedRequest::of(method, &req.path, &req.query, &req.body, &req.content_type, at));
    }

    pub fn record(&mut self, path: &str, appid: Option<&str>, body: Value) {
        let at = self.now_ms();
        push_capped(&mut self.recorded, RecordedCall { path: path.to_owned(), appid: appid.map(str::to_owned), body, at });
    }

    /// The account data of `appid`, created on first use.
    pub fn account(&mut self, appid: &str) -> &mut Account {
        let followers = self.cfg.default_followers;
        self.accounts.entry(appid.to_owned()).or_insert_with(|| Account::generate(appid, None, followers))
    }
}

pub(crate) fn push_capped<T>(log: &mut Vec<T>, item: T) {
    if log.len() >= LOG_CAP {
        log.drain(..LOG_CAP / 10);
    }
    log.push(item);
}

/// One WeChat call as the handlers see it.
pub(crate) struct Req {
    pub path: String,
    pub query: HashMap<String, String>,
    pub body: Bytes,
    pub content_type: String,
}

impl Req {
    pub fn q(&self, name: &str) -> Option<&str> {
        self.query.get(name).map(String::as_str)
    }

    /// The JSON body; WeChat answers 47001 to anything else.
    pub fn json(&self) -> Result<Value, Reply> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(json!({}));
        }
        serde_json::from_slice::<Value>(&self.body)
            .ok()
            .filter(Value::is_object)
            .ok_or_else(|| Reply::err(47001, "data format error"))
    }
}

/// A JSON field as a string, accepting numbers too (WeChat is lenient).
pub(crate) fn s(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(crate) fn int(v: &Value, key: &str) -> Option<i64> {
    match v.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// WeChat's integer `expires_in` for a lifetime; never 0 so clients don't spin.
pub(crate) fn expires_in(secs: f64) -> i64 {
    (secs.floor() as i64).max(1)
}

pub(crate) enum Reply {
    Json(Value),
    Raw { status: StatusCode, content_type: String, body: Vec<u8>, filename: Option<String> },
    Redirect(String),
}

impl Reply {
    pub fn ok() -> Reply {
        Reply::Json(json!({"errcode": 0, "errmsg": "ok"}))
    }
    pub fn err(code: i64, msg: &str) -> Reply {
        Reply::Json(json!({"errcode": code, "errmsg": msg}))
    }
    /// `{errcode: 0, errmsg: "ok", ...fields}`
    pub fn ok_with(fields: Value) -> Reply {
        let mut v = json!({"errcode": 0, "errmsg": "ok"});
        if let (Some(o), Value::Object(f)) = (v.as_object_mut(), fields) {
            o.extend(f);
        }
        Reply::Json(v)
    }
}

impl Reply {
    /// WeChat would call it a success: errcode 0 (or none), a file, a redirect.
    pub fn is_success(&self) -> bool {
        match self {
            Reply::Json(v) => v.get("errcode").and_then(Value::as_i64).unwrap_or(0) == 0,
            Reply::Raw { status, .. } => status.is_success(),
            Reply::Redirect(_) => true,
        }
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        match self {
            // WeChat answers JSON as text/plain; clients must not rely on the type.
            Reply::Json(v) => {
                let mut r = (StatusCode::OK, v.to_string()).into_response();
                r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; encoding=utf-8"));
                r
            }
            Reply::Raw { status, content_type, body, filename } => {
                let mut r = (status, body).into_response();
                if let Ok(v) = HeaderValue::from_str(&content_type) {
                    r.headers_mut().insert(header::CONTENT_TYPE, v);
                }
                if let Some(name) = filename.and_then(|n| HeaderValue::from_str(&format!("attachment; filename=\"{n}\"")).ok()) {
                    r.headers_mut().insert(header::CONTENT_DISPOSITION, name);
                }
                r
            }
            Reply::Redirect(to) => {
                let mut r = StatusCode::FOUND.into_response();
                if let Ok(v) = HeaderValue::from_str(&to) {
                    r.headers_mut().insert(header::LOCATION, v);
                }
                r
            }
        }
    }
}

/// Short-circuits a handler on a `Result<_, Reply>`.
macro_rules! tri {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(reply) => return reply,
        }
    };
}
pub(crate) use tri;
