//! The platform's credentials: component_verify_ticket (pushed),
//! component_access_token, pre_auth_code, and authorizer_access_token (from
//! an auth_code, then from the refresh token), as token-cell fetches.

use std::sync::Arc;

use serde_json::{json, Value};

use super::endpoints::{API_AUTHORIZER_TOKEN, API_COMPONENT_TOKEN, API_CREATE_PREAUTHCODE, API_QUERY_AUTH};
use super::{token_from, with_token, with_token_once, TokenSource};
use crate::error::{Error, Result};
use crate::model::{now_ms, BoxFut, Token};
use crate::store::Store;
use crate::token::{Fetch, TokenCell};
use crate::wechat::Transport;

/// The platform's right to act for its authorizers: its appid and its
/// component_access_token. What a neighbour (OAuth on behalf) is given
/// instead of the platform itself.
#[derive(Clone)]
pub struct ComponentCredential {
    pub appid: String,
    pub access_token: Arc<dyn TokenSource>,
}

/// `component_post` for a cell's fetch: a rejected token is dropped and the
/// rejection returned, for the cell to retry outside its lease.
async fn component_post_once(transport: &Transport, cell: &TokenCell, path: &str, body: &Value) -> Result<Value> {
    with_token_once(cell, |token| async move { transport.post(path, &[("component_access_token", token.as_str())], body).await }).await
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
            let v = component_post_once(&self.transport, &self.access_token, API_CREATE_PREAUTHCODE, &body).await?;
            token_from(&v, "pre_auth_code")
        })
    }

    fn prepare(&self) -> Option<BoxFut<'_, Result<()>>> {
        Some(Box::pin(async move { self.access_token.get().await.map(drop) }))
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
            let v = component_post_once(&self.transport, &self.access_token, API_AUTHORIZER_TOKEN, &body).await?;
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

    fn prepare(&self) -> Option<BoxFut<'_, Result<()>>> {
        Some(Box::pin(async move { self.access_token.get().await.map(drop) }))
    }
}

/// What api_query_auth gives for an auth_code: the authorizer, its first
/// token (with its refresh token) and WeChat's authorization_info.
pub struct QueryAuth {
    pub appid: String,
    pub token: Token,
    pub info: Value,
}

/// api_query_auth: the one exchange of an auth_code (WeChat answers 61009
/// to a second one).
pub async fn query_auth(transport: &Transport, access_token: &TokenCell, component_appid: &str, code: &str) -> Result<QueryAuth> {
    let body = json!({ "component_appid": component_appid, "authorization_code": code });
    let auth = component_post(transport, access_token, API_QUERY_AUTH, &body).await?;
    let info = auth
        .get("authorization_info")
        .cloned()
        .ok_or_else(|| Error::Other("api_query_auth answered without authorization_info".into()))?;
    let appid = info
        .get("authorizer_appid")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::Other("api_query_auth answered without authorizer_appid".into()))?
        .to_owned();
    let mut token = token_from(&info, "authorizer_access_token")?;
    token.refresh_token = info.get("authorizer_refresh_token").and_then(Value::as_str).map(str::to_owned);
    Ok(QueryAuth { appid, token, info })
}
