//! A token source that takes an account's tokens from a token service
//! (wetoken's `NewDefaultAccessTokenByURL`): `new API(appid, null,
//! { tokenService, authToken })` holds no secret and never calls
//! /cgi-bin/token itself, so it cannot invalidate the fleet's token.

use std::sync::Mutex;
use std::time::Duration;

use serde_json::{json, Value};

use super::TokenSource;
use crate::error::{Error, Result};
use crate::model::{now_ms, BoxFut};

/// A token handed out is reused locally until this close to its expiry.
const REUSE_MARGIN_MS: i64 = 60_000;

/// WeChat appids: `wx` + 16 hex digits; tests and sandboxes use other
/// printable ids, so only the shape that keeps logs and URLs safe is enforced.
pub fn check_appid(appid: &str) -> Result<()> {
    let ok = !appid.is_empty() && appid.len() <= 64 && appid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok { Ok(()) } else { Err(Error::invalid("appid", "must be 1-64 letters, digits, '_' or '-'")) }
}

pub struct ServiceTokenSource {
    base: String,
    appid: String,
    auth_token: Option<String>,
    /// "token" or "ticket".
    what: &'static str,
    http: reqwest::Client,
    cached: Mutex<Option<(String, i64)>>,
}

impl std::fmt::Debug for ServiceTokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceTokenSource").field("base", &self.base).field("appid", &self.appid).finish_non_exhaustive()
    }
}

impl ServiceTokenSource {
    /// `base` is the service's URL (`http://127.0.0.1:8099`).
    pub fn new(base: &str, appid: &str, auth_token: Option<String>) -> Result<Self> {
        Self::build(base, appid, auth_token, "token")
    }

    /// The account's jsapi ticket from the same service.
    pub fn jsapi_ticket(base: &str, appid: &str, auth_token: Option<String>) -> Result<Self> {
        Self::build(base, appid, auth_token, "ticket")
    }

    fn build(base: &str, appid: &str, auth_token: Option<String>, what: &'static str) -> Result<Self> {
        let u = url::Url::parse(base).map_err(|e| Error::invalid("tokenService", format!("not a URL: {e}")))?;
        if !matches!(u.scheme(), "http" | "https") {
            return Err(Error::invalid("tokenService", "must be an http:// or https:// URL"));
        }
        check_appid(appid)?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| Error::Other(format!("token service client: {e}")))?;
        let base = base.trim_end_matches('/').to_owned();
        Ok(ServiceTokenSource { base, appid: appid.to_owned(), auth_token, what, http, cached: Mutex::default() })
    }

    /// The host and the cause ("Connection refused", a timeout, …): reqwest's
    /// own message says only "error sending request". The URL's host is
    /// named, never its query (the auth token travels in a header anyway).
    fn unreachable(&self, e: reqwest::Error) -> Error {
        let what = if e.is_connect() { "cannot connect" } else if e.is_timeout() { "timed out" } else { "request failed" };
        let mut cause = None;
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            cause = Some(s.to_string());
            src = s.source();
        }
        let host = url::Url::parse(&self.base).ok().and_then(|u| Some(format!("{}:{}", u.host_str()?, u.port_or_known_default()?)));
        let at = host.map(|h| format!(" at {h}")).unwrap_or_default();
        Error::Transport(format!("token service{at}: {what}{}", cause.map(|c| format!(": {c}")).unwrap_or_default()))
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, Option<(String, i64)>> {
        self.cached.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn call(&self, req: reqwest::RequestBuilder) -> Result<(String, i64)> {
        let req = match &self.auth_token {
            Some(t) => req.bearer_auth(t),
            None => req,
        };
        let res = req.send().await.map_err(|e| self.unreachable(e))?;
        let status = res.status();
        let v: Value = res.json().await.map_err(|e| Error::Transport(format!("token service answered {status} without JSON: {}", e.without_url())))?;
        let code = v.get("errcode").and_then(Value::as_i64).unwrap_or(-1);
        if code != 0 {
            let msg = v.get("errmsg").and_then(Value::as_str).unwrap_or("token service error");
            return Err(Error::wechat(code, format!("token service: {msg}")));
        }
        let field = if self.what == "ticket" { "ticket" } else { "access_token" };
        let value = v.get(field).and_then(Value::as_str).ok_or_else(|| Error::Parse(format!("token service answer has no {field}")))?;
        let expires_in = v.get("expires_in").and_then(Value::as_i64).unwrap_or(0);
        let got = (value.to_owned(), now_ms() + expires_in * 1000);
        *self.cache() = Some(got.clone());
        Ok(got)
    }
}

impl TokenSource for ServiceTokenSource {
    fn token(&self) -> BoxFut<'_, Result<(String, i64)>> {
        Box::pin(async move {
            if let Some(c) = self.cache().clone().filter(|c| c.1 - REUSE_MARGIN_MS > now_ms()) {
                return Ok(c);
            }
            self.call(self.http.get(format!("{}/{}/wechat/{}/get", self.base, self.appid, self.what))).await
        })
    }

    fn peek(&self) -> Option<(String, i64)> {
        self.cache().clone().filter(|c| c.1 > now_ms())
    }

    fn invalidate<'a>(&'a self, failed: &'a str, _cause: &'a Error) -> BoxFut<'a, Result<()>> {
        Box::pin(async move {
            {
                let mut c = self.cache();
                if c.as_ref().is_some_and(|c| c.0 == failed) {
                    *c = None;
                }
            }
            if self.what == "token" {
                let url = format!("{}/{}/wechat/token/refresh", self.base, self.appid);
                self.call(self.http.post(url).json(&json!({ "access_token": failed }))).await?;
            }
            Ok(())
        })
    }
}
