//! Rollouts: one template version committed, audited and released to many
//! mini programs, stored (every step written before and after its upstream
//! call), driven by one process of the fleet at a time under a lease, and
//! reconciled with WeChat before any step is repeated after a crash.
//!
//! `driver.rs` carries a rollout under its lease; `steps.rs` moves one app
//! one step; `cancel.rs` settles a cancelled rollout (withdraws audits under
//! way); `control.rs` is what any process may do (start, read, pause,
//! resume, cancel, retry, rollback). The upstream calls come through the
//! small `Upstream` trait (the platform implements it in `src/component/`).

/// The console's `RolloutBoard` over the rollout tables.
mod board;
mod cancel;
mod control;
mod driver;
mod offline;
mod steps;

use std::collections::HashSet;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Result;
use crate::model::BoxFut;
use crate::store::Store;

pub use board::ConsoleBoard;
pub use control::NewApp;

/// The calls a rollout makes, by the mini-program client's method names
/// (commit, submitAudit, getAuditStatus, getLatestAuditStatus, queryQuota,
/// release, grayRelease, revertGrayRelease, revertCodeRelease, getVersionInfo).
pub trait Upstream: Send + Sync + 'static {
    fn call<'a>(&'a self, appid: &'a str, method: &'static str, args: Vec<Value>) -> BoxFut<'a, Result<Value>>;
}

/// App states.
pub const PENDING: &str = "pending";
pub const COMMITTED: &str = "committed";
pub const AUDITING: &str = "auditing";
pub const APPROVED: &str = "approved";
pub const GRAY: &str = "gray";
pub const RELEASED: &str = "released";
pub const REJECTED: &str = "rejected";
pub const FAILED: &str = "failed";
pub const CANCELLED: &str = "cancelled";
pub const ROLLED_BACK: &str = "rolled_back";

/// Rollout states.
pub const RUNNING: &str = "running";
pub const PAUSED: &str = "paused";
pub const DONE: &str = "done";

/// Every state an app can be in, in the order of its life (for counts).
pub const APP_STATES: [&str; 10] = [PENDING, COMMITTED, AUDITING, APPROVED, GRAY, RELEASED, REJECTED, FAILED, CANCELLED, ROLLED_BACK];

/// What the rollout does with an approved version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Spec {
    pub template_id: i64,
    pub user_version: String,
    pub user_desc: String,
    /// "auto", "manual" or "gray".
    pub release: String,
    /// Gray percentages, ascending, for "gray" (100 last: the full release).
    #[serde(default)]
    pub gray: Vec<i64>,
    #[serde(default)]
    pub step_ms: i64,
    pub concurrency: usize,
    pub max_failure_rate: f64,
    pub audit_poll_ms: i64,
    /// Set by resume after a failure-budget pause: the operator chose to go on.
    #[serde(default)]
    pub budget_waived: bool,
}

impl Spec {
    /// An app in this state waits for nobody but the driver.
    pub fn actionable(&self, state: &str) -> bool {
        match state {
            PENDING | COMMITTED | AUDITING | GRAY => true,
            APPROVED => self.release != "manual",
            _ => false,
        }
    }

    /// Nothing more will happen to an app in this state without the operator.
    pub fn settled(&self, state: &str) -> bool {
        !self.actionable(state)
    }
}

/// Engine settings.
#[derive(Clone, Debug)]
pub struct RolloutOptions {
    /// How long a driver's lease lasts unrenewed: a dead driver's rollout is
    /// taken over this long after its last renewal.
    pub lease_ttl_ms: i64,
    /// How often the driver looks at its apps (events move them in the store).
    pub tick: Duration,
    /// How often a process looks for rollouts nobody drives.
    pub scan: Duration,
    /// This process drives rollouts (false: it only starts, reads and steers them).
    pub drive: bool,
}

impl Default for RolloutOptions {
    fn default() -> Self {
        RolloutOptions { lease_ttl_ms: 10_000, tick: Duration::from_millis(200), scan: Duration::from_secs(1), drive: true }
    }
}

/// A platform's rollouts as one process sees them.
pub struct Rollouts {
    store: Store,
    upstream: Arc<dyn Upstream>,
    component_appid: String,
    owner: String,
    opts: RolloutOptions,
    /// Rollouts this process drives now.
    driving: Mutex<HashSet<String>>,
}

impl Rollouts {
    pub fn new(store: Store, upstream: Arc<dyn Upstream>, component_appid: &str, owner: &str, opts: RolloutOptions) -> Arc<Self> {
        Arc::new(Rollouts {
            store,
            upstream,
            component_appid: component_appid.to_owned(),
            owner: owner.to_owned(),
            opts,
            driving: Mutex::new(HashSet::new()),
        })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Takes the lease of `id` when free and drives it in a task.
    pub(crate) async fn kick(self: &Arc<Self>, id: &str) {
        if !self.opts.drive || self.driving.lock().unwrap().contains(id) {
            return;
        }
        if !matches!(self.store.try_rollout_lease(id, &self.owner, self.opts.lease_ttl_ms).await, Ok(true)) {
            return;
        }
        if !self.driving.lock().unwrap().insert(id.to_owned()) {
            return;
        }
        let me = self.clone();
        let id = id.to_owned();
        tokio::spawn(async move {
            driver::drive(&me, &id).await;
            me.driving.lock().unwrap().remove(&id);
        });
    }
}

/// Every process runs this: a running rollout whose driver died (its lease
/// ran out) is taken over within a scan.
pub async fn supervise(engine: Weak<Rollouts>) {
    loop {
        let Some(e) = engine.upgrade() else { return };
        let scan = e.opts.scan;
        if let Ok(ids) = e.store.orphan_rollouts(&e.component_appid).await {
            for id in ids {
                e.kick(&id).await;
            }
        }
        drop(e);
        tokio::time::sleep(scan).await;
    }
}
