//! OAuth user tokens (wechat-oauth's): the /sns/* token calls (code →
//! token, refresh, jscode2session) with an app's own secret or on behalf of
//! an authorizer (component OAuth, with the platform's component token
//! through `with_token`), the tokens as token-cell rows, and the cell's
//! refresh of a stored user token. Storage is the caller's business.

use serde_json::{json, Value};

use super::{with_token, ComponentCredential};
use crate::error::{Error, Result};
use crate::model::{now_ms, BoxFut, Token};
use crate::token::Fetch;
use crate::wechat::Transport;

/// Who proves the right to exchange codes: the app's secret, or the platform
/// acting for an authorizer with its component_access_token.
#[derive(Clone)]
pub enum OAuthCredential {
    Secret(String),
    Component(ComponentCredential),
}

#[derive(Clone)]
pub struct OAuthUpstream {
    pub appid: String,
    pub credential: OAuthCredential,
    pub transport: Transport,
}

impl OAuthUpstream {
    pub fn component_appid(&self) -> Option<&str> {
        match &self.credential {
            OAuthCredential::Component(c) => Some(&c.appid),
            OAuthCredential::Secret(_) => None,
        }
    }

    /// GET `own` with the secret or `on_behalf` with the component token
    /// (a rejected one dropped and the call retried once, as every
    /// component call is).
    async fn call(&self, own: &str, on_behalf: &str, params: &[(&str, &str)], with_secret: bool) -> Result<Value> {
        let mut q: Vec<(&str, &str)> = vec![("appid", self.appid.as_str())];
        match &self.credential {
            OAuthCredential::Secret(secret) => {
                if with_secret {
                    q.push(("secret", secret));
                }
                q.extend_from_slice(params);
                self.transport.get(own, &q).await
            }
            OAuthCredential::Component(c) => {
                q.extend_from_slice(params);
                q.push(("component_appid", &c.appid));
                let q = &q;
                with_token(&*c.access_token, |token| async move {
                    let mut with = q.clone();
                    with.push(("component_access_token", &token));
                    self.transport.get(on_behalf, &with).await
                })
                .await
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
}

/// WeChat's answer to a code exchange or refresh, plus wechat-oauth's
/// `create_at` (ms, taken before the request).
#[derive(Clone, PartialEq)]
pub struct UserToken {
    pub access_token: String,
    pub expires_in: i64,
    pub refresh_token: String,
    pub openid: String,
    pub scope: String,
    pub create_at: i64,
    pub unionid: Option<String>,
}

impl std::fmt::Debug for UserToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserToken").field("openid", &self.openid).field("scope", &self.scope).finish_non_exhaustive()
    }
}

impl UserToken {
    fn from_wechat(v: &Value, create_at: i64) -> Result<UserToken> {
        Ok(UserToken {
            access_token: field(v, "access_token")?,
            expires_in: v.get("expires_in").and_then(Value::as_i64).unwrap_or(7200),
            refresh_token: field(v, "refresh_token")?,
            openid: field(v, "openid")?,
            scope: v.get("scope").and_then(Value::as_str).unwrap_or_default().to_owned(),
            create_at,
            unionid: v.get("unionid").and_then(Value::as_str).map(str::to_owned),
        })
    }

    /// wechat-oauth's `AccessToken#isValid`.
    pub fn is_valid_at(&self, now_ms: i64) -> bool {
        !self.access_token.is_empty() && now_ms < self.create_at + self.expires_in * 1000
    }
}

/// `jscode2session`'s answer plus `create_at`.
#[derive(Clone, PartialEq)]
pub struct Session {
    pub session_key: String,
    pub openid: String,
    pub unionid: Option<String>,
    pub create_at: i64,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("openid", &self.openid).finish_non_exhaustive()
    }
}

impl Session {
    fn from_wechat(v: &Value, create_at: i64) -> Result<Session> {
        Ok(Session {
            session_key: field(v, "session_key")?,
            openid: field(v, "openid")?,
            unionid: v.get("unionid").and_then(Value::as_str).map(str::to_owned),
            create_at,
        })
    }
}

/// WeChat does not say how long a session key lives; the row needs a date.
const SESSION_KEY_NOMINAL_MS: i64 = 30 * 86_400_000;

/// value = access_token, refresh_token column, the rest in `extra`.
pub fn to_cell_token(t: &UserToken) -> Token {
    Token {
        value: t.access_token.clone(),
        expires_at_ms: t.create_at + t.expires_in * 1000,
        updated_at_ms: t.create_at,
        refresh_token: Some(t.refresh_token.clone()),
        extra: Some(json!({ "openid": t.openid, "scope": t.scope, "expires_in": t.expires_in, "unionid": t.unionid })),
    }
}

pub fn from_cell_token(t: &Token) -> Option<UserToken> {
    if t.value.is_empty() {
        return None;
    }
    let extra = t.extra.clone().unwrap_or(Value::Null);
    let s = |k: &str| extra.get(k).and_then(Value::as_str).map(str::to_owned);
    Some(UserToken {
        access_token: t.value.clone(),
        expires_in: extra.get("expires_in").and_then(Value::as_i64).unwrap_or(t.lifetime_ms() / 1000),
        refresh_token: t.refresh_token.clone().unwrap_or_default(),
        openid: s("openid").unwrap_or_default(),
        scope: s("scope").unwrap_or_default(),
        // A compare-and-expire zeroes expires_at, not the creation time.
        create_at: t.updated_at_ms,
        unionid: s("unionid"),
    })
}

pub fn session_token(s: &Session) -> Token {
    Token {
        value: s.session_key.clone(),
        expires_at_ms: s.create_at + SESSION_KEY_NOMINAL_MS,
        updated_at_ms: s.create_at,
        refresh_token: None,
        extra: Some(json!({ "openid": s.openid, "unionid": s.unionid })),
    }
}

/// The cell's upstream call: `/sns/oauth2/refresh_token` with the stored
/// refresh token. No stored token means the user never authorized.
pub struct RefreshFetch {
    pub upstream: OAuthUpstream,
    pub openid: String,
}

impl Fetch for RefreshFetch {
    fn fetch<'a>(&'a self, current: Option<&'a Token>) -> BoxFut<'a, Result<Token>> {
        Box::pin(async move {
            let refresh_token =
                current.and_then(|t| t.refresh_token.clone()).filter(|r| !r.is_empty()).ok_or_else(|| no_token(&self.openid))?;
            let t = self.upstream.refresh(&refresh_token).await?;
            if t.openid != self.openid {
                return Err(Error::Other(format!("refreshing the token of {} returned another user's token", self.openid)));
            }
            Ok(to_cell_token(&t))
        })
    }

    fn prepare(&self) -> Option<BoxFut<'_, Result<()>>> {
        match &self.upstream.credential {
            OAuthCredential::Component(c) => Some(Box::pin(async move { c.access_token.token().await.map(drop) })),
            OAuthCredential::Secret(_) => None,
        }
    }
}

/// wechat-oauth's NoOAuthTokenError message.
pub fn no_token(openid: &str) -> Error {
    Error::NotFound(format!("No token for {openid}, please authorize first."))
}

fn field(v: &Value, name: &str) -> Result<String> {
    v.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| Error::Other(format!("WeChat's answer has no {name}")))
}
