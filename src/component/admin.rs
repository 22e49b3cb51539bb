//! The platform's own administrative calls: authorizer options, the list of
//! authorizers, its API quota.

use serde_json::{json, Value};

use super::Component;
use crate::credential::component_post;
use crate::error::{Error, Result};

const GET_OPTION: &str = "/cgi-bin/component/api_get_authorizer_option";
const SET_OPTION: &str = "/cgi-bin/component/api_set_authorizer_option";
const LIST: &str = "/cgi-bin/component/api_get_authorizer_list";
const CLEAR_QUOTA: &str = "/cgi-bin/component/clear_quota";

/// WeChat's largest page of api_get_authorizer_list.
pub const AUTHORIZER_PAGE: i64 = 500;

impl Component {
    async fn post(&self, path: &str, body: Value) -> Result<Value> {
        component_post(&self.transport, &self.access_token, path, &body).await
    }

    /// `{authorizer_appid, option_name, option_value}`.
    pub async fn authorizer_option(&self, appid: &str, name: &str) -> Result<Value> {
        non_empty("appid", appid)?;
        non_empty("name", name)?;
        self.post(GET_OPTION, json!({ "component_appid": self.cfg.appid, "authorizer_appid": appid, "option_name": name })).await
    }

    pub async fn set_authorizer_option(&self, appid: &str, name: &str, value: &str) -> Result<()> {
        non_empty("appid", appid)?;
        non_empty("name", name)?;
        non_empty("value", value)?;
        let body = json!({ "component_appid": self.cfg.appid, "authorizer_appid": appid, "option_name": name, "option_value": value });
        self.post(SET_OPTION, body).await.map(drop)
    }

    /// One page: `{total_count, list: [{authorizer_appid, refresh_token, auth_time, app_type, func_scopes}]}`
    /// (the last two from the store).
    pub async fn authorizer_list_page(&self, offset: i64, count: i64) -> Result<Value> {
        if offset < 0 {
            return Err(Error::invalid("offset", "must be 0 or more"));
        }
        if !(1..=AUTHORIZER_PAGE).contains(&count) {
            return Err(Error::invalid("count", "must be 1..500"));
        }
        let page = self.post(LIST, json!({ "component_appid": self.cfg.appid, "offset": offset, "count": count })).await?;
        self.annotate_authorizer_page(page).await
    }

    /// Resets the platform's own API call quota (a few times a month).
    pub async fn clear_component_quota(&self) -> Result<()> {
        self.post(CLEAR_QUOTA, json!({ "component_appid": self.cfg.appid })).await.map(drop)
    }
}

fn non_empty(name: &'static str, v: &str) -> Result<()> {
    if v.trim().is_empty() {
        return Err(Error::invalid(name, "must be a non-empty string"));
    }
    Ok(())
}
