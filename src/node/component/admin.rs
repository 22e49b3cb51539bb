//! napi adapter for the platform's administrative calls (conversion only).

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::Value;

use crate::node::errors::promise;
use super::NativeComponent;

#[napi]
impl NativeComponent {
    #[napi(ts_return_type = "Promise<Record<string, unknown>>")]
    pub fn authorizer_option<'e>(&self, env: &'e Env, appid: String, name: String) -> Result<PromiseRaw<'e, Value>> {
        let c = self.opened();
        promise(env, async move { c?.authorizer_option(&appid, &name).await })
    }

    #[napi(ts_return_type = "Promise<void>")]
    pub fn set_authorizer_option<'e>(&self, env: &'e Env, appid: String, name: String, value: String) -> Result<PromiseRaw<'e, ()>> {
        let c = self.opened();
        promise(env, async move { c?.set_authorizer_option(&appid, &name, &value).await })
    }

    #[napi(ts_return_type = "Promise<Record<string, unknown>>")]
    pub fn authorizer_list_page<'e>(&self, env: &'e Env, offset: i64, count: i64) -> Result<PromiseRaw<'e, Value>> {
        let c = self.opened();
        promise(env, async move { c?.authorizer_list_page(offset, count).await })
    }

    #[napi(ts_return_type = "Promise<void>")]
    pub fn clear_component_quota<'e>(&self, env: &'e Env) -> Result<PromiseRaw<'e, ()>> {
        let c = self.opened();
        promise(env, async move { c?.clear_component_quota().await })
    }
}
