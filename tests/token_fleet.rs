//! Several processes on one store: one upstream refresh per token lifetime
//! across 4 processes (against the project's WeChat sandbox), and a lease
//! taken over after its holder is killed mid-refresh. Children are this test
//! binary re-run with WXTP_CHILD_ROLE set.

#[path = "store_support/mod.rs"]
mod store_support;
#[path = "token_support/mod.rs"]
mod token_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use store_support::*;
use token_support::*;
use wxthirdparty::credential::{AccountTokenFetch, TicketFetch};
use wxthirdparty::sandbox::{Fault, Sandbox, SandboxConfig};
use wxthirdparty::store::{Store, StoreConfig};
use wxthirdparty::model::{Token, TokenKey, TokenKind};
use wxthirdparty::token::{CellOptions, Fetch, TokenCell};
use wxthirdparty::wechat::Transport;

const APPID: &str = "wxfleet0000000001";
const SECRET: &str = "fleet-secret-0001";
const LIFETIME_S: f64 = 2.0;

fn key() -> TokenKey {
    TokenKey::account(APPID, TokenKind::AccessToken)
}

/// An account's own access_token from the sandbox's /cgi-bin/token.
struct SandboxToken(Transport);

impl Fetch for SandboxToken {
    fn fetch<'a>(&'a self, _c: Option<&'a Token>) -> std::pin::Pin<Box<dyn std::future::Future<Output = wxthirdparty::Result<Token>> + Send + 'a>> {
        Box::pin(async move {
            let v: Value = self
                .0
                .get("/cgi-bin/token", &[("grant_type", "client_credential"), ("appid", APPID), ("secret", SECRET)])
                .await?;
            Ok(Token::new(v["access_token"].as_str().unwrap_or_default(), v["expires_in"].as_i64().unwrap_or(0)))
        })
    }
}

/// Child: gets the token in a loop for WXTP_RUN_MS and uses each one on the
/// sandbox; exits non-zero if WeChat (the sandbox) ever rejected one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_fleet_worker() {
    if child_role().as_deref() != Some("fleet") {
        return;
    }
    let env = |k: &str| std::env::var(k).unwrap();
    let store = Store::connect(&StoreConfig::new(env("WXTP_CHILD_URL"))).await.unwrap();
    store.migrate().await.unwrap();
    let transport = Transport::new(Some(&env("WXTP_SANDBOX")));
    let cell = TokenCell::new(key(), Some(store), Arc::new(SandboxToken(transport.clone())), CellOptions::default());
    let until = Instant::now() + Duration::from_millis(env("WXTP_RUN_MS").parse().unwrap());
    let (mut gets, mut rejected) = (0, 0);
    while Instant::now() < until {
        let t = cell.get().await.expect("a token");
        gets += 1;
        if let Err(e) = transport.get("/cgi-bin/getcallbackip", &[("access_token", &t.value)]).await {
            eprintln!("rejected: {e}");
            rejected += 1;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!("child {}: {gets} gets, {rejected} rejected", std::process::id());
    assert_eq!(rejected, 0);
}

async fn four_processes_one_fetch_per_lifetime(b: Backend) {
    let db = TestDb::create(b).await;
    db.store().await;
    let mut cfg = SandboxConfig::default();
    cfg.lifetimes.access_token = LIFETIME_S;
    let sandbox = Sandbox::start(cfg).await.unwrap();
    sandbox.register_app(APPID, SECRET);
    let t0 = Instant::now();
    let env = [("WXTP_CHILD_URL", db.url.clone()), ("WXTP_SANDBOX", sandbox.url()), ("WXTP_RUN_MS", "7000".to_owned())];
    let children: Vec<_> = (0..4).map(|_| spawn_child("child_fleet_worker", "fleet", &env)).collect();
    for mut c in children {
        assert!(c.wait().unwrap().success(), "a worker failed");
    }
    let elapsed = t0.elapsed().as_secs_f64();
    let calls = sandbox.counters().get("/cgi-bin/token").copied().unwrap_or(0);
    let bound = (elapsed / LIFETIME_S).ceil() as u64 + 1;
    println!("{b:?}: 4 processes, {elapsed:.1} s, lifetime {LIFETIME_S} s → {calls} upstream calls (bound {bound})");
    assert!(calls >= 3, "the token was refreshed as it expired: {calls}");
    assert!(calls <= bound, "{calls} upstream calls in {elapsed:.1} s > {bound}");
    assert!(sandbox.invalid_token_calls().is_empty(), "{:?}", sandbox.invalid_token_calls());
    sandbox.close().await;
}

/// Child: takes the lease and hangs in the upstream call until killed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_lease_holder() {
    if child_role().as_deref() != Some("holder") {
        return;
    }
    let store = Store::connect(&StoreConfig::new(std::env::var("WXTP_CHILD_URL").unwrap())).await.unwrap();
    let opts = CellOptions { owner_id: "holder-child".into(), lease_ttl_ms: 1_500, ..CellOptions::default() };
    let cell = TokenCell::new(key(), Some(store), HttpFetch::new(&std::env::var("WXTP_UPSTREAM").unwrap()), opts);
    let _ = cell.get().await; // never returns: the parent kills us
}

async fn lease_takeover_after_kill(b: Backend) {
    let db = TestDb::create(b).await;
    let store = db.store().await;
    let up = Upstream::start(vec![Mode::Hang, Mode::Ok { lifetime_ms: 60_000, delay_ms: 0 }]).await;
    let mut holder =
        spawn_child("child_lease_holder", "holder", &[("WXTP_CHILD_URL", db.url.clone()), ("WXTP_UPSTREAM", up.url.clone())]);
    let t0 = Instant::now();
    while up.calls() == 0 {
        assert!(t0.elapsed() < Duration::from_secs(30), "the holder never called upstream");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (owner, until) = store.lease_holder(&key()).await.unwrap().expect("the child holds the lease");
    assert_eq!(owner, "holder-child");
    holder.kill().unwrap(); // SIGKILL mid-refresh: no release
    holder.wait().unwrap();
    assert!(store.lease_holder(&key()).await.unwrap().is_some(), "the dead holder's lease is still there");

    let opts = CellOptions { wait_timeout: Duration::from_secs(10), ..CellOptions::default() };
    let cell = TokenCell::new(key(), Some(store.clone()), HttpFetch::new(&up.url), opts);
    let t = cell.get().await.unwrap();
    assert_eq!(t.value, "tok-2");
    assert_eq!(up.calls(), 2, "one hung call, one after the takeover");
    assert!(now_ms() >= until, "taken over only once the lease expired");
    assert_eq!(store.load_token(&key(), true).await.unwrap().unwrap().value, "tok-2");
    assert!(store.lease_holder(&key()).await.unwrap().is_none(), "released after the refresh");
}

/// A JS ticket whose access_token is slow to come (WeChat answering in
/// 900 ms; lease 2 s, so a fetch is given up on at 1.6 s): the token is
/// obtained before the ticket's lease and time limit start, so the ticket is
/// fetched once. Timing the two together gave up on a ticket WeChat had
/// issued, and fetched a second one (the soak saw it).
async fn a_slow_prerequisite_costs_no_second_fetch(b: Backend) {
    let db = TestDb::create(b).await;
    let store = db.store().await;
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    sandbox.register_app(APPID, SECRET);
    sandbox.set_failure_rate(None, 1.0, Fault::DelayMs(900));
    let transport = Transport::new(Some(&sandbox.url()));
    let opts = CellOptions { lease_ttl_ms: 2_000, ..CellOptions::default() };
    let own = AccountTokenFetch { appid: APPID.into(), secret: SECRET.into(), transport: transport.clone(), stable: false };
    let token = TokenCell::new(key(), Some(store.clone()), Arc::new(own), opts.clone());
    let ticket_key = TokenKey::account(APPID, TokenKind::JsapiTicket);
    let ticket = TokenCell::new(ticket_key, Some(store), Arc::new(TicketFetch::new("jsapi", transport, token)), opts);
    let t0 = Instant::now();
    let t = ticket.get().await.expect("a ticket");
    assert!(!t.value.is_empty());
    assert!(t0.elapsed() >= Duration::from_millis(1_800), "both calls were slow: {:?}", t0.elapsed());
    let counters = sandbox.counters();
    assert_eq!(counters.get("/cgi-bin/token").copied(), Some(1), "{counters:?}");
    assert_eq!(counters.get("/cgi-bin/ticket/getticket").copied(), Some(1), "one ticket issued: {counters:?}");
    sandbox.close().await;
}

/// The access token a ticket is fetched with is rejected (WeChat voided it;
/// every answer takes 900 ms): it is dropped and obtained again outside the
/// ticket's lease and time limit, then the ticket is fetched once. Obtained
/// inside them, the fetch was given up on mid-way and the token fetched
/// twice (a process holding a lease past its limit lets another in).
async fn a_rejected_prerequisite_is_obtained_again_outside_the_lease(b: Backend) {
    let db = TestDb::create(b).await;
    let store = db.store().await;
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    sandbox.register_app(APPID, SECRET);
    let transport = Transport::new(Some(&sandbox.url()));
    let opts = CellOptions { lease_ttl_ms: 2_000, ..CellOptions::default() };
    let own = AccountTokenFetch { appid: APPID.into(), secret: SECRET.into(), transport: transport.clone(), stable: false };
    let token = TokenCell::new(key(), Some(store.clone()), Arc::new(own), opts.clone());
    let first = token.get().await.expect("a token").value;
    sandbox.invalidate_all_tokens();
    sandbox.set_failure_rate(None, 1.0, Fault::DelayMs(900));
    let ticket_key = TokenKey::account(APPID, TokenKind::JsapiTicket);
    let ticket = TokenCell::new(ticket_key, Some(store), Arc::new(TicketFetch::new("jsapi", transport, token.clone())), opts);
    assert!(!ticket.get().await.expect("a ticket").value.is_empty());
    assert_ne!(token.cached_valid().expect("a token").value, first, "the rejected token was replaced");
    let issued = sandbox.issued();
    assert_eq!(issued.get("/cgi-bin/token").copied(), Some(2), "the first token and one after the rejection: {issued:?}");
    assert_eq!(issued.get("/cgi-bin/ticket/getticket").copied(), Some(1), "{issued:?}");
    sandbox.close().await;
}

per_backend!(
    four_processes_one_fetch_per_lifetime,
    lease_takeover_after_kill,
    a_slow_prerequisite_costs_no_second_fetch,
    a_rejected_prerequisite_is_obtained_again_outside_the_lease
);
