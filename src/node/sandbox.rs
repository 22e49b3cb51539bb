//! napi adapter for the sandbox: argument conversion and error mapping only.
//! Options and results cross as JSON objects with the Rust (snake_case)
//! field names; lib/sandbox.js turns them into camelCase.

use napi::bindgen_prelude::PromiseRaw;
use napi::Env;
use napi_derive::napi;
use serde_json::Value;

use super::errors::{promise, OrThrow};
use crate::error::{Error, Result as CoreResult};
use crate::sandbox::{AuthorizeOptions, ComponentRegistration, Fault, Sandbox, SandboxConfig, SendOptions};

fn from_json<T: for<'de> serde::Deserialize<'de>>(name: &'static str, v: Value) -> CoreResult<T> {
    serde_json::from_value(v).map_err(|e| Error::invalid(name, e.to_string()))
}

fn to_json<T: serde::Serialize>(v: T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

#[napi]
pub struct NativeSandbox {
    inner: Sandbox,
}

/// Starts a sandbox; `config` is a (partial) SandboxConfig.
#[napi(ts_args_type = "config?: Record<string, unknown> | undefined | null")]
pub fn start_sandbox(env: &Env, config: Option<Value>) -> napi::Result<PromiseRaw<'_, NativeSandbox>> {
    let cfg = from_json::<SandboxConfig>("options", config.unwrap_or(Value::Object(Default::default())));
    promise(env, async move { Ok(NativeSandbox { inner: Sandbox::start(cfg?).await? }) })
}

#[napi]
impl NativeSandbox {
    #[napi(getter)]
    pub fn url(&self) -> String {
        self.inner.url()
    }

    #[napi(getter)]
    pub fn port(&self) -> u32 {
        self.inner.port() as u32
    }

    #[napi]
    pub async fn close(&self) {
        self.inner.close().await
    }

    #[napi(ts_return_type = "Record<string, unknown>")]
    pub fn config(&self) -> Value {
        to_json(self.inner.config())
    }

    #[napi(ts_args_type = "patch: Record<string, unknown>", ts_return_type = "Record<string, unknown>")]
    pub fn update_config(&self, env: &Env, patch: Value) -> napi::Result<Value> {
        self.inner.update_config(patch).or_throw(env).map(to_json)
    }

    #[napi(ts_args_type = "registration: { appid: string; secret: string; token: string; encoding_aes_key: string; push_url?: string | null }")]
    pub fn register_component(&self, env: &Env, registration: Value) -> napi::Result<()> {
        from_json::<ComponentRegistration>("component", registration).and_then(|c| self.inner.register_component(c)).or_throw(env)
    }

    #[napi]
    pub fn register_app(&self, appid: String, secret: String) {
        self.inner.register_app(&appid, &secret)
    }

    #[napi]
    pub fn set_followers(&self, appid: String, count: u32) {
        self.inner.set_followers(&appid, count as usize)
    }

    #[napi]
    pub fn followers(&self, appid: String) -> Vec<String> {
        self.inner.followers(&appid)
    }

    #[napi]
    pub fn push_ticket<'e>(&self, env: &'e Env, component_appid: String) -> napi::Result<PromiseRaw<'e, String>> {
        let sb = self.inner.clone();
        promise(env, async move { sb.push_ticket(&component_appid).await })
    }

    #[napi(ts_args_type = "componentAppid: string, options?: Record<string, unknown> | undefined | null", ts_return_type = "Promise<{ authorizer_appid: string; auth_code: string; expires_in: number; pre_auth_code: string; info_type: string }>")]
    pub fn authorize<'e>(&self, env: &'e Env, component_appid: String, options: Option<Value>) -> napi::Result<PromiseRaw<'e, Value>> {
        let opts = from_json::<AuthorizeOptions>("options", options.unwrap_or(Value::Object(Default::default())));
        let sb = self.inner.clone();
        promise(env, async move { sb.authorize(&component_appid, opts?).await.map(to_json) })
    }

    #[napi(ts_return_type = "Promise<void>")]
    pub fn push_event<'e>(&self, env: &'e Env, component_appid: String, info_type: String, authorizer_appid: String) -> napi::Result<PromiseRaw<'e, ()>> {
        let sb = self.inner.clone();
        promise(env, async move { sb.push_event(&component_appid, &info_type, &authorizer_appid).await })
    }

    #[napi(ts_return_type = "{ code: string; openid: string }")]
    pub fn oauth_code(&self, appid: String, openid: Option<String>, scope: Option<String>, component_appid: Option<String>) -> Value {
        let scope = scope.unwrap_or_else(|| "snsapi_userinfo".into());
        to_json(self.inner.oauth_code(&appid, openid.as_deref(), &scope, component_appid.as_deref()))
    }

    #[napi(ts_return_type = "{ code: string; openid: string; sessionKey?: string; encryptedData?: string; iv?: string }")]
    pub fn js_code(&self, appid: String, openid: Option<String>, component_appid: Option<String>) -> Value {
        to_json(self.inner.js_code(&appid, openid.as_deref(), component_appid.as_deref()))
    }

    #[napi(ts_return_type = "Record<string, number>")]
    pub fn counters(&self) -> Value {
        to_json(self.inner.counters())
    }

    #[napi(ts_return_type = "Record<string, number>")]
    pub fn issued(&self) -> Value {
        to_json(self.inner.issued())
    }

    #[napi(ts_return_type = "Array<{ path: string; reason: string; appid: string | null; at: number }>")]
    pub fn invalid_token_calls(&self) -> Value {
        to_json(self.inner.invalid_token_calls())
    }

    #[napi(ts_return_type = "Array<Record<string, unknown>>")]
    pub fn pushes(&self) -> Value {
        to_json(self.inner.pushes())
    }

    #[napi(ts_return_type = "Array<Record<string, unknown>>")]
    pub fn requests(&self, path: Option<String>) -> Value {
        to_json(self.inner.requests(path.as_deref()))
    }

    #[napi(ts_return_type = "Array<{ path: string; appid: string | null; body: unknown; at: number }>")]
    pub fn recorded_calls(&self, path: Option<String>) -> Value {
        to_json(self.inner.recorded_calls(path.as_deref()))
    }

    /// `fault`: {"errcode": N} | "http500" | {"delay_ms": N} | "reset".
    #[napi(ts_args_type = "path: string, fault: { errcode: number } | 'http500' | { delay_ms: number } | 'reset', count: number")]
    pub fn inject_fault(&self, env: &Env, path: String, fault: Value, count: u32) -> napi::Result<()> {
        let fault: Fault = from_json("fault", fault).or_throw(env)?;
        self.inner.inject_fault(&path, fault, count);
        Ok(())
    }

    #[napi(ts_args_type = "path: string | undefined | null, rate: number, fault: { errcode: number } | 'http500' | { delay_ms: number } | 'reset'")]
    pub fn set_failure_rate(&self, env: &Env, path: Option<String>, rate: f64, fault: Value) -> napi::Result<()> {
        let fault: Fault = from_json("fault", fault).or_throw(env)?;
        self.inner.set_failure_rate(path.as_deref(), rate, fault);
        Ok(())
    }

    #[napi]
    pub fn clear_faults(&self) {
        self.inner.clear_faults()
    }

    #[napi]
    pub fn invalidate_all_tokens(&self) {
        self.inner.invalidate_all_tokens()
    }

    #[napi]
    pub fn advance_clock(&self, secs: f64) {
        self.inner.advance_clock(secs)
    }

    #[napi]
    pub fn reset(&self) {
        self.inner.reset()
    }
    /// The platform's message URL (`$APPID$` = the authorizer's appid).
    #[napi]
    pub fn set_message_url(&self, env: &Env, component_appid: String, url: String) -> napi::Result<()> {
        self.inner.set_message_url(&component_appid, &url).or_throw(env)
    }

    /// `message`: WeChat's field names; `options`: {component_appid, timeout_secs}.
    #[napi(ts_args_type = "authorizerAppid: string, message: Record<string, unknown>, options?: { component_appid?: string; timeout_secs?: number } | undefined | null", ts_return_type = "Promise<Record<string, unknown>>")]
    pub fn send_message<'e>(&self, env: &'e Env, authorizer_appid: String, message: Value, options: Option<Value>) -> napi::Result<PromiseRaw<'e, Value>> {
        let m = match message {
            Value::Object(m) => Ok(m),
            _ => Err(Error::invalid("message", "must be an object")),
        };
        let opts = from_json::<SendOptions>("options", options.unwrap_or(Value::Object(Default::default())));
        let sb = self.inner.clone();
        promise(env, async move { sb.send_message(&authorizer_appid, m?, &opts?).await.map(to_json) })
    }

    #[napi(ts_return_type = "Array<Record<string, unknown>>")]
    pub fn messages(&self) -> Value {
        to_json(self.inner.messages())
    }

    #[napi(ts_return_type = "Promise<{ component_appid: string; passed: boolean; cases: Array<Record<string, unknown>> }>")]
    pub fn run_release_check<'e>(&self, env: &'e Env, component_appid: String) -> napi::Result<PromiseRaw<'e, Value>> {
        let sb = self.inner.clone();
        promise(env, async move { sb.run_release_check(&component_appid).await.map(to_json) })
    }
}
