//! A database that cannot be reached is reported at once with its host and
//! the cause, never as "pool timed out" after the acquire timeout, and never
//! with the password. (Access denied / unknown database against the real
//! servers: __test__/bad-input.test.js.)

use std::time::{Duration, Instant};

use wxthirdparty::store::{Store, StoreConfig};
use wxthirdparty::Error;

async fn refused(url: &str) -> String {
    let t = Instant::now();
    let e = Store::connect(&StoreConfig::new(url)).await.expect_err("nothing listens on port 1");
    // Well under the pool's 5 s acquire timeout: the refusal is known at once.
    assert!(t.elapsed() < Duration::from_secs(4), "{url}: took {:?}", t.elapsed());
    match e {
        Error::Store(m) => m,
        other => panic!("{url}: {other:?}"),
    }
}

#[tokio::test]
async fn a_refused_connection_names_host_and_cause() {
    for url in ["mysql://nobody@127.0.0.1:1/x", "mariadb://u:hunter2pw@127.0.0.1:1/x", "postgres://postgres:hunter2pw@127.0.0.1:1/test"] {
        let m = refused(url).await;
        assert!(m.starts_with("cannot open database at 127.0.0.1:1: connection refused"), "{url}: {m}");
        assert!(!m.contains("hunter2pw") && !m.contains("pool timed out"), "{url}: {m}");
    }
}

#[tokio::test]
async fn a_sqlite_file_that_cannot_be_created_names_the_path() {
    let e = Store::connect(&StoreConfig::new("sqlite:///nonexistent-wxtp-dir/x.db")).await.expect_err("no such directory");
    let m = e.to_string();
    assert!(m.contains("/nonexistent-wxtp-dir/x.db") && m.contains("cannot open the file"), "{m}");
}
