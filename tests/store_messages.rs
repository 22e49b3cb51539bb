//! Message dedup rows (`wxtp_messages`) on each backend: one claimant per
//! key even when claims race, the stored reply for every later delivery,
//! claims past their lease taken over, expired rows swept.

#[path = "store_support/mod.rs"]
mod store_support;

use store_support::*;
use wxthirdparty::store::{Claim, ClaimRequest};

async fn claims(b: Backend) {
    let db = TestDb::create(b).await;
    let store = db.store().await;
    assert_eq!(store.claim_message("wxauth", "id:1", 60_000).await.unwrap(), Claim::First);
    assert_eq!(store.claim_message("wxauth", "id:1", 60_000).await.unwrap(), Claim::Pending);
    // Another authorizer's message with the same MsgId is another message.
    assert_eq!(store.claim_message("wxother", "id:1", 60_000).await.unwrap(), Claim::First);
    store.finish_message("wxauth", "id:1", "<xml>reply</xml>", 60_000).await.unwrap();
    assert_eq!(store.claim_message("wxauth", "id:1", 60_000).await.unwrap(), Claim::Replied("<xml>reply</xml>".into()));
    // Keys are case-sensitive (MySQL's default collation is not).
    assert_eq!(store.claim_message("wxauth", "ev:oA:1", 60_000).await.unwrap(), Claim::First);
    assert_eq!(store.claim_message("wxauth", "ev:oa:1", 60_000).await.unwrap(), Claim::First);

    // Batches: results in order, a key repeated in one batch has one winner.
    let req = |k: &str, o: &str| ClaimRequest { scope: "wxauth".into(), key: k.into(), owner: o.into() };
    let out = store.claim_messages(&[req("id:1", "a"), req("id:3", "b"), req("id:3", "c"), req("id:4", "d")], 60_000).await.unwrap();
    assert_eq!(out, vec![Claim::Replied("<xml>reply</xml>".into()), Claim::First, Claim::Pending, Claim::First]);
    let done = |k: &str, r: &str| ("wxauth".to_owned(), k.to_owned(), r.to_owned());
    store.finish_messages(&[done("id:3", "x"), done("id:4", ""), done("id:4", "y")], 60_000).await.unwrap();
    assert_eq!(store.message_state("wxauth", "id:3").await.unwrap(), Claim::Replied("x".into()));
    assert_eq!(store.message_state("wxauth", "id:4").await.unwrap(), Claim::Replied("y".into()));

    // Expired rows are swept; the next delivery is a new claim.
    assert_eq!(store.claim_message("wxauth", "id:2", 1).await.unwrap(), Claim::First);
    store.finish_message("wxauth", "id:2", "", 1).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    assert!(store.sweep_messages().await.unwrap() >= 1);
    assert_eq!(store.claim_message("wxauth", "id:2", 60_000).await.unwrap(), Claim::First);
    assert_eq!(store.message_state("wxauth", "id:2").await.unwrap(), Claim::Pending);
}

async fn racing_claims(b: Backend) {
    let db = TestDb::create(b).await;
    let store = db.store().await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move { s.claim_message("wxauth", "id:race", 60_000).await.unwrap() }));
    }
    let mut firsts = 0;
    for t in tasks {
        if t.await.unwrap() == Claim::First {
            firsts += 1;
        }
    }
    assert_eq!(firsts, 1, "exactly one claimant");
}

/// A claim past its lease belongs to a process that died before answering:
/// the next claim of the key takes it over (once); a live claim or a reply
/// is never taken over.
async fn expired_claims_taken_over(b: Backend) {
    let db = TestDb::create(b).await;
    let store = db.store().await;
    assert_eq!(store.claim_message("wxauth", "id:9", 1).await.unwrap(), Claim::First);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let req = |o: &str| ClaimRequest { scope: "wxauth".into(), key: "id:9".into(), owner: o.into() };
    assert_eq!(store.claim_messages(&[req("x"), req("y")], 60_000).await.unwrap(), vec![Claim::First, Claim::Pending]);
    assert_eq!(store.claim_message("wxauth", "id:9", 60_000).await.unwrap(), Claim::Pending);
    assert!(!store.take_over_message("wxauth", "id:9", "z", 60_000).await.unwrap(), "a live claim stays");

    store.finish_message("wxauth", "id:9", "<xml>r</xml>", 1).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    assert!(!store.take_over_message("wxauth", "id:9", "z", 60_000).await.unwrap(), "a reply is never taken over");

    // Claims recorded behind (no read back) leave an existing row alone.
    store.record_claims(&[req("late")], 60_000).await.unwrap();
    assert_eq!(store.message_state("wxauth", "id:9").await.unwrap(), Claim::Replied("<xml>r</xml>".into()));
    store.record_claims(&[ClaimRequest { scope: "wxauth".into(), key: "id:10".into(), owner: "w".into() }], 60_000).await.unwrap();
    assert_eq!(store.claim_message("wxauth", "id:10", 60_000).await.unwrap(), Claim::Pending);
}

per_backend!(claims, racing_claims, expired_claims_taken_over);
