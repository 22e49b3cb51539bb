//! Mini-program events and fast-registration pushes, typed from parsed XML
//! (src/message/wxa_events.rs). Never panics; whatever the input, the typed
//! payload serializes, screenshots are non-empty media ids, an auth_code is
//! only kept for a successful push and never reaches the payload, and the
//! push's dedup key fits the ledger's column.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxthirdparty_fuzz::message::{self, FastRegisterPush, WxaEvent};

fuzz_target!(|data: &[u8]| {
    let xml = String::from_utf8_lossy(data);
    let Ok(m) = message::parse(&xml) else { return };
    if let Some(e) = WxaEvent::parse("wxfuzz", &m) {
        assert_eq!(e.appid(), "wxfuzz");
        let v = e.to_value();
        assert!(v.is_object(), "payload is not an object: {v}");
        if let WxaEvent::Audit(a) = &e {
            assert!(a.screenshots.iter().all(|s| !s.is_empty() && !s.contains('|')));
        }
    }
    if let Some(p) = FastRegisterPush::parse(&m) {
        let v = p.to_value();
        assert!(v.is_object());
        assert!(v.get("authCode").is_none() && v.get("auth_code").is_none(), "the auth_code reached the payload");
        assert!(p.auth_code.is_none() || p.status == 0, "an auth_code kept for a failed push");
        assert!(p.dedup_key().len() <= 191, "dedup key too long for wxtp_messages");
        assert!(["enterprise", "beta", "personal"].contains(&p.kind));
    }
});
