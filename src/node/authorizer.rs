//! The one JS shape of a stored authorizer's record (snake_case, as the
//! original wxthirdparty's wx_users_info row; no tokens). findAuthorizers
//! hands it out as it is, user_info is it plus the token (lib/server.js
//! flattens the two), ctx.authorizer is it in camelCase (lib/messages.js).

use napi_derive::napi;
use serde_json::Value;

use crate::store::AuthorizerRecord;

#[napi(object, use_nullable = true)]
pub struct StoredAuthorizer {
    /// Random (CSPRNG) handle naming this authorizer, for a cookie.
    #[napi(js_name = "wx_token")]
    pub wx_token: String,
    pub appid: String,
    #[napi(js_name = "nick_name")]
    pub nick_name: Option<String>,
    #[napi(js_name = "head_img")]
    pub head_img: Option<String>,
    #[napi(js_name = "service_type_id")]
    pub service_type_id: Option<i64>,
    #[napi(js_name = "verify_type_info")]
    pub verify_type_info: Option<i64>,
    #[napi(js_name = "user_name")]
    pub user_name: Option<String>,
    pub alias: Option<String>,
    /// WeChat's own func_info list.
    #[napi(js_name = "func_info", ts_type = "Array<{ funcscope_category: { id: number } }> | null")]
    pub func_info: Option<Value>,
    pub authorized: bool,
    /// null: stored before the type was recorded.
    #[napi(js_name = "app_type", ts_type = "'official_account' | 'mini_program'")]
    pub app_type: Option<String>,
    /// funcscope_category ids granted, ascending.
    #[napi(js_name = "func_scopes")]
    pub func_scopes: Vec<i64>,
    /// WeChat's MiniProgramInfo (mini programs).
    #[napi(js_name = "mini_program_info", ts_type = "Record<string, unknown> | null")]
    pub mini_program_info: Option<Value>,
    /// The company or person behind the account (null: stored before it was recorded).
    #[napi(js_name = "principal_name")]
    pub principal_name: Option<String>,
}

impl From<AuthorizerRecord> for StoredAuthorizer {
    fn from(r: AuthorizerRecord) -> Self {
        let json = |s: Option<String>| s.as_deref().and_then(|t| serde_json::from_str::<Value>(t).ok());
        let func_scopes = r.func_scopes();
        // Every field named: one added to the record fails to compile here
        // until someone decides whether JS sees it.
        let AuthorizerRecord {
            component_appid: _,
            appid,
            wx_token,
            nick_name,
            head_img,
            service_type_id,
            verify_type_info,
            user_name,
            alias,
            func_info,
            authorized,
            app_type,
            mini_program_info,
            principal_name,
        } = r;
        StoredAuthorizer {
            func_scopes,
            func_info: json(func_info),
            mini_program_info: json(mini_program_info),
            wx_token,
            appid,
            nick_name,
            head_img,
            service_type_id,
            verify_type_info,
            user_name,
            alias,
            authorized,
            app_type,
            principal_name,
        }
    }
}
