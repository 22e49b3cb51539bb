//! WeChat's release check (全网发布接入检测): its test accounts send three
//! cases to the message URL and expect fixed answers. Answered here, before
//! the user's handler, so every platform passes without writing code for it.

use std::sync::Arc;

use serde_json::{Map, Value};
use tokio::runtime::Handle;

use super::platform::{Platform, ReplyFailed};

/// WeChat's test official account and test mini program.
pub const TEST_APPIDS: [&str; 2] = ["wx570bc396a51b8ff8", "wxd101a85aa106f53e"];

const TEXT_CASE: &str = "TESTCOMPONENT_MSG_TYPE_TEXT";
const AUTH_CODE_PREFIX: &str = "QUERY_AUTH_CODE:";

pub fn is_test_account(appid: &str) -> bool {
    TEST_APPIDS.contains(&appid)
}

pub(super) enum ReleaseAnswer {
    Reply(Value),
    /// An empty body now; the real answer goes out through the API.
    Empty,
}

/// The answer to a release-check case, or None when the message is not one.
/// `openid` sent it to the test account `authorizer`; the API's answer
/// goes out on `runtime`.
pub(super) fn answer(platform: Option<&Arc<dyn Platform>>, runtime: &Handle, m: &Map<String, Value>, openid: &str, authorizer: &str) -> Option<ReleaseAnswer> {
    let get = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("");
    match get("MsgType") {
        "event" => Some(ReleaseAnswer::Reply(Value::String(format!("{}from_callback", get("Event"))))),
        "text" if get("Content") == TEXT_CASE => Some(ReleaseAnswer::Reply(Value::String(format!("{TEXT_CASE}_callback")))),
        "text" => {
            let code = get("Content").strip_prefix(AUTH_CODE_PREFIX)?.trim().to_owned();
            let platform = platform?.clone();
            let (openid, authorizer) = (openid.to_owned(), authorizer.to_owned());
            // Answered at once; api_query_auth and the custom-service message follow.
            runtime.spawn(async move {
                let sent = async {
                    let appid = platform.handle_auth_code(&code).await?;
                    let text = Value::String(format!("{code}_from_api"));
                    platform.client(&appid).call("sendText", &[Value::String(openid.clone()), text]).await
                }
                .await;
                if let Err(e) = sent {
                    platform.reply_failed(ReplyFailed::new(&authorizer, &openid, &e, e.to_string()));
                }
            });
            Some(ReleaseAnswer::Empty)
        }
        _ => None,
    }
}
