//! One app, one step. Each upstream call is preceded by a write of its intent
//! (and its counter) and followed by a write of its result, both conditional
//! on the row as read. A row found with an intent is reconciled with WeChat
//! first (getversioninfo, get_latest_auditstatus): the step is done again
//! only when WeChat shows it was not.

use serde_json::{json, Value};

use super::{Rollouts, Spec, APPROVED, AUDITING, COMMITTED, FAILED, GRAY, PENDING, REJECTED, RELEASED};
use crate::error::{Error, Result};
use crate::model::now_ms;
use crate::store::RolloutApp;

/// What a step asks of the driver.
#[derive(Debug, PartialEq)]
pub(crate) enum StepEnd {
    Done,
    /// Stop the rollout with this reason (no quota left).
    Pause(String),
}

/// A step fails this many times in a row (not counting 61039) → the app fails.
const MAX_ATTEMPTS: i64 = 5;

const ALREADY_AUDITING: i64 = 85009;
const ALREADY_RELEASED: i64 = 85052;
const PRIVACY_CHECK_RUNNING: i64 = 61039;
const NO_QUOTA: i64 = 85085;
const NO_AUDIT: i64 = 86001;

pub(crate) async fn step(r: &Rollouts, spec: &Spec, app: RolloutApp) -> Result<StepEnd> {
    match app.state.as_str() {
        PENDING => commit(r, spec, app).await,
        COMMITTED => submit(r, spec, app).await,
        AUDITING => poll(r, spec, app).await,
        APPROVED | GRAY => release(r, spec, app).await,
        _ => Ok(StepEnd::Done),
    }
}

impl Rollouts {
    pub(super) async fn call(&self, appid: &str, method: &'static str, args: Vec<Value>) -> Result<Value> {
        // Bounded well inside the lease: a call still running when another
        // process could take over would defeat the reconciliation.
        let budget = std::time::Duration::from_millis((self.opts.lease_ttl_ms / 2).max(1000) as u64);
        match tokio::time::timeout(budget, self.upstream.call(appid, method, args)).await {
            Ok(r) => r,
            Err(_) => Err(Error::Transport(format!("{method} took longer than {} ms", budget.as_millis()))),
        }
    }

    /// Writes `to` over the row read as `from`; false when someone moved it first.
    pub(super) async fn save(&self, to: &RolloutApp, from: &RolloutApp) -> Result<bool> {
        self.store.save_rollout_app(to, &from.state, from.intent.as_deref()).await
    }

    /// `from` with `intent` (and `count` bumped) written: the call may start.
    pub(super) async fn intend(&self, from: &RolloutApp, intent: &str, count: impl FnOnce(&mut RolloutApp)) -> Result<Option<RolloutApp>> {
        let mut w = from.clone();
        w.intent = Some(intent.to_owned());
        count(&mut w);
        Ok(self.save(&w, from).await?.then_some(w))
    }
}

/// The row `w` moved to `state`, its step finished.
pub(super) fn moved(w: &RolloutApp, state: &str, next_at: i64) -> RolloutApp {
    let mut n = w.clone();
    n.state = state.to_owned();
    n.intent = None;
    n.attempts = 0;
    n.error = None;
    n.next_at = next_at;
    n
}

/// A failed call: retried with backoff, the app failed after MAX_ATTEMPTS.
/// The intent stays when WeChat may have done the step (no answer): the
/// next attempt reconciles first.
pub(super) async fn failed(r: &Rollouts, w: &RolloutApp, step: &str, e: Error) -> Result<StepEnd> {
    let mut n = w.clone();
    if !e.is_transient() {
        n.intent = None; // WeChat answered: it did not do the step
    }
    n.attempts += 1;
    n.error = Some(format!("{step}: {e}"));
    if n.attempts >= MAX_ATTEMPTS {
        n.state = FAILED.to_owned();
        n.intent = None;
    } else {
        n.next_at = now_ms() + (1000i64 << (n.attempts - 1).min(6));
    }
    r.save(&n, w).await?;
    Ok(StepEnd::Done)
}

pub(super) fn version_info<'a>(v: &'a Value, part: &str, field: &str) -> Option<&'a str> {
    v.get(part)?.get(field)?.as_str()
}

async fn commit(r: &Rollouts, spec: &Spec, app: RolloutApp) -> Result<StepEnd> {
    if app.intent.as_deref() == Some("commit") {
        match r.call(&app.appid, "getVersionInfo", vec![]).await {
            Ok(v) if version_info(&v, "exp_info", "exp_version") == Some(spec.user_version.as_str()) => {
                r.save(&moved(&app, COMMITTED, 0), &app).await?;
                return Ok(StepEnd::Done);
            }
            Ok(_) => {}
            Err(e) => return failed(r, &app, "getversioninfo", e).await,
        }
    }
    let Some(w) = r.intend(&app, "commit", |a| a.commits += 1).await? else { return Ok(StepEnd::Done) };
    let args = json!({
        "templateId": spec.template_id,
        "extJson": w.ext_json.clone().unwrap_or_else(|| "{}".into()),
        "userVersion": spec.user_version,
        "userDesc": spec.user_desc,
    });
    match r.call(&w.appid, "commit", vec![args]).await {
        Ok(_) => {
            r.save(&moved(&w, COMMITTED, 0), &w).await?;
            Ok(StepEnd::Done)
        }
        Err(e) => failed(r, &w, "commit", e).await,
    }
}

/// The row moved to what get_latest_auditstatus says of the audit `v`.
pub(super) fn adopt(w: &RolloutApp, v: &Value, spec: &Spec) -> RolloutApp {
    let status = v.get("status").and_then(Value::as_i64).unwrap_or(2);
    let mut n = match status {
        0 => moved(w, APPROVED, 0),
        1 => moved(w, REJECTED, 0),
        3 => moved(w, COMMITTED, 0), // withdrawn: submit again
        _ => moved(w, AUDITING, now_ms() + spec.audit_poll_ms),
    };
    n.auditid = v.get("auditid").and_then(Value::as_i64).or(w.auditid);
    if status == 1 {
        verdict(&mut n, v);
    }
    n
}

/// WeChat's reason and screenshots of a rejection (`screenshot` or `ScreenShot`, `|`-separated).
fn verdict(n: &mut RolloutApp, v: &Value) {
    n.reason = v.get("reason").and_then(Value::as_str).map(str::to_owned);
    let shots = v.get("screenshot").or_else(|| v.get("ScreenShot")).and_then(Value::as_str).unwrap_or("");
    let list: Vec<&str> = shots.split('|').map(str::trim).filter(|s| !s.is_empty()).collect();
    n.screenshots = Some(json!(list).to_string());
}

/// get_latest_auditstatus: the audit of this round, if WeChat has one.
pub(super) async fn latest_audit(r: &Rollouts, spec: &Spec, app: &RolloutApp) -> Result<Option<Value>> {
    match r.call(&app.appid, "getLatestAuditStatus", vec![]).await {
        Ok(v) => {
            let id = v.get("auditid").and_then(Value::as_i64);
            let ours = id.is_some() && id != app.prev_auditid && v.get("user_version").and_then(Value::as_str).is_none_or(|u| u == spec.user_version);
            Ok(ours.then_some(v))
        }
        Err(e) if e.code() == Some(NO_AUDIT) => Ok(None),
        Err(e) => Err(e),
    }
}

async fn submit(r: &Rollouts, spec: &Spec, app: RolloutApp) -> Result<StepEnd> {
    if app.intent.as_deref() == Some("submit") {
        match latest_audit(r, spec, &app).await {
            Ok(Some(v)) => {
                r.save(&adopt(&app, &v, spec), &app).await?;
                return Ok(StepEnd::Done);
            }
            Ok(None) => {}
            Err(e) => return failed(r, &app, "get_latest_auditstatus", e).await,
        }
    }
    let Some(w) = r.intend(&app, "submit", |a| a.submits += 1).await? else { return Ok(StepEnd::Done) };
    let options = w.audit.as_deref().and_then(|a| serde_json::from_str::<Value>(a).ok()).unwrap_or_else(|| json!({}));
    match r.call(&w.appid, "submitAudit", vec![options]).await {
        Ok(v) => {
            let mut n = moved(&w, AUDITING, now_ms() + spec.audit_poll_ms);
            n.auditid = v.get("auditid").and_then(Value::as_i64);
            r.save(&n, &w).await?;
            Ok(StepEnd::Done)
        }
        Err(e) if e.code() == Some(PRIVACY_CHECK_RUNNING) => {
            // Code-privacy detection after the commit: wait it out, not a failure.
            let mut n = w.clone();
            n.intent = None;
            n.error = Some(format!("submit_audit: {e} (waiting)"));
            n.next_at = now_ms() + (500i64 << (w.submits - 1).clamp(0, 6)).min(30_000);
            r.save(&n, &w).await?;
            Ok(StepEnd::Done)
        }
        Err(e) if e.code() == Some(ALREADY_AUDITING) => match latest_audit(r, spec, &w).await {
            Ok(Some(v)) => {
                r.save(&adopt(&w, &v, spec), &w).await?;
                Ok(StepEnd::Done)
            }
            Ok(None) => failed(r, &w, "submit_audit", e).await,
            Err(e) => failed(r, &w, "get_latest_auditstatus", e).await,
        },
        Err(e) if e.code() == Some(NO_QUOTA) => {
            let mut n = w.clone();
            n.intent = None;
            r.save(&n, &w).await?;
            Ok(StepEnd::Pause(format!("no audit quota left: submit_audit answered {e}")))
        }
        Err(e) => failed(r, &w, "submit_audit", e).await,
    }
}

async fn poll(r: &Rollouts, spec: &Spec, app: RolloutApp) -> Result<StepEnd> {
    let Some(auditid) = app.auditid else {
        // An audit with no id cannot be asked about: take WeChat's latest.
        let v = latest_audit(r, spec, &app).await;
        return match v {
            Ok(Some(v)) => r.save(&adopt(&app, &v, spec), &app).await.map(|_| StepEnd::Done),
            Ok(None) => r.save(&moved(&app, COMMITTED, 0), &app).await.map(|_| StepEnd::Done),
            Err(e) => failed(r, &app, "get_latest_auditstatus", e).await,
        };
    };
    match r.call(&app.appid, "getAuditStatus", vec![json!(auditid)]).await {
        Ok(v) => {
            let n = match v.get("status").and_then(Value::as_i64) {
                Some(0) => moved(&app, APPROVED, 0),
                Some(1) => {
                    let mut n = moved(&app, REJECTED, 0);
                    verdict(&mut n, &v);
                    n
                }
                _ => moved(&app, AUDITING, now_ms() + spec.audit_poll_ms),
            };
            r.save(&n, &app).await?;
            Ok(StepEnd::Done)
        }
        Err(e) => failed(r, &app, "get_auditstatus", e).await,
    }
}

/// The gray percentage this app's next step goes to; 100 (or past the last
/// step) is the full release.
fn next_gray(spec: &Spec, app: &RolloutApp) -> i64 {
    if spec.release != "gray" {
        return 100;
    }
    spec.gray.get(app.gray_step as usize).copied().unwrap_or(100)
}

async fn release(r: &Rollouts, spec: &Spec, app: RolloutApp) -> Result<StepEnd> {
    let pct = next_gray(spec, &app);
    let full = pct >= 100;
    let intent = if full { "release" } else { "gray" };
    // A crash after release (or the first gray step) reached WeChat: the
    // version is online already. A later gray step is safe to repeat.
    if app.intent.as_deref() == Some(intent) && (full || app.gray_step == 0) {
        match r.call(&app.appid, "getVersionInfo", vec![]).await {
            Ok(v) if version_info(&v, "release_info", "release_version") == Some(spec.user_version.as_str()) => {
                r.save(&after_release(spec, &app, full), &app).await?;
                return Ok(StepEnd::Done);
            }
            Ok(_) => {}
            Err(e) => return failed(r, &app, "getversioninfo", e).await,
        }
    }
    let first = app.state == APPROVED;
    let Some(w) = r.intend(&app, intent, |a| a.releases += i64::from(first)).await? else { return Ok(StepEnd::Done) };
    let res = if full { r.call(&w.appid, "release", vec![]).await } else { r.call(&w.appid, "grayRelease", vec![json!(pct)]).await };
    match res {
        Ok(_) => {
            r.save(&after_release(spec, &w, full), &w).await?;
            Ok(StepEnd::Done)
        }
        Err(e) if e.code() == Some(ALREADY_RELEASED) => {
            r.save(&after_release(spec, &w, full), &w).await?;
            Ok(StepEnd::Done)
        }
        Err(e) => failed(r, &w, if full { "release" } else { "grayrelease" }, e).await,
    }
}

pub(super) fn after_release(spec: &Spec, w: &RolloutApp, full: bool) -> RolloutApp {
    if full {
        return moved(w, RELEASED, 0);
    }
    let mut n = moved(w, GRAY, now_ms() + spec.step_ms);
    n.gray_step = w.gray_step + 1;
    n
}
