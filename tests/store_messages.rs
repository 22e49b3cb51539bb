//! Message dedup rows (`wxtp_messages`) on each backend: one claimant per
//! key even when claims race, the stored reply for every later delivery,
//! expired rows taken over.

#[path = "store_support/mod.rs"]
mod store_support;

use store_support::*;
use wxthirdparty::store::Claim;

async fn claims(b: Backend) {
    let db = TestDb::create(b).await;
    let store = db.store().await;
    assert_eq!(store.claim_message("wxauth", "id:1", 60_000).await.unwrap(), Claim::First);
    assert_eq!(store.claim_message("wxauth", "id:1", 60_000).await.unwrap(), Claim::Pending);
    // Another authorizer's message with the same MsgId is another message.
    assert_eq!(store.claim_message("wxother", "id:1", 60_000).await.unwrap(), Claim::First);
    store.finish_message("wxauth", "id:1", "<xml>reply</xml>").await.unwrap();
    assert_eq!(store.claim_message("wxauth", "id:1", 60_000).await.unwrap(), Claim::Replied("<xml>reply</xml>".into()));
    // Keys are case-sensitive (MySQL's default collation is not).
    assert_eq!(store.claim_message("wxauth", "ev:oA:1", 60_000).await.unwrap(), Claim::First);
    assert_eq!(store.claim_message("wxauth", "ev:oa:1", 60_000).await.unwrap(), Claim::First);

    // An expired row is taken over by the next delivery.
    assert_eq!(store.claim_message("wxauth", "id:2", 1).await.unwrap(), Claim::First);
    store.finish_message("wxauth", "id:2", "").await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
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

per_backend!(claims, racing_claims);
