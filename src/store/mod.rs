//! Storage over MySQL/MariaDB, PostgreSQL and SQLite (sqlx), chosen by URL.
//!
//! `wxtp_tokens` is the source of truth for every token cell (value, expiry,
//! refresh token, and the refresh lease in the same row). The original
//! wxthirdparty tables (`component_secrets`, `wx_users_info`, `wx_followers`,
//! `wx_followers_info`) keep their names and columns and are mirrored in the
//! same transaction, so an existing wxthirdparty database keeps working.
//!
//! Platforms share one database by component appid. The original tables had
//! no such column: migration adds a nullable `component_appid`, and rows where
//! it is NULL (written by the original library) are claimed by the first
//! platform that writes to them.

mod authorizers;
pub mod changes;
pub mod console;
mod db;
mod followers;
mod legacy;
pub mod message_minutes;
mod messages;
mod platforms;
mod rollouts;
mod schema;
mod url_check;
mod tokens;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};

use crate::error::{Error, Result};

pub use authorizers::Revocation;
pub use changes::Change;
pub use db::Dialect;
pub use messages::{Claim, ClaimRequest};
pub use rollouts::{RolloutApp, RolloutRow};
use db::{Pool, Redactor};
pub use schema::SCHEMA_VERSION;

/// Where the data lives. URLs: `mysql://user:pass@host/db`,
/// `postgres://user:pass@host/db`, `sqlite://path`, `sqlite::memory:`.
#[derive(Clone, Debug)]
pub struct StoreConfig {
    /// The primary: writes, leases and reads that must see a write just made.
    pub write: String,
    /// A read replica; None → the primary.
    pub read: Option<String>,
    /// Pool size for each of the two pools.
    pub max_connections: u32,
}

impl StoreConfig {
    pub fn new(url: impl Into<String>) -> Self {
        StoreConfig { write: url.into(), read: None, max_connections: 5 }
    }
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig::new("sqlite::memory:")
    }
}

/// An official account authorized to the platform (`wx_users_info`).
#[derive(Clone, Debug, PartialEq)]
pub struct AuthorizerRecord {
    pub component_appid: String,
    pub appid: String,
    /// The opaque handle the original library gave the app (for a cookie).
    pub wx_token: String,
    pub nick_name: Option<String>,
    pub head_img: Option<String>,
    pub service_type_id: Option<i64>,
    pub verify_type_info: Option<i64>,
    pub user_name: Option<String>,
    pub alias: Option<String>,
    /// JSON text of WeChat's `func_info`.
    pub func_info: Option<String>,
    pub authorized: bool,
    /// "official_account" or "mini_program" (api_get_authorizer_info has
    /// MiniProgramInfo); None for rows stored before it was recorded.
    pub app_type: Option<String>,
    /// JSON text of WeChat's `MiniProgramInfo` (mini programs only).
    pub mini_program_info: Option<String>,
    /// The company or person behind the account (api_get_authorizer_info's
    /// principal_name); None for rows stored before it was recorded.
    pub principal_name: Option<String>,
}

/// What an authorizer is (`AuthorizerRecord::app_type`).
pub const OFFICIAL_ACCOUNT: &str = "official_account";
pub const MINI_PROGRAM: &str = "mini_program";

impl AuthorizerRecord {
    /// The permission sets granted (funcscope_category ids of `func_info`), ascending.
    pub fn func_scopes(&self) -> Vec<i64> {
        let Some(v) = self.func_info.as_deref().and_then(|f| serde_json::from_str::<serde_json::Value>(f).ok()) else { return Vec::new() };
        let mut ids: Vec<i64> = v
            .as_array()
            .map(|a| a.iter().filter_map(|f| f.get("funcscope_category")?.get("id")?.as_i64()).collect())
            .unwrap_or_default();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    pub fn is_mini_program(&self) -> bool {
        self.app_type.as_deref() == Some(MINI_PROGRAM)
    }
}

/// Cheap to clone: the pools are reference-counted.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

/// Shows the backend only: pools carry connection options.
impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("dialect", &self.dialect()).finish_non_exhaustive()
    }
}

struct Inner {
    write: Pool,
    read: Pool,
    redact: Redactor,
}

/// The password (raw and percent-decoded) of a database URL, for scrubbing.
fn url_secrets(url: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(u) = url::Url::parse(url) {
        if let Some(p) = u.password() {
            out.push(p.to_owned());
            if let Ok(d) = urlencoding_decode(p) {
                out.push(d);
            }
        }
    }
    out
}

fn urlencoding_decode(s: &str) -> std::result::Result<String, ()> {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .ok_or(())
}

async fn open_pool(url: &str, max: u32, redact: &Redactor) -> Result<Pool> {
    let max = max.max(1);
    // Short acquire timeout: a dead database must fail calls quickly (the
    // token cell then serves from memory), not hang them for 30 s.
    let acquire = Duration::from_secs(5);
    let lower = url.to_ascii_lowercase();
    let bad = |e: sqlx::Error| redact.err("cannot open database", e);
    if lower.starts_with("mysql://") || lower.starts_with("mariadb://") {
        let url = if lower.starts_with("mariadb://") { format!("mysql://{}", &url[10..]) } else { url.to_owned() };
        let opts = MySqlConnectOptions::from_str(&url).map_err(bad)?.charset("utf8mb4");
        db::first_connection(&opts, &db::place_of(&url), redact).await?;
        let pool = MySqlPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(acquire)
            .connect_with(opts)
            .await
            .map_err(bad)?;
        Ok(Pool::My(pool))
    } else if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
        let opts = PgConnectOptions::from_str(url).map_err(bad)?;
        db::first_connection(&opts, &db::place_of(url), redact).await?;
        let pool = PgPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(acquire)
            .connect_with(opts)
            .await
            .map_err(bad)?;
        Ok(Pool::Pg(pool))
    } else if lower.starts_with("sqlite:") {
        let memory = lower.contains(":memory:") || lower.contains("mode=memory");
        let mut opts = SqliteConnectOptions::from_str(url)
            .map_err(bad)?
            .create_if_missing(true)
            .busy_timeout(Duration::from_secs(30));
        let mut po = SqlitePoolOptions::new().acquire_timeout(Duration::from_secs(30));
        if memory {
            // Each connection to :memory: is its own database: keep exactly one, forever.
            po = po.max_connections(1).min_connections(1).idle_timeout(None).max_lifetime(None);
        } else {
            // WAL lets readers in other processes proceed while one writes.
            opts = opts.journal_mode(SqliteJournalMode::Wal);
            po = po.max_connections(max);
        }
        // Switching a fresh file to WAL takes an exclusive lock that SQLite's busy
        // handler does not wait for: a second process opening the same new file
        // at that moment gets SQLITE_BUSY at once. Retry for a while.
        let mut attempts = 0;
        loop {
            match po.clone().connect_with(opts.clone()).await {
                Ok(pool) => return Ok(Pool::Lite(pool)),
                Err(e) if attempts < 100 && is_sqlite_busy(&e) => {
                    attempts += 1;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => return Err(Error::Store(redact.scrub(&db::connect_error(&e, &db::place_of(url))))),
            }
        }
    } else {
        Err(Error::invalid("db", "expected a mysql://, postgres://, sqlite:// or sqlite::memory: URL"))
    }
}

impl Store {
    /// Opens the pools (the read pool only when `read` differs from `write`).
    pub async fn connect(cfg: &StoreConfig) -> Result<Store> {
        let mut secrets = url_secrets(&cfg.write);
        if let Some(r) = &cfg.read {
            secrets.extend(url_secrets(r));
        }
        let redact = Redactor(Arc::new(secrets));
        let write = open_pool(&cfg.write, cfg.max_connections, &redact).await?;
        let read = match cfg.read.as_deref().filter(|r| !r.trim().is_empty() && *r != cfg.write) {
            Some(r) => {
                let read = open_pool(r, cfg.max_connections, &redact).await?;
                if read.dialect() != write.dialect() {
                    return Err(Error::invalid("db", "read and write databases must be of the same kind"));
                }
                read
            }
            None => write.clone(),
        };
        Ok(Store { inner: Arc::new(Inner { write, read, redact }) })
    }

    pub fn dialect(&self) -> Dialect {
        self.inner.write.dialect()
    }

    /// Closes both pools; later calls fail with `Error::Store`.
    pub async fn close(&self) {
        self.inner.write.close().await;
        self.inner.read.close().await;
    }

    pub(crate) fn w(&self) -> &Pool {
        &self.inner.write
    }

    pub(crate) fn r(&self, from_primary: bool) -> &Pool {
        if from_primary {
            &self.inner.write
        } else {
            &self.inner.read
        }
    }

    /// close() was called on it.
    pub fn is_closed(&self) -> bool {
        self.w().is_closed()
    }

    pub(crate) fn err(&self, what: &str, e: impl std::fmt::Display + 'static) -> Error {
        // A call after close() says so, not "a closed pool".
        if (&e as &dyn std::any::Any).downcast_ref::<sqlx::Error>().is_some_and(|e| matches!(e, sqlx::Error::PoolClosed)) {
            return Error::NotReady(format!("{what}: the platform's database connection is closed (close() was called)"));
        }
        self.inner.redact.err(what, e)
    }
}


/// SQLITE_BUSY (5) or SQLITE_LOCKED (6).
fn is_sqlite_busy(e: &sqlx::Error) -> bool {
    match e {
        // Extended result codes keep the primary code in the low byte.
        sqlx::Error::Database(d) => d.code().and_then(|c| c.parse::<i32>().ok()).is_some_and(|c| matches!(c & 0xff, 5 | 6)),
        _ => false,
    }
}
