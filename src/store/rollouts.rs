//! Rollouts (`wxtp_rollouts`) and each app's step (`wxtp_rollout_apps`).
//! Every write that moves an app is conditional on the state and intent it
//! was read with, so two writers (a driver and an audit event, or an old
//! driver past its lease) never both move it. `intent` is written before an
//! upstream call and cleared with its result: a row found with an intent is
//! a step that may or may not have reached WeChat (reconciled before any
//! repeat).

use super::db::{Arg, Col, DbRow};
use super::Store;
use crate::error::Result;
use crate::model::now_ms;

/// One rollout's row.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RolloutRow {
    pub id: String,
    pub component_appid: String,
    /// running | paused | done | cancelled
    pub state: String,
    pub reason: Option<String>,
    /// JSON text of the rollout's settings (template, version, release mode…).
    pub spec: String,
    pub lease_owner: Option<String>,
    pub lease_until: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One app of a rollout.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RolloutApp {
    pub rollout_id: String,
    pub appid: String,
    pub state: String,
    /// The upstream step under way (commit, submit, release, gray, rollback), if any.
    pub intent: Option<String>,
    /// ext_json as sent (JSON text, `$APPID$` already replaced).
    pub ext_json: Option<String>,
    /// JSON text of submitAudit's options (camelCase).
    pub audit: Option<String>,
    pub auditid: Option<i64>,
    /// The audit of an earlier round (before a retry): never adopted again.
    pub prev_auditid: Option<i64>,
    pub reason: Option<String>,
    /// JSON text of the reviewer's screenshots (media ids).
    pub screenshots: Option<String>,
    pub error: Option<String>,
    pub attempts: i64,
    pub commits: i64,
    pub submits: i64,
    pub releases: i64,
    pub gray_step: i64,
    /// When the driver looks at this app next (backoff, audit poll, gray step).
    pub next_at: i64,
    pub updated_at: i64,
}

const ROLLOUT_COLS: &str = "id, component_appid, state, reason, spec, lease_owner, lease_until, created_at, updated_at";
const ROLLOUT_TYPES: [Col; 9] = [Col::S, Col::S, Col::S, Col::S, Col::S, Col::S, Col::I, Col::I, Col::I];
const APP_COLS: &str = "rollout_id, appid, state, intent, ext_json, audit, auditid, prev_auditid, reason, screenshots, error, \
                        attempts, commits, submits, releases, gray_step, next_at, updated_at";
const APP_TYPES: [Col; 18] = [
    Col::S, Col::S, Col::S, Col::S, Col::S, Col::S, Col::I, Col::I, Col::S, Col::S, Col::S, Col::I, Col::I, Col::I, Col::I, Col::I, Col::I, Col::I,
];

fn rollout_of(r: &DbRow) -> RolloutRow {
    RolloutRow {
        id: r.s(0).unwrap_or_default(),
        component_appid: r.s(1).unwrap_or_default(),
        state: r.s(2).unwrap_or_default(),
        reason: r.s(3),
        spec: r.s(4).unwrap_or_default(),
        lease_owner: r.s(5),
        lease_until: r.i(6).unwrap_or(0),
        created_at: r.i(7).unwrap_or(0),
        updated_at: r.i(8).unwrap_or(0),
    }
}

fn app_of(r: &DbRow) -> RolloutApp {
    RolloutApp {
        rollout_id: r.s(0).unwrap_or_default(),
        appid: r.s(1).unwrap_or_default(),
        state: r.s(2).unwrap_or_default(),
        intent: r.s(3),
        ext_json: r.s(4),
        audit: r.s(5),
        auditid: r.i(6),
        prev_auditid: r.i(7),
        reason: r.s(8),
        screenshots: r.s(9),
        error: r.s(10),
        attempts: r.i(11).unwrap_or(0),
        commits: r.i(12).unwrap_or(0),
        submits: r.i(13).unwrap_or(0),
        releases: r.i(14).unwrap_or(0),
        gray_step: r.i(15).unwrap_or(0),
        next_at: r.i(16).unwrap_or(0),
        updated_at: r.i(17).unwrap_or(0),
    }
}

/// Apps per INSERT statement (placeholders stay well under every backend's limit).
const INSERT_CHUNK: usize = 100;

impl Store {
    /// Stores a new rollout and its apps in one transaction.
    pub async fn create_rollout(&self, r: &RolloutRow, apps: &[RolloutApp]) -> Result<()> {
        let e = |e| self.err("storing a rollout", e);
        let mut tx = self.w().begin().await.map_err(e)?;
        tx.exec(
            &format!("INSERT INTO wxtp_rollouts ({ROLLOUT_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
            &[
                Arg::from(r.id.as_str()),
                Arg::from(r.component_appid.as_str()),
                Arg::from(r.state.as_str()),
                Arg::from(r.reason.clone()),
                Arg::from(r.spec.as_str()),
                Arg::from(r.lease_owner.clone()),
                Arg::from(r.lease_until),
                Arg::from(r.created_at),
                Arg::from(r.updated_at),
            ],
        )
        .await
        .map_err(e)?;
        for chunk in apps.chunks(INSERT_CHUNK) {
            let rows = vec!["(?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
            let mut args = Vec::with_capacity(chunk.len() * 6);
            for a in chunk {
                args.extend([
                    Arg::from(r.id.as_str()),
                    Arg::from(a.appid.as_str()),
                    Arg::from(a.state.as_str()),
                    Arg::from(a.ext_json.clone()),
                    Arg::from(a.audit.clone()),
                    Arg::from(a.updated_at),
                ]);
            }
            tx.exec(&format!("INSERT INTO wxtp_rollout_apps (rollout_id, appid, state, ext_json, audit, updated_at) VALUES {rows}"), &args)
                .await
                .map_err(e)?;
        }
        tx.commit().await.map_err(e)
    }

    pub async fn rollout(&self, id: &str) -> Result<Option<RolloutRow>> {
        let rows = self
            .w()
            .fetch(&format!("SELECT {ROLLOUT_COLS} FROM wxtp_rollouts WHERE id = ?"), &[Arg::from(id)], &ROLLOUT_TYPES)
            .await
            .map_err(|e| self.err("reading a rollout", e))?;
        Ok(rows.first().map(rollout_of))
    }

    /// The platform's rollouts, newest first.
    pub async fn rollouts(&self, component_appid: &str) -> Result<Vec<RolloutRow>> {
        let rows = self
            .w()
            .fetch(
                &format!("SELECT {ROLLOUT_COLS} FROM wxtp_rollouts WHERE component_appid = ? ORDER BY created_at DESC, id"),
                &[Arg::from(component_appid)],
                &ROLLOUT_TYPES,
            )
            .await
            .map_err(|e| self.err("listing rollouts", e))?;
        Ok(rows.iter().map(rollout_of).collect())
    }

    /// The newest rollouts of every platform in the database, at most `limit` (the console).
    pub async fn recent_rollouts(&self, limit: usize) -> Result<Vec<RolloutRow>> {
        let rows = self
            .w()
            .fetch(&format!("SELECT {ROLLOUT_COLS} FROM wxtp_rollouts ORDER BY created_at DESC, id LIMIT {}", limit.max(1)), &[], &ROLLOUT_TYPES)
            .await
            .map_err(|e| self.err("listing rollouts", e))?;
        Ok(rows.iter().map(rollout_of).collect())
    }

    /// Every app of a rollout, by appid.
    pub async fn rollout_apps(&self, id: &str) -> Result<Vec<RolloutApp>> {
        let rows = self
            .w()
            .fetch(&format!("SELECT {APP_COLS} FROM wxtp_rollout_apps WHERE rollout_id = ? ORDER BY appid"), &[Arg::from(id)], &APP_TYPES)
            .await
            .map_err(|e| self.err("reading a rollout's apps", e))?;
        Ok(rows.iter().map(app_of).collect())
    }

    /// The apps of a rollout written at or after `since` (ms, the writers'
    /// clocks): what a driver that keeps the rest in memory needs each tick.
    pub async fn rollout_apps_since(&self, id: &str, since: i64) -> Result<Vec<RolloutApp>> {
        let rows = self
            .w()
            .fetch(
                &format!("SELECT {APP_COLS} FROM wxtp_rollout_apps WHERE rollout_id = ? AND updated_at >= ? ORDER BY appid"),
                &[Arg::from(id), Arg::from(since)],
                &APP_TYPES,
            )
            .await
            .map_err(|e| self.err("reading a rollout's apps", e))?;
        Ok(rows.iter().map(app_of).collect())
    }

    /// Moves a rollout from one of `from` to `to`; true when it moved.
    pub async fn set_rollout_state(&self, id: &str, from: &[&str], to: &str, reason: Option<&str>) -> Result<bool> {
        let marks = vec!["?"; from.len()].join(", ");
        let mut args = vec![Arg::from(to), Arg::from(reason), Arg::from(now_ms()), Arg::from(id)];
        args.extend(from.iter().map(|s| Arg::from(*s)));
        let n = self
            .w()
            .exec(&format!("UPDATE wxtp_rollouts SET state = ?, reason = ?, updated_at = ? WHERE id = ? AND state IN ({marks})"), &args)
            .await
            .map_err(|e| self.err("changing a rollout's state", e))?;
        Ok(n == 1)
    }

    /// Takes or renews the driver's lease; true when `owner` holds it now.
    pub async fn try_rollout_lease(&self, id: &str, owner: &str, ttl_ms: i64) -> Result<bool> {
        let now = now_ms();
        let n = self
            .w()
            .exec(
                "UPDATE wxtp_rollouts SET lease_owner = ?, lease_until = ? WHERE id = ? AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)",
                &[Arg::from(owner), Arg::from(now + ttl_ms), Arg::from(id), Arg::from(owner), Arg::from(now)],
            )
            .await
            .map_err(|e| self.err("taking a rollout's lease", e))?;
        Ok(n == 1)
    }

    /// Gives the driver's lease up, if `owner` still holds it.
    pub async fn release_rollout_lease(&self, id: &str, owner: &str) -> Result<()> {
        self.w()
            .exec("UPDATE wxtp_rollouts SET lease_owner = NULL, lease_until = 0 WHERE id = ? AND lease_owner = ?", &[Arg::from(id), Arg::from(owner)])
            .await
            .map_err(|e| self.err("releasing a rollout's lease", e))?;
        Ok(())
    }

    /// Rollouts of the platform that no live driver holds and that need one:
    /// running, or cancelled with apps still to settle (an audit to withdraw,
    /// a step to reconcile).
    pub async fn orphan_rollouts(&self, component_appid: &str) -> Result<Vec<String>> {
        let rows = self
            .w()
            .fetch(
                "SELECT id FROM wxtp_rollouts r WHERE component_appid = ? AND (lease_owner IS NULL OR lease_until < ?) AND (state = 'running' \
                 OR (state = 'cancelled' AND EXISTS (SELECT 1 FROM wxtp_rollout_apps a WHERE a.rollout_id = r.id \
                 AND a.state IN ('pending', 'committed', 'auditing', 'approved'))))",
                &[Arg::from(component_appid), Arg::from(now_ms())],
                &[Col::S],
            )
            .await
            .map_err(|e| self.err("looking for rollouts to drive", e))?;
        Ok(rows.iter().filter_map(|r| r.s(0)).collect())
    }

    /// Writes an app's row if it is still in `expect_state` with `expect_intent`;
    /// true when written (false: someone else moved it first).
    pub async fn save_rollout_app(&self, a: &RolloutApp, expect_state: &str, expect_intent: Option<&str>) -> Result<bool> {
        let n = self
            .w()
            .exec(
                "UPDATE wxtp_rollout_apps SET state = ?, intent = ?, auditid = ?, prev_auditid = ?, reason = ?, screenshots = ?, error = ?, \
                 attempts = ?, commits = ?, submits = ?, releases = ?, gray_step = ?, next_at = ?, updated_at = ? \
                 WHERE rollout_id = ? AND appid = ? AND state = ? AND COALESCE(intent, '') = ?",
                &[
                    Arg::from(a.state.as_str()),
                    Arg::from(a.intent.clone()),
                    Arg::from(a.auditid),
                    Arg::from(a.prev_auditid),
                    Arg::from(a.reason.clone()),
                    Arg::from(a.screenshots.clone()),
                    Arg::from(a.error.clone()),
                    Arg::from(a.attempts),
                    Arg::from(a.commits),
                    Arg::from(a.submits),
                    Arg::from(a.releases),
                    Arg::from(a.gray_step),
                    Arg::from(a.next_at),
                    Arg::from(now_ms()),
                    Arg::from(a.rollout_id.as_str()),
                    Arg::from(a.appid.as_str()),
                    Arg::from(expect_state),
                    Arg::from(expect_intent.unwrap_or("")),
                ],
            )
            .await
            .map_err(|e| self.err("recording a rollout step", e))?;
        Ok(n == 1)
    }

    /// An audit verdict pushed by WeChat (wherever in the fleet it landed):
    /// the app under audit in a live rollout of the platform moves at once.
    /// Returns how many rows moved (0: no rollout waits for it).
    pub async fn rollout_audit_verdict(&self, component_appid: &str, appid: &str, approved: bool, reason: Option<&str>, screenshots: Option<&str>) -> Result<u64> {
        let state = if approved { "approved" } else { "rejected" };
        let now = now_ms();
        self.w()
            .exec(
                "UPDATE wxtp_rollout_apps SET state = ?, reason = ?, screenshots = ?, next_at = 0, updated_at = ? \
                 WHERE appid = ? AND state = 'auditing' AND COALESCE(intent, '') = '' AND rollout_id IN \
                 (SELECT id FROM wxtp_rollouts WHERE component_appid = ? AND state IN ('running', 'paused'))",
                &[Arg::from(state), Arg::from(reason), Arg::from(screenshots), Arg::from(now), Arg::from(appid), Arg::from(component_appid)],
            )
            .await
            .map_err(|e| self.err("recording an audit verdict", e))
    }

    /// Replaces a rollout's settings (JSON text).
    pub async fn set_rollout_spec(&self, id: &str, spec: &str) -> Result<()> {
        self.w()
            .exec("UPDATE wxtp_rollouts SET spec = ?, updated_at = ? WHERE id = ?", &[Arg::from(spec), Arg::from(now_ms()), Arg::from(id)])
            .await
            .map_err(|e| self.err("changing a rollout's settings", e))?;
        Ok(())
    }

    /// Moves the apps in one of `from` (all, or those of `appids`) to `to`
    /// with no step under way; `fresh`: a new round (the audit kept as the
    /// previous one, verdict and counters of failures cleared).
    pub async fn move_rollout_apps(&self, id: &str, from: &[&str], appids: Option<&[String]>, to: &str, fresh: bool) -> Result<u64> {
        let mut sql = String::from("UPDATE wxtp_rollout_apps SET state = ?, intent = NULL, next_at = 0, updated_at = ?");
        if fresh {
            sql.push_str(", prev_auditid = COALESCE(auditid, prev_auditid), auditid = NULL, reason = NULL, screenshots = NULL, error = NULL, attempts = 0, gray_step = 0");
        }
        sql.push_str(&format!(" WHERE rollout_id = ? AND state IN ({})", vec!["?"; from.len()].join(", ")));
        let mut args = vec![Arg::from(to), Arg::from(now_ms()), Arg::from(id)];
        args.extend(from.iter().map(|s| Arg::from(*s)));
        if let Some(list) = appids {
            if list.is_empty() {
                return Ok(0);
            }
            sql.push_str(&format!(" AND appid IN ({})", vec!["?"; list.len()].join(", ")));
            args.extend(list.iter().map(|a| Arg::from(a.as_str())));
        }
        self.w().exec(&sql, &args).await.map_err(|e| self.err("moving a rollout's apps", e))
    }

    /// A cancel's first move: apps with no step under way that nobody waits
    /// for become cancelled; apps under audit are due now (their driver
    /// withdraws the audit). Returns how many were cancelled.
    pub async fn cancel_rollout_apps(&self, id: &str) -> Result<u64> {
        let now = now_ms();
        let n = self
            .w()
            .exec(
                "UPDATE wxtp_rollout_apps SET state = 'cancelled', next_at = 0, updated_at = ? \
                 WHERE rollout_id = ? AND state IN ('pending', 'committed', 'approved') AND COALESCE(intent, '') = ''",
                &[Arg::from(now), Arg::from(id)],
            )
            .await
            .map_err(|e| self.err("cancelling a rollout's apps", e))?;
        self.w()
            .exec("UPDATE wxtp_rollout_apps SET next_at = 0, updated_at = ? WHERE rollout_id = ? AND state = 'auditing'", &[Arg::from(now), Arg::from(id)])
            .await
            .map_err(|e| self.err("cancelling a rollout's apps", e))?;
        Ok(n)
    }

    /// The platforms with authorizers in this database.
    pub async fn platform_appids(&self) -> Result<Vec<String>> {
        let rows = self
            .w()
            .fetch("SELECT DISTINCT component_appid FROM wx_users_info WHERE component_appid IS NOT NULL ORDER BY component_appid", &[], &[Col::S])
            .await
            .map_err(|e| self.err("listing platforms", e))?;
        Ok(rows.iter().filter_map(|r| r.s(0)).collect())
    }
}
