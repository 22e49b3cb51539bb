//! napi adapter for selecting stored authorizers by type and granted
//! permission sets (conversion only; the core is component/authorizer_kinds.rs).

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::node::errors::promise;
use super::NativeComponent;
use crate::component::AuthorizerFilter;
use crate::node::authorizer::StoredAuthorizer;

#[napi(object)]
pub struct AuthorizerFilterOptions {
    /// 'official_account' or 'mini_program'.
    #[napi(ts_type = "'official_account' | 'mini_program'")]
    pub app_type: Option<String>,
    /// funcscope_category ids that must all have been granted (18: code management).
    pub func_scopes: Option<Vec<i64>>,
    /// Revoked authorizers too (default false).
    pub include_revoked: Option<bool>,
}

#[napi]
impl NativeComponent {
    #[napi(ts_return_type = "Promise<StoredAuthorizer[]>")]
    pub fn find_authorizers<'e>(&self, env: &'e Env, filter: Option<AuthorizerFilterOptions>) -> Result<PromiseRaw<'e, Vec<StoredAuthorizer>>> {
        let c = self.opened();
        let f = filter.map(|f| AuthorizerFilter {
            app_type: f.app_type,
            func_scopes: f.func_scopes.unwrap_or_default(),
            include_revoked: f.include_revoked.unwrap_or(false),
        });
        promise(env, async move {
            let list = c?.find_authorizers(&f.unwrap_or_default()).await?;
            Ok(list.into_iter().map(StoredAuthorizer::from).collect())
        })
    }
}
