//! Talking to WeChat: the HTTP transport and the endpoint tables.

pub mod endpoints;
mod transport;

pub use transport::{check_errcode, default_api_base, Transport, DEFAULT_API_BASE};
