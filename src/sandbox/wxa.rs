//! Mini programs in the sandbox (代小程序实现业务): what each mini program and
//! each platform holds, and how an audit step changes it. Routing and the
//! scripted reviewer are in wxa_review.rs; handlers in wxa_code.rs (code,
//! audit, release), wxa_settings.rs (domains, testers, categories, privacy,
//! wxacodes), wxa_platform.rs (template library, fast registration, the
//! platform's domains). This file imports no other sandbox file: State holds
//! a WxaBook.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

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
    /// Code and audit calls answered: "path" → accepted, "path errcode" → refused.
    pub calls: BTreeMap<String, u64>,
    /// Sandbox times of the audits withdrawn (undocodeaudit), for WeChat's limits.
    #[serde(skip)]
    pub undos: Vec<f64>,
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
