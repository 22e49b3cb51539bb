//! napi adapters: argument conversion and error mapping only, no logic.
//! Errors cross as instances of lib/errors.js's classes (see errors.rs).

use crate::error::Error;

/// LEGACY, for the one adapter not yet on errors.rs (src/node/messages.rs,
/// with `spawn` and `NativeComponent::core`): `Name|code|message`, which
/// lib/native.js's `convertError` still rebuilds. Remove all four once
/// messages.rs uses `promise` / `OrThrow`.
pub(crate) fn to_napi(e: Error) -> napi::Error {
    let code = e.code().map(|c| c.to_string()).unwrap_or_default();
    let status = match e {
        Error::InvalidArgument { .. } => napi::Status::InvalidArg,
        _ => napi::Status::GenericFailure,
    };
    napi::Error::new(status, format!("{}|{}|{}", errors::js_name(&e), code, e))
}

pub(crate) trait IntoNapi<T> {
    fn napi(self) -> napi::Result<T>;
}

impl<T> IntoNapi<T> for crate::error::Result<T> {
    fn napi(self) -> napi::Result<T> {
        self.map_err(to_napi)
    }
}

mod admin;
mod client;
mod crypto;
mod errors;
mod message;
mod oauth;
mod platform;
mod messages;
mod sandbox;
mod server;
mod service;

/// The addon's version (Cargo package version).
#[napi_derive::napi]
pub fn native_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
