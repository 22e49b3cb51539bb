//! User tokens and session keys as token-cell rows, and the cell's refresh.

use serde_json::{json, Value};

use super::{Session, Upstream, UserToken};
use crate::api::BoxFut;
use crate::error::{Error, Result};
use crate::token::{Fetch, Token};

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
    pub upstream: Upstream,
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
}

/// wechat-oauth's NoOAuthTokenError message.
pub fn no_token(openid: &str) -> Error {
    Error::NotFound(format!("No token for {openid}, please authorize first."))
}
