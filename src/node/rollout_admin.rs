//! `NativeRolloutAdmin`: rollouts from a process with only the database
//! (`wxthirdparty rollout`). Conversion only.

use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::Value;

use crate::error::Error as CoreError;
use crate::node::component::RolloutAppInput;
use crate::node::errors::promise;
use crate::rollout::{NewApp, Rollouts, Spec};

#[napi]
pub struct NativeRolloutAdmin {
    inner: Arc<Rollouts>,
}

/// The rollouts of `platform` (or the database's only platform) in `db`.
#[napi]
pub fn open_rollout_admin(env: &Env, db: String, platform: Option<String>) -> Result<PromiseRaw<'_, NativeRolloutAdmin>> {
    promise(env, async move { Ok(NativeRolloutAdmin { inner: Rollouts::open_offline(&db, platform.as_deref()).await? }) })
}

#[napi]
impl NativeRolloutAdmin {
    #[napi(getter)]
    pub fn platform(&self) -> String {
        self.inner.component_appid().to_owned()
    }

    #[napi]
    pub fn mini_programs<'e>(&self, env: &'e Env) -> Result<PromiseRaw<'e, Vec<String>>> {
        let r = self.inner.clone();
        promise(env, async move { r.mini_programs().await })
    }

    #[napi(ts_args_type = "spec: Record<string, unknown>, apps: Array<RolloutAppInput>")]
    pub fn start<'e>(&self, env: &'e Env, spec: Value, apps: Vec<RolloutAppInput>) -> Result<PromiseRaw<'e, String>> {
        let r = self.inner.clone();
        let spec = serde_json::from_value::<Spec>(crate::node::integral(spec)).map_err(|e| CoreError::invalid("options", e.to_string()));
        let apps = apps.into_iter().map(|a| NewApp { appid: a.appid, ext_json: a.ext_json, audit: a.audit.filter(|v| !v.is_null()).map(crate::node::integral) }).collect();
        promise(env, async move { r.start(spec?, apps).await })
    }

    #[napi(ts_return_type = "Promise<Record<string, unknown>>")]
    pub fn status<'e>(&self, env: &'e Env, id: String) -> Result<PromiseRaw<'e, Value>> {
        let r = self.inner.clone();
        promise(env, async move { r.status(&id).await })
    }

    #[napi(ts_return_type = "Promise<Array<Record<string, unknown>>>")]
    pub fn list<'e>(&self, env: &'e Env) -> Result<PromiseRaw<'e, Value>> {
        let r = self.inner.clone();
        promise(env, async move { r.list().await.map(Value::Array) })
    }

    /// pause | resume | cancel | retry (rollback needs a platform process).
    #[napi(ts_return_type = "Promise<Record<string, unknown>>")]
    pub fn control<'e>(&self, env: &'e Env, id: String, action: String, appids: Option<Vec<String>>) -> Result<PromiseRaw<'e, Value>> {
        let r = self.inner.clone();
        promise(env, async move { r.control(&id, &action, appids).await })
    }

    #[napi(ts_return_type = "Promise<void>")]
    pub fn close<'e>(&self, env: &'e Env) -> Result<PromiseRaw<'e, ()>> {
        let r = self.inner.clone();
        promise(env, async move {
            r.close().await;
            Ok(())
        })
    }
}
