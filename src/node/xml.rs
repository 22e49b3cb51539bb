//! napi adapters for message parsing and replies: conversion only.

use napi_derive::napi;
use serde_json::{Map, Value};

use napi::{Env, JsString};

use super::crypto::{js_string, parse_options, to_js_string};
use super::errors::OrThrow;
use crate::message;

/// As JSON text, for JSON.parse on the JS side (see decrypt_message_json).
#[napi]
pub fn parse_message_json<'env>(env: &'env Env, xml: JsString, max_bytes: Option<u32>) -> napi::Result<JsString<'env>> {
    let json = message::parse_json(&js_string(env, xml)?, &parse_options(max_bytes)).or_throw(env)?;
    to_js_string(env, &json)
}

#[napi(ts_args_type = "message: Record<string, unknown>, reply: unknown")]
pub fn build_reply(env: &Env, message: Map<String, Value>, reply: Value) -> napi::Result<String> {
    message::build_reply(&message, &super::integral(reply)).or_throw(env)
}

#[napi(ts_args_type = "fields: Record<string, unknown>")]
pub fn build_xml(fields: Map<String, Value>) -> String {
    message::to_xml(&super::integral_map(fields))
}
