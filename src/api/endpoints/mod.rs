//! The official-account API as data: one row per wechat-api method, naming
//! its HTTP method, path, positional arguments and how they fill the query
//! and the JSON body. Code appears only where a method does not fit the
//! template (`Body::Build`).
//!
//! Template leaves: `"$arg"` or `"$arg.field"` take an argument (omitted when
//! absent), `"$arg|default"` falls back to a literal, `"$@appid"` is the
//! account the call acts for, `"$arg@snake"` sends the argument's object
//! keys in snake_case (WeChat's documented nested shapes written in JS's
//! camelCase); anything else is literal. `checks` are rules an argument must
//! meet before anything is sent (see checks.rs).
//! A parameter named with a trailing `?` is optional. Rows are grouped by
//! WeChat's own areas, one file each.

use serde_json::{Map, Value};

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Http {
    Get,
    Post,
}

pub enum Body {
    None,
    Template(&'static str),
    Build(fn(&Args) -> Result<Value>),
    /// The path too depends on the arguments (e.g. mass send to openids or to a tag).
    Route(fn(&Args) -> Result<(&'static str, Value)>),
    /// A multipart upload; the file goes in this form field.
    Upload(&'static str),
    /// The file is the raw body (the shop's picture upload).
    RawUpload,
    /// An already multipart-encoded body, forwarded with its content type.
    Forward,
    /// The answer is bytes (media download); a JSON answer is returned as JSON.
    Download,
    /// The answer is an image; JSON where an image was expected is an error.
    /// The request body is this template ("" = none).
    Image(&'static str),
}

pub struct Endpoint {
    pub name: &'static str,
    /// WeChat has retired the endpoint: the call still goes out and WeChat answers with its error.
    pub retired: bool,
    pub http: Http,
    pub path: &'static str,
    pub params: &'static [&'static str],
    pub query: &'static [(&'static str, &'static str)],
    pub body: Body,
    pub checks: &'static [checks::Rule],
}

/// Positional arguments with their parameter names.
pub struct Args<'a> {
    pub(crate) params: &'static [&'static str],
    pub(crate) values: &'a [Value],
    /// The account the call acts for.
    pub appid: &'a str,
}

impl<'a> Args<'a> {
    pub fn get(&self, name: &str) -> Option<&'a Value> {
        let i = self.params.iter().position(|p| p.trim_end_matches('?') == name)?;
        self.values.get(i).filter(|v| !v.is_null())
    }

    /// A required argument.
    pub fn need(&self, name: &'static str) -> Result<&'a Value> {
        self.get(name).ok_or_else(|| Error::invalid(name, "is required"))
    }
}

macro_rules! ep {
    ($name:literal, $http:ident, $path:expr, [$($p:literal),*], [$(($qk:literal, $qv:literal)),*], $body:expr) => {
        ep!($name, $http, $path, [$($p),*], [$(($qk, $qv)),*], $body, &[])
    };
    ($name:literal, $http:ident, $path:expr, [$($p:literal),*], [$(($qk:literal, $qv:literal)),*], $body:expr, $checks:expr) => {
        $crate::api::endpoints::Endpoint { name: $name, retired: false, http: $crate::api::endpoints::Http::$http, path: $path, params: &[$($p),*], query: &[$(($qk, $qv)),*], body: $body, checks: $checks }
    };
    (retired $name:literal, $http:ident, $path:expr, [$($p:literal),*], [$(($qk:literal, $qv:literal)),*], $body:expr) => {
        $crate::api::endpoints::Endpoint { name: $name, retired: true, http: $crate::api::endpoints::Http::$http, path: $path, params: &[$($p),*], query: &[$(($qk, $qv)),*], body: $body, checks: &[] }
    };
}
#[allow(unused_imports)]
pub(crate) use ep;

mod account;
mod card;
pub mod checks;
mod commerce;
mod media;
mod modern;
mod wxa;
mod wxa_platform;
mod wxa_settings;

pub use wxa_platform::{find_platform, PLATFORM};

/// Every group's rows; a method name appears once across them.
pub static GROUPS: &[(&str, &[Endpoint])] = &[
    ("account", account::ENDPOINTS),
    ("card", card::ENDPOINTS),
    ("commerce", commerce::ENDPOINTS),
    ("media", media::ENDPOINTS),
    ("modern", modern::ENDPOINTS),
    ("wxa", wxa::ENDPOINTS),
    ("wxa_settings", wxa_settings::ENDPOINTS),
];

/// Every row of every group.
pub fn all() -> impl Iterator<Item = &'static Endpoint> {
    GROUPS.iter().flat_map(|(_, rows)| rows.iter())
}

pub fn find(name: &str) -> Option<&'static Endpoint> {
    all().find(|e| e.name == name)
}

/// A request ready to send: path, query pairs and JSON body.
pub struct Built {
    pub path: &'static str,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
}

/// The request for a call of `ep` with `values`.
pub fn build_request(ep: &Endpoint, values: &[Value], appid: &str) -> Result<Built> {
    for (i, p) in ep.params.iter().enumerate() {
        let file = matches!(ep.body, Body::Upload(_) | Body::RawUpload | Body::Forward) && matches!(*p, "filepath" | "req");
        if !file && !p.ends_with('?') && values.get(i).map_or(true, Value::is_null) {
            return Err(Error::invalid(p, format!("is required by {}", ep.name)));
        }
    }
    let normalized = normalize(ep.name, values);
    let values = normalized.as_deref().unwrap_or(values);
    let checked = checks::apply(ep.checks, ep.params, values)?;
    let values = checked.as_deref().unwrap_or(values);
    let args = Args { params: ep.params, values, appid };
    let mut query = Vec::new();
    for (k, t) in ep.query {
        if let Some(v) = fill(&Value::String((*t).to_owned()), &args) {
            query.push(((*k).to_owned(), scalar_string(&v)));
        }
    }
    let mut path = ep.path;
    let body = match &ep.body {
        Body::None | Body::Upload(_) | Body::RawUpload | Body::Forward => None,
        // get_material takes its media_id in a JSON body; get takes it in the query.
        Body::Download => (ep.http == Http::Post).then(|| serde_json::json!({ "media_id": args.get("mediaId") })),
        Body::Template(t) => Some(fill_template(t, &args)),
        Body::Image("") => None,
        Body::Image(t) => Some(fill_template(t, &args)),
        Body::Build(f) => Some(f(&args)?),
        Body::Route(f) => {
            let (p, b) = f(&args)?;
            path = p;
            Some(b)
        }
    };
    Ok(Built { path, query, body })
}

fn fill_template(t: &str, args: &Args) -> Value {
    let template: Value = serde_json::from_str(t).expect("endpoint templates are valid JSON");
    fill(&template, args).unwrap_or(Value::Null)
}

/// The object fields a row's template reads from its parameters,
/// `(param, field, required)`: what each object argument holds (types, docs).
pub fn fields(ep: &Endpoint) -> Vec<(String, String, bool)> {
    fn leaves(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) if s.starts_with('$') => out.push(s[1..].split(['|', '@']).next().unwrap_or_default().to_owned()),
            Value::Object(m) => m.values().for_each(|v| leaves(v, out)),
            Value::Array(a) => a.iter().for_each(|v| leaves(v, out)),
            _ => {}
        }
    }
    let mut paths = Vec::new();
    let t = match ep.body {
        Body::Template(t) | Body::Image(t) if !t.is_empty() => t,
        _ => "null",
    };
    leaves(&serde_json::from_str(t).unwrap_or(Value::Null), &mut paths);
    ep.query.iter().for_each(|(_, t)| leaves(&Value::String((*t).to_owned()), &mut paths));
    let mut out: Vec<(String, String, bool)> = Vec::new();
    for p in paths {
        let Some((param, field)) = p.split_once('.') else { continue };
        let required = ep.checks.iter().any(|(path, c)| *path == p && matches!(c, checks::Check::Required));
        if !out.iter().any(|(a, b, _)| a == param && b == field) {
            out.push((param.to_owned(), field.to_owned(), required));
        }
    }
    out
}

/// An integer argument; a numeric string counts, as wechat-api's arithmetic
/// (`num > 0`, `Math.abs(num)`) takes one.
pub(crate) fn integer(args: &Args, name: &'static str) -> Result<i64> {
    let v = args.need(name)?;
    v.as_i64().or_else(|| v.as_str()?.trim().parse().ok()).ok_or_else(|| Error::invalid(name, "must be an integer"))
}

fn scalar_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Replaces `$arg` leaves; returns None when the leaf's argument is absent.
fn fill(template: &Value, args: &Args) -> Option<Value> {
    match template {
        Value::String(s) if s == "$@appid" => Some(Value::String(args.appid.to_owned())),
        Value::String(s) if s.ends_with("@snake") => fill(&Value::String(s.trim_end_matches("@snake").to_owned()), args).map(|v| checks::snake_keys(&v)),
        Value::String(s) if s.starts_with('$') => {
            let (path, default) = match s[1..].split_once('|') {
                Some((p, d)) => (p, Some(d)),
                None => (&s[1..], None),
            };
            let mut parts = path.split('.');
            let mut cur = args.get(parts.next()?);
            for field in parts {
                cur = cur.and_then(|v| v.get(field)).filter(|v| !v.is_null());
            }
            match (cur, default) {
                (Some(v), _) => Some(v.clone()),
                (None, Some(d)) => Some(Value::String(d.to_owned())),
                (None, None) => None,
            }
        }
        Value::Object(map) => {
            let mut out = Map::with_capacity(map.len());
            for (k, v) in map {
                if let Some(v) = fill(v, args) {
                    out.insert(k.clone(), v);
                }
            }
            Some(Value::Object(out))
        }
        Value::Array(items) => Some(Value::Array(items.iter().filter_map(|v| fill(v, args)).collect())),
        other => Some(other.clone()),
    }
}


/// Argument shapes wechat-api accepts besides the table's own.
fn normalize(name: &str, values: &[Value]) -> Option<Vec<Value>> {
    match (name, values.first()) {
        // getUser(openid) is getUser({openid, lang: 'en'}); wechat-api puts a number in the URL as written.
        ("getUser", Some(Value::String(openid))) => Some(vec![serde_json::json!({ "openid": openid })]),
        ("getUser", Some(Value::Number(n))) => Some(vec![serde_json::json!({ "openid": n.to_string() })]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn method_names_are_unique_and_templates_parse() {
        let mut seen = std::collections::HashSet::new();
        for e in super::all() {
            assert!(seen.insert(e.name), "{} appears twice", e.name);
            if let super::Body::Template(t) | super::Body::Image(t) = e.body {
                assert!(t.is_empty() || serde_json::from_str::<serde_json::Value>(t).is_ok(), "{}", e.name);
            }
        }
        for e in super::PLATFORM {
            if let super::Body::Template(t) = e.body {
                assert!(serde_json::from_str::<serde_json::Value>(t).is_ok(), "{}", e.name);
            }
        }
    }
}
