//! The token service (wetoken for a fleet): an HTTP server that keeps the
//! registered accounts' access tokens and jsapi tickets fresh through the
//! same token cells and store lease as every other process on the database,
//! and hands them out to clients that must not hold the secret.

pub mod admin;
mod apps;
mod metrics;
pub mod request;
mod routes;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::oneshot;

use crate::error::{Error, Result};
use crate::http::{is_loopback, serve_tcp, Limits};
use crate::store::{Store, StoreConfig};
use crate::wechat::Transport;

pub use apps::Apps;
pub use metrics::Metrics;

/// How often every registered app's cells are checked for a due refresh.
const SWEEP_EVERY: Duration = Duration::from_millis(500);

/// No Debug: it carries the auth token.
#[derive(Clone, Default)]
pub struct ServiceConfig {
    pub db: String,
    pub host: Option<String>,
    pub port: u16,
    /// The client token (token and ticket routes, /metrics).
    pub auth_token: Option<String>,
    /// The admin token (`/wechat/*/create`); without one those routes are off.
    pub admin_token: Option<String>,
    /// Also take wetoken's `GET /wechat/app/create?appid=&secret=` form.
    pub legacy_create_get: bool,
    pub api_base: Option<String>,
    /// Bind a non-loopback address without an auth token (explicit opt-in).
    pub allow_open: bool,
    /// Requests per second per client address (0 = no limit).
    pub rate_limit: u32,
    /// Proxies whose X-Forwarded-For names the client for the rate limit.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Connection timeouts and cap.
    pub limits: Limits,
    /// Also serve the operator console at `/console` (its own login; the
    /// service's bearer token does not apply to it).
    pub console: Option<crate::console::ConsoleConfig>,
}

pub(crate) struct Shared {
    pub store: Store,
    pub apps: Apps,
    pub auth_token: Option<String>,
    pub admin_token: Option<String>,
    pub legacy_create_get: bool,
    /// Bound to loopback: requests must name a loopback Host.
    pub loopback: bool,
    pub trusted_proxies: Vec<std::net::IpAddr>,
    pub metrics: Metrics,
    pub limiter: routes::Limiter,
}

pub struct TokenService {
    shared: Arc<Shared>,
    addr: SocketAddr,
    shutdown: Mutex<Option<oneshot::Sender<()>>>,
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

/// Tokens shorter than this are refused at start: guessable.
pub const MIN_TOKEN_LEN: usize = 16;

/// A configured token, or the error naming what is wrong with it (never its value).
fn checked_token(name: &'static str, t: Option<&str>) -> Result<Option<String>> {
    let Some(t) = t else { return Ok(None) };
    if t.trim().is_empty() {
        return Err(Error::invalid(name, "is empty or only whitespace"));
    }
    if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid(name, "contains whitespace or control characters (it is sent in an Authorization header)"));
    }
    if t.chars().count() < MIN_TOKEN_LEN {
        return Err(Error::invalid(name, format!("is too short: use at least {MIN_TOKEN_LEN} characters (e.g. `openssl rand -hex 24`)")));
    }
    Ok(Some(t.to_owned()))
}

impl TokenService {
    pub async fn start(cfg: ServiceConfig) -> Result<TokenService> {
        let host = cfg.host.clone().unwrap_or_else(|| "127.0.0.1".into());
        let auth_token = checked_token("authToken", cfg.auth_token.as_deref())?;
        let admin_token = checked_token("adminToken", cfg.admin_token.as_deref())?;
        if auth_token.is_some() && auth_token == admin_token {
            return Err(Error::invalid("adminToken", "must differ from authToken (a client must not be able to re-key apps)"));
        }
        if !is_loopback(&host) && auth_token.is_none() && !cfg.allow_open {
            return Err(Error::invalid(
                "host",
                format!("{host} is not a loopback address: set authToken, or allowOpen to serve tokens to anyone who can reach it"),
            ));
        }
        let store = Store::connect(&StoreConfig::new(cfg.db.clone())).await?;
        store.migrate().await?;
        let transport = Transport::new(cfg.api_base.as_deref());
        let metrics = Metrics::default();
        let apps = Apps::new(store.clone(), transport, metrics.clone());
        let listener = tokio::net::TcpListener::bind((host.as_str(), cfg.port))
            .await
            .map_err(|e| Error::Other(format!("token service: cannot listen on {host}:{}: {e}", cfg.port)))?;
        let addr = listener.local_addr().map_err(|e| Error::Other(format!("token service: {e}")))?;
        let shared = Arc::new(Shared {
            store,
            apps,
            auth_token,
            admin_token,
            legacy_create_get: cfg.legacy_create_get,
            loopback: is_loopback(&host),
            trusted_proxies: cfg.trusted_proxies.clone(),
            metrics,
            limiter: routes::Limiter::new(cfg.rate_limit),
        });
        let app = match &cfg.console {
            Some(c) => crate::console::nested(shared.store.clone(), c, shared.loopback).await?.merge(routes::router(shared.clone())),
            None => routes::router(shared.clone()),
        };
        let (tx, rx) = oneshot::channel::<()>();
        let (stop, server) = serve_tcp(listener, app, cfg.limits).into_parts();
        tokio::spawn(async move {
            let _ = rx.await;
            let _ = stop.send(true);
        });
        let sweeper = tokio::spawn(sweep(Arc::downgrade(&shared)));
        log("start", &format!("\"addr\":\"{addr}\""));
        Ok(TokenService { shared, addr, shutdown: Mutex::new(Some(tx)), tasks: Mutex::new(vec![server, sweeper]) })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn apps(&self) -> &Apps {
        &self.shared.apps
    }

    /// Stops accepting, lets in-flight requests finish, stops refreshing.
    pub async fn close(&self) {
        let tx = self.shutdown.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(tx) = tx {
            let _ = tx.send(());
        }
        let tasks: Vec<_> = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|p| p.into_inner()));
        let mut tasks = tasks.into_iter();
        // The server drains in-flight requests; the sweeper loops forever.
        if let Some(server) = tasks.next() {
            let ah = server.abort_handle();
            if tokio::time::timeout(Duration::from_secs(10), server).await.is_err() {
                ah.abort();
            }
        }
        tasks.for_each(|t| t.abort());
        log("stop", &format!("\"addr\":\"{}\"", self.addr));
        self.shared.store.close().await;
    }
}

/// Proactive refresh: every registered app's cells, through the lease.
async fn sweep(shared: std::sync::Weak<Shared>) {
    loop {
        tokio::time::sleep(SWEEP_EVERY).await;
        let Some(s) = shared.upgrade() else { return };
        s.apps.refresh_due().await;
    }
}

/// One structured log line on stderr (never a token or secret).
pub(crate) fn log(event: &str, fields: &str) {
    let sep = if fields.is_empty() { "" } else { "," };
    eprintln!("{{\"ts\":{},\"svc\":\"wxthirdparty-token-service\",\"event\":\"{event}\"{sep}{fields}}}", crate::model::now_ms());
}
