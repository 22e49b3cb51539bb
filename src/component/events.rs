//! What the platform tells its host app: readiness changes, refresh failures,
//! authorization events. Delivered in order through one channel.

use tokio::sync::{mpsc, Mutex};

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
