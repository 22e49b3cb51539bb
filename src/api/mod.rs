//! The official-account API client (wechat-api's method set), acting for one
//! account through a token source: an authorizer's token cell, an account's
//! own token cell, or tokens the user keeps elsewhere.

mod account;
mod cells;
mod jssdk;

use std::sync::Arc;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::wechat::endpoints::{self, Http};
use crate::wechat::Transport;

pub use account::{AccountTokenFetch, CGI_STABLE_TOKEN, CGI_TOKEN};
pub use cells::TicketFetch;
pub use jssdk::{js_config, js_signature};

pub use crate::token::{BoxFut, TokenSource};

/// Turns an error met while acting for an account into a clearer one
/// (for example "this authorizer revoked its authorization").
pub trait ErrorGuard: Send + Sync + 'static {
    fn check<'a>(&'a self, err: Error) -> BoxFut<'a, Error>;
}

/// Sees every successful table-driven call (the original library's default
/// hooks: storing followers). Must not fail the call.
pub trait CallObserver: Send + Sync + 'static {
    fn observe<'a>(&'a self, method: &'a str, result: &'a Value) -> BoxFut<'a, ()>;
}

/// Transient failures (errcode -1, 5xx, network) are retried until this long
/// after the first attempt: WeChat's own advice for -1 is to try again.
const TRANSIENT_RETRY_FOR: std::time::Duration = std::time::Duration::from_secs(3);

#[derive(Clone)]
pub struct ApiClient {
    appid: String,
    transport: Transport,
    token: Arc<dyn TokenSource>,
    jsapi_ticket: Option<Arc<dyn TokenSource>>,
    wx_card_ticket: Option<Arc<dyn TokenSource>>,
    guard: Option<Arc<dyn ErrorGuard>>,
    observer: Option<Arc<dyn CallObserver>>,
}

impl ApiClient {
    pub fn new(appid: &str, transport: Transport, token: Arc<dyn TokenSource>) -> Self {
        ApiClient { appid: appid.to_owned(), transport, token, jsapi_ticket: None, wx_card_ticket: None, guard: None, observer: None }
    }

    /// JS-SDK tickets kept in their own cells (fleet-wide single refresh).
    pub fn with_tickets(mut self, jsapi: Arc<dyn TokenSource>, wx_card: Arc<dyn TokenSource>) -> Self {
        self.jsapi_ticket = Some(jsapi);
        self.wx_card_ticket = Some(wx_card);
        self
    }

    pub fn with_guard(mut self, guard: Arc<dyn ErrorGuard>) -> Self {
        self.guard = Some(guard);
        self
    }

    pub fn with_observer(mut self, observer: Arc<dyn CallObserver>) -> Self {
        self.observer = Some(observer);
        self
    }

    pub fn appid(&self) -> &str {
        &self.appid
    }

    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// Whether `method` is one of the table-driven wechat-api methods.
    pub fn has_method(method: &str) -> bool {
        endpoints::find(method).is_some()
    }

    /// Calls a wechat-api method by name with its positional arguments.
    pub async fn call(&self, method: &str, args: &[Value]) -> Result<Value> {
        let ep = endpoints::find(method)
            .ok_or_else(|| Error::invalid("method", format!("{method} is not an official-account API method")))?;
        let (query, body) = endpoints::build_request(ep, args)?;
        let v = self.request(ep.http, ep.path, &query, body.as_ref()).await?;
        if let Some(o) = &self.observer {
            o.observe(method, &v).await;
        }
        Ok(v)
    }

    /// One authenticated request; a rejected token is refreshed once and the
    /// call retried; transient failures are retried with backoff for a while.
    pub async fn request(&self, http: Http, path: &str, query: &[(String, String)], body: Option<&Value>) -> Result<Value> {
        let started = std::time::Instant::now();
        let mut delay = std::time::Duration::from_millis(25);
        loop {
            match self.request_with_token_retry(http, path, query, body).await {
                Err(e) if e.is_transient() && started.elapsed() + delay < TRANSIENT_RETRY_FOR => {
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(std::time::Duration::from_millis(400));
                }
                other => return other.map_err_guard(self).await,
            }
        }
    }

    async fn request_with_token_retry(&self, http: Http, path: &str, query: &[(String, String)], body: Option<&Value>) -> Result<Value> {
        crate::token::with_token(&*self.token, |token| async move {
            let mut q: Vec<(&str, &str)> = Vec::with_capacity(query.len() + 1);
            q.push(("access_token", token.as_str()));
            q.extend(query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            match (http, body) {
                (Http::Post, Some(b)) => self.transport.post(path, &q, b).await,
                (Http::Post, None) => self.transport.post(path, &q, &Value::Object(Default::default())).await,
                (Http::Get, _) => self.transport.get(path, &q).await,
            }
        })
        .await
    }

    /// The current access token (wechat-api's `getLatestToken`).
    pub async fn latest_token(&self) -> Result<(String, i64)> {
        self.token.token().await
    }

    /// wechat-api's `getTicket(type)` → `(ticket, expireTime ms)`.
    pub async fn ticket(&self, kind: &str) -> Result<(String, i64)> {
        let cell = match kind {
            "jsapi" => self.jsapi_ticket.as_ref(),
            "wx_card" => self.wx_card_ticket.as_ref(),
            _ => return Err(Error::invalid("type", "must be 'jsapi' or 'wx_card'")),
        };
        match cell {
            Some(c) => c.token().await,
            None => {
                let v = self.request(Http::Get, "/cgi-bin/ticket/getticket", &[("type".into(), kind.into())], None).await?;
                parse_ticket(&v)
            }
        }
    }

    /// wechat-api's `getJsConfig({debug, jsApiList, url})`.
    pub async fn js_config(&self, param: &Value) -> Result<Value> {
        let (ticket, _) = self.ticket("jsapi").await?;
        js_config(&self.appid, &ticket, param)
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

pub use crate::model::now_ms;

trait GuardExt<T> {
    async fn map_err_guard(self, client: &ApiClient) -> Result<T>;
}

impl<T> GuardExt<T> for Result<T> {
    async fn map_err_guard(self, client: &ApiClient) -> Result<T> {
        match (self, &client.guard) {
            (Err(e), Some(g)) => Err(g.check(e).await),
            (r, _) => r,
        }
    }
}
