//! A token's lifetime counts from the request, not from a slow answer: found
//! by the soak (scripts/soak.js), where 800 ms delays on 5 s tokens made the
//! fleet present tokens WeChat had already expired (42001).

#[path = "token_support/mod.rs"]
mod token_support;

use token_support::*;
use wxthirdparty::model::now_ms;
use wxthirdparty::token::{CellOptions, TokenCell, TokenKey, TokenKind};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_answer_does_not_extend_the_token_past_its_end() {
    // WeChat issues a 2 s token and takes 400 ms to say so.
    let up = Upstream::start(vec![Mode::Ok { lifetime_ms: 2000, delay_ms: 400 }]).await;
    let key = TokenKey::component("wxcomponent", TokenKind::ComponentAccessToken);
    let cell = TokenCell::new(key, None, HttpFetch::new(&up.url), CellOptions::default());
    let asked = now_ms();
    let t = cell.get().await.unwrap();
    // The upstream answered at least 400 ms after `asked`; its expires_in must
    // be counted from no later than the request.
    assert!(t.expires_at_ms <= asked + 2000 + 50, "expires {} ms after the request", t.expires_at_ms - asked);
    assert!(t.expires_at_ms > asked + 1500, "still lives about its lifetime");
}
