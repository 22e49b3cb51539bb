//! A cancelled rollout is settled by its driver: an audit under way is
//! withdrawn (undocodeaudit) exactly once across crashes, a step that may
//! have reached WeChat is reconciled first, and every other app not yet
//! settled becomes `cancelled`.
//!
//! `cancel()` itself (any process, even one with only the database) moves
//! the apps with no step under way; the rest waits for a driver, which the
//! fleet's supervisor finds as it finds a running rollout.

use serde_json::Value;

use super::steps::{adopt, after_release, failed, latest_audit, moved, version_info, StepEnd};
use super::{Rollouts, Spec, APPROVED, AUDITING, CANCELLED, COMMITTED, PENDING};
use crate::error::Result;
use crate::store::RolloutApp;

/// Nothing to withdraw (WeChat: no version under audit).
const NOT_AUDITING: i64 = 85019;

/// An app of a cancelled rollout the driver still has to settle.
pub(crate) fn unsettled(app: &RolloutApp) -> bool {
    matches!(app.state.as_str(), PENDING | COMMITTED | AUDITING | APPROVED)
}

pub(crate) async fn settle(r: &Rollouts, spec: &Spec, app: RolloutApp) -> Result<StepEnd> {
    match (app.state.as_str(), app.intent.as_deref()) {
        (AUDITING, _) => withdraw(r, spec, app).await,
        // A submit that may have reached WeChat: adopt what WeChat shows
        // (an audit under way is then withdrawn on the next tick).
        (COMMITTED, Some("submit")) => match latest_audit(r, spec, &app).await {
            Ok(Some(v)) => r.save(&adopt(&app, &v, spec), &app).await.map(|_| StepEnd::Done),
            Ok(None) => r.save(&moved(&app, CANCELLED, 0), &app).await.map(|_| StepEnd::Done),
            Err(e) => failed(r, &app, "get_latest_auditstatus", e).await,
        },
        // A release that may have reached WeChat: online is online.
        (APPROVED, Some(intent @ ("release" | "gray"))) => match r.call(&app.appid, "getVersionInfo", vec![]).await {
            Ok(v) if version_info(&v, "release_info", "release_version") == Some(spec.user_version.as_str()) => {
                r.save(&after_release(spec, &app, intent == "release"), &app).await.map(|_| StepEnd::Done)
            }
            Ok(_) => r.save(&moved(&app, CANCELLED, 0), &app).await.map(|_| StepEnd::Done),
            Err(e) => failed(r, &app, "getversioninfo", e).await,
        },
        // A commit does no harm; nothing else was under way.
        _ => r.save(&moved(&app, CANCELLED, 0), &app).await.map(|_| StepEnd::Done),
    }
}

/// undocodeaudit once: the intent is written first; a row found with it is
/// reconciled with get_latest_auditstatus (withdrawn already, or a verdict
/// came first) before the call is made again.
async fn withdraw(r: &Rollouts, spec: &Spec, app: RolloutApp) -> Result<StepEnd> {
    if app.intent.as_deref() == Some("undo") {
        match latest_audit(r, spec, &app).await {
            Ok(Some(v)) if under_audit(&v) => {}
            Ok(Some(v)) => return r.save(&ended(&app, &v, spec), &app).await.map(|_| StepEnd::Done),
            Ok(None) => return r.save(&moved(&app, CANCELLED, 0), &app).await.map(|_| StepEnd::Done),
            Err(e) => return failed(r, &app, "get_latest_auditstatus", e).await,
        }
    }
    let w = if app.intent.as_deref() == Some("undo") {
        app
    } else {
        let Some(w) = r.intend(&app, "undo", |_| {}).await? else { return Ok(StepEnd::Done) };
        w
    };
    match r.call(&w.appid, "undoCodeAudit", vec![]).await {
        Ok(_) => r.save(&moved(&w, CANCELLED, 0), &w).await.map(|_| StepEnd::Done),
        // The verdict came first: take it from WeChat.
        Err(e) if e.code() == Some(NOT_AUDITING) => match latest_audit(r, spec, &w).await {
            Ok(Some(v)) => r.save(&ended(&w, &v, spec), &w).await.map(|_| StepEnd::Done),
            Ok(None) => r.save(&moved(&w, CANCELLED, 0), &w).await.map(|_| StepEnd::Done),
            Err(e) => failed(r, &w, "get_latest_auditstatus", e).await,
        },
        Err(e) if e.is_transient() => failed(r, &w, "undocodeaudit", e).await,
        // Refused (87013: the month's withdrawals are spent): the audit goes
        // on at WeChat; the app is cancelled here with WeChat's word.
        Err(e) => {
            let mut n = moved(&w, CANCELLED, 0);
            n.error = Some(format!("undocodeaudit: {e} (the audit goes on at WeChat)"));
            r.save(&n, &w).await.map(|_| StepEnd::Done)
        }
    }
}

fn under_audit(v: &Value) -> bool {
    matches!(v.get("status").and_then(Value::as_i64), Some(2 | 4))
}

/// The audit ended before it was withdrawn: a rejection is kept with
/// WeChat's reason; anything else is cancelled (an approved version is
/// left unreleased).
fn ended(w: &RolloutApp, v: &Value, spec: &Spec) -> RolloutApp {
    let n = adopt(w, v, spec);
    if n.state == super::REJECTED {
        return n;
    }
    let mut c = moved(&n, CANCELLED, 0);
    c.auditid = n.auditid;
    c
}
