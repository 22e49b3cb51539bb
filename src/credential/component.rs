//! The upstream calls behind the platform's token cells:
//! component_access_token, pre_auth_code and authorizer_access_token.

use std::sync::Arc;

use serde_json::{json, Value};

use crate::api::{now_ms, BoxFut};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::token::{with_token, Fetch, Token, TokenCell};
use crate::wechat::Transport;

pub const API_COMPONENT_TOKEN: &str = "/cgi-bin/component/api_component_token";
pub const API_CREATE_PREAUTHCODE: &str = "/cgi-bin/component/api_create_preauthcode";
pub const API_AUTHORIZER_TOKEN: &str = "/cgi-bin/component/api_authorizer_token";
pub const API_QUERY_AUTH: &str = "/cgi-bin/component/api_query_auth";
pub const API_GET_AUTHORIZER_INFO: &str = "/cgi-bin/component/api_get_authorizer_info";
pub const API_START_PUSH_TICKET: &str = "/cgi-bin/component/api_start_push_ticket";

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

/// POST to a component endpoint with the component_access_token; a rejected
/// token is dropped (compare-and-expire) and the call retried once.
pub async fn component_post(transport: &Transport, cell: &TokenCell, path: &str, body: &Value) -> Result<Value> {
    with_token(cell, |token| async move { transport.post(path, &[("component_access_token", token.as_str())], body).await }).await
}

/// The component_verify_ticket's cell: WeChat pushes it, nobody fetches it.
pub struct PushedTicket;

impl Fetch for PushedTicket {
    fn fetch<'a>(&'a self, _current: Option<&'a Token>) -> BoxFut<'a, Result<Token>> {
        Box::pin(async { Err(Error::NotReady("no valid component_verify_ticket has been pushed yet".into())) })
    }
}

/// The newest valid ticket, if any (pushes land on any process).
pub async fn valid_ticket(cell: &TokenCell) -> Result<Option<Token>> {
    Ok(cell.latest().await?.filter(|t| t.is_valid_at(now_ms())))
}

pub struct ComponentTokenFetch {
    pub appid: String,
    pub secret: String,
    pub ticket: Arc<TokenCell>,
    pub transport: Transport,
}

impl Fetch for ComponentTokenFetch {
    fn fetch<'a>(&'a self, _current: Option<&'a Token>) -> BoxFut<'a, Result<Token>> {
        Box::pin(async move {
            let ticket = valid_ticket(&self.ticket)
                .await?
                .ok_or_else(|| Error::NotReady("no valid component_verify_ticket has been pushed yet".into()))?;
            let body = json!({
                "component_appid": self.appid,
                "component_appsecret": self.secret,
                "component_verify_ticket": ticket.value,
            });
            let v = self.transport.post(API_COMPONENT_TOKEN, &[], &body).await?;
            token_from(&v, "component_access_token")
        })
    }
}

pub struct PreAuthCodeFetch {
    pub appid: String,
    pub transport: Transport,
    pub access_token: Arc<TokenCell>,
}

impl Fetch for PreAuthCodeFetch {
    fn fetch<'a>(&'a self, _current: Option<&'a Token>) -> BoxFut<'a, Result<Token>> {
        Box::pin(async move {
            let body = json!({ "component_appid": self.appid });
            let v = component_post(&self.transport, &self.access_token, API_CREATE_PREAUTHCODE, &body).await?;
            token_from(&v, "pre_auth_code")
        })
    }
}

pub struct AuthorizerTokenFetch {
    pub component_appid: String,
    pub authorizer_appid: String,
    pub transport: Transport,
    pub store: Store,
    pub access_token: Arc<TokenCell>,
}

impl Fetch for AuthorizerTokenFetch {
    fn fetch<'a>(&'a self, current: Option<&'a Token>) -> BoxFut<'a, Result<Token>> {
        Box::pin(async move {
            let record = self.store.authorizer_by_appid(&self.component_appid, &self.authorizer_appid).await?;
            match &record {
                None => return Err(Error::NotReady(format!("authorizer {} is not known to this platform", self.authorizer_appid))),
                Some(r) if !r.authorized => {
                    return Err(Error::Revoked(format!("authorizer {} has revoked its authorization", self.authorizer_appid)))
                }
                _ => {}
            }
            let refresh_token = current
                .and_then(|t| t.refresh_token.clone())
                .filter(|r| !r.is_empty())
                .ok_or_else(|| {
                    Error::NotReady(format!("authorizer {} has no refresh token; it must authorize again", self.authorizer_appid))
                })?;
            let body = json!({
                "component_appid": self.component_appid,
                "authorizer_appid": self.authorizer_appid,
                "authorizer_refresh_token": refresh_token,
            });
            let v = component_post(&self.transport, &self.access_token, API_AUTHORIZER_TOKEN, &body).await?;
            let mut token = token_from(&v, "authorizer_access_token")?;
            // WeChat may rotate the refresh token; keep the old one when it does not.
            token.refresh_token = Some(
                v.get("authorizer_refresh_token")
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .unwrap_or(refresh_token),
            );
            Ok(token)
        })
    }
}
