//! Rollouts steered from a process with no platform (the CLI): the store
//! only. Starting one stores it; a process of the fleet drives it within a
//! scan. Rollback needs WeChat, so a platform process.

use std::sync::Arc;

use serde_json::Value;

use super::{RolloutOptions, Rollouts, Upstream};
use crate::error::{Error, Result};
use crate::model::BoxFut;
use crate::store::{Store, StoreConfig};

/// Permission set of code management (开发管理): what a rollout needs.
const CODE_MANAGEMENT: i64 = 18;

/// The upstream of a process with only the database: every call refused.
pub(super) struct Offline;

impl Upstream for Offline {
    fn call<'a>(&'a self, _appid: &'a str, method: &'static str, _args: Vec<Value>) -> BoxFut<'a, Result<Value>> {
        Box::pin(async move { Err(Error::NotReady(format!("{method} needs WeChat: run it from a process of the platform (this one only has the database)"))) })
    }
}

impl Rollouts {
    /// The rollouts of `platform` (or of the only platform with authorizers) in the database at `db`.
    pub async fn open_offline(db: &str, platform: Option<&str>) -> Result<Arc<Rollouts>> {
        let store = Store::connect(&StoreConfig::new(db)).await?;
        store.migrate().await?;
        let component = match platform.filter(|p| !p.is_empty()) {
            Some(p) => p.to_owned(),
            None => match store.platform_appids().await?.as_slice() {
                [one] => one.clone(),
                [] => return Err(Error::invalid("platform", "no platform has authorizers in this database: name one with --platform")),
                many => return Err(Error::invalid("platform", format!("several platforms share this database ({}): name one with --platform", many.join(", ")))),
            },
        };
        let owner = format!("{}-{}", std::process::id(), crate::crypto::random_nonce());
        Ok(Rollouts::new(store, Arc::new(Offline), &component, &owner, RolloutOptions { drive: false, ..RolloutOptions::default() }))
    }

    /// The platform's authorized mini programs that granted code management.
    pub async fn mini_programs(&self) -> Result<Vec<String>> {
        let all = self.store.list_authorizers(&self.component_appid).await?;
        Ok(all.into_iter().filter(|a| a.authorized && a.is_mini_program() && a.func_scopes().contains(&CODE_MANAGEMENT)).map(|a| a.appid).collect())
    }

    pub fn component_appid(&self) -> &str {
        &self.component_appid
    }

    pub async fn close(&self) {
        self.store.close().await;
    }
}
