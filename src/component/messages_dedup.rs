//! The message ledger: claims and replies queued and written in batches by
//! one task each, so N concurrent messages cost a couple of statements, not
//! 2N commits. An idle ledger writes each message at once (batch of one).

use std::time::{Duration, Instant};

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, Semaphore};

use crate::crypto::random_nonce;
use crate::error::Result;
use crate::store::{Claim, ClaimRequest, Store};

const MAX_BATCH: usize = 256;
const IN_FLIGHT: usize = 4;
const SWEEP_EVERY: Duration = Duration::from_secs(30);

type Waiter<T> = oneshot::Sender<Result<T>>;

pub(crate) struct Ledger {
    store: Store,
    claims: mpsc::UnboundedSender<(ClaimRequest, Waiter<Claim>)>,
    replies: mpsc::UnboundedSender<((String, String, String), Waiter<()>)>,
}

impl Ledger {
    /// Starts the two writer tasks on `runtime`; they end with the ledger.
    pub fn new(store: Store, ttl_ms: i64, runtime: &tokio::runtime::Handle) -> Ledger {
        let (claims, mut claim_rx) = mpsc::unbounded_channel::<(ClaimRequest, Waiter<Claim>)>();
        let (replies, mut reply_rx) = mpsc::unbounded_channel::<((String, String, String), Waiter<()>)>();
        let s = store.clone();
        runtime.spawn(async move {
            let mut swept = Instant::now();
            // A few batches in flight: a message waits for one commit, not for the batch before it too.
            let slots = Arc::new(Semaphore::new(IN_FLIGHT));
            loop {
                let Ok(slot) = slots.clone().acquire_owned().await else { return };
                let Some(batch) = next_batch(&mut claim_rx).await else { return };
                if swept.elapsed() > SWEEP_EVERY {
                    swept = Instant::now();
                    let _ = s.sweep_messages().await;
                }
                let s = s.clone();
                tokio::spawn(async move {
                    let (reqs, waiters): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
                    match s.claim_messages(&reqs, ttl_ms).await {
                        Ok(out) => waiters.into_iter().zip(out).for_each(|(w, c)| drop(w.send(Ok(c)))),
                        Err(e) => waiters.into_iter().for_each(|w| drop(w.send(Err(e.clone())))),
                    }
                    drop(slot);
                });
            }
        });
        let s = store.clone();
        runtime.spawn(async move {
            while let Some(batch) = next_batch(&mut reply_rx).await {
                let (done, waiters): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
                let r = s.finish_messages(&done, ttl_ms).await;
                waiters.into_iter().for_each(|w| drop(w.send(r.clone())));
            }
        });
        Ledger { store, claims, replies }
    }

    pub async fn claim(&self, scope: &str, key: &str) -> Result<Claim> {
        let (tx, rx) = oneshot::channel();
        let req = ClaimRequest { scope: scope.to_owned(), key: key.to_owned(), owner: random_nonce() };
        self.claims.send((req, tx)).map_err(|_| closed())?;
        rx.await.map_err(|_| closed())?
    }

    /// Queues a reply without waiting for the write (a failed write leaves the
    /// claim pending: a retry then waits and answers `success`).
    pub fn record(&self, scope: String, key: String, reply: String) {
        let (tx, _) = oneshot::channel();
        let _ = self.replies.send(((scope, key, reply), tx));
    }

    pub async fn finish(&self, scope: &str, key: &str, reply: &str) -> Result<()> {
        let (tx, rx) = oneshot::channel();
        self.replies.send(((scope.to_owned(), key.to_owned(), reply.to_owned()), tx)).map_err(|_| closed())?;
        rx.await.map_err(|_| closed())?
    }

    pub async fn state(&self, scope: &str, key: &str) -> Result<Claim> {
        self.store.message_state(scope, key).await
    }
}

/// Waits for one item, then takes whatever else is queued (up to MAX_BATCH).
async fn next_batch<T>(rx: &mut mpsc::UnboundedReceiver<T>) -> Option<Vec<T>> {
    let first = rx.recv().await?;
    let mut batch = vec![first];
    while batch.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(x) => batch.push(x),
            Err(_) => break,
        }
    }
    Some(batch)
}

fn closed() -> crate::error::Error {
    crate::error::Error::NotReady("the message ledger is closed".into())
}
