//! The background loop. The master (not a cluster worker) keeps the ticket,
//! component_access_token, pre_auth_code and authorizer tokens fresh ahead of
//! expiry; every process re-reads readiness from the store and reports
//! changes as events (the readiness flag lives in the store, not in memory).

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::credential::valid_ticket;
use crate::error::Error;

use super::{Component, Event, Secrets};

/// How often the master re-lists authorizers to refresh.
const AUTHORIZER_SCAN: Duration = Duration::from_secs(30);

pub(super) async fn run(c: Arc<Component>) {
    let mut last_push_request: Option<Instant> = None;
    let mut last_scan: Option<Instant> = None;
    let refresher = !c.cfg.is_cluster || c.cfg.failover;
    while !c.closed.load(Ordering::SeqCst) {
        if refresher {
            keep_component_secrets(&c, &mut last_push_request).await;
            if !c.cfg.is_cluster && last_scan.map_or(true, |t| t.elapsed() >= AUTHORIZER_SCAN.min(c.cfg.max_tick)) {
                last_scan = Some(Instant::now());
                refresh_authorizers(&c).await;
            } else if !c.cfg.is_cluster {
                refresh_known_authorizers(&c).await;
            }
        }
        report_readiness(&c).await;
        let sleep = next_sleep(&c);
        tokio::select! {
            _ = tokio::time::sleep(sleep) => {}
            _ = c.wake.notified() => {}
        }
    }
}

/// Until the next cell is due, bounded by the poll interval (workers) or max_tick.
fn next_sleep(c: &Component) -> Duration {
    let cap = if c.cfg.is_cluster { c.cfg.poll_interval } else { c.cfg.max_tick };
    let mut sleep = cap;
    for d in [c.access_token.next_due_in(), c.pre_auth_code.next_due_in()].into_iter().flatten() {
        sleep = sleep.min(d);
    }
    if !c.cfg.is_cluster {
        for cell in c.authorizer_cells() {
            if let Some(d) = cell.next_due_in() {
                sleep = sleep.min(d);
            }
        }
    }
    sleep.max(Duration::from_millis(20))
}

async fn keep_component_secrets(c: &Arc<Component>, last_push_request: &mut Option<Instant>) {
    let ticket = match valid_ticket(&c.ticket).await {
        Ok(t) => t,
        Err(e) => {
            c.emit(Event::DbError { message: e.to_string() });
            return;
        }
    };
    if ticket.is_none() {
        // First deploy or a push outage: ask WeChat to push one now instead of waiting ≤10 minutes.
        if !c.cfg.is_cluster && last_push_request.map_or(true, |t| t.elapsed() >= c.cfg.push_ticket_interval) {
            *last_push_request = Some(Instant::now());
            if let Err(e) = c.request_ticket_push().await {
                c.emit(refresh_failed("component_verify_ticket", &e));
            }
        }
        return;
    }
    // Failures are reported by the cells' own events; they retry on the next tick.
    if c.access_token.refresh_if_due().await.is_ok() {
        let _ = c.pre_auth_code.refresh_if_due().await;
    }
}

/// Lists authorized accounts and refreshes the due ones, a batch at a time.
async fn refresh_authorizers(c: &Arc<Component>) {
    match c.store.list_authorizers(&c.cfg.appid).await {
        Ok(list) => {
            for rec in list.iter().filter(|r| r.authorized) {
                c.authorizer_cell(&rec.appid);
            }
            refresh_known_authorizers(c).await;
        }
        Err(e) => c.emit(Event::DbError { message: e.to_string() }),
    }
}

async fn refresh_known_authorizers(c: &Arc<Component>) {
    let cells = c.authorizer_cells();
    for batch in cells.chunks(c.cfg.authorizer_batch.max(1)) {
        let mut set = tokio::task::JoinSet::new();
        for cell in batch {
            let cell = cell.clone();
            // Failures surface through the cell's refresh_failed event.
            set.spawn(async move { cell.refresh_if_due().await.ok() });
        }
        while set.join_next().await.is_some() {}
    }
}

/// Emits ready / not_ready / outdated when the store's answer changes.
async fn report_readiness(c: &Arc<Component>) {
    let now = match c.secrets().await {
        Ok(Secrets::Ready { .. }) => "ready",
        Ok(Secrets::NotReady) => "not_ready",
        Ok(Secrets::Outdated) => "outdated",
        Err(e) => {
            c.emit(Event::DbError { message: e.to_string() });
            return;
        }
    };
    let changed = {
        let mut state = c.state.lock().unwrap();
        let changed = *state != Some(now);
        *state = Some(now);
        changed
    };
    if changed {
        c.emit(match now {
            "ready" => Event::Ready,
            "not_ready" => Event::NotReady,
            _ => Event::Outdated,
        });
    }
}

fn refresh_failed(kind: &str, e: &Error) -> Event {
    Event::RefreshFailed { token_kind: kind.to_owned(), appid: String::new(), code: e.code(), message: e.to_string() }
}
