//! Mini-program user data (WXBizDataCrypt): session_key, iv and
//! encryptedData as they arrive from app code. Never panics; with a valid
//! key and iv, decrypt_raw(encrypt(x)) == x and decrypt_data returns the
//! object when its watermark.appid is ours.
//!
//! Input: sessionKey 0xFF iv 0xFF encryptedData (mode byte first: 0 = as
//! given, 1 = the rest is a plaintext to round-trip).
#![no_main]

use aes::cipher::{block_padding::Pkcs7, BlockEncryptMut, KeyIvInit};
use base64::Engine;
use libfuzzer_sys::fuzz_target;
use wxthirdparty_fuzz::crypto::DataCrypt;

const APPID: &str = "wx4f4bc4dec97d474b";
const SESSION_KEY: &str = "tiihtNczf5v6AKRyjwEUhQ==";
const IV: &str = "r7BXXKkLb8qrSNn05n0qiA==";

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    if mode % 2 == 0 {
        let parts = wxthirdparty_fuzz::split(rest, 3);
        if let Ok(d) = DataCrypt::new(APPID, &parts[0]) {
            let _ = d.decrypt_data(&parts[2], &parts[1]);
        }
        let d = DataCrypt::new(APPID, SESSION_KEY).expect("sample key");
        let _ = d.decrypt_data(&parts[2], IV);
        let _ = d.decrypt_raw(&parts[2], &parts[1]);
        return;
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    let key: [u8; 16] = b64.decode(SESSION_KEY).unwrap().try_into().unwrap();
    let iv: [u8; 16] = b64.decode(IV).unwrap().try_into().unwrap();
    let enc = |plain: &[u8]| b64.encode(cbc::Encryptor::<aes::Aes128>::new(&key.into(), &iv.into()).encrypt_padded_vec_mut::<Pkcs7>(plain));
    let d = DataCrypt::new(APPID, SESSION_KEY).unwrap();
    assert_eq!(d.decrypt_raw(&enc(rest), IV).expect("own ciphertext refused"), rest, "decrypt(encrypt(x)) != x");
    // The same bytes as a JSON object's field, watermarked for us.
    let obj = serde_json::json!({ "x": String::from_utf8_lossy(rest), "watermark": { "appid": APPID } });
    let v = d.decrypt_data(&enc(obj.to_string().as_bytes()), IV).expect("own object refused");
    assert_eq!(v, obj);
});
