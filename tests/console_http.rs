//! The operator console over real databases and real HTTP: the store reads
//! on MariaDB, PostgreSQL and SQLite; login, roles, CSRF, confirmation,
//! the audit log, escaping and no secret on any page (SQLite); what the
//! fleet records for the console (a token cell's last refresh error and its
//! writer, an inbox's per-minute counts, the principal name) on all three.

#[path = "store_support/mod.rs"]
mod store_support;
#[path = "token_support/mod.rs"]
mod token_support;

use std::sync::Arc;

use store_support::*;
use wxthirdparty::console::{Console, ConsoleConfig, ConsoleLogin, Role, RolloutAction, RolloutApp, RolloutBoard, RolloutSummary};
use wxthirdparty::model::{BoxFut, Token, TokenKey, TokenKind};
use wxthirdparty::store::console::AuthorizerQuery;
use wxthirdparty::store::{AuthorizerRecord, Store};

const PLATFORM: &str = "wxcomponent0001";
const SECRETS: [&str; 6] = ["SECRET-TICKET-VALUE", "SECRET-CAT-VALUE", "SECRET-PAC-VALUE", "SECRET-AAT-VALUE", "SECRET-REFRESH-VALUE", "SECRET-PLATFORM-VALUE"];
const OPERATOR: &str = "operator-token-123";
const VIEWER: &str = "viewer-token-456";
const XSS: &str = "<script>alert(1)</script>";

fn record(appid: &str, name: &str, mini: bool, scopes: &[i64], authorized: bool) -> AuthorizerRecord {
    let func: Vec<String> = scopes.iter().map(|i| format!(r#"{{"funcscope_category":{{"id":{i}}}}}"#)).collect();
    AuthorizerRecord {
        component_appid: PLATFORM.into(),
        appid: appid.into(),
        wx_token: format!("wxtoken-{appid}"),
        nick_name: Some(name.into()),
        head_img: None,
        service_type_id: Some(2),
        verify_type_info: Some(0),
        user_name: Some(format!("gh_{appid}")),
        alias: None,
        func_info: Some(format!("[{}]", func.join(","))),
        authorized,
        app_type: Some(if mini { "mini_program" } else { "official_account" }.into()),
        mini_program_info: None,
        principal_name: None,
    }
}

async fn seed(store: &Store) {
    store.migrate().await.unwrap();
    store.save_platform(PLATFORM, SECRETS[5]).await.unwrap();
    let k = |kind| TokenKey::component(PLATFORM, kind);
    store.save_token(&k(TokenKind::ComponentVerifyTicket), &Token::new(SECRETS[0], 43_200)).await.unwrap();
    store.save_token(&k(TokenKind::ComponentAccessToken), &Token::new(SECRETS[1], 7_200)).await.unwrap();
    store.save_token(&k(TokenKind::PreAuthCode), &Token::new(SECRETS[2], 1_800)).await.unwrap();
    store.upsert_authorizer(&record("wxaaa0000000001", "Tea shop", false, &[1, 15], true)).await.unwrap();
    store.upsert_authorizer(&record("wxbbb0000000002", XSS, true, &[17, 18], true)).await.unwrap();
    store.upsert_authorizer(&record("wxccc0000000003", "Closed 100%_shop", true, &[18], false)).await.unwrap();
    let mut t = Token::new(SECRETS[3], 7_200);
    t.refresh_token = Some(SECRETS[4].into());
    store.save_token(&TokenKey::new(PLATFORM, TokenKind::AuthorizerAccessToken, "wxaaa0000000001"), &t).await.unwrap();
    store.claim_message("wxaaa0000000001", "msg-1", 5_000).await.unwrap();
}

fn appids(rows: &[wxthirdparty::store::console::AuthorizerRow]) -> Vec<&str> {
    rows.iter().map(|r| r.appid.as_str()).collect()
}

async fn store_reads(b: Backend) {
    let db = TestDb::create(b).await;
    let store = db.store().await;
    seed(&store).await;
    assert_eq!(store.console_platforms().await.unwrap(), vec![PLATFORM.to_owned()]);
    let page = |q: AuthorizerQuery| {
        let store = store.clone();
        async move { store.authorizer_page(PLATFORM, &AuthorizerQuery { limit: 10, ..q }).await.unwrap() }
    };
    let all = page(AuthorizerQuery::default()).await;
    assert_eq!(appids(&all), ["wxaaa0000000001", "wxbbb0000000002", "wxccc0000000003"], "{}", b.name());
    assert!(all[0].token_expires_at > 0 && all[1].token_expires_at == 0);
    // Search by name (any case), appid fragment, user_name; LIKE's wildcards are literal.
    assert_eq!(appids(&page(AuthorizerQuery { search: Some("TEA".into()), ..Default::default() }).await), ["wxaaa0000000001"]);
    assert_eq!(appids(&page(AuthorizerQuery { search: Some("bbb00".into()), ..Default::default() }).await), ["wxbbb0000000002"]);
    assert_eq!(appids(&page(AuthorizerQuery { search: Some("gh_wxccc".into()), ..Default::default() }).await), ["wxccc0000000003"]);
    assert_eq!(appids(&page(AuthorizerQuery { search: Some("100%_".into()), ..Default::default() }).await), ["wxccc0000000003"]);
    assert!(page(AuthorizerQuery { search: Some("0%0".into()), ..Default::default() }).await.is_empty());
    // Type, status, permission set (18 is not 1), keyset paging.
    assert_eq!(appids(&page(AuthorizerQuery { app_type: Some("mini_program".into()), ..Default::default() }).await), ["wxbbb0000000002", "wxccc0000000003"]);
    assert_eq!(appids(&page(AuthorizerQuery { authorized: Some(false), ..Default::default() }).await), ["wxccc0000000003"]);
    assert_eq!(appids(&page(AuthorizerQuery { scope: Some(1), ..Default::default() }).await), ["wxaaa0000000001"]);
    assert_eq!(appids(&page(AuthorizerQuery { scope: Some(18), ..Default::default() }).await), ["wxbbb0000000002", "wxccc0000000003"]);
    let first = store.authorizer_page(PLATFORM, &AuthorizerQuery { limit: 2, ..Default::default() }).await.unwrap();
    let next = page(AuthorizerQuery { after: Some(first[1].appid.clone()), ..Default::default() }).await;
    assert_eq!(appids(&next), ["wxccc0000000003"]);
    // The platform's rows: metadata, three kinds; the change feed per hour; the ledger.
    let kinds: Vec<String> = store.platform_tokens(PLATFORM).await.unwrap().into_iter().map(|t| t.kind).collect();
    assert_eq!(kinds, ["component_access_token", "component_verify_ticket", "pre_auth_code"]);
    let hourly = store.changes_per_hour(PLATFORM, 24).await.unwrap();
    assert!(hourly.iter().any(|(_, k, n)| k == "authorizer" && *n == 3), "{hourly:?}");
    assert!(hourly.iter().all(|(h, ..)| h % 3_600_000 == 0));
    assert_eq!(store.message_ledger().await.unwrap(), (1, 0));
    // The audit log keeps order.
    store.audit("operator", "operator", "login", "", "ok").await.unwrap();
    store.audit("viewer", "viewer", "rollout.pause", "rollout r1", "refused").await.unwrap();
    let log = store.audit_log(10).await.unwrap();
    assert_eq!(log.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["rollout.pause", "login"]);
    store.close().await;
}

#[tokio::test]
async fn store_reads_on_mysql() {
    store_reads(Backend::MySql).await;
}

#[tokio::test]
async fn store_reads_on_postgres() {
    store_reads(Backend::Postgres).await;
}

#[tokio::test]
async fn store_reads_on_sqlite() {
    store_reads(Backend::Sqlite).await;
}

/// A board with one rollout whose rejection reason and screenshot try markup.
struct Board;

impl RolloutBoard for Board {
    fn list(&self, _limit: usize) -> BoxFut<'_, wxthirdparty::Result<Vec<RolloutSummary>>> {
        Box::pin(async { Ok(vec![summary()]) })
    }
    fn one<'a>(&'a self, id: &'a str) -> BoxFut<'a, wxthirdparty::Result<Option<RolloutSummary>>> {
        Box::pin(async move { Ok((id == "r1").then(summary)) })
    }
    fn apps<'a>(&'a self, _id: &'a str, _after: Option<&'a str>, _limit: usize) -> BoxFut<'a, wxthirdparty::Result<Vec<RolloutApp>>> {
        Box::pin(async {
            Ok(vec![RolloutApp {
                appid: "wxbbb0000000002".into(),
                state: "rejected".into(),
                auditid: Some("4001".into()),
                reason: Some("<img src=x onerror=alert(2)>".into()),
                screenshots: vec!["javascript:alert(3)".into(), "https://example.com/shot.png".into()],
                ..Default::default()
            }])
        })
    }
    fn act<'a>(&'a self, id: &'a str, action: RolloutAction) -> BoxFut<'a, wxthirdparty::Result<String>> {
        Box::pin(async move { Ok(format!("{} {id}", action.as_str())) })
    }
}

fn summary() -> RolloutSummary {
    RolloutSummary {
        id: "r1".into(),
        state: "running".into(),
        template_id: "12".into(),
        user_version: "1.2.0".into(),
        counts: vec![("released".into(), 3), ("rejected".into(), 1)],
        ..Default::default()
    }
}

struct Client {
    base: String,
    http: reqwest::Client,
    cookie: Option<String>,
}

impl Client {
    fn new(base: &str) -> Client {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Client { base: base.into(), http, cookie: None }
    }
    async fn get(&self, path: &str) -> (u16, String, reqwest::header::HeaderMap) {
        let mut r = self.http.get(format!("{}{path}", self.base));
        if let Some(c) = &self.cookie {
            r = r.header("cookie", c);
        }
        let res = r.send().await.unwrap();
        let (status, headers) = (res.status().as_u16(), res.headers().clone());
        (status, res.text().await.unwrap(), headers)
    }
    async fn post(&self, path: &str, form: &[(&str, &str)], extra: &[(&str, &str)]) -> (u16, String, reqwest::header::HeaderMap) {
        let mut r = self.http.post(format!("{}{path}", self.base)).form(form);
        if let Some(c) = &self.cookie {
            r = r.header("cookie", c);
        }
        for (k, v) in extra {
            r = r.header(*k, *v);
        }
        let res = r.send().await.unwrap();
        let (status, headers) = (res.status().as_u16(), res.headers().clone());
        (status, res.text().await.unwrap(), headers)
    }
    async fn login(&mut self, user: &str, password: &str) -> String {
        let (status, _, h) = self.post("/login", &[("user", user), ("password", password)], &[]).await;
        assert_eq!(status, 303, "login of {user}");
        let set = h.get("set-cookie").unwrap().to_str().unwrap().to_owned();
        self.cookie = Some(set.split(';').next().unwrap().to_owned());
        set
    }
    async fn csrf(&self) -> String {
        let (_, body, _) = self.get("/audit").await;
        let at = body.find("name=\"csrf\" value=\"").unwrap() + 19;
        body[at..at + 48].to_owned()
    }
}

async fn start(db: &TestDb, board: bool) -> Console {
    let store = db.store().await;
    seed(&store).await;
    store.close().await;
    let logins = vec![
        ConsoleLogin { name: "operator".into(), role: Role::Operator, password: OPERATOR.into() },
        ConsoleLogin { name: "viewer".into(), role: Role::Viewer, password: VIEWER.into() },
    ];
    let rollouts: Option<wxthirdparty::console::BoardFactory> =
        if board { Some(Arc::new(|_store| Arc::new(Board) as wxthirdparty::console::Board)) } else { None };
    Console::start(ConsoleConfig { db: db.url.clone(), host: None, port: 0, logins, component_appid: None, rollouts }).await.unwrap()
}

fn assert_clean(path: &str, body: &str) {
    for s in SECRETS.iter().chain([OPERATOR, VIEWER].iter()) {
        assert!(!body.contains(s), "{path} shows a secret ({s})");
    }
    assert!(!body.contains("<script>alert"), "{path} renders markup from the store");
    assert!(!body.contains("<img src=x"), "{path} renders markup from a rollout");
}

#[tokio::test]
async fn login_roles_csrf_audit_escaping_and_no_secret() {
    let db = TestDb::create(Backend::Sqlite).await;
    let console = start(&db, true).await;
    let mut c = Client::new(&console.url());

    // Login required.
    let (status, _, h) = c.get("/authorizers").await;
    assert_eq!((status, h.get("location").unwrap().to_str().unwrap()), (303, "/login"));
    assert_eq!(c.get("/api/summary").await.0, 401);
    let (status, body, _) = c.post("/login", &[("user", "operator"), ("password", "wrong-token-000")], &[]).await;
    assert_eq!(status, 401);
    assert!(body.contains("Wrong user or token"));

    // The session cookie: HttpOnly, SameSite=Strict, Secure only behind https.
    let set = c.login("operator", OPERATOR).await;
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict") && !set.contains("Secure"), "{set}");
    let (_, _, h) = c.post("/login", &[("user", "operator"), ("password", OPERATOR)], &[("x-forwarded-proto", "https")]).await;
    assert!(h.get("set-cookie").unwrap().to_str().unwrap().contains("; Secure"));

    // Every page: 200, escaped, no secret; headers forbid framing and inline script.
    for path in ["/authorizers", "/authorizers?q=script", "/platform", "/messages", "/rollouts", "/rollouts/r1", "/audit", "/api/summary"] {
        let (status, body, h) = c.get(path).await;
        assert_eq!(status, 200, "{path}");
        assert_clean(path, &body);
        assert!(h.get("content-security-policy").unwrap().to_str().unwrap().contains("script-src 'self'"));
        assert_eq!(h.get("x-frame-options").unwrap(), "DENY");
    }
    let (_, body, _) = c.get("/authorizers?q=script").await;
    assert!(body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the name is shown as text");
    assert!(!body.contains("Tea shop"), "the search filters");
    let (_, body, _) = c.get("/rollouts/r1").await;
    assert!(body.contains("&lt;img src=x onerror=alert(2)&gt;") && body.contains("href=\"https://example.com/shot.png\""));
    assert!(!body.contains("href=\"javascript:"), "a javascript: screenshot is not a link");

    // An action: CSRF token required, then a confirmation, then done and audited.
    let (status, _, _) = c.post("/rollouts/r1/act", &[("action", "pause"), ("confirm", "yes")], &[]).await;
    assert_eq!(status, 403);
    let csrf = c.csrf().await;
    let (status, body, _) = c.post("/rollouts/r1/act", &[("action", "pause"), ("csrf", &csrf)], &[]).await;
    assert_eq!(status, 200);
    assert!(body.contains("Pause rollout r1?") && body.contains("name=\"confirm\" value=\"yes\""));
    let (status, _, h) = c.post("/rollouts/r1/act", &[("action", "pause"), ("csrf", &csrf), ("confirm", "yes")], &[]).await;
    assert_eq!(status, 303);
    assert!(h.get("location").unwrap().to_str().unwrap().starts_with("/rollouts/r1?flash=ok"));

    // A viewer sees pages but may not act, even with its own CSRF token.
    let mut v = Client::new(&console.url());
    v.login("viewer", VIEWER).await;
    assert_eq!(v.get("/platform").await.0, 200);
    let vcsrf = v.csrf().await;
    let (status, body, _) = v.post("/rollouts/r1/act", &[("action", "cancel"), ("csrf", &vcsrf), ("confirm", "yes")], &[]).await;
    assert_eq!(status, 403);
    assert!(body.contains("viewers cannot act"));
    // Another session's CSRF token is refused.
    let (status, _, _) = c.post("/rollouts/r1/act", &[("action", "pause"), ("csrf", &vcsrf), ("confirm", "yes")], &[]).await;
    assert_eq!(status, 403);

    // Every action (done or refused) is in the audit log, shown on its page.
    let (_, body, _) = c.get("/audit").await;
    for want in ["ok: pause r1", "refused: viewers cannot act", "refused: missing or wrong CSRF token", "refused: wrong user or token"] {
        assert!(body.contains(want), "audit shows {want}");
    }
    assert_clean("/audit", &body);

    // Logging out ends the session.
    let csrf = c.csrf().await;
    assert_eq!(c.post("/logout", &[("csrf", &csrf)], &[]).await.0, 303);
    assert_eq!(c.get("/authorizers").await.0, 303);
    console.close().await;
}

#[tokio::test]
async fn without_rollouts_wired_the_view_says_none_and_actions_fail_audited() {
    let db = TestDb::create(Backend::Sqlite).await;
    let console = start(&db, false).await;
    let mut c = Client::new(&console.url());
    c.login("operator", OPERATOR).await;
    let (_, body, _) = c.get("/rollouts").await;
    assert!(body.contains("No rollouts."));
    assert_eq!(c.get("/rollouts/r9").await.0, 404);
    let csrf = c.csrf().await;
    let (status, _, h) = c.post("/rollouts/r9/act", &[("action", "retry"), ("csrf", &csrf), ("confirm", "yes")], &[]).await;
    assert_eq!(status, 303);
    assert!(h.get("location").unwrap().to_str().unwrap().contains("flash=failed"));
    let (_, body, _) = c.get("/audit").await;
    assert!(body.contains("rollout.retry") && body.contains("no rollout r9"));
    console.close().await;
}

#[tokio::test]
async fn a_console_needs_a_login_and_a_token_to_leave_loopback() {
    let db = TestDb::create(Backend::Sqlite).await;
    let cfg = |host: Option<&str>, logins: Vec<ConsoleLogin>| ConsoleConfig {
        db: db.url.clone(),
        host: host.map(Into::into),
        port: 0,
        logins,
        component_appid: None,
        rollouts: None,
    };
    let e = Console::start(cfg(None, vec![])).await.err().unwrap().to_string();
    assert!(e.contains("token"), "{e}");
    let viewer_only = vec![ConsoleLogin { name: "viewer".into(), role: Role::Viewer, password: VIEWER.into() }];
    let e = Console::start(cfg(Some("0.0.0.0"), viewer_only)).await.err().unwrap().to_string();
    assert!(e.contains("not a loopback address"), "{e}");
    let short = vec![ConsoleLogin { name: "operator".into(), role: Role::Operator, password: "short".into() }];
    let e = Console::start(cfg(None, short)).await.err().unwrap().to_string();
    assert!(e.contains("at least 8 characters") && !e.contains("short\""), "{e}");
}

/// The rollout room's board, as `startConsole` wires it: a rollout stored as
/// the fleet stores one is listed with its counts and a rejection's reason
/// (escaped), pause reaches the store, and a rollback (it calls WeChat) is
/// refused and audited.
async fn wired_board(b: Backend) {
    use wxthirdparty::rollout::{ConsoleBoard, Spec, PENDING, REJECTED, RUNNING};
    use wxthirdparty::store::{RolloutApp as StoredApp, RolloutRow};
    let db = TestDb::create(b).await;
    let store = db.store().await;
    seed(&store).await;
    let spec = Spec {
        template_id: 12,
        user_version: "2.3.0".into(),
        user_desc: "spring menu".into(),
        release: "auto".into(),
        gray: vec![],
        step_ms: 0,
        concurrency: 20,
        max_failure_rate: 0.5,
        audit_poll_ms: 600_000,
        budget_waived: false,
    };
    let id = "ro-console-1";
    let row = RolloutRow { id: id.into(), component_appid: PLATFORM.into(), state: RUNNING.into(), spec: serde_json::to_string(&spec).unwrap(), created_at: 1, updated_at: 1, ..Default::default() };
    let apps: Vec<StoredApp> = ["wxbbb0000000002", "wxccc0000000003"]
        .iter()
        .map(|a| StoredApp { appid: (*a).into(), state: PENDING.into(), ext_json: Some("{}".into()), ..Default::default() })
        .collect();
    store.create_rollout(&row, &apps).await.unwrap();
    let mut rejected = store.rollout_apps(id).await.unwrap().remove(0);
    let before = rejected.clone();
    rejected.state = REJECTED.into();
    rejected.reason = Some(format!("icon {XSS}"));
    assert!(store.save_rollout_app(&rejected, &before.state, before.intent.as_deref()).await.unwrap());
    store.close().await;

    let logins = vec![ConsoleLogin { name: "operator".into(), role: Role::Operator, password: OPERATOR.into() }];
    let rollouts: Option<wxthirdparty::console::BoardFactory> = Some(Arc::new(|s| Arc::new(ConsoleBoard::new(s)) as wxthirdparty::console::Board));
    let console = Console::start(ConsoleConfig { db: db.url.clone(), host: None, port: 0, logins, component_appid: None, rollouts }).await.unwrap();
    let mut c = Client::new(&console.url());
    c.login("operator", OPERATOR).await;
    let (_, list, _) = c.get("/rollouts").await;
    assert!(list.contains(id) && list.contains("2.3.0"), "{list}");
    let (status, page, _) = c.get(&format!("/rollouts/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("wxbbb0000000002") && page.contains("icon &lt;script&gt;"), "{page}");
    assert!(!page.contains(XSS));
    let csrf = c.csrf().await;
    let (status, _, h) = c.post(&format!("/rollouts/{id}/act"), &[("action", "pause"), ("csrf", &csrf), ("confirm", "yes")], &[]).await;
    assert_eq!(status, 303);
    assert!(h.get("location").unwrap().to_str().unwrap().contains("flash=ok"));
    let (status, _, h) = c.post(&format!("/rollouts/{id}/act"), &[("action", "rollback"), ("csrf", &csrf), ("confirm", "yes")], &[]).await;
    assert_eq!(status, 303);
    assert!(h.get("location").unwrap().to_str().unwrap().contains("flash=failed"));
    let (_, audit, _) = c.get("/audit").await;
    assert!(audit.contains("rollout.pause") && audit.contains("calls WeChat"), "{audit}");
    console.close().await;

    let store = db.store().await;
    assert_eq!(store.rollout(id).await.unwrap().unwrap().state, "paused");
    store.close().await;
}

#[tokio::test]
async fn wired_board_on_sqlite() {
    wired_board(Backend::Sqlite).await;
}

#[tokio::test]
async fn wired_board_on_mysql() {
    wired_board(Backend::MySql).await;
}

/// What the fleet records for the console, written by the real writers: a
/// token cell's failed refresh (errcode, over HTTP) and then its writer, an
/// inbox's deliveries / retries / failures (flushed in a batch), the
/// authorizer's principal name; read back by the store and on the pages.
async fn recorded_for_the_console(b: Backend) {
    use token_support::{HttpFetch, Mode, Upstream};
    use wxthirdparty::inbox::{Count, Inbox, InboxOptions, MessageQuery, Outcome};
    use wxthirdparty::store::message_minutes::{MessageCounts, MinuteCounts, MINUTE_MS};
    use wxthirdparty::token::{CellOptions, TokenCell};

    let db = TestDb::create(b).await;
    let store = db.store().await;
    seed(&store).await;
    let mut principal = record("wxccc0000000003", "Closed 100%_shop", true, &[18], false);
    principal.principal_name = Some("Sandbox 科技 Ltd".into());
    store.upsert_authorizer(&principal).await.unwrap();

    // A refresh WeChat refuses (errcode 61003), then one that works.
    let up = Upstream::start(vec![Mode::Errcode(61003), Mode::Ok { lifetime_ms: 7_200_000, delay_ms: 0 }]).await;
    let key = TokenKey::new(PLATFORM, TokenKind::AuthorizerAccessToken, "wxbbb0000000002");
    let owner = "console-host:4242:0badcafe";
    let cell = TokenCell::new(key.clone(), Some(store.clone()), HttpFetch::new(&up.url), CellOptions { owner_id: owner.into(), ..CellOptions::default() });
    assert!(cell.refresh_if_due().await.is_err());
    let q = AuthorizerQuery { search: Some("wxbbb".into()), limit: 10, ..Default::default() };
    // Written beside the refresh (never in its way): wait for it.
    let mut row = store.authorizer_page(PLATFORM, &q).await.unwrap().remove(0);
    for _ in 0..100 {
        if row.last_error.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        row = store.authorizer_page(PLATFORM, &q).await.unwrap().remove(0);
    }
    let err = row.last_error.clone().unwrap_or_else(|| panic!("{}: the failed refresh is not recorded", b.name()));
    assert_eq!(err.errcode, Some(61003), "{}", b.name());
    assert!(err.message.contains("error 61003") && err.at > 0, "{err:?}");
    assert_eq!(row.token_updated_by, None);
    let fetched = cell.get().await.unwrap();
    assert_eq!(up.calls(), 2);
    let row = store.authorizer_page(PLATFORM, &q).await.unwrap().remove(0);
    assert_eq!(row.token_updated_by.as_deref(), Some(owner), "{}: the writer is not recorded", b.name());
    assert!(row.token_updated_at >= err.at, "the error stays, older than the token");
    assert_eq!(row.last_error.as_ref().map(|e| e.errcode), Some(Some(61003)));
    let writers = store.token_writers(PLATFORM, 0).await.unwrap();
    assert!(writers.iter().any(|w| w.by == owner && w.kind == "authorizer_access_token" && w.tokens == 1), "{writers:?}");
    assert_eq!(store.refresh_errors(PLATFORM, 5).await.unwrap().len(), 1);

    // The principal is searched (any case) and read back.
    let found = store.authorizer_page(PLATFORM, &AuthorizerQuery { search: Some("SANDBOX".into()), limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(appids(&found), ["wxccc0000000003"], "{}", b.name());
    assert_eq!(found[0].principal_name.as_deref(), Some("Sandbox 科技 Ltd"));
    assert_eq!(store.authorizer_by_appid(PLATFORM, "wxccc0000000003").await.unwrap().unwrap().principal_name.as_deref(), Some("Sandbox 科技 Ltd"));

    // An inbox counts a delivery, its retry and a failure the host saw, and
    // adds them at close (or every few seconds) in one batch.
    let inbox = Inbox::open_account("inbox-token", None, Some("wxacct000000001"), Some(&db.url), InboxOptions::default(), Arc::new(|_| {})).await.unwrap();
    let now_s = (token_support::now_ms() / 1000).to_string();
    let body = format!("<xml><ToUserName>gh_acct</ToUserName><FromUserName>openid-1</FromUserName><CreateTime>{now_s}</CreateTime><MsgType>text</MsgType><Content>hi</Content><MsgId>9001</MsgId></xml>");
    let query = MessageQuery {
        signature: Some(wxthirdparty::crypto::sign(&["inbox-token", &now_s, "nonce-1"])),
        timestamp: Some(now_s.clone()),
        nonce: Some("nonce-1".into()),
        ..Default::default()
    };
    let Outcome::Handle { ticket, .. } = inbox.receive(None, &query, &body).await.unwrap() else { panic!("a first delivery goes to the handler") };
    inbox.answer(&ticket, None).unwrap();
    assert!(matches!(inbox.receive(None, &query, &body).await.unwrap(), Outcome::Answer { notice: Some("duplicate"), .. }));
    inbox.note("wxacct000000001", Count::HandlerFailure);
    inbox.close().await;
    let counted: MessageCounts = store.message_minutes("", 0).await.unwrap().iter().fold(MessageCounts::default(), |mut a, (_, c)| {
        a.add(c);
        a
    });
    assert_eq!(counted, MessageCounts { deliveries: 1, handler_failures: 1, reply_failed: 0, retries: 1 }, "{}", b.name());

    // Two processes' batches for one minute add up.
    let minute = token_support::now_ms() / MINUTE_MS * MINUTE_MS;
    let batch = |deliveries, reply_failed| MinuteCounts {
        component_appid: PLATFORM.into(),
        appid: "wxaaa0000000001".into(),
        minute,
        counts: MessageCounts { deliveries, handler_failures: 0, reply_failed, retries: 2 },
    };
    store.add_message_counts(&[batch(3, 1)]).await.unwrap();
    store.add_message_counts(&[batch(4, 0)]).await.unwrap();
    let minutes = store.message_minutes(PLATFORM, minute).await.unwrap();
    assert_eq!(minutes, vec![(minute, MessageCounts { deliveries: 7, handler_failures: 0, reply_failed: 1, retries: 4 })], "{}", b.name());
    store.close().await;

    // The pages show them (and still no secret).
    let logins = vec![ConsoleLogin { name: "operator".into(), role: Role::Operator, password: OPERATOR.into() }];
    let console = Console::start(ConsoleConfig { db: db.url.clone(), host: None, port: 0, logins, component_appid: None, rollouts: None }).await.unwrap();
    let mut c = Client::new(&console.url());
    c.login("operator", OPERATOR).await;
    let (_, page, _) = c.get("/authorizers").await;
    assert!(page.contains("errcode 61003: ") && page.contains("since recovered"), "{page}");
    assert!(page.contains(&format!("by {owner}")), "{page}");
    assert!(page.contains("Sandbox 科技 Ltd"), "{page}");
    let (_, page, _) = c.get("/platform").await;
    assert!(page.contains(owner) && page.contains("errcode 61003"), "{page}");
    let (_, page, _) = c.get("/messages").await;
    assert!(page.contains("<b id=\"m-deliveries\">7</b>") && page.contains("<b id=\"m-reply-failed\" class=\"bad\">1</b>"), "{page}");
    assert!(page.contains("<td class=\"retries\">4</td>"), "{page}");
    for (path, body) in [("/authorizers", c.get("/authorizers").await.1), ("/platform", c.get("/platform").await.1), ("/messages", c.get("/messages").await.1)] {
        assert_clean(path, &body);
        assert!(!body.contains(&fetched.value), "{path} shows the token");
    }
    console.close().await;
}

#[tokio::test]
async fn recorded_for_the_console_on_sqlite() {
    recorded_for_the_console(Backend::Sqlite).await;
}

#[tokio::test]
async fn recorded_for_the_console_on_mysql() {
    recorded_for_the_console(Backend::MySql).await;
}

#[tokio::test]
async fn recorded_for_the_console_on_postgres() {
    recorded_for_the_console(Backend::Postgres).await;
}

/// Bound to loopback, the console refuses a Host naming anything else (a
/// DNS-rebound name), before any login; loopback names pass.
#[tokio::test]
async fn on_loopback_a_foreign_host_is_refused() {
    let db = TestDb::create(Backend::Sqlite).await;
    let console = start(&db, false).await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let login = format!("{}/login", console.url());
    for (host, want) in [("evil.example", 403), (&format!("evil.example:{}", console.port()) as &str, 403), ("localhost", 200), ("127.0.0.1:1", 200), ("[::1]:8080", 200)] {
        let res = http.get(&login).header("host", host).send().await.unwrap();
        assert_eq!(res.status().as_u16(), want, "Host: {host}");
        if want == 403 {
            assert!(res.text().await.unwrap().contains("not a loopback name"));
        }
    }
    let res = http.post(&login).header("host", "evil.example").form(&[("user", "operator"), ("password", OPERATOR)]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 403, "a login through a foreign Host is refused");
    assert!(res.headers().get("set-cookie").is_none());
    console.close().await;
}
