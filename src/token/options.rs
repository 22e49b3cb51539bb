//! A cell's role, tuning and event hook.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::model::TokenKind;

/// Who may call upstream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Refreshes (the master / single process): takes the fleet lease, fetches.
    Refresher,
    /// A cluster worker: reads the store and waits. With `failover`, it
    /// refreshes only when the token is missing or expired and nobody holds
    /// the lease (the refresher is gone).
    Reader { failover: bool },
}

/// What a cell reports: `kind` is "refreshed", "refresh_failed" or
/// "store_error". `message` never carries a token or secret.
#[derive(Clone, Debug)]
pub struct CellEvent {
    pub kind: &'static str,
    pub token_kind: TokenKind,
    pub appid: String,
    pub code: Option<i64>,
    pub message: String,
}

pub type EventHook = Arc<dyn Fn(CellEvent) + Send + Sync>;

#[derive(Clone)]
pub struct CellOptions {
    pub role: Role,
    /// Refresh when less than this share of the lifetime is left (0.05: six
    /// minutes of WeChat's 7200 s, 150 ms of a 3 s sandbox token).
    pub refresh_ahead_ratio: f64,
    /// How long a refresh lease lasts without renewal (a crashed holder's
    /// lease is taken over after this).
    pub lease_ttl_ms: i64,
    /// How long `get` waits for another process's refresh (or, for a Reader,
    /// for a token to appear) before `Error::NotReady`.
    pub wait_timeout: Duration,
    /// How long `get` retries transient upstream failures before giving up
    /// with the last error. `refresh_if_due` never gives up (see `next_due_in`).
    pub retry_for: Duration,
    /// First backoff delay and its cap.
    pub retry_base: Duration,
    pub retry_cap: Duration,
    /// Identifies this process in the lease row.
    pub owner_id: String,
    pub on_event: Option<EventHook>,
}

impl Default for CellOptions {
    fn default() -> Self {
        CellOptions {
            role: Role::Refresher,
            refresh_ahead_ratio: 0.05,
            lease_ttl_ms: 30_000,
            wait_timeout: Duration::from_secs(15),
            retry_for: Duration::from_secs(20),
            retry_base: Duration::from_millis(200),
            retry_cap: Duration::from_secs(30),
            owner_id: default_owner_id(),
            on_event: None,
        }
    }
}

impl CellOptions {
    /// How long one upstream fetch may take (see `fetch_limit`).
    pub fn fetch_limit(&self) -> Duration {
        fetch_limit(self.lease_ttl_ms)
    }
}

/// A fetch slower than its lease would let a second process in: it is
/// given up on at 4/5 of the lease.
pub fn fetch_limit(lease_ttl_ms: i64) -> Duration {
    Duration::from_millis((lease_ttl_ms.max(1000) as u64) * 4 / 5)
}

impl fmt::Debug for CellOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CellOptions")
            .field("role", &self.role)
            .field("refresh_ahead_ratio", &self.refresh_ahead_ratio)
            .field("lease_ttl_ms", &self.lease_ttl_ms)
            .field("wait_timeout", &self.wait_timeout)
            .field("retry_for", &self.retry_for)
            .field("owner_id", &self.owner_id)
            .finish_non_exhaustive()
    }
}

/// `host:pid:random` — unique per process and per cell.
pub fn default_owner_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".into());
    let host: String = host.chars().take(64).collect();
    format!("{host}:{}:{:08x}", std::process::id(), rand::random::<u32>())
}
