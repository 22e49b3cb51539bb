//! A tiny dynamic layer over sqlx's three drivers, so every query in the store
//! is written once: SQL uses `?` placeholders (rewritten to `$n` for Postgres),
//! arguments are `Arg`s, and rows come back as `Vec<Arg>` decoded by `Col`.
//! (sqlx's `Any` driver is not enabled in this build, and it lacks chrono.)

use std::borrow::Cow;
use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};
use sqlx::pool::PoolConnection;
use sqlx::{AssertSqlSafe, SqlSafeStr, SqlStr};
use sqlx::{MySql, MySqlPool, PgPool, Postgres, Row, Sqlite, SqlitePool, Transaction};

use crate::error::Error;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    MySql,
    Postgres,
    Sqlite,
}

impl Dialect {
    /// `SELECT … FOR UPDATE` where the backend has it (SQLite's write
    /// transaction already excludes every other writer).
    pub fn for_update(self) -> &'static str {
        if self == Dialect::Sqlite {
            ""
        } else {
            " FOR UPDATE"
        }
    }

    /// `INSERT … ` that skips a row whose key exists.
    pub fn insert_ignore(self, rest: &str) -> String {
        match self {
            Dialect::MySql => format!("INSERT IGNORE INTO {rest}"),
            _ => format!("INSERT INTO {rest} ON CONFLICT DO NOTHING"),
        }
    }
}

/// A bound argument.
#[derive(Clone, Debug)]
pub enum Arg {
    S(Option<String>),
    I(Option<i64>),
    T(Option<NaiveDateTime>),
    D(Option<NaiveDate>),
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::S(Some(s.to_owned()))
    }
}
impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::S(Some(s))
    }
}
impl From<Option<String>> for Arg {
    fn from(s: Option<String>) -> Self {
        Arg::S(s)
    }
}
impl From<Option<&str>> for Arg {
    fn from(s: Option<&str>) -> Self {
        Arg::S(s.map(str::to_owned))
    }
}
impl From<i64> for Arg {
    fn from(i: i64) -> Self {
        Arg::I(Some(i))
    }
}
impl From<Option<i64>> for Arg {
    fn from(i: Option<i64>) -> Self {
        Arg::I(i)
    }
}
impl From<NaiveDateTime> for Arg {
    fn from(t: NaiveDateTime) -> Self {
        Arg::T(Some(t))
    }
}

/// How to decode a result column.
#[derive(Clone, Copy, Debug)]
pub enum Col {
    S,
    I,
}

/// One decoded row.
#[derive(Clone, Debug)]
pub struct DbRow(pub Vec<Arg>);

impl DbRow {
    pub fn s(&self, i: usize) -> Option<String> {
        match &self.0[i] {
            Arg::S(s) => s.clone(),
            Arg::I(n) => n.map(|n| n.to_string()),
            Arg::T(t) => t.map(|t| t.to_string()),
            Arg::D(t) => t.map(|t| t.to_string()),
        }
    }
    pub fn i(&self, i: usize) -> Option<i64> {
        match &self.0[i] {
            Arg::I(n) => *n,
            Arg::S(s) => s.as_deref().and_then(|s| s.trim().parse().ok()),
            Arg::T(_) | Arg::D(_) => None,
        }
    }
}

/// The store's statements are its own text (values are always bound), so
/// sqlx 0.9's "is this SQL safe" marker is asserted in this one place.
fn sql_str(sql: Cow<'_, str>) -> SqlStr {
    match sql {
        Cow::Borrowed(s) => AssertSqlSafe(s).into_sql_str(),
        Cow::Owned(s) => AssertSqlSafe(s).into_sql_str(),
    }
}

/// `?` → `$1, $2, …` for Postgres. Our SQL never has `?` inside literals.
pub fn placeholders(d: Dialect, sql: &str) -> Cow<'_, str> {
    if d != Dialect::Postgres || !sql.contains('?') {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for ch in sql.chars() {
        if ch == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(ch);
        }
    }
    Cow::Owned(out)
}

/// Turns a sqlx error into `Error::Store`, scrubbing any password we know of.
#[derive(Clone, Default)] // no Debug: it holds passwords
pub struct Redactor(pub Arc<Vec<String>>);

impl Redactor {
    pub fn err(&self, what: &str, e: impl std::fmt::Display) -> Error {
        Error::Store(self.scrub(&format!("{what}: {e}")))
    }
    pub fn scrub(&self, s: &str) -> String {
        let mut s = s.to_owned();
        for secret in self.0.iter().filter(|p| !p.is_empty()) {
            s = s.replace(secret.as_str(), "***");
        }
        s
    }
}

pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

// One body, three drivers: binds the args and runs `$method` on `$exec`.
macro_rules! run {
    ($exec:expr, $d:expr, $sql:expr, $args:expr, execute) => {{
        let mut q = sqlx::query(sql_str(placeholders($d, $sql)));
        for a in $args {
            q = match a {
                Arg::S(v) => q.bind(v.clone()),
                Arg::I(v) => q.bind(*v),
                Arg::T(v) => q.bind(*v),
                Arg::D(v) => q.bind(*v),
            };
        }
        q.execute($exec).await.map(|r| r.rows_affected())
    }};
    ($exec:expr, $d:expr, $sql:expr, $args:expr, fetch, $cols:expr) => {{
        let mut q = sqlx::query(sql_str(placeholders($d, $sql)));
        for a in $args {
            q = match a {
                Arg::S(v) => q.bind(v.clone()),
                Arg::I(v) => q.bind(*v),
                Arg::T(v) => q.bind(*v),
                Arg::D(v) => q.bind(*v),
            };
        }
        match q.fetch_all($exec).await {
            Ok(rows) => {
                let mut out = Vec::with_capacity(rows.len());
                for row in &rows {
                    let mut vals = Vec::with_capacity($cols.len());
                    for (i, c) in $cols.iter().enumerate() {
                        vals.push(match c {
                            Col::S => Arg::S(
                                row.try_get::<Option<String>, _>(i)
                                    .or_else(|_| {
                                        row.try_get::<Option<Vec<u8>>, _>(i)
                                            .map(|b| b.map(|b| String::from_utf8_lossy(&b).into_owned()))
                                    })?,
                            ),
                            // Integer widths differ per backend (INT vs BIGINT).
                            Col::I => Arg::I(
                                row.try_get::<Option<i64>, _>(i)
                                    .or_else(|_| row.try_get::<Option<i32>, _>(i).map(|v| v.map(i64::from)))
                                    .or_else(|_| row.try_get::<Option<i16>, _>(i).map(|v| v.map(i64::from)))?,
                            ),
                        });
                    }
                    out.push(DbRow(vals));
                }
                Ok(out)
            }
            Err(e) => Err(e),
        }
    }};
}

/// A connection pool on one of the three backends.
#[derive(Clone, Debug)]
pub enum Pool {
    My(MySqlPool),
    Pg(PgPool),
    Lite(SqlitePool),
}

impl Pool {
    pub fn dialect(&self) -> Dialect {
        match self {
            Pool::My(_) => Dialect::MySql,
            Pool::Pg(_) => Dialect::Postgres,
            Pool::Lite(_) => Dialect::Sqlite,
        }
    }

    pub async fn exec(&self, sql: &str, args: &[Arg]) -> std::result::Result<u64, sqlx::Error> {
        let d = self.dialect();
        match self {
            Pool::My(p) => run!(p, d, sql, args, execute),
            Pool::Pg(p) => run!(p, d, sql, args, execute),
            Pool::Lite(p) => run!(p, d, sql, args, execute),
        }
    }

    pub async fn fetch(&self, sql: &str, args: &[Arg], cols: &[Col]) -> std::result::Result<Vec<DbRow>, sqlx::Error> {
        let d = self.dialect();
        match self {
            Pool::My(p) => run!(p, d, sql, args, fetch, cols),
            Pool::Pg(p) => run!(p, d, sql, args, fetch, cols),
            Pool::Lite(p) => run!(p, d, sql, args, fetch, cols),
        }
    }

    /// A write transaction. SQLite takes the write lock up front (BEGIN
    /// IMMEDIATE) so concurrent writers wait instead of failing with BUSY.
    pub async fn begin(&self) -> std::result::Result<Tx, sqlx::Error> {
        Ok(match self {
            Pool::My(p) => Tx::My(p.begin().await?),
            Pool::Pg(p) => Tx::Pg(p.begin().await?),
            Pool::Lite(p) => Tx::Lite(p.begin_with("BEGIN IMMEDIATE").await?),
        })
    }

    /// A dedicated connection (session-level locks live on it).
    pub async fn acquire(&self) -> std::result::Result<Conn, sqlx::Error> {
        Ok(match self {
            Pool::My(p) => Conn::My(p.acquire().await?),
            Pool::Pg(p) => Conn::Pg(p.acquire().await?),
            Pool::Lite(p) => Conn::Lite(p.acquire().await?),
        })
    }

    pub fn is_closed(&self) -> bool {
        match self {
            Pool::My(p) => p.is_closed(),
            Pool::Pg(p) => p.is_closed(),
            Pool::Lite(p) => p.is_closed(),
        }
    }

    pub async fn close(&self) {
        match self {
            Pool::My(p) => p.close().await,
            Pool::Pg(p) => p.close().await,
            Pool::Lite(p) => p.close().await,
        }
    }
}

pub enum Tx {
    My(Transaction<'static, MySql>),
    Pg(Transaction<'static, Postgres>),
    Lite(Transaction<'static, Sqlite>),
}

impl Tx {
    fn dialect(&self) -> Dialect {
        match self {
            Tx::My(_) => Dialect::MySql,
            Tx::Pg(_) => Dialect::Postgres,
            Tx::Lite(_) => Dialect::Sqlite,
        }
    }
    pub async fn exec(&mut self, sql: &str, args: &[Arg]) -> std::result::Result<u64, sqlx::Error> {
        let d = self.dialect();
        match self {
            Tx::My(t) => run!(&mut **t, d, sql, args, execute),
            Tx::Pg(t) => run!(&mut **t, d, sql, args, execute),
            Tx::Lite(t) => run!(&mut **t, d, sql, args, execute),
        }
    }
    pub async fn fetch(&mut self, sql: &str, args: &[Arg], cols: &[Col]) -> std::result::Result<Vec<DbRow>, sqlx::Error> {
        let d = self.dialect();
        match self {
            Tx::My(t) => run!(&mut **t, d, sql, args, fetch, cols),
            Tx::Pg(t) => run!(&mut **t, d, sql, args, fetch, cols),
            Tx::Lite(t) => run!(&mut **t, d, sql, args, fetch, cols),
        }
    }
    pub async fn commit(self) -> std::result::Result<(), sqlx::Error> {
        match self {
            Tx::My(t) => t.commit().await,
            Tx::Pg(t) => t.commit().await,
            Tx::Lite(t) => t.commit().await,
        }
    }
}

pub enum Conn {
    My(PoolConnection<MySql>),
    Pg(PoolConnection<Postgres>),
    Lite(PoolConnection<Sqlite>),
}

pub type ConnFut<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = std::result::Result<T, sqlx::Error>> + Send + 'a>>;

impl Conn {
    pub fn dialect(&self) -> Dialect {
        match self {
            Conn::My(_) => Dialect::MySql,
            Conn::Pg(_) => Dialect::Postgres,
            Conn::Lite(_) => Dialect::Sqlite,
        }
    }
    // These return boxed Send futures: the Send proof then happens here, with
    // concrete lifetimes. Left as `async fn`, sqlx's higher-ranked executor
    // futures make callers inside generic async glue (napi) fail to prove Send.
    pub fn exec<'a>(&'a mut self, sql: &'a str, args: &'a [Arg]) -> ConnFut<'a, u64> {
        Box::pin(async move {
            let d = self.dialect();
            match self {
                Conn::My(c) => run!(&mut **c, d, sql, args, execute),
                Conn::Pg(c) => run!(&mut **c, d, sql, args, execute),
                Conn::Lite(c) => run!(&mut **c, d, sql, args, execute),
            }
        })
    }
    pub fn fetch<'a>(&'a mut self, sql: &'a str, args: &'a [Arg], cols: &'a [Col]) -> ConnFut<'a, Vec<DbRow>> {
        Box::pin(async move {
            let d = self.dialect();
            match self {
                Conn::My(c) => run!(&mut **c, d, sql, args, fetch, cols),
                Conn::Pg(c) => run!(&mut **c, d, sql, args, fetch, cols),
                Conn::Lite(c) => run!(&mut **c, d, sql, args, fetch, cols),
            }
        })
    }
    /// Runs one DDL / utility statement, not kept in the statement cache.
    /// (Not `raw_sql`: its executor bound defeats the Send proof above.)
    pub fn raw<'a>(&'a mut self, sql: &'a str) -> ConnFut<'a, ()> {
        Box::pin(async move {
            match self {
                Conn::My(c) => sqlx::query(AssertSqlSafe(sql)).persistent(false).execute(&mut **c).await.map(|_| ()),
                Conn::Pg(c) => sqlx::query(AssertSqlSafe(sql)).persistent(false).execute(&mut **c).await.map(|_| ()),
                Conn::Lite(c) => sqlx::query(AssertSqlSafe(sql)).persistent(false).execute(&mut **c).await.map(|_| ()),
            }
        })
    }
}

/// How long the first connection may take before we say the host does not answer.
pub const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Opens (and closes) one connection before a pool is built, so a database
/// that cannot be reached fails at once with the host and the cause, instead
/// of the pool retrying until its acquire timeout and saying only "pool
/// timed out while waiting for an open connection".
pub async fn first_connection<O>(opts: &O, place: &str, redact: &Redactor) -> crate::error::Result<()>
where
    O: sqlx::ConnectOptions,
    O::Connection: Sized,
{
    use sqlx::Connection;
    match tokio::time::timeout(CONNECT_TIMEOUT, opts.connect()).await {
        Ok(Ok(conn)) => {
            let _ = conn.close().await;
            Ok(())
        }
        Ok(Err(e)) => Err(Error::Store(redact.scrub(&connect_error(&e, place)))),
        Err(_) => Err(Error::Store(format!(
            "cannot open database at {place}: no answer within {} s",
            CONNECT_TIMEOUT.as_secs()
        ))),
    }
}

/// "cannot open database at HOST:PORT: <cause>", the cause in plain words.
pub fn connect_error(e: &sqlx::Error, place: &str) -> String {
    use std::io::ErrorKind;
    let cause = match e {
        sqlx::Error::Io(io) => match io.kind() {
            ErrorKind::ConnectionRefused => "connection refused (is the database server running, and on this port?)".to_owned(),
            ErrorKind::TimedOut => "connection timed out".to_owned(),
            ErrorKind::NotFound => format!("no such host or socket ({io})"),
            _ => format!("network error: {io}"),
        },
        sqlx::Error::Database(d) => {
            // MySQL's error number (its SQLSTATE is a generic 42000 for
            // several causes); PostgreSQL's and SQLite's code.
            let code = match d.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
                Some(my) => my.number().to_string(),
                None => d.code().unwrap_or_default().into_owned(),
            };
            let what = match code.as_str() {
                "1045" | "1698" | "28000" | "28P01" => "access denied",
                "1044" => "access denied to the database",
                "1049" | "3D000" => "unknown database",
                // SQLite: SQLITE_CANTOPEN
                "14" => "cannot open the file",
                _ => "the database refused the connection",
            };
            format!("{what}: {}", d.message())
        }
        sqlx::Error::Tls(t) => format!("TLS failed: {t}"),
        sqlx::Error::Protocol(p) => format!("protocol error (is this the right kind of database on this port?): {p}"),
        other => other.to_string(),
    };
    format!("cannot open database at {place}: {cause}")
}

/// `host:port` of a server URL (default port filled in), or the file of a
/// SQLite URL: where a connection error happened. Never the password.
pub fn place_of(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) if u.scheme().starts_with("sqlite") => url.splitn(2, ':').nth(1).unwrap_or("").trim_start_matches("//").to_owned(),
        Ok(u) => {
            let port = u.port().unwrap_or(if u.scheme().starts_with("postgres") { 5432 } else { 3306 });
            format!("{}:{port}", u.host_str().unwrap_or("localhost"))
        }
        Err(_) => "the database".to_owned(),
    }
}
