//! napi adapter for the HTTP edge (src/http/): lib/http.js parses request
//! targets and answers failures through these, so lib/ maps no status itself.

use std::collections::HashMap;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use super::errors::{of_js_name, OrThrow};
use crate::http::{Answer, Refusal, RequestTarget, Subject};

#[napi(string_enum = "lowercase")]
pub enum HttpSubject {
    Push,
    Message,
}

#[napi(string_enum = "snake_case")]
pub enum HttpRefusal {
    TooLarge,
    MethodNotAllowed,
    MissingSignature,
}

/// A status and body to answer with; `rejected`: refused as bad or forged (a `*_rejected` event).
#[napi(object)]
pub struct HttpAnswer {
    pub status: u32,
    pub body: String,
    pub rejected: bool,
}

impl From<Answer> for HttpAnswer {
    fn from(a: Answer) -> Self {
        HttpAnswer { status: a.status as u32, body: a.body, rejected: a.rejected }
    }
}

fn core_subject(s: HttpSubject) -> Subject {
    match s {
        HttpSubject::Push => Subject::Push,
        HttpSubject::Message => Subject::Message,
    }
}

/// The query of a request target, percent-decoded (last value wins); a
/// malformed escape throws a ParseError.
#[napi]
pub fn request_query(env: &Env, url: String) -> Result<HashMap<String, String>> {
    Ok(RequestTarget::parse(&url).or_throw(env)?.query.into_iter().collect())
}

/// The answer to a request that failed with an error of class `errorName`
/// (the package's classes, `TypeError`; anything else is a 500).
#[napi]
pub fn http_error_answer(subject: HttpSubject, error_name: Option<String>) -> HttpAnswer {
    match error_name.as_deref().and_then(of_js_name) {
        Some(e) => Answer::of_error(&e, core_subject(subject)).into(),
        None => Answer::failure().into(),
    }
}

/// The answer to a request refused before any work.
#[napi]
pub fn http_refusal(subject: HttpSubject, refusal: HttpRefusal) -> HttpAnswer {
    let r = match refusal {
        HttpRefusal::TooLarge => Refusal::TooLarge,
        HttpRefusal::MethodNotAllowed => Refusal::MethodNotAllowed,
        HttpRefusal::MissingSignature => Refusal::MissingSignature,
    };
    Answer::refusal(r, core_subject(subject)).into()
}

/// The native servers' connection timeouts and cap (unset or 0: the default).
#[napi(object)]
#[derive(Default)]
pub struct ConnectionLimits {
    /// A request head must arrive within this (default 10,000).
    pub header_timeout_ms: Option<u32>,
    /// A kept-alive connection with nothing in progress is closed after this (default 5,000; at most headerTimeoutMs).
    pub idle_timeout_ms: Option<u32>,
    /// The longest pause inside a request body (default 10,000).
    pub body_timeout_ms: Option<u32>,
    /// Open connections at most; more wait to be accepted (default 1,024).
    pub max_connections: Option<u32>,
}

impl From<Option<ConnectionLimits>> for crate::http::Limits {
    fn from(l: Option<ConnectionLimits>) -> Self {
        let l = l.unwrap_or_default();
        crate::http::Limits::with_ms(l.header_timeout_ms, l.idle_timeout_ms, l.body_timeout_ms, l.max_connections)
    }
}
