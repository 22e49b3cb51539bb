//! napi adapters for WXBizMsgCrypt and WXBizDataCrypt: argument conversion
//! and error mapping only. lib/crypto.js wraps them in classes.
//!
//! WXBizMsgCrypt crosses as an External handle passed to module functions:
//! napi-rs class methods pay ~150 ns per call for receiver checks, which is
//! most of a 300-byte decrypt.

use napi::bindgen_prelude::External;
use napi::{Env, JsString, JsValue};
use napi_derive::napi;

use super::errors::OrThrow;
use crate::crypto::{random_nonce, DataCrypt, MsgCrypt};
use crate::message::{self, SignatureQuery, VerifyUrlQuery};

#[napi]
pub fn msg_crypt_new(env: &Env, token: String, encoding_aes_key: String, appid: String) -> napi::Result<External<MsgCrypt>> {
    MsgCrypt::new(&token, &encoding_aes_key, &appid).or_throw(env).map(External::new)
}

#[napi]
pub fn msg_crypt_signature(
    env: &Env,
    crypt: &External<MsgCrypt>,
    timestamp: String,
    nonce: String,
    encrypt: JsString,
) -> napi::Result<String> {
    Ok(crypt.signature(&timestamp, &nonce, &js_string(env, encrypt)?))
}

#[napi]
pub fn msg_crypt_verify_signature(
    env: &Env,
    crypt: &External<MsgCrypt>,
    signature: String,
    timestamp: String,
    nonce: String,
    encrypt: JsString,
) -> napi::Result<bool> {
    Ok(crypt.verify_signature(&signature, &timestamp, &nonce, &js_string(env, encrypt)?))
}

#[napi]
pub fn msg_crypt_encrypt<'env>(env: &'env Env, crypt: &External<MsgCrypt>, text: JsString) -> napi::Result<JsString<'env>> {
    to_js_string(env, &crypt.encrypt(&js_string(env, text)?))
}

/// The message only: the id is always the appid (checked), so JS builds
/// `{message, id}` itself, cheaper than a native object.
#[napi]
pub fn msg_crypt_decrypt<'env>(env: &'env Env, crypt: &External<MsgCrypt>, text: JsString) -> napi::Result<JsString<'env>> {
    let (message, _) = crypt.decrypt(&js_string(env, text)?).or_throw(env)?;
    to_js_string(env, &message)
}

/// One native call for the whole push: signature, decrypt, parse. The object
/// crosses as JSON text: V8's JSON.parse builds it several times faster than
/// napi does property by property.
#[napi]
pub fn msg_crypt_decrypt_message_json<'env>(
    env: &'env Env,
    crypt: &External<MsgCrypt>,
    body: JsString,
    timestamp: Option<String>,
    nonce: Option<String>,
    msg_signature: Option<String>,
    max_bytes: Option<u32>,
) -> napi::Result<JsString<'env>> {
    let query = SignatureQuery::from_parts(timestamp, nonce, msg_signature).or_throw(env)?;
    let body = js_string(env, body)?;
    let json = message::decrypt_envelope_json(crypt, &body, query.as_ref(), &parse_options(max_bytes)).or_throw(env)?;
    to_js_string(env, &json)
}

#[napi]
pub fn msg_crypt_encrypt_message(
    crypt: &External<MsgCrypt>,
    xml: String,
    timestamp: Option<String>,
    nonce: Option<String>,
) -> String {
    let timestamp = timestamp.unwrap_or_else(message::now_timestamp);
    let nonce = nonce.unwrap_or_else(random_nonce);
    message::encrypt_envelope(crypt, &xml, &timestamp, &nonce)
}

#[napi]
pub fn msg_crypt_verify_url(
    env: &Env,
    crypt: &External<MsgCrypt>,
    timestamp: String,
    nonce: String,
    echostr: String,
    signature: Option<String>,
    msg_signature: Option<String>,
) -> napi::Result<String> {
    let query = VerifyUrlQuery { timestamp, nonce, echostr, signature, msg_signature };
    message::verify_url(crypt, &query).or_throw(env)
}

/// WXBizDataCrypt's key (session key decoded, appid kept), as an External
/// handle like MsgCrypt's.
#[napi]
pub fn data_crypt_new(env: &Env, appid: String, session_key: String) -> napi::Result<External<DataCrypt>> {
    DataCrypt::new(&appid, &session_key).or_throw(env).map(External::new)
}

/// The decrypted JSON text (watermark checked); lib/crypto.js parses it.
#[napi]
pub fn data_crypt_decrypt_json(env: &Env, crypt: &External<DataCrypt>, encrypted_data: String, iv: String) -> napi::Result<String> {
    crypt.decrypt_json(&encrypted_data, &iv).or_throw(env)
}

pub(crate) fn parse_options(max_bytes: Option<u32>) -> message::ParseOptions {
    match max_bytes {
        Some(n) => message::ParseOptions { max_bytes: n as usize },
        None => message::ParseOptions::default(),
    }
}

/// JS string → String in one pass. napi-rs's `String` makes V8 walk the
/// string twice (UTF-8 length, then write), which dominated 4 KB decrypts;
/// the UTF-16 length is O(1) and bounds the UTF-8 size (≤ 3 bytes a unit).
pub(crate) fn js_string(env: &Env, s: JsString) -> napi::Result<String> {
    let units = s.latin1_len()?; // O(1): napi answers Length() for a null buffer
    let cap = units * 3 + 1;
    let mut buf: Vec<u8> = Vec::with_capacity(cap);
    let mut written = 0usize;
    // SAFETY: `buf` has `cap` writable bytes; napi writes at most `cap - 1`
    // bytes plus a NUL and reports how many it wrote (without the NUL).
    let status = unsafe {
        napi::sys::napi_get_value_string_utf8(env.raw(), s.raw(), buf.as_mut_ptr().cast(), cap, &mut written)
    };
    if status != napi::sys::Status::napi_ok {
        return Err(napi::Error::new(napi::Status::StringExpected, "expected a string"));
    }
    // SAFETY: napi initialised `written` bytes (written < cap).
    unsafe { buf.set_len(written.min(cap - 1)) };
    String::from_utf8(buf).map_err(|_| napi::Error::new(napi::Status::InvalidArg, "string is not valid UTF-8"))
}

/// String → JS string; ASCII goes through the Latin-1 constructor (a plain
/// copy) instead of V8's UTF-8 decoder.
pub(crate) fn to_js_string<'env>(env: &'env Env, s: &str) -> napi::Result<JsString<'env>> {
    if s.is_ascii() {
        env.create_string_latin1(s.as_bytes())
    } else {
        env.create_string(s)
    }
}
