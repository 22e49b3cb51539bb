//! WXBizDataCrypt: mini-program user data (`encryptedData` + `iv` from
//! `wx.getUserProfile` / `getPhoneNumber`), AES-128-CBC with the user's
//! `session_key`, PKCS#7, JSON inside carrying `watermark.appid`.

use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut, KeyIvInit};
use base64::engine::{general_purpose::GeneralPurpose, DecodePaddingMode, GeneralPurposeConfig};
use base64::{alphabet, Engine};
use serde_json::Value;

use crate::error::{Error, Result};

type Dec = cbc::Decryptor<aes::Aes128>;

/// session_key, iv and encryptedData come through app code and query strings
/// that sometimes drop the `=` padding; accept either form.
const B64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

#[derive(Clone)]
pub struct DataCrypt {
    appid: String,
    session_key: [u8; 16],
}

impl std::fmt::Debug for DataCrypt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the session key.
        f.debug_struct("DataCrypt").field("appid", &self.appid).finish_non_exhaustive()
    }
}

impl DataCrypt {
    /// `session_key` is the base64 string from `jscode2session` (16 bytes).
    pub fn new(appid: &str, session_key: &str) -> Result<Self> {
        if appid.is_empty() {
            return Err(Error::invalid("appid", "must be a non-empty string"));
        }
        let session_key = decode16("sessionKey", session_key)?;
        Ok(DataCrypt { appid: appid.to_owned(), session_key })
    }

    pub fn appid(&self) -> &str {
        &self.appid
    }

    /// Decrypts `encrypted_data` (base64) with `iv` (base64, 16 bytes) and
    /// returns the JSON object after checking `watermark.appid`.
    pub fn decrypt_data(&self, encrypted_data: &str, iv: &str) -> Result<Value> {
        let text = self.decrypt_json(encrypted_data, iv)?;
        serde_json::from_str(&text).map_err(|_| Error::Crypto("decrypted data is not valid JSON: wrong sessionKey or iv".into()))
    }

    /// `decrypt_data` as the JSON text WeChat encrypted, `watermark.appid`
    /// checked: Node parses text faster than napi builds an object.
    pub fn decrypt_json(&self, encrypted_data: &str, iv: &str) -> Result<String> {
        let plain = self.decrypt_raw(encrypted_data, iv)?;
        let text = String::from_utf8(plain).map_err(|_| Error::Crypto("decrypted data is not UTF-8: wrong sessionKey or iv".into()))?;
        // Only the watermark is read; the rest is skipped without building values.
        #[derive(serde::Deserialize)]
        struct Outer {
            watermark: Option<Value>,
        }
        let not_json = || Error::Crypto("decrypted data is not valid JSON: wrong sessionKey or iv".into());
        // serde would read a struct from an array too: only an object is one.
        if !text.trim_start().starts_with('{') {
            return Err(match serde_json::from_str::<serde::de::IgnoredAny>(&text) {
                Ok(_) => Error::Crypto("decrypted data is not a JSON object".into()),
                Err(_) => not_json(),
            });
        }
        let outer: Outer = serde_json::from_str(&text).map_err(|_| not_json())?;
        let appid = outer
            .watermark
            .as_ref()
            .and_then(|w| w.get("appid"))
            .and_then(Value::as_str)
            .ok_or_else(|| Error::Crypto("decrypted data has no watermark.appid".into()))?;
        if appid != self.appid {
            return Err(Error::Crypto("watermark.appid does not match this appid".into()));
        }
        Ok(text)
    }

    /// AES-128-CBC decryption and PKCS#7 check only (no JSON, no watermark).
    pub fn decrypt_raw(&self, encrypted_data: &str, iv: &str) -> Result<Vec<u8>> {
        let iv = decode16("iv", iv)?;
        let mut buf = B64
            .decode(encrypted_data.trim())
            .map_err(|_| Error::Crypto("encryptedData is not valid base64".into()))?;
        if buf.is_empty() || buf.len() % 16 != 0 {
            return Err(Error::Crypto("encryptedData length is not a multiple of the AES block size (16)".into()));
        }
        let len = Dec::new(&self.session_key.into(), &iv.into())
            .decrypt_padded_mut::<Pkcs7>(&mut buf)
            .map_err(|_| Error::Crypto("bad padding: wrong sessionKey or iv, or corrupted encryptedData".into()))?
            .len();
        buf.truncate(len);
        Ok(buf)
    }
}

fn decode16(name: &'static str, b64: &str) -> Result<[u8; 16]> {
    let bytes = B64.decode(b64.trim()).map_err(|_| Error::invalid(name, "is not valid base64"))?;
    let n = bytes.len();
    bytes
        .try_into()
        .map_err(|_| Error::invalid(name, format!("must decode to 16 bytes, got {n}")))
}
