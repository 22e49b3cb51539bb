//! Rules an argument must meet before a request is sent, as data beside the
//! rows. A rule names its argument by path: `param` or `param.field`; the
//! error names the last segment, as the caller wrote it in JS.

use serde_json::Value;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy)]
pub enum Check {
    /// Present and not null.
    Required,
    /// When present, a string.
    Str,
    /// When present, a boolean.
    Bool,
    /// When present, an integer within the range (inclusive).
    IntIn(i64, i64),
    /// When present, one of these strings.
    OneOf(&'static [&'static str]),
    /// When present, text holding a JSON object (WeChat's ext_json); an object
    /// is sent as its JSON text.
    JsonText,
    /// When present, domains: an array of strings is sent `;`-joined.
    SemicolonList,
}

/// `(argument path, rule)`.
pub type Rule = (&'static str, Check);

/// Applies `rules` to `values` (named by `params`); returns the values with
/// the rules' conversions made, or an `InvalidArgument` naming the argument.
pub fn apply(rules: &[Rule], params: &[&str], values: &[Value]) -> Result<Option<Vec<Value>>> {
    if rules.is_empty() {
        return Ok(None);
    }
    let mut out = values.to_vec();
    for (path, check) in rules {
        let mut parts = path.split('.');
        let param = parts.next().unwrap_or_default();
        let Some(i) = params.iter().position(|p| p.trim_end_matches('?') == param) else { continue };
        if out.len() <= i {
            out.resize(i + 1, Value::Null);
        }
        let fields: Vec<&str> = parts.collect();
        let name = path.rsplit('.').next().unwrap_or(path);
        let slot = slot(&mut out[i], &fields);
        check_one(name, *check, slot)?;
    }
    Ok(Some(out))
}

/// The value at `fields` below `v`, or None when a step is missing.
fn slot<'a>(v: &'a mut Value, fields: &[&str]) -> Option<&'a mut Value> {
    let mut cur = v;
    for f in fields {
        cur = cur.as_object_mut()?.get_mut(*f)?;
    }
    Some(cur).filter(|v| !v.is_null())
}

fn check_one(name: &'static str, check: Check, v: Option<&mut Value>) -> Result<()> {
    let Some(v) = v else {
        return match check {
            Check::Required => Err(Error::invalid(name, "is required")),
            _ => Ok(()),
        };
    };
    match check {
        Check::Required => Ok(()),
        Check::Str => v.is_string().then_some(()).ok_or_else(|| Error::invalid(name, format!("must be a string (got {})", kind(v)))),
        Check::Bool => v.is_boolean().then_some(()).ok_or_else(|| Error::invalid(name, format!("must be a boolean (got {})", kind(v)))),
        Check::IntIn(lo, hi) => match v.as_f64() {
            Some(n) if n.fract() == 0.0 && n >= lo as f64 && n <= hi as f64 => {
                *v = Value::from(n as i64);
                Ok(())
            }
            _ => Err(Error::invalid(name, format!("must be an integer from {lo} to {hi}"))),
        },
        Check::OneOf(allowed) => match v.as_str() {
            Some(s) if allowed.contains(&s) => Ok(()),
            _ => Err(Error::invalid(name, format!("must be one of {}", allowed.join(", ")))),
        },
        Check::JsonText => match v {
            Value::String(s) => match serde_json::from_str::<Value>(s) {
                Ok(Value::Object(_)) => Ok(()),
                Ok(_) => Err(Error::invalid(name, "must be the JSON text of an object")),
                Err(e) => Err(Error::invalid(name, format!("is not JSON: {e}"))),
            },
            Value::Object(_) => {
                *v = Value::String(v.to_string());
                Ok(())
            }
            other => Err(Error::invalid(name, format!("must be an object or its JSON text (got {})", kind(other)))),
        },
        Check::SemicolonList => match v {
            Value::String(_) => Ok(()),
            Value::Array(items) if items.iter().all(Value::is_string) => {
                let joined: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
                *v = Value::String(joined.join(";"));
                Ok(())
            }
            _ => Err(Error::invalid(name, "must be a string of domains separated by ; or an array of strings")),
        },
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `camelCase` → `snake_case` (keys of WeChat's documented nested objects).
pub fn snake(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Every object key below `v` in snake_case.
pub fn snake_keys(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (snake(k), snake_keys(v))).collect()),
        Value::Array(a) => Value::Array(a.iter().map(snake_keys).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rules_name_the_argument_and_convert() {
        let params = ["options", "grayPercentage?"];
        let err = apply(&[("options.templateId", Check::Required)], &params, &[json!({})]).unwrap_err();
        assert_eq!(err.to_string(), "templateId: is required");
        let err = apply(&[("options.extJson", Check::JsonText)], &params, &[json!({"extJson": "{not json"})]).unwrap_err();
        assert!(err.to_string().starts_with("extJson: is not JSON"), "{err}");
        let out = apply(&[("options.extJson", Check::JsonText)], &params, &[json!({"extJson": {"extAppid": "wx1"}})]).unwrap().unwrap();
        assert_eq!(out[0]["extJson"], json!(r#"{"extAppid":"wx1"}"#));
        let err = apply(&[("grayPercentage", Check::IntIn(1, 100))], &params, &[json!({}), json!(101)]).unwrap_err();
        assert_eq!(err.to_string(), "grayPercentage: must be an integer from 1 to 100");
        assert!(apply(&[("grayPercentage", Check::IntIn(1, 100))], &params, &[json!({})]).is_ok());
        assert_eq!(snake_keys(&json!({"firstClass": 1, "list": [{"picIdList": []}]})), json!({"first_class": 1, "list": [{"pic_id_list": []}]}));
    }
}
