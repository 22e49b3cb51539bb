//! napi adapter for rollouts (lib/rollout.js makes the Rollout handle):
//! conversion only.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::Value;

use super::NativeComponent;
use crate::error::Error as CoreError;
use crate::node::errors::promise;
use crate::rollout::{NewApp, Spec};

/// One app of a new rollout, its ext_json and audit options resolved by JS.
#[napi(object)]
pub struct RolloutAppInput {
    pub appid: String,
    /// JSON text of an object, `$APPID$` replaced.
    pub ext_json: String,
    /// submit_audit's options, camelCase.
    pub audit: Option<Value>,
}

#[napi]
impl NativeComponent {
    /// Stores and starts a rollout; resolves its id.
    #[napi(ts_args_type = "spec: Record<string, unknown>, apps: Array<RolloutAppInput>")]
    pub fn rollout_start<'e>(&self, env: &'e Env, spec: Value, apps: Vec<RolloutAppInput>) -> Result<PromiseRaw<'e, String>> {
        let c = self.opened();
        let spec = serde_json::from_value::<Spec>(crate::node::integral(spec)).map_err(|e| CoreError::invalid("options", e.to_string()));
        let apps = apps.into_iter().map(|a| NewApp { appid: a.appid, ext_json: a.ext_json, audit: a.audit.filter(|v| !v.is_null()).map(crate::node::integral) }).collect();
        promise(env, async move { c?.rollouts()?.start(spec?, apps).await })
    }

    #[napi(ts_return_type = "Promise<Record<string, unknown>>")]
    pub fn rollout_status<'e>(&self, env: &'e Env, id: String) -> Result<PromiseRaw<'e, Value>> {
        let c = self.opened();
        promise(env, async move { c?.rollouts()?.status(&id).await })
    }

    #[napi(ts_return_type = "Promise<Array<Record<string, unknown>>>")]
    pub fn rollout_list<'e>(&self, env: &'e Env) -> Result<PromiseRaw<'e, Value>> {
        let c = self.opened();
        promise(env, async move { c?.rollouts()?.list().await.map(Value::Array) })
    }

    /// `action`: pause | resume | cancel | retry | rollback; resolves the status after it.
    #[napi(ts_return_type = "Promise<Record<string, unknown>>")]
    pub fn rollout_control<'e>(&self, env: &'e Env, id: String, action: String, appids: Option<Vec<String>>) -> Result<PromiseRaw<'e, Value>> {
        let c = self.opened();
        promise(env, async move { c?.rollouts()?.control(&id, &action, appids).await })
    }
}
