//! A database URL is checked before anything connects: one we cannot serve is
//! refused when the platform is constructed, not reported later as a db_error.

use std::str::FromStr;

use sqlx::mysql::MySqlConnectOptions;
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;

use super::StoreConfig;
use crate::error::{Error, Result};

const EXPECTED: &str = "expected a mysql://, postgres://, sqlite:// or sqlite::memory: URL";

impl StoreConfig {
    /// Checks the URLs' form (no connection is made). Errors never echo the URL.
    pub fn check(&self) -> Result<()> {
        check_url(&self.write)?;
        match self.read.as_deref().filter(|r| !r.trim().is_empty()) {
            Some(r) => check_url(r),
            None => Ok(()),
        }
    }
}

fn check_url(url: &str) -> Result<()> {
    let Some((scheme, _)) = url.split_once(':').filter(|(s, _)| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '+')) else {
        return Err(Error::invalid("db", format!("is not a URL; {EXPECTED}")));
    };
    let scheme = scheme.to_ascii_lowercase();
    let parsed = match scheme.as_str() {
        "mysql" => MySqlConnectOptions::from_str(url).map(drop),
        "mariadb" => MySqlConnectOptions::from_str(&format!("mysql{}", &url[7..])).map(drop),
        "postgres" | "postgresql" => PgConnectOptions::from_str(url).map(drop),
        "sqlite" => SqliteConnectOptions::from_str(url).map(drop),
        other => return Err(Error::invalid("db", format!("{other}: URLs are not supported; {EXPECTED}"))),
    };
    // sqlx's message may quote the URL (and its password): name only the kind.
    parsed.map_err(|_| Error::invalid("db", format!("is not a valid {scheme} URL")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(url: &str) -> Result<()> {
        StoreConfig::new(url).check()
    }

    #[test]
    fn known_schemes_pass_and_others_are_named() {
        for ok in ["mysql://root@127.0.0.1/test", "mariadb://u:p@h:3306/d", "postgres://postgres@127.0.0.1/test", "sqlite::memory:", "sqlite:///tmp/x.db"] {
            check(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        let e = check("redis://:hunter2@127.0.0.1:6379").unwrap_err().to_string();
        assert!(e.starts_with("db: redis: URLs are not supported"), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
        let e = check("just words").unwrap_err().to_string();
        assert!(e.contains("is not a URL"), "{e}");
        let e = check("mysql://u:hunter2@host:notaport/db").unwrap_err().to_string();
        assert!(e.contains("not a valid mysql URL") && !e.contains("hunter2"), "{e}");
    }
}
