//! The platform core end to end against the sandbox over real HTTP and a
//! real SQLite file: ticket push → ready, authorization, API calls for the
//! authorizer, rejected pushes, revocation, restart without wasted calls.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::routing::post;
use serde_json::json;
use wxthirdparty::component::{AuthorizeUrlOptions, Component, ComponentConfig, Event};
use wxthirdparty::message::SignatureQuery;
use wxthirdparty::sandbox::{AuthorizeOptions, ComponentRegistration, Fault, Lifetimes, Sandbox, SandboxConfig};
use wxthirdparty::Error;

#[path = "store_support/mod.rs"]
mod store_support;
use store_support::{Backend, TestDb};

const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

struct Harness {
    sandbox: Sandbox,
    comp_appid: String,
    db: String,
    _dir: TempDir,
    _testdb: Option<TestDb>,
    receiver: Arc<tokio::sync::RwLock<Option<Arc<Component>>>>,
}

struct TempDir(std::path::PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn unique(prefix: &str) -> String {
    format!("{prefix}{}{}", std::process::id(), wxthirdparty::crypto::random_nonce().to_lowercase())
}

type Receiver = Arc<tokio::sync::RwLock<Option<Arc<Component>>>>;

/// The platform's authorization-event URL: hands each push to the component.
async fn receive(State(rx): State<Receiver>, Query(q): Query<HashMap<String, String>>, body: String) -> (axum::http::StatusCode, String) {
    let Some(c) = rx.read().await.clone() else { return (axum::http::StatusCode::SERVICE_UNAVAILABLE, "no platform".into()) };
    let query = SignatureQuery {
        timestamp: q.get("timestamp").cloned().unwrap_or_default(),
        nonce: q.get("nonce").cloned().unwrap_or_default(),
        msg_signature: q.get("msg_signature").cloned().unwrap_or_default(),
    };
    match c.handle_push(&body, Some(&query)).await {
        Ok(_) => (axum::http::StatusCode::OK, "success".into()),
        Err(e) => (axum::http::StatusCode::BAD_REQUEST, e.to_string()),
    }
}

impl Harness {
    async fn new(lifetime_secs: f64) -> Harness {
        Self::on(Backend::Sqlite, lifetime_secs).await
    }

    async fn on(backend: Backend, lifetime_secs: f64) -> Harness {
        let lifetimes = Lifetimes {
            component_access_token: lifetime_secs,
            pre_auth_code: lifetime_secs,
            authorizer_access_token: lifetime_secs,
            ..Lifetimes::default()
        };
        Self::with_lifetimes(backend, lifetimes).await
    }

    async fn with_lifetimes(backend: Backend, lifetimes: Lifetimes) -> Harness {
        let cfg = SandboxConfig { lifetimes, ..SandboxConfig::default() };
        let sandbox = Sandbox::start(cfg).await.expect("sandbox starts");
        let receiver: Receiver = Arc::new(tokio::sync::RwLock::new(None));
        let app = axum::Router::new().route("/push", post(receive)).with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let comp_appid = unique("wxcomp");
        sandbox
            .register_component(ComponentRegistration {
                appid: comp_appid.clone(),
                secret: "component-secret".into(),
                token: "push-token".into(),
                encoding_aes_key: KEY.into(),
                push_url: Some(format!("http://127.0.0.1:{port}/push")),
            })
            .unwrap();
        let dir = std::env::temp_dir().join(unique("wxtp-flow-"));
        std::fs::create_dir_all(&dir).unwrap();
        let (db, testdb) = match backend {
            Backend::Sqlite => (format!("sqlite://{}", dir.join("platform.db").display()), None),
            other => {
                let t = TestDb::create(other).await;
                (t.url.clone(), Some(t))
            }
        };
        Harness { sandbox, comp_appid, db, _dir: TempDir(dir), _testdb: testdb, receiver }
    }

    fn config(&self, is_cluster: bool) -> ComponentConfig {
        let mut c = ComponentConfig::new(&self.comp_appid, "component-secret", "push-token", KEY, &self.db);
        c.api_base = Some(self.sandbox.url());
        c.is_cluster = is_cluster;
        c.max_tick = Duration::from_millis(500);
        c.poll_interval = Duration::from_millis(100);
        c.push_ticket_interval = Duration::from_secs(1);
        c
    }

    async fn open(&self, is_cluster: bool) -> Arc<Component> {
        let c = Component::open(self.config(is_cluster)).await.expect("component opens");
        if self.receiver.read().await.is_none() {
            *self.receiver.write().await = Some(c.clone());
        }
        c
    }

    fn count(&self, endpoint: &str) -> u64 {
        self.sandbox.counters().get(&format!("/cgi-bin/component/{endpoint}")).copied().unwrap_or(0)
    }
}

async fn wait_for(c: &Component, name: &str) -> Event {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let e = c.next_event().await.expect("events keep coming");
            if e.name() == name {
                return e;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no '{name}' event within 10 s"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn master_becomes_ready_from_a_requested_ticket_push() {
    let h = Harness::new(7200.0).await;
    let c = h.open(false).await;
    c.start();
    wait_for(&c, "ready").await;
    assert!(h.count("api_start_push_ticket") >= 1, "the master asked WeChat to push a ticket");
    assert_eq!(h.count("api_component_token"), 1);
    assert_eq!(h.count("api_create_preauthcode"), 1);
    let token = c.component_access_token().await.unwrap();
    assert!(!token.is_empty());
    // Asking again is served from the cell, not upstream.
    assert_eq!(c.component_access_token().await.unwrap(), token);
    assert_eq!(h.count("api_component_token"), 1);
    c.close().await;

    // A restart uses the stored, still-valid ticket and tokens at once.
    let again = h.open(false).await;
    *h.receiver.write().await = Some(again.clone());
    again.start();
    wait_for(&again, "ready").await;
    assert_eq!(again.component_access_token().await.unwrap(), token);
    assert_eq!(h.count("api_component_token"), 1, "no wasted upstream call after a restart");
    again.close().await;
    h.sandbox.close().await;
}

/// A component_access_token that ran out at WeChat (42001) is replaced, and
/// the pre_auth_code issued under it stays (WeChat still honours it: one
/// upstream call saved per expiry); tokens WeChat voided (40001) take it along.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_component_token_keeps_its_pre_auth_code_a_voided_one_does_not() {
    let lifetimes = Lifetimes { component_access_token: 100.0, pre_auth_code: 1800.0, ..Lifetimes::default() };
    let h = Harness::with_lifetimes(Backend::Sqlite, lifetimes).await;
    let c = h.open(false).await;
    c.start();
    wait_for(&c, "ready").await;
    let code = c.pre_auth_code().await.unwrap();
    let token = c.component_access_token().await.unwrap();
    assert_eq!(h.count("api_create_preauthcode"), 1);

    // WeChat's clock passes the component token's end; ours has not yet.
    h.sandbox.advance_clock(101.0);
    let auth = h.sandbox.authorize(&h.comp_appid, AuthorizeOptions::default()).await.unwrap();
    c.handle_auth_code(&auth.auth_code).await.expect("the call is retried with a new component token");
    assert_ne!(c.component_access_token().await.unwrap(), token, "the expired token was replaced");
    tokio::time::sleep(Duration::from_millis(500)).await; // the change feed's turn
    assert_eq!(c.pre_auth_code().await.unwrap(), code, "the pre_auth_code outlives the component token that got it");
    assert_eq!(h.count("api_create_preauthcode"), 1, "no new pre_auth_code fetched");

    // WeChat voids everything at once: the next rejection takes the pre_auth_code too.
    h.sandbox.invalidate_all_tokens();
    let auth = h.sandbox.authorize(&h.comp_appid, AuthorizeOptions::default()).await.unwrap();
    c.handle_auth_code(&auth.auth_code).await.expect("retried with a new component token");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while c.pre_auth_code().await.unwrap() == code {
        assert!(std::time::Instant::now() < deadline, "the voided pre_auth_code was never replaced");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(h.count("api_create_preauthcode"), 2);
    c.close().await;
    h.sandbox.close().await;
}

/// api_query_auth spends the code; the rest of the exchange (profile, store)
/// outlasting the cell's fetch limit must not lose the authorization: it is
/// stored anyway, and the next call with the code gets it without a second
/// (61009) exchange. The soak lost one this way (lease 2 s, a slow profile).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exchange_slower_than_its_lease_still_stores_the_authorization() {
    let h = Harness::new(7200.0).await;
    let mut cfg = h.config(false);
    cfg.lease_ttl_ms = 1000; // the fetch limit: 800 ms
    let c = Component::open(cfg).await.unwrap();
    *h.receiver.write().await = Some(c.clone());
    c.start();
    wait_for(&c, "ready").await;
    let auth = h.sandbox.authorize(&h.comp_appid, AuthorizeOptions::default()).await.unwrap();
    h.sandbox.inject_fault("/cgi-bin/component/api_get_authorizer_info", Fault::DelayMs(1500), 1);
    // The first call may be given up on; the next (the admin's reload, or
    // the push) meets a spent code (61009) and waits for the stored result.
    let first = c.handle_auth_code(&auth.auth_code).await;
    let view = c.handle_auth_code(&auth.auth_code).await.unwrap_or_else(|e| panic!("the authorization was lost: {e} (first call: {first:?})"));
    assert_eq!(view.record.appid, auth.authorizer_appid);
    assert!(c.store().authorizer_by_appid(&h.comp_appid, &auth.authorizer_appid).await.unwrap().is_some_and(|r| r.authorized));
    c.close().await;
    h.sandbox.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorizer_flow_and_api_calls_sqlite() {
    authorizer_flow_and_api_calls(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorizer_flow_and_api_calls_mysql() {
    authorizer_flow_and_api_calls(Backend::MySql).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorizer_flow_and_api_calls_postgres() {
    authorizer_flow_and_api_calls(Backend::Postgres).await
}

async fn authorizer_flow_and_api_calls(backend: Backend) {
    let h = Harness::on(backend, 7200.0).await;
    let c = h.open(false).await;
    c.start();
    wait_for(&c, "ready").await;

    let url = c.authorize_url("https://example.com/back", &Default::default()).await.unwrap();
    assert!(url.starts_with("https://mp.weixin.qq.com/cgi-bin/componentloginpage?component_appid="), "{url}");
    let parsed = url::Url::parse(&url).unwrap();
    let pairs: HashMap<String, String> = parsed.query_pairs().into_owned().collect();
    assert_eq!(pairs["pre_auth_code"], c.pre_auth_code().await.unwrap());
    assert_eq!(pairs["component_appid"], h.comp_appid);
    assert_eq!(pairs["redirect_uri"], "https://example.com/back");
    let mobile = c
        .authorize_url("https://example.com/back", &AuthorizeUrlOptions { mobile: true, auth_type: Some(3), biz_appid: Some("wxbiz".into()) })
        .await
        .unwrap();
    assert!(mobile.starts_with("https://open.weixin.qq.com/wxaopen/safe/bindcomponent?action=bindcomponent&no_scan=1&component_appid="), "{mobile}");
    assert!(mobile.ends_with("#wechat_redirect") && mobile.contains("&auth_type=3&biz_appid=wxbiz"), "{mobile}");

    let auth = h
        .sandbox
        .authorize(&h.comp_appid, AuthorizeOptions { nick_name: Some("测试号 🚀".into()), followers: Some(5), ..Default::default() })
        .await
        .unwrap();
    let view = c.handle_auth_code(&auth.auth_code).await.unwrap();
    assert_eq!(view.record.appid, auth.authorizer_appid);
    assert_eq!(view.record.nick_name.as_deref(), Some("测试号 🚀"));
    assert_eq!(view.record.wx_token.len(), 64, "wx_token is 32 random bytes in hex");
    // The push and the admin's redirect bring the same code: it is exchanged
    // once, the second caller gets the stored authorizer; an unknown code is WeChat's error.
    assert_eq!(c.handle_auth_code(&auth.auth_code).await.unwrap().record.wx_token, view.record.wx_token);
    let unknown = format!("never-issued-{}", auth.auth_code);
    assert!(matches!(c.handle_auth_code(&unknown).await, Err(Error::WeChat { .. })));

    let by_cookie = c.get_authorizer(&view.record.wx_token).await.unwrap();
    assert_eq!(by_cookie.record.appid, auth.authorizer_appid);
    assert_eq!(by_cookie.token.value, view.token.value);

    let client = c.client(&auth.authorizer_appid);
    let followers = client.call("getFollowers", &[]).await.unwrap();
    let openids = followers["data"]["openid"].as_array().expect("openid list").clone();
    assert_eq!(openids.len(), 5);
    let user = client.call("getUser", &[openids[0].clone()]).await.unwrap();
    assert_eq!(user["openid"], openids[0]);
    // The default hooks stored the follower (wx_followers_info), emoji and all.
    let stored = c.store().follower_nickname(openids[0].as_str().unwrap()).await.unwrap();
    assert_eq!(stored.as_deref(), user["nickname"].as_str());
    let sent = client.call("sendText", &[openids[0].clone(), json!("hello")]).await.unwrap();
    assert_eq!(sent["errcode"], 0);
    assert!(h.sandbox.invalid_token_calls().is_empty(), "{:?}", h.sandbox.invalid_token_calls());

    // The admin revokes: the push drops its tokens, calls fail clearly.
    h.sandbox.push_event(&h.comp_appid, "unauthorized", &auth.authorizer_appid).await.unwrap();
    wait_for(&c, "unauthorized").await;
    let err = c.get_authorizer(&auth.authorizer_appid).await.unwrap_err();
    assert!(matches!(err, Error::Revoked(_)), "{err:?}");
    let err = client.call("getUser", &[openids[0].clone()]).await.unwrap_err();
    assert!(matches!(err, Error::Revoked(_)), "{err:?}");
    c.close().await;
    h.sandbox.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_push_changes_nothing() {
    let h = Harness::new(7200.0).await;
    let c = h.open(false).await;
    c.start();
    wait_for(&c, "ready").await;
    let before = c.secrets().await.unwrap();

    // A ticket push encrypted for us but signed wrongly.
    let crypt = push_crypt(&h);
    let inner = format!(
        "<xml><AppId><![CDATA[{}]]></AppId><CreateTime>{}</CreateTime><InfoType><![CDATA[component_verify_ticket]]></InfoType><ComponentVerifyTicket><![CDATA[forged]]></ComponentVerifyTicket></xml>",
        h.comp_appid,
        chrono_now()
    );
    let encrypt = crypt.encrypt(&inner);
    let body = format!("<xml><AppId><![CDATA[{}]]></AppId><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>", h.comp_appid);
    let bad = SignatureQuery { timestamp: "1".into(), nonce: "n".into(), msg_signature: "0".repeat(40) };
    assert!(matches!(c.handle_push(&body, Some(&bad)).await, Err(Error::Crypto(_))));
    // Encrypted with another key: refused as well.
    let other = wxthirdparty::crypto::MsgCrypt::new("push-token", "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210abcdefg", &h.comp_appid).unwrap();
    let enc2 = other.encrypt(&inner);
    let sig2 = crypt.signature("1", "n", &enc2);
    let body2 = format!("<xml><Encrypt><![CDATA[{enc2}]]></Encrypt></xml>");
    let q2 = SignatureQuery { timestamp: "1".into(), nonce: "n".into(), msg_signature: sig2 };
    assert!(c.handle_push(&body2, Some(&q2)).await.is_err());
    assert!(c.handle_push("<xml><Encrypt>", None).await.is_err());
    assert_eq!(c.secrets().await.unwrap(), before, "stored secrets untouched");

    // Validly signed a year ago: stale, refused, nothing stored.
    let year_ago = (chrono_now() - 365 * 86_400).to_string();
    let old = SignatureQuery { timestamp: year_ago.clone(), nonce: "n".into(), msg_signature: crypt.signature(&year_ago, "n", &encrypt) };
    let err = c.handle_push(&body, Some(&old)).await.unwrap_err();
    assert!(matches!(&err, Error::Crypto(m) if m.contains("outside the 300 s window")), "{err:?}");
    assert_eq!(c.secrets().await.unwrap(), before, "stored secrets untouched");

    // The same valid push twice: the second changes nothing.
    let now = chrono_now().to_string();
    let good_sig = crypt.signature(&now, "n", &encrypt);
    let good = SignatureQuery { timestamp: now, nonce: "n".into(), msg_signature: good_sig };
    c.handle_push(&body, Some(&good)).await.unwrap();
    let after_one = c.secrets().await.unwrap();
    c.handle_push(&body, Some(&good)).await.unwrap();
    assert_eq!(c.secrets().await.unwrap(), after_one);
    c.close().await;
    h.sandbox.close().await;
}

/// An authorization push as WeChat sends it, created at `created` and signed at `signed` (seconds).
async fn push_authorization(h: &Harness, c: &Arc<Component>, fields: &str, created: i64, signed: i64) -> wxthirdparty::Result<()> {
    let crypt = wxthirdparty::crypto::MsgCrypt::new("push-token", KEY, &h.comp_appid).unwrap();
    let inner = format!("<xml><AppId><![CDATA[{}]]></AppId><CreateTime>{created}</CreateTime>{fields}</xml>", h.comp_appid);
    let encrypt = crypt.encrypt(&inner);
    let ts = signed.to_string();
    let q = SignatureQuery { msg_signature: crypt.signature(&ts, "n", &encrypt), timestamp: ts, nonce: "n".into() };
    c.handle_push(&format!("<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"), Some(&q)).await.map(|_| ())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocations_are_ordered_and_stale_pushes_refused_sqlite() {
    revocations_are_ordered_and_stale_pushes_refused(Backend::Sqlite).await
}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocations_are_ordered_and_stale_pushes_refused_mysql() {
    revocations_are_ordered_and_stale_pushes_refused(Backend::MySql).await
}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocations_are_ordered_and_stale_pushes_refused_postgres() {
    revocations_are_ordered_and_stale_pushes_refused(Backend::Postgres).await
}

/// Pushes out of order: an `unauthorized` created before the authorization
/// handled last changes nothing, a later one revokes, and an `authorized`
/// created before that revocation does not bring the authorizer back. A
/// 30-day-old push, validly signed, is refused and revokes nothing.
async fn revocations_are_ordered_and_stale_pushes_refused(backend: Backend) {
    let h = Harness::on(backend, 7200.0).await;
    let c = h.open(false).await;
    c.start();
    wait_for(&c, "ready").await;
    let auth = h.sandbox.authorize(&h.comp_appid, AuthorizeOptions::default()).await.unwrap();
    let appid = auth.authorizer_appid.clone();
    let now = chrono_now();
    let authorized = |code: &str| {
        format!("<InfoType><![CDATA[authorized]]></InfoType><AuthorizerAppid><![CDATA[{appid}]]></AuthorizerAppid><AuthorizationCode><![CDATA[{code}]]></AuthorizationCode>")
    };
    let unauthorized = format!("<InfoType><![CDATA[unauthorized]]></InfoType><AuthorizerAppid><![CDATA[{appid}]]></AuthorizerAppid>");
    push_authorization(&h, &c, &authorized(&auth.auth_code), now, now).await.unwrap();
    assert!(c.get_authorizer(&appid).await.unwrap().record.authorized);
    let live = |c: &Arc<Component>| {
        let c = c.clone();
        let appid = appid.clone();
        async move { c.get_authorizer(&appid).await.map(|v| v.record.authorized) }
    };

    // Created a minute before the authorization, delivered after it: stale.
    push_authorization(&h, &c, &unauthorized, now - 60, now).await.unwrap();
    assert_eq!(live(&c).await.unwrap(), true, "an older revocation does not revoke a newer authorization");

    // Validly signed 30 days ago: refused before anything is stored.
    let month = now - 30 * 86_400;
    let err = push_authorization(&h, &c, &unauthorized, month, month).await.unwrap_err();
    assert!(matches!(&err, Error::Crypto(m) if m.contains("old")), "{err:?}");
    assert_eq!(live(&c).await.unwrap(), true, "a 30-day-old push revokes nothing");

    // Created after the authorization: revokes.
    push_authorization(&h, &c, &unauthorized, now + 1, now + 1).await.unwrap();
    wait_for(&c, "unauthorized").await;
    assert!(matches!(live(&c).await, Err(Error::Revoked(_))));

    // An authorization created before that revocation, delivered late: stale too.
    push_authorization(&h, &c, &authorized(&auth.auth_code), now, now + 1).await.unwrap();
    assert!(matches!(live(&c).await, Err(Error::Revoked(_))), "a late authorization does not undo a later revocation");
    c.close().await;
    h.sandbox.close().await;
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_reads_the_store_and_never_calls_upstream() {
    let h = Harness::new(7200.0).await;
    let master = h.open(false).await;
    let worker = h.open(true).await;
    worker.start();
    wait_for(&worker, "not_ready").await;
    master.start();
    wait_for(&worker, "ready").await;
    assert_eq!(worker.component_access_token().await.unwrap(), master.component_access_token().await.unwrap());
    assert_eq!(h.count("api_component_token"), 1);
    worker.close().await;
    master.close().await;
    h.sandbox.close().await;
}

#[test]
fn config_debug_shows_no_secret() {
    let c = ComponentConfig::new("wxappid", "the-appsecret", "the-token", KEY, "mysql://root:dbpass@127.0.0.1/x");
    let printed = format!("{c:?}");
    assert!(printed.contains("wxappid"));
    for secret in ["the-appsecret", "the-token", KEY, "dbpass"] {
        assert!(!printed.contains(secret), "{secret} leaked: {printed}");
    }
}

fn push_crypt(h: &Harness) -> wxthirdparty::crypto::MsgCrypt {
    wxthirdparty::crypto::MsgCrypt::new("push-token", KEY, &h.comp_appid).unwrap()
}

/// A push as WeChat sends it to the authorization-event URL: encrypted, signed now.
fn sealed_push(crypt: &wxthirdparty::crypto::MsgCrypt, comp_appid: &str, inner: &str) -> (String, SignatureQuery) {
    let encrypt = crypt.encrypt(inner);
    let body = format!("<xml><AppId><![CDATA[{comp_appid}]]></AppId><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>");
    let ts = chrono_now().to_string();
    let query = SignatureQuery { timestamp: ts.clone(), nonce: "n".into(), msg_signature: crypt.signature(&ts, "n", &encrypt) };
    (body, query)
}

/// `copies` of one push at once, spread over the processes (WeChat's retries land anywhere).
async fn push_copies(procs: &[&Arc<Component>], body: &str, query: &SignatureQuery, copies: usize) {
    let mut pushes = Vec::new();
    for i in 0..copies {
        let (c, body, query) = (procs[i % procs.len()].clone(), body.to_owned(), query.clone());
        pushes.push(tokio::spawn(async move { c.handle_push(&body, Some(&query)).await.map(drop) }));
    }
    for p in pushes {
        p.await.unwrap().expect("every copy of the push is answered");
    }
}

/// The events named `name` the processes emitted until each was quiet for 300 ms.
async fn events_named(procs: &[&Arc<Component>], name: &str) -> Vec<Event> {
    let mut out = Vec::new();
    for c in procs {
        while let Ok(Some(e)) = tokio::time::timeout(Duration::from_millis(300), c.next_event()).await {
            if e.name() == name {
                out.push(e);
            }
        }
    }
    out
}

/// One ticket push retried at once to two processes (WeChat retries a push
/// answered slowly; the retry lands wherever): stored and announced once.
async fn one_ticket_push_at_two_processes_is_announced_once(backend: Backend) {
    let h = Harness::on(backend, 7200.0).await;
    let (a, b) = (h.open(true).await, h.open(true).await);
    let crypt = push_crypt(&h);
    let inner = format!(
        "<xml><AppId><![CDATA[{}]]></AppId><CreateTime>{}</CreateTime><InfoType><![CDATA[component_verify_ticket]]></InfoType><ComponentVerifyTicket><![CDATA[ticket@@@once-{}]]></ComponentVerifyTicket></xml>",
        h.comp_appid,
        chrono_now(),
        unique("t")
    );
    let (body, query) = sealed_push(&crypt, &h.comp_appid, &inner);
    push_copies(&[&a, &b], &body, &query, 8).await;
    let announced = events_named(&[&a, &b], "ticket").await.len();
    assert_eq!(announced, 1, "one push, one ticket event across the two processes");
    a.close().await;
    b.close().await;
    h.sandbox.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_ticket_push_at_two_processes_is_announced_once_mysql() {
    one_ticket_push_at_two_processes_is_announced_once(Backend::MySql).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_ticket_push_at_two_processes_is_announced_once_postgres() {
    one_ticket_push_at_two_processes_is_announced_once(Backend::Postgres).await
}

/// Pushes of a kind the platform does not type (here a beta's quick
/// verification result), each retried at both processes: one `push` event
/// per push, carrying what WeChat pushed.
async fn an_untyped_push_is_one_push_event_fleet_wide(backend: Backend) {
    let h = Harness::on(backend, 7200.0).await;
    let (a, b) = (h.open(true).await, h.open(true).await);
    let crypt = push_crypt(&h);
    let beta = unique("wxbeta");
    let mut sent = Vec::new();
    // One clock reading: two distinct CreateTimes even when the second ticks between pushes.
    let now = chrono_now();
    for (i, status) in ["0", "89251"].iter().enumerate() {
        let created = now - i as i64;
        let inner = format!(
            "<xml><AppId><![CDATA[{}]]></AppId><CreateTime>{created}</CreateTime><InfoType><![CDATA[notify_third_fastverifybetaapp]]></InfoType><AuthorizerAppid><![CDATA[{beta}]]></AuthorizerAppid><status>{status}</status><msg><![CDATA[m{i}]]></msg></xml>",
            h.comp_appid
        );
        sent.push((created, status.to_string()));
        let (body, query) = sealed_push(&crypt, &h.comp_appid, &inner);
        push_copies(&[&a, &b], &body, &query, 4).await;
    }
    let got: Vec<_> = events_named(&[&a, &b], "push").await.iter().map(|e| e.payload().expect("a push event has its payload")).collect();
    assert_eq!(got.len(), sent.len(), "one event per push across the two processes: {got:?}");
    for (created, status) in sent {
        let e = got.iter().find(|e| e["createTime"] == created).unwrap_or_else(|| panic!("no event for the push of {created}: {got:?}"));
        assert_eq!(e["infoType"], "notify_third_fastverifybetaapp");
        assert_eq!(e["appid"], beta.as_str());
        assert_eq!(e["message"]["status"], status.as_str());
    }
    a.close().await;
    b.close().await;
    h.sandbox.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untyped_push_is_one_push_event_fleet_wide_mysql() {
    an_untyped_push_is_one_push_event_fleet_wide(Backend::MySql).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untyped_push_is_one_push_event_fleet_wide_postgres() {
    an_untyped_push_is_one_push_event_fleet_wide(Backend::Postgres).await
}
