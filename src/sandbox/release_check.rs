//! WeChat's release check (全网发布接入检测), played against a platform's
//! message URL: both test accounts authorize the platform, send an event, a
//! text case and an auth code, and each answer is checked as WeChat does.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::component::authorize;
use super::config::AuthorizeOptions;
use super::message_log::MessageDelivery;
use super::messages::{send_message, SendOptions};
use super::state::Shared;
use crate::inbox::TEST_APPIDS;
use crate::error::Result;

/// How long the custom-service message of the auth-code case may take.
const API_REPLY_WAIT: Duration = Duration::from_secs(10);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReleaseCase {
    pub authorizer_appid: String,
    /// "event", "text" or "query_auth_code".
    pub case: String,
    pub passed: bool,
    /// Why it failed (None when passed).
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReleaseReport {
    pub component_appid: String,
    pub passed: bool,
    pub cases: Vec<ReleaseCase>,
}

pub(crate) async fn run(shared: &Shared, component_appid: &str) -> Result<ReleaseReport> {
    let mut cases = Vec::new();
    for appid in TEST_APPIDS {
        let auth = authorize(shared, component_appid, AuthorizeOptions { appid: Some(appid.to_owned()), ..Default::default() }).await?;
        let opts = SendOptions { component_appid: Some(component_appid.to_owned()), timeout_secs: None };
        let send = |fields: Value| {
            let Value::Object(m) = fields else { unreachable!("literal objects") };
            send_message(shared, appid, m, &opts)
        };
        let mut case = |name: &str, verdict: std::result::Result<(), String>| {
            cases.push(ReleaseCase { authorizer_appid: appid.to_owned(), case: name.to_owned(), passed: verdict.is_ok(), reason: verdict.err() });
        };

        let d = send(json!({"MsgType": "event", "Event": "LOCATION", "Latitude": "23.137466", "Longitude": "113.352425", "Precision": "119.385040"})).await?;
        case("event", expect_text(&d, "LOCATIONfrom_callback"));

        let d = send(json!({"MsgType": "text", "Content": "TESTCOMPONENT_MSG_TYPE_TEXT"})).await?;
        case("text", expect_text(&d, "TESTCOMPONENT_MSG_TYPE_TEXT_callback"));

        let started_ms = shared.lock().now_ms();
        let d = send(json!({"MsgType": "text", "Content": format!("QUERY_AUTH_CODE:{}", auth.auth_code)})).await?;
        let verdict = match expect_empty(&d) {
            Ok(()) => wait_for_api_reply(shared, appid, &d, &format!("{}_from_api", auth.auth_code), started_ms).await,
            e => e,
        };
        case("query_auth_code", verdict);
    }
    let passed = cases.iter().all(|c| c.passed);
    Ok(ReleaseReport { component_appid: component_appid.to_owned(), passed, cases })
}

fn answered(d: &MessageDelivery) -> std::result::Result<(), String> {
    if d.attempts.len() > 1 {
        return Err(format!("no answer within the deadline ({} tries)", d.attempts.len()));
    }
    match &d.error {
        Some(e) => Err(e.clone()),
        None => Ok(()),
    }
}

fn expect_text(d: &MessageDelivery, want: &str) -> std::result::Result<(), String> {
    answered(d)?;
    let Some(reply) = &d.reply else { return Err(format!("expected a text reply {want:?}, got {:?}", d.response)) };
    let get = |m: &Map<String, Value>, k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    if get(reply, "MsgType") != "text" || get(reply, "Content") != want {
        return Err(format!("expected text {want:?}, got {} {:?}", get(reply, "MsgType"), get(reply, "Content")));
    }
    if get(reply, "ToUserName") != get(&d.message, "FromUserName") || get(reply, "FromUserName") != get(&d.message, "ToUserName") {
        return Err("the reply's ToUserName / FromUserName are not the message's swapped".into());
    }
    Ok(())
}

fn expect_empty(d: &MessageDelivery) -> std::result::Result<(), String> {
    answered(d)?;
    if d.reply.is_some() {
        return Err(format!("expected an empty answer, got a passive reply {:?}", d.reply));
    }
    Ok(())
}

/// The custom-service text `<code>_from_api` to the sender, sent with the test account's token.
async fn wait_for_api_reply(shared: &Shared, appid: &str, d: &MessageDelivery, want: &str, since_ms: u64) -> std::result::Result<(), String> {
    let openid = d.message.get("FromUserName").and_then(Value::as_str).unwrap_or_default();
    let deadline = Instant::now() + API_REPLY_WAIT;
    loop {
        let found = {
            let st = shared.lock();
            st.recorded.iter().any(|c| {
                c.path == "/cgi-bin/message/custom/send"
                    && c.at >= since_ms
                    && c.appid.as_deref() == Some(appid)
                    && c.body.get("touser").and_then(Value::as_str) == Some(openid)
                    && c.body.pointer("/text/content").and_then(Value::as_str) == Some(want)
            })
        };
        if found {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!("no custom-service text {want:?} to {openid} with {appid}'s token within {}s", API_REPLY_WAIT.as_secs()));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
