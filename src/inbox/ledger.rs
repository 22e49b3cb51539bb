//! The message ledger: which deliveries this process and the fleet have seen.
//!
//! WeChat retries a message only after 5 s without an answer. A delivery
//! whose CreateTime is younger than the fresh window (3 s by default) is
//! therefore a first delivery: it is claimed in this process's memory and
//! its claim written to the store behind, a few ms later, in batches — no
//! database round trip in its path. A delivery older than that may be a
//! retry that landed here while the first went elsewhere: it is claimed in
//! the store first (batched too), and finds the other process's claim (it
//! waits for the reply) or reply. Replies are recorded behind the answer.
//! The window is honest only while this host's clock is near WeChat's:
//! messages that look "from the future" widen the margin (see `Freshness`).

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot, Notify, Semaphore};

use crate::crypto::random_nonce;
use crate::error::{Error, Result};
use crate::model::now_ms;
use crate::store::{Claim, ClaimRequest, Store};

const MAX_BATCH: usize = 256;
/// Rows per write batch (the store splits it into statements of a few fixed sizes).
const WRITE_BATCH: usize = 1024;
const IN_FLIGHT: usize = 4;
const SWEEP_EVERY: Duration = Duration::from_secs(30);
/// Writes wait this long for more: a reply a moment behind its claim makes
/// one row, and a busy URL makes few, large statements (WeChat's retries
/// come 5 s later, so a few ms of write-behind keeps them deduplicated).
const COALESCE: Duration = Duration::from_millis(20);
/// Deliveries remembered in memory (WeChat's 3 tries fall within ~15 s).
const LOCAL_KEEP: Duration = Duration::from_secs(30);
const LOCAL_MAX: usize = 100_000;
/// CreateTimes further ahead of this clock than this are not believed.
const MAX_AHEAD_MS: i64 = 60_000;

type Waiter<T> = oneshot::Sender<Result<T>>;

/// A reply that could not be recorded: (scope, openid, error).
pub(crate) type OnWriteFailure = Arc<dyn Fn(&str, &str, &Error) + Send + Sync>;

/// A delivery being handled in this process: a retry here waits on it.
#[derive(Default)]
pub(crate) struct Slot {
    reply: OnceLock<String>,
    done: Notify,
}

impl Slot {
    /// The reply, waiting up to `wait` for it.
    pub async fn reply(&self, wait: Duration) -> Option<String> {
        let until = tokio::time::Instant::now() + wait;
        loop {
            let notified = self.done.notified();
            if let Some(r) = self.reply.get() {
                return Some(r.clone());
            }
            if tokio::time::timeout_at(until, notified).await.is_err() {
                return self.reply.get().cloned();
            }
        }
    }
}

/// What this process knows of a delivery without asking the store.
pub(crate) enum Seen {
    /// Claimed now, in memory: run the handler.
    First,
    Replied(String),
    Pending(Arc<Slot>),
}

struct Write {
    scope: String,
    key: String,
    owner: String,
    /// None: the claim; Some: the reply ("" = `success`).
    reply: Option<String>,
    openid: String,
}

#[derive(Default)]
struct Local {
    slots: HashMap<u128, Arc<Slot>>,
    order: VecDeque<(Instant, u128)>,
}

/// Is a delivery younger than the fresh window, by WeChat's CreateTime?
struct Freshness {
    window_ms: i64,
    /// How far ahead of this clock CreateTimes have been seen (ms): WeChat's
    /// clock, or ours lagging. Added to every age, so a lagging clock makes
    /// more deliveries go through the store, never fewer.
    ahead: Mutex<Ahead>,
}

/// The largest lead seen in this bucket and the one before: a lead is
/// remembered 1–2 buckets (≥ 5 min), far longer than the 5 s after which a
/// retry of the delivery that showed it comes, and a one-off odd CreateTime
/// does not send every later delivery through the store for good.
#[derive(Default)]
struct Ahead {
    bucket_start_ms: i64,
    current: i64,
    previous: i64,
}

const AHEAD_BUCKET_MS: i64 = 5 * 60_000;

impl Freshness {
    fn new(window_ms: i64) -> Freshness {
        Freshness { window_ms, ahead: Mutex::new(Ahead::default()) }
    }

    fn is_fresh(&self, create_time: Option<i64>) -> bool {
        self.is_fresh_at(create_time, now_ms())
    }

    fn is_fresh_at(&self, create_time: Option<i64>, now: i64) -> bool {
        let Some(ct) = create_time.filter(|_| self.window_ms > 0) else { return false };
        let age = now - ct * 1000;
        if -age > MAX_AHEAD_MS {
            return false;
        }
        // CreateTime is in whole seconds: up to 1 s "ahead" is truncation.
        let ahead = (-age - 1000).max(0);
        let seen = {
            let mut a = self.ahead.lock().unwrap_or_else(|p| p.into_inner());
            let elapsed = now - a.bucket_start_ms;
            if elapsed >= AHEAD_BUCKET_MS {
                a.previous = if elapsed >= 2 * AHEAD_BUCKET_MS { 0 } else { a.current };
                a.current = 0;
                a.bucket_start_ms = now;
            }
            a.current = a.current.max(ahead);
            a.current.max(a.previous)
        };
        age + seen < self.window_ms
    }
}

pub(crate) struct Ledger {
    store: Store,
    local: Mutex<Local>,
    fresh: Freshness,
    claims: mpsc::UnboundedSender<(ClaimRequest, Waiter<Claim>)>,
    writes: mpsc::UnboundedSender<Write>,
    lease_ms: i64,
}

impl Ledger {
    /// Starts the claim and write tasks on `runtime`; they end with the ledger.
    /// `lease_ms`: how long a claim holds before another delivery may take it
    /// over; `ttl_ms`: how long a reply is kept; `fresh_ms`: the fresh window.
    pub fn new(store: Store, lease_ms: i64, ttl_ms: i64, fresh_ms: i64, on_failure: OnWriteFailure, runtime: &tokio::runtime::Handle) -> Ledger {
        let (claims, mut claim_rx) = mpsc::unbounded_channel::<(ClaimRequest, Waiter<Claim>)>();
        let (writes, mut write_rx) = mpsc::unbounded_channel::<Write>();
        let s = store.clone();
        runtime.spawn(async move {
            // A few batches in flight: a message waits for one commit, not for the batch before it too.
            let slots = Arc::new(Semaphore::new(IN_FLIGHT));
            loop {
                let Ok(slot) = slots.clone().acquire_owned().await else { return };
                let Some(batch) = next_batch(&mut claim_rx).await else { return };
                let s = s.clone();
                tokio::spawn(async move {
                    let (reqs, waiters): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
                    match s.claim_messages(&reqs, lease_ms).await {
                        Ok(out) => waiters.into_iter().zip(out).for_each(|(w, c)| drop(w.send(Ok(c)))),
                        Err(e) => waiters.into_iter().for_each(|w| drop(w.send(Err(e.clone())))),
                    }
                    drop(slot);
                });
            }
        });
        let s = store.clone();
        runtime.spawn(async move {
            let mut swept = Instant::now();
            let slots = Arc::new(Semaphore::new(IN_FLIGHT));
            loop {
                // One round per COALESCE window: asleep on a timer, not on
                // the channel, so queuing a write wakes no thread.
                let Some(first) = write_rx.recv().await else { return };
                tokio::time::sleep(COALESCE).await;
                let mut all = vec![first];
                while let Ok(w) = write_rx.try_recv() {
                    all.push(w);
                }
                if swept.elapsed() > SWEEP_EVERY {
                    swept = Instant::now();
                    let _ = s.sweep_messages().await;
                }
                // Coalesced over the whole window (a claim and its reply make
                // one row), then written in a few large statements.
                let (claims, replies) = coalesce(all);
                for batch in batches(claims, replies) {
                    let Ok(slot) = slots.clone().acquire_owned().await else { return };
                    let (s, on_failure) = (s.clone(), on_failure.clone());
                    tokio::spawn(async move {
                        write(&s, batch, lease_ms, ttl_ms, &on_failure).await;
                        drop(slot);
                    });
                }
            }
        });
        Ledger {
            store,
            local: Mutex::new(Local::default()),
            fresh: Freshness::new(fresh_ms),
            claims,
            writes,
            lease_ms,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Local> {
        self.local.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// From memory: a delivery seen here, or a fresh one claimed now (its
    /// claim recorded behind). None: ask the store (`claim`).
    pub fn claim_now(&self, scope: &str, key: &str, create_time: Option<i64>) -> Option<Seen> {
        let h = hash(scope, key);
        let mut local = self.lock();
        if let Some(slot) = local.slots.get(&h) {
            return Some(match slot.reply.get() {
                Some(r) => Seen::Replied(r.clone()),
                None => Seen::Pending(slot.clone()),
            });
        }
        if !self.fresh.is_fresh(create_time) {
            return None;
        }
        local.insert(h);
        drop(local);
        let _ = self.writes.send(Write { scope: scope.to_owned(), key: key.to_owned(), owner: random_nonce(), reply: None, openid: String::new() });
        Some(Seen::First)
    }

    /// Claims in the store (a delivery that may be a retry from elsewhere).
    pub async fn claim(&self, scope: &str, key: &str) -> Result<Claim> {
        let (tx, rx) = oneshot::channel();
        let req = ClaimRequest { scope: scope.to_owned(), key: key.to_owned(), owner: random_nonce() };
        self.claims.send((req, tx)).map_err(|_| closed())?;
        let claim = rx.await.map_err(|_| closed())??;
        if claim == Claim::First {
            self.lock().insert(hash(scope, key));
        }
        Ok(claim)
    }

    /// Remembers the reply and records it behind (a failed write is reported
    /// through `on_failure`; the claim then stays pending until its lease ends).
    pub fn record(&self, scope: &str, key: &str, reply: String, openid: &str) {
        if let Some(slot) = self.lock().slots.get(&hash(scope, key)).cloned() {
            let _ = slot.reply.set(reply.clone());
            slot.done.notify_waiters();
        }
        let _ = self.writes.send(Write { scope: scope.to_owned(), key: key.to_owned(), owner: String::new(), reply: Some(reply), openid: openid.to_owned() });
    }

    pub async fn state(&self, scope: &str, key: &str) -> Result<Claim> {
        self.store.message_state(scope, key).await
    }

    /// Takes over a claim pending past its lease (its process died); true when won.
    pub async fn take_over(&self, scope: &str, key: &str) -> Result<bool> {
        let won = self.store.take_over_message(scope, key, &random_nonce(), self.lease_ms).await?;
        if won {
            self.lock().insert(hash(scope, key));
        }
        Ok(won)
    }
}

impl Local {
    fn insert(&mut self, h: u128) {
        let now = Instant::now();
        while let Some((at, old)) = self.order.front().copied() {
            if now.duration_since(at) < LOCAL_KEEP && self.order.len() < LOCAL_MAX {
                break;
            }
            self.order.pop_front();
            self.slots.remove(&old);
        }
        self.slots.insert(h, Arc::new(Slot::default()));
        self.order.push_back((now, h));
    }
}

/// A window's writes, one per key: its reply when there is one (the reply
/// row implies the claim), else its claim. Returns (claims, replies).
fn coalesce(window: Vec<Write>) -> (Vec<Write>, Vec<Write>) {
    let mut by_key: HashMap<(String, String), Write> = HashMap::with_capacity(window.len());
    for w in window {
        match by_key.entry((w.scope.clone(), w.key.clone())) {
            std::collections::hash_map::Entry::Occupied(mut prev) => {
                if w.reply.is_some() {
                    *prev.get_mut() = w;
                }
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(w);
            }
        }
    }
    by_key.into_values().partition(|w| w.reply.is_none())
}

/// Claims and replies in batches of at most WRITE_BATCH rows each.
fn batches(claims: Vec<Write>, replies: Vec<Write>) -> Vec<Vec<Write>> {
    let mut out = Vec::new();
    for kind in [claims, replies] {
        let mut rest = kind.into_iter().peekable();
        while rest.peek().is_some() {
            out.push(rest.by_ref().take(WRITE_BATCH).collect());
        }
    }
    out
}

/// One batch of one kind (all claims or all replies).
async fn write(store: &Store, batch: Vec<Write>, lease_ms: i64, ttl_ms: i64, on_failure: &OnWriteFailure) {
    if batch.first().is_some_and(|w| w.reply.is_none()) {
        let reqs: Vec<ClaimRequest> = batch.into_iter().map(|w| ClaimRequest { scope: w.scope, key: w.key, owner: w.owner }).collect();
        // A lost claim costs fleet-wide dedup of that message only; its reply follows.
        let _ = store.record_claims(&reqs, lease_ms).await;
        return;
    }
    let done: Vec<(String, String, String)> = batch.iter().map(|w| (w.scope.clone(), w.key.clone(), w.reply.clone().unwrap_or_default())).collect();
    if let Err(e) = store.finish_messages(&done, ttl_ms).await {
        for w in &batch {
            on_failure(&w.scope, &w.openid, &e);
        }
    }
}

fn hash(scope: &str, key: &str) -> u128 {
    let half = |salt: u8| {
        let mut h = DefaultHasher::new();
        (salt, scope, key).hash(&mut h);
        h.finish() as u128
    };
    (half(1) << 64) | half(2)
}

/// Waits for one item, then takes whatever else is queued (up to MAX_BATCH).
async fn next_batch<T>(rx: &mut mpsc::UnboundedReceiver<T>) -> Option<Vec<T>> {
    let first = rx.recv().await?;
    let mut batch = vec![first];
    while batch.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(x) => batch.push(x),
            Err(_) => break,
        }
    }
    Some(batch)
}

fn closed() -> Error {
    Error::NotReady("the message ledger is closed".into())
}

#[cfg(test)]
mod tests {
    use super::{Freshness, AHEAD_BUCKET_MS};

    const T0: i64 = 1_800_000_000_000;

    #[test]
    fn a_delivery_is_fresh_while_younger_than_the_window() {
        let f = Freshness::new(3000);
        assert!(f.is_fresh_at(Some(T0 / 1000), T0 + 500));
        assert!(f.is_fresh_at(Some(T0 / 1000), T0 + 2900));
        assert!(!f.is_fresh_at(Some(T0 / 1000), T0 + 3000), "a possible retry goes through the store");
        assert!(!f.is_fresh_at(None, T0), "no CreateTime: through the store");
        assert!(!Freshness::new(0).is_fresh_at(Some(T0 / 1000), T0), "window 0: every delivery through the store");
    }

    #[test]
    fn a_clock_behind_wechats_widens_the_margin_then_forgets_it() {
        let f = Freshness::new(3000);
        let at = |t: i64| t / 1000; // the CreateTime WeChat stamps at instant t
        // A delivery stamped 10 s ahead of this clock: this clock lags by ~10 s.
        assert!(f.is_fresh_at(Some(at(T0) + 10), T0));
        // A retry of another delivery, 5 s old by WeChat's clock, looks 5 s
        // ahead here; the 9-s lead seen keeps it out of the fresh window.
        assert!(!f.is_fresh_at(Some(at(T0) + 10 - 5), T0 + 1000));
        let t1 = T0 + AHEAD_BUCKET_MS + 1000;
        assert!(!f.is_fresh_at(Some(at(t1) + 5), t1), "the lead is remembered into the next bucket");
        let t2 = t1 + 2 * AHEAD_BUCKET_MS;
        assert!(f.is_fresh_at(Some(at(t2) - 1), t2), "two buckets on, with no lead seen meanwhile, it is forgotten");
    }

    #[test]
    fn a_createtime_far_in_the_future_is_not_believed() {
        let f = Freshness::new(3000);
        assert!(!f.is_fresh_at(Some(T0 / 1000 + 120), T0));
        assert!(f.is_fresh_at(Some(T0 / 1000), T0 + 100), "and it widened nothing");
    }
}
