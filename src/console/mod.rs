//! The operator console: server-rendered pages over the fleet's database
//! (authorizers and their token health, the platform's tokens and leases,
//! the message ledger, rollouts, the audit log) behind a login with viewer
//! and operator roles. Every page reads the store; nothing calls WeChat.
//! Served on its own (`Console::start`, `wxthirdparty console`) or nested
//! in the token service (`router`, `serve --console`).

pub mod auth;
pub mod html;
pub mod rollouts;
mod respond;
mod routes;
mod views;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use crate::error::{Error, Result};
use crate::http::{is_loopback, serve_tcp, Limits};
use crate::store::{Store, StoreConfig};

pub use auth::Role;
pub use rollouts::{Board, BoardFactory, NoRollouts, RolloutAction, RolloutApp, RolloutBoard, RolloutSummary};

/// A login of the console. No Debug: it carries a password.
#[derive(Clone)]
pub struct ConsoleLogin {
    pub name: String,
    pub role: Role,
    pub password: String,
}

/// No Debug: it carries passwords.
#[derive(Clone)]
pub struct ConsoleConfig {
    pub db: String,
    pub host: Option<String>,
    pub port: u16,
    /// Stored hashed at start (replacing a stored user of the same name).
    pub logins: Vec<ConsoleLogin>,
    /// Which platform to show; None: the first found in the store.
    pub component_appid: Option<String>,
    /// Makes the rollout board over the console's store (`NoRollouts` when None).
    pub rollouts: Option<BoardFactory>,
}

/// What every handler shares.
pub(crate) struct ConsoleState {
    pub store: Store,
    /// The path prefix ("" standalone, "/console" in the token service).
    pub base: String,
    pub board: Board,
    pub platform: Mutex<Option<String>>,
    /// Bound to loopback: a request must name a loopback Host (the token
    /// service's check: a rebound DNS name reaches no page).
    pub loopback: bool,
}

impl ConsoleState {
    /// The platform shown: configured, else the first in the store (remembered).
    pub async fn platform(&self) -> Result<Option<String>> {
        if let Some(p) = self.platform.lock().unwrap_or_else(|p| p.into_inner()).clone() {
            return Ok(Some(p));
        }
        let found = self.store.console_platforms().await?.into_iter().next();
        if let Some(p) = &found {
            *self.platform.lock().unwrap_or_else(|p| p.into_inner()) = Some(p.clone());
        }
        Ok(found)
    }
}

/// Checks the logins and stores their hashes; the state for `router`.
pub(crate) async fn prepare(store: Store, cfg: &ConsoleConfig, base: &str, loopback: bool) -> Result<Arc<ConsoleState>> {
    if !cfg.logins.iter().any(|l| l.role == Role::Operator || l.role == Role::Viewer) {
        return Err(Error::invalid("token", "the console needs a login: give a token (operator) and optionally a viewer token"));
    }
    for l in &cfg.logins {
        if l.password.chars().count() < 8 {
            return Err(Error::invalid("token", format!("the {} token must be at least 8 characters", l.role.as_str())));
        }
        if l.name.is_empty() || l.name.len() > 64 {
            return Err(Error::invalid("users", "a user name must be 1 to 64 characters"));
        }
    }
    for l in &cfg.logins {
        store.save_console_user(&auth::hashed_user(&l.name, l.role, &l.password)).await?;
    }
    let board: Board = match &cfg.rollouts {
        Some(make) => make(store.clone()),
        None => Arc::new(NoRollouts),
    };
    Ok(Arc::new(ConsoleState {
        store,
        base: base.to_owned(),
        board,
        platform: Mutex::new(cfg.component_appid.clone()),
        loopback,
    }))
}

/// The console's routes under `base` (for nesting in another server).
pub(crate) fn router(state: Arc<ConsoleState>) -> axum::Router {
    routes::router(state)
}

/// The console for the token service (`serve --console`), nested at
/// `/console`; `loopback`: the service is bound to loopback (Host checked).
pub async fn nested(store: Store, cfg: &ConsoleConfig, loopback: bool) -> Result<axum::Router> {
    let state = prepare(store, cfg, "/console", loopback).await?;
    Ok(axum::Router::new().nest("/console", router(state)))
}

/// A running console.
pub struct Console {
    addr: SocketAddr,
    store: Store,
    shutdown: Mutex<Option<watch::Sender<bool>>>,
    server: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Console {
    pub async fn start(cfg: ConsoleConfig) -> Result<Console> {
        let host = cfg.host.clone().unwrap_or_else(|| "127.0.0.1".into());
        // A non-loopback bind needs an explicit --host (given) and a login token (checked in prepare).
        if !is_loopback(&host) && !cfg.logins.iter().any(|l| l.role == Role::Operator) {
            return Err(Error::invalid("host", format!("{host} is not a loopback address: give an operator token to serve the console there")));
        }
        let store = Store::connect(&StoreConfig::new(cfg.db.clone())).await?;
        store.migrate().await?;
        let state = prepare(store.clone(), &cfg, "", is_loopback(&host)).await?;
        let listener = tokio::net::TcpListener::bind((host.as_str(), cfg.port))
            .await
            .map_err(|e| Error::Other(format!("console: cannot listen on {host}:{}: {e}", cfg.port)))?;
        let addr = listener.local_addr().map_err(|e| Error::Other(format!("console: {e}")))?;
        let app = router(state);
        // The house's serve loop: header, idle and body timeouts, a connection cap.
        let (tx, server) = serve_tcp(listener, app, Limits::default()).into_parts();
        Ok(Console { addr, store, shutdown: Mutex::new(Some(tx)), server: Mutex::new(Some(server)) })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub async fn close(&self) {
        if let Some(tx) = self.shutdown.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = tx.send(true);
        }
        let server = self.server.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(server) = server {
            let ah = server.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), server).await.is_err() {
                ah.abort();
            }
        }
        self.store.close().await;
    }
}
