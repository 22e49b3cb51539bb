//! The age check of a signed `timestamp`: a signature proves who sent a
//! request, not when, so a copied request stays valid forever without it.

use crate::error::{Error, Result};

/// The default window, either side of this server's clock. WeChat retries a
/// delivery 3 times within ~15 s, and NTP-kept clocks differ by far less
/// than a minute; 5 minutes leaves room for a badly kept clock and equals
/// the message ledger's dedup memory (`DEDUP_TTL_MS`), so a replay inside
/// the window is answered from the ledger and one outside it is refused.
pub const DEFAULT_TIMESTAMP_WINDOW_SECS: u64 = 300;

/// Refuses `timestamp` (seconds, as signed) further than `window_secs` from
/// `now_secs` either way; `window_secs` 0 takes any. Call it after the
/// signature check, so the timestamp is the one WeChat signed.
pub fn check_timestamp(timestamp: &str, window_secs: u64, now_secs: i64) -> Result<()> {
    if window_secs == 0 {
        return Ok(());
    }
    let ts: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| Error::invalid("timestamp", "must be whole seconds since 1970"))?;
    let off = ts.saturating_sub(now_secs);
    if off.unsigned_abs() > window_secs {
        let when = if off < 0 { format!("{} s old", -off) } else { format!("{off} s ahead of this server's clock") };
        return Err(Error::Crypto(format!(
            "timestamp {ts} is {when}, outside the {window_secs} s window (a replayed or delayed request; timestampWindowSecs)"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inside_the_window_either_way_passes_outside_is_refused_and_zero_disables() {
        let now = 1_800_000_000;
        assert!(check_timestamp("1800000000", 300, now).is_ok());
        assert!(check_timestamp("1799999700", 300, now).is_ok());
        assert!(check_timestamp("1800000300", 300, now).is_ok());
        let old = check_timestamp("1799999699", 300, now).unwrap_err();
        assert!(matches!(old, Error::Crypto(_)), "{old:?}");
        assert!(old.to_string().contains("301 s old"), "{old}");
        assert!(check_timestamp("1800000301", 300, now).unwrap_err().to_string().contains("ahead"));
        assert!(check_timestamp("1409304348", 0, now).is_ok());
        assert!(matches!(check_timestamp("soon", 300, now), Err(Error::InvalidArgument { name: "timestamp", .. })));
        assert!(check_timestamp("-9223372036854775808", 300, now).is_err());
    }
}
