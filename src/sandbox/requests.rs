//! Every request that reached a WeChat path, as it arrived (for tests that
//! check what a client sent: path, query, body).

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;

const CREDENTIALS: [&str; 4] = ["access_token", "component_access_token", "secret", "appsecret"];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReceivedRequest {
    pub method: String,
    pub path: String,
    /// The query without credentials (tokens: secret, and different every run).
    pub query: BTreeMap<String, String>,
    /// JSON bodies parsed; others as text (at most 2000 characters); none: null.
    pub body: Value,
    pub content_type: String,
    pub at: u64,
}

impl ReceivedRequest {
    /// One request's parts (as the handlers' `Req` holds them).
    pub(crate) fn of(method: &str, path: &str, query: &HashMap<String, String>, body: &[u8], content_type: &str, at: u64) -> Self {
        let query = query.iter().filter(|(k, _)| !CREDENTIALS.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
        let body = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(body).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).chars().take(2000).collect()))
        };
        ReceivedRequest { method: method.to_owned(), path: path.to_owned(), query, body, content_type: content_type.to_owned(), at }
    }
}
