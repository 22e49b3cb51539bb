//! What the platform knows of its authorizers as apps: official account or
//! mini program, and the permission sets (funcscope_category ids) each
//! granted — from the store, so selecting "every mini program that granted
//! code management" costs no WeChat call.

use serde_json::{json, Value};

use super::Component;
use crate::error::{Error, Result};
use crate::store::{AuthorizerRecord, MINI_PROGRAM, OFFICIAL_ACCOUNT};

/// funcscope_category 18: a mini program's development management (code, audit, release).
pub const FUNC_SCOPE_CODE_MANAGEMENT: i64 = 18;

/// Which stored authorizers to select (every condition must hold).
#[derive(Clone, Debug, Default)]
pub struct AuthorizerFilter {
    /// "official_account" or "mini_program".
    pub app_type: Option<String>,
    /// Permission sets that must all have been granted.
    pub func_scopes: Vec<i64>,
    /// Revoked authorizers too (default: authorized ones only).
    pub include_revoked: bool,
}

impl AuthorizerFilter {
    pub fn validate(&self) -> Result<()> {
        if let Some(t) = &self.app_type {
            if t != OFFICIAL_ACCOUNT && t != MINI_PROGRAM {
                return Err(Error::invalid("appType", format!("must be 'official_account' or 'mini_program', not {t:?}")));
            }
        }
        if let Some(bad) = self.func_scopes.iter().find(|id| **id <= 0) {
            return Err(Error::invalid("funcScopes", format!("must be positive funcscope_category ids, not {bad}")));
        }
        Ok(())
    }

    pub fn matches(&self, r: &AuthorizerRecord) -> bool {
        if !self.include_revoked && !r.authorized {
            return false;
        }
        if self.app_type.as_ref().is_some_and(|t| r.app_type.as_ref() != Some(t)) {
            return false;
        }
        if self.func_scopes.is_empty() {
            return true;
        }
        let granted = r.func_scopes();
        self.func_scopes.iter().all(|id| granted.contains(id))
    }
}

impl Component {
    /// Stored authorizers matching `filter`, by appid.
    pub async fn find_authorizers(&self, filter: &AuthorizerFilter) -> Result<Vec<AuthorizerRecord>> {
        filter.validate()?;
        let all = self.store.list_authorizers(&self.cfg.appid).await?;
        Ok(all.into_iter().filter(|r| filter.matches(r)).collect())
    }

    /// Adds what the store knows (`app_type`, `func_scopes`; null when the
    /// authorizer is not stored) to each item of an api_get_authorizer_list page.
    pub(super) async fn annotate_authorizer_page(&self, mut page: Value) -> Result<Value> {
        let Some(list) = page.get_mut("list").and_then(Value::as_array_mut) else { return Ok(page) };
        if list.is_empty() {
            return Ok(page);
        }
        let stored = self.store.list_authorizers(&self.cfg.appid).await?;
        let by_appid: std::collections::HashMap<&str, &AuthorizerRecord> = stored.iter().map(|r| (r.appid.as_str(), r)).collect();
        for item in list.iter_mut() {
            let Some(o) = item.as_object_mut() else { continue };
            let rec = o.get("authorizer_appid").and_then(Value::as_str).and_then(|a| by_appid.get(a).copied());
            o.insert("app_type".into(), json!(rec.and_then(|r| r.app_type.clone())));
            o.insert("func_scopes".into(), json!(rec.map(|r| r.func_scopes())));
        }
        Ok(page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(app_type: Option<&str>, ids: &[i64], authorized: bool) -> AuthorizerRecord {
        let func: Vec<Value> = ids.iter().map(|id| json!({"funcscope_category": {"id": id}})).collect();
        AuthorizerRecord {
            component_appid: "wxc".into(),
            appid: "wxa".into(),
            wx_token: "t".into(),
            nick_name: None,
            head_img: None,
            service_type_id: None,
            verify_type_info: None,
            user_name: None,
            alias: None,
            func_info: Some(Value::Array(func).to_string()),
            authorized,
            app_type: app_type.map(str::to_owned),
            mini_program_info: None,
            principal_name: None,
        }
    }

    #[test]
    fn code_management_mini_programs() {
        let f = AuthorizerFilter { app_type: Some(MINI_PROGRAM.into()), func_scopes: vec![FUNC_SCOPE_CODE_MANAGEMENT], include_revoked: false };
        assert!(f.matches(&rec(Some(MINI_PROGRAM), &[17, 18, 19], true)));
        assert!(!f.matches(&rec(Some(MINI_PROGRAM), &[17, 19], true)), "did not grant 18");
        assert!(!f.matches(&rec(Some(OFFICIAL_ACCOUNT), &[18], true)), "not a mini program");
        assert!(!f.matches(&rec(None, &[18], true)), "type unknown");
        assert!(!f.matches(&rec(Some(MINI_PROGRAM), &[18], false)), "revoked");
        assert!(AuthorizerFilter::default().matches(&rec(None, &[], true)));
        assert!(AuthorizerFilter { app_type: Some("weapp".into()), ..Default::default() }.validate().is_err());
        assert!(AuthorizerFilter { func_scopes: vec![0], ..Default::default() }.validate().is_err());
    }
}
