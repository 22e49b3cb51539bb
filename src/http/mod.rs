//! The HTTP edge every request handler shares, the native listener's and
//! node's (lib/http.js): the request target parsed once, strictly, and one
//! table from what went wrong to the status and body the caller gets.

mod answer;
mod host;
pub mod serve;
mod target;

pub use answer::{Answer, Refusal, Subject};
pub use host::{is_loopback, loopback_host};
pub use serve::{serve, serve_tcp, Limits, Server};
pub use target::RequestTarget;
