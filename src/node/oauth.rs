//! napi adapter for user OAuth (lib/oauth.js is the wechat-oauth skin).
//! Conversion only.

use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::credential::{Session, UserToken};
use crate::oauth::OAuth;

use super::wechat_answer::{promise_answered, Answer};
use super::errors::{promise, OrThrow};

#[napi(object)]
pub struct OAuthOptions {
    pub appid: String,
    pub appsecret: String,
    pub is_mini_program: Option<bool>,
    /// A store URL; none → an in-process memory database.
    pub db: Option<String>,
    pub api_base: Option<String>,
}

/// wechat-oauth's `result.data` (WeChat's field names).
#[napi(object)]
pub struct OAuthTokenData {
    #[napi(js_name = "access_token")]
    pub access_token: String,
    #[napi(js_name = "expires_in")]
    pub expires_in: i64,
    #[napi(js_name = "refresh_token")]
    pub refresh_token: String,
    pub openid: String,
    pub scope: String,
    /// ms since the epoch, taken before the request (as wechat-oauth).
    #[napi(js_name = "create_at")]
    pub create_at: i64,
    pub unionid: Option<String>,
}

impl From<UserToken> for OAuthTokenData {
    fn from(t: UserToken) -> Self {
        OAuthTokenData {
            access_token: t.access_token,
            expires_in: t.expires_in,
            refresh_token: t.refresh_token,
            openid: t.openid,
            scope: t.scope,
            create_at: t.create_at,
            unionid: t.unionid,
        }
    }
}

/// `jscode2session`'s answer, as wechat-oauth saves it.
#[napi(object)]
pub struct OAuthSessionData {
    #[napi(js_name = "session_key")]
    pub session_key: String,
    pub openid: String,
    pub unionid: Option<String>,
    #[napi(js_name = "create_at")]
    pub create_at: i64,
}

impl From<Session> for OAuthSessionData {
    fn from(s: Session) -> Self {
        OAuthSessionData { session_key: s.session_key, openid: s.openid, unionid: s.unionid, create_at: s.create_at }
    }
}

#[napi]
pub struct NativeOAuth {
    inner: Arc<OAuth>,
}

impl NativeOAuth {
    pub(crate) fn from_core(inner: OAuth) -> Self {
        NativeOAuth { inner: Arc::new(inner) }
    }
}

#[napi]
impl NativeOAuth {
    #[napi(constructor)]
    pub fn new(env: &Env, o: OAuthOptions) -> Result<Self> {
        let core = OAuth::new(&o.appid, &o.appsecret, o.is_mini_program.unwrap_or(false), o.db.as_deref(), o.api_base.as_deref()).or_throw(env)?;
        Ok(NativeOAuth::from_core(core))
    }

    #[napi(getter)]
    pub fn appid(&self) -> String {
        self.inner.appid().to_owned()
    }

    #[napi(getter)]
    pub fn component_appid(&self) -> Option<String> {
        self.inner.upstream().component_appid().map(str::to_owned)
    }

    #[napi(getter)]
    pub fn is_mini_program(&self) -> bool {
        self.inner.is_mini_program()
    }

    // `answer`: a callback caller, who gets WeChat's answer beside an error
    // (wechat-oauth's `(err, data)`) and `res` beside a profile.

    #[napi]
    pub fn access_token<'e>(&self, env: &'e Env, code: String, save: bool, answer: Option<bool>) -> Result<PromiseRaw<'e, OAuthTokenData>> {
        let o = self.inner.clone();
        promise_answered(env, answer.unwrap_or(false), async move { o.access_token(&code, save).await }, |t, _| t.into())
    }

    #[napi]
    pub fn refresh_access_token<'e>(&self, env: &'e Env, refresh_token: String, save: bool, answer: Option<bool>) -> Result<PromiseRaw<'e, OAuthTokenData>> {
        let o = self.inner.clone();
        promise_answered(env, answer.unwrap_or(false), async move { o.refresh_access_token(&refresh_token, save).await }, |t, _| t.into())
    }

    /// The profile with the stored token (refreshed once when expired).
    #[napi]
    pub fn get_user<'e>(&self, env: &'e Env, openid: String, lang: String, answer: Option<bool>) -> Result<PromiseRaw<'e, Answer>> {
        let o = self.inner.clone();
        promise_answered(env, answer.unwrap_or(false), async move { o.user(&openid, &lang).await }, |data, res| Answer { data, res })
    }

    /// The profile with a token the caller holds (user-kept tokens).
    #[napi]
    pub fn userinfo<'e>(&self, env: &'e Env, access_token: String, openid: String, lang: String, answer: Option<bool>) -> Result<PromiseRaw<'e, Answer>> {
        let o = self.inner.clone();
        promise_answered(env, answer.unwrap_or(false), async move { o.userinfo(&access_token, &openid, &lang).await }, |data, res| Answer { data, res })
    }

    #[napi]
    pub fn verify_token<'e>(&self, env: &'e Env, openid: String, access_token: String, answer: Option<bool>) -> Result<PromiseRaw<'e, Answer>> {
        let o = self.inner.clone();
        promise_answered(env, answer.unwrap_or(false), async move { o.verify_token(&openid, &access_token).await }, |data, res| Answer { data, res })
    }

    #[napi]
    pub fn session_key<'e>(&self, env: &'e Env, code: String, save: bool, answer: Option<bool>) -> Result<PromiseRaw<'e, OAuthSessionData>> {
        let o = self.inner.clone();
        promise_answered(env, answer.unwrap_or(false), async move { o.session_key(&code, save).await }, |s, _| s.into())
    }

    #[napi]
    pub fn stored_session_key<'e>(&self, env: &'e Env, openid: String) -> Result<PromiseRaw<'e, String>> {
        let o = self.inner.clone();
        promise(env, async move { o.stored_session_key(&openid).await })
    }

    #[napi(ts_return_type = "Promise<void>")]
    pub fn close<'e>(&self, env: &'e Env) -> Result<PromiseRaw<'e, ()>> {
        let o = self.inner.clone();
        promise(env, async move {
            o.close().await;
            Ok(())
        })
    }
}
