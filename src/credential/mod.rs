//! Credentials: every way a token is got from WeChat (component token,
//! pre_auth_code, authorizer token, an account's own token, JS-SDK tickets,
//! OAuth user tokens), the token service as a source, and the one
//! authenticated-call primitive (`with_token`) every call with a token goes
//! through. The token cell (`crate::token`) keeps what these fetch.

pub mod account;
pub mod component;
pub mod endpoints;
pub mod oauth;
pub mod service;
mod source;
pub mod ticket;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::model::{now_ms, Token};

pub use account::AccountTokenFetch;
pub use component::{component_post, valid_ticket, AuthorizerTokenFetch, ComponentCredential, ComponentTokenFetch, PreAuthCodeFetch, PushedTicket};
pub use oauth::{OAuthCredential, OAuthUpstream, Session, UserToken};
pub use service::{check_appid, ServiceTokenSource};
pub use source::{with_token, with_token_once, TokenSource};
pub use ticket::{parse_ticket, TicketFetch};

/// A token from `{<field>: …, expires_in: N}`.
pub fn token_from(v: &Value, field: &str) -> Result<Token> {
    let value = v
        .get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::Other(format!("WeChat's answer has no {field}")))?;
    let expires_in = v.get("expires_in").and_then(Value::as_i64).unwrap_or(7200).max(1);
    let now = now_ms();
    Ok(Token {
        value: value.to_owned(),
        expires_at_ms: now + expires_in * 1000,
        updated_at_ms: now,
        refresh_token: None,
        extra: None,
    })
}
