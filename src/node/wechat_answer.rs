//! wechat-api and wechat-oauth hand callback callers WeChat's answer beside
//! the result: urllib's `res` (status, headers, size, peer) and, on an
//! errcode, WeChat's JSON as `data`. Calls made for a callback run inside
//! `with_response_meta`; a failed one rejects with its JS error carrying
//! `wxAnswer: { data, res }`, which lib/ takes off before the user sees it.

use std::collections::HashMap;
use std::future::Future;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use super::errors::{js_error, promise_map, throw};
use crate::error::{Error as CoreError, Result as CoreResult};
use crate::wechat::{with_response_meta, ResponseMeta};

/// What urllib's `res` says of WeChat's answer; lib/ adds `statusCode`, `data` and `rt`.
#[napi(object)]
pub struct HttpResponse {
    pub status: u32,
    pub headers: HashMap<String, String>,
    /// Bytes of the body.
    pub size: u32,
    pub remote_address: String,
    pub remote_port: Option<u32>,
}

pub(crate) fn res_of(meta: Option<ResponseMeta>) -> Option<HttpResponse> {
    meta.map(http_response)
}

fn http_response(m: ResponseMeta) -> HttpResponse {
    HttpResponse {
        status: m.status as u32,
        headers: m.headers.into_iter().collect(),
        size: m.size as u32,
        remote_address: m.remote.map(|a| a.ip().to_string()).unwrap_or_default(),
        remote_port: m.remote.map(|a| a.port() as u32),
    }
}

/// The JS error for `e`, carrying `wxAnswer` when WeChat answered.
fn answered_error(env: &Env, e: CoreError, meta: Option<ResponseMeta>) -> Error {
    let Some(mut meta) = meta else { return throw(env, e) };
    let attach = || -> Result<Unknown<'_>> {
        let mut answer = Object::new(env)?;
        if let Some(body) = meta.error_body.take() {
            answer.set_named_property("data", body)?;
        }
        answer.set_named_property("res", http_response(meta))?;
        let mut obj = js_error(env, &e)?.coerce_to_object()?;
        obj.set_named_property("wxAnswer", answer)?;
        Ok(obj.to_unknown())
    };
    match attach() {
        Ok(v) => Error::from(v),
        Err(err) => err,
    }
}

/// A promise of `fut`'s result mapped with the answer's `res` (`want_res`:
/// collect it; promise callers skip the headers); a failure rejects with
/// `wxAnswer` attached.
pub(crate) fn promise_answered<'e, T, V, F, M>(env: &'e Env, want_res: bool, fut: F, map: M) -> Result<PromiseRaw<'e, V>>
where
    T: Send + 'static,
    V: ToNapiValue,
    F: Future<Output = CoreResult<T>> + Send + 'static,
    M: FnOnce(T, Option<HttpResponse>) -> V + 'static,
{
    let answered = async move {
        let (out, meta) = if want_res { with_response_meta(fut).await } else { (fut.await, None) };
        Ok((out, meta))
    };
    promise_map(env, answered, move |env, (out, meta)| match out {
        Ok(v) => Ok(map(v, res_of(meta))),
        Err(e) => Err(answered_error(env, e, meta)),
    })
}

/// A result with WeChat's answer: the JSON and, for callback callers, `res`.
#[napi(object)]
pub struct Answer {
    #[napi(ts_type = "unknown")]
    pub data: serde_json::Value,
    pub res: Option<HttpResponse>,
}
