//! WeChat's XML: inbound pushes, events and messages (plain or in the
//! `<Encrypt>` envelope), passive replies, and server URL verification.

mod envelope;
mod freshness;
mod parse;
mod reply;
mod wxa_events;

pub use envelope::{decrypt_envelope, decrypt_envelope_json, decrypt_envelope_with, encrypt_envelope, encrypt_envelope_with_prefix, verify_url, SignatureQuery, VerifyUrlQuery};
pub use freshness::{check_timestamp, DEFAULT_TIMESTAMP_WINDOW_SECS};
pub use parse::{parse, parse_json, parse_with, ParseOptions, DEFAULT_MAX_BYTES, MAX_DEPTH};
pub use reply::{build_reply, build_reply_at, cdata, escape_text, to_xml};
pub use wxa_events::{split_media_ids, AuditEvent, FastRegisterPush, WxaEvent, FAST_REGISTER_INFO_TYPES};

/// Seconds since the Unix epoch (WeChat's CreateTime / TimeStamp unit).
/// The wall clock, not `model::now_ms`: WeChat stamps with real time, and a
/// test moving the token clock must not age every signed message with it.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `now_secs()` as the string WeChat puts in `timestamp` / `<TimeStamp>`.
pub fn now_timestamp() -> String {
    now_secs().to_string()
}
