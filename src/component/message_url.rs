//! The platform's 消息与事件接收URL: `crate::inbox`'s pipeline over this
//! platform, which it sees through `inbox::Platform`.

use std::sync::Arc;

use super::{Component, Event};
use crate::api::ApiClient;
use crate::error::Result;
use crate::inbox::{Inbox, InboxOptions, OnEvent, Platform, ReplyFailed};
use crate::model::BoxFut;
use crate::store::AuthorizerRecord;

impl Component {
    /// The pipeline of the platform's message URL.
    pub fn inbox(self: &Arc<Self>, opts: InboxOptions) -> Inbox {
        let platform = Arc::new(MessageUrl(self.clone()));
        // Weak: the inbox's write-behind may outlive it; the platform hears while it lives.
        let weak = Arc::downgrade(self);
        let on_event: OnEvent = Arc::new(move |f: ReplyFailed| {
            if let Some(c) = weak.upgrade() {
                c.emit(Event::ReplyFailed { appid: f.appid, openid: f.openid, code: f.code, message: f.message });
            }
        });
        Inbox::for_platform(platform, &self.cfg.token, self.crypt.clone(), self.store.clone(), self.runtime.clone(), opts, on_event)
    }
}

/// The platform as its inbox holds it (the `Arc` its methods need).
struct MessageUrl(Arc<Component>);

impl Platform for MessageUrl {
    fn component_appid(&self) -> String {
        self.0.cfg.appid.clone()
    }

    fn authorizer_now(&self, appid: &str) -> Option<AuthorizerRecord> {
        self.0.authorizers.get(appid)
    }

    fn authorizer<'a>(&'a self, appid: &'a str) -> BoxFut<'a, Result<Option<AuthorizerRecord>>> {
        Box::pin(async move {
            let c = &self.0;
            let epoch = c.authorizers.epoch();
            let rec = c.store.authorizer_by_appid(&c.cfg.appid, appid).await?;
            if let Some(r) = &rec {
                c.authorizers.put(epoch, r);
            }
            Ok(rec)
        })
    }

    fn handle_auth_code<'a>(&'a self, code: &'a str) -> BoxFut<'a, Result<String>> {
        Box::pin(async move { Ok(self.0.handle_auth_code(code).await?.record.appid) })
    }

    fn client(&self, appid: &str) -> ApiClient {
        self.0.client(appid)
    }

    fn delivered(&self, appid: &str, message: &serde_json::Map<String, serde_json::Value>) {
        if let Some(e) = crate::message::WxaEvent::parse(appid, message) {
            if let crate::message::WxaEvent::Audit(a) = &e {
                self.0.audit_verdict(a);
            }
            self.0.emit(Event::Wxa(e));
        }
    }
}
