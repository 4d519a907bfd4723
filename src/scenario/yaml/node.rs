//! YAML text → a tree of located nodes, built from saphyr-parser's events: anchors and aliases
//! resolved, merge keys (`<<`) applied, duplicate keys rejected, and limits on nesting and on
//! what aliases may expand to, so a hostile file fails fast instead of eating the memory.

use super::Error;
use crate::scenario::source::Loc;
use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};
use std::collections::HashMap;

/// Deeper than any scenario needs; keeps the recursive deserializer off the stack's end.
const MAX_DEPTH: usize = 64;
/// Nodes that aliases may copy in one file ("billion laughs" stops here).
const MAX_ALIASED_NODES: usize = 10_000;

/// One YAML value and where it starts.
#[derive(Debug, Clone)]
pub struct Node {
    pub kind: Kind,
    pub loc: Loc,
}

#[derive(Debug, Clone)]
pub enum Kind {
    /// The text as written; `plain` scalars are resolved by the YAML 1.2 core schema when the
    /// target type does not say (a `String` field keeps `007` as "007").
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// What a plain scalar means under the YAML 1.2 core schema (`yes`/`no` stay strings).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Plain {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str,
}

pub fn resolve(text: &str) -> Plain {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Plain::Null,
        "true" | "True" | "TRUE" => return Plain::Bool(true),
        "false" | "False" | "FALSE" => return Plain::Bool(false),
        ".nan" | ".NaN" | ".NAN" => return Plain::Float(f64::NAN),
        _ => {}
    }
    let (negative, digits) = match text.as_bytes()[0] {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let sign = if negative { -1.0 } else { 1.0 };
    if matches!(digits, ".inf" | ".Inf" | ".INF") {
        return Plain::Float(sign * f64::INFINITY);
    }
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return match (negative, text.parse::<i64>(), digits.parse::<u64>()) {
            (_, Ok(i), _) => Plain::Int(i),
            (false, _, Ok(u)) => Plain::UInt(u),
            _ => text.parse().map_or(Plain::Str, Plain::Float),
        };
    }
    let radix = match text.as_bytes() {
        [b'0', b'x', _, ..] => 16,
        [b'0', b'o', _, ..] => 8,
        _ => 0,
    };
    if radix != 0 {
        return i64::from_str_radix(&text[2..], radix).map_or(Plain::Str, Plain::Int);
    }
    if is_float(digits) {
        return text.parse().map_or(Plain::Str, Plain::Float);
    }
    Plain::Str
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, the core schema's float (sign removed).
fn is_float(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |mut i: usize| {
        let from = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        (i, i - from)
    };
    let (mut i, int) = digits(0);
    let mut frac = 0;
    if i < b.len() && b[i] == b'.' {
        (i, frac) = digits(i + 1);
    }
    if int == 0 && frac == 0 {
        return false;
    }
    if i < b.len() && matches!(b[i], b'e' | b'E') {
        i += 1;
        if i < b.len() && matches!(b[i], b'+' | b'-') {
            i += 1;
        }
        let (end, exp) = digits(i);
        return exp > 0 && end == b.len();
    }
    i == b.len()
}

/// Where events are: char indices become byte offsets when the text is ASCII (else the
/// renderer finds the place from line and column).
struct Locator {
    ascii: bool,
}

impl Locator {
    fn at(&self, span: &Span, len: bool) -> Loc {
        let (s, e) = (span.start, span.end);
        Loc {
            line: s.line() as u64,
            col: s.col() as u64 + 1,
            offset: self.ascii.then(|| s.index()),
            // A collection is marked by its first character (its bracket, or its first key).
            len: match (self.ascii, len) {
                (false, _) => 0,
                (true, true) => e.index().saturating_sub(s.index()),
                (true, false) => 1,
            },
        }
    }
}

enum Frame {
    Seq {
        items: Vec<Node>,
        loc: Loc,
        anchor: usize,
    },
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        loc: Loc,
        anchor: usize,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    root: Option<Node>,
    aliased: usize,
}

/// Parses the one document in `text`.
pub fn parse(text: &str) -> Result<Node, Error> {
    let at = Locator {
        ascii: text.is_ascii(),
    };
    let mut parser = Parser::new_from_str(text);
    let mut b = Builder::default();
    let mut documents = 0;
    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(|e| {
            let m = e.marker();
            let loc = Loc {
                line: m.line() as u64,
                col: m.col() as u64 + 1,
                offset: at.ascii.then(|| m.index()),
                len: 0,
            };
            unclosed(text, &b.stack, e.info())
                .unwrap_or_else(|| Error::new(format!("invalid YAML: {}", e.info()), loc))
        })?;
        match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    let msg = "a second YAML document (`---`): a file holds one scenario";
                    return Err(Error::new(msg, at.at(&span, false)));
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                let loc = at.at(&span, true);
                let plain = resolvable(style, tag.as_deref(), loc)?;
                let text = text.into_owned();
                let kind = Kind::Scalar { text, plain };
                b.value(Node { kind, loc }, anchor)?;
            }
            Event::Alias(id) => b.alias(id, at.at(&span, true))?,
            Event::SequenceStart(anchor, _) => b.open(true, anchor, at.at(&span, false))?,
            Event::MappingStart(anchor, _) => b.open(false, anchor, at.at(&span, false))?,
            Event::SequenceEnd | Event::MappingEnd => b.close()?,
            Event::StreamEnd => break,
            Event::Nothing | Event::StreamStart | Event::DocumentEnd => {}
        }
    }
    let start = Loc {
        line: 1,
        col: 1,
        offset: Some(0),
        len: 0,
    };
    b.root
        .ok_or_else(|| Error::new("the file holds no YAML document", start))
}

/// Whether a scalar is resolved by the core schema (plain, or tagged `!!int` and the like) or
/// is a string as written (quoted, block, or `!!str`). Other tags are refused.
fn resolvable(style: ScalarStyle, tag: Option<&Tag>, loc: Loc) -> Result<bool, Error> {
    match tag {
        None => Ok(style == ScalarStyle::Plain),
        Some(t) if t.handle == "tag:yaml.org,2002:" || t.handle == "!!" => {
            match t.suffix.as_str() {
                "str" => Ok(false),
                "int" | "float" | "bool" | "null" => Ok(true),
                other => Err(unsupported_tag(other, loc)),
            }
        }
        Some(t) => Err(unsupported_tag(&format!("{}{}", t.handle, t.suffix), loc)),
    }
}

/// The parser notices a missing `}` or `]` only where the file ends or the next key starts;
/// point at the bracket that was opened instead.
fn unclosed(text: &str, stack: &[Frame], info: &str) -> Option<Error> {
    let (open, close) = if info.contains("flow mapping") {
        (b'{', '}')
    } else if info.contains("flow sequence") {
        (b'[', ']')
    } else {
        return None;
    };
    stack.iter().rev().find_map(|f| {
        let (Frame::Seq { loc, .. } | Frame::Map { loc, .. }) = f;
        let offset = loc.offset?;
        (text.as_bytes().get(offset) == Some(&open)).then(|| {
            let msg = format!(
                "unclosed bracket: this `{}` has no matching `{close}`",
                open as char
            );
            Error::new(msg, Loc { len: 1, ..*loc })
        })
    })
}

fn unsupported_tag(tag: &str, loc: Loc) -> Error {
    Error::new(
        format!("the tag `{tag}` is not supported: write the value without it"),
        loc,
    )
}

impl Node {
    /// How many nodes this one is, itself included (what an alias to it copies).
    fn size(&self) -> usize {
        1 + match &self.kind {
            Kind::Scalar { .. } => 0,
            Kind::Seq(items) => items.iter().map(Node::size).sum(),
            Kind::Map(entries) => entries.iter().map(|(k, v)| k.size() + v.size()).sum(),
        }
    }

    /// The text of a scalar key, for duplicate and merge checks.
    fn key_text(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    fn is_merge_key(&self) -> bool {
        matches!(&self.kind, Kind::Scalar { text, plain: true } if text == "<<")
    }
}

impl Builder {
    /// A copy of the anchored value, placed where the alias is.
    fn alias(&mut self, id: usize, loc: Loc) -> Result<(), Error> {
        let Some(target) = self.anchors.get(&id) else {
            return Err(Error::new("an alias to an unknown anchor", loc));
        };
        self.aliased += target.size();
        if self.aliased > MAX_ALIASED_NODES {
            let msg = format!("aliases expand to more than {MAX_ALIASED_NODES} values");
            return Err(Error::new(msg, loc));
        }
        let mut node = target.clone();
        node.loc = loc;
        self.value(node, 0)
    }

    /// Starts a list (`seq`) or a map.
    fn open(&mut self, seq: bool, anchor: usize, loc: Loc) -> Result<(), Error> {
        if self.stack.len() >= MAX_DEPTH {
            let msg = format!("values nested deeper than {MAX_DEPTH} levels");
            return Err(Error::new(msg, loc));
        }
        self.stack.push(if seq {
            Frame::Seq {
                items: Vec::new(),
                loc,
                anchor,
            }
        } else {
            Frame::Map {
                entries: Vec::new(),
                key: None,
                loc,
                anchor,
            }
        });
        Ok(())
    }

    /// Ends the innermost list or map, merge keys applied.
    fn close(&mut self) -> Result<(), Error> {
        let (kind, loc, anchor) = match self.stack.pop() {
            Some(Frame::Seq { items, loc, anchor }) => (Kind::Seq(items), loc, anchor),
            Some(Frame::Map {
                entries,
                loc,
                anchor,
                ..
            }) => (Kind::Map(merge(entries)?), loc, anchor),
            None => return Ok(()),
        };
        self.value(Node { kind, loc }, anchor)
    }

    /// Adds a finished value to the collection being built (or makes it the document).
    fn value(&mut self, node: Node, anchor: usize) -> Result<(), Error> {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => {
                    if let Some(text) = k.key_text().filter(|_| !k.is_merge_key())
                        && entries.iter().any(|(e, _)| e.key_text() == Some(text))
                    {
                        let msg = format!("the key `{text}` appears twice in this map");
                        return Err(Error::new(msg, k.loc));
                    }
                    entries.push((k, node));
                }
            },
        }
        Ok(())
    }
}

/// Applies `<<: *base` (or `<<: [*a, *b]`): the merged maps' keys that the map does not set
/// itself, in order after its own.
fn merge(entries: Vec<(Node, Node)>) -> Result<Vec<(Node, Node)>, Error> {
    if !entries.iter().any(|(k, _)| k.is_merge_key()) {
        return Ok(entries);
    }
    let (merges, mut own): (Vec<_>, Vec<_>) =
        entries.into_iter().partition(|(k, _)| k.is_merge_key());
    for (_, value) in merges {
        let sources = match value.kind {
            Kind::Seq(items) => items,
            _ => vec![value],
        };
        for source in sources {
            let Kind::Map(extra) = source.kind else {
                return Err(Error::new("`<<` merges maps only", source.loc));
            };
            for (k, v) in extra {
                let taken = own
                    .iter()
                    .any(|(o, _)| o.key_text().is_some() && o.key_text() == k.key_text());
                if !taken {
                    own.push((k, v));
                }
            }
        }
    }
    Ok(own)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_schema() {
        assert_eq!(resolve("~"), Plain::Null);
        assert_eq!(resolve("True"), Plain::Bool(true));
        assert_eq!(resolve("yes"), Plain::Str);
        assert_eq!(resolve("No"), Plain::Str);
        assert_eq!(resolve("-12"), Plain::Int(-12));
        assert_eq!(resolve("0x1F"), Plain::Int(31));
        assert_eq!(resolve("0o17"), Plain::Int(15));
        assert_eq!(resolve("18446744073709551615"), Plain::UInt(u64::MAX));
        assert_eq!(resolve("1.5e3"), Plain::Float(1500.0));
        assert_eq!(resolve(".5"), Plain::Float(0.5));
        assert_eq!(resolve("-.inf"), Plain::Float(f64::NEG_INFINITY));
        assert_eq!(resolve("1e"), Plain::Str);
        assert_eq!(resolve("1.2.3"), Plain::Str);
        assert_eq!(resolve("inf"), Plain::Str);
        assert_eq!(resolve("200"), Plain::Int(200));
        assert_eq!(resolve("0x"), Plain::Str);
        assert_eq!(resolve("0xé"), Plain::Str);
        assert_eq!(resolve("é"), Plain::Str);
        assert_eq!(resolve("-"), Plain::Str);
    }

    #[test]
    fn anchors_merges_and_duplicates() {
        let n = parse("base: &b {a: 1, b: 2}\nx:\n  <<: *b\n  b: 3\n").unwrap();
        let Kind::Map(top) = n.kind else { panic!() };
        let Kind::Map(x) = &top[1].1.kind else {
            panic!()
        };
        let keys: Vec<_> = x.iter().map(|(k, _)| k.key_text().unwrap()).collect();
        assert_eq!(keys, ["b", "a"]);
        let e = parse("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert!(e.message.contains("`a` appears twice"), "{e}");
        assert_eq!(e.loc.unwrap().line, 3);
    }

    #[test]
    fn hostile_input_fails_fast() {
        let mut laughs = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..8 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("l{}", i - 1)
            };
            laughs += &format!(
                "l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            );
        }
        let e = parse(&laughs).unwrap_err();
        assert!(e.message.contains("aliases expand"), "{e}");
        let deep = "[".repeat(200) + &"]".repeat(200);
        let e = parse(&deep).unwrap_err();
        assert!(e.message.contains("nested deeper"), "{e}");
    }
}
