//! The official-account API client (wechat-api's method set), acting for one
//! account through a token source: an authorizer's token cell, an account's
//! own token cell, or tokens the user keeps elsewhere.

pub mod endpoints;
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
    /// Where FILE_SERVER_METHODS go (ends with `/`); None: the API base's /cgi-bin/.
    file_prefix: Option<String>,
}

/// wechat-api sends these to its `fileServerPrefix` (file.api.weixin.qq.com).
const FILE_SERVER_METHODS: &[&str] = &["uploadMPVideo", "uploadLogo"];
/// WeChat's file server, over HTTPS (wechat-api's default is plain http; the
/// query carries the access token).
pub const FILE_SERVER_PREFIX: &str = "https://file.api.weixin.qq.com/cgi-bin/";

impl ApiClient {
    pub fn new(appid: &str, transport: Transport, token: Arc<dyn TokenSource>) -> Self {
        // Against another base (the sandbox, a proxy) the file server is that base too.
        let file_prefix = (transport.base() == crate::wechat::DEFAULT_API_BASE).then(|| FILE_SERVER_PREFIX.to_owned());
        ApiClient { appid: appid.to_owned(), transport, token, jsapi_ticket: None, wx_card_ticket: None, guard: None, observer: None, file_prefix }
    }

    /// wechat-api's `fileServerPrefix` (e.g. `https://file.api.weixin.qq.com/cgi-bin/`).
    pub fn with_file_prefix(mut self, prefix: Option<String>) -> Self {
        if let Some(p) = prefix {
            self.file_prefix = Some(if p.ends_with('/') { p } else { p + "/" });
        }
        self
    }

    pub fn file_prefix(&self) -> String {
        self.file_prefix.clone().unwrap_or_else(|| format!("{}/cgi-bin/", self.transport.base()))
    }

    /// `path` of `method`, on the file server for the methods wechat-api sends there.
    pub(crate) fn path_for(&self, method: &str, path: &'static str) -> std::borrow::Cow<'static, str> {
        match &self.file_prefix {
            Some(prefix) if FILE_SERVER_METHODS.contains(&method) => format!("{prefix}{}", path.trim_start_matches("/cgi-bin/")).into(),
            _ => path.into(),
        }
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

    /// Calls a wechat-api method by name with its positional arguments.
    pub async fn call(&self, method: &str, args: &[Value]) -> Result<Value> {
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
        let v = self.request(ep.http, &self.path_for(method, req.path), &req.query, req.body.as_ref()).await?;
        if let Some(o) = &self.observer {
            o.observe(method, &v).await;
        }
        Ok(v)
    }

    /// A call whose repeat is not harmless (submit_audit, release): a rejected
    /// token is refreshed and the call retried (WeChat did nothing), a
    /// transient failure is not (WeChat may have done it: the caller reconciles).
    pub async fn call_once(&self, method: &str, args: &[Value]) -> Result<Value> {
        let ep = endpoints::find(method)
            .ok_or_else(|| Error::invalid("method", format!("{method} is not an official-account API method")))?;
        let req = endpoints::build_request(ep, args, &self.appid)?;
        let path = self.path_for(method, req.path);
        let (query, body) = (&req.query, req.body.as_ref());
        let send = |token: String| {
            let path = &path;
            async move {
                let q = with_access_token(&token, query);
                match (ep.http, body) {
                    (Http::Post, Some(b)) => self.transport.post(path, &q, b).await,
                    (Http::Post, None) => self.transport.post(path, &q, &Value::Object(Default::default())).await,
                    (Http::Get, _) => self.transport.get(path, &q).await,
                }
            }
        };
        with_token(&*self.token, &send).await.map_err_guard(self).await
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

    /// A newly fetched access token (wechat-api's `getAccessToken`, which
    /// callers use to refresh): the current one is expired by compare, so a
    /// fleet asking at once refreshes once.
    pub async fn fresh_token(&self) -> Result<(String, i64)> {
        renew(&*self.token).await
    }

    /// The token in memory, without I/O.
    pub fn peek_token(&self) -> Option<(String, i64)> {
        self.token.peek()
    }

    /// `token` met 40001 / 42001 / 40014 in a call made outside this client
    /// (wechat-api's `preRequest` pattern): drop it if it is still current.
    pub async fn invalidate_token(&self, token: &str, code: i64) -> Result<()> {
        self.token.invalidate(token, &Error::wechat(code, "access token rejected")).await
    }

    /// wechat-api's `getTicket(type)` → `(ticket, expireTime ms)`; `fresh`
    /// fetches a new one, as wechat-api's getTicket always does.
    pub async fn ticket(&self, kind: &str, fresh: bool) -> Result<(String, i64)> {
        let cell = match kind {
            "jsapi" => self.jsapi_ticket.as_ref(),
            "wx_card" => self.wx_card_ticket.as_ref(),
            _ => return Err(Error::invalid("type", "must be 'jsapi' or 'wx_card'")),
        };
        match cell {
            Some(c) if fresh => renew(&**c).await,
            Some(c) => c.token().await,
            None => {
                let v = self.request(Http::Get, CGI_GETTICKET, &[("type".into(), kind.into())], None).await?;
                parse_ticket(&v)
            }
        }
    }
}

/// The query with the access token first.
pub(crate) fn with_access_token<'a>(token: &'a str, query: &'a [(String, String)]) -> Vec<(&'a str, &'a str)> {
    let mut q: Vec<(&str, &str)> = Vec::with_capacity(query.len() + 1);
    q.push(("access_token", token));
    q.extend(query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    q
}

/// A new token: the one in memory (if any) is expired by compare first; with
/// none in memory, getting one is the fetch.
async fn renew(source: &dyn TokenSource) -> Result<(String, i64)> {
    if let Some((current, _)) = source.peek() {
        source.invalidate(&current, &Error::Other("a fresh token was asked for".into())).await?;
    }
    source.token().await
}

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
