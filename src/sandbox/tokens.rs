//! Every credential the sandbox hands out, with WeChat's rules: each kind
//! expires; a newer token of the same slot leaves the previous one valid for
//! a grace period; codes are single use; a token is only good for its appid.

use std::collections::HashMap;

use rand::distributions::{Alphanumeric, DistString};
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    ComponentAccessToken,
    PreAuthCode,
    AuthCode,
    AuthorizerAccessToken,
    AccessToken,
    StableAccessToken,
    Ticket,
    OAuthAccessToken,
    OAuthRefreshToken,
    OAuthCode,
    JsCode,
}

impl Kind {
    /// The shape of the value WeChat hands out, so logs and tests look familiar.
    fn make_value(self) -> String {
        let rand = |n| Alphanumeric.sample_string(&mut rand::thread_rng(), n);
        match self {
            Kind::PreAuthCode => format!("preauthcode@@@{}", rand(40)),
            Kind::AuthCode => format!("queryauthcode@@@{}", rand(60)),
            Kind::Ticket => rand(86),
            Kind::OAuthCode | Kind::JsCode => rand(32),
            Kind::OAuthRefreshToken => format!("{}_{}", 80, rand(100)),
            _ => format!("{}_{}", 80, rand(130)),
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct TokenRec {
    pub kind: Kind,
    /// The appid the credential acts for.
    pub appid: String,
    /// The component that obtained it (authorizer and component-OAuth tokens).
    pub owner: Option<String>,
    pub expires_at: f64,
    /// When a newer token took this one's slot; valid for grace after that.
    pub superseded_at: Option<f64>,
    pub revoked: bool,
    /// Single-use codes: spent.
    pub used: bool,
    /// Kind-specific data: openid, scope, pre_auth_code, …
    pub data: Value,
}

/// Why a credential was refused; `reason` goes to the invalid-token log.
#[derive(Clone, Debug)]
pub(crate) struct Reject {
    pub reason: &'static str,
    pub appid: Option<String>,
}

#[derive(Default)]
pub(crate) struct Tokens {
    by_value: HashMap<String, TokenRec>,
    /// (kind, slot) → the newest value.
    current: HashMap<(Kind, String), String>,
}

pub(crate) struct Issue<'a> {
    pub kind: Kind,
    pub appid: &'a str,
    pub owner: Option<&'a str>,
    /// Tokens sharing a slot supersede each other; None = independent.
    pub slot: Option<String>,
    pub lifetime: f64,
    pub data: Value,
}

impl Tokens {
    pub fn issue(&mut self, req: Issue<'_>, now: f64) -> String {
        let value = req.kind.make_value();
        if let Some(slot) = &req.slot {
            if let Some(prev) = self.current.insert((req.kind, slot.clone()), value.clone()) {
                if let Some(rec) = self.by_value.get_mut(&prev) {
                    rec.superseded_at.get_or_insert(now);
                }
            }
        }
        self.by_value.insert(
            value.clone(),
            TokenRec {
                kind: req.kind,
                appid: req.appid.to_owned(),
                owner: req.owner.map(str::to_owned),
                expires_at: now + req.lifetime,
                superseded_at: None,
                revoked: false,
                used: false,
                data: req.data,
            },
        );
        value
    }

    /// The record of a credential that is currently good for one of `kinds`
    /// (and `appid`, when given).
    pub fn check(
        &self,
        value: &str,
        kinds: &[Kind],
        appid: Option<&str>,
        now: f64,
        grace: f64,
    ) -> Result<&TokenRec, Reject> {
        let rec = match self.by_value.get(value) {
            Some(rec) if kinds.contains(&rec.kind) => rec,
            _ => return Err(Reject { reason: "invalid", appid: None }),
        };
        let owner = Some(rec.appid.clone());
        if rec.revoked || rec.used {
            return Err(Reject { reason: "invalid", appid: owner });
        }
        if now >= rec.expires_at {
            return Err(Reject { reason: "expired", appid: owner });
        }
        if matches!(rec.superseded_at, Some(at) if now >= at + grace) {
            return Err(Reject { reason: "invalid", appid: owner });
        }
        if matches!(appid, Some(a) if a != rec.appid) {
            return Err(Reject { reason: "wrong_appid", appid: owner });
        }
        Ok(rec)
    }

    pub fn get_mut(&mut self, value: &str) -> Option<&mut TokenRec> {
        self.by_value.get_mut(value)
    }

    /// The newest token of a slot when it is still good: (value, seconds left).
    pub fn current(&self, kind: Kind, slot: &str, now: f64) -> Option<(String, f64)> {
        let value = self.current.get(&(kind, slot.to_owned()))?;
        let rec = self.by_value.get(value)?;
        (!rec.revoked && now < rec.expires_at).then(|| (value.clone(), rec.expires_at - now))
    }

    /// Voids every credential matching `pred` at once (no grace).
    pub fn revoke_where(&mut self, pred: impl Fn(&TokenRec) -> bool) {
        for rec in self.by_value.values_mut() {
            if pred(rec) {
                rec.revoked = true;
            }
        }
    }

    /// Drops records long dead, so a long-running sandbox does not grow forever.
    pub fn sweep(&mut self, now: f64, grace: f64) {
        self.by_value.retain(|_, r| {
            let end = r.superseded_at.map_or(r.expires_at, |s| (s + grace).min(r.expires_at));
            now < end + 3600.0
        });
        let live = &self.by_value;
        self.current.retain(|_, v| live.contains_key(v));
    }

    pub fn len(&self) -> usize {
        self.by_value.len()
    }
}

/// What WeChat answers for a refused access token.
pub(crate) fn reject_errcode(reason: &str) -> (i64, &'static str) {
    match reason {
        "expired" => (42001, "access_token expired"),
        _ => (40001, "invalid credential, access_token is invalid or not latest"),
    }
}
