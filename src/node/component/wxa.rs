//! napi adapter for the platform's mini-program rows (template library,
//! fast registration, platform domains): conversion only.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::Value;

use crate::node::client::{row, ApiMethodRow};
use crate::node::errors::promise;
use super::NativeComponent;

#[napi]
impl NativeComponent {
    /// A platform row by name, with the component_access_token.
    #[napi(ts_args_type = "method: string, args: Array<unknown>", ts_return_type = "Promise<Record<string, unknown>>")]
    pub fn wxa_platform_call<'e>(&self, env: &'e Env, method: String, args: Vec<Value>) -> Result<PromiseRaw<'e, Value>> {
        let c = self.opened();
        let args = crate::node::integral_all(args);
        promise(env, async move {
            let c = c?;
            c.platform_api().call(&method, &args).await
        })
    }
}

/// The platform's rows (lib/wxa.js makes one ThirdpartyServer method each; types and docs).
#[napi]
pub fn wxa_platform_table() -> Vec<ApiMethodRow> {
    crate::api::endpoints::PLATFORM.iter().map(|e| row("wxa_platform", e)).collect()
}
