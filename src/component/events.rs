//! What the platform tells its host app: readiness changes, refresh failures,
//! authorization events. Delivered in order through one channel.

use tokio::sync::{mpsc, Mutex};

use crate::message::{FastRegisterPush, WxaEvent};

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Ready,
    NotReady,
    Outdated,
    DbError { message: String },
    RefreshFailed { token_kind: String, appid: String, code: Option<i64>, message: String },
    Ticket,
    Authorized { appid: String },
    UpdateAuthorized { appid: String },
    Unauthorized { appid: String },
    /// A reply sent through the API (release check, slow handler) failed.
    ReplyFailed { appid: String, openid: String, code: Option<i64>, message: String },
    /// A fast registration's result; `stored`: the new mini program is an authorizer now.
    FastRegister { push: FastRegisterPush, stored: bool },
    /// A mini-program event of the message URL (once fleet-wide).
    Wxa(WxaEvent),
    /// A push to the authorization-event URL of a kind not typed here (once fleet-wide).
    Push { info_type: String, appid: Option<String>, message: serde_json::Map<String, serde_json::Value> },
}

impl Event {
    pub fn name(&self) -> &'static str {
        match self {
            Event::Ready => "ready",
            Event::NotReady => "not_ready",
            Event::Outdated => "outdated",
            Event::DbError { .. } => "db_error",
            Event::RefreshFailed { .. } => "refresh_failed",
            Event::Ticket => "ticket",
            Event::Authorized { .. } => "authorized",
            Event::UpdateAuthorized { .. } => "updateauthorized",
            Event::Unauthorized { .. } => "unauthorized",
            Event::ReplyFailed { .. } => "reply_failed",
            Event::FastRegister { .. } => "fast_register",
            Event::Wxa(e) => e.name(),
            Event::Push { .. } => "push",
        }
    }

    /// The typed payload of a mini-program event, as the host app gets it.
    pub fn payload(&self) -> Option<serde_json::Value> {
        match self {
            Event::FastRegister { push, stored } => {
                let mut v = push.to_value();
                if let Some(o) = v.as_object_mut() {
                    o.insert("authorized".into(), serde_json::Value::Bool(*stored));
                }
                Some(v)
            }
            Event::Wxa(e) => Some(e.to_value()),
            Event::Push { info_type, appid, message } => {
                let create_time = message.get("CreateTime").and_then(|v| v.as_str()).and_then(|s| s.trim().parse::<i64>().ok());
                Some(serde_json::json!({ "infoType": info_type, "appid": appid, "createTime": create_time, "message": message }))
            }
            _ => None,
        }
    }
}

pub struct Events {
    tx: mpsc::UnboundedSender<Option<Event>>,
    rx: Mutex<mpsc::UnboundedReceiver<Option<Event>>>,
}

impl Events {
    pub fn new() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Events { tx, rx: Mutex::new(rx) }
    }
    pub fn emit(&self, e: Event) {
        let _ = self.tx.send(Some(e));
    }
    /// Ends every pending and future `next()` with None.
    pub fn end(&self) {
        let _ = self.tx.send(None);
    }
    pub async fn next(&self) -> Option<Event> {
        let mut rx = self.rx.lock().await;
        match rx.recv().await {
            Some(Some(e)) => Some(e),
            _ => {
                // Keep answering None after the end.
                let _ = self.tx.send(None);
                None
            }
        }
    }
}
