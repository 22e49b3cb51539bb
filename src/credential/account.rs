//! An account's own access_token (not through a platform): `/cgi-bin/token`,
//! or `/cgi-bin/stable_token` (WeChat's recommended way today), as a cell
//! fetcher. Shared by the `API` class and the token service.

use serde_json::json;

use super::endpoints::{CGI_STABLE_TOKEN, CGI_TOKEN};
use super::token_from;
use crate::error::Result;
use crate::model::{now_ms, BoxFut, Token};
use crate::token::Fetch;
use crate::wechat::Transport;

pub struct AccountTokenFetch {
    pub appid: String,
    pub secret: String,
    pub transport: Transport,
    /// Use `/cgi-bin/stable_token` instead of `/cgi-bin/token`.
    pub stable: bool,
}

impl Fetch for AccountTokenFetch {
    fn fetch<'a>(&'a self, current: Option<&'a Token>) -> BoxFut<'a, Result<Token>> {
        Box::pin(async move {
            if !self.stable {
                let q = [("grant_type", "client_credential"), ("appid", self.appid.as_str()), ("secret", self.secret.as_str())];
                let v = self.transport.get(CGI_TOKEN, &q).await?;
                return token_from(&v, "access_token");
            }
            let body = |force: bool| {
                json!({ "grant_type": "client_credential", "appid": self.appid, "secret": self.secret, "force_refresh": force })
            };
            let t = token_from(&self.transport.post(CGI_STABLE_TOKEN, &[], &body(false)).await?, "access_token")?;
            // Normal mode hands back the current token while WeChat deems it
            // valid; one we were told is rejected (compare-and-expire set its
            // expiry to the past) needs a forced refresh. A refresh ahead of
            // expiry keeps the same token: forcing would spend WeChat's quota.
            match current {
                Some(c) if c.value == t.value && c.expires_at_ms <= now_ms() => token_from(&self.transport.post(CGI_STABLE_TOKEN, &[], &body(true)).await?, "access_token"),
                _ => Ok(t),
            }
        })
    }
}
