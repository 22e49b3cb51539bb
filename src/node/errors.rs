//! Core errors cross as real JS errors, built on the JS thread: lib/native.js
//! hands the classes of lib/errors.js over once at load, and an error becomes
//! `new WeChatAPIError(message, code)` (or TypeError, CryptoError, …) there,
//! so `instanceof`, `name` and `code` hold with nothing to parse in JS.
//!
//! napi-rs throws (sync) and rejects with (async, see `promise`) the very JS
//! object a `napi::Error` references, so an adapter returns
//! `Err(throw(env, e))`; async adapters settle through `promise`, whose
//! callback runs on the JS thread where the object can be built.

use std::cell::RefCell;
use std::future::Future;

use napi::bindgen_prelude::*;
use napi::{Env, JsValue};
use napi_derive::napi;

use crate::error::Error as CoreError;

thread_local! {
    // One JS thread per env (main thread, each worker): the classes of this env.
    static CLASSES: RefCell<Option<ObjectRef<false>>> = const { RefCell::new(None) };
}

/// The JS class a core error becomes (the names lib/errors.js exports).
pub(crate) fn js_name(e: &CoreError) -> &'static str {
    match e {
        CoreError::WeChat { .. } => "WeChatAPIError",
        CoreError::InvalidArgument { .. } => "TypeError",
        CoreError::Crypto(_) => "CryptoError",
        CoreError::Parse(_) => "ParseError",
        CoreError::Store(_) => "StoreError",
        CoreError::Transport(_) => "TransportError",
        CoreError::NotReady(_) => "NotReadyError",
        CoreError::Revoked(_) => "RevokedError",
        CoreError::NotFound(_) => "NotFoundError",
        CoreError::Other(_) => "WxThirdpartyError",
    }
}

/// A core error of the class a JS error name stands for (the inverse of `js_name`).
pub(crate) fn of_js_name(name: &str) -> Option<CoreError> {
    let one = String::new;
    let all = [
        CoreError::wechat(0, ""),
        CoreError::invalid("error", ""),
        CoreError::Crypto(one()),
        CoreError::Parse(one()),
        CoreError::Store(one()),
        CoreError::Transport(one()),
        CoreError::NotReady(one()),
        CoreError::Revoked(one()),
        CoreError::NotFound(one()),
        CoreError::Other(one()),
    ];
    all.into_iter().find(|e| js_name(e) == name)
}

/// `{ WeChatAPIError, …, TypeError, Error }`: the constructors native errors
/// are built with, `new C(message, code)`. Called once by lib/native.js.
#[napi(ts_args_type = "classes: Record<string, new (message: string, code?: number) => Error>")]
pub fn register_error_classes(classes: Object) -> Result<()> {
    let r = classes.create_ref::<false>()?;
    CLASSES.with(|c| *c.borrow_mut() = Some(r));
    Ok(())
}

/// The JS error for `e`: an instance of the registered class, or (addon
/// loaded without lib/native.js) an Error carrying `name` and `code`.
pub(crate) fn js_error<'e>(env: &'e Env, e: &CoreError) -> Result<Unknown<'e>> {
    let name = js_name(e);
    let message = e.to_string();
    let code = e.code();
    let class = CLASSES.with(|c| -> Result<Option<Function<'e, FnArgs<(String, Option<i64>)>, Unknown<'e>>>> {
        match c.borrow().as_ref() {
            Some(r) => r.get_value(env)?.get_named_property::<Option<Function<'e, FnArgs<(String, Option<i64>)>, Unknown<'e>>>>(name),
            None => Ok(None),
        }
    })?;
    if let Some(class) = class {
        return class.new_instance(FnArgs::from((message, code)));
    }
    let mut obj = JsError::from(Error::from_reason(message)).into_unknown(*env).coerce_to_object()?;
    obj.set_named_property("name", name)?;
    if let Some(code) = code {
        obj.set_named_property("code", code)?;
    }
    Ok(obj.to_unknown())
}

/// A `napi::Error` that napi-rs throws / rejects with as the JS error for `e`.
pub(crate) fn throw(env: &Env, e: CoreError) -> Error {
    match js_error(env, &e) {
        Ok(v) => Error::from(v),
        Err(err) => err,
    }
}

/// Core result → napi result, the error thrown as its JS class (sync adapters).
pub(crate) trait OrThrow<T> {
    fn or_throw(self, env: &Env) -> Result<T>;
}

impl<T> OrThrow<T> for crate::error::Result<T> {
    fn or_throw(self, env: &Env) -> Result<T> {
        self.map_err(|e| throw(env, e))
    }
}

/// A Promise of core work: run as a tokio task, settled on the JS thread,
/// rejected with the JS error of the core error.
pub(crate) fn promise<'e, T, F>(env: &'e Env, fut: F) -> Result<PromiseRaw<'e, T>>
where
    T: ToNapiValue + Send + 'static,
    F: Future<Output = crate::error::Result<T>> + Send + 'static,
{
    promise_map(env, fut, |_, v| Ok(v))
}

/// `promise`, the answer turned into a JS value by `map` on the JS thread
/// (values that hold JS objects, such as errors).
pub(crate) fn promise_map<'e, T, V, F, M>(env: &'e Env, fut: F, map: M) -> Result<PromiseRaw<'e, V>>
where
    T: Send + 'static,
    V: ToNapiValue,
    F: Future<Output = crate::error::Result<T>> + Send + 'static,
    M: FnOnce(&'e Env, T) -> Result<V> + 'static,
{
    // The task of its own keeps the future's borrows out of napi's (rustc's
    // Send inference trips on sqlx's higher-ranked futures otherwise).
    env.spawn_future_with_callback(async move { Ok(tokio::spawn(fut).await) }, move |env, joined| match joined {
        Ok(Ok(v)) => map(env, v),
        Ok(Err(e)) => Err(throw(env, e)),
        Err(join) => Err(throw(env, CoreError::Other(format!("task failed: {join}")))),
    })
}
