//! Routes, the login, and the actions (each CSRF-checked, role-checked,
//! confirmed and written to the audit log). The views are in `views.rs`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use super::auth::{self, Role, Session};
use super::html::{esc, page};
use super::rollouts::RolloutAction;
use super::respond::{cookie, html, over_https, redirect, store_error, who, S};
use super::views;
use super::ConsoleState;

/// Forms are small: a token, an action, a few words.
const MAX_FORM: usize = 4 * 1024;

const SCRIPT: &str = include_str!("console.js");

pub(super) fn router(state: Arc<ConsoleState>) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/authorizers", get(views::authorizers))
        .route("/platform", get(views::platform))
        .route("/messages", get(views::messages))
        .route("/rollouts", get(views::rollouts))
        .route("/rollouts/{id}", get(views::rollout))
        .route("/rollouts/{id}/act", post(rollout_act))
        .route("/audit", get(views::audit))
        .route("/sessions/end", post(end_sessions))
        .route("/api/summary", get(views::summary))
        .route("/static/console.js", get(script))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_FORM))
        .layer(middleware::from_fn_with_state(state.clone(), loopback_host))
        .layer(middleware::from_fn(headers))
        .with_state(state)
}

/// Headers every answer carries: no framing, no sniffing, no caching, and
/// scripts from our own origin only.
async fn headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// On a loopback bind, a Host that names no loopback address is refused
/// (DNS rebinding: a page on evil.example resolved to 127.0.0.1).
async fn loopback_host(State(s): S, req: Request, next: Next) -> Response {
    if s.loopback && !crate::http::loopback_host(req.headers()) {
        let body = "<p class=\"bad\">Refused: the Host header is not a loopback name (this console is bound to loopback).</p>";
        return html(StatusCode::FORBIDDEN, page(&s.base, "Refused", "", None, body));
    }
    next.run(req).await
}

fn form(body: &Bytes) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

async fn home(State(s): S) -> Response {
    redirect(&format!("{}/authorizers", s.base))
}

async fn script() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], SCRIPT).into_response()
}

fn login_form(base: &str, message: Option<&str>) -> String {
    let msg = message.map(|m| format!("<p class=\"bad\">{}</p>", esc(m))).unwrap_or_default();
    page(
        base,
        "Log in",
        "",
        None,
        &format!(
            "{msg}<form method=\"post\" action=\"{}/login\"><p><label>User <input name=\"user\" autocomplete=\"username\" value=\"operator\"></label></p>\
             <p><label>Token <input name=\"password\" type=\"password\" autocomplete=\"current-password\"></label></p><p><button>Log in</button></p></form>",
            esc(base)
        ),
    )
}

async fn login_page(State(s): S) -> Response {
    html(StatusCode::OK, login_form(&s.base, None))
}

async fn login(State(s): S, h: HeaderMap, body: Bytes) -> Response {
    let f = form(&body);
    let user = f.get("user").map(String::as_str).unwrap_or_default();
    let password = f.get("password").map(String::as_str).unwrap_or_default();
    match auth::login(&s.store, user, password).await {
        Ok(Some((value, session))) => {
            let _ = s.store.audit(&session.user, session.role.as_str(), "login", "", "ok").await;
            let path = if s.base.is_empty() { "/" } else { s.base.as_str() };
            let mut res = redirect(&format!("{}/authorizers", s.base));
            if let Ok(v) = HeaderValue::from_str(&auth::set_cookie(&value, path, over_https(&h))) {
                res.headers_mut().insert(header::SET_COOKIE, v);
            }
            res
        }
        Ok(None) => {
            let _ = s.store.audit(user, "", "login", "", "refused: wrong user or token").await;
            html(StatusCode::UNAUTHORIZED, login_form(&s.base, Some("Wrong user or token.")))
        }
        Err(e) => store_error(&s, None, &e),
    }
}

async fn logout(State(s): S, h: HeaderMap, body: Bytes) -> Response {
    let who = match who(&s, &h, false).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    if !auth::csrf_ok(&who, form(&body).get("csrf").map(String::as_str)) {
        return refused(&s, &who, "logout", "", "missing or wrong CSRF token").await;
    }
    if let Some(c) = cookie(&h) {
        let _ = auth::logout(&s.store, &c).await;
    }
    let _ = s.store.audit(&who.user, who.role.as_str(), "logout", "", "ok").await;
    let path = if s.base.is_empty() { "/" } else { s.base.as_str() };
    let mut res = redirect(&format!("{}/login", s.base));
    if let Ok(v) = HeaderValue::from_str(&auth::clear_cookie(path, over_https(&h))) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

/// 403, written to the audit log.
async fn refused(s: &ConsoleState, who: &Session, action: &str, target: &str, why: &str) -> Response {
    let _ = s.store.audit(&who.user, who.role.as_str(), action, target, &format!("refused: {why}")).await;
    let body = format!("<p class=\"bad\">Refused: {}.</p><p><a href=\"{}/audit\">Audit log</a></p>", esc(why), esc(&s.base));
    html(StatusCode::FORBIDDEN, page(&s.base, "Refused", "", Some(who), &body))
}

/// Checks CSRF and role; the session when the action may go on.
async fn may_act(s: &ConsoleState, h: &HeaderMap, f: &HashMap<String, String>, action: &str, target: &str) -> Result<Session, Response> {
    let who = who(s, h, false).await?;
    if !auth::csrf_ok(&who, f.get("csrf").map(String::as_str)) {
        return Err(refused(s, &who, action, target, "missing or wrong CSRF token").await);
    }
    if who.role != Role::Operator {
        return Err(refused(s, &who, action, target, "viewers cannot act; log in as an operator").await);
    }
    Ok(who)
}

/// A page asking to confirm `what`, re-posting the form with confirm=yes.
fn confirm_page(s: &ConsoleState, who: &Session, action_url: &str, fields: &[(&str, &str)], what: &str) -> Response {
    let mut hidden = format!("<input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"confirm\" value=\"yes\">", esc(&who.csrf));
    for (k, v) in fields {
        hidden.push_str(&format!("<input type=\"hidden\" name=\"{}\" value=\"{}\">", esc(k), esc(v)));
    }
    let body = format!(
        "<p>{}</p><form method=\"post\" action=\"{}\">{hidden}<button id=\"confirm\">Confirm</button></form><p><a href=\"{}/rollouts\">Back</a></p>",
        esc(what),
        esc(action_url),
        esc(&s.base)
    );
    html(StatusCode::OK, page(&s.base, "Confirm", "", Some(who), &body))
}

async fn rollout_act(State(s): S, Path(id): Path<String>, h: HeaderMap, body: Bytes) -> Response {
    let f = form(&body);
    let name = f.get("action").map(String::as_str).unwrap_or_default();
    let target = format!("rollout {id}");
    let who = match may_act(&s, &h, &f, &format!("rollout.{name}"), &target).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let Some(action) = RolloutAction::parse(name) else {
        let body = format!("<p class=\"bad\">Unknown action {}: expected pause, resume, cancel, retry or rollback.</p>", esc(name));
        return html(StatusCode::BAD_REQUEST, page(&s.base, "Bad action", "rollouts", Some(&who), &body));
    };
    let url = format!("{}/rollouts/{}/act", s.base, super::html::q(&id));
    if f.get("confirm").map(String::as_str) != Some("yes") {
        return confirm_page(&s, &who, &url, &[("action", action.as_str())], &format!("{} rollout {id}?", action.label()));
    }
    let outcome = match s.board.act(&id, action).await {
        Ok(o) => format!("ok: {o}"),
        Err(e) => format!("failed: {e}"),
    };
    let _ = s.store.audit(&who.user, who.role.as_str(), &format!("rollout.{}", action.as_str()), &target, &outcome).await;
    redirect(&format!("{}/rollouts/{}?flash={}", s.base, super::html::q(&id), super::html::q(&outcome)))
}

/// Ends every console session but the caller's (after a token leaked, say).
async fn end_sessions(State(s): S, h: HeaderMap, body: Bytes) -> Response {
    let f = form(&body);
    let who = match may_act(&s, &h, &f, "sessions.end", "all other sessions").await {
        Ok(w) => w,
        Err(r) => return r,
    };
    if f.get("confirm").map(String::as_str) != Some("yes") {
        return confirm_page(&s, &who, &format!("{}/sessions/end", s.base), &[], "End every other console session?");
    }
    let mine = cookie(&h).map(|c| auth::sha256_hex(&c)).unwrap_or_default();
    let outcome = match s.store.end_console_sessions_except(&mine).await {
        Ok(n) => format!("ok: {n} ended"),
        Err(e) => format!("failed: {e}"),
    };
    let _ = s.store.audit(&who.user, who.role.as_str(), "sessions.end", "all other sessions", &outcome).await;
    redirect(&format!("{}/audit", s.base))
}
