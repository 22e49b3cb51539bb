//! HTML by hand: every dynamic value goes through `esc` (text and
//! attributes alike), links are built from our own paths, and the only
//! script is `/static/console.js` (the CSP allows nothing inline).

use std::fmt::Write;

use chrono::{DateTime, Utc};

use super::auth::Session;

/// Text and attribute values made inert.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A query-string component.
pub fn q(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// "2026-12-07 13:55:20 UTC", or "—" for 0.
pub fn time(ms: i64) -> String {
    if ms <= 0 {
        return "—".into();
    }
    DateTime::<Utc>::from_timestamp_millis(ms).map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string()).unwrap_or_else(|| "—".into())
}

/// "in 1 h 12 min", "3 min ago".
pub fn relative(ms: i64, now: i64) -> String {
    if ms <= 0 {
        return "—".into();
    }
    let d = (ms - now) / 1000;
    let a = d.abs();
    let s = if a >= 3600 {
        format!("{} h {} min", a / 3600, a % 3600 / 60)
    } else if a >= 60 {
        format!("{} min", a / 60)
    } else {
        format!("{a} s")
    };
    if d >= 0 {
        format!("in {s}")
    } else {
        format!("{s} ago")
    }
}

const STYLE: &str = "body{font:14px system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}\
header{background:#1f2937;color:#fff;padding:8px 16px;display:flex;gap:16px;align-items:center}\
header a{color:#d1e7ff;text-decoration:none}header a.on{color:#fff;font-weight:600}header .me{margin-left:auto}\
main{padding:16px}table{border-collapse:collapse;background:#fff;width:100%}th,td{border-bottom:1px solid #e5e7eb;padding:4px 8px;text-align:left;vertical-align:top}\
th{background:#f3f4f6}.ok{color:#047857}.warn{color:#b45309}.bad{color:#b91c1c}.muted{color:#6b7280}\
form.inline{display:inline}.cards{display:flex;gap:12px;flex-wrap:wrap;margin-bottom:16px}.card{background:#fff;border:1px solid #e5e7eb;padding:8px 12px;min-width:180px}\
.card b{display:block;font-size:20px}.bar{display:flex;height:12px;width:240px;background:#e5e7eb}.bar span{display:block;height:12px}\
.s-released{background:#059669}.s-approved{background:#10b981}.s-auditing{background:#f59e0b}.s-committed{background:#60a5fa}.s-pending{background:#d1d5db}.s-rejected{background:#dc2626}.s-failed{background:#7f1d1d}.s-cancelled{background:#6b7280}\
.flash{background:#fff7ed;border:1px solid #fdba74;padding:8px;margin-bottom:12px}button{cursor:pointer}";

/// The page around `body`. `nav` is the current view's key.
pub fn page(base: &str, title: &str, nav: &str, who: Option<&Session>, body: &str) -> String {
    let mut h = String::with_capacity(body.len() + 2048);
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{} · wxthirdparty console</title><style>{STYLE}</style><script src=\"{}/static/console.js\" defer></script></head><body>",
        esc(title),
        esc(base)
    );
    if let Some(s) = who {
        h.push_str("<header><b>wxthirdparty</b>");
        for (key, label) in [("authorizers", "Authorizers"), ("platform", "Platform"), ("messages", "Messages"), ("rollouts", "Rollouts"), ("audit", "Audit log")] {
            let on = if key == nav { " class=\"on\"" } else { "" };
            let _ = write!(h, "<a{on} href=\"{}/{key}\">{label}</a>", esc(base));
        }
        let _ = write!(
            h,
            "<span class=\"me\">{} ({})</span><form class=\"inline\" method=\"post\" action=\"{}/logout\"><input type=\"hidden\" name=\"csrf\" value=\"{}\"><button>Log out</button></form></header>",
            esc(&s.user),
            s.role.as_str(),
            esc(base),
            esc(&s.csrf)
        );
    }
    let _ = write!(h, "<main data-base=\"{}\"><h1>{}</h1>{body}</main></body></html>", esc(base), esc(title));
    h
}

/// Two hourly series (refreshes, other changes) over 24 h as an inline SVG.
pub fn chart(hours: &[i64], refreshes: &[i64], authorizers: &[i64]) -> String {
    lines(
        hours,
        &[("token refreshes", "#2563eb", refreshes), ("authorizer changes", "#059669", authorizers)],
        "%H:00",
        6,
        "refreshes and authorizer changes per hour, last 24 h",
    )
}

/// A line chart as SVG: one `(label, colour, values)` per line over `times`
/// (ms), every `every`-th time labelled with `fmt` (UTC).
pub fn lines(times: &[i64], series: &[(&str, &str, &[i64])], fmt: &str, every: usize, aria: &str) -> String {
    let (w, hgt, pad) = (720.0_f64, 180.0_f64, 28.0_f64);
    let max = series.iter().flat_map(|s| s.2.iter()).copied().max().unwrap_or(0).max(1) as f64;
    let n = times.len().max(2) as f64;
    let x = |i: usize| pad + (w - 2.0 * pad) * i as f64 / (n - 1.0);
    let y = |v: i64| hgt - pad - (hgt - 2.0 * pad) * v as f64 / max;
    let line = |vals: &[i64]| vals.iter().enumerate().map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v))).collect::<Vec<_>>().join(" ");
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{hgt}\" viewBox=\"0 0 {w} {hgt}\" role=\"img\" aria-label=\"{}\">\
         <rect width=\"{w}\" height=\"{hgt}\" fill=\"#fff\"/>\
         <line x1=\"{pad}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" stroke=\"#9ca3af\"/>\
         <text x=\"4\" y=\"{t}\" font-size=\"10\" fill=\"#6b7280\">{max}</text><text x=\"4\" y=\"{b}\" font-size=\"10\" fill=\"#6b7280\">0</text>",
        esc(aria),
        b = hgt - pad,
        r = w - pad,
        t = pad,
        max = max as i64
    );
    for (_, colour, vals) in series {
        let _ = write!(s, "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>", line(vals));
    }
    for (i, h) in times.iter().enumerate().step_by(every.max(1)) {
        let label = DateTime::<Utc>::from_timestamp_millis(*h).map(|t| t.format(fmt).to_string()).unwrap_or_default();
        let _ = write!(s, "<text x=\"{:.1}\" y=\"{}\" font-size=\"10\" fill=\"#6b7280\">{label}</text>", x(i) - 12.0, hgt - 8.0);
    }
    let mut lx = w - 110.0 * series.len() as f64 - 40.0;
    for (label, colour, _) in series {
        let _ = write!(s, "<text x=\"{lx}\" y=\"14\" font-size=\"11\" fill=\"{colour}\">{}</text>", esc(label));
        lx += 110.0;
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn esc_makes_markup_inert() {
        assert_eq!(esc("<script>alert('x')</script>&\""), "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;");
    }
}
