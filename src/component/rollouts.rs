//! The platform's side of rollouts: WeChat through each authorizer's client
//! (the engine's `Upstream`), the engine every process runs (it takes over a
//! rollout whose driver died), and audit verdicts pushed to this process
//! moving the app in the store at once.

use std::sync::{Arc, Weak};

use serde_json::{json, Value};

use super::Component;
use crate::error::{Error, Result};
use crate::message::AuditEvent;
use crate::model::BoxFut;
use crate::rollout::{RolloutOptions, Rollouts, Upstream};

/// Steps WeChat must not see twice: no transient retry (the rollout reconciles instead).
const ONCE: [&str; 7] = ["commit", "submitAudit", "undoCodeAudit", "release", "grayRelease", "revertCodeRelease", "revertGrayRelease"];

/// Weak: the engine lives inside the platform it calls through.
struct Clients(Weak<Component>);

impl Upstream for Clients {
    fn call<'a>(&'a self, appid: &'a str, method: &'static str, args: Vec<Value>) -> BoxFut<'a, Result<Value>> {
        Box::pin(async move {
            let c = self.0.upgrade().ok_or_else(|| Error::NotReady("the platform is closed".into()))?;
            let client = c.client(appid);
            if ONCE.contains(&method) {
                client.call_once(method, &args).await
            } else {
                client.call(method, &args).await
            }
        })
    }
}

impl Component {
    /// Makes the engine and starts looking for rollouts nobody drives.
    pub(super) fn start_rollouts(self: &Arc<Self>) {
        let opts = RolloutOptions { lease_ttl_ms: self.cfg.lease_ttl_ms.max(1000), drive: self.cfg.drive_rollouts, ..RolloutOptions::default() };
        let engine = Rollouts::new(self.store.clone(), Arc::new(Clients(Arc::downgrade(self))), &self.cfg.appid, &self.owner_id, opts);
        if self.cfg.drive_rollouts {
            let task = tokio::spawn(crate::rollout::supervise(Arc::downgrade(&engine)));
            self.tasks.lock().unwrap().push(task);
        }
        let _ = self.rollouts.set(engine);
    }

    /// The rollouts of this platform (any process may start, read and steer them).
    pub fn rollouts(&self) -> Result<Arc<Rollouts>> {
        self.rollouts.get().cloned().ok_or_else(|| Error::NotReady("the platform is not open yet".into()))
    }

    /// A verdict moves the app of a live rollout now (the driver releases it
    /// on its next tick), wherever the push landed.
    pub(super) fn audit_verdict(self: &Arc<Self>, e: &AuditEvent) {
        let approved = match e.status {
            "success" => true,
            "fail" => false,
            _ => return, // a delay: the audit goes on
        };
        let (c, appid, reason) = (self.clone(), e.appid.clone(), e.reason.clone());
        let shots = (!approved).then(|| json!(e.screenshots).to_string());
        self.runtime.spawn(async move {
            let _ = c.store.rollout_audit_verdict(&c.cfg.appid, &appid, approved, reason.as_deref(), shots.as_deref()).await;
        });
    }
}
