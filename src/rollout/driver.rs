//! Carries one rollout while this process holds its lease: each tick renews
//! the lease, reads the apps (audit events move them in the store, from any
//! process), checks the failure budget and the audit quota, and starts the
//! due steps, at most `concurrency` at once. Losing the lease stops it (its
//! steps are aborted; their intents are reconciled by the next driver).
//! The apps are kept in memory and read back as they change (`Apps`), so a
//! rollout of 10,000 apps is not read whole every tick.

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;
use tokio::task::JoinSet;

use super::cancel::{settle, unsettled};
use super::steps::{step, StepEnd};
use super::{Rollouts, Spec, CANCELLED, COMMITTED, DONE, FAILED, PAUSED, REJECTED, RUNNING};
use crate::model::now_ms;
use crate::store::RolloutApp;

/// The driver's copy of a rollout's apps: each tick reads only the rows
/// written since the last read (less a margin for other processes' clocks),
/// and every `FULL_EVERY` ticks all of them (the net for a clock further off).
struct Apps {
    rows: BTreeMap<String, RolloutApp>,
    read_at: i64,
    ticks: u32,
}

const FULL_EVERY: u32 = 25;
const CLOCK_MARGIN_MS: i64 = 5_000;

impl Apps {
    /// `whole`: every row now (before concluding that nothing is left to do).
    async fn read(&mut self, r: &Rollouts, id: &str, whole: bool) -> crate::error::Result<Vec<RolloutApp>> {
        let now = now_ms();
        if whole || self.ticks % FULL_EVERY == 0 {
            self.rows = r.store.rollout_apps(id).await?.into_iter().map(|a| (a.appid.clone(), a)).collect();
        } else {
            for a in r.store.rollout_apps_since(id, self.read_at - CLOCK_MARGIN_MS).await? {
                self.rows.insert(a.appid.clone(), a);
            }
        }
        self.read_at = now;
        self.ticks = self.ticks.wrapping_add(1);
        Ok(self.rows.values().cloned().collect())
    }
}

pub(crate) async fn drive(r: &std::sync::Arc<Rollouts>, id: &str) {
    let mut running: JoinSet<(String, bool, StepEnd)> = JoinSet::new();
    let mut busy: HashSet<String> = HashSet::new();
    let mut apps = Apps { rows: BTreeMap::new(), read_at: 0, ticks: 0 };
    loop {
        if !matches!(r.store.try_rollout_lease(id, &r.owner, r.opts.lease_ttl_ms).await, Ok(true)) {
            running.abort_all();
            return; // another process drives it now (or the store is gone)
        }
        let mut pause: Option<String> = None;
        while let Some(done) = running.try_join_next() {
            if let Ok((appid, _, end)) = done {
                busy.remove(&appid);
                if let StepEnd::Pause(why) = end {
                    pause = Some(why);
                }
            }
        }
        if let Some(why) = pause {
            let _ = r.store.set_rollout_state(id, &[RUNNING], PAUSED, Some(&why)).await;
        }
        match tick(r, id, &busy, &mut apps).await {
            Ok(Tick::Start(spec, due, cancelled)) => {
                for app in due {
                    busy.insert(app.appid.clone());
                    let (me, spec) = (r.clone(), spec.clone());
                    running.spawn(async move {
                        let submit = app.state == COMMITTED;
                        let appid = app.appid.clone();
                        let end = if cancelled { settle(&me, &spec, app).await } else { step(&me, &spec, app).await };
                        (appid, submit, end.unwrap_or(StepEnd::Done))
                    });
                }
            }
            Ok(Tick::Stop) if running.is_empty() => {
                let _ = r.store.release_rollout_lease(id, &r.owner).await;
                return;
            }
            Ok(Tick::Stop) | Err(_) => {}
        }
        tokio::time::sleep(r.opts.tick).await;
    }
}

enum Tick {
    /// The due apps; true: the rollout is cancelled, they are settled.
    Start(Spec, Vec<RolloutApp>, bool),
    Stop,
}

async fn tick(r: &Rollouts, id: &str, busy: &HashSet<String>, view: &mut Apps) -> crate::error::Result<Tick> {
    let Some(row) = r.store.rollout(id).await? else { return Ok(Tick::Stop) };
    if row.state != RUNNING && row.state != CANCELLED {
        return Ok(Tick::Stop);
    }
    let spec: Spec = serde_json::from_str(&row.spec).map_err(|e| crate::error::Error::Other(format!("rollout {id}: unreadable settings: {e}")))?;
    let mut apps = view.read(r, id, false).await?;
    // Nothing left to do is decided on every row as stored, not on the copy.
    let idle = |apps: &[RolloutApp]| if row.state == CANCELLED { !apps.iter().any(unsettled) } else { apps.iter().all(|a| spec.settled(&a.state)) };
    if busy.is_empty() && idle(&apps) {
        apps = view.read(r, id, true).await?;
    }
    if row.state == CANCELLED {
        let left: Vec<RolloutApp> = apps.into_iter().filter(unsettled).collect();
        if left.is_empty() {
            return Ok(Tick::Stop);
        }
        let now = now_ms();
        let room = spec.concurrency.saturating_sub(busy.len());
        let due = left.into_iter().filter(|a| !busy.contains(&a.appid) && a.next_at <= now).take(room).collect();
        return Ok(Tick::Start(spec, due, true));
    }
    let total = apps.len().max(1);
    let bad = apps.iter().filter(|a| a.state == REJECTED || a.state == FAILED).count();
    if !spec.budget_waived && bad as f64 / total as f64 > spec.max_failure_rate {
        let why = format!("failure budget spent: {bad} of {} apps rejected or failed (maxFailureRate {})", apps.len(), spec.max_failure_rate);
        r.store.set_rollout_state(id, &[RUNNING], PAUSED, Some(&why)).await?;
        return Ok(Tick::Stop);
    }
    if busy.is_empty() && apps.iter().all(|a| spec.settled(&a.state)) {
        r.store.set_rollout_state(id, &[RUNNING], DONE, None).await?;
        return Ok(Tick::Stop);
    }
    let now = now_ms();
    let room = spec.concurrency.saturating_sub(busy.len());
    let mut due: Vec<RolloutApp> =
        apps.into_iter().filter(|a| !busy.contains(&a.appid) && spec.actionable(&a.state) && a.next_at <= now).collect();
    // Submits spend the month's quota: read it first (an intent to reconcile spends none).
    let submits: Vec<usize> = due.iter().enumerate().filter(|(_, a)| a.state == COMMITTED && a.intent.is_none()).map(|(i, _)| i).collect();
    if let Some(&first) = submits.first() {
        let q = r.call_quota(&due[first].appid).await;
        let rest = match q {
            Ok(rest) => rest,
            Err(_) => 0, // unknown: hold the submits this tick
        };
        if q.is_ok() && rest <= 0 {
            let why = "no audit quota left: queryquota says rest 0 (resume when the month's quota is back or raised)";
            r.store.set_rollout_state(id, &[RUNNING], PAUSED, Some(why)).await?;
            return Ok(Tick::Stop);
        }
        let allowed = rest.max(0) as usize;
        let drop: HashSet<usize> = submits.into_iter().skip(allowed).collect();
        due = due.into_iter().enumerate().filter(|(i, _)| !drop.contains(i)).map(|(_, a)| a).collect();
    }
    due.truncate(room);
    Ok(Tick::Start(spec, due, false))
}

impl Rollouts {
    /// The platform's remaining audit quota (queryquota `rest`).
    async fn call_quota(&self, appid: &str) -> crate::error::Result<i64> {
        let v = self.upstream.call(appid, "queryQuota", vec![]).await?;
        Ok(v.get("rest").and_then(Value::as_i64).unwrap_or(0))
    }
}
