//! Several processes (here: pools) opening the same new SQLite file at once —
//! a master and its workers starting together — all succeed.

use wxthirdparty::store::{Store, StoreConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_first_opens_of_one_sqlite_file_all_succeed() {
    for round in 0..20 {
        let dir = std::env::temp_dir().join(format!("wxtp-sqlite-open-{}-{round}-{:08x}", std::process::id(), rand::random::<u32>()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("platform.db").display());
        let opens = (0..4).map(|_| {
            let url = url.clone();
            tokio::spawn(async move {
                let store = Store::connect(&StoreConfig::new(url)).await?;
                store.migrate().await?;
                store.close().await;
                Ok::<_, wxthirdparty::Error>(())
            })
        });
        for r in futures_join(opens).await {
            r.expect("task").unwrap_or_else(|e| panic!("round {round}: {e}"));
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

async fn futures_join<T>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<Result<T, tokio::task::JoinError>> {
    let mut out = Vec::new();
    for h in handles.collect::<Vec<_>>() {
        out.push(h.await);
    }
    out
}

/// The SQLite compiled into the addon has the fix for CVE-2025-6965 (3.50.2)
/// and what came before it: a downgrade of libsqlite3-sys fails here.
#[tokio::test]
async fn the_bundled_sqlite_is_past_cve_2025_6965() {
    use sqlx::{Connection, Row};
    let mut c = sqlx::SqliteConnection::connect("sqlite::memory:").await.unwrap();
    let v: String = sqlx::query("SELECT sqlite_version()").fetch_one(&mut c).await.unwrap().get(0);
    let parts: Vec<u32> = v.split('.').map(|p| p.parse().unwrap()).collect();
    assert!(parts.as_slice() >= [3, 50, 2].as_slice(), "bundled SQLite {v} predates 3.50.2 (CVE-2025-6965)");
}
