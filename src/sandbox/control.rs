//! The control API under /__sandbox.

use std::sync::Arc;

use super::state::Shared;

pub(crate) fn router() -> axum::Router<Arc<Shared>> {
    axum::Router::new()
}
