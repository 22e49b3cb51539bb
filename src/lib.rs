//! wxthirdparty: a WeChat Open Platform third-party platform runtime.
//!
//! Core modules are plain Rust and know nothing of Node; `node` holds the
//! thin napi adapters. Data flows one way: adapter → core (component, api)
//! → token cells → wechat transport / store.

pub mod api;
pub mod component;
pub mod crypto;
pub mod error;
pub mod message;
pub mod oauth;
pub mod sandbox;
pub mod store;
pub mod token;
pub mod wechat;

mod node;

pub use error::{Error, Result};
