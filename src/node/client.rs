//! napi adapter for the official-account API client (`API` and what
//! `createClient(user)` returns). Conversion only; lib/client.js adds the
//! Node conventions.

use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::*;
use napi::Either;
use napi_derive::napi;
use serde_json::Value;

use crate::api::{own_client, ApiClient, Download, FileSource, Image, OwnConfig, UserTokens};
use crate::store::Store;

use super::wechat_answer::{promise_answered, HttpResponse};
use super::errors::promise;
use crate::error::Result as CoreResult;

/// A call's result and the HTTP answer it came in.
#[napi(object)]
pub struct CallResult {
    /// WeChat's answer (free-form JSON).
    #[napi(ts_type = "unknown")]
    pub data: Value,
    pub res: Option<HttpResponse>,
    /// With user-managed tokens: a token fetched for this call, to save.
    pub fresh_token: Option<AccessTokenValue>,
}

/// wechat-api's token object.
#[napi(object)]
pub struct AccessTokenValue {
    pub access_token: String,
    /// ms since epoch.
    pub expire_time: f64,
}

/// A ticket as wechat-api keeps it.
#[napi(object)]
pub struct TicketValue {
    pub ticket: String,
    pub expire_time: f64,
}

/// getMedia / getMaterial: bytes, or WeChat's JSON (video and news materials).
#[napi(object)]
pub struct DownloadResult {
    pub data: Option<Buffer>,
    #[napi(ts_type = "unknown")]
    pub json: Option<Value>,
    pub content_type: Option<String>,
    pub res: Option<HttpResponse>,
}

/// An image WeChat answered (getWxaCode, getQrcode, …).
#[napi(object)]
pub struct ImageResult {
    pub data: Buffer,
    pub content_type: String,
    pub res: Option<HttpResponse>,
}

/// Options of `new API(appid, appsecret, getToken?, saveToken?, options?)`.
#[napi(object)]
pub struct ApiOptions {
    pub api_base: Option<String>,
    /// A store URL (mysql://, postgres://, sqlite://): tokens shared fleet-wide.
    pub db: Option<String>,
    /// Use /cgi-bin/stable_token.
    pub stable_token: Option<bool>,
    /// Request timeout in ms.
    pub timeout: Option<u32>,
    /// The user keeps the access token (getToken / saveToken given).
    pub user_tokens: Option<bool>,
    /// Take tokens from a token service (`wxthirdparty serve`) at this URL.
    pub token_service: Option<String>,
    /// Its bearer token.
    pub auth_token: Option<String>,
    /// wechat-api's `fileServerPrefix`: where uploadMPVideo and uploadLogo go.
    pub file_prefix: Option<String>,
}

/// The official-account API acting for one account.
#[napi]
pub struct NativeClient {
    client: ApiClient,
    store: Option<Store>,
    user_tokens: Option<Arc<UserTokens>>,
}

impl NativeClient {
    pub(crate) fn new(client: ApiClient) -> Self {
        NativeClient { client, store: None, user_tokens: None }
    }

    fn fresh(&self) -> Option<AccessTokenValue> {
        fresh(self.user_tokens.as_deref())
    }

    /// A call through `with_meta`, settled as a CallResult (with the token
    /// fetched for it, when the user keeps tokens).
    fn call_result<'e, F>(&self, env: &'e Env, want_res: bool, fut: F) -> Result<PromiseRaw<'e, CallResult>>
    where
        F: std::future::Future<Output = CoreResult<Value>> + Send + 'static,
    {
        let tokens = self.user_tokens.clone();
        promise_answered(env, want_res, fut, move |data, res| CallResult { data, res, fresh_token: fresh(tokens.as_deref()) })
    }
}

fn fresh(tokens: Option<&UserTokens>) -> Option<AccessTokenValue> {
    let (access_token, exp) = tokens?.take_fresh()?;
    Some(AccessTokenValue { access_token, expire_time: exp as f64 })
}

/// An account's own client (the `API` class).
#[napi]
pub fn create_own_client(env: &Env, appid: String, appsecret: String, options: Option<ApiOptions>) -> Result<PromiseRaw<'_, NativeClient>> {
    let o = options.unwrap_or(ApiOptions { api_base: None, db: None, stable_token: None, timeout: None, user_tokens: None, token_service: None, auth_token: None, file_prefix: None });
    let cfg = OwnConfig {
        appid,
        secret: appsecret,
        api_base: o.api_base,
        db: o.db,
        stable: o.stable_token.unwrap_or(false),
        timeout: o.timeout.map(|ms| Duration::from_millis(ms as u64)),
        user_tokens: o.user_tokens.unwrap_or(false),
        token_service: o.token_service,
        auth_token: o.auth_token,
        file_prefix: o.file_prefix,
    };
    promise(env, async move {
        let own = own_client(cfg).await?;
        Ok(NativeClient { client: own.client, store: own.store, user_tokens: own.user_tokens })
    })
}

#[napi]
impl NativeClient {
    #[napi(getter)]
    pub fn appid(&self) -> String {
        self.client.appid().to_owned()
    }

    /// With user-managed tokens: what the user's getToken returned.
    #[napi]
    pub fn offer_token(&self, access_token: String, expire_time: f64) {
        if let Some(u) = &self.user_tokens {
            u.offer(&access_token, expire_time as i64);
        }
    }

    /// `wantRes`: also return the HTTP status and headers (callback callers).
    #[napi(ts_args_type = "method: string, args: Array<unknown>, wantRes?: boolean | undefined | null")]
    pub fn call<'e>(&self, env: &'e Env, method: String, args: Vec<Value>, want_res: Option<bool>) -> Result<PromiseRaw<'e, CallResult>> {
        let (c, args) = (self.client.clone(), super::integral_all(args));
        self.call_result(env, want_res.unwrap_or(true), async move { c.call(&method, &args).await })
    }

    /// POSTs `body` to `path` (with its own query pairs) as an authenticated
    /// call: wechat-api's `API.patch` methods.
    #[napi(ts_args_type = "path: string, query: Array<Array<string>>, body: Record<string, unknown>")]
    pub fn post_path<'e>(&self, env: &'e Env, path: String, query: Vec<Vec<String>>, body: Value) -> Result<PromiseRaw<'e, CallResult>> {
        let q: Vec<(String, String)> = query.into_iter().filter_map(|p| Some((p.first()?.clone(), p.get(1).cloned().unwrap_or_default()))).collect();
        let (c, body) = (self.client.clone(), super::integral(body));
        self.call_result(env, true, async move { c.request(crate::api::endpoints::Http::Post, &path, &q, Some(&body)).await })
    }

    /// Uploads `file` (a path, or a Buffer named `filename`; with
    /// `contentType`, a Buffer that already is a multipart body) for `method`.
    #[napi(ts_args_type = "method: string, file: string | Buffer, args: Array<unknown>, filename?: string | undefined | null, contentType?: string | undefined | null")]
    pub fn upload<'e>(
        &self,
        env: &'e Env,
        method: String,
        file: Either<String, Buffer>,
        args: Vec<Value>,
        filename: Option<String>,
        content_type: Option<String>,
    ) -> Result<PromiseRaw<'e, CallResult>> {
        let source = match (file, content_type) {
            (Either::A(path), _) => FileSource::Path(path.into()),
            (Either::B(buf), Some(content_type)) => FileSource::Encoded { data: buf.to_vec(), content_type },
            (Either::B(buf), None) => FileSource::Bytes { data: buf.to_vec(), filename: filename.unwrap_or_else(|| "media".into()) },
        };
        let (c, args) = (self.client.clone(), super::integral_all(args));
        self.call_result(env, true, async move { c.upload(&method, source, &args).await })
    }

    #[napi(ts_args_type = "method: string, args: Array<unknown>")]
    pub fn download<'e>(&self, env: &'e Env, method: String, args: Vec<Value>) -> Result<PromiseRaw<'e, DownloadResult>> {
        let (c, args) = (self.client.clone(), super::integral_all(args));
        promise_answered(env, true, async move { c.download(&method, &args).await }, |d, res| match d {
            Download::Bytes { data, content_type } => DownloadResult { data: Some(data.into()), json: None, content_type: Some(content_type), res },
            Download::Json(v) => DownloadResult { data: None, json: Some(v), content_type: None, res },
        })
    }

    /// A row answering an image (wxacodes): the bytes and their content type.
    #[napi(ts_args_type = "method: string, args: Array<unknown>")]
    pub fn image<'e>(&self, env: &'e Env, method: String, args: Vec<Value>) -> Result<PromiseRaw<'e, ImageResult>> {
        let (c, args) = (self.client.clone(), super::integral_all(args));
        promise_answered(env, true, async move { c.image(&method, &args).await }, |Image { data, content_type }, res| ImageResult {
            data: data.into(),
            content_type,
            res,
        })
    }

    /// wechat-api's getTicket; `fresh`: fetch a new one (getTicket always does).
    #[napi]
    pub fn ticket<'e>(&self, env: &'e Env, kind: String, fresh: Option<bool>) -> Result<PromiseRaw<'e, TicketValue>> {
        let c = self.client.clone();
        promise(env, async move {
            let (ticket, exp) = c.ticket(&kind, fresh.unwrap_or(false)).await?;
            Ok(TicketValue { ticket, expire_time: exp as f64 })
        })
    }

    /// The current access token; `fresh`: a newly fetched one (wechat-api's getAccessToken).
    #[napi]
    pub fn latest_token<'e>(&self, env: &'e Env, fresh: Option<bool>) -> Result<PromiseRaw<'e, AccessTokenValue>> {
        let c = self.client.clone();
        promise(env, async move {
            let (access_token, exp) = if fresh.unwrap_or(false) { c.fresh_token().await? } else { c.latest_token().await? };
            Ok(AccessTokenValue { access_token, expire_time: exp as f64 })
        })
    }

    /// The valid access token in memory, if any (no I/O).
    #[napi]
    pub fn peek_token(&self) -> Option<AccessTokenValue> {
        self.client.peek_token().map(|(access_token, exp)| AccessTokenValue { access_token, expire_time: exp as f64 })
    }

    /// WeChat rejected `token` (errcode `code`) in a request made in JS.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn invalidate_token<'e>(&self, env: &'e Env, token: String, code: i64) -> Result<PromiseRaw<'e, ()>> {
        let c = self.client.clone();
        promise(env, async move { c.invalidate_token(&token, code).await })
    }

    /// The API base and the file server prefix requests go to.
    #[napi(getter)]
    pub fn api_base(&self) -> String {
        self.client.transport().base().to_owned()
    }

    #[napi(getter)]
    pub fn file_prefix(&self) -> String {
        self.client.file_prefix()
    }

    /// With user-managed tokens: a token fetched here and not saved yet.
    #[napi]
    pub fn take_fresh_token(&self) -> Option<AccessTokenValue> {
        self.fresh()
    }

    /// Closes this client's own store pools (an `API` with `db`).
    #[napi(ts_return_type = "Promise<void>")]
    pub fn close<'e>(&self, env: &'e Env) -> Result<PromiseRaw<'e, ()>> {
        let s = self.store.clone();
        promise(env, async move {
            if let Some(s) = s {
                s.close().await;
            }
            Ok(())
        })
    }
}

#[napi(string_enum = "lowercase")]
pub enum ApiMethodKind {
    Call,
    Upload,
    Download,
    Image,
}

/// A field an object argument holds (read from the row's template).
#[napi(object)]
pub struct ApiMethodField {
    pub param: String,
    pub name: String,
    pub required: bool,
}

/// One row of the endpoint tables.
#[napi(object)]
pub struct ApiMethodRow {
    pub name: String,
    pub group: String,
    pub path: String,
    pub params: Vec<String>,
    pub retired: bool,
    pub kind: ApiMethodKind,
    pub fields: Vec<ApiMethodField>,
}

/// Each method's parameters and whether WeChat retired it (types and docs generation).
#[napi]
pub fn api_method_table() -> Vec<ApiMethodRow> {
    crate::api::endpoints::GROUPS.iter().flat_map(|(group, rows)| rows.iter().map(move |e| row(group, e))).collect()
}

pub(crate) fn row(group: &str, e: &crate::api::endpoints::Endpoint) -> ApiMethodRow {
    let fields = crate::api::endpoints::fields(e).into_iter().map(|(param, name, required)| ApiMethodField { param, name, required }).collect();
    ApiMethodRow {
        name: e.name.to_owned(),
        group: group.to_owned(),
        path: e.path.to_owned(),
        params: e.params.iter().map(|p| (*p).to_owned()).collect(),
        retired: e.retired,
        kind: kind(&e.body),
        fields,
    }
}

fn kind(b: &crate::api::endpoints::Body) -> ApiMethodKind {
    use crate::api::endpoints::Body;
    match b {
        Body::Upload(_) | Body::RawUpload | Body::Forward => ApiMethodKind::Upload,
        Body::Download => ApiMethodKind::Download,
        Body::Image(_) => ApiMethodKind::Image,
        _ => ApiMethodKind::Call,
    }
}
