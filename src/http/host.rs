//! The Host check of a server bound to loopback (the token service, the
//! console): a page on evil.example whose name resolves to 127.0.0.1 (DNS
//! rebinding) names its own host, and is refused.

use axum::http::{header, HeaderMap};
use std::net::IpAddr;

/// A bind address (or name) on loopback: localhost, 127.0.0.0/8, ::1.
pub fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<IpAddr>().map(|ip| ip.is_loopback()).unwrap_or(false)
}

/// A Host naming loopback: localhost, 127.0.0.0/8 or [::1], any port. A
/// request without Host (HTTP/1.0) comes from no browser and is let through.
pub fn loopback_host(h: &HeaderMap) -> bool {
    let Some(host) = h.get(header::HOST) else { return true };
    let Ok(host) = host.to_str() else { return false };
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(n, _)| n),
    };
    name.eq_ignore_ascii_case("localhost") || name.parse::<IpAddr>().map(|ip| ip.is_loopback()).unwrap_or(false)
}
