//! Test databases for the store and token tests: each test gets its own MySQL
//! database, Postgres schema or SQLite file, dropped afterwards (also when the
//! test panics). URLs come from WXTP_TEST_MYSQL / WXTP_TEST_POSTGRES.
#![allow(dead_code)]

use std::process::{Child, Command, Stdio};

use sqlx::Connection;

pub const MYSQL_DEFAULT: &str = "mysql://root@127.0.0.1:3306/test";
pub const POSTGRES_DEFAULT: &str = "postgres://postgres@127.0.0.1:5432/test";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    MySql,
    Postgres,
    Sqlite,
}

impl Backend {
    pub fn parse(s: &str) -> Backend {
        match s {
            "mysql" => Backend::MySql,
            "postgres" => Backend::Postgres,
            _ => Backend::Sqlite,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Backend::MySql => "mysql",
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
        }
    }
}

pub fn mysql_admin() -> String {
    std::env::var("WXTP_TEST_MYSQL").unwrap_or_else(|_| MYSQL_DEFAULT.into())
}

pub fn postgres_admin() -> String {
    std::env::var("WXTP_TEST_POSTGRES").unwrap_or_else(|_| POSTGRES_DEFAULT.into())
}

fn with_path(admin: &str, db: &str) -> String {
    let mut u = url::Url::parse(admin).expect("database URL");
    u.set_path(&format!("/{db}"));
    u.to_string()
}

/// One throwaway database.
pub struct TestDb {
    pub backend: Backend,
    pub name: String,
    pub url: String,
}

impl TestDb {
    pub async fn create(backend: Backend) -> TestDb {
        let name = format!("wxtp_t_{}_{:08x}", std::process::id(), rand::random::<u32>());
        let url = match backend {
            Backend::MySql => {
                let mut c = sqlx::MySqlConnection::connect(&mysql_admin()).await.expect("MySQL reachable");
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))).execute(&mut c).await.unwrap();
                with_path(&mysql_admin(), &name)
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&postgres_admin()).await.expect("Postgres reachable");
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {name}"))).execute(&mut c).await.unwrap();
                let mut u = url::Url::parse(&postgres_admin()).unwrap();
                u.query_pairs_mut().append_pair("options", &format!("-c search_path={name}"));
                u.to_string()
            }
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("{name}.db"));
                format!("sqlite://{}", path.display())
            }
        };
        TestDb { backend, name, url }
    }

    pub fn config(&self) -> wxthirdparty::store::StoreConfig {
        wxthirdparty::store::StoreConfig::new(self.url.clone())
    }

    pub async fn store(&self) -> wxthirdparty::store::Store {
        let s = wxthirdparty::store::Store::connect(&self.config()).await.expect("connect");
        s.migrate().await.expect("migrate");
        s
    }

    /// Runs raw SQL on this database with a connection of its own.
    pub async fn raw(&self, sql: &str) {
        match self.backend {
            Backend::MySql => {
                let mut c = sqlx::MySqlConnection::connect(&self.url).await.unwrap();
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut c).await.unwrap();
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.url).await.unwrap();
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut c).await.unwrap();
            }
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&format!("{}?mode=rwc", self.url)).await.unwrap();
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut c).await.unwrap();
            }
        }
    }

    /// First column of the first row, as text (NULL → None).
    pub async fn scalar(&self, sql: &str) -> Option<String> {
        use sqlx::Row;
        macro_rules! get {
            ($row:expr) => {{
                let row = $row;
                row.try_get::<Option<String>, _>(0)
                    .ok()
                    .flatten()
                    .or_else(|| row.try_get::<Option<i64>, _>(0).ok().flatten().map(|v| v.to_string()))
                    .or_else(|| row.try_get::<Option<i32>, _>(0).ok().flatten().map(|v| v.to_string()))
            }};
        }
        match self.backend {
            Backend::MySql => {
                let mut c = sqlx::MySqlConnection::connect(&self.url).await.unwrap();
                let row = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_optional(&mut c).await.unwrap()?;
                get!(row)
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.url).await.unwrap();
                let row = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_optional(&mut c).await.unwrap()?;
                get!(row)
            }
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
                let row = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_optional(&mut c).await.unwrap()?;
                get!(row)
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (backend, name) = (self.backend, self.name.clone());
        // Drop runs inside the test's runtime: clean up on a thread of our own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async move {
                match backend {
                    Backend::MySql => {
                        if let Ok(mut c) = sqlx::MySqlConnection::connect(&mysql_admin()).await {
                            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS `{name}`"))).execute(&mut c).await;
                        }
                    }
                    Backend::Postgres => {
                        if let Ok(mut c) = sqlx::PgConnection::connect(&postgres_admin()).await {
                            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {name} CASCADE"))).execute(&mut c).await;
                        }
                    }
                    Backend::Sqlite => {
                        let base = std::env::temp_dir().join(format!("{name}.db"));
                        for suffix in ["", "-wal", "-shm"] {
                            let _ = std::fs::remove_file(format!("{}{suffix}", base.display()));
                        }
                    }
                }
            });
        })
        .join();
    }
}

/// Re-runs this test binary as a child that runs only `test` (a child test
/// does its work only when WXTP_CHILD_ROLE is set).
pub fn spawn_child(test: &str, role: &str, env: &[(&str, String)]) -> Child {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env("WXTP_CHILD_ROLE", role)
        .stdin(Stdio::null())
        // The child's own libtest summary would read as extra test runs; its
        // panics still reach stderr.
        .stdout(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().expect("spawn child test process")
}

/// The role this process was started with, when it is a child.
pub fn child_role() -> Option<String> {
    std::env::var("WXTP_CHILD_ROLE").ok()
}

/// Generates one #[tokio::test] per backend for `async fn $name(Backend)`.
#[macro_export]
macro_rules! per_backend {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                use super::*;
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn mysql() { super::$name(Backend::MySql).await }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() { super::$name(Backend::Postgres).await }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() { super::$name(Backend::Sqlite).await }
            }
        )*
    };
}
