//! Follows the store's change feed: every process sees another's token
//! refresh, compare-and-expire, authorization or revocation within one poll
//! (FEED_POLL), and keeps its authorizer cache and token cells current.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use super::{Component, Event};
use crate::model::{now_ms, TokenKind};
use crate::store::{changes, AuthorizerRecord, Change};
use crate::token::TokenCell;

/// How often each process reads the feed (idle cost: one indexed query each).
pub const FEED_POLL: Duration = Duration::from_millis(250);
/// The cache answers only while the feed was read this recently.
const FEED_FRESH_MS: i64 = 1_000;
/// Changes are kept this long, then pruned by the refresher.
const KEEP_MS: i64 = 10 * 60 * 1000;
const PRUNE_EVERY: Duration = Duration::from_secs(60);
/// Ids are assigned at insert but become visible at commit, possibly out of
/// order: each poll looks this many ids back and skips the ones applied.
const LOOKBACK: i64 = 64;

/// Authorizer records by appid and wx_token, valid while the feed is read.
#[derive(Default)]
pub struct AuthorizerCache {
    inner: Mutex<CacheInner>,
    /// When the feed was last read successfully (ms); 0 = never.
    fed_at_ms: std::sync::atomic::AtomicI64,
}

#[derive(Default)]
struct CacheInner {
    /// Each record with the sequence number it was cached under: callers
    /// that keep a derived copy (the JS object) reuse it while it matches.
    by_appid: HashMap<String, (u64, AuthorizerRecord)>,
    by_wx_token: HashMap<String, String>,
    /// Bumped on every invalidation: a record read before one is not cached.
    epoch: u64,
    seq: u64,
}

impl AuthorizerCache {
    fn live(&self) -> bool {
        now_ms() - self.fed_at_ms.load(Ordering::Relaxed) < FEED_FRESH_MS
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheInner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A cached record by wx_token or appid, when the feed is current.
    pub fn get(&self, appid_or_wx_token: &str) -> Option<AuthorizerRecord> {
        self.get_seq(appid_or_wx_token).map(|(_, r)| r)
    }

    /// A cached record and its sequence number (changes whenever the record does).
    pub fn get_seq(&self, appid_or_wx_token: &str) -> Option<(u64, AuthorizerRecord)> {
        self.with(appid_or_wx_token, |seq, r| (seq, r.clone()))
    }

    /// Runs `f` on a cached record without copying it, when the feed is current.
    pub fn with<T>(&self, appid_or_wx_token: &str, f: impl FnOnce(u64, &AuthorizerRecord) -> T) -> Option<T> {
        if !self.live() {
            return None;
        }
        let c = self.lock();
        let appid = c.by_wx_token.get(appid_or_wx_token).map(String::as_str).unwrap_or(appid_or_wx_token);
        c.by_appid.get(appid).map(|(seq, r)| f(*seq, r))
    }

    /// The epoch to pass to `put` for a record about to be read from the store.
    pub fn epoch(&self) -> u64 {
        self.lock().epoch
    }

    /// Caches `rec` unless something was invalidated since `epoch`.
    pub fn put(&self, epoch: u64, rec: &AuthorizerRecord) {
        let mut c = self.lock();
        if c.epoch != epoch || !self.live() {
            return;
        }
        if !rec.wx_token.is_empty() {
            c.by_wx_token.insert(rec.wx_token.clone(), rec.appid.clone());
        }
        c.seq += 1;
        let seq = c.seq;
        c.by_appid.insert(rec.appid.clone(), (seq, rec.clone()));
    }

    pub fn forget(&self, appid: &str) {
        let mut c = self.lock();
        c.epoch += 1;
        if let Some((_, rec)) = c.by_appid.remove(appid) {
            c.by_wx_token.remove(&rec.wx_token);
        }
    }

    fn clear(&self) {
        let mut c = self.lock();
        c.epoch += 1;
        c.by_appid.clear();
        c.by_wx_token.clear();
    }
}

/// The feed loop; ends with the component.
pub(super) async fn follow(c: Weak<Component>) {
    let mut cursor: Option<i64> = None;
    let mut applied: HashSet<i64> = HashSet::new();
    let mut last_prune = Instant::now();
    let mut reported = false;
    loop {
        let Some(comp) = c.upgrade() else { return };
        if comp.closed.load(Ordering::SeqCst) {
            return;
        }
        match poll(&comp, &mut cursor, &mut applied).await {
            Ok(()) => {
                reported = false;
                let was = comp.authorizers.fed_at_ms.swap(now_ms(), Ordering::Relaxed);
                if now_ms() - was >= FEED_FRESH_MS {
                    // Changes may have been missed while the feed was unread.
                    comp.authorizers.clear();
                }
            }
            Err(e) if !reported => {
                reported = true;
                comp.emit(Event::DbError { message: e.to_string() });
            }
            Err(_) => {}
        }
        if !comp.cfg.is_cluster && last_prune.elapsed() >= PRUNE_EVERY {
            last_prune = Instant::now();
            let _ = comp.store.prune_changes(KEEP_MS).await;
            let _ = comp.store.prune_expired(TokenKind::AuthorizationCode).await;
        }
        drop(comp);
        tokio::time::sleep(FEED_POLL).await;
    }
}

async fn poll(c: &Arc<Component>, cursor: &mut Option<i64>, applied: &mut HashSet<i64>) -> crate::Result<()> {
    let Some(from) = *cursor else {
        *cursor = Some(c.store.last_change_id().await?);
        return Ok(());
    };
    let list = c.store.changes_since(&c.cfg.appid, (from - LOOKBACK).max(0), 1000).await?;
    for ch in &list {
        if applied.insert(ch.id) {
            apply(c, ch).await;
        }
    }
    let top = list.iter().map(|ch| ch.id).max().unwrap_or(from).max(from);
    applied.retain(|id| *id > top - LOOKBACK);
    *cursor = Some(top);
    Ok(())
}

async fn apply(c: &Arc<Component>, ch: &Change) {
    if ch.kind == changes::AUTHORIZER {
        c.authorizers.forget(&ch.appid);
        return;
    }
    let Some(kind) = TokenKind::parse(&ch.kind) else { return };
    let cell: Option<Arc<TokenCell>> = match kind {
        TokenKind::ComponentVerifyTicket => Some(c.ticket.clone()),
        TokenKind::ComponentAccessToken => Some(c.access_token.clone()),
        TokenKind::PreAuthCode => Some(c.pre_auth_code.clone()),
        _ => c.cells.lock().unwrap().get(&(kind, ch.appid.clone())).cloned(),
    };
    if let Some(cell) = cell {
        // Store errors surface through the cell's own events.
        let _ = cell.latest().await;
        // A compare-and-expire elsewhere: the refresher acts now, not at its due time.
        c.wake.notify_waiters();
    }
}
