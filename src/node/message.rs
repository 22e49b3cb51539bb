//! napi adapters for message parsing and replies: conversion only.

use napi_derive::napi;
use serde_json::{Map, Value};

use super::crypto::parse_options;
use super::IntoNapi;
use crate::message;

#[napi]
pub fn parse_message(xml: String, max_bytes: Option<u32>) -> napi::Result<Map<String, Value>> {
    message::parse_with(&xml, &parse_options(max_bytes)).napi()
}

#[napi]
pub fn build_reply(message: Map<String, Value>, reply: Value) -> napi::Result<String> {
    message::build_reply(&message, &reply).napi()
}

#[napi]
pub fn build_xml(fields: Map<String, Value>) -> String {
    message::to_xml(&fields)
}
