//! napi adapter for the platform, `NativeComponent` (ThirdpartyServer's
//! native half; lib/server.js adds the Node conventions). Conversion only:
//! its values as napi objects in `values`, its administrative calls in
//! `admin`, its mini-program rows in `wxa`.

mod admin;
mod authorizer_kinds;
mod rollouts;
pub(crate) use rollouts::RolloutAppInput;
mod values;
mod wxa;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::Value;

use crate::component::{self, AuthorizeUrlOptions, Component, ComponentConfig};
use crate::error::Error as CoreError;
use crate::store::StoreConfig;

use crate::node::client::NativeClient;
use crate::node::errors::{promise, promise_map, OrThrow};
use values::{AuthorizerUserInfo, ComponentSecretsState, PlatformEvent, StampedAuthorizer};

fn not_open() -> CoreError {
    CoreError::NotReady("the platform is not open yet".into())
}

/// Who the platform is and where it keeps its state (lib/server.js builds it
/// from the constructor's arguments).
#[napi(object)]
pub struct ComponentOptions {
    pub appid: String,
    pub appsecret: String,
    pub token: String,
    pub encoding_aes_key: String,
    pub db_write: String,
    pub db_read: Option<String>,
    pub is_cluster: bool,
}

/// ThirdpartyServer's `options`, passed through as the app gave them
/// (index.d.ts's ThirdpartyServerOptions is checked against this).
#[napi(object)]
pub struct ThirdpartyServerOptions {
    /// WeChat base URL (default https://api.weixin.qq.com, or WXTHIRDPARTY_API_BASE).
    pub api_base: Option<String>,
    /// Workers take over refreshing when no master holds the lease.
    pub failover: Option<bool>,
    /// Database pool size (default 5).
    pub pool_size: Option<u32>,
    pub max_tick_ms: Option<f64>,
    pub poll_interval_ms: Option<f64>,
    pub refresh_ahead_ratio: Option<f64>,
    pub lease_ttl_ms: Option<f64>,
    pub wait_timeout_ms: Option<f64>,
    pub ticket_max_age_ms: Option<f64>,
    pub push_ticket_interval_ms: Option<f64>,
    pub authorizer_batch: Option<u32>,
    /// This process may drive rollouts (default true).
    pub drive_rollouts: Option<bool>,
    /// Pushes signed further than this many seconds from our clock are refused (0: any age; default 300).
    pub timestamp_window_secs: Option<f64>,
}

fn ms(v: Option<f64>, default: Duration) -> Duration {
    v.filter(|x| x.is_finite() && *x >= 0.0).map(|x| Duration::from_millis(x as u64)).unwrap_or(default)
}

fn config(who: ComponentOptions, o: Option<ThirdpartyServerOptions>) -> ComponentConfig {
    let o = o.unwrap_or(ThirdpartyServerOptions {
        api_base: None,
        failover: None,
        pool_size: None,
        max_tick_ms: None,
        poll_interval_ms: None,
        refresh_ahead_ratio: None,
        lease_ttl_ms: None,
        wait_timeout_ms: None,
        ticket_max_age_ms: None,
        push_ticket_interval_ms: None,
        authorizer_batch: None,
        drive_rollouts: None,
        timestamp_window_secs: None,
    });
    let mut c = ComponentConfig::new(&who.appid, &who.appsecret, &who.token, &who.encoding_aes_key, &who.db_write);
    c.store = StoreConfig { write: who.db_write, read: who.db_read, max_connections: o.pool_size.unwrap_or(5) };
    c.is_cluster = who.is_cluster;
    c.failover = o.failover.unwrap_or(false);
    // Empty or unset: the native side reads WXTHIRDPARTY_API_BASE, else WeChat's own base.
    c.api_base = o.api_base.filter(|b| !b.is_empty());
    c.max_tick = ms(o.max_tick_ms, c.max_tick);
    c.poll_interval = ms(o.poll_interval_ms, c.poll_interval);
    c.refresh_ahead_ratio = o.refresh_ahead_ratio.unwrap_or(c.refresh_ahead_ratio);
    c.lease_ttl_ms = o.lease_ttl_ms.map(|v| v as i64).unwrap_or(c.lease_ttl_ms);
    c.wait_timeout = ms(o.wait_timeout_ms, c.wait_timeout);
    c.ticket_max_age_ms = o.ticket_max_age_ms.map(|v| v as i64).unwrap_or(c.ticket_max_age_ms);
    c.push_ticket_interval = ms(o.push_ticket_interval_ms, c.push_ticket_interval);
    c.authorizer_batch = o.authorizer_batch.map(|v| v as usize).unwrap_or(c.authorizer_batch);
    c.drive_rollouts = o.drive_rollouts.unwrap_or(c.drive_rollouts);
    c.timestamp_window_secs = o.timestamp_window_secs.filter(|v| *v >= 0.0).map(|v| v as u64).unwrap_or(c.timestamp_window_secs);
    c
}

#[napi]
pub struct NativeComponent {
    cfg: ComponentConfig,
    inner: Arc<OnceLock<Arc<Component>>>,
}

#[napi]
impl NativeComponent {
    #[napi(constructor)]
    pub fn new(env: &Env, platform: ComponentOptions, options: Option<ThirdpartyServerOptions>) -> Result<Self> {
        let cfg = config(platform, options);
        cfg.validate().or_throw(env)?;
        Ok(NativeComponent { cfg, inner: Arc::new(OnceLock::new()) })
    }

    /// The core, or the error an async call rejects with.
    pub(crate) fn opened(&self) -> crate::error::Result<Arc<Component>> {
        match self.inner.get() {
            Some(c) if c.is_closed() => Err(CoreError::NotReady("the platform is closed (close() was called)".into())),
            Some(c) => Ok(c.clone()),
            None => Err(not_open()),
        }
    }

    /// Connects the store and creates missing tables.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn open<'e>(&self, env: &'e Env) -> Result<PromiseRaw<'e, ()>> {
        let (cfg, cell) = (self.cfg.clone(), self.inner.clone());
        promise(env, async move {
            if cell.get().is_none() {
                let _ = cell.set(Component::open(cfg).await?);
            }
            Ok(())
        })
    }

    #[napi]
    pub fn start(&self, env: &Env) -> Result<()> {
        self.opened().or_throw(env)?.start();
        Ok(())
    }

    /// The next event, or null once closed.
    #[napi]
    pub fn next_event<'e>(&self, env: &'e Env) -> Result<PromiseRaw<'e, Option<PlatformEvent<'e>>>> {
        let c = self.opened();
        promise_map(env, async move { Ok(c?.next_event().await) }, |env, e| e.map(|e| PlatformEvent::from_core(env, e)).transpose())
    }

    #[napi(ts_args_type = "body: string, query?: Record<string, string | number | undefined> | undefined | null", ts_return_type = "Promise<Record<string, unknown>>")]
    pub fn handle_push<'e>(&self, env: &'e Env, body: String, query: Option<Value>) -> Result<PromiseRaw<'e, Value>> {
        let q = component::signature_query(query.as_ref());
        let c = self.opened();
        promise(env, async move { c?.handle_push(&body, q?.as_ref()).await.map(Value::Object) })
    }

    #[napi]
    pub fn secrets<'e>(&self, env: &'e Env) -> Result<PromiseRaw<'e, ComponentSecretsState>> {
        let c = self.opened();
        promise(env, async move { c?.secrets().await.map(Into::into) })
    }

    #[napi]
    pub fn component_access_token<'e>(&self, env: &'e Env) -> Result<PromiseRaw<'e, String>> {
        let c = self.opened();
        promise(env, async move { c?.component_access_token().await })
    }

    #[napi]
    pub fn pre_auth_code<'e>(&self, env: &'e Env) -> Result<PromiseRaw<'e, String>> {
        let c = self.opened();
        promise(env, async move { c?.pre_auth_code().await })
    }

    #[napi(ts_return_type = "Promise<void>")]
    pub fn request_ticket_push<'e>(&self, env: &'e Env) -> Result<PromiseRaw<'e, ()>> {
        let c = self.opened();
        promise(env, async move { c?.request_ticket_push().await })
    }

    #[napi]
    pub fn authorize_url<'e>(&self, env: &'e Env, redirect_uri: String, mobile: bool, auth_type: Option<i64>, biz_appid: Option<String>) -> Result<PromiseRaw<'e, String>> {
        let opts = AuthorizeUrlOptions { mobile, auth_type, biz_appid };
        let c = self.opened();
        promise(env, async move { c?.authorize_url(&redirect_uri, &opts).await })
    }

    #[napi(ts_return_type = "Promise<StoredAuthorizer & AuthorizerTokenFields>")]
    pub fn handle_auth_code<'e>(&self, env: &'e Env, code: String) -> Result<PromiseRaw<'e, AuthorizerUserInfo>> {
        let c = self.opened();
        promise(env, async move { c?.handle_auth_code(&code).await.map(Into::into) })
    }

    #[napi(ts_return_type = "Promise<StoredAuthorizer & AuthorizerTokenFields>")]
    pub fn get_authorizer<'e>(&self, env: &'e Env, appid_or_wx_token: String) -> Result<PromiseRaw<'e, AuthorizerUserInfo>> {
        let c = self.opened();
        promise(env, async move { c?.get_authorizer(&appid_or_wx_token).await.map(Into::into) })
    }

    /// The authorizer from memory, or null when the cache cannot answer (the
    /// caller then takes `get_authorizer`): no task, no promise. A caller
    /// holding the object of an earlier answer passes its stamp and gets
    /// `true` while that object is still the answer (building it is most of
    /// a lookup's cost); a new answer comes as `{ info, stampSeq, stampAt }`.
    #[napi]
    pub fn authorizer_cached(&self, appid_or_wx_token: String, stamp_seq: Option<f64>, stamp_at: Option<f64>) -> Option<napi::Either<bool, StampedAuthorizer>> {
        let c = self.inner.get()?;
        if let (Some(seq), Some(at)) = (stamp_seq, stamp_at) {
            let now = c.authorizer_stamp_now(&appid_or_wx_token)?;
            if now.record_seq as f64 == seq && now.token_updated_at_ms as f64 == at {
                return Some(napi::Either::A(true));
            }
        }
        let (stamp, view) = c.authorizer_now_stamped(&appid_or_wx_token)?;
        Some(napi::Either::B(StampedAuthorizer { info: view.into(), stamp_seq: stamp.record_seq as f64, stamp_at: stamp.token_updated_at_ms as f64 }))
    }

    /// The authorizer's access token (refreshed when due), without its profile.
    #[napi]
    pub fn authorizer_access_token<'e>(&self, env: &'e Env, appid: String) -> Result<PromiseRaw<'e, String>> {
        let c = self.opened();
        promise(env, async move { Ok(c?.authorizer_access_token(&appid).await?.value) })
    }

    #[napi(ts_return_type = "Promise<Record<string, unknown>>")]
    pub fn refresh_authorizer_token<'e>(&self, env: &'e Env, appid: String, refresh_token: String) -> Result<PromiseRaw<'e, Value>> {
        let c = self.opened();
        promise(env, async move { c?.refresh_authorizer_token(&appid, &refresh_token).await })
    }

    #[napi]
    pub fn client(&self, env: &Env, appid: String) -> Result<NativeClient> {
        Ok(NativeClient::new(self.opened().or_throw(env)?.client(&appid)))
    }

    /// OAuth on behalf of an authorizer (component OAuth).
    #[napi]
    pub fn oauth(&self, env: &Env, appid: String, is_mini_program: bool) -> Result<crate::node::oauth::NativeOAuth> {
        let core = self
            .opened()
            .and_then(|c| crate::oauth::OAuth::on_behalf(c.credential(), c.store().clone(), c.transport().clone(), &appid, is_mini_program))
            .or_throw(env)?;
        Ok(crate::node::oauth::NativeOAuth::from_core(core))
    }

    #[napi(ts_return_type = "Promise<void>")]
    pub fn close<'e>(&self, env: &'e Env) -> Result<PromiseRaw<'e, ()>> {
        let c = self.inner.get().cloned();
        promise(env, async move {
            if let Some(c) = c {
                c.close().await;
            }
            Ok(())
        })
    }
}
