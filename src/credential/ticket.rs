//! The JS-SDK ticket fetch.

use std::sync::Arc;

use crate::error::Result;
use crate::token::{with_token, Fetch, Token};
use crate::wechat::Transport;

use super::{now_ms, parse_ticket, BoxFut, TokenSource};

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
            let v = with_token(&*self.token, |access_token| async move {
                self.transport.get("/cgi-bin/ticket/getticket", &[("access_token", access_token.as_str()), ("type", self.kind)]).await
            })
            .await?;
            let (ticket, expires_at_ms) = parse_ticket(&v)?;
            Ok(Token { value: ticket, expires_at_ms, updated_at_ms: now_ms(), refresh_token: None, extra: None })
        })
    }
}
