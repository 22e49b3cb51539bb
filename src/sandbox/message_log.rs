//! What the sandbox keeps of a platform's message URL: the URL set per
//! component, and every message sent to it with the answer it got.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Message URLs per component and the log of what was sent.
#[derive(Default)]
pub(crate) struct MessageBook {
    pub urls: HashMap<String, String>,
    pub log: Vec<MessageDelivery>,
}

/// One try of a delivery.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessageAttempt {
    /// HTTP status, None when the platform did not answer in time or was unreachable.
    pub status: Option<u16>,
    pub response: String,
    pub elapsed_ms: u64,
}

/// A message the sandbox sent, with the answer it got.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessageDelivery {
    pub component_appid: String,
    pub authorizer_appid: String,
    /// The message as sent (WeChat's field names).
    pub message: Map<String, Value>,
    pub attempts: Vec<MessageAttempt>,
    /// The final HTTP status (None: no answer to any try).
    pub status: Option<u16>,
    /// The final answer, raw.
    pub response: String,
    /// The passive reply, decrypted and parsed; None for `success` / an empty answer.
    pub reply: Option<Map<String, Value>>,
    /// Why the answer is not a valid reply, when it is not.
    pub error: Option<String>,
}
