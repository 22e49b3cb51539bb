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
