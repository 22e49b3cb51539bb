//! Token cells: one abstraction for every token kind (component_access_token,
//! pre_auth_code, authorizer_access_token + refresh token, an account's own
//! access_token, jsapi / wx_card tickets, OAuth user tokens). What a cell
//! fetches with is `crate::credential`'s business.

mod backoff;
mod cell;
mod options;

use std::future::Future;

pub use cell::TokenCell;
pub use options::{default_owner_id, fetch_limit, CellEvent, CellOptions, EventHook, Role};

use crate::error::Result;
use crate::model::{BoxFut, Token};

/// The upstream call (WeChat) for one cell. `current` is the token held now,
/// if any (it carries e.g. the authorizer refresh token).
pub trait Fetch: Send + Sync + 'static {
    fn fetch<'a>(&'a self, current: Option<&'a Token>) -> BoxFut<'a, Result<Token>>;

    /// Obtains what `fetch` is made with (another cell's token), None when
    /// nothing: before the fleet lease is taken, and again before a retry,
    /// so waiting for it (another process refreshing it) eats neither the
    /// lease nor the fetch's time limit (given up on, a fetch WeChat
    /// answered is fetched again). A fetch that has one answers a rejection
    /// of it as transient after dropping it (`credential::with_token_once`):
    /// retried, after this again.
    fn prepare(&self) -> Option<BoxFut<'_, Result<()>>> {
        None
    }
}

/// Adapts an async closure into a `Fetch`.
pub struct FetchFn<F>(pub F);

impl<F, Fut> Fetch for FetchFn<F>
where
    F: Fn(Option<Token>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Token>> + Send + 'static,
{
    fn fetch<'a>(&'a self, current: Option<&'a Token>) -> BoxFut<'a, Result<Token>> {
        Box::pin((self.0)(current.cloned()))
    }
}
