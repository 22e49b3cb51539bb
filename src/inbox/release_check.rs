//! WeChat's release check (全网发布接入检测): its test accounts send three
//! cases to the message URL and expect fixed answers. Answered here, before
//! the user's handler, so every platform passes without writing code for it.

use serde_json::{Map, Value};

use super::platform::Platform;
use crate::error::Result;

/// WeChat's test official account and test mini program.
pub const TEST_APPIDS: [&str; 2] = ["wx570bc396a51b8ff8", "wxd101a85aa106f53e"];

const TEXT_CASE: &str = "TESTCOMPONENT_MSG_TYPE_TEXT";
const AUTH_CODE_PREFIX: &str = "QUERY_AUTH_CODE:";

pub fn is_test_account(appid: &str) -> bool {
    TEST_APPIDS.contains(&appid)
}

pub(super) enum ReleaseAnswer {
    Reply(Value),
    /// An empty body now; the real answer goes out through the API once
    /// `code` is exchanged (`reply_through_api`).
    Empty { code: String },
}

/// The answer to a release-check case, or None when the message is not one.
pub(super) fn answer(m: &Map<String, Value>) -> Option<ReleaseAnswer> {
    let get = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("");
    match get("MsgType") {
        "event" => Some(ReleaseAnswer::Reply(Value::String(format!("{}from_callback", get("Event"))))),
        "text" if get("Content") == TEXT_CASE => Some(ReleaseAnswer::Reply(Value::String(format!("{TEXT_CASE}_callback")))),
        "text" => {
            let code = get("Content").strip_prefix(AUTH_CODE_PREFIX)?.trim().to_owned();
            Some(ReleaseAnswer::Empty { code })
        }
        _ => None,
    }
}

/// The third case's real answer: api_query_auth with `code`, then
/// `{code}_from_api` to `openid` as a custom-service message.
pub(super) async fn reply_through_api(platform: &dyn Platform, code: &str, openid: &str) -> Result<()> {
    let appid = platform.handle_auth_code(code).await?;
    let text = Value::String(format!("{code}_from_api"));
    platform.client(&appid).call("sendText", &[Value::String(openid.to_owned()), text]).await.map(drop)
}
