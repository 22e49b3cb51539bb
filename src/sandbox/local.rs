//! The control API in process: a request goes through the very router that
//! serves `/__sandbox` over HTTP, with no socket, so each control operation
//! is defined once (control.rs) whichever way a caller reaches the sandbox.

use std::future::Future;

use axum::body::Body;
use axum::http::{header, Method, Request};
use axum::Router;
use serde_json::{json, Value};
use tower::ServiceExt;

use super::{control, Sandbox};

/// The control router of one sandbox, bound to its state.
#[derive(Clone)]
pub struct Control {
    router: Router,
}

/// What a control route answered: the HTTP status and the JSON body (a
/// string when the body is not JSON, as axum's own rejections are).
#[derive(Clone, Debug, PartialEq)]
pub struct ControlAnswer {
    pub status: u16,
    pub body: Value,
}

impl Sandbox {
    /// The control API of this sandbox, callable in process.
    pub fn control(&self) -> Control {
        Control { router: control::router().with_state(self.shared.clone()) }
    }
}

impl Control {
    /// `method` on `path` (below `/__sandbox`, with its query, e.g.
    /// `/followers?appid=wx1`) with a JSON `body`: the answer, exactly as the
    /// HTTP control API gives it. Routes that change or read state answer on
    /// the first poll; pushes, messages and the release check wait on the network.
    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> impl Future<Output = ControlAnswer> + Send + 'static {
        let request = request(method, path, body);
        let router = self.router.clone();
        async move {
            let request = match request {
                Ok(r) => r,
                Err(message) => return ControlAnswer { status: 400, body: json!({ "error": message }) },
            };
            let response = match router.oneshot(request).await {
                Ok(r) => r,
                Err(never) => match never {},
            };
            let status = response.status().as_u16();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap_or_default();
            let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
            ControlAnswer { status, body }
        }
    }
}

fn request(method: &str, path: &str, body: Option<Value>) -> Result<Request<Body>, String> {
    let method = Method::from_bytes(method.as_bytes()).map_err(|_| format!("method: {method:?} is not an HTTP method"))?;
    if !path.is_empty() && !path.starts_with('/') {
        return Err(format!("path: {path:?} must start with /"));
    }
    let uri = if path.is_empty() { "/" } else { path };
    let builder = Request::builder().method(method).uri(uri);
    let built = match body {
        Some(v) => builder.header(header::CONTENT_TYPE, "application/json").body(Body::from(v.to_string())),
        None => builder.body(Body::empty()),
    };
    built.map_err(|e| format!("path: {e}"))
}
