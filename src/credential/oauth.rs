//! The /sns/* calls, for an app's own credentials or on behalf of an
//! authorizer (component OAuth). Stateless: storage is the caller's business.

use std::sync::Arc;

use serde_json::Value;

use super::{Session, UserToken};
use crate::api::now_ms;
use crate::component::Component;
use crate::error::{Error, Result};
use crate::wechat::Transport;

/// Who proves the right to exchange codes: the app's secret, or the platform
/// acting for an authorizer with its component_access_token.
#[derive(Clone)]
pub enum Credential {
    Secret(String),
    Component(Arc<Component>),
}

#[derive(Clone)]
pub struct Upstream {
    pub appid: String,
    pub credential: Credential,
    pub transport: Transport,
}

impl Upstream {
    pub fn component_appid(&self) -> Option<&str> {
        match &self.credential {
            Credential::Component(c) => Some(c.appid()),
            Credential::Secret(_) => None,
        }
    }

    /// GET `own` with the secret or `on_behalf` with the component token; a
    /// rejected component token is expired (compare-and-expire) and the call
    /// retried once, as every component call does.
    async fn call(&self, own: &str, on_behalf: &str, params: &[(&str, &str)], with_secret: bool) -> Result<Value> {
        let mut q: Vec<(&str, &str)> = vec![("appid", self.appid.as_str())];
        match &self.credential {
            Credential::Secret(secret) => {
                if with_secret {
                    q.push(("secret", secret));
                }
                q.extend_from_slice(params);
                self.transport.get(own, &q).await
            }
            Credential::Component(c) => {
                q.extend_from_slice(params);
                q.push(("component_appid", c.appid()));
                let cell = &c.access_token;
                let token = cell.get().await?;
                let mut with = q.clone();
                with.push(("component_access_token", &token.value));
                match self.transport.get(on_behalf, &with).await {
                    Err(e) if e.is_token_invalid() => {
                        cell.invalidate(&token.value, Some(&e)).await?;
                        let fresh = cell.get().await?;
                        q.push(("component_access_token", &fresh.value));
                        self.transport.get(on_behalf, &q).await
                    }
                    other => other,
                }
            }
        }
    }

    /// `code` → the user's access token (`/sns/oauth2/access_token`).
    pub async fn exchange_code(&self, code: &str) -> Result<UserToken> {
        let create_at = now_ms();
        let params = [("code", code), ("grant_type", "authorization_code")];
        let v = self.call("/sns/oauth2/access_token", "/sns/oauth2/component/access_token", &params, true).await?;
        UserToken::from_wechat(&v, create_at)
    }

    /// A new access token from the refresh token (`/sns/oauth2/refresh_token`).
    pub async fn refresh(&self, refresh_token: &str) -> Result<UserToken> {
        let create_at = now_ms();
        let params = [("grant_type", "refresh_token"), ("refresh_token", refresh_token)];
        let v = self.call("/sns/oauth2/refresh_token", "/sns/oauth2/component/refresh_token", &params, false).await?;
        UserToken::from_wechat(&v, create_at)
    }

    /// Mini-program `wx.login` code → session key and openid.
    pub async fn code2session(&self, js_code: &str) -> Result<Session> {
        let create_at = now_ms();
        let params = [("js_code", js_code), ("grant_type", "authorization_code")];
        let v = self.call("/sns/jscode2session", "/sns/component/jscode2session", &params, true).await?;
        Session::from_wechat(&v, create_at)
    }

    /// `/sns/userinfo` with the user's own token (free-form profile).
    pub async fn userinfo(&self, access_token: &str, openid: &str, lang: &str) -> Result<Value> {
        let q = [("access_token", access_token), ("openid", openid), ("lang", lang)];
        self.transport.get("/sns/userinfo", &q).await
    }

    /// `/sns/auth`: `{errcode: 0, errmsg: 'ok'}` when the token is good.
    pub async fn verify(&self, openid: &str, access_token: &str) -> Result<Value> {
        self.transport.get("/sns/auth", &[("access_token", access_token), ("openid", openid)]).await
    }
}

pub(crate) fn field(v: &Value, name: &str) -> Result<String> {
    v.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| Error::Other(format!("WeChat's answer has no {name}")))
}
