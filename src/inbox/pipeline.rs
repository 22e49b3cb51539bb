//! The pipeline of one message URL (`Inbox`): verify, decrypt, parse, dedup
//! fleet-wide, answer WeChat's release check, and seal the reply. It serves
//! a platform's 消息与事件接收URL (one envelope for every authorizer, keyed
//! by the appid in the path) and an account's own server (plain, compatible
//! or safe mode).

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};
use subtle::ConstantTimeEq;
use tokio::runtime::Handle;

use super::ledger::{Ledger, OnWriteFailure, Seen};
use super::platform::{Platform, ReplyFailed};
use super::release_check::{self, ReleaseAnswer};
use super::tally::{Count, Tally};
use crate::crypto::{random_nonce, sign, MsgCrypt};
use crate::error::{Error, Result};
use crate::message::{build_reply, check_timestamp, decrypt_envelope, encrypt_envelope, now_secs, now_timestamp, parse, DEFAULT_TIMESTAMP_WINDOW_SECS, verify_url, SignatureQuery, VerifyUrlQuery};
use crate::store::{AuthorizerRecord, Claim, Store, StoreConfig};

/// How long a reply is remembered (WeChat retries within ~15 s).
pub const DEDUP_TTL_MS: i64 = 5 * 60 * 1000;
/// How long a claim holds: the handler's deadline (4.5 s) and a margin. A
/// claim still pending after it belongs to a process that died.
pub const CLAIM_LEASE_MS: i64 = 6_000;
/// Deliveries younger than this (by CreateTime) are first deliveries
/// (WeChat retries after 5 s), claimed in memory.
pub const FRESH_MS: i64 = 3_000;
/// How long a retry waits for the first delivery's reply (WeChat's deadline is 5 s).
pub const RETRY_WAIT: Duration = Duration::from_millis(4500);

#[derive(Clone, Debug)]
pub struct InboxOptions {
    /// Answer WeChat's 全网发布 test accounts built in.
    pub release_check: bool,
    pub dedup_ttl_ms: i64,
    pub claim_lease_ms: i64,
    /// 0: every delivery is claimed in the store before its handler runs.
    pub fresh_ms: i64,
    pub retry_wait: Duration,
    /// With an encodingAESKey: refuse plain-mode POSTs (a platform always does).
    pub safe_mode_only: bool,
    /// Plain mode only: false takes unsigned requests (node-webot's
    /// `checkSignature: false`, for a proxy that checked already).
    pub check_signature: bool,
    /// Messages signed further than this from our clock are refused (0: any age).
    pub timestamp_window_secs: u64,
}

impl Default for InboxOptions {
    fn default() -> Self {
        InboxOptions {
            release_check: true,
            dedup_ttl_ms: DEDUP_TTL_MS,
            claim_lease_ms: CLAIM_LEASE_MS,
            fresh_ms: FRESH_MS,
            retry_wait: RETRY_WAIT,
            safe_mode_only: false,
            check_signature: true,
            timestamp_window_secs: DEFAULT_TIMESTAMP_WINDOW_SECS,
        }
    }
}

/// The query of a message request (any subset; what is needed is checked).
#[derive(Clone, Debug, Default)]
pub struct MessageQuery {
    pub signature: Option<String>,
    pub timestamp: Option<String>,
    pub nonce: Option<String>,
    pub msg_signature: Option<String>,
    pub encrypt_type: Option<String>,
    pub echostr: Option<String>,
}

impl MessageQuery {
    /// The signature fields of a request's query (WeChat's names; the rest ignored).
    pub fn from_target(t: &crate::http::RequestTarget) -> MessageQuery {
        let get = |k: &str| t.get(k).map(str::to_owned);
        MessageQuery {
            signature: get("signature"),
            timestamp: get("timestamp"),
            nonce: get("nonce"),
            msg_signature: get("msg_signature"),
            encrypt_type: get("encrypt_type"),
            echostr: get("echostr"),
        }
    }
}

/// Everything needed to answer one delivery after the handler ran.
#[derive(Clone, Debug)]
pub struct ReplyTicket {
    pub scope: String,
    pub key: String,
    /// The sender (the reply's ToUserName).
    pub from_user_name: String,
    /// The account (the reply's FromUserName).
    pub to_user_name: String,
    pub encrypted: bool,
}

/// What to do with a delivery.
#[derive(Debug)]
pub enum Outcome {
    /// Run the handler with `message`, then `Inbox::answer(ticket, reply)`.
    Handle { message: Map<String, Value>, ticket: ReplyTicket, authorizer: Option<AuthorizerRecord> },
    /// Answer with `body` now; `notice` names why when the host app should hear of it.
    Answer { body: String, notice: Option<&'static str> },
}

/// How an inbox tells its host app of a reply that failed.
pub type OnEvent = Arc<dyn Fn(ReplyFailed) + Send + Sync>;

pub struct Inbox {
    token: String,
    crypt: Option<MsgCrypt>,
    /// The platform: messages are for its authorizers.
    platform: Option<Arc<dyn Platform>>,
    store: Store,
    /// Where the release check's API calls run.
    runtime: Handle,
    /// Hears of replies that failed (`reply_failed`).
    on_event: OnEvent,
    ledger: Ledger,
    /// Deliveries, failures and retries per minute, for the console.
    tally: Arc<Tally>,
    /// The account's appid (own-server mode), the dedup scope.
    appid: Option<String>,
    opts: InboxOptions,
}

/// A delivery opened and checked, before its claim.
struct Opened {
    message: Map<String, Value>,
    ticket: ReplyTicket,
    release: bool,
    create_time: Option<i64>,
}

impl std::fmt::Debug for Inbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Token and key stay out of logs.
        f.debug_struct("Inbox").field("appid", &self.appid).field("platform", &self.platform.is_some()).finish_non_exhaustive()
    }
}

impl Inbox {
    /// The pipeline of a platform's message URL: `token` and `crypt` are the
    /// platform's, `store` its database (left open by `close`), `runtime`
    /// where its background work runs.
    pub fn for_platform(platform: Arc<dyn Platform>, token: &str, crypt: MsgCrypt, store: Store, runtime: Handle, opts: InboxOptions, on_event: OnEvent) -> Inbox {
        let tally = Tally::start(store.clone(), &platform.component_appid(), &runtime);
        let on_event = counting(on_event, &tally);
        Inbox {
            tally,
            token: token.to_owned(),
            crypt: Some(crypt),
            ledger: Ledger::new(store.clone(), opts.claim_lease_ms, opts.dedup_ttl_ms, opts.fresh_ms, on_write_failure(&on_event), &runtime),
            store,
            platform: Some(platform),
            runtime,
            on_event,
            appid: None,
            opts,
        }
    }

    /// An account's own message URL. `encoding_aes_key` for compatible and
    /// safe mode; `db` (default: this process only) for fleet-wide dedup.
    /// `on_event` hears of replies that could not be recorded (`reply_failed`).
    pub async fn open_account(
        token: &str,
        encoding_aes_key: Option<&str>,
        appid: Option<&str>,
        db: Option<&str>,
        opts: InboxOptions,
        on_event: OnEvent,
    ) -> Result<Inbox> {
        if token.is_empty() {
            return Err(Error::invalid("token", "must be a non-empty string"));
        }
        let crypt = match encoding_aes_key.filter(|k| !k.is_empty()) {
            Some(key) => {
                let appid = appid.filter(|a| !a.is_empty()).ok_or_else(|| Error::invalid("appid", "is required with an encodingAESKey"))?;
                Some(MsgCrypt::new(token, key, appid)?)
            }
            None => None,
        };
        let store = Store::connect(&StoreConfig::new(db.unwrap_or("sqlite::memory:"))).await?;
        store.migrate().await?;
        // Without an appid the scope is the token's hash: never the token itself.
        let scope = appid.filter(|a| !a.is_empty()).map(str::to_owned).unwrap_or_else(|| sign(&[token])[..16].to_owned());
        let runtime = Handle::current();
        let tally = Tally::start(store.clone(), "", &runtime);
        let on_event = counting(on_event, &tally);
        let ledger = Ledger::new(store.clone(), opts.claim_lease_ms, opts.dedup_ttl_ms, opts.fresh_ms, on_write_failure(&on_event), &runtime);
        Ok(Inbox { token: token.to_owned(), crypt, platform: None, store, runtime, on_event, ledger, tally, appid: Some(scope), opts })
    }

    /// Answers WeChat's URL check (GET with echostr).
    pub fn verify_url(&self, q: &MessageQuery) -> Result<String> {
        let (timestamp, nonce) = (q.timestamp.clone().unwrap_or_default(), q.nonce.clone().unwrap_or_default());
        let echostr = q.echostr.clone().unwrap_or_default();
        match (&self.crypt, &q.msg_signature) {
            (Some(_), None) if !self.opts.check_signature && self.platform.is_none() && !echostr.is_empty() => Ok(echostr),
            (Some(crypt), _) => verify_url(crypt, &VerifyUrlQuery { timestamp, nonce, echostr, signature: q.signature.clone(), msg_signature: q.msg_signature.clone() }),
            (None, _) => {
                if echostr.is_empty() {
                    return Err(Error::invalid("query", "has no echostr"));
                }
                self.check_plain_signature(q)?;
                Ok(echostr)
            }
        }
    }

    /// Verifies, decrypts, parses and claims one delivery.
    pub async fn receive(&self, authorizer_appid: Option<&str>, q: &MessageQuery, body: &str) -> Result<Outcome> {
        let d = self.open_delivery(authorizer_appid, q, body)?;
        let authorizer = match (&self.platform, d.release) {
            (Some(p), false) => {
                let rec = match p.authorizer_now(&d.ticket.scope) {
                    Some(rec) => Some(rec),
                    None => p.authorizer(&d.ticket.scope).await?,
                };
                match self.check_authorizer(&d, rec)? {
                    Ok(rec) => rec,
                    Err(answer) => return Ok(answer),
                }
            }
            _ => None,
        };
        let claim = match self.ledger.claim_now(&d.ticket.scope, &d.ticket.key, d.create_time) {
            Some(seen) => self.seen(&d, seen).await,
            // The ledger unreachable (the database restarting): run the
            // handler rather than answer 500 — WeChat does not retry an error
            // answer, so the message would be lost. Only a retry of it landing
            // on another process during the outage could run it twice.
            None => match self.ledger.claim(&d.ticket.scope, &d.ticket.key).await.or_else(|e| match e {
                Error::Store(_) => Ok(Claim::First),
                e => Err(e),
            })? {
                Claim::First => None,
                Claim::Replied(xml) => Some(self.duplicate(&d.ticket, &xml)),
                Claim::Pending => match self.wait_for_reply(&d.ticket).await? {
                    Waited::Reply(xml) => Some(self.duplicate(&d.ticket, &xml.unwrap_or_default())),
                    Waited::TakenOver => None,
                },
            },
        };
        match claim {
            Some(answer) => Ok(answer),
            None => self.first(d, authorizer),
        }
    }

    /// `receive` without waiting: None when the delivery needs the store
    /// (an authorizer not in the cache, a delivery that may be a retry, a
    /// retry waiting for the first delivery's reply) — then call `receive`.
    pub fn receive_now(&self, authorizer_appid: Option<&str>, q: &MessageQuery, body: &str) -> Result<Option<Outcome>> {
        let d = self.open_delivery(authorizer_appid, q, body)?;
        let authorizer = match (&self.platform, d.release) {
            (Some(p), false) => {
                let Some(rec) = p.authorizer_now(&d.ticket.scope) else { return Ok(None) };
                match self.check_authorizer(&d, Some(rec))? {
                    Ok(rec) => rec,
                    Err(answer) => return Ok(Some(answer)),
                }
            }
            _ => None,
        };
        match self.ledger.claim_now(&d.ticket.scope, &d.ticket.key, d.create_time) {
            Some(Seen::First) => self.first(d, authorizer).map(Some),
            Some(Seen::Replied(xml)) => Ok(Some(self.duplicate(&d.ticket, &xml))),
            Some(Seen::Pending(_)) | None => Ok(None),
        }
    }

    fn open_delivery(&self, authorizer_appid: Option<&str>, q: &MessageQuery, body: &str) -> Result<Opened> {
        let (message, encrypted) = self.open(q, body)?;
        let scope = match (&self.platform, authorizer_appid) {
            (Some(_), Some(a)) if !a.is_empty() => a.to_owned(),
            (Some(_), _) => return Err(Error::invalid("authorizerAppid", "the message URL names no authorizer appid")),
            (None, _) => self.appid.clone().unwrap_or_default(),
        };
        let to = field(&message, "ToUserName")?;
        let from = field(&message, "FromUserName")?;
        let ticket = ReplyTicket { key: dedup_key(&message, &from), scope, from_user_name: from, to_user_name: to, encrypted };
        let release = self.platform.is_some() && self.opts.release_check && release_check::is_test_account(&ticket.scope);
        let create_time = message.get("CreateTime").and_then(|v| v.as_i64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok())));
        Ok(Opened { message, ticket, release, create_time })
    }

    /// The record of an authorized account the message is addressed to, or
    /// the answer for an unknown or revoked one.
    fn check_authorizer(&self, d: &Opened, rec: Option<AuthorizerRecord>) -> Result<std::result::Result<Option<AuthorizerRecord>, Outcome>> {
        match rec {
            Some(rec) if rec.authorized => {
                if rec.user_name.as_deref().is_some_and(|u| !u.is_empty() && u != d.ticket.to_user_name) {
                    return Err(Error::Crypto(format!("the message is addressed to {}, not to authorizer {}", d.ticket.to_user_name, d.ticket.scope)));
                }
                Ok(Ok(Some(rec)))
            }
            _ => Ok(Err(Outcome::Answer { body: "success".into(), notice: Some("unknown_authorizer") })),
        }
    }

    /// A delivery this process saw: its reply (waited for), None when it is claimed now.
    async fn seen(&self, d: &Opened, seen: Seen) -> Option<Outcome> {
        match seen {
            Seen::First => None,
            Seen::Replied(xml) => Some(self.duplicate(&d.ticket, &xml)),
            Seen::Pending(slot) => Some(self.duplicate(&d.ticket, &slot.reply(self.opts.retry_wait).await.unwrap_or_default())),
        }
    }

    fn duplicate(&self, ticket: &ReplyTicket, xml: &str) -> Outcome {
        self.tally.add(&ticket.scope, Count::Retry);
        Outcome::Answer { body: self.seal(ticket, xml), notice: Some("duplicate") }
    }

    /// The first delivery: the release check's answer, or the handler's turn.
    fn first(&self, d: Opened, authorizer: Option<AuthorizerRecord>) -> Result<Outcome> {
        self.tally.add(&d.ticket.scope, Count::Delivery);
        if let (true, Some(platform)) = (d.release, &self.platform) {
            if let Some(a) = release_check::answer(&d.message) {
                let (xml, body) = match &a {
                    ReleaseAnswer::Reply(r) => {
                        let xml = self.reply_xml(&d.ticket, Some(r))?;
                        let body = self.seal(&d.ticket, &xml);
                        (xml, body)
                    }
                    ReleaseAnswer::Empty { .. } => (String::new(), String::new()),
                };
                self.ledger.record(&d.ticket.scope, &d.ticket.key, xml, &d.ticket.from_user_name);
                if let ReleaseAnswer::Empty { code } = a {
                    // Answered at once; api_query_auth and the custom-service message follow.
                    let (platform, on_event) = (platform.clone(), self.on_event.clone());
                    let (openid, authorizer) = (d.ticket.from_user_name.clone(), d.ticket.scope.clone());
                    self.runtime.spawn(async move {
                        if let Err(e) = release_check::reply_through_api(&*platform, &code, &openid).await {
                            on_event(ReplyFailed::new(&authorizer, &openid, &e, e.to_string()));
                        }
                    });
                }
                return Ok(Outcome::Answer { body, notice: Some("release_check") });
            }
        }
        if let Some(platform) = &self.platform {
            platform.delivered(&d.ticket.scope, &d.message);
        }
        Ok(Outcome::Handle { message: d.message, ticket: d.ticket, authorizer })
    }

    /// The handler's reply (buildReply's vocabulary; None / "" = `success`),
    /// remembered for retries, sealed as the request came (encrypted or plain).
    ///
    /// The reply is recorded behind the answer, not before it: a retry that
    /// comes meanwhile waits for it (`Claim::Pending`), so WeChat is not kept
    /// waiting for a database commit.
    pub fn answer(&self, ticket: &ReplyTicket, reply: Option<&Value>) -> Result<String> {
        let xml = self.reply_xml(ticket, reply)?;
        let body = self.seal(ticket, &xml);
        self.ledger.record(&ticket.scope, &ticket.key, xml, &ticket.from_user_name);
        Ok(body)
    }

    fn reply_xml(&self, ticket: &ReplyTicket, reply: Option<&Value>) -> Result<String> {
        match reply {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) if s.is_empty() || s == "success" => Ok(String::new()),
            Some(r) => {
                let mut m = Map::new();
                m.insert("FromUserName".into(), Value::String(ticket.from_user_name.clone()));
                m.insert("ToUserName".into(), Value::String(ticket.to_user_name.clone()));
                build_reply(&m, r)
            }
        }
    }

    /// The body WeChat gets: `success` for no reply, else the XML (encrypted when the request was).
    fn seal(&self, ticket: &ReplyTicket, xml: &str) -> String {
        match (&self.crypt, xml.is_empty(), ticket.encrypted) {
            (_, true, _) => "success".into(),
            (Some(crypt), false, true) => encrypt_envelope(crypt, xml, &now_timestamp(), &random_nonce()),
            _ => xml.to_owned(),
        }
    }

    /// Waits for another process's reply; takes the message over when that
    /// claim's lease ends first (its process died before answering).
    async fn wait_for_reply(&self, ticket: &ReplyTicket) -> Result<Waited> {
        let deadline = Instant::now() + self.opts.retry_wait;
        loop {
            if self.ledger.take_over(&ticket.scope, &ticket.key).await? {
                return Ok(Waited::TakenOver);
            }
            if let Claim::Replied(xml) = self.ledger.state(&ticket.scope, &ticket.key).await? {
                return Ok(Waited::Reply(Some(xml)));
            }
            if Instant::now() >= deadline {
                return Ok(Waited::Reply(None));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Checks the signature and returns the message and whether it came encrypted.
    fn open(&self, q: &MessageQuery, body: &str) -> Result<(Map<String, Value>, bool)> {
        let encrypted = q.msg_signature.is_some() || q.encrypt_type.as_deref() == Some("aes");
        match (&self.crypt, encrypted) {
            (Some(crypt), true) => {
                let sq = SignatureQuery::from_parts(q.timestamp.clone(), q.nonce.clone(), q.msg_signature.clone())?
                    .ok_or_else(|| Error::invalid("query", "has no msg_signature"))?;
                let message = decrypt_envelope(crypt, body, Some(&sq))?;
                check_timestamp(&sq.timestamp, self.opts.timestamp_window_secs, now_secs())?;
                Ok((message, true))
            }
            (None, true) => Err(Error::invalid("query", "asks for safe mode but no encodingAESKey is configured")),
            (_, false) if self.platform.is_some() => Err(Error::invalid("query", "has no msg_signature (a platform's messages are always encrypted)")),
            (Some(_), false) if self.opts.safe_mode_only => {
                Err(Error::invalid("query", "has no msg_signature: plain-mode messages are refused (safeModeOnly)"))
            }
            (_, false) => {
                self.check_plain_signature(q)?;
                Ok((parse(body)?, false))
            }
        }
    }

    fn check_plain_signature(&self, q: &MessageQuery) -> Result<()> {
        if !self.opts.check_signature && self.platform.is_none() {
            return Ok(());
        }
        let (Some(sig), Some(ts), Some(nonce)) = (&q.signature, &q.timestamp, &q.nonce) else {
            return Err(Error::invalid("query", "has no signature, timestamp and nonce"));
        };
        let expected = sign(&[&self.token, ts, nonce]);
        if !bool::from(expected.as_bytes().ct_eq(sig.to_ascii_lowercase().as_bytes())) {
            return Err(Error::Crypto("signature does not match".into()));
        }
        check_timestamp(ts, self.opts.timestamp_window_secs, now_secs())
    }

    /// What the host app saw of a delivery to `appid` (its handler failed,
    /// a late reply could not be sent), counted with the rest.
    pub fn note(&self, appid: &str, what: Count) {
        self.tally.add(appid, what);
    }

    pub async fn close(&self) {
        self.tally.flush().await;
        if self.platform.is_none() {
            self.store.close().await;
        }
    }
}

enum Waited {
    Reply(Option<String>),
    TakenOver,
}

/// `on_event`, counting each reply_failed first.
fn counting(on_event: OnEvent, tally: &Arc<Tally>) -> OnEvent {
    let tally = tally.clone();
    Arc::new(move |f: ReplyFailed| {
        tally.add(&f.appid, Count::ReplyFailed);
        on_event(f)
    })
}

/// The ledger's write failures, as the host app hears of them.
fn on_write_failure(on_event: &OnEvent) -> OnWriteFailure {
    let on_event = on_event.clone();
    Arc::new(move |appid, openid, e| on_event(ReplyFailed::new(appid, openid, e, format!("the reply could not be recorded for retries: {e}"))))
}

fn field(m: &Map<String, Value>, name: &str) -> Result<String> {
    match m.get(name) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        _ => Err(Error::Parse(format!("the message has no {name}"))),
    }
}

/// WeChat's retry identity: MsgId, or FromUserName + CreateTime (events).
fn dedup_key(m: &Map<String, Value>, from: &str) -> String {
    let s = |k: &str| m.get(k).map(|v| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())).filter(|s| !s.is_empty());
    match s("MsgId").or_else(|| s("MsgID")) {
        Some(id) => format!("id:{id}"),
        // WeChat's advice is FromUserName + CreateTime; a retry repeats the
        // whole event, so Event and EventKey only tell apart events of one
        // second, and so does a media check's trace_id (one sender pushes
        // every verdict, many a second).
        None => {
            let key = format!(
                "ev:{from}:{}:{}:{}",
                s("CreateTime").unwrap_or_default(),
                s("Event").unwrap_or_default(),
                s("EventKey").unwrap_or_default()
            );
            match s("trace_id") {
                Some(trace) => format!("{key}:{trace}"),
                None => key,
            }
        }
    }
}
