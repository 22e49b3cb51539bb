//! The console's view of rollouts (`console::RolloutBoard`): reads the
//! rollout tables, and steers through `Rollouts` opened without WeChat, as
//! the CLI does (the fleet's driver does the upstream work). Rollback calls
//! WeChat for each app, so it is refused here.

use std::sync::Arc;

use super::control::{counts, screenshots};
use super::offline::Offline;
use super::{RolloutOptions, Rollouts, Spec};
use crate::console::{RolloutAction, RolloutApp, RolloutBoard, RolloutSummary};
use crate::error::{Error, Result};
use crate::model::BoxFut;
use crate::store::{RolloutRow, Store};

pub struct ConsoleBoard {
    store: Store,
    owner: String,
}

impl ConsoleBoard {
    pub fn new(store: Store) -> ConsoleBoard {
        ConsoleBoard { store, owner: format!("console-{}-{}", std::process::id(), crate::crypto::random_nonce()) }
    }

    async fn summary(&self, row: &RolloutRow) -> Result<RolloutSummary> {
        let counts = counts(&self.store.rollout_apps(&row.id).await?);
        let spec: Option<Spec> = serde_json::from_str(&row.spec).ok();
        Ok(RolloutSummary {
            id: row.id.clone(),
            state: row.state.clone(),
            template_id: spec.as_ref().map(|s| s.template_id.to_string()).unwrap_or_default(),
            user_version: spec.map(|s| s.user_version).unwrap_or_default(),
            created_at_ms: row.created_at,
            updated_at_ms: row.updated_at,
            counts: counts.into_iter().collect(),
        })
    }
}

impl RolloutBoard for ConsoleBoard {
    fn list(&self, limit: usize) -> BoxFut<'_, Result<Vec<RolloutSummary>>> {
        Box::pin(async move {
            let mut out = Vec::new();
            for row in self.store.recent_rollouts(limit).await? {
                out.push(self.summary(&row).await?);
            }
            Ok(out)
        })
    }

    fn one<'a>(&'a self, id: &'a str) -> BoxFut<'a, Result<Option<RolloutSummary>>> {
        Box::pin(async move {
            match self.store.rollout(id).await? {
                Some(row) => Ok(Some(self.summary(&row).await?)),
                None => Ok(None),
            }
        })
    }

    fn apps<'a>(&'a self, id: &'a str, after: Option<&'a str>, limit: usize) -> BoxFut<'a, Result<Vec<RolloutApp>>> {
        Box::pin(async move {
            let apps = self.store.rollout_apps(id).await?;
            Ok(apps
                .into_iter()
                .filter(|a| after.is_none_or(|x| a.appid.as_str() > x))
                .take(limit)
                .map(|a| RolloutApp {
                    screenshots: screenshots(&a),
                    appid: a.appid,
                    state: a.state,
                    auditid: a.auditid.map(|n| n.to_string()),
                    reason: a.reason,
                    error: a.error,
                    updated_at_ms: a.updated_at,
                })
                .collect())
        })
    }

    fn act<'a>(&'a self, id: &'a str, action: RolloutAction) -> BoxFut<'a, Result<String>> {
        Box::pin(async move {
            let row = self.store.rollout(id).await?.ok_or_else(|| Error::NotFound(format!("rollout {id} does not exist")))?;
            let opts = RolloutOptions { drive: false, ..RolloutOptions::default() };
            let r = Rollouts::new(self.store.clone(), Arc::new(Offline), &row.component_appid, &self.owner, opts);
            if action == RolloutAction::Rollback {
                return Err(Error::invalid("action", "a rollback calls WeChat for each app: run rollback() from a process of the platform"));
            }
            let after = r.control(id, action.as_str(), None).await?;
            Ok(format!("{} → {}", action.as_str(), after["state"].as_str().unwrap_or("?")))
        })
    }
}
