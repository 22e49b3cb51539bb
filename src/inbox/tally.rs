//! Message counts of this process (deliveries, handler failures,
//! `reply_failed`, deduplicated retries) per authorizer per minute, kept in
//! memory and added to the store every few seconds in one batch: a message
//! costs a map update, never a write of its own. Counts a flush could not
//! write are kept for the next one (up to a day's); a process killed loses
//! at most its last interval's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::runtime::Handle;

use crate::model::now_ms;
use crate::store::message_minutes::{MessageCounts, MinuteCounts, MINUTE_MS};
use crate::store::Store;

/// How often counts go to the store.
pub const FLUSH_EVERY: Duration = Duration::from_secs(2);
/// Counts older than this are dropped when the store stays unreachable.
const KEEP_MS: i64 = 24 * 3_600_000;

/// What happened to a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Count {
    /// Claimed first fleet-wide and handed on (or answered by the release check).
    Delivery,
    /// The handler threw or rejected.
    HandlerFailure,
    /// A reply could not be recorded for retries, or sent through the API.
    ReplyFailed,
    /// A retry WeChat sent for a message already claimed: answered from the ledger.
    Retry,
}

impl Count {
    pub fn parse(s: &str) -> Option<Count> {
        match s {
            "delivery" => Some(Count::Delivery),
            "handler_failure" => Some(Count::HandlerFailure),
            "reply_failed" => Some(Count::ReplyFailed),
            "retry" => Some(Count::Retry),
            _ => None,
        }
    }
}

pub struct Tally {
    component_appid: String,
    store: Store,
    counts: Mutex<HashMap<(String, i64), MessageCounts>>,
    /// One flush at a time (the timer's and close's).
    flushing: tokio::sync::Mutex<()>,
}

impl Tally {
    /// A tally for the platform `component_appid` ("" for an account's own
    /// server), flushed every `FLUSH_EVERY` on `runtime` while it lives.
    pub fn start(store: Store, component_appid: &str, runtime: &Handle) -> Arc<Tally> {
        let t = Arc::new(Tally { component_appid: component_appid.to_owned(), store, counts: Mutex::new(HashMap::new()), flushing: tokio::sync::Mutex::new(()) });
        let weak: Weak<Tally> = Arc::downgrade(&t);
        runtime.spawn(async move {
            loop {
                tokio::time::sleep(FLUSH_EVERY).await;
                let Some(t) = weak.upgrade() else { break };
                if t.store.is_closed() {
                    break;
                }
                t.flush().await;
            }
        });
        t
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<(String, i64), MessageCounts>> {
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn add(&self, appid: &str, what: Count) {
        let minute = now_ms() / MINUTE_MS * MINUTE_MS;
        let mut m = self.map();
        let c = m.entry((appid.to_owned(), minute)).or_default();
        match what {
            Count::Delivery => c.deliveries += 1,
            Count::HandlerFailure => c.handler_failures += 1,
            Count::ReplyFailed => c.reply_failed += 1,
            Count::Retry => c.retries += 1,
        }
    }

    /// Adds what was counted to the store; on failure it is kept for the next flush.
    pub async fn flush(&self) {
        let _one = self.flushing.lock().await;
        let taken: Vec<MinuteCounts> = std::mem::take(&mut *self.map())
            .into_iter()
            .filter(|(_, c)| !c.is_zero())
            .map(|((appid, minute), counts)| MinuteCounts { component_appid: self.component_appid.clone(), appid, minute, counts })
            .collect();
        if taken.is_empty() || self.store.add_message_counts(&taken).await.is_ok() {
            return;
        }
        let oldest = now_ms() - KEEP_MS;
        let mut m = self.map();
        for r in taken.into_iter().filter(|r| r.minute >= oldest) {
            m.entry((r.appid, r.minute)).or_default().add(&r.counts);
        }
    }
}
