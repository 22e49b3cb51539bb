//! The main crate's input-facing modules, compiled from its own source files
//! (same module paths, so their `crate::…` references resolve here too).
#![allow(dead_code, unused_imports, unused_macros)]

#[path = "../../src/error.rs"]
pub mod error;

#[path = "../../src/model.rs"]
pub mod model;

#[path = "../../src/crypto/mod.rs"]
pub mod crypto;

#[path = "../../src/message/mod.rs"]
pub mod message;

pub mod api;
pub mod service;

pub use error::{Error, Result};

/// Splits fuzz input into `n` strings at 0xFF bytes (never valid UTF-8, so
/// the pieces themselves stay free to be any text).
pub fn split(data: &[u8], n: usize) -> Vec<String> {
    let mut out: Vec<String> = data.splitn(n, |&b| b == 0xFF).map(|p| String::from_utf8_lossy(p).into_owned()).collect();
    out.resize(n, String::new());
    out
}
