//! The official-account API table: every endpoint's template filled from
//! arbitrary JSON arguments (src/api/endpoints build_request). Never panics;
//! a missing required argument is refused naming it.
//!
//! Input: first byte picks the endpoint; the rest is a JSON array of the
//! positional arguments (anything else becomes one string argument).
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use wxthirdparty_fuzz::api::endpoints;
use wxthirdparty_fuzz::Error;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let all: Vec<_> = endpoints::all().collect();
    let ep = all[pick as usize % all.len()];
    let values = match serde_json::from_slice::<Value>(rest) {
        Ok(Value::Array(items)) => items,
        Ok(other) => vec![other],
        Err(_) => vec![Value::String(String::from_utf8_lossy(rest).into_owned())],
    };
    match endpoints::build_request(ep, &values, "wxappid") {
        Ok(built) => {
            assert!(built.path.starts_with('/'), "{}: path {}", ep.name, built.path);
            for (k, _) in &built.query {
                assert!(!k.is_empty(), "{}: empty query key", ep.name);
            }
        }
        Err(Error::InvalidArgument { name, reason }) => assert!(!name.is_empty() && !reason.is_empty()),
        Err(_) => {}
    }
});
