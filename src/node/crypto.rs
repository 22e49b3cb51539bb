//! napi adapters for WXBizMsgCrypt and WXBizDataCrypt: argument conversion
//! and error mapping only. lib/crypto.js wraps these classes.

use napi_derive::napi;
use serde_json::{Map, Value};

use super::IntoNapi;
use crate::crypto::{random_nonce, DataCrypt, MsgCrypt};
use crate::message::{self, SignatureQuery, VerifyUrlQuery};

#[napi(object)]
pub struct DecryptedMessage {
    pub message: String,
    pub id: String,
}

#[napi]
pub struct NativeMsgCrypt {
    inner: MsgCrypt,
}

#[napi]
impl NativeMsgCrypt {
    #[napi(constructor)]
    pub fn new(token: String, encoding_aes_key: String, appid: String) -> napi::Result<Self> {
        MsgCrypt::new(&token, &encoding_aes_key, &appid).napi().map(|inner| NativeMsgCrypt { inner })
    }

    #[napi]
    pub fn get_signature(&self, timestamp: String, nonce: String, encrypt: String) -> String {
        self.inner.signature(&timestamp, &nonce, &encrypt)
    }

    #[napi]
    pub fn verify_signature(&self, signature: String, timestamp: String, nonce: String, encrypt: String) -> bool {
        self.inner.verify_signature(&signature, &timestamp, &nonce, &encrypt)
    }

    #[napi]
    pub fn encrypt(&self, text: String) -> String {
        self.inner.encrypt(&text)
    }

    #[napi]
    pub fn decrypt(&self, text: String) -> napi::Result<DecryptedMessage> {
        let (message, id) = self.inner.decrypt(&text).napi()?;
        Ok(DecryptedMessage { message, id })
    }

    /// One native call for the whole push: signature, decrypt, parse.
    #[napi]
    pub fn decrypt_message(
        &self,
        body: String,
        timestamp: Option<String>,
        nonce: Option<String>,
        msg_signature: Option<String>,
        max_bytes: Option<u32>,
    ) -> napi::Result<Map<String, Value>> {
        let query = SignatureQuery::from_parts(timestamp, nonce, msg_signature).napi()?;
        let options = parse_options(max_bytes);
        message::decrypt_envelope_with(&self.inner, &body, query.as_ref(), &options).napi()
    }

    #[napi]
    pub fn encrypt_message(&self, xml: String, timestamp: Option<String>, nonce: Option<String>) -> String {
        let timestamp = timestamp.unwrap_or_else(message::now_timestamp);
        let nonce = nonce.unwrap_or_else(random_nonce);
        message::encrypt_envelope(&self.inner, &xml, &timestamp, &nonce)
    }

    #[napi]
    pub fn verify_url(
        &self,
        timestamp: String,
        nonce: String,
        echostr: String,
        signature: Option<String>,
        msg_signature: Option<String>,
    ) -> napi::Result<String> {
        let query = VerifyUrlQuery { timestamp, nonce, echostr, signature, msg_signature };
        message::verify_url(&self.inner, &query).napi()
    }
}

#[napi]
pub struct NativeDataCrypt {
    inner: DataCrypt,
}

#[napi]
impl NativeDataCrypt {
    #[napi(constructor)]
    pub fn new(appid: String, session_key: String) -> napi::Result<Self> {
        DataCrypt::new(&appid, &session_key).napi().map(|inner| NativeDataCrypt { inner })
    }

    #[napi]
    pub fn decrypt_data(&self, encrypted_data: String, iv: String) -> napi::Result<Value> {
        self.inner.decrypt_data(&encrypted_data, &iv).napi()
    }
}

pub(crate) fn parse_options(max_bytes: Option<u32>) -> message::ParseOptions {
    match max_bytes {
        Some(n) => message::ParseOptions { max_bytes: n as usize },
        None => message::ParseOptions::default(),
    }
}
