//! The sandbox: a local WeChat for tests, demos and newcomers.
//!
//! It issues and expires credentials with WeChat's rules, pushes encrypted
//! component_verify_tickets and authorization events, simulates an admin
//! authorizing a platform, serves the official-account endpoints, counts
//! calls, logs refused tokens and injects faults. Everything it offers from
//! Rust is also reachable over HTTP under `/__sandbox/` (see `control.rs`),
//! so a test in another process can drive it, and in process through the
//! same routes (`Sandbox::control`, see `local.rs`).

mod account;
mod account_data;
mod component;
mod config;
mod content;
mod control;
mod control_messages;
mod control_request;
mod faults;
mod http;
mod blacklist;
mod local;
mod longtail;
mod open;
mod requests;
mod message_log;
mod messages;
mod oauth;
mod push;
mod release_check;
mod state;
mod tokens;
mod wxa;
mod wxa_auth;
mod wxa_image;
mod wxa_review;
mod wxa_code;
mod wxa_platform;
mod wxa_settings;
mod control_wxa;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use requests::ReceivedRequest;
pub use config::{
    AuthorizeOptions, Authorized, ComponentRegistration, Fault, InvalidTokenCall, Lifetimes, PushRecord, RecordedCall,
    SandboxConfig,
};

pub(crate) use config::from_json;
pub use local::{Control, ControlAnswer};
pub use message_log::{MessageAttempt, MessageDelivery};
pub use messages::SendOptions;
pub use release_check::{ReleaseCase, ReleaseReport};
pub use wxa::{FastRegisterScript, Quota, Reviewer, WxaEvent};

use crate::crypto::MsgCrypt;
use crate::error::{Error, Result};
use state::{Component, Shared, State};
use tokens::Kind;

/// The reserved path prefix of the control API.
pub const CONTROL_PREFIX: &str = "/__sandbox";

/// The paths the sandbox serves generically (token checked, body recorded,
/// `{errcode: 0}` plus the fields a client reads).
pub fn generic_paths() -> Vec<&'static str> {
    longtail::paths().collect()
}

/// A running sandbox. Clones share it; `close()` stops it (dropping the last
/// clone stops it too).
#[derive(Clone)]
pub struct Sandbox {
    shared: Arc<Shared>,
    life: Arc<Life>,
}

/// The server and pusher tasks; only the handle `start` returned owns them.
#[derive(Default)]
struct Life {
    shutdown: Mutex<Option<oneshot::Sender<()>>>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl Drop for Life {
    fn drop(&mut self) {
        for t in self.tasks.get_mut().unwrap_or_else(|e| e.into_inner()).drain(..) {
            t.abort();
        }
    }
}

/// An OAuth `code` (or mini-program `js_code`) as if a user had consented.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserCode {
    pub code: String,
    pub openid: String,
    /// For a js_code, what the mini-program client holds: the session key
    /// and the user's profile as `wx.getUserProfile` gives it, encrypted.
    #[serde(flatten, skip_serializing_if = "Option::is_none", default)]
    pub client: Option<MiniProgramClient>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MiniProgramClient {
    pub session_key: String,
    pub encrypted_data: String,
    pub iv: String,
}

impl Sandbox {
    /// Binds `cfg.host:cfg.port` (0 = any free port) and starts serving.
    pub async fn start(cfg: SandboxConfig) -> Result<Sandbox> {
        let listener = tokio::net::TcpListener::bind((cfg.host.as_str(), cfg.port))
            .await
            .map_err(|e| Error::Other(format!("sandbox: cannot listen on {}:{}: {e}", cfg.host, cfg.port)))?;
        let addr = listener.local_addr().map_err(|e| Error::Other(format!("sandbox: {e}")))?;
        let host = if addr.ip().is_unspecified() { "127.0.0.1".to_owned() } else { addr.ip().to_string() };
        let host = if host.contains(':') { format!("[{host}]") } else { host };
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| Error::Other(format!("sandbox: http client: {e}")))?;
        let url = format!("http://{host}:{}", addr.port());
        let shared = Arc::new(Shared { state: Mutex::new(State::new(cfg)), http, url, port: addr.port() });

        let app = axum::Router::new()
            .nest(CONTROL_PREFIX, control::router())
            .fallback(http::wechat)
            .with_state(shared.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let (stop, server) = crate::http::serve(listener, app, crate::http::Limits::default(), http::wrap).into_parts();
        tokio::spawn(async move {
            let _ = rx.await;
            let _ = stop.send(true);
        });
        let pusher = tokio::spawn(periodic_pushes(Arc::downgrade(&shared)));
        let life = Life { shutdown: Mutex::new(Some(tx)), tasks: Mutex::new(vec![server, pusher]) };
        Ok(Sandbox { shared, life: Arc::new(life) })
    }

    /// A handle for the control API: same sandbox, owns no tasks.
    pub(crate) fn from_shared(shared: Arc<Shared>) -> Sandbox {
        Sandbox { shared, life: Arc::default() }
    }

    /// `http://host:port`, the `apiBase` to give clients.
    pub fn url(&self) -> String {
        self.shared.url.clone()
    }

    pub fn port(&self) -> u16 {
        self.shared.port
    }

    /// Stops listening and the periodic pushes. Idempotent.
    pub async fn close(&self) {
        let tx = self.life.shutdown.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(tx) = tx {
            let _ = tx.send(());
        }
        let tasks: Vec<JoinHandle<()>> = self.life.tasks.lock().unwrap_or_else(|e| e.into_inner()).drain(..).collect();
        let mut tasks = tasks.into_iter();
        // The server first: idle keep-alive connections close at once, a delayed request gets a moment.
        if let Some(mut server) = tasks.next() {
            if tokio::time::timeout(Duration::from_millis(500), &mut server).await.is_err() {
                server.abort();
            }
        }
        // The pusher never ends by itself.
        tasks.for_each(|t| t.abort());
    }

    fn st(&self) -> std::sync::MutexGuard<'_, State> {
        self.shared.lock()
    }

    pub fn config(&self) -> SandboxConfig {
        self.st().cfg.clone()
    }

    /// Replaces the rules (lifetimes, grace, …); host and port stay as started.
    pub fn set_config(&self, cfg: SandboxConfig) {
        let mut st = self.st();
        let (host, port) = (st.cfg.host.clone(), st.cfg.port);
        st.cfg = SandboxConfig { host, port, ..cfg };
    }

    /// Merges `patch` (any subset of the config's JSON, lifetimes field by
    /// field) into the rules; returns the new config.
    pub fn update_config(&self, patch: serde_json::Value) -> Result<SandboxConfig> {
        let mut current = serde_json::to_value(self.config()).map_err(|e| Error::Other(e.to_string()))?;
        control_request::merge(&mut current, patch);
        let cfg: SandboxConfig = from_json(current).map_err(|m| Error::invalid("config", m))?;
        self.set_config(cfg);
        Ok(self.config())
    }

    /// Registers (or replaces) a third-party platform.
    pub fn register_component(&self, c: ComponentRegistration) -> Result<()> {
        if c.appid.is_empty() {
            return Err(Error::invalid("appid", "must be a non-empty string"));
        }
        if c.secret.is_empty() {
            return Err(Error::invalid("secret", "must be a non-empty string"));
        }
        let crypt = MsgCrypt::new(&c.token, &c.encoding_aes_key, &c.appid)?;
        let mut st = self.st();
        let (tickets, authorizations) = match st.components.remove(&c.appid) {
            Some(old) => (old.tickets, old.authorizations),
            None => Default::default(),
        };
        st.components.insert(c.appid.clone(), Component { reg: c, crypt, tickets, authorizations });
        Ok(())
    }

    /// Registers an official account / mini program's own credentials
    /// (cgi-bin/token, stable_token, sns/*).
    pub fn register_app(&self, appid: &str, secret: &str) {
        let mut st = self.st();
        st.apps.insert(appid.to_owned(), secret.to_owned());
        st.account(appid);
    }

    /// Sets how many followers `appid` has (generated, deterministic).
    pub fn set_followers(&self, appid: &str, count: usize) {
        self.st().account(appid).set_followers(count);
    }

    /// The openids of `appid`'s followers, in /cgi-bin/user/get order.
    pub fn followers(&self, appid: &str) -> Vec<String> {
        self.st().account(appid).users.iter().map(|u| u.openid.clone()).collect()
    }

    /// Pushes a fresh component_verify_ticket to the component's push_url
    /// (encrypted, signed, as WeChat does) and returns the ticket. Without a
    /// push_url the ticket is only stored, so api_component_token accepts it.
    pub async fn push_ticket(&self, component_appid: &str) -> Result<String> {
        component::push_ticket(&self.shared, component_appid).await
    }

    /// Simulates an admin authorizing the platform; `opts.push` also sends
    /// the authorized / updateauthorized event.
    pub async fn authorize(&self, component_appid: &str, opts: AuthorizeOptions) -> Result<Authorized> {
        component::authorize(&self.shared, component_appid, opts).await
    }

    /// Sends `component_verify_ticket`, `authorized`, `updateauthorized` or
    /// `unauthorized` (which also revokes the authorization and its tokens).
    pub async fn push_event(&self, component_appid: &str, info_type: &str, authorizer_appid: &str) -> Result<()> {
        component::push_event(&self.shared, component_appid, info_type, authorizer_appid).await
    }

    /// An OAuth code for `appid` as if a user consented (`openid`: a follower's
    /// when None). `component_appid`: the code is for component OAuth.
    pub fn oauth_code(&self, appid: &str, openid: Option<&str>, scope: &str, component_appid: Option<&str>) -> UserCode {
        oauth::issue_code(&mut self.st(), Kind::OAuthCode, appid, openid, scope, component_appid)
    }

    /// A mini-program `js_code` (wx.login) for `appid`.
    pub fn js_code(&self, appid: &str, openid: Option<&str>, component_appid: Option<&str>) -> UserCode {
        oauth::issue_code(&mut self.st(), Kind::JsCode, appid, openid, "", component_appid)
    }

    /// The platform's 消息与事件接收URL (`$APPID$` stands for the authorizer's appid).
    pub fn set_message_url(&self, component_appid: &str, url: &str) -> Result<()> {
        let mut st = self.st();
        if !st.components.contains_key(component_appid) {
            return Err(Error::invalid("componentAppid", format!("no component {component_appid} is registered")));
        }
        url::Url::parse(&url.replace("$APPID$", "wx")).map_err(|e| Error::invalid("url", e.to_string()))?;
        st.messages.urls.insert(component_appid.to_owned(), url.to_owned());
        Ok(())
    }

    /// A user of `authorizer_appid` sends `message` (WeChat's field names;
    /// MsgType defaults to text, addressing and MsgId are filled in) to the
    /// platform's message URL, encrypted and signed; retried without an answer.
    pub async fn send_message(&self, authorizer_appid: &str, message: serde_json::Map<String, serde_json::Value>, opts: &SendOptions) -> Result<MessageDelivery> {
        messages::send_message(&self.shared, authorizer_appid, message, opts).await
    }

    /// Every message sent to a message URL, with its answer.
    pub fn messages(&self) -> Vec<MessageDelivery> {
        self.st().messages.log.clone()
    }

    /// Plays WeChat's release check against the platform's message URL.
    pub async fn run_release_check(&self, component_appid: &str) -> Result<ReleaseReport> {
        release_check::run(&self.shared, component_appid).await
    }

    /// Calls per endpoint path (e.g. "/cgi-bin/component/api_component_token").
    pub fn counters(&self) -> BTreeMap<String, u64> {
        self.st().counters.clone()
    }

    /// Successful calls per path (for token endpoints: credentials issued);
    /// faulted and refused calls are not in here.
    pub fn issued(&self) -> BTreeMap<String, u64> {
        self.st().issued.clone()
    }

    /// Every call that presented an expired, invalid or wrong-appid token.
    pub fn invalid_token_calls(&self) -> Vec<InvalidTokenCall> {
        self.st().invalid_calls.clone()
    }

    /// Every push sent, with the receiver's answer.
    pub fn pushes(&self) -> Vec<PushRecord> {
        self.st().pushes.clone()
    }

    /// Every request that reached a WeChat path (`path`: only that path).
    pub fn requests(&self, path: Option<&str>) -> Vec<ReceivedRequest> {
        self.st().requests.iter().filter(|c| path.is_none_or(|p| c.path == p)).cloned().collect()
    }

    /// Bodies recorded by message-sending and long-tail endpoints (`path`: only that path).
    pub fn recorded_calls(&self, path: Option<&str>) -> Vec<RecordedCall> {
        self.st().recorded.iter().filter(|c| path.is_none_or(|p| c.path == p)).cloned().collect()
    }

    /// The next `count` calls of `path` ("*" = any WeChat path) suffer `fault`.
    pub fn inject_fault(&self, path: &str, fault: Fault, count: u32) {
        self.st().faults.inject(path, fault, count);
    }

    /// A share `rate` (0..1) of calls to `path` (None = all) suffer `fault`; 0 removes.
    pub fn set_failure_rate(&self, path_or_all: Option<&str>, rate: f64, fault: Fault) {
        self.st().faults.set_rate(path_or_all, rate, fault);
    }

    pub fn clear_faults(&self) {
        self.st().faults.clear();
    }

    /// Voids every access token, ticket and pre_auth_code now (no grace).
    /// Refresh tokens and codes stay good.
    pub fn invalidate_all_tokens(&self) {
        self.st().tokens.revoke_where(|r| {
            matches!(
                r.kind,
                Kind::ComponentAccessToken
                    | Kind::AuthorizerAccessToken
                    | Kind::AccessToken
                    | Kind::StableAccessToken
                    | Kind::Ticket
                    | Kind::OAuthAccessToken
                    | Kind::PreAuthCode
            )
        });
    }

    /// Moves the sandbox clock forward: tokens expire without waiting.
    pub fn advance_clock(&self, secs: f64) {
        self.st().clock_offset += secs.max(0.0);
    }

    /// Forgets everything (components, apps, authorizations, tokens, counters,
    /// logs, faults, clock offset); keeps the config.
    pub fn reset(&self) {
        let mut st = self.st();
        let cfg = st.cfg.clone();
        *st = State::new(cfg);
    }
}

/// Every `push_interval_secs`, a fresh ticket to each component with a push_url.
async fn periodic_pushes(shared: std::sync::Weak<Shared>) {
    let mut last = std::time::Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let Some(shared) = shared.upgrade() else { return };
        // Audit verdicts and fast registrations come due on the sandbox's clock.
        wxa_review::tick(&shared).await;
        let (interval, appids): (Option<f64>, Vec<String>) = {
            let st = shared.lock();
            let appids = st.components.values().filter(|c| c.reg.push_url.is_some()).map(|c| c.reg.appid.clone()).collect();
            (st.cfg.push_interval_secs, appids)
        };
        match interval {
            Some(secs) if secs > 0.0 && last.elapsed().as_secs_f64() >= secs => {
                last = std::time::Instant::now();
                for appid in appids {
                    let _ = component::push_ticket(&shared, &appid).await;
                }
            }
            Some(_) => {}
            None => last = std::time::Instant::now(),
        }
    }
}
