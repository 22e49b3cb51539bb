//! Counters for `/metrics` (Prometheus text format).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::error::Result;
use crate::model::{BoxFut, Token};
use crate::token::Fetch;

#[derive(Clone, Default)]
pub struct Metrics(Arc<Inner>);

#[derive(Default)]
struct Inner {
    served: Mutex<BTreeMap<&'static str, u64>>,
    /// (endpoint, result) → calls
    upstream: Mutex<BTreeMap<(&'static str, String), u64>>,
    refresh_ms_sum: AtomicU64,
    refresh_count: AtomicU64,
}

impl Metrics {
    pub fn served(&self, kind: &'static str) {
        *self.0.served.lock().unwrap_or_else(|p| p.into_inner()).entry(kind).or_default() += 1;
    }

    fn upstream(&self, endpoint: &'static str, result: String, ms: u64) {
        *self.0.upstream.lock().unwrap_or_else(|p| p.into_inner()).entry((endpoint, result)).or_default() += 1;
        self.0.refresh_ms_sum.fetch_add(ms, Ordering::Relaxed);
        self.0.refresh_count.fetch_add(1, Ordering::Relaxed);
    }

    pub fn render(&self, lease_holder: &str) -> String {
        let mut s = String::new();
        s.push_str("# TYPE wxtp_tokens_served_total counter\n");
        for (k, n) in self.0.served.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            let _ = writeln!(s, "wxtp_tokens_served_total{{kind=\"{k}\"}} {n}");
        }
        s.push_str("# TYPE wxtp_upstream_calls_total counter\n");
        for ((e, r), n) in self.0.upstream.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            let _ = writeln!(s, "wxtp_upstream_calls_total{{endpoint=\"{e}\",result=\"{r}\"}} {n}");
        }
        let sum = self.0.refresh_ms_sum.load(Ordering::Relaxed) as f64 / 1000.0;
        let count = self.0.refresh_count.load(Ordering::Relaxed);
        let _ = write!(s, "# TYPE wxtp_refresh_seconds summary\nwxtp_refresh_seconds_sum {sum}\nwxtp_refresh_seconds_count {count}\n");
        let _ = writeln!(s, "# TYPE wxtp_instance info\nwxtp_instance{{lease_owner=\"{lease_holder}\"}} 1");
        s
    }
}

/// A fetcher that counts its upstream calls and their latency.
pub struct Metered<F> {
    inner: F,
    endpoint: &'static str,
    metrics: Metrics,
}

impl<F> Metered<F> {
    pub fn new(inner: F, endpoint: &'static str, metrics: Metrics) -> Self {
        Metered { inner, endpoint, metrics }
    }
}

impl<F: Fetch> Fetch for Metered<F> {
    fn fetch<'a>(&'a self, current: Option<&'a Token>) -> BoxFut<'a, Result<Token>> {
        Box::pin(async move {
            let started = Instant::now();
            let r = self.inner.fetch(current).await;
            let result = match &r {
                Ok(_) => "ok".to_owned(),
                Err(e) => e.code().map(|c| c.to_string()).unwrap_or_else(|| e.kind().to_owned()),
            };
            self.metrics.upstream(self.endpoint, result, started.elapsed().as_millis() as u64);
            r
        })
    }
}
