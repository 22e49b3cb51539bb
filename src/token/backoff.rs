//! Capped exponential backoff with jitter, and the store poll interval.

use std::time::Duration;

use rand::Rng;

/// `base · 2^attempt`, capped, then jittered into [½, 1] of that (so a fleet
/// that failed together does not retry together).
pub(crate) fn backoff(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let exp = base.as_millis().saturating_mul(1u128 << attempt.min(20)).min(cap.as_millis()).max(1) as u64;
    let jittered = rand::thread_rng().gen_range(exp / 2..=exp);
    Duration::from_millis(jittered.max(1))
}

/// How often a process waiting for another's refresh looks at the store:
/// 1% of the token's lifetime, between 20 ms and 500 ms.
pub(crate) fn poll_interval(lifetime_ms: Option<i64>) -> Duration {
    let ms = lifetime_ms.filter(|l| *l > 0).map(|l| l / 100).unwrap_or(100).clamp(20, 500);
    Duration::from_millis(ms as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let base = Duration::from_millis(100);
        let cap = Duration::from_secs(2);
        for a in 0..30 {
            let d = backoff(a, base, cap);
            let full = (100u64 << a.min(20)).min(2000);
            assert!(d.as_millis() as u64 >= full / 2 && d.as_millis() as u64 <= full, "attempt {a}: {d:?}");
        }
    }

    #[test]
    fn poll_interval_scales_with_lifetime() {
        assert_eq!(poll_interval(Some(7_200_000)), Duration::from_millis(500));
        assert_eq!(poll_interval(Some(3_000)), Duration::from_millis(30));
        assert_eq!(poll_interval(Some(100)), Duration::from_millis(20));
        assert_eq!(poll_interval(None), Duration::from_millis(100));
    }
}
