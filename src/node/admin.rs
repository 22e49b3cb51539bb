//! napi adapter for the platform's administrative calls (conversion only).

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::Value;

use super::server::NativeComponent;
use super::IntoNapi;

async fn run<T: Send + 'static>(fut: impl std::future::Future<Output = crate::error::Result<T>> + Send + 'static) -> Result<T> {
    tokio::spawn(fut).await.map_err(|e| Error::from_reason(format!("Error||task failed: {e}")))?.napi()
}

#[napi]
impl NativeComponent {
    #[napi]
    pub async fn authorizer_option(&self, appid: String, name: String) -> Result<Value> {
        let c = self.core()?;
        run(async move { c.authorizer_option(&appid, &name).await }).await
    }

    #[napi]
    pub async fn set_authorizer_option(&self, appid: String, name: String, value: String) -> Result<()> {
        let c = self.core()?;
        run(async move { c.set_authorizer_option(&appid, &name, &value).await }).await
    }

    #[napi]
    pub async fn authorizer_list_page(&self, offset: i64, count: i64) -> Result<Value> {
        let c = self.core()?;
        run(async move { c.authorizer_list_page(offset, count).await }).await
    }

    #[napi]
    pub async fn clear_component_quota(&self) -> Result<()> {
        let c = self.core()?;
        run(async move { c.clear_component_quota().await }).await
    }
}
