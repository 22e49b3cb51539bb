//! The official-account API client (wechat-api's method set), acting for one
//! account through a token source: an authorizer's token cell, an account's
//! own token cell, or tokens the user keeps elsewhere.

pub mod endpoints;
mod jssdk;
mod media;
mod own;
mod wxa;

use std::sync::Arc;

use serde_json::Value;

use crate::credential::endpoints::CGI_GETTICKET;
use crate::credential::{parse_ticket, with_token, TokenSource};
use crate::error::{Error, Result};
use crate::model::BoxFut;
use crate::wechat::Transport;
use endpoints::{Body, Http};

pub use jssdk::{card_ext, js_config, js_signature};
pub use own::{own_client, Own, OwnConfig, UserTokens};
pub use media::{Download, FileSource};
pub use wxa::{Image, PlatformApi};

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
        endpoints::find(method).is_some() || CODED_METHODS.contains(&method)
    }

    /// Every method `call` / `upload` / `download` answer, by name.
    pub fn method_names() -> impl Iterator<Item = &'static str> {
        endpoints::all().map(|e| e.name).chain(CODED_METHODS.iter().copied())
    }

    /// Calls a wechat-api method by name with its positional arguments.
    pub async fn call(&self, method: &str, args: &[Value]) -> Result<Value> {
        if let "sendCard" | "sendCardFromCs" = method {
            return self.send_card(method, args).await;
        }
        let ep = endpoints::find(method)
            .ok_or_else(|| Error::invalid("method", format!("{method} is not an official-account API method")))?;
        self.call_endpoint(ep, args).await
    }

    /// One row of a table (a client's, or the platform's) with its arguments.
    pub async fn call_endpoint(&self, ep: &endpoints::Endpoint, args: &[Value]) -> Result<Value> {
        let method = ep.name;
        if matches!(ep.body, Body::Upload(_) | Body::RawUpload | Body::Forward | Body::Download | Body::Image(_)) {
            return Err(Error::invalid("method", format!("{method} sends or receives a file: use upload / download / image")));
        }
        let req = endpoints::build_request(ep, args, &self.appid)?;
        let v = self.request(ep.http, req.path, &req.query, req.body.as_ref()).await?;
        if let Some(o) = &self.observer {
            o.observe(method, &v).await;
        }
        Ok(v)
    }

    /// One authenticated request; a rejected token is refreshed once and the
    /// call retried; transient failures are retried with backoff for a while.
    pub async fn request(&self, http: Http, path: &str, query: &[(String, String)], body: Option<&Value>) -> Result<Value> {
        self.retrying(|token| async move {
            let q = with_access_token(&token, query);
            match (http, body) {
                (Http::Post, Some(b)) => self.transport.post(path, &q, b).await,
                (Http::Post, None) => self.transport.post(path, &q, &Value::Object(Default::default())).await,
                (Http::Get, _) => self.transport.get(path, &q).await,
            }
        })
        .await
    }

    /// `send(token)` with a token from the source: a rejected token is
    /// refreshed once and the call retried; transient failures are retried
    /// with backoff for a while; the guard names what it knows.
    pub(crate) async fn retrying<T, F, Fut>(&self, send: F) -> Result<T>
    where
        F: Fn(String) -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let started = std::time::Instant::now();
        let mut delay = std::time::Duration::from_millis(25);
        loop {
            match with_token(&*self.token, &send).await {
                Err(e) if e.is_transient() && started.elapsed() + delay < TRANSIENT_RETRY_FOR => {
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(std::time::Duration::from_millis(400));
                }
                other => return other.map_err_guard(self).await,
            }
        }
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
                let v = self.request(Http::Get, CGI_GETTICKET, &[("type".into(), kind.into())], None).await?;
                parse_ticket(&v)
            }
        }
    }

    /// wechat-api's `getCardExt({card_id, code, openid, balance})`.
    pub async fn card_ext(&self, param: &Value) -> Result<Value> {
        let (ticket, _) = self.ticket("wx_card").await?;
        card_ext(&ticket, param)
    }

    /// sendCard(openid, card) / sendCardFromCs(openid, kfAccount, card): the
    /// card goes with its signed card_ext.
    async fn send_card(&self, method: &str, args: &[Value]) -> Result<Value> {
        let (openid, cs, card) = match method {
            "sendCard" => (args.first(), None, args.get(1)),
            _ => (args.first(), args.get(1), args.get(2)),
        };
        let openid = openid.filter(|v| !v.is_null()).ok_or_else(|| Error::invalid("openid", format!("is required by {method}")))?;
        let card = card.filter(|v| v.is_object()).ok_or_else(|| Error::invalid("card", "must be an object {card_id, code?, openid?}"))?;
        let ext = self.card_ext(card).await?;
        let mut body = serde_json::json!({ "touser": openid, "msgtype": "wxcard", "wxcard": { "card_id": card["card_id"], "card_ext": ext } });
        if let Some(kf) = cs {
            body["customservice"] = serde_json::json!({ "kf_account": kf });
        }
        self.request(Http::Post, "/cgi-bin/message/custom/send", &[], Some(&body)).await
    }

    /// wechat-api's `getJsConfig({debug, jsApiList, url})`.
    pub async fn js_config(&self, param: &Value) -> Result<Value> {
        let (ticket, _) = self.ticket("jsapi").await?;
        js_config(&self.appid, &ticket, param)
    }
}

/// The query with the access token first.
pub(crate) fn with_access_token<'a>(token: &'a str, query: &'a [(String, String)]) -> Vec<(&'a str, &'a str)> {
    let mut q: Vec<(&str, &str)> = Vec::with_capacity(query.len() + 1);
    q.push(("access_token", token));
    q.extend(query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    q
}

/// Methods written as code rather than table rows.
const CODED_METHODS: &[&str] = &["sendCard", "sendCardFromCs"];

pub(crate) trait GuardExt<T> {
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
