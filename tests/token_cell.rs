//! The token cell inside one process, against a counting HTTP upstream and
//! real MariaDB / PostgreSQL / SQLite stores (and memory-only).

#[path = "store_support/mod.rs"]
mod store_support;
#[path = "token_support/mod.rs"]
mod token_support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use store_support::*;
use token_support::*;
use wxthirdparty::store::Store;
use wxthirdparty::model::{TokenKey, TokenKind};
use wxthirdparty::token::{CellEvent, CellOptions, Role, TokenCell};
use wxthirdparty::Error;

fn key() -> TokenKey {
    TokenKey::component("wxcomponent", TokenKind::ComponentAccessToken)
}

fn ok(lifetime_ms: i64, delay_ms: u64) -> Mode {
    Mode::Ok { lifetime_ms, delay_ms }
}

type Events = Arc<Mutex<Vec<CellEvent>>>;

fn opts(events: &Events) -> CellOptions {
    let ev = events.clone();
    CellOptions {
        retry_base: Duration::from_millis(20),
        retry_cap: Duration::from_millis(200),
        on_event: Some(Arc::new(move |e| ev.lock().unwrap().push(e))),
        ..CellOptions::default()
    }
}

fn kinds(events: &Events) -> Vec<&'static str> {
    events.lock().unwrap().iter().map(|e| e.kind).collect()
}

async fn store_for(b: Option<Backend>) -> (Option<TestDb>, Option<Store>) {
    match b {
        None => (None, None),
        Some(b) => {
            let db = TestDb::create(b).await;
            let s = db.store().await;
            (Some(db), Some(s))
        }
    }
}

/// 100 concurrent gets while the upstream takes 200 ms → one upstream call;
/// a second cell (another "process" on the same store) then reads it.
async fn hundred_gets_one_fetch(b: Option<Backend>) {
    let (_db, store) = store_for(b).await;
    let up = Upstream::start(vec![ok(60_000, 200)]).await;
    let events = Events::default();
    let cell = TokenCell::new(key(), store.clone(), HttpFetch::new(&up.url), opts(&events));
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let c = cell.clone();
        tasks.push(tokio::spawn(async move { c.get().await.unwrap().value }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), "tok-1");
    }
    assert_eq!(up.calls(), 1);
    assert_eq!(kinds(&events), ["refreshed"]);
    if let Some(store) = store {
        let other = TokenCell::new(key(), Some(store.clone()), HttpFetch::new(&up.url), CellOptions::default());
        assert_eq!(other.get().await.unwrap().value, "tok-1");
        assert_eq!(up.calls(), 1, "the second cell read the store");
        assert_eq!(store.load_token(&key(), true).await.unwrap().unwrap().value, "tok-1");
    }
}

/// Ten callers meeting 40001 on the same token → one refresh; a stale
/// invalidation never throws away the newer token, here or in another cell.
async fn compare_and_expire(b: Option<Backend>) {
    let (_db, store) = store_for(b).await;
    let up = Upstream::start(vec![ok(60_000, 50)]).await;
    let a = TokenCell::new(key(), store.clone(), HttpFetch::new(&up.url), CellOptions::default());
    let other = TokenCell::new(key(), store.clone(), HttpFetch::new(&up.url), CellOptions::default());
    assert_eq!(a.get().await.unwrap().value, "tok-1");
    if store.is_some() {
        assert_eq!(other.get().await.unwrap().value, "tok-1");
    }
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let c = a.clone();
        tasks.push(tokio::spawn(async move {
            c.invalidate("tok-1", None).await.unwrap();
            c.get().await.unwrap().value
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), "tok-2");
    }
    assert_eq!(up.calls(), 2);
    a.invalidate("tok-1", None).await.unwrap();
    assert_eq!(a.get().await.unwrap().value, "tok-2");
    if store.is_some() {
        // The other cell still holds tok-1, meets 40001, and finds tok-2 stored.
        other.invalidate("tok-1", None).await.unwrap();
        assert_eq!(other.get().await.unwrap().value, "tok-2");
    }
    assert_eq!(up.calls(), 2);
}

/// Transient failures are retried with backoff; non-transient ones are
/// returned at once and never stored; `get` gives up after `retry_for`.
async fn upstream_failures(b: Option<Backend>) {
    let (_db, store) = store_for(b).await;
    let up = Upstream::start(vec![Mode::Http500, Mode::Errcode(-1), Mode::Http500, ok(60_000, 0)]).await;
    let events = Events::default();
    let cell = TokenCell::new(key(), store.clone(), HttpFetch::new(&up.url), opts(&events));
    assert_eq!(cell.get().await.unwrap().value, "tok-4");
    assert_eq!(up.calls(), 4);
    assert_eq!(kinds(&events), ["refresh_failed", "refresh_failed", "refresh_failed", "refreshed"]);
    assert_eq!(events.lock().unwrap()[1].code, Some(-1));

    let up = Upstream::start(vec![Mode::Errcode(40013)]).await;
    let cell = TokenCell::new(key().clone_with("wxother"), store.clone(), HttpFetch::new(&up.url), opts(&events));
    let err = cell.get().await.unwrap_err();
    assert_eq!(err.code(), Some(40013));
    assert_eq!(up.calls(), 1, "not retried");
    if let Some(s) = &store {
        assert!(s.load_token(&key().clone_with("wxother"), true).await.unwrap().is_none(), "never stored");
    }

    let up = Upstream::start(vec![Mode::Http500]).await;
    let mut o = opts(&events);
    o.retry_for = Duration::from_millis(800);
    let cell = TokenCell::new(key().clone_with("wxthird"), store.clone(), HttpFetch::new(&up.url), o);
    let t0 = Instant::now();
    let err = cell.get().await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(t0.elapsed() < Duration::from_secs(3));
    let n = up.calls();
    assert!((3..=40).contains(&n), "bounded retries: {n}");

    // Background: one attempt per call, next_due_in backs off, never gives up.
    let before = up.calls();
    let mut waits = Vec::new();
    for _ in 0..4 {
        let w = cell.next_due_in().unwrap();
        waits.push(w);
        tokio::time::sleep(w).await;
        assert!(cell.refresh_if_due().await.is_err());
        assert!(!cell.refresh_if_due().await.unwrap(), "inside the backoff: no call");
    }
    assert_eq!(up.calls() - before, 4);
    assert!(waits.iter().all(|w| *w > Duration::ZERO && *w <= Duration::from_millis(200)), "{waits:?}");
    up.set(vec![ok(60_000, 0)]);
    tokio::time::sleep(cell.next_due_in().unwrap()).await;
    assert!(cell.refresh_if_due().await.unwrap());
    assert!(cell.get().await.is_ok());
}

/// Proactive refresh: due at 95% of the lifetime, `next_due_in` says when.
async fn proactive(b: Option<Backend>) {
    let (_db, store) = store_for(b).await;
    let up = Upstream::start(vec![ok(1_000, 0)]).await;
    let cell = TokenCell::new(key(), store, HttpFetch::new(&up.url), CellOptions::default());
    assert_eq!(cell.get().await.unwrap().value, "tok-1");
    assert!(!cell.refresh_if_due().await.unwrap(), "fresh");
    let due = cell.next_due_in().unwrap();
    assert!(due > Duration::from_millis(800) && due <= Duration::from_millis(950), "{due:?}");
    tokio::time::sleep(due).await;
    assert!(cell.refresh_if_due().await.unwrap());
    assert_eq!(cell.get().await.unwrap().value, "tok-2");
    assert_eq!(up.calls(), 2);
}

/// A Reader never calls upstream; with failover it takes over only when
/// the token is gone and nobody holds the lease.
async fn readers(b: Backend) {
    let db = TestDb::create(b).await;
    let store = db.store().await;
    let up = Upstream::start(vec![ok(60_000, 0)]).await;
    let reader_opts = || CellOptions {
        role: Role::Reader { failover: false },
        wait_timeout: Duration::from_millis(300),
        ..CellOptions::default()
    };
    let reader = TokenCell::new(key(), Some(store.clone()), HttpFetch::new(&up.url), reader_opts());
    assert!(matches!(reader.get().await, Err(Error::NotReady(_))));
    assert!(!reader.refresh_if_due().await.unwrap());
    assert_eq!(up.calls(), 0);
    // The refresher writes; the waiting reader sees it.
    let r2 = TokenCell::new(key(), Some(store.clone()), HttpFetch::new(&up.url), CellOptions { wait_timeout: Duration::from_secs(5), ..reader_opts() });
    let waiting = tokio::spawn(async move { r2.get().await.map(|t| t.value) });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let master = TokenCell::new(key(), Some(store.clone()), HttpFetch::new(&up.url), CellOptions::default());
    master.get().await.unwrap();
    assert_eq!(waiting.await.unwrap().unwrap(), "tok-1");
    assert_eq!(reader.get().await.unwrap().value, "tok-1");
    assert_eq!(up.calls(), 1);

    // Failover: while someone holds the lease, wait; once it is free and the token gone, fetch.
    let fo = CellOptions { role: Role::Reader { failover: true }, wait_timeout: Duration::from_millis(400), ..CellOptions::default() };
    let k = TokenKey::component("wxcomponent", TokenKind::PreAuthCode);
    assert!(store.try_lease(&k, "the-master", 60_000).await.unwrap());
    let failover = TokenCell::new(k.clone(), Some(store.clone()), HttpFetch::new(&up.url), fo);
    assert!(matches!(failover.get().await, Err(Error::NotReady(_))));
    assert_eq!(up.calls(), 1);
    store.release_lease(&k, "the-master").await.unwrap();
    assert_eq!(failover.get().await.unwrap().value, "tok-2");
    assert_eq!(up.calls(), 2);
}

/// `set` is durable; the refresh token is kept and passed to the fetcher.
async fn set_and_peek(b: Backend) {
    let db = TestDb::create(b).await;
    let store = db.store().await;
    let up = Upstream::start(vec![ok(60_000, 0)]).await;
    let k = TokenKey::new("wxcomponent", TokenKind::AuthorizerAccessToken, "wxauthorizer");
    let cell = TokenCell::new(k.clone(), Some(store.clone()), HttpFetch::new(&up.url), CellOptions::default());
    assert!(cell.peek().await.unwrap().is_none());
    let t = wxthirdparty::model::Token::new("from-query-auth", 7200).with_refresh_token("rt-1");
    cell.set(t.clone()).await.unwrap();
    assert_eq!(store.load_token(&k, true).await.unwrap(), Some(t.clone()));
    let fresh = TokenCell::new(k.clone(), Some(store.clone()), HttpFetch::new(&up.url), CellOptions::default());
    assert_eq!(fresh.peek().await.unwrap(), Some(t));
    fresh.invalidate("from-query-auth", None).await.unwrap();
    let next = fresh.get().await.unwrap();
    assert_eq!((next.value.as_str(), next.refresh_token.as_deref()), ("tok-1", Some("rt-1")), "refresh token carried");
    assert_eq!(up.calls(), 1);
}

/// Database down mid-run (connections cut, new ones refused): the cached
/// token is served until it expires, errors are reported, a token fetched
/// meanwhile is written when the database is back, and all recovers alone.
async fn database_down(b: Backend) {
    let db = TestDb::create(b).await;
    db.store().await; // schema
    let proxy = Proxy::start(host_port(&db.url)).await;
    let store = Store::connect(&wxthirdparty::store::StoreConfig::new(proxy.url_for(&db.url))).await.unwrap();
    let up = Upstream::start(vec![ok(1_500, 0)]).await;
    let events = Events::default();
    let cell = TokenCell::new(key(), Some(store.clone()), HttpFetch::new(&up.url), opts(&events));
    assert_eq!(cell.get().await.unwrap().value, "tok-1");

    proxy.down();
    // Due (inside the last 5%) but valid: served at once, refresh tried behind.
    tokio::time::sleep(Duration::from_millis(1_440)).await;
    let t0 = Instant::now();
    assert_eq!(cell.get().await.unwrap().value, "tok-1");
    assert!(t0.elapsed() < Duration::from_millis(50));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let err = cell.get().await.unwrap_err();
    assert!(matches!(err, Error::Store(_)), "expired and no lease to be had: {err:?}");
    assert!(kinds(&events).contains(&"store_error"));
    assert_eq!(up.calls(), 1, "no fleet coordination, no upstream call");

    proxy.up();
    let t0 = Instant::now();
    let t = loop {
        match cell.get().await {
            Ok(t) => break t,
            Err(_) if t0.elapsed() < Duration::from_secs(10) => tokio::time::sleep(Duration::from_millis(100)).await,
            Err(e) => panic!("did not recover: {e}"),
        }
    };
    assert_eq!(t.value, "tok-2");
    assert_eq!(store.load_token(&key(), true).await.unwrap().unwrap().value, "tok-2");
    // Connections killed server-side (a restart): the next call reconnects.
    kill_connections(&db).await;
    assert!(store.load_token(&key(), true).await.is_ok() || store.load_token(&key(), true).await.is_ok());
}

async fn kill_connections(db: &TestDb) {
    match db.backend {
        Backend::MySql => {
            let ids = db.scalar(&format!(
                "SELECT GROUP_CONCAT(ID) FROM information_schema.PROCESSLIST WHERE DB = '{}' AND ID <> CONNECTION_ID()",
                db.name
            ))
            .await;
            for id in ids.unwrap_or_default().split(',').filter(|s| !s.is_empty()) {
                let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("KILL {id}")))
                    .execute(&mut <sqlx::MySqlConnection as sqlx::Connection>::connect(&db.url).await.unwrap())
                    .await;
            }
        }
        Backend::Postgres => {
            db.raw("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND application_name = '' AND datname = current_database() AND backend_type = 'client backend' AND query NOT LIKE '%pg_stat_activity%' AND state = 'idle'").await;
        }
        Backend::Sqlite => {}
    }
}

trait WithAppid {
    fn clone_with(&self, component: &str) -> TokenKey;
}
impl WithAppid for TokenKey {
    fn clone_with(&self, component: &str) -> TokenKey {
        TokenKey { component_appid: component.into(), ..self.clone() }
    }
}

macro_rules! all_stores {
    ($($name:ident),*) => {$(
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn memory() { super::$name(None).await }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn mysql() { super::$name(Some(Backend::MySql)).await }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() { super::$name(Some(Backend::Postgres)).await }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() { super::$name(Some(Backend::Sqlite)).await }
        }
    )*};
}

all_stores!(hundred_gets_one_fetch, compare_and_expire, upstream_failures, proactive);
per_backend!(readers, set_and_peek);

mod database_down {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn mysql() {
        super::database_down(Backend::MySql).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn postgres() {
        super::database_down(Backend::Postgres).await
    }
}
