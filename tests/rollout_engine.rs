//! The rollout engine driven directly (no Node, no platform): its `Upstream`
//! here is WeChat's mini-program endpoints of the sandbox over real HTTP,
//! its store SQLite and MariaDB. A small rollout goes commit → audit →
//! release; a step left mid-way by a "crashed" driver (intent written,
//! submit_audit sent, nothing recorded) is reconciled by the next driver
//! without a second submit; a cancel withdraws an audit under way once.

mod sandbox_common;
#[path = "store_support/mod.rs"]
mod store_support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use wxthirdparty::model::BoxFut;
use wxthirdparty::rollout::{NewApp, RolloutOptions, Rollouts, Spec, Upstream};
use wxthirdparty::sandbox::{AuthorizeOptions, Sandbox, SandboxConfig};
use wxthirdparty::store::Store;
use wxthirdparty::Error;

use sandbox_common::*;
use store_support::{Backend, TestDb};

/// WeChat's endpoints for the engine's method names, with each app's authorizer token.
struct SandboxUpstream {
    url: String,
    tokens: HashMap<String, String>,
}

impl Upstream for SandboxUpstream {
    fn call<'a>(&'a self, appid: &'a str, method: &'static str, args: Vec<Value>) -> BoxFut<'a, wxthirdparty::Result<Value>> {
        Box::pin(async move {
            let arg = args.into_iter().next().unwrap_or(Value::Null);
            let (path, body) = match method {
                "commit" => (
                    "/wxa/commit",
                    Some(json!({"template_id": arg["templateId"], "ext_json": arg["extJson"], "user_version": arg["userVersion"], "user_desc": arg["userDesc"]})),
                ),
                "submitAudit" => ("/wxa/submit_audit", Some(if arg.is_object() { arg } else { json!({}) })),
                "getAuditStatus" => ("/wxa/get_auditstatus", Some(json!({"auditid": arg}))),
                "getLatestAuditStatus" => ("/wxa/get_latest_auditstatus", None),
                "undoCodeAudit" => ("/wxa/undocodeaudit", None),
                "queryQuota" => ("/wxa/queryquota", None),
                "release" => ("/wxa/release", Some(json!({}))),
                "getVersionInfo" => ("/wxa/getversioninfo", Some(json!({}))),
                other => return Err(Error::Other(format!("{other} is not used here"))),
            };
            let token = self.tokens.get(appid).ok_or_else(|| Error::Other(format!("{appid} is not authorized")))?;
            let c = client();
            let req = match body {
                Some(b) => c.post(format!("{}{path}", self.url)).json(&b),
                None => c.get(format!("{}{path}", self.url)),
            };
            let res = req.query(&[("access_token", token)]).send().await.map_err(|e| Error::Transport(e.to_string()))?;
            let v: Value = res.json().await.map_err(|e| Error::Transport(e.to_string()))?;
            match v["errcode"].as_i64().unwrap_or(0) {
                0 => Ok(v),
                code => Err(Error::wechat(code, v["errmsg"].as_str().unwrap_or(""))),
            }
        })
    }
}

async fn control(sb: &Sandbox, method: &str, path: &str, body: Option<Value>) -> Value {
    let a = sb.control().call(method, path, body).await;
    assert_eq!(a.status, 200, "{path}: {}", a.body);
    a.body
}

/// What the sandbox saw of an app: its call counts and audits.
async fn seen(sb: &Sandbox, appid: &str) -> Value {
    control(sb, "GET", &format!("/wxa/app?appid={appid}"), None).await
}

fn calls(v: &Value, key: &str) -> i64 {
    v["calls"][key].as_i64().unwrap_or(0)
}

struct Fixture {
    sb: Sandbox,
    upstream: Arc<SandboxUpstream>,
    appids: Vec<String>,
    template_id: i64,
}

async fn fixture(apps: usize) -> Fixture {
    let sb = start(SandboxConfig { wxa_privacy_check_secs: 0.2, ..SandboxConfig::default() }).await;
    let ctoken = component_token(&sb).await;
    let mut tokens = HashMap::new();
    let mut appids = Vec::new();
    for _ in 0..apps {
        let a = sb.authorize(COMPONENT, AuthorizeOptions { mini_program: true, ..Default::default() }).await.unwrap();
        let v = post(&sb, "/cgi-bin/component/api_query_auth", &[("component_access_token", &ctoken)], json!({"component_appid": COMPONENT, "authorization_code": a.auth_code})).await;
        tokens.insert(a.authorizer_appid.clone(), v["authorization_info"]["authorizer_access_token"].as_str().unwrap().to_owned());
        appids.push(a.authorizer_appid);
    }
    let draft = control(&sb, "POST", "/wxa/drafts", Some(json!({"component_appid": COMPONENT, "user_version": "1.0.0"}))).await;
    let v = post(&sb, "/wxa/addtotemplate", &[("access_token", &ctoken)], json!({"draft_id": draft["draft_id"], "template_type": 0})).await;
    assert_eq!(errcode(&v), 0, "{v}");
    let list = get(&sb, "/wxa/gettemplatelist", &[("access_token", &ctoken)]).await;
    let template_id = list["template_list"][0]["template_id"].as_i64().unwrap();
    let upstream = Arc::new(SandboxUpstream { url: sb.url().to_owned(), tokens });
    Fixture { sb, upstream, appids, template_id }
}

fn spec(template_id: i64, version: &str) -> Spec {
    Spec {
        template_id,
        user_version: version.into(),
        user_desc: "engine test".into(),
        release: "auto".into(),
        gray: vec![],
        step_ms: 0,
        concurrency: 4,
        max_failure_rate: 0.5,
        audit_poll_ms: 300,
        budget_waived: false,
    }
}

fn new_apps(appids: &[String]) -> Vec<NewApp> {
    appids.iter().map(|a| NewApp { appid: a.clone(), ext_json: json!({"extAppid": a}).to_string(), audit: None }).collect()
}

fn engine(store: &Store, f: &Fixture, owner: &str, drive: bool) -> Arc<Rollouts> {
    let opts = RolloutOptions { lease_ttl_ms: 1000, tick: Duration::from_millis(50), scan: Duration::from_millis(100), drive };
    Rollouts::new(store.clone(), f.upstream.clone(), COMPONENT, owner, opts)
}

/// Polls the rollout's status until `until` holds (or 30 s pass).
async fn wait(r: &Rollouts, id: &str, until: impl Fn(&Value) -> bool) -> Value {
    let t0 = Instant::now();
    loop {
        let s = r.status(id).await.unwrap();
        if until(&s) {
            return s;
        }
        assert!(t0.elapsed() < Duration::from_secs(30), "timed out: {s}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn scenario(backend: Backend) {
    let db = TestDb::create(backend).await;
    let store = db.store().await;
    let f = fixture(3).await;
    for a in &f.appids {
        control(&f.sb, "POST", "/wxa/reviewer", Some(json!({"appid": a, "verdict": "pass", "after_ms": 200}))).await;
    }

    // commit → audit → release: no events reach this engine, so polling moves the audits.
    let e1 = engine(&store, &f, "engine-1", true);
    let id = e1.start(spec(f.template_id, "1.1.0"), new_apps(&f.appids)).await.unwrap();
    let sup = tokio::spawn(wxthirdparty::rollout::supervise(Arc::downgrade(&e1)));
    let s = wait(&e1, &id, |s| s["state"] == "done").await;
    assert_eq!(s["counts"]["released"], 3, "{s}");
    for a in &f.appids {
        let v = seen(&f.sb, a).await;
        assert_eq!((calls(&v, "/wxa/commit"), calls(&v, "/wxa/submit_audit"), calls(&v, "/wxa/release")), (1, 1, 1), "{a}: {}", v["calls"]);
        assert_eq!(v["release"]["user_version"], "1.1.0");
    }
    sup.abort();
    drop(e1);

    // A driver "crashed" mid-step: the app's row says submit, WeChat has the
    // audit, its auditid was never recorded. The next driver must adopt it.
    let quiet = engine(&store, &f, "engine-crashed", false);
    let id = quiet.start(spec(f.template_id, "1.2.0"), new_apps(&f.appids[..1])).await.unwrap();
    let app = &f.appids[0];
    let mut row = store.rollout_apps(&id).await.unwrap().remove(0);
    f.upstream.call(app, "commit", vec![json!({"templateId": f.template_id, "extJson": row.ext_json, "userVersion": "1.2.0", "userDesc": "x"})]).await.unwrap();
    let from = row.clone();
    row.state = "committed".into();
    row.intent = Some("submit".into());
    row.commits = 1;
    row.submits = 1;
    assert!(store.save_rollout_app(&row, &from.state, None).await.unwrap());
    tokio::time::sleep(Duration::from_millis(300)).await; // the code-privacy window
    let sent = f.upstream.call(app, "submitAudit", vec![json!({})]).await.unwrap();
    let auditid = sent["auditid"].as_i64().unwrap();

    let e2 = engine(&store, &f, "engine-2", true);
    let sup = tokio::spawn(wxthirdparty::rollout::supervise(Arc::downgrade(&e2)));
    let s = wait(&e2, &id, |s| s["state"] == "done").await;
    assert_eq!(s["apps"][0]["state"], "released", "{s}");
    assert_eq!(s["apps"][0]["auditid"], auditid, "the audit sent before the crash was adopted: {s}");
    let v = seen(&f.sb, app).await;
    assert_eq!((calls(&v, "/wxa/submit_audit"), calls(&v, "/wxa/release")), (2, 2), "one submit and one release per version: {}", v["calls"]);
    assert_eq!(v["audits"].as_array().unwrap().len(), 2);

    // Cancel withdraws an audit under way, once.
    control(&f.sb, "POST", "/wxa/reviewer", Some(json!({"appid": f.appids[1], "verdict": "manual"}))).await;
    let id = e2.start(spec(f.template_id, "1.3.0"), new_apps(&f.appids[1..2])).await.unwrap();
    wait(&e2, &id, |s| s["counts"]["auditing"] == 1).await;
    let c = e2.cancel(&id).await.unwrap();
    assert_eq!(c["state"], "cancelled");
    let s = wait(&e2, &id, |s| s["counts"]["cancelled"] == 1).await;
    assert!(s["apps"][0]["step"].is_null(), "{s}");
    let v = seen(&f.sb, &f.appids[1]).await;
    assert_eq!(calls(&v, "/wxa/undocodeaudit"), 1, "{}", v["calls"]);
    assert_eq!(v["audits"].as_array().unwrap().last().unwrap()["status"], 3);
    sup.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_on_sqlite() {
    scenario(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_on_mariadb() {
    scenario(Backend::MySql).await;
}

/// undocodeaudit's errcode (None: withdrawn).
async fn undo(up: &SandboxUpstream, appid: &str) -> Option<i64> {
    up.call(appid, "undoCodeAudit", vec![]).await.err().and_then(|e| e.code())
}

/// The sandbox's undocodeaudit keeps WeChat's rules: only an audit under
/// way can be withdrawn (85019), at most 5 a day per mini program (87013).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undocodeaudit_follows_wechats_limits() {
    let f = fixture(1).await;
    let app = &f.appids[0];
    control(&f.sb, "POST", "/wxa/reviewer", Some(json!({"appid": app, "verdict": "manual"}))).await;
    let up = &f.upstream;
    up.call(app, "commit", vec![json!({"templateId": f.template_id, "extJson": "{}", "userVersion": "1.0.1", "userDesc": "x"})]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(undo(up, app).await, Some(85019), "nothing under audit yet");
    for i in 0..5 {
        up.call(app, "submitAudit", vec![json!({})]).await.unwrap();
        assert_eq!(undo(up, app).await, None, "withdrawal {i}");
    }
    up.call(app, "submitAudit", vec![json!({})]).await.unwrap();
    assert_eq!(undo(up, app).await, Some(87013), "the day's withdrawals are spent");
    let v = seen(&f.sb, app).await;
    assert_eq!(calls(&v, "/wxa/undocodeaudit"), 5, "{}", v["calls"]);
    assert_eq!(v["audits"].as_array().unwrap().last().unwrap()["status"], 2, "the audit goes on");
}
