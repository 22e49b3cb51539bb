//! WeChat XML → JSON object. WeChat's XML is a flat `<xml>` of fields with a
//! few nested groups (ScanCodeInfo, SendLocationInfo, SendPicsInfo/PicList/item,
//! Articles/item, …). The shape follows node-webot's `wechat`: a leaf element
//! is a string, an element with children is an object, a repeated element is
//! an array.
//!
//! Safety: DOCTYPE is rejected outright (so no DTD, no external or custom
//! entities: no XXE, no entity bombs); only the five predefined entities and
//! character references are understood; input size and nesting depth are capped.
//!
//! The parser first builds a small tree that borrows from the input (no
//! allocation for names or unescaped text), then emits either a serde_json
//! map or JSON text (what the JS side wants: JSON.parse beats building the
//! object through napi property by property).

use std::borrow::Cow;

use quick_xml::events::Event;
use quick_xml::Reader;
use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// 1 MB: WeChat's pushes are a few hundred bytes; messages stay far below this.
pub const DEFAULT_MAX_BYTES: usize = 1024 * 1024;

/// Deeper nesting than this is never WeChat's (it uses 3 levels at most); the
/// cap also bounds recursion when converting the tree.
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

/// Parses WeChat XML into the root element's fields.
///
/// Text is trimmed (it is layout); CDATA is kept verbatim. Attributes,
/// comments, processing instructions and the XML declaration are ignored.
pub fn parse_with(xml: &str, options: &ParseOptions) -> Result<Map<String, Value>> {
    Ok(to_map(parse_tree(xml, options)?))
}

/// As [`parse_with`], as JSON text (an object; keys in document order).
pub fn parse_json(xml: &str, options: &ParseOptions) -> Result<String> {
    // The usual message has no repeated names: stream it. Repeats need the
    // tree to group them into arrays.
    if let Some(json) = stream_json(xml, options)? {
        return Ok(json);
    }
    let fields = parse_tree(xml, options)?;
    let mut out = String::with_capacity(xml.len());
    write_object(&mut out, &fields);
    Ok(out)
}

/// One element's content: text, or child elements in document order.
pub(crate) enum Node<'a> {
    Text(Cow<'a, str>),
    Elem(Fields<'a>),
}

pub(crate) type Fields<'a> = Vec<(Cow<'a, str>, Node<'a>)>;

struct Frame<'a> {
    name: Cow<'a, str>,
    children: Fields<'a>,
    text: Option<Cow<'a, str>>,
}

impl<'a> Frame<'a> {
    fn into_node(self) -> Node<'a> {
        // An element with children is an object; its stray text is layout.
        if self.children.is_empty() {
            Node::Text(self.text.unwrap_or(Cow::Borrowed("")))
        } else {
            Node::Elem(self.children)
        }
    }

    fn push_text(&mut self, piece: Cow<'a, str>) {
        self.text = Some(match self.text.take() {
            None => piece,
            Some(prev) => Cow::Owned(prev.into_owned() + &piece),
        });
    }
}

/// The root element's children, borrowed from `xml` where possible.
pub(crate) fn parse_tree<'a>(xml: &'a str, options: &ParseOptions) -> Result<Fields<'a>> {
    let mut reader = reader_for(xml, options)?;
    let xml = xml.strip_prefix('\u{feff}').unwrap_or(xml);

    let mut stack: Vec<Frame<'a>> = Vec::with_capacity(4);
    let mut root: Option<Fields<'a>> = None;
    loop {
        let event = reader.read_event().map_err(|e| {
            Error::Parse(format!("malformed XML at byte {}: {e}", reader.error_position()))
        })?;
        match event {
            Event::Start(e) => {
                open_check(&root, &stack)?;
                let name = element_name(xml, e.name().as_ref())?;
                stack.push(Frame { name, children: Vec::new(), text: None });
            }
            Event::Empty(e) => {
                open_check(&root, &stack)?;
                let name = element_name(xml, e.name().as_ref())?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push((name, Node::Text(Cow::Borrowed("")))),
                    None => root = Some(Vec::new()),
                }
            }
            Event::End(_) => {
                // quick-xml has already checked that the names match.
                let frame = stack.pop().ok_or_else(|| Error::Parse("malformed XML: unexpected end tag".into()))?;
                let name = frame.name.clone();
                let node = frame.into_node();
                match stack.last_mut() {
                    Some(parent) => parent.children.push((name, node)),
                    None => {
                        root = Some(match node {
                            Node::Elem(fields) => fields,
                            Node::Text(t) if t.is_empty() => Vec::new(),
                            Node::Text(_) => {
                                return Err(Error::Parse(format!("the root element <{name}> holds text, not fields")))
                            }
                        })
                    }
                }
            }
            Event::Text(t) => {
                let (frame, text) = text_in(&mut stack, &t, &reader)?;
                frame.push_text(text);
            }
            Event::CData(c) => {
                let frame = stack
                    .last_mut()
                    .ok_or_else(|| Error::Parse("malformed XML: CDATA outside the root element".into()))?;
                let text = c.decode().map_err(|e| Error::Parse(format!("malformed XML: {e}")))?;
                frame.push_text(text);
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

fn reader_for<'a>(xml: &'a str, options: &ParseOptions) -> Result<Reader<&'a [u8]>> {
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
    Ok(reader)
}

struct StreamFrame<'a> {
    /// Child names so far; a repeat sends us to the tree path.
    names: Names<'a>,
    text: Option<Cow<'a, str>>,
}

/// Up to this many sibling names are scanned; past it, hashed (a hostile
/// body with 10,000s of distinct siblings must stay linear).
const SCAN_NAMES: usize = 16;

/// A set of sibling names: a list for WeChat's handful, a hash set past that.
#[derive(Default)]
struct Names<'a> {
    list: Vec<Cow<'a, str>>,
    set: Option<std::collections::HashSet<Cow<'a, str>>>,
}

impl<'a> Names<'a> {
    fn is_empty(&self) -> bool {
        self.list.is_empty() && self.set.is_none()
    }

    /// Adds `name`; false when it was already there.
    fn insert(&mut self, name: Cow<'a, str>) -> bool {
        if let Some(set) = &mut self.set {
            return set.insert(name);
        }
        if self.list.iter().any(|n| *n == name) {
            return false;
        }
        self.list.push(name);
        if self.list.len() > SCAN_NAMES {
            self.set = Some(self.list.drain(..).collect());
        }
        true
    }
}

/// JSON straight from the events, with the same checks and errors as
/// [`parse_tree`]; `None` when some element name repeats among siblings.
fn stream_json(xml: &str, options: &ParseOptions) -> Result<Option<String>> {
    let mut reader = reader_for(xml, options)?;
    let input = xml.strip_prefix('\u{feff}').unwrap_or(xml);
    let mut out = String::with_capacity(xml.len());
    let mut stack: Vec<StreamFrame<'_>> = Vec::with_capacity(4);
    let mut done = false;
    // Writes the key of a new child of the innermost frame; false on a repeat.
    fn begin_child<'a>(out: &mut String, parent: &mut StreamFrame<'a>, name: Cow<'a, str>) -> bool {
        let first = parent.names.is_empty();
        let key_at = out.len();
        out.push(if first { '{' } else { ',' });
        write_json_str(out, &name);
        out.push(':');
        if !parent.names.insert(name) {
            out.truncate(key_at);
            return false;
        }
        true
    }
    loop {
        let event = reader.read_event().map_err(|e| {
            Error::Parse(format!("malformed XML at byte {}: {e}", reader.error_position()))
        })?;
        match event {
            Event::Start(e) => {
                stream_open_check(done, stack.len())?;
                let name = element_name(input, e.name().as_ref())?;
                if let Some(parent) = stack.last_mut() {
                    if !begin_child(&mut out, parent, name) {
                        return Ok(None);
                    }
                }
                stack.push(StreamFrame { names: Names::default(), text: None });
            }
            Event::Empty(e) => {
                stream_open_check(done, stack.len())?;
                let name = element_name(input, e.name().as_ref())?;
                match stack.last_mut() {
                    Some(parent) => {
                        if !begin_child(&mut out, parent, name) {
                            return Ok(None);
                        }
                        out.push_str("\"\"");
                    }
                    None => {
                        out.push_str("{}");
                        done = true;
                    }
                }
            }
            Event::End(e) => {
                let frame = stack.pop().ok_or_else(|| Error::Parse("malformed XML: unexpected end tag".into()))?;
                let text = frame.text.unwrap_or(Cow::Borrowed(""));
                if !frame.names.is_empty() {
                    out.push('}');
                } else if !stack.is_empty() {
                    write_json_str(&mut out, &text);
                } else if text.is_empty() {
                    out.push_str("{}");
                } else {
                    let name = element_name(input, e.name().as_ref())?;
                    return Err(Error::Parse(format!("the root element <{name}> holds text, not fields")));
                }
                done = stack.is_empty();
            }
            Event::Text(t) => {
                let (frame, text) = text_in(&mut stack, &t, &reader)?;
                stream_push_text(frame, text);
            }
            Event::CData(c) => {
                let frame = stack
                    .last_mut()
                    .ok_or_else(|| Error::Parse("malformed XML: CDATA outside the root element".into()))?;
                let text = c.decode().map_err(|e| Error::Parse(format!("malformed XML: {e}")))?;
                stream_push_text(frame, text);
            }
            Event::DocType(_) => {
                return Err(Error::Parse("DOCTYPE is not allowed (no DTDs or entity declarations)".into()))
            }
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        // Let the tree path name the unclosed element.
        return Ok(None);
    }
    if !done {
        return Err(Error::Parse("no XML element found".into()));
    }
    Ok(Some(out))
}

/// The open element a text event belongs to, and the text unescaped; both
/// parsers (tree and streaming) read text the same way.
fn text_in<'s, 'a, F>(
    stack: &'s mut [F],
    t: &quick_xml::events::BytesText<'a>,
    reader: &Reader<&'a [u8]>,
) -> Result<(&'s mut F, Cow<'a, str>)> {
    let frame = stack
        .last_mut()
        .ok_or_else(|| Error::Parse("malformed XML: text outside the root element".into()))?;
    let text = t
        .unescape()
        .map_err(|e| Error::Parse(format!("malformed XML at byte {}: {e}", reader.buffer_position())))?;
    Ok((frame, text))
}

fn stream_open_check(done: bool, depth: usize) -> Result<()> {
    if done {
        return Err(Error::Parse("malformed XML: more than one root element".into()));
    }
    if depth >= MAX_DEPTH {
        return Err(Error::Parse(format!("XML nests deeper than {MAX_DEPTH} levels")));
    }
    Ok(())
}

fn stream_push_text<'a>(frame: &mut StreamFrame<'a>, piece: Cow<'a, str>) {
    // Text beside child elements is layout; only leaves keep it.
    if frame.names.is_empty() {
        frame.text = Some(match frame.text.take() {
            None => piece,
            Some(prev) => Cow::Owned(prev.into_owned() + &piece),
        });
    }
}

fn open_check(root: &Option<Fields<'_>>, stack: &[Frame<'_>]) -> Result<()> {
    if root.is_some() {
        return Err(Error::Parse("malformed XML: more than one root element".into()));
    }
    if stack.len() >= MAX_DEPTH {
        return Err(Error::Parse(format!("XML nests deeper than {MAX_DEPTH} levels")));
    }
    Ok(())
}

/// The element name, borrowed from `input` when quick-xml handed us a slice
/// of it (always, for a `&str` reader): found by address, checked by `get`.
fn element_name<'a>(input: &'a str, raw: &[u8]) -> Result<Cow<'a, str>> {
    let offset = (raw.as_ptr() as usize).wrapping_sub(input.as_ptr() as usize);
    if let Some(name) = input.get(offset..offset.wrapping_add(raw.len())) {
        if name.as_bytes() == raw {
            return Ok(Cow::Borrowed(name));
        }
    }
    std::str::from_utf8(raw)
        .map(|s| Cow::Owned(s.to_owned()))
        .map_err(|_| Error::Parse("malformed XML: element name is not UTF-8".into()))
}

fn to_map(fields: Fields<'_>) -> Map<String, Value> {
    let mut map = Map::new();
    for (name, node) in fields {
        let value = match node {
            Node::Text(t) => Value::String(t.into_owned()),
            Node::Elem(children) => Value::Object(to_map(children)),
        };
        use serde_json::map::Entry;
        match map.entry(name.into_owned()) {
            Entry::Vacant(v) => {
                v.insert(value);
            }
            // Element values are strings or objects, so an array here is
            // always one made for an earlier repeat.
            Entry::Occupied(mut o) => match o.get_mut() {
                Value::Array(items) => items.push(value),
                first => {
                    let first = first.take();
                    *o.get_mut() = Value::Array(vec![first, value]);
                }
            },
        }
    }
    map
}

fn write_object(out: &mut String, fields: &Fields<'_>) {
    out.push('{');
    if fields.len() <= 16 {
        // The usual handful of fields: a quadratic scan with no allocation.
        let mut first = true;
        for (i, (name, node)) in fields.iter().enumerate() {
            if fields[..i].iter().any(|(n, _)| n == name) {
                continue; // written with its first occurrence
            }
            let repeats = fields[i + 1..].iter().filter(|(n, _)| n == name);
            write_key(out, &mut first, name);
            if fields[i + 1..].iter().any(|(n, _)| n == name) {
                out.push('[');
                write_node(out, node);
                for (_, next) in repeats {
                    out.push(',');
                    write_node(out, next);
                }
                out.push(']');
            } else {
                write_node(out, node);
            }
        }
    } else {
        // Many siblings (never WeChat's, maybe hostile): group by hash, O(n).
        let mut order: Vec<&str> = Vec::new();
        let mut groups: std::collections::HashMap<&str, Vec<&Node<'_>>> = std::collections::HashMap::new();
        for (name, node) in fields {
            groups
                .entry(name.as_ref())
                .or_insert_with(|| {
                    order.push(name.as_ref());
                    Vec::new()
                })
                .push(node);
        }
        let mut first = true;
        for name in order {
            write_key(out, &mut first, name);
            match groups[name].as_slice() {
                [single] => write_node(out, single),
                many => {
                    out.push('[');
                    for (k, node) in many.iter().enumerate() {
                        if k > 0 {
                            out.push(',');
                        }
                        write_node(out, node);
                    }
                    out.push(']');
                }
            }
        }
    }
    out.push('}');
}

fn write_key(out: &mut String, first: &mut bool, name: &str) {
    if !std::mem::take(first) {
        out.push(',');
    }
    write_json_str(out, name);
    out.push(':');
}

fn write_node(out: &mut String, node: &Node<'_>) {
    match node {
        Node::Text(t) => write_json_str(out, t),
        Node::Elem(children) => write_object(out, children),
    }
}

fn write_json_str(out: &mut String, s: &str) {
    out.push('"');
    // Almost nothing in WeChat's XML needs escaping: check with a branch-free
    // (vectorisable) pass, then copy in one go.
    let plain = !s.bytes().fold(false, |bad, b| bad | (b < 0x20) | (b == b'"') | (b == b'\\'));
    if plain {
        out.push_str(s);
        out.push('"');
        return;
    }
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            out.push_str(&format!("\\u{b:04x}"));
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}
