//! The control API under /__sandbox: everything `Sandbox` offers from Rust,
//! as JSON over HTTP, so a test in another process can drive the sandbox.
//! The one definition of each control operation: the addon's `Sandbox` sends
//! its calls through this same router in process (see `local.rs`).
//! Errors answer `{"error": "..."}`: HTTP 400 for a bad request or argument,
//! 502 when a push could not reach the platform, 500 otherwise. Control
//! calls are not counted.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::config::{AuthorizeOptions, ComponentRegistration, Fault};
use super::control_request::{field, parse, sb, ControlError};
use super::state::Shared;

type S = State<Arc<Shared>>;
type Answer = Result<Json<Value>, ControlError>;

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/", get(info))
        .route("/config", get(config).post(set_config))
        .route("/components", post(register_component))
        .route("/apps", post(register_app))
        .route("/push_ticket", post(push_ticket))
        .route("/authorize", post(authorize))
        .route("/push_event", post(push_event))
        .route("/oauth_code", post(oauth_code))
        .route("/js_code", post(js_code))
        .route("/followers", get(followers).post(set_followers))
        .route("/counters", get(counters))
        .route("/issued", get(issued))
        .route("/invalid_token_calls", get(invalid_token_calls))
        .route("/pushes", get(pushes))
        .route("/recorded", get(recorded))
        .route("/requests", get(requests))
        .route("/faults", get(pending_faults).post(inject_fault).delete(clear_faults))
        .route("/failure_rate", post(failure_rate))
        .route("/invalidate_tokens", post(invalidate_tokens))
        .route("/advance", post(advance))
        .route("/reset", post(reset))
        .merge(super::control_messages::router())
        .merge(super::control_wxa::router())
}

async fn info(State(s): S) -> Answer {
    let st = s.lock();
    let components: Vec<&String> = st.components.keys().collect();
    let mut apps: Vec<&String> = st.apps.keys().collect();
    apps.sort();
    Ok(Json(json!({"url": s.url, "port": s.port, "components": components, "apps": apps})))
}

async fn config(State(s): S) -> Answer {
    Ok(Json(serde_json::to_value(sb(s).config()).expect("config serializes")))
}

/// Merges the given fields into the current config (lifetimes per field too).
async fn set_config(State(s): S, Json(patch): Json<Value>) -> Answer {
    let cfg = sb(s).update_config(patch)?;
    Ok(Json(serde_json::to_value(cfg).expect("config serializes")))
}

async fn register_component(State(s): S, Json(body): Json<Value>) -> Answer {
    let c: ComponentRegistration = parse(body)?;
    let appid = c.appid.clone();
    sb(s).register_component(c)?;
    Ok(Json(json!({"appid": appid})))
}

async fn register_app(State(s): S, Json(body): Json<Value>) -> Answer {
    let appid = field(&body, "appid")?;
    sb(s).register_app(&appid, &field(&body, "secret")?);
    Ok(Json(json!({"appid": appid})))
}

async fn push_ticket(State(s): S, Json(body): Json<Value>) -> Answer {
    let ticket = sb(s).push_ticket(&field(&body, "component_appid")?).await?;
    Ok(Json(json!({"ticket": ticket})))
}

async fn authorize(State(s): S, Json(body): Json<Value>) -> Answer {
    let component = field(&body, "component_appid")?;
    let opts: AuthorizeOptions = parse(body)?;
    let out = sb(s).authorize(&component, opts).await?;
    Ok(Json(serde_json::to_value(out).expect("serializes")))
}

async fn push_event(State(s): S, Json(body): Json<Value>) -> Answer {
    let (c, t, a) = (field(&body, "component_appid")?, field(&body, "info_type")?, field(&body, "authorizer_appid")?);
    sb(s).push_event(&c, &t, &a).await?;
    Ok(Json(json!({"ok": true})))
}

async fn oauth_code(State(s): S, Json(body): Json<Value>) -> Answer {
    let appid = field(&body, "appid")?;
    let opt = |k: &str| body.get(k).and_then(Value::as_str);
    let code = sb(s).oauth_code(&appid, opt("openid"), opt("scope").unwrap_or("snsapi_userinfo"), opt("component_appid"));
    Ok(Json(serde_json::to_value(code).expect("serializes")))
}

async fn js_code(State(s): S, Json(body): Json<Value>) -> Answer {
    let appid = field(&body, "appid")?;
    let opt = |k: &str| body.get(k).and_then(Value::as_str);
    let code = sb(s).js_code(&appid, opt("openid"), opt("component_appid"));
    Ok(Json(serde_json::to_value(code).expect("serializes")))
}

async fn followers(State(s): S, Query(q): Query<HashMap<String, String>>) -> Answer {
    let appid = q.get("appid").ok_or_else(|| ControlError::Request("appid is required".into()))?;
    Ok(Json(json!({"openids": sb(s).followers(appid)})))
}

async fn set_followers(State(s): S, Json(body): Json<Value>) -> Answer {
    let appid = field(&body, "appid")?;
    let count = body.get("count").and_then(Value::as_u64).ok_or_else(|| ControlError::Request("count is required".into()))?;
    sb(s).set_followers(&appid, count as usize);
    Ok(Json(json!({"appid": appid, "count": count})))
}

async fn counters(State(s): S) -> Answer {
    Ok(Json(json!(sb(s).counters())))
}

async fn issued(State(s): S) -> Answer {
    Ok(Json(json!(sb(s).issued())))
}

async fn invalid_token_calls(State(s): S) -> Answer {
    Ok(Json(json!(sb(s).invalid_token_calls())))
}

async fn pushes(State(s): S) -> Answer {
    Ok(Json(json!(sb(s).pushes())))
}

async fn requests(State(s): S, Query(q): Query<HashMap<String, String>>) -> Answer {
    Ok(Json(json!(sb(s).requests(q.get("path").map(String::as_str)))))
}

async fn recorded(State(s): S, Query(q): Query<HashMap<String, String>>) -> Answer {
    Ok(Json(json!(sb(s).recorded_calls(q.get("path").map(String::as_str)))))
}

/// `{"errcode": -1}`, `"http500"`, `{"delay_ms": 100}` or `"reset"`.
fn fault(body: &Value) -> Result<Fault, ControlError> {
    parse(body.get("fault").cloned().unwrap_or(Value::Null))
        .map_err(|_| ControlError::Request(r#"fault must be {"errcode": N}, {"image_errcode": N}, "http500", {"delay_ms": N}, "reset" or "lose_answer""#.into()))
}

async fn inject_fault(State(s): S, Json(body): Json<Value>) -> Answer {
    let path = field(&body, "path")?;
    let count = body.get("count").and_then(Value::as_u64).unwrap_or(1) as u32;
    sb(s).inject_fault(&path, fault(&body)?, count);
    Ok(Json(json!({"ok": true})))
}

async fn pending_faults(State(s): S) -> Answer {
    Ok(Json(json!(s.lock().faults.pending())))
}

async fn clear_faults(State(s): S) -> Answer {
    sb(s).clear_faults();
    Ok(Json(json!({"ok": true})))
}

async fn failure_rate(State(s): S, Json(body): Json<Value>) -> Answer {
    let rate = body.get("rate").and_then(Value::as_f64).ok_or_else(|| ControlError::Request("rate is required".into()))?;
    let path = body.get("path").and_then(Value::as_str);
    let f = if rate > 0.0 { fault(&body)? } else { Fault::Errcode(-1) };
    sb(s.clone()).set_failure_rate(path, rate, f);
    Ok(Json(json!({"ok": true})))
}

async fn invalidate_tokens(State(s): S) -> Answer {
    sb(s).invalidate_all_tokens();
    Ok(Json(json!({"ok": true})))
}

async fn advance(State(s): S, Json(body): Json<Value>) -> Answer {
    let secs = body.get("secs").and_then(Value::as_f64).ok_or_else(|| ControlError::Request("secs is required".into()))?;
    sb(s).advance_clock(secs);
    Ok(Json(json!({"ok": true})))
}

async fn reset(State(s): S) -> Answer {
    sb(s).reset();
    Ok(Json(json!({"ok": true})))
}
