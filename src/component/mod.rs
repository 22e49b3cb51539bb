//! The third-party platform ("component"): its tokens, its pushes, the
//! authorizers (official accounts) that authorized it, and API clients
//! acting for them. `ThirdpartyServer` in JS is a thin skin over this. Its
//! message URL is `crate::inbox`'s, over this platform (`message_url`).

mod admin;
mod authorizer_kinds;
mod authorizers;
pub mod events;
mod fast_register;
mod feed;
mod message_url;
mod push;
mod rollouts;
mod runner;
mod validate;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::Notify;

use crate::credential::endpoints::API_START_PUSH_TICKET;
use crate::credential::{AuthorizerTokenFetch, ComponentCredential, ComponentTokenFetch, PreAuthCodeFetch, PushedTicket};
use crate::crypto::MsgCrypt;
use crate::error::{Error, Result};
use crate::model::{now_ms, BoxFut, TokenKey, TokenKind};
use crate::store::{Store, StoreConfig};
use crate::token::{fetch_limit, CellEvent, CellOptions, Fetch, Role, TokenCell};
use crate::wechat::{Transport, DEFAULT_TIMEOUT};

pub use authorizer_kinds::{AuthorizerFilter, FUNC_SCOPE_CODE_MANAGEMENT};
pub use authorizers::{AuthorizeUrlOptions, AuthorizerView};
pub use events::Event;

/// WeChat pushes a ticket every 10 minutes; one is good for 12 hours.
pub const TICKET_MAX_AGE_MS: i64 = 12 * 3600 * 1000;

#[derive(Clone)]
pub struct ComponentConfig {
    pub appid: String,
    pub secret: String,
    pub token: String,
    pub encoding_aes_key: String,
    pub store: StoreConfig,
    /// A cluster worker: reads secrets from the store, never refreshes them.
    pub is_cluster: bool,
    /// Workers take over the refresh when no master holds the lease.
    pub failover: bool,
    pub api_base: Option<String>,
    pub ticket_max_age_ms: i64,
    /// The longest the refresh loop sleeps between checks.
    pub max_tick: Duration,
    /// How often workers re-read readiness from the store.
    pub poll_interval: Duration,
    pub refresh_ahead_ratio: f64,
    pub lease_ttl_ms: i64,
    pub wait_timeout: Duration,
    /// Authorizer tokens refreshed concurrently by the master.
    pub authorizer_batch: usize,
    /// Least time between two `api_start_push_ticket` requests.
    pub push_ticket_interval: Duration,
    /// This process may drive rollouts (and take over one whose driver died).
    pub drive_rollouts: bool,
    /// Pushes signed further than this from our clock are refused (0: any age).
    pub timestamp_window_secs: u64,
}

impl ComponentConfig {
    pub fn new(appid: &str, secret: &str, token: &str, encoding_aes_key: &str, db: &str) -> Self {
        ComponentConfig {
            appid: appid.into(),
            secret: secret.into(),
            token: token.into(),
            encoding_aes_key: encoding_aes_key.into(),
            store: StoreConfig { write: db.into(), read: None, max_connections: 5 },
            is_cluster: false,
            failover: false,
            api_base: None,
            ticket_max_age_ms: TICKET_MAX_AGE_MS,
            timestamp_window_secs: crate::message::DEFAULT_TIMESTAMP_WINDOW_SECS,
            max_tick: Duration::from_secs(30),
            poll_interval: Duration::from_secs(1),
            refresh_ahead_ratio: 0.05,
            lease_ttl_ms: 10_000,
            wait_timeout: Duration::from_secs(10),
            authorizer_batch: 16,
            push_ticket_interval: Duration::from_secs(10),
            drive_rollouts: true,
        }
    }
}

impl std::fmt::Debug for ComponentConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // secret, token and EncodingAESKey never reach a log.
        f.debug_struct("ComponentConfig")
            .field("appid", &self.appid)
            .field("is_cluster", &self.is_cluster)
            .field("failover", &self.failover)
            .field("api_base", &self.api_base)
            .finish_non_exhaustive()
    }
}

/// The original `secrets()` outcome.
#[derive(Debug, Clone, PartialEq)]
pub enum Secrets {
    Ready { ticket: String, preauthcode: String, access_token: String },
    NotReady,
    Outdated,
}

/// Private to this folder: neighbours use its methods (its message URL
/// takes it as `crate::inbox::Platform`, OAuth on behalf as a `ComponentCredential`).
pub struct Component {
    cfg: ComponentConfig,
    crypt: MsgCrypt,
    transport: Transport,
    store: Store,
    owner_id: String,
    /// component_verify_ticket: set by pushes, read by the token fetch.
    ticket: Arc<TokenCell>,
    /// One ticket push checked and written at a time in this process (the
    /// store lease orders processes; its owner is the whole process).
    ticket_write: tokio::sync::Mutex<()>,
    access_token: Arc<TokenCell>,
    pre_auth_code: Arc<TokenCell>,
    /// Per-authorizer cells (access token, JS-SDK tickets), made on first use.
    cells: Mutex<HashMap<(TokenKind, String), Arc<TokenCell>>>,
    /// Authorizer records in memory, kept current by the change feed.
    authorizers: feed::AuthorizerCache,
    events: Arc<events::Events>,
    wake: Notify,
    closed: AtomicBool,
    started: AtomicBool,
    state: Mutex<Option<&'static str>>,
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
    /// The runtime `open` ran on: `start` may be called from a thread without one (JS).
    runtime: tokio::runtime::Handle,
    rollouts: OnceLock<Arc<crate::rollout::Rollouts>>,
}

impl Component {
    /// Checks the credentials, connects the store and creates missing tables.
    pub async fn open(cfg: ComponentConfig) -> Result<Arc<Component>> {
        let crypt = cfg.validate()?;
        let transport = Transport::with_timeouts(cfg.api_base.as_deref(), DEFAULT_TIMEOUT, fetch_limit(cfg.lease_ttl_ms));
        let store = connect_store(&cfg.store).await?;
        // host:pid:random: the console shows which process refreshed a token.
        let owner_id = crate::token::default_owner_id();
        let events = Arc::new(events::Events::new());

        let cell_opts = |role: Role| cell_options(&cfg, &owner_id, &events, role);
        let component_role = if cfg.is_cluster { Role::Reader { failover: cfg.failover } } else { Role::Refresher };
        let key = |kind| TokenKey { component_appid: cfg.appid.clone(), kind, appid: String::new() };
        let ticket = TokenCell::new(
            key(TokenKind::ComponentVerifyTicket),
            Some(store.clone()),
            Arc::new(PushedTicket),
            cell_opts(Role::Reader { failover: false }),
        );
        let access_token = TokenCell::new(
            key(TokenKind::ComponentAccessToken),
            Some(store.clone()),
            Arc::new(ComponentTokenFetch {
                appid: cfg.appid.clone(),
                secret: cfg.secret.clone(),
                ticket: ticket.clone(),
                transport: transport.clone(),
            }),
            cell_opts(component_role.clone()),
        );
        let pre_auth_code = TokenCell::new(
            key(TokenKind::PreAuthCode),
            Some(store.clone()),
            Arc::new(PreAuthCodeFetch { appid: cfg.appid.clone(), transport: transport.clone(), access_token: access_token.clone() }),
            cell_opts(component_role),
        );
        let c = Arc::new(Component {
            crypt,
            transport,
            store,
            owner_id,
            ticket,
            ticket_write: tokio::sync::Mutex::new(()),
            access_token,
            pre_auth_code,
            cells: Mutex::new(HashMap::new()),
            authorizers: feed::AuthorizerCache::default(),
            events,
            wake: Notify::new(),
            closed: AtomicBool::new(false),
            started: AtomicBool::new(false),
            state: Mutex::new(None),
            tasks: Mutex::new(Vec::new()),
            runtime: tokio::runtime::Handle::current(),
            rollouts: OnceLock::new(),
            cfg,
        });
        // Every process follows the feed, started or not (workers never start).
        let follower = tokio::spawn(feed::follow(Arc::downgrade(&c)));
        c.tasks.lock().unwrap().push(follower);
        c.start_rollouts();
        Ok(c)
    }

    pub fn appid(&self) -> &str {
        &self.cfg.appid
    }

    pub fn is_cluster(&self) -> bool {
        self.cfg.is_cluster
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    pub fn crypt(&self) -> &MsgCrypt {
        &self.crypt
    }

    /// The platform's right to act for its authorizers (OAuth on behalf).
    pub fn credential(&self) -> ComponentCredential {
        ComponentCredential { appid: self.cfg.appid.clone(), access_token: self.access_token.clone() }
    }

    /// The platform's own mini-program rows (template library, fast
    /// registration, platform domains), called with the component token.
    pub fn platform_api(&self) -> crate::api::PlatformApi {
        crate::api::PlatformApi::new(&self.cfg.appid, &self.cfg.secret, self.transport.clone(), self.access_token.clone())
    }

    /// Starts the background loop: the master keeps secrets fresh, a worker
    /// watches readiness in the store. Idempotent.
    pub fn start(self: &Arc<Self>) {
        if self.started.swap(true, Ordering::SeqCst) || self.closed.load(Ordering::SeqCst) {
            return;
        }
        let me = self.clone();
        let handle = self.runtime.spawn(async move { runner::run(me).await });
        self.tasks.lock().unwrap().push(handle);
    }

    pub async fn next_event(&self) -> Option<Event> {
        self.events.next().await
    }

    pub fn emit(&self, e: Event) {
        self.events.emit(e);
    }

    /// A valid component_access_token (refreshing on the master when due).
    pub async fn component_access_token(&self) -> Result<String> {
        Ok(self.access_token.get().await?.value)
    }

    pub async fn pre_auth_code(&self) -> Result<String> {
        Ok(self.pre_auth_code.get().await?.value)
    }

    /// The original `secrets()`: what the store holds now, never upstream.
    pub async fn secrets(&self) -> Result<Secrets> {
        let now = now_ms();
        let ticket = self.ticket.peek().await?;
        let token = self.access_token.peek().await?;
        let code = self.pre_auth_code.peek().await?;
        match (ticket, token, code) {
            (Some(t), Some(a), Some(p)) => {
                if t.expires_at_ms <= now || a.expires_at_ms <= now || p.expires_at_ms <= now {
                    Ok(Secrets::Outdated)
                } else {
                    Ok(Secrets::Ready { ticket: t.value, preauthcode: p.value, access_token: a.value })
                }
            }
            _ => Ok(Secrets::NotReady),
        }
    }

    /// Asks WeChat to push a component_verify_ticket now.
    pub async fn request_ticket_push(&self) -> Result<()> {
        let body = serde_json::json!({ "component_appid": self.cfg.appid, "component_secret": self.cfg.secret });
        self.transport.post(API_START_PUSH_TICKET, &[], &body).await.map(|_| ())
    }

    fn key_for(&self, kind: TokenKind, appid: &str) -> TokenKey {
        TokenKey::new(self.cfg.appid.clone(), kind, appid)
    }

    /// The token cell of one authorizer (created on first use). Any process
    /// may refresh it; the lease keeps that to one fleet-wide.
    pub fn authorizer_cell(&self, appid: &str) -> Arc<TokenCell> {
        self.cell(TokenKind::AuthorizerAccessToken, appid, || {
            Arc::new(AuthorizerTokenFetch {
                component_appid: self.cfg.appid.clone(),
                authorizer_appid: appid.to_owned(),
                transport: self.transport.clone(),
                store: self.store.clone(),
                access_token: self.access_token.clone(),
            })
        })
    }

    /// The authorizer cells made so far.
    fn authorizer_cells(&self) -> Vec<Arc<TokenCell>> {
        let cells = self.cells.lock().unwrap();
        cells.iter().filter(|((k, _), _)| *k == TokenKind::AuthorizerAccessToken).map(|(_, c)| c.clone()).collect()
    }

    fn cell(&self, kind: TokenKind, appid: &str, fetcher: impl FnOnce() -> Arc<dyn Fetch>) -> Arc<TokenCell> {
        let mut cells = self.cells.lock().unwrap();
        cells
            .entry((kind, appid.to_owned()))
            .or_insert_with(|| {
                TokenCell::new(
                    TokenKey { component_appid: self.cfg.appid.clone(), kind, appid: appid.to_owned() },
                    Some(self.store.clone()),
                    fetcher(),
                    cell_options(&self.cfg, &self.owner_id, &self.events, Role::Refresher),
                )
            })
            .clone()
    }

    fn forget_authorizer(&self, appid: &str) {
        self.authorizers.forget(appid);
        self.cells.lock().unwrap().retain(|(_, a), _| a != appid);
    }

    /// Stops the loop and closes the store; pending `next_event`s end.
    pub async fn close(&self) {
        if self.closed.swap(true, Ordering::SeqCst) {
            return;
        }
        self.wake.notify_waiters();
        let tasks: Vec<_> = self.tasks.lock().unwrap().drain(..).collect();
        for t in tasks {
            t.abort();
            let _ = t.await;
        }
        self.store.close().await;
        self.events.end();
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }
}

/// Boxed so the Send proof happens here, with concrete lifetimes: sqlx's
/// higher-ranked executor futures defeat it inside napi's generic async glue.
fn connect_store(cfg: &StoreConfig) -> BoxFut<'_, Result<Store>> {
    Box::pin(async move {
        let store = Store::connect(cfg).await?;
        store.migrate().await?;
        Ok(store)
    })
}

fn cell_options(cfg: &ComponentConfig, owner_id: &str, events: &Arc<events::Events>, role: Role) -> CellOptions {
    CellOptions {
        role,
        refresh_ahead_ratio: cfg.refresh_ahead_ratio,
        lease_ttl_ms: cfg.lease_ttl_ms,
        wait_timeout: cfg.wait_timeout,
        owner_id: owner_id.to_owned(),
        on_event: Some(cell_event_sink(events)),
        ..CellOptions::default()
    }
}

/// Cell refresh failures and store errors become host-app events.
fn cell_event_sink(events: &Arc<events::Events>) -> Arc<dyn Fn(CellEvent) + Send + Sync> {
    let events = events.clone();
    Arc::new(move |e: CellEvent| match e.kind {
        "refresh_failed" => events.emit(Event::RefreshFailed {
            token_kind: e.token_kind.as_str().to_owned(),
            appid: e.appid,
            code: e.code,
            message: e.message,
        }),
        "store_error" => events.emit(Event::DbError { message: e.message }),
        _ => {}
    })
}

/// `{timestamp, nonce, msg_signature}` from a request's query; None when no
/// query was given. A query without msg_signature is refused, not trusted.
pub fn signature_query(query: Option<&serde_json::Value>) -> Result<Option<crate::message::SignatureQuery>> {
    let Some(q) = query.filter(|q| !q.is_null()) else { return Ok(None) };
    let get = |k: &'static str| -> Result<String> {
        match q.get(k) {
            Some(serde_json::Value::String(s)) if !s.is_empty() => Ok(s.clone()),
            Some(serde_json::Value::Number(n)) => Ok(n.to_string()),
            _ => Err(Error::invalid("query", format!("has no {k}"))),
        }
    };
    Ok(Some(crate::message::SignatureQuery {
        timestamp: get("timestamp")?,
        nonce: get("nonce")?,
        msg_signature: get("msg_signature")?,
    }))
}
