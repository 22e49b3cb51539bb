//! The token service's request parsing (src/service/request.rs): method,
//! path, query and body → the call or the refusal. Never panics; a token
//! call names a non-empty appid without a slash; refusals carry a message
//! and a 4xx status.
//!
//! Input: method 0xFF path 0xFF query 0xFF body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxthirdparty_fuzz::service::request::{parse, Call};

fuzz_target!(|data: &[u8]| {
    let p = wxthirdparty_fuzz::split(data, 4);
    let query = (!p[2].is_empty()).then_some(p[2].as_str());
    // The legacy GET form on for odd-length inputs: both parsers are fuzzed.
    let legacy = data.len() % 2 == 1;
    let call = parse(&p[0], &p[1], query, p[3].as_bytes(), legacy);
    match call {
        Ok(Call::TokenGet { appid } | Call::TicketGet { appid }) => {
            assert!(!appid.trim().is_empty(), "empty appid from {:?}", p[1]);
        }
        Ok(Call::TokenRefresh { appid, rejected }) => {
            assert!(!appid.trim().is_empty(), "empty appid from {:?}", p[1]);
            assert!(!rejected.is_empty());
        }
        Ok(_) => {}
        Err(r) => {
            assert!((400..500).contains(&r.status), "status {}", r.status);
            assert!(!r.errmsg.is_empty());
        }
    }
});
