//! HTTP to WeChat. Turns non-zero `errcode`s into `Error::WeChat` and network
//! trouble into `Error::Transport`; URLs (which carry tokens) never reach an
//! error message.

use std::time::Duration;

use serde_json::Value;

use crate::error::{Error, Result};

pub const DEFAULT_API_BASE: &str = "https://api.weixin.qq.com";
/// How long a call to WeChat may take, answer included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// `WXTHIRDPARTY_API_BASE` when set, else WeChat's own base URL.
pub fn default_api_base() -> String {
    std::env::var("WXTHIRDPARTY_API_BASE")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_API_BASE.to_owned())
}

#[derive(Clone, Debug)]
pub struct Transport {
    client: reqwest::Client,
    base: String,
}

impl Transport {
    /// `base`: None → `default_api_base()`.
    pub fn new(base: Option<&str>) -> Self {
        Self::with_timeout(base, DEFAULT_TIMEOUT)
    }

    pub fn with_timeout(base: Option<&str>, timeout: Duration) -> Self {
        Self::with_timeouts(base, timeout, timeout)
    }

    /// `give_up`: how long sent data may go unacknowledged before the
    /// connection is dropped (TCP_USER_TIMEOUT). Without it the kernel keeps
    /// resending a request the caller stopped waiting for, and when a
    /// partition heals WeChat gets it anyway: a token refresh nobody
    /// receives, after another process has refreshed. Token fetchers pass
    /// their fetch limit, so a request given up on is given up on for good.
    pub fn with_timeouts(base: Option<&str>, timeout: Duration, give_up: Duration) -> Self {
        let base = base.map(str::to_owned).unwrap_or_else(default_api_base);
        let builder = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(5))
            .pool_idle_timeout(Duration::from_secs(30));
        #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
        let builder = builder.tcp_user_timeout(give_up.min(timeout));
        #[cfg(not(any(target_os = "android", target_os = "fuchsia", target_os = "linux")))]
        let _ = give_up; // no TCP_USER_TIMEOUT there: the system's retransmission limits apply
        let client = builder.build().expect("reqwest client");
        Transport { client, base: base.trim_end_matches('/').to_owned() }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else {
            format!("{}{}", self.base, path)
        }
    }

    pub async fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Value> {
        let req = self.client.get(self.url(path)).query(query);
        self.send_json(req).await
    }

    pub async fn post(&self, path: &str, query: &[(&str, &str)], body: &Value) -> Result<Value> {
        let req = self.client.post(self.url(path)).query(query).json(body);
        self.send_json(req).await
    }

    /// POST a multipart form (media uploads; file parts stream from disk).
    pub async fn post_form(&self, path: &str, query: &[(&str, &str)], form: reqwest::multipart::Form) -> Result<Value> {
        self.send_json(self.client.post(self.url(path)).query(query).multipart(form)).await
    }

    /// POST a raw body (the shop's picture upload, forwarded multipart bodies).
    pub async fn post_body(&self, path: &str, query: &[(&str, &str)], body: reqwest::Body, content_type: Option<&str>) -> Result<Value> {
        let mut req = self.client.post(self.url(path)).query(query).body(body);
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        self.send_json(req).await
    }

    /// GET raw bytes (media download). A JSON body with an errcode is an error.
    pub async fn get_bytes(&self, path: &str, query: &[(&str, &str)]) -> Result<(Vec<u8>, String)> {
        self.send_bytes(self.client.get(self.url(path)).query(query)).await
    }

    /// POST JSON, answer raw bytes (permanent material download).
    pub async fn post_bytes(&self, path: &str, query: &[(&str, &str)], body: &Value) -> Result<(Vec<u8>, String)> {
        self.send_bytes(self.client.post(self.url(path)).query(query).json(body)).await
    }

    async fn send_bytes(&self, req: reqwest::RequestBuilder) -> Result<(Vec<u8>, String)> {
        let resp = req.send().await.map_err(net_err)?;
        let status = resp.status();
        note_response(&resp);
        let ctype = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let bytes = resp.bytes().await.map_err(net_err)?.to_vec();
        note_size(bytes.len());
        if status.is_server_error() {
            return Err(Error::Transport(format!("WeChat answered HTTP {}", status.as_u16())));
        }
        if ctype.contains("json") || ctype.starts_with("text/plain") {
            if let Ok(v) = serde_json::from_slice::<Value>(&bytes) {
                check_errcode(&v).inspect_err(|_| note_body(&v))?;
            }
        }
        Ok((bytes, ctype))
    }

    async fn send_json(&self, req: reqwest::RequestBuilder) -> Result<Value> {
        let resp = req.send().await.map_err(net_err)?;
        let status = resp.status();
        note_response(&resp);
        let bytes = resp.bytes().await.map_err(net_err)?;
        note_size(bytes.len());
        if status.is_server_error() {
            return Err(Error::Transport(format!("WeChat answered HTTP {}", status.as_u16())));
        }
        let value: Value = serde_json::from_slice(&bytes).map_err(|_| {
            Error::Transport(format!("WeChat answered HTTP {} with a body that is not JSON", status.as_u16()))
        })?;
        check_errcode(&value).inspect_err(|_| note_body(&value))?;
        Ok(value)
    }
}

/// What wechat-api's `res` reports of WeChat's answer: status, headers,
/// body size, the peer; and, when the answer was an errcode, its JSON (the
/// `data` wechat-api hands beside the error).
#[derive(Clone, Debug, Default)]
pub struct ResponseMeta {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub size: usize,
    pub remote: Option<std::net::SocketAddr>,
    pub error_body: Option<Value>,
}

tokio::task_local! {
    /// Set by a caller that wants the last answer's meta (`with_response_meta`).
    static RESPONSE_META: std::cell::RefCell<Option<ResponseMeta>>;
}

/// Runs `fut`, returning its output and the meta of the last HTTP answer it
/// received; no signature along the way needs to carry it.
pub async fn with_response_meta<T>(fut: impl std::future::Future<Output = T>) -> (T, Option<ResponseMeta>) {
    RESPONSE_META
        .scope(std::cell::RefCell::new(None), async move {
            let out = fut.await;
            (out, RESPONSE_META.with(|m| m.borrow_mut().take()))
        })
        .await
}

fn note_response(resp: &reqwest::Response) {
    let _ = RESPONSE_META.try_with(|m| {
        let headers = resp.headers().iter().filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned()))).collect();
        *m.borrow_mut() = Some(ResponseMeta { status: resp.status().as_u16(), headers, remote: resp.remote_addr(), ..Default::default() });
    });
}

fn note_size(size: usize) {
    let _ = RESPONSE_META.try_with(|m| m.borrow_mut().as_mut().map(|meta| meta.size = size));
}

// Only inside `with_response_meta`: the clone is for a callback caller.
fn note_body(value: &Value) {
    let _ = RESPONSE_META.try_with(|m| m.borrow_mut().as_mut().map(|meta| meta.error_body = Some(value.clone())));
}

/// `{"errcode": N != 0, "errmsg": …}` → `Error::WeChat`.
pub fn check_errcode(value: &Value) -> Result<()> {
    let code = value.get("errcode").and_then(|c| c.as_i64().or_else(|| c.as_str()?.parse().ok()));
    match code {
        Some(0) | None => Ok(()),
        Some(code) => {
            let msg = value.get("errmsg").and_then(Value::as_str).unwrap_or("unknown error");
            Err(Error::wechat(code, msg))
        }
    }
}

fn net_err(e: reqwest::Error) -> Error {
    // without_url: request URLs carry access tokens and secrets.
    let e = e.without_url();
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    Error::Transport(format!("request to WeChat {what}: {e}"))
}
