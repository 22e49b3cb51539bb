//! napi adapters: argument conversion and error mapping only, no logic.
//! Errors cross as instances of lib/errors.js's classes (see errors.rs).

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
