//! A push or message body through the `<Encrypt>` envelope: parse, signature
//! check, decrypt (padding, length, appid), inner XML parse. Never panics;
//! what encrypt_envelope makes, decrypt_envelope opens to parse()'s answer;
//! decrypt(encrypt(x)) == x.
//!
//! Input: the first byte picks the mode; the rest is the body (mode 0), the
//! base64 ciphertext (mode 1) or the plaintext message (mode 2).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxthirdparty_fuzz::crypto::MsgCrypt;
use wxthirdparty_fuzz::message::{self, SignatureQuery};

// Tencent's official sample key, token and appid (tests/crypto_wechat.rs).
const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const TOKEN: &str = "spamtest";
const APPID: &str = "wx2c2769f8efd9abc2";

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let crypt = MsgCrypt::new(TOKEN, KEY, APPID).expect("the sample key is valid");
    let text = String::from_utf8_lossy(rest);
    match mode % 3 {
        0 => {
            let _ = message::decrypt_envelope(&crypt, &text, None);
            // No body passes a signature that is not its own.
            let q = SignatureQuery { timestamp: "1409735669".into(), nonce: "1320562132".into(), msg_signature: "0".repeat(40) };
            assert!(message::decrypt_envelope(&crypt, &text, Some(&q)).is_err(), "a zero msg_signature was accepted");
            let opts = message::ParseOptions::default();
            let map = message::decrypt_envelope_with(&crypt, &text, None, &opts);
            let json = message::decrypt_envelope_json(&crypt, &text, None, &opts);
            assert_eq!(map.is_ok(), json.is_ok(), "map and JSON paths disagree on {text:?}");
        }
        1 => {
            let _ = crypt.decrypt(&text);
            let _ = crypt.decrypt_unchecked(&text);
            let _ = message::verify_url(
                &crypt,
                &message::VerifyUrlQuery { echostr: text.clone().into_owned(), msg_signature: Some(crypt.signature("1", "2", &text)), timestamp: "1".into(), nonce: "2".into(), signature: None },
            );
        }
        _ => {
            let encrypted = crypt.encrypt(&text);
            let (back, id) = crypt.decrypt(&encrypted).expect("decrypt(encrypt(x)) fails");
            assert_eq!(back, text, "decrypt(encrypt(x)) != x");
            assert_eq!(id, APPID);
            let body = message::encrypt_envelope(&crypt, &text, "1409735669", "1320562132");
            let q = SignatureQuery {
                timestamp: "1409735669".into(),
                nonce: "1320562132".into(),
                msg_signature: crypt.signature("1409735669", "1320562132", &encrypted_of(&body)),
            };
            let opened = message::decrypt_envelope(&crypt, &body, Some(&q));
            match message::parse(&text) {
                Ok(direct) => assert_eq!(opened.expect("own envelope refused"), direct),
                Err(_) => assert!(opened.is_err(), "the envelope parsed what parse() refuses"),
            }
        }
    }
});

/// The base64 inside `<Encrypt><![CDATA[…]]></Encrypt>` of our own envelope.
fn encrypted_of(body: &str) -> String {
    let start = body.find("<Encrypt><![CDATA[").expect("envelope") + "<Encrypt><![CDATA[".len();
    let end = start + body[start..].find("]]>").expect("cdata end");
    body[start..end].to_owned()
}
