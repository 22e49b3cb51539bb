//! napi adapter for the sandbox: argument conversion and error mapping only.
//! Options and results cross as JSON objects with the Rust (snake_case)
//! field names; lib/sandbox.js turns them into camelCase.

use napi_derive::napi;
use serde_json::Value;

use super::IntoNapi;
use crate::error::Error;
use crate::sandbox::{AuthorizeOptions, ComponentRegistration, Fault, Sandbox, SandboxConfig, SendOptions};

fn from_json<T: for<'de> serde::Deserialize<'de>>(name: &'static str, v: Value) -> napi::Result<T> {
    serde_json::from_value(v).map_err(|e| super::to_napi(Error::invalid(name, e.to_string())))
}

fn to_json<T: serde::Serialize>(v: T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

#[napi]
pub struct NativeSandbox {
    inner: Sandbox,
}

/// Starts a sandbox; `config` is a (partial) SandboxConfig.
#[napi]
pub async fn start_sandbox(config: Option<Value>) -> napi::Result<NativeSandbox> {
    let cfg: SandboxConfig = from_json("options", config.unwrap_or(Value::Object(Default::default())))?;
    let inner = Sandbox::start(cfg).await.napi()?;
    Ok(NativeSandbox { inner })
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

    #[napi]
    pub fn config(&self) -> Value {
        to_json(self.inner.config())
    }

    #[napi]
    pub fn update_config(&self, patch: Value) -> napi::Result<Value> {
        self.inner.update_config(patch).napi().map(to_json)
    }

    #[napi]
    pub fn register_component(&self, registration: Value) -> napi::Result<()> {
        let c: ComponentRegistration = from_json("component", registration)?;
        self.inner.register_component(c).napi()
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
    pub async fn push_ticket(&self, component_appid: String) -> napi::Result<String> {
        self.inner.push_ticket(&component_appid).await.napi()
    }

    #[napi]
    pub async fn authorize(&self, component_appid: String, options: Option<Value>) -> napi::Result<Value> {
        let opts: AuthorizeOptions = from_json("options", options.unwrap_or(Value::Object(Default::default())))?;
        self.inner.authorize(&component_appid, opts).await.napi().map(to_json)
    }

    #[napi]
    pub async fn push_event(&self, component_appid: String, info_type: String, authorizer_appid: String) -> napi::Result<()> {
        self.inner.push_event(&component_appid, &info_type, &authorizer_appid).await.napi()
    }

    #[napi]
    pub fn oauth_code(&self, appid: String, openid: Option<String>, scope: Option<String>, component_appid: Option<String>) -> Value {
        let scope = scope.unwrap_or_else(|| "snsapi_userinfo".into());
        to_json(self.inner.oauth_code(&appid, openid.as_deref(), &scope, component_appid.as_deref()))
    }

    #[napi]
    pub fn js_code(&self, appid: String, openid: Option<String>, component_appid: Option<String>) -> Value {
        to_json(self.inner.js_code(&appid, openid.as_deref(), component_appid.as_deref()))
    }

    #[napi]
    pub fn counters(&self) -> Value {
        to_json(self.inner.counters())
    }

    #[napi]
    pub fn issued(&self) -> Value {
        to_json(self.inner.issued())
    }

    #[napi]
    pub fn invalid_token_calls(&self) -> Value {
        to_json(self.inner.invalid_token_calls())
    }

    #[napi]
    pub fn pushes(&self) -> Value {
        to_json(self.inner.pushes())
    }

    #[napi]
    pub fn requests(&self, path: Option<String>) -> Value {
        to_json(self.inner.requests(path.as_deref()))
    }

    #[napi]
    pub fn recorded_calls(&self, path: Option<String>) -> Value {
        to_json(self.inner.recorded_calls(path.as_deref()))
    }

    /// `fault`: {"errcode": N} | "http500" | {"delay_ms": N} | "reset".
    #[napi]
    pub fn inject_fault(&self, path: String, fault: Value, count: u32) -> napi::Result<()> {
        let fault: Fault = from_json("fault", fault)?;
        self.inner.inject_fault(&path, fault, count);
        Ok(())
    }

    #[napi]
    pub fn set_failure_rate(&self, path: Option<String>, rate: f64, fault: Value) -> napi::Result<()> {
        let fault: Fault = from_json("fault", fault)?;
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
    pub fn set_message_url(&self, component_appid: String, url: String) -> napi::Result<()> {
        self.inner.set_message_url(&component_appid, &url).napi()
    }

    /// `message`: WeChat's field names; `options`: {component_appid, timeout_secs}.
    #[napi]
    pub async fn send_message(&self, authorizer_appid: String, message: Value, options: Option<Value>) -> napi::Result<Value> {
        let Value::Object(m) = message else { return Err(super::to_napi(Error::invalid("message", "must be an object"))) };
        let opts: SendOptions = from_json("options", options.unwrap_or(Value::Object(Default::default())))?;
        self.inner.send_message(&authorizer_appid, m, &opts).await.napi().map(to_json)
    }

    #[napi]
    pub fn messages(&self) -> Value {
        to_json(self.inner.messages())
    }

    #[napi]
    pub async fn run_release_check(&self, component_appid: String) -> napi::Result<Value> {
        self.inner.run_release_check(&component_appid).await.napi().map(to_json)
    }
}
