//! WeChat XML → JSON object. WeChat's XML is a flat `<xml>` of fields with a
//! few nested groups (ScanCodeInfo, SendLocationInfo, SendPicsInfo/PicList/item,
//! Articles/item, …). The shape follows node-webot's `wechat`: a leaf element
//! is a string, an element with children is an object, a repeated element is
//! an array.
//!
//! Safety: DOCTYPE is rejected outright (so no DTD, no external or custom
//! entities: no XXE, no entity bombs); only the five predefined entities and
//! character references are understood; input size and nesting depth are capped.

use quick_xml::events::Event;
use quick_xml::Reader;
use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// 1 MB: WeChat's pushes are a few hundred bytes; messages stay far below this.
pub const DEFAULT_MAX_BYTES: usize = 1024 * 1024;

/// Deeper nesting than this is never WeChat's (it uses 3 levels at most); the
/// cap also keeps the result cheap to drop and to hand to JS.
pub const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseOptions {
    /// Inputs longer than this many bytes are refused before parsing.
    pub max_bytes: usize,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions { max_bytes: DEFAULT_MAX_BYTES }
    }
}

/// Parses WeChat XML with the default options (1 MB cap).
pub fn parse(xml: &str) -> Result<Map<String, Value>> {
    parse_with(xml, &ParseOptions::default())
}

struct Frame {
    name: String,
    children: Option<Map<String, Value>>,
    text: String,
}

/// Parses WeChat XML into the root element's fields.
///
/// Text is trimmed (it is layout); CDATA is kept verbatim. Attributes,
/// comments, processing instructions and the XML declaration are ignored.
pub fn parse_with(xml: &str, options: &ParseOptions) -> Result<Map<String, Value>> {
    if xml.len() > options.max_bytes {
        return Err(Error::Parse(format!(
            "XML is {} bytes, over the limit of {} bytes",
            xml.len(),
            options.max_bytes
        )));
    }
    let xml = xml.strip_prefix('\u{feff}').unwrap_or(xml);
    let mut reader = Reader::from_str(xml);
    let config = reader.config_mut();
    config.trim_text(true);
    config.check_end_names = true;

    let mut stack: Vec<Frame> = Vec::with_capacity(4);
    let mut root: Option<Map<String, Value>> = None;
    loop {
        let event = reader.read_event().map_err(|e| {
            Error::Parse(format!("malformed XML at byte {}: {e}", reader.error_position()))
        })?;
        match event {
            Event::Start(e) => {
                open_check(&root, &stack)?;
                stack.push(Frame { name: element_name(e.name().as_ref())?, children: None, text: String::new() });
            }
            Event::Empty(e) => {
                open_check(&root, &stack)?;
                let name = element_name(e.name().as_ref())?;
                match stack.last_mut() {
                    Some(parent) => insert(parent, name, Value::String(String::new())),
                    None => root = Some(Map::new()),
                }
            }
            Event::End(_) => {
                // quick-xml has already checked that the names match.
                let frame = stack.pop().ok_or_else(|| Error::Parse("malformed XML: unexpected end tag".into()))?;
                let value = match frame.children {
                    Some(map) => Value::Object(map),
                    None => Value::String(frame.text),
                };
                match stack.last_mut() {
                    Some(parent) => insert(parent, frame.name, value),
                    None => {
                        root = Some(match value {
                            Value::Object(map) => map,
                            Value::String(s) if s.is_empty() => Map::new(),
                            _ => {
                                return Err(Error::Parse(format!(
                                    "the root element <{}> holds text, not fields",
                                    frame.name
                                )))
                            }
                        })
                    }
                }
            }
            Event::Text(t) => {
                let frame = stack
                    .last_mut()
                    .ok_or_else(|| Error::Parse("malformed XML: text outside the root element".into()))?;
                let text = t.unescape().map_err(|e| {
                    Error::Parse(format!("malformed XML at byte {}: {e}", reader.buffer_position()))
                })?;
                frame.text.push_str(&text);
            }
            Event::CData(c) => {
                let frame = stack
                    .last_mut()
                    .ok_or_else(|| Error::Parse("malformed XML: CDATA outside the root element".into()))?;
                let text = c.decode().map_err(|e| Error::Parse(format!("malformed XML: {e}")))?;
                frame.text.push_str(&text);
            }
            Event::DocType(_) => {
                return Err(Error::Parse("DOCTYPE is not allowed (no DTDs or entity declarations)".into()))
            }
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if let Some(frame) = stack.last() {
        return Err(Error::Parse(format!("malformed XML: <{}> is not closed", frame.name)));
    }
    root.ok_or_else(|| Error::Parse("no XML element found".into()))
}

fn open_check(root: &Option<Map<String, Value>>, stack: &[Frame]) -> Result<()> {
    if root.is_some() {
        return Err(Error::Parse("malformed XML: more than one root element".into()));
    }
    if stack.len() >= MAX_DEPTH {
        return Err(Error::Parse(format!("XML nests deeper than {MAX_DEPTH} levels")));
    }
    Ok(())
}

fn element_name(raw: &[u8]) -> Result<String> {
    std::str::from_utf8(raw)
        .map(str::to_owned)
        .map_err(|_| Error::Parse("malformed XML: element name is not UTF-8".into()))
}

/// Adds a child; a name seen twice turns into an array (in document order).
fn insert(parent: &mut Frame, name: String, value: Value) {
    use serde_json::map::Entry;
    match parent.children.get_or_insert_with(Map::new).entry(name) {
        Entry::Vacant(v) => {
            v.insert(value);
        }
        // Element values are strings or objects, so an array here is always
        // one we made for an earlier repeat.
        Entry::Occupied(mut o) => match o.get_mut() {
            Value::Array(items) => items.push(value),
            first => {
                let first = first.take();
                *o.get_mut() = Value::Array(vec![first, value]);
            }
        },
    }
}
