//! The native listener over real HTTP: what it answers a request it cannot
//! take comes from the one table in `http::Answer` (a malformed
//! percent-escape is 400, not 500; over 1 MB is 413), and the host hears of
//! each refusal as `message_rejected`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Map, Value};
use wxthirdparty::inbox::{Inbox, InboxOptions, MessageHandler, MessageListener};
use wxthirdparty::model::BoxFut;
use wxthirdparty::store::AuthorizerRecord;
use wxthirdparty::Error;

#[derive(Default)]
struct Host {
    notices: Mutex<Vec<(String, Option<String>)>>,
    runs: Mutex<usize>,
}

impl MessageHandler for Host {
    fn handle(&self, _: Map<String, Value>, _: String, _: Option<AuthorizerRecord>) -> BoxFut<'static, Option<Value>> {
        *self.runs.lock().unwrap() += 1;
        Box::pin(async { Some(Value::from("hi")) })
    }
    fn notice(&self, name: &'static str, _: Option<&str>, error: Option<&Error>) {
        self.notices.lock().unwrap().push((name.to_owned(), error.map(|e| e.to_string())));
    }
}

#[tokio::test]
async fn the_native_listener_answers_from_the_one_table() {
    let inbox = Inbox::open_account("tok", None, None, None, InboxOptions::default(), Arc::new(|_| {})).await.unwrap();
    let host = Arc::new(Host::default());
    let listener = MessageListener::start(Arc::new(inbox), host.clone(), "127.0.0.1", 0, Duration::from_secs(1), Default::default()).await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.port());
    let http = reqwest::Client::new();
    let post = |path: &str, body: String| http.post(format!("{base}{path}")).body(body).send();

    let r = post("/wx%zz/cb?timestamp=1&nonce=2&signature=x", "<xml/>".into()).await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.text().await.unwrap(), "invalid message");
    let r = post("/wx1/cb?timestamp=%4&nonce=2&signature=x", "<xml/>".into()).await.unwrap();
    assert_eq!(r.status(), 400);
    let r = post("/wx1/cb?timestamp=1&nonce=2&signature=x", "x".repeat(1536 * 1024)).await.unwrap();
    assert_eq!(r.status(), 413);
    // A plain-mode signature that does not match: not authenticated.
    let r = post("/wx1/cb?timestamp=1&nonce=2&signature=0000", "<xml><ToUserName>a</ToUserName></xml>".into()).await.unwrap();
    assert_eq!(r.status(), 401);
    let r = http.put(format!("{base}/wx1/cb")).send().await.unwrap();
    assert_eq!(r.status(), 405);

    let notices = host.notices.lock().unwrap().clone();
    let named: Vec<&str> = notices.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(named, ["message_rejected", "message_rejected", "message_rejected"], "{notices:?}");
    assert!(notices[0].1.as_deref().unwrap().contains("path has a malformed percent-escape"), "{notices:?}");
    assert!(notices[1].1.as_deref().unwrap().contains("query has a malformed percent-escape"), "{notices:?}");
    assert_eq!(*host.runs.lock().unwrap(), 0);
    listener.close().await;
}
