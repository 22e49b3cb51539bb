//! What every control route shares: reading the request (a field, a typed
//! body) and answering an error (`{"error": "..."}`, 400 / 502 / 500).

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::state::Shared;
use super::Sandbox;
use crate::error::Error;

pub(crate) enum ControlError {
    /// The request's shape: a missing field, a body that does not parse.
    Request(String),
    /// The sandbox refused or failed.
    Sandbox(Error),
}

impl From<Error> for ControlError {
    fn from(e: Error) -> Self {
        ControlError::Sandbox(e)
    }
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            ControlError::Request(m) => (StatusCode::BAD_REQUEST, m),
            ControlError::Sandbox(e @ Error::InvalidArgument { .. }) => (StatusCode::BAD_REQUEST, e.to_string()),
            ControlError::Sandbox(e @ Error::Transport(_)) => (StatusCode::BAD_GATEWAY, e.to_string()),
            ControlError::Sandbox(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        };
        (status, Json(json!({"error": message}))).into_response()
    }
}

/// The body as `T`, with a message naming what is wrong.
pub(crate) fn parse<T: for<'de> Deserialize<'de>>(body: Value) -> Result<T, ControlError> {
    super::from_json(body).map_err(|m| ControlError::Request(format!("bad request body: {m}")))
}

pub(crate) fn sb(shared: Arc<Shared>) -> Sandbox {
    Sandbox::from_shared(shared)
}

pub(crate) fn field(body: &Value, name: &str) -> Result<String, ControlError> {
    body.get(name).and_then(Value::as_str).map(str::to_owned).ok_or_else(|| ControlError::Request(format!("{name} is required")))
}

/// Deep-merges a JSON patch into a value (objects field by field, anything else replaced).
pub(crate) fn merge(into: &mut Value, patch: Value) {
    match (into, patch) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k).or_insert(Value::Null), v);
            }
        }
        (slot, v) => *slot = v,
    }
}
