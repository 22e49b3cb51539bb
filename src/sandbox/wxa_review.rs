//! The wxa paths' routing, and the scripted reviewer and fast registrations
//! on the sandbox's clock: verdicts become weapp_audit_* events on the
//! platform's message URL (or are lost, when scripted so).

use serde_json::{json, Map, Value};

use super::messages::{send_message, SendOptions};
use super::state::{push_capped, Reply, Req, Shared, State};
use super::wxa::{apply_step, WxaEvent};
use super::{wxa_code, wxa_platform, wxa_settings};

pub(crate) async fn handle(shared: &Shared, req: &Req) -> Option<Reply> {
    let path = req.path.as_str();
    if let Some(r) = wxa_platform::handle(shared, req).await {
        return Some(r);
    }
    if wxa_code::PATHS.contains(&path) {
        return Some(wxa_code::dispatch(&mut shared.lock(), req));
    }
    if wxa_settings::PATHS.contains(&path) {
        return Some(wxa_settings::dispatch(&mut shared.lock(), req));
    }
    None
}

/// What a tick found due: an event for a mini program, or a registration.
enum Due {
    Event { appid: String, auditid: i64, fields: Map<String, Value>, lost: bool },
    Registration { component: String, index: usize },
}

/// Applies what is due (audit verdicts, fast registrations) and sends their
/// pushes. Called by the sandbox's periodic task and by control routes.
pub(crate) async fn tick(shared: &Shared) {
    let due = collect_due(&mut shared.lock());
    for d in due {
        match d {
            Due::Event { appid, auditid, fields, lost } => deliver(shared, &appid, auditid, fields, lost).await,
            Due::Registration { component, index } => wxa_platform::complete_registration(shared, &component, index).await,
        }
    }
}

fn collect_due(st: &mut State) -> Vec<Due> {
    let now = st.now();
    let mut out = Vec::new();
    let mut appids: Vec<String> = st.wxa.apps.keys().cloned().collect();
    appids.sort();
    for appid in appids {
        let mp = st.wxa.app(&appid);
        let Some(audit) = mp.audits.last_mut() else { continue };
        while audit.pending.first().is_some_and(|(at, _)| *at <= now) {
            let (_, step) = audit.pending.remove(0);
            let fields = apply_step(audit, &step, now as i64);
            let lost = mp.lose_events > 0;
            mp.lose_events = mp.lose_events.saturating_sub(1);
            out.push(Due::Event { appid: appid.clone(), auditid: audit.auditid, fields, lost });
        }
    }
    for (component, p) in st.wxa.platforms.iter_mut() {
        for (index, r) in p.registrations.iter_mut().enumerate() {
            if r.due_at.is_some_and(|at| at <= now) {
                r.due_at = None;
                out.push(Due::Registration { component: component.clone(), index });
            }
        }
    }
    out
}

/// Sends a wxa event to the platform's message URL (or records it lost).
async fn deliver(shared: &Shared, appid: &str, auditid: i64, fields: Map<String, Value>, lost: bool) {
    let event = fields.get("Event").and_then(Value::as_str).unwrap_or_default().to_owned();
    let outcome = if lost {
        "lost".to_owned()
    } else {
        // A system account sends these, not a user.
        let mut m = fields;
        m.insert("FromUserName".into(), json!(format!("o{}wxasystem", &appid[..appid.len().min(8)])));
        match send_message(shared, appid, m, &SendOptions::default()).await {
            Ok(d) if d.status == Some(200) => "delivered".to_owned(),
            Ok(d) => d.error.unwrap_or_else(|| format!("answered HTTP {:?}", d.status)),
            Err(e) => e.to_string(),
        }
    };
    let mut st = shared.lock();
    let at = st.now_ms();
    push_capped(&mut st.wxa.events, WxaEvent { appid: appid.to_owned(), event, auditid, outcome, at });
}
