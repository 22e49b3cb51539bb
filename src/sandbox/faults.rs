//! Fault injection: the next N calls of a path, or a random share of calls,
//! fail the way WeChat (or the network) fails.

use std::collections::{HashMap, VecDeque};

use super::config::Fault;

/// `"*"` as a path means every WeChat endpoint.
pub(crate) const ALL: &str = "*";

#[derive(Default)]
pub(crate) struct Faults {
    /// path → queued faults, one per call.
    queued: HashMap<String, VecDeque<Fault>>,
    /// path (or ALL) → (probability, fault).
    rates: HashMap<String, (f64, Fault)>,
}

impl Faults {
    pub fn inject(&mut self, path: &str, fault: Fault, count: u32) {
        let q = self.queued.entry(path.to_owned()).or_default();
        q.extend(std::iter::repeat(fault).take(count as usize));
    }

    /// rate <= 0 removes the rule.
    pub fn set_rate(&mut self, path: Option<&str>, rate: f64, fault: Fault) {
        let key = path.unwrap_or(ALL).to_owned();
        if rate <= 0.0 {
            self.rates.remove(&key);
        } else {
            self.rates.insert(key, (rate.min(1.0), fault));
        }
    }

    pub fn clear(&mut self) {
        self.queued.clear();
        self.rates.clear();
    }

    /// The fault this call of `path` suffers, if any. Queued faults for the
    /// exact path come first, then "*", then the failure rates.
    pub fn take(&mut self, path: &str) -> Option<Fault> {
        for key in [path, ALL] {
            if let Some(q) = self.queued.get_mut(key) {
                if let Some(f) = q.pop_front() {
                    if q.is_empty() {
                        self.queued.remove(key);
                    }
                    return Some(f);
                }
            }
        }
        for key in [path, ALL] {
            if let Some((rate, fault)) = self.rates.get(key) {
                if rand::random::<f64>() < *rate {
                    return Some(fault.clone());
                }
            }
        }
        None
    }

    /// Pending queued faults per path, for the control API.
    pub fn pending(&self) -> HashMap<String, usize> {
        self.queued.iter().map(|(k, v)| (k.clone(), v.len())).collect()
    }
}

/// WeChat's errmsg for an injected errcode.
pub(crate) fn errmsg(code: i64) -> &'static str {
    match code {
        -1 => "system error",
        40001 => "invalid credential, access_token is invalid or not latest",
        42001 => "access_token expired",
        45009 => "reach max api daily quota limit",
        45011 => "api minute-quota reach limit  mustslower  retry next minute",
        61006 => "component ticket is invalid",
        _ => "sandbox injected fault",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queued_faults_are_consumed_in_order_then_stop() {
        let mut f = Faults::default();
        f.inject("/a", Fault::Http500, 2);
        f.inject(ALL, Fault::Errcode(-1), 1);
        assert_eq!(f.take("/a"), Some(Fault::Http500));
        assert_eq!(f.take("/b"), Some(Fault::Errcode(-1)));
        assert_eq!(f.take("/a"), Some(Fault::Http500));
        assert_eq!(f.take("/a"), None);
    }

    #[test]
    fn failure_rate_one_always_fails_zero_removes() {
        let mut f = Faults::default();
        f.set_rate(None, 1.0, Fault::Errcode(45009));
        assert_eq!(f.take("/x"), Some(Fault::Errcode(45009)));
        f.set_rate(None, 0.0, Fault::Errcode(45009));
        assert_eq!(f.take("/x"), None);
    }
}
