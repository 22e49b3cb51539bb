//! napi adapter for the token service: argument conversion only.

use napi_derive::napi;

use super::IntoNapi;
use crate::service::{ServiceConfig, TokenService};

#[napi(object)]
pub struct TokenServiceOptions {
    pub db: String,
    pub host: Option<String>,
    pub port: Option<u32>,
    pub auth_token: Option<String>,
    pub api_base: Option<String>,
    pub allow_open: Option<bool>,
    pub rate_limit: Option<u32>,
}

#[napi]
pub struct NativeTokenService {
    inner: TokenService,
}

#[napi]
pub async fn start_token_service(options: TokenServiceOptions) -> napi::Result<NativeTokenService> {
    let port = options.port.unwrap_or(0);
    let port = u16::try_from(port).map_err(|_| super::to_napi(crate::Error::invalid("port", "must be an integer from 0 to 65535")))?;
    let cfg = ServiceConfig {
        db: options.db,
        host: options.host,
        port,
        auth_token: options.auth_token,
        api_base: options.api_base,
        allow_open: options.allow_open.unwrap_or(false),
        rate_limit: options.rate_limit.unwrap_or(0),
    };
    let inner = TokenService::start(cfg).await.napi()?;
    Ok(NativeTokenService { inner })
}

#[napi]
impl NativeTokenService {
    #[napi(getter)]
    pub fn url(&self) -> String {
        self.inner.url()
    }

    #[napi(getter)]
    pub fn port(&self) -> u32 {
        self.inner.port() as u32
    }

    #[napi]
    pub async fn close(&self) {
        self.inner.close().await
    }
}

#[napi(object)]
pub struct InstallResult {
    /// Schema version found (0: no wxthirdparty tables yet).
    pub before: i64,
    pub after: i64,
}

/// Creates or upgrades every table in `db`.
#[napi]
pub async fn install_schema(db: String) -> napi::Result<InstallResult> {
    let r = crate::service::admin::install(&db).await.napi()?;
    Ok(InstallResult { before: r.before, after: r.after })
}

/// Registers an account (appid + secret) with the token service's database.
#[napi]
pub async fn add_service_app(db: String, appid: String, secret: String) -> napi::Result<()> {
    crate::service::admin::add_app(&db, &appid, &secret).await.napi()
}

/// Registers a third-party platform (component appid + secret) with the token service's database.
#[napi]
pub async fn add_service_platform(db: String, component_appid: String, secret: String) -> napi::Result<()> {
    crate::service::admin::add_platform(&db, &component_appid, &secret).await.napi()
}
