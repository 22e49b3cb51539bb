//! What any process of the fleet may do with a rollout: start it, read it,
//! pause, resume, cancel, retry rejected apps, roll released ones back.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::{Rollouts, Spec, APP_STATES, CANCELLED, DONE, FAILED, GRAY, PAUSED, PENDING, REJECTED, RELEASED, ROLLED_BACK, RUNNING};
use crate::error::{Error, Result};
use crate::model::now_ms;
use crate::store::{RolloutApp, RolloutRow};

/// One app of a new rollout: its ext_json (JSON text of an object, `$APPID$`
/// already replaced) and its submit_audit options (camelCase), if any.
#[derive(Clone, Debug)]
pub struct NewApp {
    pub appid: String,
    pub ext_json: String,
    pub audit: Option<Value>,
}

fn check_spec(spec: &Spec) -> Result<()> {
    if spec.template_id <= 0 {
        return Err(Error::invalid("templateId", "must be a positive integer (a template of the platform's library)"));
    }
    if spec.user_version.is_empty() || spec.user_version.chars().count() > 64 {
        return Err(Error::invalid("userVersion", "must be a non-empty string of at most 64 characters"));
    }
    if spec.concurrency == 0 || spec.concurrency > 1000 {
        return Err(Error::invalid("concurrency", "must be an integer from 1 to 1000"));
    }
    if !(0.0..=1.0).contains(&spec.max_failure_rate) {
        return Err(Error::invalid("maxFailureRate", "must be a number from 0 to 1"));
    }
    if spec.audit_poll_ms < 100 {
        return Err(Error::invalid("auditPollMs", "must be at least 100 (ms)"));
    }
    match spec.release.as_str() {
        "auto" | "manual" => Ok(()),
        "gray" => {
            let ok = !spec.gray.is_empty() && spec.gray.windows(2).all(|w| w[0] < w[1]) && spec.gray.iter().all(|p| (1..=100).contains(p));
            if !ok {
                return Err(Error::invalid("release.gray", "must be ascending percentages from 1 to 100"));
            }
            if spec.step_ms < 0 {
                return Err(Error::invalid("release.stepMs", "must be a number of ms, 0 or more"));
            }
            Ok(())
        }
        _ => Err(Error::invalid("release", "must be 'auto', 'manual' or { gray: [percentages], stepMs }")),
    }
}

fn check_apps(apps: &[NewApp]) -> Result<()> {
    if apps.is_empty() {
        return Err(Error::invalid("appids", "must name at least one mini program"));
    }
    let mut seen = std::collections::HashSet::new();
    for a in apps {
        if a.appid.is_empty() || a.appid.len() > 64 {
            return Err(Error::invalid("appids", format!("{:?} is not an appid", a.appid)));
        }
        if !seen.insert(a.appid.as_str()) {
            return Err(Error::invalid("appids", format!("{} is listed twice", a.appid)));
        }
        if !matches!(serde_json::from_str::<Value>(&a.ext_json), Ok(Value::Object(_))) {
            return Err(Error::invalid("extJson", format!("for {}: must be an object or the JSON text of one", a.appid)));
        }
        if a.audit.as_ref().is_some_and(|v| !v.is_object()) {
            return Err(Error::invalid("audit", format!("for {}: must be an object", a.appid)));
        }
    }
    Ok(())
}

impl Rollouts {
    /// Stores a new rollout (nothing stored when an argument is bad) and starts driving it here.
    pub async fn start(self: &Arc<Self>, spec: Spec, apps: Vec<NewApp>) -> Result<String> {
        check_spec(&spec)?;
        check_apps(&apps)?;
        let now = now_ms();
        let id = format!("ro{now:x}{}", &crate::crypto::random_nonce()[..8]).to_ascii_lowercase();
        let row = RolloutRow {
            id: id.clone(),
            component_appid: self.component_appid.clone(),
            state: RUNNING.into(),
            spec: serde_json::to_string(&spec).map_err(|e| Error::Other(e.to_string()))?,
            created_at: now,
            updated_at: now,
            ..Default::default()
        };
        let rows: Vec<RolloutApp> = apps
            .into_iter()
            .map(|a| RolloutApp {
                appid: a.appid,
                state: PENDING.into(),
                ext_json: Some(a.ext_json),
                audit: a.audit.map(|v| v.to_string()),
                updated_at: now,
                ..Default::default()
            })
            .collect();
        self.store.create_rollout(&row, &rows).await?;
        self.kick(&id).await;
        Ok(id)
    }

    async fn row(&self, id: &str) -> Result<RolloutRow> {
        match self.store.rollout(id).await? {
            Some(r) if r.component_appid == self.component_appid => Ok(r),
            _ => Err(Error::NotFound(format!("rollout {id} does not exist"))),
        }
    }

    /// `{ id, state, reason, templateId, userVersion, …, counts, apps }`.
    pub async fn status(&self, id: &str) -> Result<Value> {
        let row = self.row(id).await?;
        let apps = self.store.rollout_apps(id).await?;
        let mut v = summary(&row);
        v["counts"] = json!(counts(&apps));
        v["total"] = json!(apps.len());
        v["apps"] = Value::Array(apps.iter().map(app_view).collect());
        Ok(v)
    }

    /// Every rollout of the platform, newest first (without its apps).
    pub async fn list(&self) -> Result<Vec<Value>> {
        Ok(self.store.rollouts(&self.component_appid).await?.iter().map(summary).collect())
    }

    pub async fn pause(&self, id: &str) -> Result<Value> {
        self.row(id).await?;
        self.store.set_rollout_state(id, &[RUNNING], PAUSED, Some("paused by the operator")).await?;
        self.status(id).await
    }

    /// Running again (after a pause, the quota's return, or a spent failure
    /// budget: resuming then means going on despite it).
    pub async fn resume(self: &Arc<Self>, id: &str) -> Result<Value> {
        let row = self.row(id).await?;
        if row.state == PAUSED && row.reason.as_deref().is_some_and(|r| r.starts_with("failure budget")) {
            let mut spec: Spec = serde_json::from_str(&row.spec).map_err(|e| Error::Other(e.to_string()))?;
            spec.budget_waived = true;
            self.store.set_rollout_spec(id, &serde_json::to_string(&spec).map_err(|e| Error::Other(e.to_string()))?).await?;
        }
        self.store.set_rollout_state(id, &[PAUSED], RUNNING, None).await?;
        self.kick(id).await;
        self.status(id).await
    }

    /// Stops the rollout; apps not yet settled become cancelled. An audit
    /// under way is withdrawn (undocodeaudit) and a step that may have
    /// reached WeChat is reconciled first, by the rollout's driver
    /// (`cancel.rs`): those apps show their state until it has.
    pub async fn cancel(self: &Arc<Self>, id: &str) -> Result<Value> {
        self.row(id).await?;
        self.store.set_rollout_state(id, &[RUNNING, PAUSED, DONE], CANCELLED, Some("cancelled by the operator")).await?;
        self.store.cancel_rollout_apps(id).await?;
        self.kick(id).await;
        self.status(id).await
    }

    /// Rejected or failed apps (all, or those listed) start again from the
    /// commit (after a fix); their earlier audit is never adopted again.
    pub async fn retry(self: &Arc<Self>, id: &str, appids: Option<Vec<String>>) -> Result<Value> {
        let row = self.row(id).await?;
        if row.state == CANCELLED {
            return Err(Error::invalid("id", format!("rollout {id} was cancelled")));
        }
        self.store.move_rollout_apps(id, &[REJECTED, FAILED], appids.as_deref(), PENDING, true).await?;
        self.store.set_rollout_state(id, &[DONE, PAUSED, RUNNING], RUNNING, None).await?;
        self.kick(id).await;
        self.status(id).await
    }

    /// Released apps (all, or those listed) go back to their previous
    /// version (revertcoderelease); apps in a gray release end it
    /// (revertgrayrelease). Done by the calling process, one app at a time.
    pub async fn rollback(&self, id: &str, appids: Option<Vec<String>>) -> Result<Value> {
        self.row(id).await?;
        for app in self.store.rollout_apps(id).await? {
            if !matches!(app.state.as_str(), RELEASED | GRAY) || appids.as_ref().is_some_and(|l| !l.contains(&app.appid)) {
                continue;
            }
            let mut w = app.clone();
            w.intent = Some("rollback".into());
            if !self.store.save_rollout_app(&w, &app.state, app.intent.as_deref()).await? {
                continue;
            }
            let method = if app.state == GRAY { "revertGrayRelease" } else { "revertCodeRelease" };
            let mut n = w.clone();
            n.intent = None;
            match self.upstream.call(&app.appid, method, vec![]).await {
                Ok(_) => {
                    n.state = ROLLED_BACK.into();
                    n.error = None;
                }
                Err(e) => n.error = Some(format!("{method}: {e}")),
            }
            self.store.save_rollout_app(&n, &w.state, w.intent.as_deref()).await?;
        }
        self.status(id).await
    }
}

impl Rollouts {
    /// An operator's action by its name, as the JS handle, the CLI and the
    /// console send it: pause | resume | cancel | retry | rollback.
    pub async fn control(self: &Arc<Self>, id: &str, action: &str, appids: Option<Vec<String>>) -> Result<Value> {
        match action {
            "pause" => self.pause(id).await,
            "resume" => self.resume(id).await,
            "cancel" => self.cancel(id).await,
            "retry" => self.retry(id, appids).await,
            "rollback" => self.rollback(id, appids).await,
            other => Err(Error::invalid("action", format!("{other:?} is not one of pause, resume, cancel, retry, rollback"))),
        }
    }
}

fn summary(row: &RolloutRow) -> Value {
    let spec: Value = serde_json::from_str(&row.spec).unwrap_or_else(|_| json!({}));
    let mut v = Map::new();
    v.insert("id".into(), json!(row.id));
    v.insert("state".into(), json!(row.state));
    v.insert("reason".into(), json!(row.reason));
    for k in ["templateId", "userVersion", "userDesc", "release", "gray", "stepMs", "concurrency", "maxFailureRate", "auditPollMs"] {
        v.insert(k.into(), spec.get(k).cloned().unwrap_or(Value::Null));
    }
    let driving = row.lease_owner.is_some() && row.lease_until >= now_ms();
    v.insert("driver".into(), if driving { json!(row.lease_owner) } else { Value::Null });
    v.insert("createdAt".into(), json!(row.created_at));
    v.insert("updatedAt".into(), json!(row.updated_at));
    Value::Object(v)
}

/// Apps per state, every state named (0 when none): status() and the console's board.
pub(super) fn counts(apps: &[RolloutApp]) -> BTreeMap<String, i64> {
    let mut counts: BTreeMap<String, i64> = APP_STATES.iter().map(|s| (s.to_string(), 0)).collect();
    for a in apps {
        *counts.entry(a.state.clone()).or_default() += 1;
    }
    counts
}

/// The reviewer's screenshots as stored (JSON text of a list; none when unreadable).
pub(super) fn screenshots(a: &RolloutApp) -> Vec<String> {
    a.screenshots.as_deref().and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default()
}

fn app_view(a: &RolloutApp) -> Value {
    let shots = screenshots(a);
    json!({
        "appid": a.appid,
        "state": a.state,
        "step": a.intent,
        "auditid": a.auditid,
        "reason": a.reason,
        "screenshots": shots,
        "error": a.error,
        "attempts": a.attempts,
        "commits": a.commits,
        "submits": a.submits,
        "releases": a.releases,
        "grayStep": a.gray_step,
        "updatedAt": a.updated_at,
    })
}
