//! One token cell: memory cache → store → upstream, with single-flight inside
//! the process and a store lease across the fleet, so exactly one upstream
//! refresh happens per token lifetime however many processes share the store.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::backoff::{backoff, poll_interval};
use super::options::{CellEvent, CellOptions, Role};
use super::Fetch;
use crate::error::{Error, Result};
use crate::model::{now_ms, Token, TokenKey};
use crate::store::Store;

/// Store errors are reported at most this often while the store stays down.
const STORE_REPORT_EVERY_MS: i64 = 5_000;

pub struct TokenCell {
    me: std::sync::Weak<TokenCell>,
    key: TokenKey,
    store: Option<Store>,
    fetcher: Arc<dyn Fetch>,
    opts: CellOptions,
    state: Mutex<State>,
    /// Single-flight: one task per process talks to the store / upstream.
    flight: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct State {
    token: Option<Token>,
    /// Fetched while the store was down: written as soon as it is back
    /// (a rotated refresh token must not live only here).
    unsaved: bool,
    failures: u32,
    retry_at_ms: i64,
    last_sync_ms: i64,
    store_failing: bool,
    last_store_report_ms: i64,
    background: bool,
    last_background_ms: i64,
    /// This process met WeChat's rejection of this value: it may refresh
    /// under the lease even as a Reader (the refresher may trust its memory
    /// copy until its normal refresh time, or be gone).
    rejected: Option<String>,
}

/// Where a refresh attempt ended.
enum Outcome {
    /// A token this call fetched upstream.
    Fetched(Token),
    /// A fresh token found in memory or the store (another task or process
    /// refreshed), or a still-valid one while another process refreshes.
    Found(Token),
    /// Another process holds the lease and nothing valid is at hand.
    Busy,
}

impl TokenCell {
    pub fn new(key: TokenKey, store: Option<Store>, fetcher: Arc<dyn Fetch>, opts: CellOptions) -> Arc<TokenCell> {
        Arc::new_cyclic(|me| TokenCell {
            me: me.clone(),
            key,
            store,
            fetcher,
            opts,
            state: Mutex::new(State::default()),
            flight: tokio::sync::Mutex::new(()),
        })
    }

    pub fn key(&self) -> &TokenKey {
        &self.key
    }

    pub fn options(&self) -> &CellOptions {
        &self.opts
    }

    fn st(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn cached(&self) -> Option<Token> {
        self.st().token.clone()
    }

    /// The memory copy while it is valid; no store read, no refresh.
    pub fn cached_valid(&self) -> Option<Token> {
        let now = now_ms();
        self.cached_if(|t| t.is_valid_at(now))
    }

    fn fresh(&self, t: &Token, now: i64) -> bool {
        t.is_fresh_at(now, self.opts.refresh_ahead_ratio)
    }

    /// The memory copy, if `ok` accepts it.
    fn cached_if(&self, ok: impl Fn(&Token) -> bool) -> Option<Token> {
        let st = self.st();
        st.token.as_ref().filter(|t| ok(t)).cloned()
    }

    /// Takes the stored token when it is newer than ours, or the same token
    /// expired by someone else's compare-and-expire.
    fn merge(&self, stored: Option<Token>) {
        let Some(s) = stored else { return };
        let mut st = self.st();
        let take = match &st.token {
            None => true,
            Some(c) => s.updated_at_ms > c.updated_at_ms || (s.value == c.value && s.expires_at_ms < c.expires_at_ms),
        };
        if take {
            if st.rejected.as_deref() != Some(s.value.as_str()) {
                st.rejected = None;
            }
            st.token = Some(s);
            st.unsaved = false;
        }
    }

    /// The memory copy while fresh (not yet due): never waits.
    pub fn fresh_now(&self) -> Option<Token> {
        self.fresh_with(Token::clone)
    }

    /// `f` of the memory copy while fresh, without copying the token.
    pub fn fresh_with<T>(&self, f: impl FnOnce(&Token) -> T) -> Option<T> {
        let now = now_ms();
        let st = self.st();
        st.token.as_ref().filter(|t| self.fresh(t, now)).map(f)
    }

    /// A usable token: memory, then the store, then upstream (single-flight,
    /// fleet lease). A Reader never calls upstream unless `failover`.
    pub async fn get(&self) -> Result<Token> {
        // A call after close() says so, even while a token is in memory.
        if self.store.as_ref().is_some_and(Store::is_closed) {
            return Err(Error::NotReady("the platform's database connection is closed (close() was called)".into()));
        }
        let now = now_ms();
        if let Some(t) = self.cached_if(|t| self.fresh(t, now)) {
            return Ok(t);
        }
        // Due but still valid: callers never wait; one background task
        // refreshes (or, for a Reader, pulls the store).
        if let Some(t) = self.cached_if(|t| t.is_valid_at(now)) {
            self.spawn_background(now);
            return Ok(t);
        }
        let _guard = self.flight.lock().await;
        self.get_locked().await
    }

    fn spawn_background(&self, now: i64) {
        let poll = poll_interval(self.cached().map(|t| t.lifetime_ms())).as_millis() as i64;
        {
            let mut st = self.st();
            // One at a time, and not more often than the poll interval (the
            // store may be down: each attempt can take the acquire timeout).
            if st.background || now - st.last_background_ms < poll || st.retry_at_ms > now {
                return;
            }
            st.background = true;
            st.last_background_ms = now;
        }
        let (Some(me), Ok(rt)) = (self.me.upgrade(), tokio::runtime::Handle::try_current()) else {
            self.st().background = false;
            return;
        };
        rt.spawn(async move {
            let _ = me.background_refresh().await;
            me.st().background = false;
        });
    }

    async fn background_refresh(&self) -> Result<()> {
        let _g = self.flight.lock().await;
        self.flush_unsaved().await;
        let now = now_ms();
        if self.cached_if(|t| self.fresh(t, now)).is_some() {
            return Ok(());
        }
        self.sync(false).await;
        let now = now_ms();
        if self.cached_if(|t| self.fresh(t, now)).is_some() {
            return Ok(());
        }
        if self.opts.role == Role::Refresher {
            self.refresh(None).await?;
        }
        Ok(())
    }

    async fn get_locked(&self) -> Result<Token> {
        self.flush_unsaved().await;
        let now = now_ms();
        if let Some(t) = self.cached_if(|t| self.fresh(t, now)) {
            return Ok(t);
        }
        let poll = poll_interval(self.cached().map(|t| t.lifetime_ms()));
        let recently = now - self.st().last_sync_ms < poll.as_millis() as i64;
        if recently {
            // Due but valid, and the store was just asked: don't hammer it.
            if let Some(t) = self.cached_if(|t| t.is_valid_at(now)) {
                return Ok(t);
            }
        } else {
            self.sync(false).await;
        }
        let now = now_ms();
        if let Some(t) = self.cached_if(|t| self.fresh(t, now)) {
            return Ok(t);
        }
        match self.opts.role {
            Role::Refresher => self.refresh_wait().await,
            Role::Reader { failover } => self.reader_wait(failover).await,
        }
    }

    /// Reads the store into memory; store errors are reported, not returned.
    async fn sync(&self, from_primary: bool) -> Option<Error> {
        let store = self.store.as_ref()?;
        let r = store.load_token(&self.key, from_primary).await;
        self.st().last_sync_ms = now_ms();
        match r {
            Ok(t) => {
                self.store_ok();
                self.merge(t);
                None
            }
            Err(e) => {
                self.report_store(&e);
                Some(e)
            }
        }
    }

    async fn reader_wait(&self, failover: bool) -> Result<Token> {
        let deadline = Instant::now() + self.opts.wait_timeout;
        loop {
            let now = now_ms();
            if let Some(t) = self.cached_if(|t| t.is_valid_at(now)) {
                return Ok(t);
            }
            // Rejected here, or compare-and-expired by another process (expiry 0).
            let rejected = self.st().rejected.is_some() || self.cached_if(|t| t.expires_at_ms == 0).is_some();
            if (failover || rejected) && self.store.is_some() {
                // Missing or expired: the refresher is late or gone, or it
                // still trusts the copy WeChat rejected.
                return self.refresh_wait().await;
            }
            if Instant::now() >= deadline {
                return Err(Error::NotReady(format!("{} is not available yet", self.key.kind)));
            }
            tokio::time::sleep(poll_interval(self.cached().map(|t| t.lifetime_ms()))).await;
            self.sync(false).await;
        }
    }

    /// `refresh` for a caller who needs a token: retries transient failures
    /// until `retry_for`, waits for another process up to `wait_timeout`.
    async fn refresh_wait(&self) -> Result<Token> {
        let retry_until = Instant::now() + self.opts.retry_for;
        let wait_until = Instant::now() + self.opts.wait_timeout;
        loop {
            // Holding a valid token, one attempt is enough: on failure the
            // caller keeps using it and the timer retries.
            let now = now_ms();
            let valid = self.cached_if(|t| t.is_valid_at(now));
            let outcome = match self.refresh(if valid.is_some() { None } else { Some(retry_until) }).await {
                Ok(o) => o,
                Err(e) => {
                    let now = now_ms();
                    return self.cached_if(|t| t.is_valid_at(now)).ok_or(e);
                }
            };
            match outcome {
                Outcome::Fetched(t) | Outcome::Found(t) => return Ok(t),
                Outcome::Busy => {
                    if Instant::now() >= wait_until {
                        return Err(Error::NotReady(format!("{} is being refreshed by another process", self.key.kind)));
                    }
                    tokio::time::sleep(poll_interval(self.cached().map(|t| t.lifetime_ms()))).await;
                    // The holder saves before releasing: look on the primary.
                    self.sync(true).await;
                    let now = now_ms();
                    if let Some(t) = self.cached_if(|t| self.fresh(t, now)) {
                        return Ok(t);
                    }
                }
            }
        }
    }

    /// One refresh under the fleet lease (caller holds `flight`). With
    /// `retry_until`, transient upstream failures are retried until then.
    async fn refresh(&self, retry_until: Option<Instant>) -> Result<Outcome> {
        let owner = self.opts.owner_id.as_str();
        if let Err(e) = self.prepare().await {
            self.on_failed(&e);
            self.record_failure(&e);
            return Err(e);
        }
        if let Some(store) = &self.store {
            match store.try_lease(&self.key, owner, self.opts.lease_ttl_ms).await {
                Err(e) => {
                    self.report_store(&e);
                    // Cannot coordinate with the fleet: serve what we have.
                    let now = now_ms();
                    return self.cached_if(|t| t.is_valid_at(now)).map(Outcome::Found).ok_or(e);
                }
                Ok(false) => {
                    self.store_ok();
                    let now = now_ms();
                    self.st().last_sync_ms = now;
                    return Ok(self.cached_if(|t| t.is_valid_at(now)).map(Outcome::Found).unwrap_or(Outcome::Busy));
                }
                Ok(true) => {
                    self.store_ok();
                    // Re-read on the primary: someone may have refreshed just now.
                    if let Some(e) = self.sync(true).await {
                        let _ = store.release_lease(&self.key, owner).await;
                        let now = now_ms();
                        return self.cached_if(|t| t.is_valid_at(now)).map(Outcome::Found).ok_or(e);
                    }
                    let now = now_ms();
                    if let Some(t) = self.cached_if(|t| self.fresh(t, now)) {
                        let _ = store.release_lease(&self.key, owner).await;
                        return Ok(Outcome::Found(t));
                    }
                }
            }
        }
        let result = self.fetch_with_retry(retry_until).await;
        if let Some(store) = &self.store {
            if let Err(e) = store.release_lease(&self.key, owner).await {
                self.report_store(&e);
            }
        }
        result.map(Outcome::Fetched)
    }

    async fn fetch_with_retry(&self, retry_until: Option<Instant>) -> Result<Token> {
        let mut attempt = 0u32;
        loop {
            let current = self.cached();
            let limit = self.opts.fetch_limit();
            let r = match tokio::time::timeout(limit, self.fetcher.fetch(current.as_ref())).await {
                Ok(r) => r,
                Err(_) => Err(Error::Transport(format!("fetching {} timed out", self.key.kind))),
            };
            match r.and_then(|t| validate(t, current.as_ref())) {
                Ok(t) => {
                    self.on_fetched(&t).await;
                    return Ok(t);
                }
                Err(e) => {
                    self.on_failed(&e);
                    self.record_failure(&e);
                    let delay = self.backoff_delay(attempt);
                    let retry = e.is_transient() && retry_until.is_some_and(|u| Instant::now() + delay < u);
                    if !retry {
                        return Err(e);
                    }
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                    // Before renewing the lease: waiting for it must not eat the next attempt's.
                    self.prepare().await?;
                    if let Some(store) = &self.store {
                        // Renew the lease for the next attempt; lost it → stop.
                        match store.try_lease(&self.key, &self.opts.owner_id, self.opts.lease_ttl_ms).await {
                            Ok(true) => {}
                            Ok(false) => return Err(e),
                            Err(se) => self.report_store(&se),
                        }
                    }
                }
            }
        }
    }

    async fn prepare(&self) -> Result<()> {
        match self.fetcher.prepare() {
            Some(p) => p.await,
            None => Ok(()),
        }
    }

    fn backoff_delay(&self, attempt: u32) -> Duration {
        // Short-lived tokens (the sandbox's) must not wait longer than a quarter life.
        let mut cap = self.opts.retry_cap;
        if let Some(l) = self.cached().map(|t| t.lifetime_ms()).filter(|l| *l > 0) {
            cap = cap.min(Duration::from_millis((l as u64 / 4).max(500)));
        }
        backoff(attempt, self.opts.retry_base, cap)
    }

    async fn on_fetched(&self, t: &Token) {
        {
            let mut st = self.st();
            st.token = Some(t.clone());
            st.unsaved = self.store.is_some();
            st.failures = 0;
            st.retry_at_ms = 0;
            st.rejected = None;
        }
        self.flush_unsaved().await;
        self.emit("refreshed", None, format!("{} refreshed", self.key.kind));
    }

    fn on_failed(&self, e: &Error) {
        let delay = {
            let st = self.st();
            st.failures
        };
        let d = self.backoff_delay(delay);
        {
            let mut st = self.st();
            st.failures = st.failures.saturating_add(1);
            st.retry_at_ms = now_ms() + d.as_millis() as i64;
        }
        self.emit("refresh_failed", e.code(), format!("refreshing {} failed: {e}", self.key.kind));
    }

    /// The failure in the store for the console (rare: no cost to a good
    /// get), written beside the refresh, never in its way: a slow or down
    /// store must not hold a lease longer. Our own token values are cut out
    /// of the message, in case.
    fn record_failure(&self, e: &Error) {
        let Some(store) = self.store.clone() else { return };
        let Ok(rt) = tokio::runtime::Handle::try_current() else { return };
        let mut message = e.to_string();
        if let Some(t) = self.cached() {
            for secret in [Some(t.value.as_str()), t.refresh_token.as_deref()].into_iter().flatten().filter(|v| v.len() >= 8) {
                message = message.replace(secret, "[redacted]");
            }
        }
        let (key, code) = (self.key.clone(), e.code());
        rt.spawn(async move {
            let _ = store.record_refresh_error(&key, code, &message).await;
        });
    }

    /// Writes a token fetched while the store was down.
    async fn flush_unsaved(&self) {
        let Some(store) = &self.store else { return };
        let pending = {
            let st = self.st();
            st.token.clone().filter(|_| st.unsaved)
        };
        let Some(t) = pending else { return };
        match store.save_token_by(&self.key, &t, Some(&self.opts.owner_id)).await {
            Ok(()) => self.mark_saved(&t),
            Err(e) => self.report_store(&e),
        }
    }

    /// `t` reached the store: it no longer needs flushing, unless a newer
    /// token replaced it in memory meanwhile.
    fn mark_saved(&self, t: &Token) {
        self.store_ok();
        let mut st = self.st();
        if st.token.as_ref().is_some_and(|c| c.value == t.value) {
            st.unsaved = false;
        }
    }

    /// The best token without calling upstream: memory, else the store (it
    /// may be expired; callers check).
    pub async fn peek(&self) -> Result<Option<Token>> {
        let now = now_ms();
        if let Some(t) = self.cached_if(|t| self.fresh(t, now)) {
            return Ok(Some(t));
        }
        if let Some(e) = self.sync(false).await {
            return match self.cached() {
                Some(t) => Ok(Some(t)),
                None => Err(e),
            };
        }
        Ok(self.cached())
    }

    /// The store's token merged into memory (memory when the store fails):
    /// for a token set elsewhere (a pushed ticket), where newest matters.
    pub async fn latest(&self) -> Result<Option<Token>> {
        if let Some(e) = self.sync(false).await {
            return self.cached().map(Some).ok_or(e);
        }
        Ok(self.cached())
    }

    /// Stores a token obtained elsewhere (api_query_auth, a ticket push):
    /// memory at once, the store durably (an error is returned, and the write
    /// is retried on the next call).
    pub async fn set(&self, token: Token) -> Result<()> {
        self.remember(token, true);
        let Some(store) = &self.store else { return Ok(()) };
        let t = self.cached().expect("just set");
        match store.save_token_by(&self.key, &t, Some(&self.opts.owner_id)).await {
            Ok(()) => {
                self.mark_saved(&t);
                Ok(())
            }
            Err(e) => {
                self.report_store(&e);
                Err(e)
            }
        }
    }

    /// Takes a token the store already holds (written by the caller, as a
    /// ticket push's conditional write): memory only, nothing written again.
    pub fn adopt(&self, token: Token) {
        self.remember(token, false);
    }

    /// The memory side of `set` / `adopt`; `unsaved`: the store still needs it.
    fn remember(&self, mut token: Token, unsaved: bool) {
        let mut st = self.st();
        if token.refresh_token.is_none() {
            token.refresh_token = st.token.as_ref().and_then(|t| t.refresh_token.clone());
        }
        st.token = Some(token);
        st.unsaved = unsaved && self.store.is_some();
        st.failures = 0;
        st.retry_at_ms = 0;
    }

    /// Compare-and-expire after WeChat rejected `failed_value` (40001 / 42001 /
    /// 40014; `cause`, None when not known): only that token is dropped, never
    /// a newer one, so many callers meeting the same error cause one refresh.
    pub async fn invalidate(&self, failed_value: &str, cause: Option<&Error>) -> Result<()> {
        {
            let mut guard = self.st();
            let st = &mut *guard;
            if let Some(t) = st.token.as_mut().filter(|t| t.value == failed_value) {
                t.expires_at_ms = 0; // keeps the refresh token
                st.rejected = Some(failed_value.to_owned());
            }
        }
        if let Some(store) = &self.store {
            // A token that merely ran out (42001) voids nothing issued under it;
            // one WeChat voided (40001, 40014) takes its pre_auth_code along.
            let voided = !cause.is_some_and(Error::is_token_expired);
            match store.expire_token_if(&self.key, failed_value, voided).await {
                Ok(_) => self.store_ok(),
                Err(e) => self.report_store(&e),
            }
        }
        Ok(())
    }

    /// The owner's timer calls this when `next_due_in` says so. A Refresher
    /// refreshes a due token (true when it called upstream); a Reader pulls
    /// the store. One upstream attempt per call: after a failure
    /// `next_due_in` backs off, so retrying goes on forever at a bounded rate.
    pub async fn refresh_if_due(&self) -> Result<bool> {
        let now = now_ms();
        if self.st().retry_at_ms > now {
            return Ok(false);
        }
        if self.cached_if(|t| self.fresh(t, now)).is_some() {
            return Ok(false);
        }
        let _g = self.flight.lock().await;
        self.flush_unsaved().await;
        if let Some(e) = self.sync(matches!(self.opts.role, Role::Refresher)).await {
            if self.opts.role == Role::Refresher && self.cached().is_none() {
                return Err(e);
            }
        }
        let now = now_ms();
        if self.cached_if(|t| self.fresh(t, now)).is_some() {
            return Ok(false);
        }
        let may_fetch = match self.opts.role {
            Role::Refresher => true,
            Role::Reader { failover } => failover && self.cached_if(|t| t.is_valid_at(now)).is_none(),
        };
        if !may_fetch {
            return Ok(false);
        }
        match self.refresh(None).await {
            Ok(Outcome::Fetched(_)) => Ok(true),
            Ok(_) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// When the timer should call `refresh_if_due` next: when the cached token
    /// becomes due, or after the backoff of a failed attempt; zero when there
    /// is nothing usable.
    pub fn next_due_in(&self) -> Option<Duration> {
        let now = now_ms();
        let st = self.st();
        let due = match &st.token {
            Some(t) if t.is_valid_at(now) => t.due_at_ms(self.opts.refresh_ahead_ratio),
            _ => now,
        };
        let at = due.max(st.retry_at_ms);
        Some(Duration::from_millis((at - now).max(0) as u64))
    }

    fn store_ok(&self) {
        self.st().store_failing = false;
    }

    fn report_store(&self, e: &Error) {
        let now = now_ms();
        let report = {
            let mut st = self.st();
            let report = !st.store_failing || now - st.last_store_report_ms >= STORE_REPORT_EVERY_MS;
            st.store_failing = true;
            if report {
                st.last_store_report_ms = now;
            }
            report
        };
        if report {
            self.emit("store_error", None, e.to_string());
        }
    }

    fn emit(&self, kind: &'static str, code: Option<i64>, message: String) {
        if let Some(hook) = &self.opts.on_event {
            let appid = if self.key.appid.is_empty() { &self.key.component_appid } else { &self.key.appid };
            let ev = CellEvent { kind, token_kind: self.key.kind, appid: appid.clone(), code, message };
            // A panicking listener must not take the cell down with it.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| hook(ev)));
        }
    }
}

/// An empty token is a failed fetch; a refresh token not returned again is kept.
fn validate(mut t: Token, current: Option<&Token>) -> Result<Token> {
    if t.value.is_empty() {
        return Err(Error::Transport("upstream returned an empty token".into()));
    }
    if t.refresh_token.is_none() {
        t.refresh_token = current.and_then(|c| c.refresh_token.clone());
    }
    Ok(t)
}
