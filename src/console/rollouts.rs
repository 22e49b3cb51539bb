//! What the console needs of rollouts, as a small trait: the rollout room
//! implements it over its own tables (`wxtp_rollouts`, `wxtp_rollout_apps`)
//! and hands it to `ConsoleConfig::rollouts`; the console never reads those
//! tables itself. `NoRollouts` is the stand-in until it is wired.

use std::sync::Arc;

use crate::error::Result;
use crate::model::BoxFut;

/// One rollout, as its list row and header show it.
#[derive(Clone, Debug, Default)]
pub struct RolloutSummary {
    pub id: String,
    /// running | paused | cancelled | done (the rollout's own state).
    pub state: String,
    pub template_id: String,
    pub user_version: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    /// Apps per app state (pending, committed, auditing, approved, released,
    /// rejected, failed, cancelled): drawn as the progress bar.
    pub counts: Vec<(String, i64)>,
}

/// One app of a rollout.
#[derive(Clone, Debug, Default)]
pub struct RolloutApp {
    pub appid: String,
    pub state: String,
    pub auditid: Option<String>,
    /// WeChat's reason for a rejection.
    pub reason: Option<String>,
    /// Screenshot links WeChat gave with a rejection (shown only when http(s)).
    pub screenshots: Vec<String>,
    pub error: Option<String>,
    pub updated_at_ms: i64,
}

/// The actions an operator may take on a rollout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RolloutAction {
    Pause,
    Resume,
    Cancel,
    /// Resubmit the apps WeChat rejected.
    RetryRejected,
    /// Roll released apps back to their previous version.
    Rollback,
}

impl RolloutAction {
    pub const ALL: [RolloutAction; 5] =
        [RolloutAction::Pause, RolloutAction::Resume, RolloutAction::Cancel, RolloutAction::RetryRejected, RolloutAction::Rollback];

    pub fn as_str(self) -> &'static str {
        match self {
            RolloutAction::Pause => "pause",
            RolloutAction::Resume => "resume",
            RolloutAction::Cancel => "cancel",
            RolloutAction::RetryRejected => "retry",
            RolloutAction::Rollback => "rollback",
        }
    }

    pub fn parse(s: &str) -> Option<RolloutAction> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            RolloutAction::Pause => "Pause",
            RolloutAction::Resume => "Resume",
            RolloutAction::Cancel => "Cancel",
            RolloutAction::RetryRejected => "Retry rejected",
            RolloutAction::Rollback => "Roll back",
        }
    }
}

/// The rollouts the console shows and drives. Every method reads or writes
/// the store only (no WeChat call on a page view); `act` asks the rollout's
/// driver to do the action (through the store, as `Rollout::pause()` does)
/// and returns a short outcome for the audit log, or an error saying why not.
pub trait RolloutBoard: Send + Sync {
    /// The newest rollouts first, at most `limit`.
    fn list(&self, limit: usize) -> BoxFut<'_, Result<Vec<RolloutSummary>>>;
    /// One rollout, None when unknown.
    fn one<'a>(&'a self, id: &'a str) -> BoxFut<'a, Result<Option<RolloutSummary>>>;
    /// Its apps in appid order after `after` (keyset paging), at most `limit`.
    fn apps<'a>(&'a self, id: &'a str, after: Option<&'a str>, limit: usize) -> BoxFut<'a, Result<Vec<RolloutApp>>>;
    /// Does `action` on rollout `id`.
    fn act<'a>(&'a self, id: &'a str, action: RolloutAction) -> BoxFut<'a, Result<String>>;
}

pub type Board = Arc<dyn RolloutBoard>;

/// Makes the board over the store the console opened (one per console).
pub type BoardFactory = Arc<dyn Fn(crate::store::Store) -> Board + Send + Sync>;

/// The board before rollouts are wired: none, and nothing to act on.
pub struct NoRollouts;

impl RolloutBoard for NoRollouts {
    fn list(&self, _limit: usize) -> BoxFut<'_, Result<Vec<RolloutSummary>>> {
        Box::pin(async { Ok(Vec::new()) })
    }
    fn one<'a>(&'a self, _id: &'a str) -> BoxFut<'a, Result<Option<RolloutSummary>>> {
        Box::pin(async { Ok(None) })
    }
    fn apps<'a>(&'a self, _id: &'a str, _after: Option<&'a str>, _limit: usize) -> BoxFut<'a, Result<Vec<RolloutApp>>> {
        Box::pin(async { Ok(Vec::new()) })
    }
    fn act<'a>(&'a self, id: &'a str, _action: RolloutAction) -> BoxFut<'a, Result<String>> {
        Box::pin(async move { Err(crate::error::Error::NotFound(format!("no rollout {id}"))) })
    }
}
