//! Talking to WeChat: the HTTP transport.

mod transport;

pub use transport::{check_errcode, default_api_base, with_response_meta, ResponseMeta, Transport, DEFAULT_API_BASE, DEFAULT_TIMEOUT};
