//! A request target (`/path?query`), percent-decoded strictly: a malformed
//! escape is the caller's fault (a `Parse` error, 400), never a 500.

use crate::error::{Error, Result};

/// The decoded path segments and query pairs of one request.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RequestTarget {
    /// Non-empty path segments, each decoded (`%2F` stays inside its segment).
    pub segments: Vec<String>,
    /// Query pairs in order (`+` is a space, as forms write it).
    pub query: Vec<(String, String)>,
}

impl RequestTarget {
    /// `target`: an origin-form URL (`/a/b?x=1`); a fragment is ignored.
    pub fn parse(target: &str) -> Result<RequestTarget> {
        let target = target.split('#').next().unwrap_or("");
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let segments = path.split('/').filter(|s| !s.is_empty()).map(|s| decode(s, false, "path")).collect::<Result<_>>()?;
        let query = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                Ok((decode(k, true, "query")?, decode(v, true, "query")?))
            })
            .collect::<Result<_>>()?;
        Ok(RequestTarget { segments, query })
    }

    /// The value of query parameter `name` (the last one when repeated).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.query.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The default route of a message URL: `/…/<appid>/<last segment>`, or `/<appid>`.
    pub fn route_appid(&self) -> Option<&str> {
        match self.segments.len() {
            0 => None,
            1 => Some(&self.segments[0]),
            n => Some(&self.segments[n - 2]),
        }
    }
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Percent-decodes `s`; `%` must be followed by two hex digits and the result must be UTF-8.
fn decode(s: &str, plus_is_space: bool, part: &str) -> Result<String> {
    if !s.bytes().any(|b| b == b'%' || (plus_is_space && b == b'+')) {
        return Ok(s.to_owned());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let pair = bytes.get(i + 1).and_then(|&h| hex(h)).zip(bytes.get(i + 2).and_then(|&l| hex(l)));
                let Some((h, l)) = pair else {
                    return Err(Error::Parse(format!("the request {part} has a malformed percent-escape (`%` must be followed by two hex digits)")));
                };
                out.push(h << 4 | l);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| Error::Parse(format!("the request {part} percent-decodes to bytes that are not UTF-8")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_path_per_segment_and_the_query_as_a_form() {
        let t = RequestTarget::parse("/wechat/wx%31%2Fx/cb?a=1&b=x+y%26z&a=2&flag#frag").unwrap();
        assert_eq!(t.segments, ["wechat", "wx1/x", "cb"]);
        assert_eq!(t.route_appid(), Some("wx1/x"));
        assert_eq!(t.get("a"), Some("2"));
        assert_eq!(t.get("b"), Some("x y&z"));
        assert_eq!(t.get("flag"), Some(""));
        assert_eq!(RequestTarget::parse("/only").unwrap().route_appid(), Some("only"));
        assert_eq!(RequestTarget::parse("/").unwrap().route_appid(), None);
    }

    #[test]
    fn a_malformed_escape_is_a_parse_error_naming_the_part() {
        for (t, part) in [("/wx%zz/cb", "path"), ("/a/b?x=%4", "query"), ("/a/b?%=1", "query"), ("/a%ff/cb", "path")] {
            match RequestTarget::parse(t) {
                Err(Error::Parse(m)) => assert!(m.contains(part), "{t}: {m}"),
                other => panic!("{t}: {other:?}"),
            }
        }
    }
}
