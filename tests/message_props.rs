//! Property tests: decrypt + parse never panic on arbitrary input, and
//! encrypt → decrypt / to_xml → parse are identities. Small case counts so
//! this runs in seconds in CI.

use proptest::prelude::*;
use serde_json::{Map, Value};
use wxthirdparty::crypto::MsgCrypt;
use wxthirdparty::message::{self, ParseOptions, SignatureQuery};

fn crypt() -> MsgCrypt {
    MsgCrypt::new("tok", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wxappid").unwrap()
}

fn config() -> ProptestConfig {
    ProptestConfig { cases: 1024, failure_persistence: None, ..ProptestConfig::default() }
}

// XML-ish soup: tags, CDATA, entities, DOCTYPEs and junk in random order.
fn xmlish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<xml>".to_string()),
        Just("</xml>".to_string()),
        Just("<A>".to_string()),
        Just("</A>".to_string()),
        Just("<B/>".to_string()),
        Just("<![CDATA[".to_string()),
        Just("]]>".to_string()),
        Just("&amp;".to_string()),
        Just("&#x0;".to_string()),
        Just("&bogus;".to_string()),
        Just("<!DOCTYPE x>".to_string()),
        Just("<?xml version=\"1.0\"?>".to_string()),
        Just("<!--".to_string()),
        Just("-->".to_string()),
        Just("<Encrypt>".to_string()),
        Just("</Encrypt>".to_string()),
        "[a-zA-Z0-9+/= <>&;\"'\u{4e2d}]{0,12}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn parse_never_panics(xml in xmlish()) {
        let _ = message::parse(&xml);
    }

    #[test]
    fn json_output_is_the_same_object(xml in xmlish()) {
        let opts = ParseOptions::default();
        match (message::parse(&xml), message::parse_json(&xml, &opts)) {
            (Ok(map), Ok(json)) => prop_assert_eq!(serde_json::from_str::<Value>(&json).unwrap(), Value::Object(map)),
            (Err(a), Err(b)) => prop_assert_eq!(a, b),
            (a, b) => prop_assert!(false, "parse {:?} but parse_json {:?}", a, b),
        }
    }

    #[test]
    fn decrypt_never_panics_on_garbage(text in "[A-Za-z0-9+/=]{0,200}") {
        let _ = crypt().decrypt(&text);
        let body = format!("<xml><Encrypt><![CDATA[{text}]]></Encrypt></xml>");
        let q = SignatureQuery { timestamp: "1".into(), nonce: "2".into(), msg_signature: "3".into() };
        let _ = message::decrypt_envelope(&crypt(), &body, Some(&q));
        let _ = message::decrypt_envelope(&crypt(), &body, None);
    }

    #[test]
    fn decrypt_of_tampered_ciphertext_errors_or_succeeds_without_panic(msg in ".{0,100}", flip in 0usize..400) {
        use base64::Engine;
        let c = crypt();
        let mut raw = base64::engine::general_purpose::STANDARD.decode(c.encrypt(&msg)).unwrap();
        let i = flip % raw.len();
        raw[i] ^= 0x41;
        let _ = c.decrypt(&base64::engine::general_purpose::STANDARD.encode(raw));
    }

    #[test]
    fn decrypt_parse_of_random_inner_xml(inner in xmlish()) {
        let c = crypt();
        let env = message::encrypt_envelope(&c, &inner, "1", "n");
        // Whatever the inner XML, the envelope opens and parsing answers without panicking.
        let direct = message::parse(&inner);
        let via = message::decrypt_envelope(&c, &env, None);
        prop_assert_eq!(direct, via);
    }

    #[test]
    fn encrypt_decrypt_round_trip(msg in any::<String>()) {
        let c = crypt();
        let (out, id) = c.decrypt(&c.encrypt(&msg)).unwrap();
        prop_assert_eq!(out, msg);
        prop_assert_eq!(id, "wxappid");
    }

    #[test]
    fn to_xml_then_parse_is_identity(fields in prop::collection::btree_map("[A-Za-z_][A-Za-z0-9_]{0,8}", any::<String>(), 0..8)) {
        // XML cannot carry most control characters; WeChat never sends them.
        let clean = |s: &String| s.chars().filter(|c| !c.is_control() || matches!(c, '\t' | '\n')).collect::<String>();
        let map: Map<String, Value> = fields.iter().map(|(k, v)| (k.clone(), Value::String(clean(v)))).collect();
        let xml = message::to_xml(&map);
        let back = message::parse(&xml).unwrap();
        prop_assert_eq!(&back, &map);
        let json = message::parse_json(&xml, &ParseOptions::default()).unwrap();
        prop_assert_eq!(serde_json::from_str::<Value>(&json).unwrap(), Value::Object(map));
    }
}
