//! The one authenticated-call primitive: call WeChat with a token from a
//! source; when WeChat rejects it (40001 / 42001 / 40014), drop exactly that
//! token (compare-and-expire) and retry once with a fresh one. Every caller
//! (component calls, API clients, uploads, ticket fetches, OAuth calls;
//! master or worker) uses it.

use std::future::Future;

use crate::error::{Error, Result};
use crate::model::BoxFut;
use crate::token::TokenCell;

/// Where a call gets its token, and where it reports one WeChat rejected.
pub trait TokenSource: Send + Sync + 'static {
    /// A usable token and its expiry (ms since epoch).
    fn token(&self) -> BoxFut<'_, Result<(String, i64)>>;
    /// `failed` met 40001 / 42001 / 40014 (`cause`): drop it if it is still current.
    fn invalidate<'a>(&'a self, failed: &'a str, cause: &'a Error) -> BoxFut<'a, Result<()>>;
    /// The valid token in memory, without I/O (wechat-api's `api.token`).
    fn peek(&self) -> Option<(String, i64)> {
        None
    }
}

impl TokenSource for TokenCell {
    fn token(&self) -> BoxFut<'_, Result<(String, i64)>> {
        Box::pin(async move {
            let t = self.get().await?;
            Ok((t.value, t.expires_at_ms))
        })
    }
    fn invalidate<'a>(&'a self, failed: &'a str, cause: &'a Error) -> BoxFut<'a, Result<()>> {
        Box::pin(TokenCell::invalidate(self, failed, Some(cause)))
    }
    fn peek(&self) -> Option<(String, i64)> {
        self.cached_valid().map(|t| (t.value, t.expires_at_ms))
    }
}

/// One call with `source`'s token, for a cell's fetch that has it as its
/// prerequisite: a rejected token is dropped (compare-and-expire) and the
/// rejection answered as transient, so the cell retries after obtaining the
/// token again outside its lease (see `Fetch::prepare`), not inside it.
pub async fn with_token_once<T, F, Fut>(source: &(impl TokenSource + ?Sized), call: F) -> Result<T>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let (token, _) = source.token().await?;
    match call(token.clone()).await {
        Err(e) if e.is_token_invalid() => {
            source.invalidate(&token, &e).await?;
            let code = e.code().unwrap_or_default();
            Err(Error::Transport(format!("the access token this is fetched with was rejected (errcode {code}: {e}); obtained again before the retry")))
        }
        other => other,
    }
}

/// `call(token)`; on a rejected token, compare-and-expire and one retry.
pub async fn with_token<T, F, Fut>(source: &(impl TokenSource + ?Sized), call: F) -> Result<T>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let (token, _) = source.token().await?;
    match call(token.clone()).await {
        Err(e) if e.is_token_invalid() => {
            source.invalidate(&token, &e).await?;
            let (fresh, _) = source.token().await?;
            if fresh == token {
                // The source handed back the token WeChat just rejected: don't hammer WeChat with it.
                return Err(Error::NotReady("no fresh access token is available yet".into()));
            }
            call(fresh).await
        }
        other => other,
    }
}
