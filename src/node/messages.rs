//! napi adapter for message URLs (lib/messages.js): conversion only.

use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::Value;

use super::server::{spawn, NativeComponent};
use super::IntoNapi;
use crate::component::{Inbox, InboxOptions, MessageQuery, Outcome, ReplyTicket};
use crate::store::AuthorizerRecord;

#[napi(object)]
pub struct InboxSettings {
    /// Answer WeChat's release check built in (default true).
    pub release_check: Option<bool>,
    pub dedup_ttl_ms: Option<f64>,
    /// How long a retried delivery waits for the first one's reply.
    pub retry_wait_ms: Option<f64>,
}

impl From<Option<InboxSettings>> for InboxOptions {
    fn from(o: Option<InboxSettings>) -> Self {
        let mut out = InboxOptions::default();
        if let Some(o) = o {
            out.release_check = o.release_check.unwrap_or(out.release_check);
            out.dedup_ttl_ms = o.dedup_ttl_ms.filter(|v| *v > 0.0).map(|v| v as i64).unwrap_or(out.dedup_ttl_ms);
            out.retry_wait = o.retry_wait_ms.filter(|v| *v >= 0.0).map(|v| Duration::from_millis(v as u64)).unwrap_or(out.retry_wait);
        }
        out
    }
}

#[napi(object)]
pub struct MessageRequestQuery {
    pub signature: Option<String>,
    pub timestamp: Option<String>,
    pub nonce: Option<String>,
    pub msg_signature: Option<String>,
    pub encrypt_type: Option<String>,
    pub echostr: Option<String>,
}

impl From<MessageRequestQuery> for MessageQuery {
    fn from(q: MessageRequestQuery) -> Self {
        MessageQuery {
            signature: q.signature,
            timestamp: q.timestamp,
            nonce: q.nonce,
            msg_signature: q.msg_signature,
            encrypt_type: q.encrypt_type,
            echostr: q.echostr,
        }
    }
}

/// Opaque to JS: handed back to `answer`.
#[napi(object)]
pub struct DeliveryTicket {
    pub scope: String,
    pub key: String,
    pub from_user_name: String,
    pub to_user_name: String,
    pub encrypted: bool,
}

impl From<ReplyTicket> for DeliveryTicket {
    fn from(t: ReplyTicket) -> Self {
        DeliveryTicket { scope: t.scope, key: t.key, from_user_name: t.from_user_name, to_user_name: t.to_user_name, encrypted: t.encrypted }
    }
}

impl From<DeliveryTicket> for ReplyTicket {
    fn from(t: DeliveryTicket) -> Self {
        ReplyTicket { scope: t.scope, key: t.key, from_user_name: t.from_user_name, to_user_name: t.to_user_name, encrypted: t.encrypted }
    }
}

#[napi(object)]
pub struct AuthorizerInfo {
    pub appid: String,
    pub wx_token: String,
    pub nick_name: Option<String>,
    pub head_img: Option<String>,
    pub service_type_id: Option<i64>,
    pub verify_type_info: Option<i64>,
    pub user_name: Option<String>,
    pub alias: Option<String>,
    pub authorized: bool,
}

impl From<AuthorizerRecord> for AuthorizerInfo {
    fn from(r: AuthorizerRecord) -> Self {
        AuthorizerInfo {
            appid: r.appid,
            wx_token: r.wx_token,
            nick_name: r.nick_name,
            head_img: r.head_img,
            service_type_id: r.service_type_id,
            verify_type_info: r.verify_type_info,
            user_name: r.user_name,
            alias: r.alias,
            authorized: r.authorized,
        }
    }
}

#[napi(string_enum = "lowercase")]
pub enum DeliveryAction {
    /// Run the handler, then `answer(ticket, reply)`.
    Handle,
    /// Answer with `body` now.
    Answer,
}

#[napi(object)]
pub struct Delivery {
    pub action: DeliveryAction,
    /// The message with WeChat's field names (free-form: WeChat's payload).
    pub message: Option<Value>,
    pub ticket: Option<DeliveryTicket>,
    pub authorizer: Option<AuthorizerInfo>,
    pub body: Option<String>,
    /// Why the answer came without the handler: duplicate, release_check, unknown_authorizer.
    pub notice: Option<String>,
}

#[napi]
pub struct NativeInbox {
    inner: Arc<Inbox>,
}

#[napi]
impl NativeInbox {
    #[napi]
    pub async fn receive(&self, authorizer_appid: Option<String>, query: MessageRequestQuery, body: String) -> Result<Delivery> {
        let inbox = self.inner.clone();
        let q: MessageQuery = query.into();
        let out = spawn(async move { inbox.receive(authorizer_appid.as_deref(), &q, &body).await }).await?;
        Ok(match out {
            Outcome::Handle { message, ticket, authorizer } => Delivery {
                action: DeliveryAction::Handle,
                message: Some(Value::Object(message)),
                ticket: Some(ticket.into()),
                authorizer: authorizer.map(Into::into),
                body: None,
                notice: None,
            },
            Outcome::Answer { body, notice } => Delivery {
                action: DeliveryAction::Answer,
                message: None,
                ticket: None,
                authorizer: None,
                body: Some(body),
                notice: notice.map(str::to_owned),
            },
        })
    }

    /// The body to answer with (`success`, or the reply XML sealed as the request came).
    #[napi]
    pub fn answer(&self, ticket: DeliveryTicket, reply: Option<Value>) -> Result<String> {
        self.inner.answer(&ticket.into(), reply.as_ref()).napi()
    }

    #[napi]
    pub fn verify_url(&self, query: MessageRequestQuery) -> Result<String> {
        self.inner.verify_url(&query.into()).napi()
    }

    #[napi]
    pub async fn close(&self) -> Result<()> {
        let inbox = self.inner.clone();
        spawn(async move {
            inbox.close().await;
            Ok(())
        })
        .await
    }
}

/// The platform's message URL pipeline.
#[napi]
pub fn platform_inbox(component: &NativeComponent, options: Option<InboxSettings>) -> Result<NativeInbox> {
    Ok(NativeInbox { inner: Arc::new(component.core()?.inbox(options.into())) })
}

/// An account's own message URL pipeline.
#[napi]
pub async fn account_inbox(
    token: String,
    encoding_aes_key: Option<String>,
    appid: Option<String>,
    db: Option<String>,
    options: Option<InboxSettings>,
) -> Result<NativeInbox> {
    let opts: InboxOptions = options.into();
    let inbox = spawn(async move { Inbox::open_account(&token, encoding_aes_key.as_deref(), appid.as_deref(), db.as_deref(), opts).await }).await?;
    Ok(NativeInbox { inner: Arc::new(inbox) })
}
