//! Every request that reached a WeChat path, as it arrived (for tests that
//! check what a client sent: path, query, body).

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;

const CREDENTIALS: [&str; 4] = ["access_token", "component_access_token", "secret", "appsecret"];
const SECRET_FIELDS: [&str; 3] = ["appsecret", "component_appsecret", "secret"];

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
        let mut body = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(body).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).chars().take(2000).collect()))
        };
        // Secrets sent in a body (api_component_token, clear_quota/v2) stay out of the log.
        if let Value::Object(o) = &mut body {
            for k in SECRET_FIELDS {
                if let Some(v) = o.get_mut(k) {
                    *v = Value::String("(secret)".into());
                }
            }
        }
        ReceivedRequest { method: method.to_owned(), path: path.to_owned(), query, body, content_type: content_type.to_owned(), at }
    }
}
