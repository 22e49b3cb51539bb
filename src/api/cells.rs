//! Token cells as an API client's token source, and the JS-SDK ticket fetch.

use std::sync::Arc;

use crate::error::Result;
use crate::token::{Fetch, Token, TokenCell};
use crate::wechat::Transport;

use super::{now_ms, parse_ticket, BoxFut, TokenSource};

impl TokenSource for TokenCell {
    fn token(&self) -> BoxFut<'_, Result<(String, i64)>> {
        Box::pin(async move {
            let t = self.get().await?;
            Ok((t.value, t.expires_at_ms))
        })
    }
    fn invalidate<'a>(&'a self, failed: &'a str) -> BoxFut<'a, Result<()>> {
        Box::pin(TokenCell::invalidate(self, failed))
    }
}

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
            let mut attempt = 0;
            loop {
                let (access_token, _) = self.token.token().await?;
                let q = [("access_token", access_token.as_str()), ("type", self.kind)];
                match self.transport.get("/cgi-bin/ticket/getticket", &q).await {
                    Err(e) if e.is_token_invalid() && attempt == 0 => {
                        attempt += 1;
                        self.token.invalidate(&access_token).await?;
                    }
                    Err(e) => return Err(e),
                    Ok(v) => {
                        let (ticket, expires_at_ms) = parse_ticket(&v)?;
                        return Ok(Token { value: ticket, expires_at_ms, updated_at_ms: now_ms(), refresh_token: None, extra: None });
                    }
                }
            }
        })
    }
}
