//! Control routes for mini programs: drafts in a platform's template
//! library, the reviewer of each mini program, the audit quota, lost events,
//! fast registrations, and what the sandbox holds (for tests and the CLI).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::control_request::{field, parse, ControlError};
use super::state::Shared;
use super::wxa::{FastRegisterScript, Quota, Reviewer, Step};
use super::{wxa_platform, wxa_review};

type S = State<Arc<Shared>>;
type Answer = Result<Json<Value>, ControlError>;

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/wxa/drafts", post(add_draft))
        .route("/wxa/reviewer", post(set_reviewer))
        .route("/wxa/review", post(review))
        .route("/wxa/quota", post(set_quota))
        .route("/wxa/lose_events", post(lose_events))
        .route("/wxa/fast_register", post(script_fast_register))
        .route("/wxa/fast_register/complete", post(complete_fast_register))
        .route("/wxa/app", get(app))
        .route("/wxa/platform", get(platform))
        .route("/wxa/events", get(events))
}

fn component(s: &Shared, body: &Value) -> Result<String, ControlError> {
    let c = field(body, "component_appid")?;
    if !s.lock().components.contains_key(&c) {
        return Err(ControlError::Request(format!("component_appid: no component {c} is registered")));
    }
    Ok(c)
}

/// `{component_appid, user_version?, user_desc?}`: a draft as uploaded from the devtools.
async fn add_draft(State(s): S, Json(body): Json<Value>) -> Answer {
    let c = component(&s, &body)?;
    let text = |k: &str, d: &str| body.get(k).and_then(Value::as_str).unwrap_or(d).to_owned();
    let draft = wxa_platform::add_draft(&mut s.lock(), &c, &text("user_version", "1.0.0"), &text("user_desc", "sandbox draft"));
    Ok(Json(draft))
}

/// `{appid, verdict, reason?, screenshots?, after_ms?, delay_ms?}`: how this mini program's next audits go.
async fn set_reviewer(State(s): S, Json(body): Json<Value>) -> Answer {
    let appid = field(&body, "appid")?;
    let r: Reviewer = parse(body)?;
    r.validate().map_err(ControlError::Request)?;
    s.lock().wxa.app(&appid).reviewer = r.clone();
    Ok(Json(json!(r)))
}

/// `{appid, verdict: pass | fail | delay, reason?, screenshots?}`: decides the audit under way now.
async fn review(State(s): S, Json(body): Json<Value>) -> Answer {
    let appid = field(&body, "appid")?;
    let r: Reviewer = parse(body)?;
    r.validate().map_err(ControlError::Request)?;
    {
        let mut st = s.lock();
        let now = st.now();
        let audit = st.wxa.app(&appid).audits.last_mut().filter(|a| matches!(a.status, 2 | 4));
        let audit = audit.ok_or_else(|| ControlError::Request(format!("appid: {appid} has no audit under way")))?;
        // Due now (a delay still passes after delay_ms).
        let steps: Vec<(f64, Step)> = Reviewer { after_ms: 0, ..r }.steps(now);
        if steps.is_empty() {
            return Err(ControlError::Request("verdict: manual decides nothing".into()));
        }
        audit.pending = steps;
    }
    wxa_review::tick(&s).await;
    Ok(Json(app_state(&s, &appid)))
}

/// `{component_appid, rest?, limit?, speedup_rest?, speedup_limit?}`
async fn set_quota(State(s): S, Json(body): Json<Value>) -> Answer {
    let c = component(&s, &body)?;
    let mut st = s.lock();
    let q = &mut st.wxa.platform(&c).quota;
    let mut current = json!(q);
    super::control_request::merge(&mut current, body.get("quota").cloned().unwrap_or_else(|| body.clone()));
    let next: Quota = parse(current)?;
    *q = next.clone();
    Ok(Json(json!(next)))
}

/// `{appid, count?}`: the next `count` (1) events of this mini program are lost.
async fn lose_events(State(s): S, Json(body): Json<Value>) -> Answer {
    let appid = field(&body, "appid")?;
    let count = body.get("count").and_then(Value::as_u64).unwrap_or(1) as u32;
    let mut st = s.lock();
    let mp = st.wxa.app(&appid);
    mp.lose_events += count;
    Ok(Json(json!({"appid": appid, "lose_events": mp.lose_events})))
}

/// `{component_appid, auto?, after_ms?, status?}`: how the next fast registrations end.
async fn script_fast_register(State(s): S, Json(body): Json<Value>) -> Answer {
    let c = component(&s, &body)?;
    let mut st = s.lock();
    let p = st.wxa.platform(&c);
    let mut current = json!(p.fast_register);
    super::control_request::merge(&mut current, body);
    if let Some(o) = current.as_object_mut() {
        o.remove("component_appid");
    }
    let next: FastRegisterScript = parse(current)?;
    p.fast_register = next.clone();
    Ok(Json(json!(next)))
}

/// `{component_appid, id, status?}`: the people behind registration `id`
/// (taskid, unique_id or the enterprise's name) answer now; pushes the result.
async fn complete_fast_register(State(s): S, Json(body): Json<Value>) -> Answer {
    let c = component(&s, &body)?;
    let id = field(&body, "id")?;
    let status = body.get("status").and_then(Value::as_i64).unwrap_or(0);
    Ok(Json(wxa_platform::complete_by_id(&s, &c, &id, status).await?))
}

fn app_state(s: &Shared, appid: &str) -> Value {
    let mut st = s.lock();
    let quota_owner = st.components.values().find(|c| c.authorizations.contains_key(appid)).map(|c| c.reg.appid.clone());
    let mut v = json!(st.wxa.app(appid));
    v["appid"] = json!(appid);
    v["platform"] = json!(quota_owner);
    v
}

/// `?appid=`: what the sandbox holds for a mini program.
async fn app(State(s): S, Query(q): Query<HashMap<String, String>>) -> Answer {
    let appid = q.get("appid").ok_or_else(|| ControlError::Request("appid is required".into()))?;
    Ok(Json(app_state(&s, appid)))
}

/// `?component_appid=`: a platform's drafts, templates, domains, quota, registrations.
async fn platform(State(s): S, Query(q): Query<HashMap<String, String>>) -> Answer {
    let c = q.get("component_appid").ok_or_else(|| ControlError::Request("component_appid is required".into()))?;
    let mut st = s.lock();
    Ok(Json(json!(st.wxa.platform(c))))
}

async fn events(State(s): S) -> Answer {
    Ok(Json(json!(s.lock().wxa.events)))
}
