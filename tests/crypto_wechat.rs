//! WXBizMsgCrypt and WXBizDataCrypt: published vectors, round trips, and one
//! distinct error per failure.

use aes::cipher::{block_padding::NoPadding, BlockEncryptMut, KeyIvInit};
use base64::Engine;
use wxthirdparty::crypto::{sign, DataCrypt, MsgCrypt};
use wxthirdparty::message::{self, SignatureQuery, VerifyUrlQuery};
use wxthirdparty::Error;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

// Official sample (Tencent's WXBizMsgCrypt Sample.py, also in wegostudio/wego
// tests/crypto/tests.py). The key's last character has non-zero unused bits,
// so this also proves lenient key decoding.
mod official {
    pub const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    pub const TOKEN: &str = "spamtest";
    pub const APPID: &str = "wx2c2769f8efd9abc2";
    pub const TIMESTAMP: &str = "1409735669";
    pub const NONCE: &str = "1320562132";
    pub const MSG_SIGNATURE: &str = "5d197aaffba7e9b25a30732f161a50dee96bd5fa";
    pub const ENCRYPT: &str = "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=";
}

// wechatpy tests/test_crypto.py (WeChat Work crypto, same scheme).
mod wechatpy {
    pub const TOKEN: &str = "123456";
    pub const KEY: &str = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR";
    pub const CORP_ID: &str = "wx49f0ab532d5d035a";
    pub const ECHO_SIGNATURE: &str = "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96";
    pub const ECHO_TIMESTAMP: &str = "1411443780";
    pub const ECHO_NONCE: &str = "437374425";
    pub const ECHO_STR: &str = "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q==";
    pub const REPLY: &str = "<xml>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>\n<ToUserName><![CDATA[messense]]></ToUserName>\n<AgentID>1</AgentID>\n<CreateTime>1411525903</CreateTime>\n</xml>";
    pub const REPLY_PREFIX: &[u8; 16] = b"1234567890123456";
    pub const REPLY_ENCRYPT: &str = "9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3";
    pub const REPLY_SIGNATURE: &str = "407518b7649e86ef23978113f92d27afa9296533";
    pub const TIMESTAMP: &str = "1411525903";
    pub const NONCE: &str = "461056294";
    pub const IN_ENCRYPT: &str = "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0=";
    pub const IN_SIGNATURE: &str = "74d92dfeb87ba7c714f89d98870ae5eb62dff26d";
    // test_wxa_decrypt_message: the official mini-program demo data.
    pub const WXA_APPID: &str = "wx4f4bc4dec97d474b";
    pub const WXA_SESSION_KEY: &str = "tiihtNczf5v6AKRyjwEUhQ==";
    pub const WXA_IV: &str = "r7BXXKkLb8qrSNn05n0qiA==";
    pub const WXA_DATA: &str = concat!(
        "CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC",
        "+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2",
        "/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz",
        "/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E",
        "/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns",
        "/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUjCpoG",
        "20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew=="
    );
}

/// A key whose 32 bytes we know, so tests can encrypt raw plaintexts.
fn known_key() -> ([u8; 32], String) {
    let bytes: [u8; 32] = std::array::from_fn(|i| (i * 7 + 3) as u8);
    let b64 = base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes);
    assert_eq!(b64.len(), 43);
    (bytes, b64)
}

const APPID: &str = "wxa1b2c3d4e5f60718";

fn crypt() -> MsgCrypt {
    MsgCrypt::new("tok3n", &known_key().1, APPID).unwrap()
}

/// AES-256-CBC of an already block-aligned plaintext, bypassing MsgCrypt.
fn raw_encrypt(plain: &[u8]) -> String {
    assert_eq!(plain.len() % 16, 0);
    let (key, _) = known_key();
    let iv: [u8; 16] = key[..16].try_into().unwrap();
    let out = cbc::Encryptor::<aes::Aes256>::new(&key.into(), &iv.into()).encrypt_padded_vec_mut::<NoPadding>(plain);
    B64.encode(out)
}

/// random(16) + len + msg + appid, unpadded.
fn framed(msg: &[u8], len_field: u32, appid: &str) -> Vec<u8> {
    let mut p = vec![0x5a; 16];
    p.extend_from_slice(&len_field.to_be_bytes());
    p.extend_from_slice(msg);
    p.extend_from_slice(appid.as_bytes());
    p
}

fn pkcs7_32(mut p: Vec<u8>) -> Vec<u8> {
    let pad = 32 - p.len() % 32;
    p.extend(std::iter::repeat(pad as u8).take(pad));
    p
}

fn crypto_err(r: wxthirdparty::Result<(String, String)>) -> String {
    match r {
        Err(Error::Crypto(m)) => m,
        other => panic!("expected a crypto error, got {other:?}"),
    }
}

#[test]
fn official_sample_signature_and_decrypt() {
    let c = MsgCrypt::new(official::TOKEN, official::KEY, official::APPID).unwrap();
    assert_eq!(c.signature(official::TIMESTAMP, official::NONCE, official::ENCRYPT), official::MSG_SIGNATURE);
    assert!(c.verify_signature(official::MSG_SIGNATURE, official::TIMESTAMP, official::NONCE, official::ENCRYPT));
    let (xml, id) = c.decrypt(official::ENCRYPT).unwrap();
    assert_eq!(id, official::APPID);
    let msg = message::parse(&xml).unwrap();
    assert!(msg.contains_key("ToUserName") && msg.contains_key("MsgType"), "{msg:?}");
}

#[test]
fn wechatpy_encrypt_vector_is_reproduced_byte_for_byte() {
    let c = MsgCrypt::new(wechatpy::TOKEN, wechatpy::KEY, wechatpy::CORP_ID).unwrap();
    assert_eq!(c.encrypt_with_prefix(wechatpy::REPLY, wechatpy::REPLY_PREFIX), wechatpy::REPLY_ENCRYPT);
    assert_eq!(c.signature(wechatpy::TIMESTAMP, wechatpy::NONCE, wechatpy::REPLY_ENCRYPT), wechatpy::REPLY_SIGNATURE);
    let envelope = message::encrypt_envelope_with_prefix(&c, wechatpy::REPLY, wechatpy::TIMESTAMP, wechatpy::NONCE, wechatpy::REPLY_PREFIX);
    let fields = message::parse(&envelope).unwrap();
    assert_eq!(fields["Encrypt"], wechatpy::REPLY_ENCRYPT);
    assert_eq!(fields["MsgSignature"], wechatpy::REPLY_SIGNATURE);
    assert_eq!(fields["TimeStamp"], wechatpy::TIMESTAMP);
    assert_eq!(fields["Nonce"], wechatpy::NONCE);
}

#[test]
fn wechatpy_decrypt_vector() {
    let c = MsgCrypt::new(wechatpy::TOKEN, wechatpy::KEY, wechatpy::CORP_ID).unwrap();
    let body = format!(
        "<xml><ToUserName><![CDATA[{}]]></ToUserName>\n<Encrypt><![CDATA[{}]]></Encrypt>\n<AgentID><![CDATA[1]]></AgentID>\n</xml>",
        wechatpy::CORP_ID,
        wechatpy::IN_ENCRYPT
    );
    let q = SignatureQuery {
        timestamp: wechatpy::TIMESTAMP.into(),
        nonce: wechatpy::NONCE.into(),
        msg_signature: wechatpy::IN_SIGNATURE.into(),
    };
    let msg = message::decrypt_envelope(&c, &body, Some(&q)).unwrap();
    assert_eq!(msg["Content"], "test");
    assert_eq!(msg["FromUserName"], "messense");

    let bad = SignatureQuery { nonce: "461056295".into(), ..q };
    assert_eq!(message::decrypt_envelope(&c, &body, Some(&bad)), Err(Error::Crypto("msg_signature does not match".into())));
}

#[test]
fn wechatpy_url_verification_vector() {
    let c = MsgCrypt::new(wechatpy::TOKEN, wechatpy::KEY, wechatpy::CORP_ID).unwrap();
    let mut q = VerifyUrlQuery {
        timestamp: wechatpy::ECHO_TIMESTAMP.into(),
        nonce: wechatpy::ECHO_NONCE.into(),
        echostr: wechatpy::ECHO_STR.into(),
        msg_signature: Some(wechatpy::ECHO_SIGNATURE.into()),
        signature: None,
    };
    let echo = message::verify_url(&c, &q).unwrap();
    assert!(!echo.is_empty());
    q.nonce = "437374424".into(); // wechatpy's failing case
    assert_eq!(message::verify_url(&c, &q), Err(Error::Crypto("msg_signature does not match".into())));
}

#[test]
fn plain_url_verification() {
    let c = crypt();
    let sig = sign(&["tok3n", "1700000000", "n0nce"]);
    let q = VerifyUrlQuery {
        timestamp: "1700000000".into(),
        nonce: "n0nce".into(),
        echostr: "echo123".into(),
        signature: Some(sig.to_uppercase()), // hex case does not matter
        msg_signature: None,
    };
    assert_eq!(message::verify_url(&c, &q).unwrap(), "echo123");
    let wrong = VerifyUrlQuery { timestamp: "1700000001".into(), ..q.clone() };
    assert_eq!(message::verify_url(&c, &wrong), Err(Error::Crypto("signature does not match".into())));
    let none = VerifyUrlQuery { signature: None, ..q };
    assert!(matches!(message::verify_url(&c, &none), Err(Error::InvalidArgument { name: "query", .. })));
}

#[test]
fn sign_sorts_then_hashes() {
    // sha1("abc") is the FIPS 180 test vector; parts are sorted before joining.
    assert_eq!(sign(&["c", "a", "b"]), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

#[test]
fn round_trips_empty_one_byte_64k_and_multibyte() {
    let c = crypt();
    let big: String = (0..65536).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
    for msg in ["", "x", big.as_str(), "微信 第三方平台 🎉 ñ — <xml>&amp;</xml>"] {
        let enc = c.encrypt(msg);
        let (out, id) = c.decrypt(&enc).unwrap();
        assert_eq!(out, msg);
        assert_eq!(id, APPID);
        // 16 + 4 + msg + appid, padded to a multiple of 32 (a full block when aligned).
        let raw = 16 + 4 + msg.len() + APPID.len();
        assert_eq!(B64.decode(&enc).unwrap().len(), raw + (32 - raw % 32));
    }
    assert_ne!(c.encrypt("same"), c.encrypt("same"), "the random prefix must differ");
}

#[test]
fn each_decrypt_failure_has_its_own_message() {
    let c = crypt();
    let msg = b"<xml><A>1</A></xml>";
    let ok = pkcs7_32(framed(msg, msg.len() as u32, APPID));
    assert_eq!(c.decrypt(&raw_encrypt(&ok)).unwrap().0, "<xml><A>1</A></xml>");

    let mut zero_pad = ok.clone();
    *zero_pad.last_mut().unwrap() = 0;
    let mut big_pad = ok.clone();
    *big_pad.last_mut().unwrap() = 33;
    let mut mixed_pad = ok.clone();
    let n = mixed_pad.len();
    let pad = mixed_pad[n - 1] as usize;
    assert!(pad >= 2, "test setup needs at least two pad bytes");
    mixed_pad[n - pad] ^= 1;

    let cases: Vec<(Vec<u8>, &str)> = vec![
        (zero_pad, "bad padding"),
        (big_pad, "bad padding"),
        (mixed_pad, "bad padding"),
        (pkcs7_32(framed(msg, 4000, APPID)), "length field exceeds the decrypted data"),
        (pkcs7_32(vec![1u8; 10]), "decrypted data is too short"),
        (pkcs7_32(framed(&[0xff, 0xfe], 2, APPID)), "decrypted message is not valid UTF-8"),
    ];
    for (plain, want) in cases {
        let m = crypto_err(c.decrypt(&raw_encrypt(&plain)));
        assert!(m.starts_with(want), "{m:?} should start with {want:?}");
    }
    let other = pkcs7_32(framed(msg, msg.len() as u32, "wx0000000000000000"));
    assert_eq!(crypto_err(c.decrypt(&raw_encrypt(&other))), "decrypted message is for another appid");
    // decrypt_unchecked is wechat-crypto's shape: it reports the id instead.
    assert_eq!(c.decrypt_unchecked(&raw_encrypt(&other)).unwrap().1, "wx0000000000000000");

    assert_eq!(crypto_err(c.decrypt("not base64 !!")), "encrypted text is not valid base64");
    assert_eq!(crypto_err(c.decrypt("")), "encrypted text is empty");
    assert_eq!(
        crypto_err(c.decrypt(&B64.encode([0u8; 20]))),
        "encrypted text length is not a multiple of the AES block size"
    );
}

#[test]
fn a_wrong_key_is_caught_not_garbage() {
    let enc = crypt().encrypt("hello");
    let other = MsgCrypt::new("tok3n", official::KEY, APPID).unwrap();
    assert!(matches!(other.decrypt(&enc), Err(Error::Crypto(_))));
}

#[test]
fn constructor_rejects_bad_arguments_by_name() {
    let key = known_key().1;
    let name = |r: wxthirdparty::Result<MsgCrypt>| match r {
        Err(Error::InvalidArgument { name, .. }) => name,
        other => panic!("expected InvalidArgument, got {other:?}"),
    };
    assert_eq!(name(MsgCrypt::new("", &key, APPID)), "token");
    assert_eq!(name(MsgCrypt::new("t", &key, "")), "appid");
    assert_eq!(name(MsgCrypt::new("t", &key[..42], APPID)), "encodingAESKey");
    assert_eq!(name(MsgCrypt::new("t", &format!("{key}="), APPID)), "encodingAESKey");
    assert_eq!(name(MsgCrypt::new("t", &format!("{}!", &key[..42]), APPID)), "encodingAESKey");
    // Lenient: the unused low bits of the 43rd character may be set.
    assert!(MsgCrypt::new("t", official::KEY, APPID).is_ok());
}

#[test]
fn no_secret_in_errors_or_debug() {
    let (_, key) = known_key();
    let c = MsgCrypt::new("sup3rsecrettoken", &key, APPID).unwrap();
    let dbg = format!("{c:?}");
    assert!(!dbg.contains("sup3rsecrettoken") && !dbg.contains(&key[..20]), "{dbg}");
    let e = MsgCrypt::new("t", &format!("{}?", &key[..42]), APPID).unwrap_err().to_string();
    assert!(!e.contains(&key[..20]), "{e}");
    let other = pkcs7_32(framed(b"plaintext-secret", 16, "wxother"));
    let e = c.decrypt(&raw_encrypt(&other)).unwrap_err().to_string();
    assert!(!e.contains("plaintext-secret") && !e.contains("wxother"), "{e}");
}

#[test]
fn data_crypt_official_demo_vector() {
    let d = DataCrypt::new(wechatpy::WXA_APPID, wechatpy::WXA_SESSION_KEY).unwrap();
    let v = d.decrypt_data(wechatpy::WXA_DATA, wechatpy::WXA_IV).unwrap();
    assert_eq!(v["watermark"]["appid"], wechatpy::WXA_APPID);

    let other = DataCrypt::new("wx0000000000000000", wechatpy::WXA_SESSION_KEY).unwrap();
    assert_eq!(
        other.decrypt_data(wechatpy::WXA_DATA, wechatpy::WXA_IV),
        Err(Error::Crypto("watermark.appid does not match this appid".into()))
    );
}

fn aes128(key: &[u8; 16], iv: &[u8; 16], plain: &[u8]) -> String {
    use aes::cipher::block_padding::Pkcs7;
    B64.encode(cbc::Encryptor::<aes::Aes128>::new(key.into(), iv.into()).encrypt_padded_vec_mut::<Pkcs7>(plain))
}

#[test]
fn data_crypt_distinct_errors() {
    let key = [7u8; 16];
    let iv = [9u8; 16];
    let (k64, iv64) = (B64.encode(key), B64.encode(iv));
    let d = DataCrypt::new("wxappid", &k64).unwrap();
    let good = aes128(&key, &iv, br#"{"openId":"o1","watermark":{"appid":"wxappid","timestamp":1}}"#);
    assert_eq!(d.decrypt_data(&good, &iv64).unwrap()["openId"], "o1");

    let crypto = |r: wxthirdparty::Result<serde_json::Value>| match r {
        Err(Error::Crypto(m)) => m,
        other => panic!("expected crypto error, got {other:?}"),
    };
    let arg = |r: wxthirdparty::Result<serde_json::Value>| match r {
        Err(Error::InvalidArgument { name, reason }) => format!("{name}: {reason}"),
        other => panic!("expected argument error, got {other:?}"),
    };
    assert_eq!(crypto(d.decrypt_data("%%%", &iv64)), "encryptedData is not valid base64");
    assert!(crypto(d.decrypt_data(&B64.encode([1u8; 20]), &iv64)).starts_with("encryptedData length"));
    assert_eq!(arg(d.decrypt_data(&good, "%%")), "iv: is not valid base64");
    assert_eq!(arg(d.decrypt_data(&good, &B64.encode([1u8; 12]))), "iv: must decode to 16 bytes, got 12");
    let wrong_iv = B64.encode([8u8; 16]);
    // A wrong key flips the last block into noise: almost surely bad padding.
    let other = DataCrypt::new("wxappid", &B64.encode([6u8; 16])).unwrap();
    assert!(crypto(other.decrypt_data(&good, &iv64)).starts_with("bad padding"));
    // A wrong iv only garbles the first block: padding is fine, JSON is not.
    assert!(crypto(d.decrypt_data(&good, &wrong_iv)).starts_with("decrypted data is not valid JSON"));
    let no_mark = aes128(&key, &iv, br#"{"openId":"o1"}"#);
    assert_eq!(crypto(d.decrypt_data(&no_mark, &iv64)), "decrypted data has no watermark.appid");
    let array = aes128(&key, &iv, b"[1,2]");
    assert_eq!(crypto(d.decrypt_data(&array, &iv64)), "decrypted data is not a JSON object");

    assert!(matches!(DataCrypt::new("", &k64), Err(Error::InvalidArgument { name: "appid", .. })));
    assert!(matches!(DataCrypt::new("wx", "abc"), Err(Error::InvalidArgument { name: "sessionKey", .. })));
    assert!(matches!(DataCrypt::new("wx", &B64.encode([1u8; 24])), Err(Error::InvalidArgument { name: "sessionKey", .. })));
}
