//! napi adapter for the operator console: argument conversion only.

use napi::bindgen_prelude::PromiseRaw;
use napi::Env;
use std::sync::Arc;

use napi_derive::napi;

use super::errors::promise;
use crate::console::{Console, ConsoleConfig, ConsoleLogin, Role};

/// The console's logins, as `startConsole` and `startTokenService({ console })` take them.
#[napi(object)]
pub struct ConsoleLogins {
    /// The operator's token (user `operator`).
    pub token: Option<String>,
    /// The viewer's token (user `viewer`).
    pub viewer_token: Option<String>,
    pub component_appid: Option<String>,
}

#[napi(object)]
pub struct ConsoleOptions {
    pub db: String,
    pub host: Option<String>,
    pub port: Option<u32>,
    pub token: Option<String>,
    pub viewer_token: Option<String>,
    pub component_appid: Option<String>,
}

pub(crate) fn config(db: String, host: Option<String>, port: u16, logins: ConsoleLogins) -> ConsoleConfig {
    let mut l = Vec::new();
    if let Some(t) = logins.token {
        l.push(ConsoleLogin { name: "operator".into(), role: Role::Operator, password: t });
    }
    if let Some(t) = logins.viewer_token {
        l.push(ConsoleLogin { name: "viewer".into(), role: Role::Viewer, password: t });
    }
    ConsoleConfig { db, host, port, logins: l, component_appid: logins.component_appid, rollouts: Some(Arc::new(|store| Arc::new(crate::rollout::ConsoleBoard::new(store)) as crate::console::Board)) }
}

#[napi]
pub struct NativeConsole {
    inner: Console,
}

#[napi]
pub fn start_console(env: &Env, options: ConsoleOptions) -> napi::Result<PromiseRaw<'_, NativeConsole>> {
    let port = u16::try_from(options.port.unwrap_or(0)).map_err(|_| crate::Error::invalid("port", "must be an integer from 0 to 65535"));
    promise(env, async move {
        let logins = ConsoleLogins { token: options.token, viewer_token: options.viewer_token, component_appid: options.component_appid };
        let cfg = config(options.db, options.host, port?, logins);
        Ok(NativeConsole { inner: Console::start(cfg).await? })
    })
}

#[napi]
impl NativeConsole {
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
