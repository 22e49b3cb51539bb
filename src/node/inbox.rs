//! napi adapter for message URLs (lib/messages.js): conversion only.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use serde_json::{Map, Value};
use tokio::sync::oneshot;

use super::errors::{promise, OrThrow};
use super::component::NativeComponent;
use crate::error::Error as CoreError;
use crate::http::RequestTarget;
use crate::inbox::{Count, Inbox, InboxOptions, MessageHandler, MessageListener, MessageQuery, Outcome, ReplyFailed, ReplyTicket};
use crate::model::BoxFut;
use crate::node::authorizer::StoredAuthorizer;
use crate::store::AuthorizerRecord;

#[napi(object)]
pub struct InboxSettings {
    /// Answer WeChat's release check built in (default true).
    pub release_check: Option<bool>,
    pub dedup_ttl_ms: Option<f64>,
    /// How long a claim holds before a retry may take the message over.
    pub claim_lease_ms: Option<f64>,
    /// Deliveries younger than this (CreateTime) are claimed in memory; 0: in the store first.
    pub fresh_ms: Option<f64>,
    /// How long a retried delivery waits for the first one's reply.
    pub retry_wait_ms: Option<f64>,
    /// With an encodingAESKey: refuse plain-mode messages.
    pub safe_mode_only: Option<bool>,
    /// An account's plain-mode requests unsigned are taken (default true: checked).
    pub check_signature: Option<bool>,
    /// Messages signed further than this many seconds from our clock are refused (0: any age; default 300).
    pub timestamp_window_secs: Option<f64>,
}

impl From<Option<InboxSettings>> for InboxOptions {
    fn from(o: Option<InboxSettings>) -> Self {
        let mut out = InboxOptions::default();
        if let Some(o) = o {
            out.release_check = o.release_check.unwrap_or(out.release_check);
            out.dedup_ttl_ms = o.dedup_ttl_ms.filter(|v| *v > 0.0).map(|v| v as i64).unwrap_or(out.dedup_ttl_ms);
            out.claim_lease_ms = o.claim_lease_ms.filter(|v| *v > 0.0).map(|v| v as i64).unwrap_or(out.claim_lease_ms);
            out.fresh_ms = o.fresh_ms.filter(|v| *v >= 0.0).map(|v| v as i64).unwrap_or(out.fresh_ms);
            out.safe_mode_only = o.safe_mode_only.unwrap_or(out.safe_mode_only);
            out.check_signature = o.check_signature.unwrap_or(out.check_signature);
            out.timestamp_window_secs = o.timestamp_window_secs.filter(|v| *v >= 0.0).map(|v| v as u64).unwrap_or(out.timestamp_window_secs);
            out.retry_wait = o.retry_wait_ms.filter(|v| *v >= 0.0).map(|v| Duration::from_millis(v as u64)).unwrap_or(out.retry_wait);
        }
        out
    }
}

#[napi(string_enum = "lowercase")]
pub enum DeliveryAction {
    /// Run the handler, then `answer(ticket, reply)`.
    Handle,
    /// Answer with `body` now.
    Answer,
}

/// Built for speed on the request path: the message as JSON text
/// (JSON.parse beats napi's property-by-property object), the ticket an
/// opaque handle, an authorizer record sent once while it is unchanged.
#[napi(object, object_from_js = false)]
pub struct Delivery {
    pub action: DeliveryAction,
    /// The message with WeChat's field names, as JSON text.
    pub message_json: Option<String>,
    /// Handed back to `answer` (opaque).
    #[napi(ts_type = "ExternalObject<'ReplyTicket'>")]
    pub ticket: Option<External<ReplyTicket>>,
    /// None with `same_authorizer`: the record last sent for this appid.
    pub authorizer: Option<StoredAuthorizer>,
    pub same_authorizer: bool,
    pub body: Option<String>,
    /// Why the answer came without the handler: duplicate, release_check, unknown_authorizer.
    pub notice: Option<String>,
    /// The authorizer the delivery was addressed to (given, else the path's).
    pub appid: Option<String>,
}

#[napi]
pub struct NativeInbox {
    inner: Arc<Inbox>,
    /// The authorizer record last sent to JS per appid (as the listener keeps it).
    sent: Mutex<HashMap<String, AuthorizerRecord>>,
}

impl NativeInbox {
    fn new(inbox: Inbox) -> NativeInbox {
        NativeInbox { inner: Arc::new(inbox), sent: Mutex::new(HashMap::new()) }
    }
}

/// `sent`: on the JS thread (`receiveNow`), the records JS keeps; the
/// asynchronous path always sends the record (JS does not keep it), so the
/// two stay in the one order this thread sees.
fn delivery(sent: Option<&Mutex<HashMap<String, AuthorizerRecord>>>, out: Outcome, appid: Option<String>) -> Delivery {
    match out {
        Outcome::Handle { message, ticket, authorizer } => {
            let same = match (sent, &authorizer, &appid) {
                (Some(sent), Some(a), Some(id)) => {
                    let mut sent = sent.lock().unwrap();
                    let same = sent.get(id) == Some(a);
                    if !same {
                        sent.insert(id.clone(), a.clone());
                    }
                    same
                }
                _ => false,
            };
            Delivery {
                action: DeliveryAction::Handle,
                message_json: Some(serde_json::to_string(&message).unwrap_or_else(|_| "{}".into())),
                ticket: Some(External::new(ticket)),
                authorizer: if same { None } else { authorizer.map(Into::into) },
                same_authorizer: same,
                body: None,
                notice: None,
                appid,
            }
        }
        Outcome::Answer { body, notice } => Delivery {
            action: DeliveryAction::Answer,
            message_json: None,
            ticket: None,
            authorizer: None,
            same_authorizer: false,
            body: Some(body),
            notice: notice.map(str::to_owned),
            appid,
        },
    }
}

#[napi]
impl NativeInbox {
    /// A delivery to the request target `url` (its query signs it; with no
    /// `authorizerAppid`, the path names it as the native listener reads it).
    /// Resolves what `receiveNow` returns (never null).
    #[napi(ts_return_type = "Promise<Delivery>")]
    pub fn receive<'e>(&self, env: &'e Env, authorizer_appid: Option<String>, url: String, body: String) -> Result<PromiseRaw<'e, Delivery>> {
        let inbox = self.inner.clone();
        let (appid, q) = addressed(authorizer_appid, &url).or_throw(env)?;
        promise(env, async move { inbox.receive(appid.as_deref(), &q, &body).await.map(|o| delivery(None, o, appid)) })
    }

    /// `receive` done on this thread when nothing needs waiting for; null otherwise (then `receive`).
    #[napi]
    pub fn receive_now(&self, env: &Env, authorizer_appid: Option<String>, url: String, body: String) -> Result<Option<Delivery>> {
        let (appid, q) = addressed(authorizer_appid, &url).or_throw(env)?;
        Ok(self.inner.receive_now(appid.as_deref(), &q, &body).or_throw(env)?.map(|o| delivery(Some(&self.sent), o, appid)))
    }

    /// Serves this pipeline natively on `host:port`; `dispatch(id, message,
    /// authorizerAppid, authorizer)` runs the handler and answers with
    /// `listener.reply(id, reply)`; `notice(name, authorizerAppid, error)`.
    #[napi(
        ts_args_type = "host: string, port: number, waitMs: number, dispatch: (id: number, messageJson: string, authorizerAppid: string, authorizer: StoredAuthorizer | undefined | null, sameAuthorizer: boolean) => unknown, notice: (name: string, authorizerAppid?: string | null, error?: { name: string; message: string; code?: number | null } | null) => unknown, limits?: ConnectionLimits | undefined | null",
        ts_return_type = "Promise<NativeMessageListener>"
    )]
    #[allow(clippy::too_many_arguments)]
    pub fn listen<'env>(
        &self,
        env: &'env Env,
        host: String,
        port: u32,
        wait_ms: f64,
        dispatch: Function<'_, FnArgs<(u32, String, String, Option<StoredAuthorizer>, bool)>, Unknown<'static>>,
        notice: Function<'_, FnArgs<(String, Option<String>, Option<Value>)>, Unknown<'static>>,
        limits: Option<crate::node::http::ConnectionLimits>,
    ) -> Result<PromiseRaw<'env, NativeMessageListener>> {
        let dispatch: Dispatch = dispatch
            .build_threadsafe_function::<Call>()
            .callee_handled::<false>()
            .build_callback(|ctx| {
                let c = ctx.value;
                Ok(FnArgs::from((c.id, c.message_json, c.appid, c.authorizer.map(Into::into), c.same_authorizer)))
            })?;
        let notice: Notice = notice
            .build_threadsafe_function::<(String, Option<String>, Option<Value>)>()
            .callee_handled::<false>()
            .weak::<true>()
            .build_callback(|ctx| Ok(FnArgs::from(ctx.value)))?;
        let pending: Pending = Arc::new(Mutex::new(HashMap::new()));
        let handler = Arc::new(JsHandler { dispatch, notice, pending: pending.clone(), next: AtomicU32::new(1), sent: Mutex::new(HashMap::new()) });
        let inbox = self.inner.clone();
        let wait = Duration::from_millis(wait_ms.max(0.0) as u64);
        let limits = limits.into();
        promise(env, async move {
            let listener = MessageListener::start(inbox, handler, &host, port as u16, wait, limits).await?;
            Ok(NativeMessageListener { inner: Arc::new(listener), pending })
        })
    }
}

/// The authorizer (given, else the path's) and the signature query of a request target.
fn addressed(authorizer_appid: Option<String>, url: &str) -> crate::error::Result<(Option<String>, MessageQuery)> {
    let t = RequestTarget::parse(url)?;
    let appid = authorizer_appid.or_else(|| t.route_appid().map(str::to_owned));
    Ok((appid, MessageQuery::from_target(&t)))
}

#[napi]
impl NativeInbox {
    /// The body to answer with (`success`, or the reply XML sealed as the request came).
    /// `reply`: buildReply's vocabulary (checked here).
    #[napi(ts_args_type = "ticket: ExternalObject<'ReplyTicket'>, reply?: unknown")]
    pub fn answer(&self, env: &Env, ticket: &External<ReplyTicket>, reply: Option<Value>) -> Result<String> {
        self.inner.answer(ticket, reply.map(super::integral).as_ref()).or_throw(env)
    }

    /// The echostr of a URL check to the request target `url`.
    #[napi]
    pub fn verify_url(&self, env: &Env, url: String) -> Result<String> {
        let t = RequestTarget::parse(&url).or_throw(env)?;
        self.inner.verify_url(&MessageQuery::from_target(&t)).or_throw(env)
    }

    /// Counts what the host app saw of a delivery to `appid` (per minute, for the console).
    #[napi(ts_args_type = "what: 'handler_failure' | 'reply_failed', appid: string")]
    pub fn note_message(&self, env: &Env, what: String, appid: String) -> Result<()> {
        match Count::parse(&what).filter(|c| matches!(c, Count::HandlerFailure | Count::ReplyFailed)) {
            Some(c) => {
                self.inner.note(&appid, c);
                Ok(())
            }
            None => Err(CoreError::invalid("what", "must be 'handler_failure' or 'reply_failed'")).or_throw(env),
        }
    }

    #[napi(ts_return_type = "Promise<void>")]
    pub fn close<'e>(&self, env: &'e Env) -> Result<PromiseRaw<'e, ()>> {
        let inbox = self.inner.clone();
        promise(env, async move {
            inbox.close().await;
            Ok(())
        })
    }
}

/// The platform's message URL pipeline.
#[napi]
pub fn platform_inbox(env: &Env, component: &NativeComponent, options: Option<InboxSettings>) -> Result<NativeInbox> {
    Ok(NativeInbox::new(component.opened().or_throw(env)?.inbox(options.into())))
}

/// An account's own message URL pipeline. `on_event(event)` hears of
/// replies that could not be recorded (`{name: 'reply_failed', …}`).
#[napi(
    ts_args_type = "token: string, encodingAesKey?: string | undefined | null, appid?: string | undefined | null, db?: string | undefined | null, options?: InboxSettings | undefined | null, onEvent?: ((event: { name: 'reply_failed'; appid: string; openid: string; code?: number | null; message: string }) => unknown) | undefined | null",
    ts_return_type = "Promise<NativeInbox>"
)]
#[allow(clippy::too_many_arguments)]
pub fn account_inbox<'env>(
    env: &'env Env,
    token: String,
    encoding_aes_key: Option<String>,
    appid: Option<String>,
    db: Option<String>,
    options: Option<InboxSettings>,
    on_event: Option<Function<'_, Value, Unknown<'static>>>,
) -> Result<PromiseRaw<'env, NativeInbox>> {
    let opts: InboxOptions = options.into();
    let events: Option<EventFn> = match on_event {
        Some(f) => Some(f.build_threadsafe_function::<Value>().callee_handled::<false>().weak::<true>().build()?),
        None => None,
    };
    // An account's own server has one event: a reply that could not be recorded.
    let on_event: Arc<dyn Fn(ReplyFailed) + Send + Sync> = Arc::new(move |e: ReplyFailed| {
        if let (Some(f), ReplyFailed { appid, openid, code, message }) = (&events, e) {
            let ev = serde_json::json!({ "name": "reply_failed", "appid": appid, "openid": openid, "code": code, "message": message });
            f.call(ev, ThreadsafeFunctionCallMode::NonBlocking);
        }
    });
    promise(env, async move {
        let inbox = Inbox::open_account(&token, encoding_aes_key.as_deref(), appid.as_deref(), db.as_deref(), opts, on_event).await?;
        Ok(NativeInbox::new(inbox))
    })
}

type EventFn = ThreadsafeFunction<Value, Unknown<'static>, Value, Status, false, true>;

/// A handler call on its way to JS.
struct Call {
    id: u32,
    /// As JSON text, made on this thread: JSON.parse builds the object
    /// faster than napi can, property by property, on the JS thread.
    message_json: String,
    appid: String,
    /// None with `same_authorizer`: the record last sent for this appid.
    authorizer: Option<AuthorizerRecord>,
    same_authorizer: bool,
}

type Dispatch = ThreadsafeFunction<Call, Unknown<'static>, FnArgs<(u32, String, String, Option<StoredAuthorizer>, bool)>, Status, false>;
type Notice = ThreadsafeFunction<(String, Option<String>, Option<Value>), Unknown<'static>, FnArgs<(String, Option<String>, Option<Value>)>, Status, false, true>;
type Pending = Arc<Mutex<HashMap<u32, oneshot::Sender<Option<Value>>>>>;

/// The JS handler behind a native listener: each call has an id; JS answers
/// it with `reply(id, reply)`.
struct JsHandler {
    dispatch: Dispatch,
    notice: Notice,
    pending: Pending,
    next: AtomicU32,
    /// The authorizer record last sent to JS per appid: an unchanged one is
    /// not converted again (JS keeps it). Held while queueing the call, so
    /// JS gets calls in the order this map saw them.
    sent: Mutex<HashMap<String, AuthorizerRecord>>,
}

impl MessageHandler for JsHandler {
    fn handle(&self, message: Map<String, Value>, appid: String, authorizer: Option<AuthorizerRecord>) -> BoxFut<'static, Option<Value>> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        let message_json = serde_json::to_string(&message).unwrap_or_else(|_| "{}".into());
        self.pending.lock().unwrap().insert(id, tx);
        let status = {
            let mut sent = self.sent.lock().unwrap();
            let same = authorizer.as_ref().is_some_and(|a| sent.get(&appid) == Some(a));
            // A record JS has not seen yet: kept here once JS gets it.
            let fresh = if same { None } else { authorizer.clone().map(|a| (appid.clone(), a)) };
            let authorizer = if same { None } else { authorizer };
            let status = self.dispatch.call(Call { id, message_json, appid, authorizer, same_authorizer: same }, ThreadsafeFunctionCallMode::NonBlocking);
            if let (Some((appid, a)), Status::Ok) = (fresh, status) {
                sent.insert(appid, a);
            }
            status
        };
        if status != Status::Ok {
            self.pending.lock().unwrap().remove(&id);
        }
        let pending = self.pending.clone();
        Box::pin(async move {
            // Dropped on the listener's timeout: forget the call.
            struct Forget(Pending, u32);
            impl Drop for Forget {
                fn drop(&mut self) {
                    self.0.lock().unwrap().remove(&self.1);
                }
            }
            let _forget = Forget(pending, id);
            rx.await.ok().flatten()
        })
    }

    fn notice(&self, name: &'static str, appid: Option<&str>, error: Option<&CoreError>) {
        let err = error.map(|e| serde_json::json!({ "name": super::errors::js_name(e), "message": e.to_string(), "code": e.code() }));
        self.notice.call((name.to_owned(), appid.map(str::to_owned), err), ThreadsafeFunctionCallMode::NonBlocking);
    }
}

/// A message URL served natively (`handler.listen(port, host)` in JS).
#[napi]
pub struct NativeMessageListener {
    inner: Arc<MessageListener>,
    pending: Pending,
}

#[napi]
impl NativeMessageListener {
    #[napi(getter)]
    pub fn port(&self) -> u32 {
        self.inner.port() as u32
    }

    /// The handler's answer to call `id` (null: `success`; buildReply's vocabulary).
    #[napi(ts_args_type = "id: number, reply?: unknown")]
    pub fn reply(&self, id: u32, reply: Option<Value>) {
        if let Some(tx) = self.pending.lock().unwrap().remove(&id) {
            let _ = tx.send(reply.map(super::integral));
        }
    }

    #[napi(ts_return_type = "Promise<void>")]
    pub fn close<'e>(&self, env: &'e Env) -> Result<PromiseRaw<'e, ()>> {
        let inner = self.inner.clone();
        promise(env, async move {
            inner.close().await;
            Ok(())
        })
    }
}
