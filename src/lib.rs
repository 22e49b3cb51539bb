//! wxthirdparty: a WeChat Open Platform third-party platform runtime.
//!
//! Core modules are plain Rust and know nothing of Node; `node` holds the
//! thin napi adapters. Data flows one way: adapter → core (component, inbox,
//! api, oauth, service) → credential → token cells → wechat transport /
//! store. README, "Architecture", says what each room may import
//! (tests/layout.rs checks it).

pub mod api;
pub mod component;
pub mod console;
pub mod credential;
pub mod crypto;
pub mod error;
pub mod http;
pub mod inbox;
pub mod message;
pub mod model;
pub mod oauth;
pub mod rollout;
pub mod sandbox;
pub mod service;
pub mod store;
pub mod token;
pub mod wechat;

// napi exports are called from JS only: a `cargo test` build sees them unused.
#[cfg_attr(test, allow(dead_code))]
mod node;

pub use error::{Error, Result};

/// The addon's allocator (see Cargo.toml).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
