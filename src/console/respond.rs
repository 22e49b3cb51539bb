//! What every handler answers with: HTML and redirects, the store-error
//! page, and the logged-in session (or the answer to give instead).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::auth::{self, Session};
use super::html::{esc, page};
use super::ConsoleState;

pub(crate) type S = State<Arc<ConsoleState>>;

pub(crate) fn html(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

pub(crate) fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_owned())]).into_response()
}

pub(crate) fn store_error(s: &ConsoleState, who: Option<&Session>, e: &crate::error::Error) -> Response {
    let body = format!("<p class=\"bad\">The store did not answer: {}</p>", esc(&e.to_string()));
    html(StatusCode::SERVICE_UNAVAILABLE, page(&s.base, "Store unavailable", "", who, &body))
}

/// Behind https (a proxy says so): the cookie gets `Secure`.
pub(crate) fn over_https(h: &HeaderMap) -> bool {
    h.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

pub(crate) fn cookie(h: &HeaderMap) -> Option<String> {
    let raw = h.get(header::COOKIE).and_then(|v| v.to_str().ok());
    auth::cookie_value(raw, auth::COOKIE).map(str::to_owned)
}

/// The logged-in session, or the answer to give instead (a redirect to the
/// login page for a page, 401 for the JSON endpoint).
pub(crate) async fn who(s: &ConsoleState, h: &HeaderMap, json: bool) -> Result<Session, Response> {
    let found = match cookie(h) {
        Some(c) => auth::session(&s.store, &c).await.map_err(|e| store_error(s, None, &e))?,
        None => None,
    };
    found.ok_or_else(|| {
        if json {
            (StatusCode::UNAUTHORIZED, axum::Json(serde_json::json!({ "error": "login required" }))).into_response()
        } else {
            redirect(&format!("{}/login", s.base))
        }
    })
}

