//! One-shot database chores for the CLI: `install --db` and `app add`.

use crate::error::Result;
use crate::store::{Store, StoreConfig, SCHEMA_VERSION};

/// Schema versions before and after an install.
pub struct Installed {
    pub before: i64,
    pub after: i64,
}

async fn open(db: &str) -> Result<Store> {
    let mut cfg = StoreConfig::new(db);
    cfg.max_connections = 2;
    Store::connect(&cfg).await
}

/// Creates or upgrades every table (never drops one).
pub async fn install(db: &str) -> Result<Installed> {
    let store = open(db).await?;
    // No wxtp_schema yet reads as an error: a fresh database.
    let before = store.schema_version().await.unwrap_or(0);
    let r = store.migrate().await;
    let after = store.schema_version().await.unwrap_or(SCHEMA_VERSION);
    store.close().await;
    r.map(|()| Installed { before, after })
}

/// Registers (or re-keys) an account with the token service's database.
pub async fn add_app(db: &str, appid: &str, secret: &str) -> Result<()> {
    register(db, appid, secret, false).await
}

/// Registers (or re-keys) a third-party platform (its component secret).
pub async fn add_platform(db: &str, component_appid: &str, secret: &str) -> Result<()> {
    register(db, component_appid, secret, true).await
}

async fn register(db: &str, appid: &str, secret: &str, platform: bool) -> Result<()> {
    crate::credential::check_appid(appid)?;
    super::apps::check_secret(secret)?;
    let store = open(db).await?;
    let r = async {
        store.migrate().await?;
        if platform { store.save_platform(appid, secret).await } else { store.save_app(appid, secret).await }
    }
    .await;
    store.close().await;
    r
}
