//! JS-SDK tickets (jsapi, wx_card): fetched with the account's access token.

use std::sync::Arc;

use serde_json::Value;

use super::endpoints::CGI_GETTICKET;
use super::{with_token_once, TokenSource};
use crate::error::{Error, Result};
use crate::model::{now_ms, BoxFut, Token};
use crate::token::Fetch;
use crate::wechat::Transport;

/// `/cgi-bin/ticket/getticket?type=jsapi|wx_card` with the account's token.
pub struct TicketFetch {
    kind: &'static str,
    transport: Transport,
    token: Arc<dyn TokenSource>,
}

impl TicketFetch {
    pub fn new(kind: &'static str, transport: Transport, token: Arc<dyn TokenSource>) -> Self {
        TicketFetch { kind, transport, token }
    }
}

impl Fetch for TicketFetch {
    fn fetch<'a>(&'a self, _current: Option<&'a Token>) -> BoxFut<'a, Result<Token>> {
        Box::pin(async move {
            let v = with_token_once(&*self.token, |access_token| async move {
                self.transport.get(CGI_GETTICKET, &[("access_token", access_token.as_str()), ("type", self.kind)]).await
            })
            .await?;
            let (ticket, expires_at_ms) = parse_ticket(&v)?;
            Ok(Token { value: ticket, expires_at_ms, updated_at_ms: now_ms(), refresh_token: None, extra: None })
        })
    }

    fn prepare(&self) -> Option<BoxFut<'_, Result<()>>> {
        Some(Box::pin(async move { self.token.token().await.map(drop) }))
    }
}

/// `{ticket, expires_in}` → `(ticket, expiry ms)`.
pub fn parse_ticket(v: &Value) -> Result<(String, i64)> {
    let ticket = v
        .get("ticket")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::Other("WeChat's getticket answer has no ticket".into()))?;
    let expires_in = v.get("expires_in").and_then(Value::as_i64).unwrap_or(7200);
    Ok((ticket.to_owned(), now_ms() + expires_in * 1000))
}
