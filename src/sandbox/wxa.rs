//! Mini programs in the sandbox (代小程序实现业务): what each mini program and
//! each platform holds, the routing of the wxa paths, and the scripted
//! reviewer whose verdicts arrive as events on the platform's message URL
//! (encrypted, as WeChat sends weapp_audit_*). Handlers: wxa_code.rs (code,
//! audit, release), wxa_settings.rs (domains, testers, categories, privacy,
//! wxacodes), wxa_platform.rs (template library, fast registration, the
//! platform's domains).

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::messages::{send_message, SendOptions};
use super::state::{push_capped, Reply, Req, Shared, State};
use super::tokens::{Kind, TokenRec};
use super::{wxa_code, wxa_platform, wxa_settings};

/// The permission set of code management (开发管理与数据分析权限).
pub(crate) const CODE_MANAGEMENT: i64 = 18;
/// funcscope_category ids a mini program grants by default.
pub(crate) const MINI_PROGRAM_FUNC_INFO: [i64; 10] = [17, 18, 19, 25, 30, 31, 37, 40, 49, 52];

#[derive(Default)]
pub(crate) struct WxaBook {
    pub apps: HashMap<String, MiniProgram>,
    pub platforms: HashMap<String, PlatformWxa>,
    pub events: Vec<WxaEvent>,
    pub next_id: i64,
}

impl WxaBook {
    pub fn next_id(&mut self) -> i64 {
        self.next_id += 1;
        // Ids look like WeChat's (auditids are 9 digits).
        400_000_000 + self.next_id
    }
    pub fn app(&mut self, appid: &str) -> &mut MiniProgram {
        self.apps.entry(appid.to_owned()).or_default()
    }
    pub fn platform(&mut self, component_appid: &str) -> &mut PlatformWxa {
        self.platforms.entry(component_appid.to_owned()).or_default()
    }
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct Commit {
    pub template_id: i64,
    pub ext_json: Value,
    pub user_version: String,
    pub user_desc: String,
    pub time: i64,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct Audit {
    pub auditid: i64,
    /// 0 approved, 1 rejected, 2 auditing, 3 withdrawn, 4 delayed.
    pub status: i64,
    pub reason: Option<String>,
    pub screenshot: Option<String>,
    pub user_version: String,
    pub user_desc: String,
    pub submit_audit_time: i64,
    pub released: bool,
    pub request: Value,
    #[serde(skip)]
    pub pending: Vec<(f64, Step)>,
}

/// What the reviewer does next to an audit.
#[derive(Clone, Debug)]
pub(crate) enum Step {
    Pass,
    Fail { reason: String, screenshots: Vec<String> },
    Delay { reason: String },
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct Version {
    pub app_version: i64,
    pub user_version: String,
    pub user_desc: String,
    pub commit_time: i64,
}

/// How the sandbox reviews a mini program's audits.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Reviewer {
    /// "pass", "fail", "delay" (weapp_audit_delay, then pass) or "manual" (until `review`).
    pub verdict: String,
    pub reason: Option<String>,
    /// media ids of the rejection's screenshots.
    pub screenshots: Vec<String>,
    /// Sandbox-clock ms from submit to the verdict.
    pub after_ms: u64,
    /// For "delay": ms from the delay to the pass.
    pub delay_ms: u64,
}

impl Default for Reviewer {
    fn default() -> Self {
        Reviewer { verdict: "pass".into(), reason: None, screenshots: Vec::new(), after_ms: 200, delay_ms: 200 }
    }
}

impl Reviewer {
    pub fn validate(&self) -> Result<(), String> {
        match self.verdict.as_str() {
            "pass" | "fail" | "delay" | "manual" => Ok(()),
            other => Err(format!("verdict: {other:?} is not one of pass, fail, delay, manual")),
        }
    }

    /// The steps of one audit, submitted at `now`.
    pub(crate) fn steps(&self, now: f64) -> Vec<(f64, Step)> {
        let at = now + self.after_ms as f64 / 1000.0;
        let reason = |d: &str| self.reason.clone().unwrap_or_else(|| d.to_owned());
        match self.verdict.as_str() {
            "fail" => vec![(at, Step::Fail { reason: reason(REJECT_REASON), screenshots: self.screenshots.clone() })],
            "delay" => vec![(at, Step::Delay { reason: reason(DELAY_REASON) }), (at + self.delay_ms as f64 / 1000.0, Step::Pass)],
            "manual" => Vec::new(),
            _ => vec![(at, Step::Pass)],
        }
    }
}

const REJECT_REASON: &str = "1:账号信息不符合规范:<br>(1):小程序名称与功能页面内容不一致<br>";
const DELAY_REASON: &str = "为了更好的服务小程序，您的服务商正在进行提审系统的优化，可能会导致审核时效的增长，请耐心等待";

#[derive(Default, Serialize)]
pub(crate) struct MiniProgram {
    pub commit: Option<Commit>,
    /// Sandbox time when the code-privacy detection of the last commit ends.
    pub privacy_ready_at: f64,
    pub audits: Vec<Audit>,
    pub release: Option<Version>,
    /// Versions released before the current one (get_history_version), newest last.
    pub history: Vec<Version>,
    pub gray: Option<Value>,
    pub visit_closed: bool,
    pub support_version: Option<String>,
    /// Server domains set through the platform (modify_domain), by kind.
    pub domains: BTreeMap<String, Vec<String>>,
    /// Set directly (modify_domain_directly).
    pub direct_domains: BTreeMap<String, Vec<String>>,
    pub webview: Vec<String>,
    pub direct_webview: Vec<String>,
    /// (wechatid, userstr)
    pub testers: Vec<(String, String)>,
    pub categories: Vec<Value>,
    /// privacy_ver → the guide as set.
    pub privacy: BTreeMap<i64, Value>,
    pub reviewer: Reviewer,
    /// This many of the next events are lost (never pushed).
    pub lose_events: u32,
}

impl MiniProgram {
    pub fn latest_audit(&mut self) -> Option<&mut Audit> {
        self.audits.last_mut()
    }
    /// The pages of the committed code (ext_json's `pages`, else one index page).
    pub fn pages(&self) -> Vec<String> {
        let from_ext = self.commit.as_ref().and_then(|c| c.ext_json.get("pages")).and_then(Value::as_array);
        match from_ext {
            Some(p) if !p.is_empty() => p.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
            _ => vec!["pages/index/index".to_owned()],
        }
    }
}

#[derive(Serialize)]
pub(crate) struct PlatformWxa {
    pub drafts: Vec<Value>,
    pub templates: Vec<Value>,
    /// The platform's server domains (modify_wxa_server_domain), host names.
    pub server_domains: Vec<String>,
    /// Its business (webview) domains (modify_wxa_jump_domain).
    pub jump_domains: Vec<String>,
    pub quota: Quota,
    pub registrations: Vec<Registration>,
    pub fast_register: FastRegisterScript,
}

impl Default for PlatformWxa {
    fn default() -> Self {
        PlatformWxa {
            drafts: Vec::new(),
            templates: Vec::new(),
            server_domains: Vec::new(),
            jump_domains: Vec::new(),
            quota: Quota::default(),
            registrations: Vec::new(),
            fast_register: FastRegisterScript::default(),
        }
    }
}

/// The platform's audit quota for the month (queryquota).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Quota {
    pub rest: i64,
    pub limit: i64,
    pub speedup_rest: i64,
    pub speedup_limit: i64,
}

impl Default for Quota {
    fn default() -> Self {
        Quota { rest: 20, limit: 20, speedup_rest: 2, speedup_limit: 2 }
    }
}

/// How the people behind a fast registration answer (face check, consent).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct FastRegisterScript {
    /// Complete by itself after `after_ms` (else wait for `complete`).
    pub auto: bool,
    pub after_ms: u64,
    /// The status the push carries (0: created).
    pub status: i64,
}

impl Default for FastRegisterScript {
    fn default() -> Self {
        FastRegisterScript { auto: true, after_ms: 200, status: 0 }
    }
}

/// One fast registration, from its request to the push.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Registration {
    /// "enterprise", "beta" or "personal".
    pub kind: String,
    /// taskid (personal), unique_id (beta) or the enterprise's name.
    pub id: String,
    pub info: Map<String, Value>,
    /// "pending", then the push's status ("0" created).
    pub state: String,
    pub appid: Option<String>,
    #[serde(skip)]
    pub due_at: Option<f64>,
    pub created_at: i64,
}

/// An event the reviewer sent (or lost).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WxaEvent {
    pub appid: String,
    pub event: String,
    pub auditid: i64,
    /// "delivered", "lost" (scripted), or why it did not arrive.
    pub outcome: String,
    pub at: u64,
}

// ---- routing ----

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

/// The mini program a wxa call acts for (an authorizer's token, or its own
/// access_token), refused with 48001 unless it is a mini program that granted
/// `set` (when given) to the platform.
pub(crate) fn mini_program(st: &mut State, req: &Req, set: Option<i64>) -> Result<TokenRec, Reply> {
    let tok = st.auth(req, "access_token", &super::account::OA_KINDS, None)?;
    if !st.account(&tok.appid).mini_program {
        return Err(Reply::err(48001, "api unauthorized: not a mini program"));
    }
    if let (Some(set), Some(owner)) = (set, tok.owner.as_deref()) {
        let granted = st.components.get(owner).and_then(|c| c.authorizations.get(&tok.appid)).is_some_and(|a| a.func_info.contains(&set));
        if !granted {
            return Err(Reply::err(48001, "api unauthorized"));
        }
    }
    Ok(tok)
}

/// A component-token call's platform (the token's appid).
pub(crate) fn platform_token(st: &mut State, req: &Req) -> Result<String, Reply> {
    st.auth(req, "component_access_token", &[Kind::ComponentAccessToken], None).map(|t| t.appid)
}

/// MiniProgramInfo as api_get_authorizer_info answers it for a mini program.
pub(crate) fn mini_program_info(st: &State, appid: &str) -> Value {
    let empty = MiniProgram::default();
    let mp = st.wxa.apps.get(appid).unwrap_or(&empty);
    let list = |k: &str| mp.domains.get(k).cloned().unwrap_or_default();
    let categories: Vec<Value> = mp.categories.iter().map(|c| json!({"first": c["first_name"], "second": c["second_name"]})).collect();
    json!({
        "network": {
            "RequestDomain": list("requestdomain"),
            "WsRequestDomain": list("wsrequestdomain"),
            "UploadDomain": list("uploaddomain"),
            "DownloadDomain": list("downloaddomain"),
            "UDPDomain": list("udpdomain"),
            "TCPDomain": list("tcpdomain"),
            "BizDomain": mp.webview,
        },
        "categories": categories,
        "visit_status": 0,
    })
}

// ---- the reviewer and fast registrations, on the sandbox's clock ----

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

/// The audit's new status and the event WeChat sends for it.
pub(crate) fn apply_step(audit: &mut Audit, step: &Step, now: i64) -> Map<String, Value> {
    let mut f = Map::new();
    f.insert("MsgType".into(), json!("event"));
    match step {
        Step::Pass => {
            audit.status = 0;
            audit.reason = None;
            f.insert("Event".into(), json!("weapp_audit_success"));
            f.insert("SuccTime".into(), json!(now));
        }
        Step::Fail { reason, screenshots } => {
            audit.status = 1;
            audit.reason = Some(reason.clone());
            audit.screenshot = Some(screenshots.join("|"));
            f.insert("Event".into(), json!("weapp_audit_fail"));
            f.insert("Reason".into(), json!(reason));
            f.insert("FailTime".into(), json!(now));
            f.insert("ScreenShot".into(), json!(screenshots.join("|")));
        }
        Step::Delay { reason } => {
            audit.status = 4;
            audit.reason = Some(reason.clone());
            f.insert("Event".into(), json!("weapp_audit_delay"));
            f.insert("Reason".into(), json!(reason));
            f.insert("DelayTime".into(), json!(now));
        }
    }
    f
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

// ---- images ----

/// A real PNG (1×1) whose tEXt chunk says what the code stands for, so a
/// test can tell one code from another.
pub(crate) fn png(what: &Value) -> Vec<u8> {
    let png = super::content::TINY_PNG;
    // signature (8) + IHDR chunk (25): the text goes right after IHDR.
    let (head, tail) = png.split_at(33);
    let mut data = b"Comment\0".to_vec();
    data.extend_from_slice(what.to_string().as_bytes());
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    let mut typed = b"tEXt".to_vec();
    typed.extend_from_slice(&data);
    chunk.extend_from_slice(&typed);
    chunk.extend_from_slice(&crc32(&typed).to_be_bytes());
    [head, &chunk, tail].concat()
}

/// PNG's CRC-32 (ISO 3309) over a chunk's type and data.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

pub(crate) fn image_reply(what: Value) -> Reply {
    Reply::Raw { status: axum::http::StatusCode::OK, content_type: "image/png".into(), body: png(&what), filename: Some("QRCode.png".into()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_matches_the_png_spec_and_the_chunk_sits_after_ihdr() {
        // The IEND chunk's CRC is fixed: AE 42 60 82.
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
        let img = png(&json!({"scene": "a"}));
        assert!(img.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert_eq!(&img[37..41], b"tEXt");
        assert!(img.ends_with(&[0xAE, 0x42, 0x60, 0x82]));
    }
}
