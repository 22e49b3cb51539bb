//! The pages (GET only: they read the store and change nothing) and the
//! JSON the page script polls for live values.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::auth::Session;
use super::html::{chart, esc, lines, page, q, relative, time};
use super::rollouts::RolloutSummary;
use super::respond::{html, store_error, who, S};
use super::ConsoleState;
use crate::model::now_ms;
use crate::store::console::{AuthorizerQuery, RefreshError, TokenMeta};

const PAGE: usize = 50;
type Params = Query<HashMap<String, String>>;

macro_rules! session {
    ($s:expr, $h:expr) => {
        match who(&$s, &$h, false).await {
            Ok(w) => w,
            Err(r) => return r,
        }
    };
}

macro_rules! tri {
    ($s:expr, $who:expr, $e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return store_error(&$s, Some(&$who), &e),
        }
    };
}

fn ok(s: &ConsoleState, title: &str, nav: &str, who: &Session, body: &str) -> Response {
    html(StatusCode::OK, page(&s.base, title, nav, Some(who), body))
}

/// "valid" / "expiring" / "expired" / "none", as a class and a word.
fn health(expires_at: i64, now: i64) -> (&'static str, &'static str) {
    if expires_at <= 0 {
        ("muted", "none")
    } else if expires_at <= now {
        ("bad", "expired")
    } else if expires_at - now < 10 * 60_000 {
        ("warn", "expiring")
    } else {
        ("ok", "valid")
    }
}

fn scopes(func_info: Option<&str>) -> String {
    let Some(v) = func_info.and_then(|f| serde_json::from_str::<Value>(f).ok()) else { return String::new() };
    let mut ids: Vec<i64> =
        v.as_array().map(|a| a.iter().filter_map(|f| f.get("funcscope_category")?.get("id")?.as_i64()).collect()).unwrap_or_default();
    ids.sort_unstable();
    ids.dedup();
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
}

fn no_platform(s: &ConsoleState, who: &Session, title: &str, nav: &str) -> Response {
    ok(s, title, nav, who, "<p class=\"muted\">No platform in this database yet (no component_verify_ticket or component token stored).</p>")
}

pub(super) async fn authorizers(State(s): S, h: HeaderMap, Query(p): Params) -> Response {
    let who = session!(s, h);
    let Some(platform) = tri!(s, who, s.platform().await) else { return no_platform(&s, &who, "Authorizers", "authorizers") };
    let get = |k: &str| p.get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let query = AuthorizerQuery {
        search: get("q"),
        app_type: get("type").filter(|t| t == "official_account" || t == "mini_program"),
        authorized: get("status").and_then(|v| match v.as_str() {
            "authorized" => Some(true),
            "revoked" => Some(false),
            _ => None,
        }),
        scope: get("scope").and_then(|v| v.parse().ok()),
        after: get("after"),
        limit: PAGE + 1,
    };
    let mut rows = tri!(s, who, s.store.authorizer_page(&platform, &query).await);
    let more = rows.len() > PAGE;
    rows.truncate(PAGE);
    let now = now_ms();
    let sel = |v: &str, cur: Option<&String>| if cur.map(String::as_str) == Some(v) { " selected" } else { "" };
    let mut b = String::with_capacity(16 * 1024);
    let _ = write!(
        b,
        "<p class=\"muted\">Platform {}</p><form method=\"get\" action=\"{}/authorizers\" id=\"search\">\
         <input name=\"q\" placeholder=\"name, appid, principal, user_name, alias\" value=\"{}\" size=\"32\"> \
         <select name=\"type\"><option value=\"\">any type</option><option value=\"official_account\"{}>official account</option><option value=\"mini_program\"{}>mini program</option></select> \
         <select name=\"status\"><option value=\"\">authorized or revoked</option><option value=\"authorized\"{}>authorized</option><option value=\"revoked\"{}>revoked</option></select> \
         <input name=\"scope\" placeholder=\"permission set id\" size=\"14\" value=\"{}\"> <button>Search</button></form>",
        esc(&platform),
        esc(&s.base),
        esc(&get("q").unwrap_or_default()),
        sel("official_account", p.get("type")),
        sel("mini_program", p.get("type")),
        sel("authorized", p.get("status")),
        sel("revoked", p.get("status")),
        esc(&get("scope").unwrap_or_default()),
    );
    b.push_str(
        "<table id=\"authorizers\"><thead><tr><th>Name</th><th>Principal</th><th>appid</th><th>user_name / alias</th><th>Type</th><th>Permission sets</th>\
         <th>Status</th><th>Token</th><th>Last refresh</th><th>Refreshing</th><th>Last error</th></tr></thead><tbody>",
    );
    for a in &rows {
        let (class, word) = if a.authorized { health(a.token_expires_at, now) } else { ("muted", "revoked") };
        let _ = write!(
            b,
            "<tr><td class=\"name\">{}</td><td class=\"principal\">{}</td><td><code>{}</code></td><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td class=\"{class}\" title=\"{}\">{word} ({})</td><td title=\"{}\">{}{}</td><td>{}</td>{}</tr>",
            esc(a.nick_name.as_deref().unwrap_or("")),
            esc(a.principal_name.as_deref().unwrap_or("")),
            esc(&a.appid),
            esc(a.user_name.as_deref().unwrap_or("")),
            a.alias.as_deref().filter(|x| !x.is_empty()).map(|x| format!(" / {}", esc(x))).unwrap_or_default(),
            match a.app_type.as_deref() {
                Some("mini_program") => "mini program",
                Some("official_account") => "official account",
                _ => "—",
            },
            esc(&scopes(a.func_info.as_deref())),
            if a.authorized { "<span class=\"ok\">authorized</span>" } else { "<span class=\"bad\">revoked</span>" },
            esc(&time(a.token_expires_at)),
            esc(&relative(a.token_expires_at, now)),
            esc(&time(a.token_updated_at)),
            esc(&relative(a.token_updated_at, now)),
            by(a.token_updated_by.as_deref()),
            esc(a.lease_owner.as_deref().unwrap_or("")),
            error_cell(a.last_error.as_ref(), a.token_updated_at, now),
        );
    }
    if rows.is_empty() {
        b.push_str("<tr><td colspan=\"11\" class=\"muted\">No authorizer matches.</td></tr>");
    }
    b.push_str("</tbody></table>");
    if more {
        let last = rows.last().map(|a| a.appid.clone()).unwrap_or_default();
        let keep: String = ["q", "type", "status", "scope"]
            .iter()
            .filter_map(|k| get(k).map(|v| format!("&{k}={}", q(&v))))
            .collect();
        let _ = write!(b, "<p><a id=\"next\" href=\"{}/authorizers?after={}{}\">Next page →</a></p>", esc(&s.base), esc(&q(&last)), esc(&keep));
    }
    b.push_str("<p class=\"muted\">Last error: the token's last failed refresh, with WeChat's errcode; \"since recovered\" when a token was stored after it.</p>");
    ok(&s, "Authorizers", "authorizers", &who, &b)
}

/// " by host:pid:random" under a refresh time (who wrote the token last).
fn by(who: Option<&str>) -> String {
    who.filter(|w| !w.is_empty()).map(|w| format!("<br><small class=\"by\">by {}</small>", esc(w))).unwrap_or_default()
}

/// The last-error cell: errcode and message, red while no token was stored after it.
fn error_cell(e: Option<&RefreshError>, refreshed_at: i64, now: i64) -> String {
    let Some(e) = e else { return "<td class=\"muted last-error\">—</td>".into() };
    let recovered = refreshed_at > e.at;
    let code = e.errcode.map(|c| format!("errcode {c}: ")).unwrap_or_default();
    format!(
        "<td class=\"last-error {}\" title=\"{}\">{}{} <small>({}{})</small></td>",
        if recovered { "muted" } else { "bad" },
        esc(&time(e.at)),
        esc(&code),
        esc(&e.message),
        esc(&relative(e.at, now)),
        if recovered { ", since recovered" } else { "" }
    )
}

fn token_card(b: &mut String, label: &str, key: &str, t: Option<&TokenMeta>, now: i64, age: bool) {
    let text = match t {
        Some(t) if age => format!("received {}", relative(t.updated_at, now)),
        Some(t) => format!("expires {}", relative(t.expires_at, now)),
        None => "not stored".into(),
    };
    let class = match t {
        Some(t) if age => if now - t.updated_at > 20 * 60_000 { "warn" } else { "ok" },
        Some(t) => health(t.expires_at, now).0,
        None => "muted",
    };
    let extra = match t {
        Some(t) => {
            let err = t.last_error.as_ref().filter(|e| e.at >= t.updated_at).map(|e| {
                let code = e.errcode.map(|c| format!("errcode {c}: ")).unwrap_or_default();
                format!("<br><small class=\"bad last-error\">{}{} ({})</small>", esc(&code), esc(&e.message), esc(&relative(e.at, now)))
            });
            format!("{}{}", by(t.updated_by.as_deref()), err.unwrap_or_default())
        }
        None => String::new(),
    };
    let _ = write!(b, "<div class=\"card\">{}<b class=\"{class}\" data-live=\"{key}\">{}</b>{extra}</div>", esc(label), esc(&text));
}

/// Live values of the platform cards, for the page and the JSON.
async fn platform_live(s: &ConsoleState, platform: &str) -> crate::error::Result<(Vec<TokenMeta>, BTreeMap<String, String>)> {
    let tokens = s.store.platform_tokens(platform).await?;
    let now = now_ms();
    let find = |k: &str| tokens.iter().find(|t| t.kind == k);
    let mut live = BTreeMap::new();
    let fmt = |t: Option<&TokenMeta>, age: bool| match t {
        Some(t) if age => format!("received {}", relative(t.updated_at, now)),
        Some(t) => format!("expires {}", relative(t.expires_at, now)),
        None => "not stored".into(),
    };
    live.insert("ticket".into(), fmt(find("component_verify_ticket"), true));
    live.insert("component_token".into(), fmt(find("component_access_token"), false));
    live.insert("pre_auth_code".into(), fmt(find("pre_auth_code"), false));
    Ok((tokens, live))
}

pub(super) async fn platform(State(s): S, h: HeaderMap) -> Response {
    let who = session!(s, h);
    let Some(platform) = tri!(s, who, s.platform().await) else { return no_platform(&s, &who, "Platform", "platform") };
    let (tokens, _) = tri!(s, who, platform_live(&s, &platform).await);
    let leases = tri!(s, who, s.store.lease_holders(&platform, 50).await);
    let hourly = tri!(s, who, s.store.changes_per_hour(&platform, 24).await);
    let now = now_ms();
    let writers = tri!(s, who, s.store.token_writers(&platform, now - 24 * 3_600_000).await);
    let errors = tri!(s, who, s.store.refresh_errors(&platform, 20).await);
    let find = |k: &str| tokens.iter().find(|t| t.kind == k);
    let mut b = format!("<p class=\"muted\">Platform {}</p><div class=\"cards\">", esc(&platform));
    token_card(&mut b, "component_verify_ticket", "ticket", find("component_verify_ticket"), now, true);
    token_card(&mut b, "component_access_token", "component_token", find("component_access_token"), now, false);
    token_card(&mut b, "pre_auth_code", "pre_auth_code", find("pre_auth_code"), now, false);
    b.push_str("</div><h2>Refreshes and changes, last 24 h</h2>");
    let first_hour = (now / 3_600_000 - 23) * 3_600_000;
    let hours: Vec<i64> = (0..24).map(|i| first_hour + i * 3_600_000).collect();
    let mut refreshes = vec![0; 24];
    let mut changes = vec![0; 24];
    let mut per_kind: BTreeMap<&str, i64> = BTreeMap::new();
    for (hour, kind, n) in &hourly {
        let i = ((hour - first_hour) / 3_600_000).clamp(0, 23) as usize;
        if kind == crate::store::changes::AUTHORIZER {
            changes[i] += n;
        } else if kind != "authorization_code" {
            // An exchanged auth code is a write, not a refresh.
            refreshes[i] += n;
        }
        *per_kind.entry(kind.as_str()).or_default() += n;
    }
    b.push_str(&chart(&hours, &refreshes, &changes));
    b.push_str("<h2>Writes per kind, last 24 h (change feed)</h2><table><thead><tr><th>Kind</th><th>Writes</th><th>Per hour</th></tr></thead><tbody>");
    for (k, n) in &per_kind {
        let _ = write!(b, "<tr><td>{}</td><td>{n}</td><td>{:.1}</td></tr>", esc(k), *n as f64 / 24.0);
    }
    b.push_str("</tbody></table><h2>Who refreshes now (lease holders)</h2><table><thead><tr><th>Kind</th><th>appid</th><th>Holder</th><th>Until</th></tr></thead><tbody>");
    for l in &leases {
        let _ = write!(
            b,
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            esc(&l.kind),
            esc(&l.appid),
            esc(l.lease_owner.as_deref().unwrap_or("")),
            esc(&relative(l.lease_until, now))
        );
    }
    if leases.is_empty() {
        b.push_str("<tr><td colspan=\"4\" class=\"muted\">No lease held now.</td></tr>");
    }
    b.push_str("</tbody></table><h2>Who refreshed, last 24 h</h2><table id=\"writers\"><thead><tr><th>Process (host:pid:random)</th><th>Kind</th><th>Tokens last written</th><th>Latest</th></tr></thead><tbody>");
    for w in &writers {
        let _ = write!(
            b,
            "<tr><td class=\"writer\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&w.by),
            esc(&w.kind),
            w.tokens,
            esc(&relative(w.latest, now))
        );
    }
    if writers.is_empty() {
        b.push_str("<tr><td colspan=\"4\" class=\"muted\">No token written in the last 24 h by a process that names itself.</td></tr>");
    }
    b.push_str("</tbody></table><h2>Last refresh errors</h2><table id=\"errors\"><thead><tr><th>Kind</th><th>appid</th><th>Error</th><th>When</th></tr></thead><tbody>");
    for t in &errors {
        let Some(e) = &t.last_error else { continue };
        let code = e.errcode.map(|c| format!("errcode {c}: ")).unwrap_or_default();
        let _ = write!(
            b,
            "<tr><td>{}</td><td><code>{}</code></td><td class=\"{}\">{}{}</td><td>{}{}</td></tr>",
            esc(&t.kind),
            esc(&t.appid),
            if t.updated_at > e.at { "muted" } else { "bad" },
            esc(&code),
            esc(&e.message),
            esc(&relative(e.at, now)),
            if t.updated_at > e.at { ", since recovered" } else { "" }
        );
    }
    if errors.is_empty() {
        b.push_str("<tr><td colspan=\"4\" class=\"muted\">No failed refresh recorded.</td></tr>");
    }
    b.push_str("</tbody></table><p class=\"muted\">Refreshes per hour come from the change feed; who wrote each token last is kept on its row (a token row names one writer: older writes by other processes are not listed).</p>");
    ok(&s, "Platform", "platform", &who, &b)
}

pub(super) async fn messages(State(s): S, h: HeaderMap) -> Response {
    use crate::store::message_minutes::{MessageCounts, MINUTE_MS};
    let who = session!(s, h);
    let (pending, replied) = tri!(s, who, s.store.message_ledger().await);
    let Some(platform) = tri!(s, who, s.platform().await) else { return no_platform(&s, &who, "Messages", "messages") };
    let now = now_ms();
    let first_minute = (now / MINUTE_MS - 59) * MINUTE_MS;
    let day = tri!(s, who, s.store.message_minutes(&platform, now - 24 * 3_600_000).await);
    let by_app = tri!(s, who, s.store.message_counts_by_authorizer(&platform, now - 24 * 3_600_000, 20).await);
    let mut total = MessageCounts::default();
    for (_, c) in &day {
        total.add(c);
    }
    let mut b = format!(
        "<p class=\"muted\">Platform {}</p><div class=\"cards\"><div class=\"card\">Deliveries, 24 h<b id=\"m-deliveries\">{}</b></div>\
         <div class=\"card\">Handler failures, 24 h<b id=\"m-handler-failures\" class=\"{}\">{}</b></div>\
         <div class=\"card\">reply_failed, 24 h<b id=\"m-reply-failed\" class=\"{}\">{}</b></div>\
         <div class=\"card\">Retries deduplicated, 24 h<b id=\"m-retries\">{}</b></div>\
         <div class=\"card\">Being handled<b data-live=\"messages_pending\">{pending}</b></div>\
         <div class=\"card\">Answered (recent window)<b data-live=\"messages_replied\">{replied}</b></div></div>",
        esc(&platform),
        total.deliveries,
        if total.handler_failures > 0 { "bad" } else { "ok" },
        total.handler_failures,
        if total.reply_failed > 0 { "bad" } else { "ok" },
        total.reply_failed,
        total.retries,
    );
    let minutes: Vec<i64> = (0..60).map(|i| first_minute + i * MINUTE_MS).collect();
    let mut series = [vec![0i64; 60], vec![0i64; 60], vec![0i64; 60]];
    for (m, c) in day.iter().filter(|(m, _)| *m >= first_minute) {
        let i = ((m - first_minute) / MINUTE_MS).clamp(0, 59) as usize;
        series[0][i] += c.deliveries;
        series[1][i] += c.handler_failures + c.reply_failed;
        series[2][i] += c.retries;
    }
    b.push_str("<h2>Per minute, last hour</h2>");
    b.push_str(&lines(
        &minutes,
        &[("deliveries", "#2563eb", series[0].as_slice()), ("failures", "#dc2626", series[1].as_slice()), ("retries", "#d97706", series[2].as_slice())],
        "%H:%M",
        10,
        "messages per minute, last hour",
    ));
    b.push_str(
        "<table id=\"minutes\"><thead><tr><th>Minute (UTC)</th><th>Deliveries</th><th>Handler failures</th><th>reply_failed</th><th>Retries</th></tr></thead><tbody>",
    );
    for (m, c) in day.iter().rev().take(60) {
        let _ = write!(
            b,
            "<tr><td>{}</td><td class=\"deliveries\">{}</td><td class=\"handler-failures{}\">{}</td><td class=\"reply-failed{}\">{}</td><td class=\"retries\">{}</td></tr>",
            esc(&time(*m)),
            c.deliveries,
            if c.handler_failures > 0 { " bad" } else { "" },
            c.handler_failures,
            if c.reply_failed > 0 { " bad" } else { "" },
            c.reply_failed,
            c.retries
        );
    }
    if day.is_empty() {
        b.push_str("<tr><td colspan=\"5\" class=\"muted\">No message counted in the last 24 h.</td></tr>");
    }
    b.push_str("</tbody></table><h2>Authorizers, last 24 h (most failures first)</h2><table id=\"by-authorizer\"><thead><tr><th>appid</th><th>Deliveries</th><th>Handler failures</th><th>reply_failed</th><th>Retries</th></tr></thead><tbody>");
    for (appid, c) in &by_app {
        let _ = write!(
            b,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(appid),
            c.deliveries,
            c.handler_failures,
            c.reply_failed,
            c.retries
        );
    }
    b.push_str(
        "</tbody></table><p class=\"muted\">Each process counts its messages per minute per authorizer and adds them to the store every few \
         seconds (a process killed loses its last seconds' counts). Being handled / answered: the fleet's dedup ledger (wxtp_messages), \
         whose rows live a few minutes.</p>",
    );
    ok(&s, "Messages", "messages", &who, &b)
}

fn progress(r: &RolloutSummary) -> String {
    let total: i64 = r.counts.iter().map(|c| c.1).sum::<i64>().max(1);
    let mut bar = String::from("<div class=\"bar\">");
    let mut legend = Vec::new();
    for (state, n) in &r.counts {
        let _ = write!(bar, "<span class=\"s-{}\" style=\"width:{:.1}%\" title=\"{}: {n}\"></span>", esc(state), *n as f64 * 100.0 / total as f64, esc(state));
        legend.push(format!("{}: <span data-live=\"rollout:{}:{}\">{n}</span>", esc(state), esc(&r.id), esc(state)));
    }
    bar.push_str("</div>");
    format!("{bar}<small>{}</small>", legend.join(" · "))
}

pub(super) async fn rollouts(State(s): S, h: HeaderMap) -> Response {
    let who = session!(s, h);
    let list = tri!(s, who, s.board.list(100).await);
    let mut b = String::from("<table id=\"rollouts\"><thead><tr><th>Rollout</th><th>State</th><th>Template / version</th><th>Progress</th><th>Started</th></tr></thead><tbody>");
    for r in &list {
        let _ = write!(
            b,
            "<tr><td><a href=\"{}/rollouts/{}\">{}</a></td><td data-live=\"rollout:{}:state\">{}</td><td>{} / {}</td><td>{}</td><td>{}</td></tr>",
            esc(&s.base),
            esc(&q(&r.id)),
            esc(&r.id),
            esc(&r.id),
            esc(&r.state),
            esc(&r.template_id),
            esc(&r.user_version),
            progress(r),
            esc(&time(r.created_at_ms))
        );
    }
    if list.is_empty() {
        b.push_str("<tr><td colspan=\"5\" class=\"muted\">No rollouts.</td></tr>");
    }
    b.push_str("</tbody></table>");
    ok(&s, "Rollouts", "rollouts", &who, &b)
}

/// http(s) links only: a `javascript:` screenshot "link" stays text.
fn link(u: &str) -> String {
    if u.starts_with("https://") || u.starts_with("http://") {
        format!("<a href=\"{}\" rel=\"noopener noreferrer\" target=\"_blank\">screenshot</a>", esc(u))
    } else {
        esc(u)
    }
}

pub(super) async fn rollout(State(s): S, Path(id): Path<String>, h: HeaderMap, Query(p): Params) -> Response {
    let who = session!(s, h);
    let Some(r) = tri!(s, who, s.board.one(&id).await) else {
        let body = format!("<p class=\"bad\">No rollout {}.</p>", esc(&id));
        return html(StatusCode::NOT_FOUND, page(&s.base, "Rollout", "rollouts", Some(&who), &body));
    };
    let after = p.get("after").map(String::as_str).filter(|a| !a.is_empty());
    let mut apps = tri!(s, who, s.board.apps(&id, after, PAGE + 1).await);
    let more = apps.len() > PAGE;
    apps.truncate(PAGE);
    let mut b = String::new();
    if let Some(f) = p.get("flash") {
        let _ = write!(b, "<p class=\"flash\">{}</p>", esc(f));
    }
    let _ = write!(
        b,
        "<p>State <b data-live=\"rollout:{}:state\">{}</b> · template {} · version {}</p>{}<p>",
        esc(&r.id),
        esc(&r.state),
        esc(&r.template_id),
        esc(&r.user_version),
        progress(&r)
    );
    for a in super::rollouts::RolloutAction::ALL {
        let _ = write!(
            b,
            "<form class=\"inline\" method=\"post\" action=\"{}/rollouts/{}/act\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <input type=\"hidden\" name=\"action\" value=\"{}\"><button data-action=\"{}\">{}</button></form> ",
            esc(&s.base),
            esc(&q(&r.id)),
            esc(&who.csrf),
            a.as_str(),
            a.as_str(),
            a.label()
        );
    }
    b.push_str("</p><table id=\"apps\"><thead><tr><th>appid</th><th>State</th><th>auditid</th><th>WeChat's reason</th><th>Screenshots</th><th>Error</th><th>Updated</th></tr></thead><tbody>");
    for a in &apps {
        let _ = write!(
            b,
            "<tr><td><code>{}</code></td><td class=\"s-text-{}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&a.appid),
            esc(&a.state),
            esc(&a.state),
            esc(a.auditid.as_deref().unwrap_or("")),
            esc(a.reason.as_deref().unwrap_or("")),
            a.screenshots.iter().map(|u| link(u)).collect::<Vec<_>>().join(" "),
            esc(a.error.as_deref().unwrap_or("")),
            esc(&time(a.updated_at_ms))
        );
    }
    b.push_str("</tbody></table>");
    if more {
        let last = apps.last().map(|a| a.appid.clone()).unwrap_or_default();
        let _ = write!(b, "<p><a href=\"{}/rollouts/{}?after={}\">Next page →</a></p>", esc(&s.base), esc(&q(&r.id)), esc(&q(&last)));
    }
    ok(&s, &format!("Rollout {}", r.id), "rollouts", &who, &b)
}

pub(super) async fn audit(State(s): S, h: HeaderMap) -> Response {
    let who = session!(s, h);
    let log = tri!(s, who, s.store.audit_log(200).await);
    let mut b = String::from("<table id=\"audit\"><thead><tr><th>When</th><th>Who</th><th>Role</th><th>Action</th><th>Target</th><th>Outcome</th></tr></thead><tbody>");
    for e in &log {
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&time(e.at)),
            esc(&e.user),
            esc(&e.role),
            esc(&e.action),
            esc(&e.target),
            esc(&e.outcome)
        );
    }
    b.push_str("</tbody></table>");
    let _ = write!(
        b,
        "<h2>Sessions</h2><form method=\"post\" action=\"{}/sessions/end\"><input type=\"hidden\" name=\"csrf\" value=\"{}\"><button id=\"end-sessions\">End every other session</button></form>",
        esc(&s.base),
        esc(&who.csrf)
    );
    ok(&s, "Audit log", "audit", &who, &b)
}

/// What the page script polls: live values keyed as the pages' `data-live`.
pub(super) async fn summary(State(s): S, h: HeaderMap) -> Response {
    let who = match who(&s, &h, true).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let fail = |e: crate::error::Error| (StatusCode::SERVICE_UNAVAILABLE, axum::Json(json!({ "error": e.to_string() }))).into_response();
    let mut live = BTreeMap::new();
    if let Some(platform) = s.platform().await.map_err(fail).ok().flatten() {
        match platform_live(&s, &platform).await {
            Ok((_, l)) => live.extend(l),
            Err(e) => return fail(e),
        }
    }
    match s.store.message_ledger().await {
        Ok((p, r)) => {
            live.insert("messages_pending".into(), p.to_string());
            live.insert("messages_replied".into(), r.to_string());
        }
        Err(e) => return fail(e),
    }
    match s.board.list(100).await {
        Ok(list) => {
            for r in list {
                live.insert(format!("rollout:{}:state", r.id), r.state.clone());
                for (state, n) in r.counts {
                    live.insert(format!("rollout:{}:{state}", r.id), n.to_string());
                }
            }
        }
        Err(e) => return fail(e),
    }
    axum::Json(json!({ "user": who.user, "role": who.role.as_str(), "at": now_ms(), "live": live })).into_response()
}
