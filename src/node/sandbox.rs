//! napi adapter for the sandbox: start it, and one `control` method that
//! sends a control call through the sandbox's own `/__sandbox` router in
//! process (src/sandbox/control.rs defines every operation once; lib/sandbox.js
//! sends the same calls over HTTP to a sandbox in another process).

use std::future::Future;
use std::task::{Context, Poll, Waker};

use napi::bindgen_prelude::{within_runtime_if_available, Either, PromiseRaw};
use napi::Env;
use napi_derive::napi;
use serde_json::Value;

use super::errors::promise;
use crate::error::Error;
use crate::sandbox::{from_json, Control, Sandbox, SandboxConfig};

/// A control route's answer: the HTTP status and its JSON body
/// (`{error}` when the status is not 2xx).
#[napi(object)]
pub struct ControlAnswer {
    pub status: u32,
    #[napi(ts_type = "unknown")]
    pub body: Value,
}

impl From<crate::sandbox::ControlAnswer> for ControlAnswer {
    fn from(a: crate::sandbox::ControlAnswer) -> Self {
        ControlAnswer { status: a.status.into(), body: a.body }
    }
}

#[napi]
pub struct NativeSandbox {
    inner: Sandbox,
    control: Control,
}

/// Starts a sandbox; `config` is a (partial) SandboxConfig.
#[napi(ts_args_type = "config?: Record<string, unknown> | undefined | null")]
pub fn start_sandbox(env: &Env, config: Option<Value>) -> napi::Result<PromiseRaw<'_, NativeSandbox>> {
    let cfg = from_json::<SandboxConfig>(config.unwrap_or(Value::Object(Default::default())))
        .map_err(|m| Error::invalid("options", m));
    promise(env, async move {
        let inner = Sandbox::start(cfg?).await?;
        Ok(NativeSandbox { control: inner.control(), inner })
    })
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

    /// `method` on `path` (below `/__sandbox`, query included) with a body
    /// of JSON text, answered as the HTTP control API answers. A route that
    /// needs no waiting (state reads and changes) answers at once, as a plain
    /// value; pushes, messages and the release check answer with a Promise.
    /// The body is text, as over HTTP: napi's number conversion would turn an
    /// integer past u32 (a MsgId) into a float, and the message into another.
    #[napi(ts_args_type = "method: string, path: string, body?: string", ts_return_type = "ControlAnswer | Promise<ControlAnswer>")]
    pub fn control<'e>(&self, env: &'e Env, method: String, path: String, body: Option<String>) -> napi::Result<Either<ControlAnswer, PromiseRaw<'e, ControlAnswer>>> {
        let body = match body.as_deref().map(serde_json::from_str::<Value>).transpose() {
            Ok(b) => b,
            Err(e) => return Err(napi::Error::new(napi::Status::InvalidArg, format!("sandbox: the body is not JSON: {e}"))),
        };
        let mut call = Box::pin(self.control.call(&method, &path, body));
        // The first poll here, in the runtime's context (a push starts its request).
        match within_runtime_if_available(|| call.as_mut().poll(&mut Context::from_waker(Waker::noop()))) {
            Poll::Ready(answer) => Ok(Either::A(answer.into())),
            Poll::Pending => promise(env, async move { Ok(ControlAnswer::from(call.await)) }).map(Either::B),
        }
    }
}
