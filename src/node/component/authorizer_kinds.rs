//! napi adapter for selecting stored authorizers by type and granted
//! permission sets (conversion only; the core is component/authorizer_kinds.rs).

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::Value;

use crate::node::errors::promise;
use super::NativeComponent;
use crate::component::AuthorizerFilter;
use crate::store::AuthorizerRecord;

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

/// A stored authorizer as an app: what it is and what it granted (no tokens).
#[napi(object, use_nullable = true)]
pub struct StoredAuthorizer {
    pub appid: String,
    #[napi(js_name = "nick_name")]
    pub nick_name: Option<String>,
    #[napi(js_name = "head_img")]
    pub head_img: Option<String>,
    #[napi(js_name = "user_name")]
    pub user_name: Option<String>,
    pub alias: Option<String>,
    #[napi(js_name = "service_type_id")]
    pub service_type_id: Option<i64>,
    #[napi(js_name = "verify_type_info")]
    pub verify_type_info: Option<i64>,
    /// null: stored before the type was recorded.
    #[napi(js_name = "app_type", ts_type = "'official_account' | 'mini_program'")]
    pub app_type: Option<String>,
    /// funcscope_category ids granted, ascending.
    #[napi(js_name = "func_scopes")]
    pub func_scopes: Vec<i64>,
    /// WeChat's MiniProgramInfo (mini programs).
    #[napi(js_name = "mini_program_info", ts_type = "Record<string, unknown> | null")]
    pub mini_program_info: Option<Value>,
    pub authorized: bool,
}

impl From<AuthorizerRecord> for StoredAuthorizer {
    fn from(r: AuthorizerRecord) -> Self {
        StoredAuthorizer {
            func_scopes: r.func_scopes(),
            mini_program_info: r.mini_program_info.as_deref().and_then(|m| serde_json::from_str(m).ok()),
            appid: r.appid,
            nick_name: r.nick_name,
            head_img: r.head_img,
            user_name: r.user_name,
            alias: r.alias,
            service_type_id: r.service_type_id,
            verify_type_info: r.verify_type_info,
            app_type: r.app_type,
            authorized: r.authorized,
        }
    }
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
