//! napi adapter for the token service: argument conversion only.

use napi::bindgen_prelude::PromiseRaw;
use napi::Env;
use napi_derive::napi;

use super::errors::promise;
use crate::service::{ServiceConfig, TokenService};

#[napi(object)]
pub struct TokenServiceOptions {
    pub db: String,
    pub host: Option<String>,
    pub port: Option<u32>,
    pub auth_token: Option<String>,
    pub admin_token: Option<String>,
    pub legacy_create_get: Option<bool>,
    pub api_base: Option<String>,
    pub allow_open: Option<bool>,
    pub rate_limit: Option<u32>,
    pub connection_limits: Option<super::http::ConnectionLimits>,
    /// Proxy addresses whose X-Forwarded-For is believed (for rateLimit).
    pub trusted_proxies: Option<Vec<String>>,
    /// Also serve the operator console at /console.
    pub console: Option<super::console::ConsoleLogins>,
}

#[napi]
pub struct NativeTokenService {
    inner: TokenService,
}

#[napi]
pub fn start_token_service(env: &Env, options: TokenServiceOptions) -> napi::Result<PromiseRaw<'_, NativeTokenService>> {
    let port = u16::try_from(options.port.unwrap_or(0)).map_err(|_| crate::Error::invalid("port", "must be an integer from 0 to 65535"));
    let proxies: crate::Result<Vec<std::net::IpAddr>> = options
        .trusted_proxies
        .unwrap_or_default()
        .iter()
        .map(|p| p.trim().parse().map_err(|_| crate::Error::invalid("trustedProxies", format!("{p:?} is not an IP address"))))
        .collect();
    promise(env, async move {
        let port = port?;
        let console = options.console.map(|c| super::console::config(options.db.clone(), None, port, c));
        let cfg = ServiceConfig {
            console,
            db: options.db,
            host: options.host,
            port,
            auth_token: options.auth_token,
            admin_token: options.admin_token,
            legacy_create_get: options.legacy_create_get.unwrap_or(false),
            api_base: options.api_base,
            allow_open: options.allow_open.unwrap_or(false),
            rate_limit: options.rate_limit.unwrap_or(0),
            limits: options.connection_limits.into(),
            trusted_proxies: proxies?,
        };
        Ok(NativeTokenService { inner: TokenService::start(cfg).await? })
    })
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
pub fn install_schema(env: &Env, db: String) -> napi::Result<PromiseRaw<'_, InstallResult>> {
    promise(env, async move {
        let r = crate::service::admin::install(&db).await?;
        Ok(InstallResult { before: r.before, after: r.after })
    })
}

/// Registers an account (appid + secret) with the token service's database.
#[napi(ts_return_type = "Promise<void>")]
pub fn add_service_app(env: &Env, db: String, appid: String, secret: String) -> napi::Result<PromiseRaw<'_, ()>> {
    promise(env, async move { crate::service::admin::add_app(&db, &appid, &secret).await })
}

/// Registers a third-party platform (component appid + secret) with the token service's database.
#[napi(ts_return_type = "Promise<void>")]
pub fn add_service_platform(env: &Env, db: String, component_appid: String, secret: String) -> napi::Result<PromiseRaw<'_, ()>> {
    promise(env, async move { crate::service::admin::add_platform(&db, &component_appid, &secret).await })
}
