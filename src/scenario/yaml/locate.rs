//! Where a key inside a sub-document was written. Bodies, predicates and other free-form
//! values reach the planner as plain JSON values carrying one location, their own; when a
//! problem is about a key deep inside one, this finds that key's place by parsing the file
//! again. Only diagnostics pay for it: the happy path keeps no location tree.

use super::node::{Kind, Node, parse};
use crate::scenario::source::Loc;

/// One step down into a value: a map's key or a list's index.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// The place of the key at `keys` (outermost first) inside the map written at `at`.
pub fn key(text: &str, at: Loc, keys: &[String]) -> Option<Loc> {
    let path: Vec<Step> = keys.iter().cloned().map(Step::Key).collect();
    let root = parse(text).ok()?;
    walk(find(&root, at)?, &path).and_then(|(key, _)| key)
}

/// The place of the value at `path` inside the value written at `at`.
pub fn value(text: &str, at: Loc, path: &[Step]) -> Option<Loc> {
    let root = parse(text).ok()?;
    walk(find(&root, at)?, path).map(|(_, v)| v.loc)
}

/// Follows `path` down from `node`: the last key's place and the value reached.
fn walk<'a>(mut node: &'a Node, path: &[Step]) -> Option<(Option<Loc>, &'a Node)> {
    let mut key = None;
    for step in path {
        node = match (&node.kind, step) {
            (Kind::Map(entries), Step::Key(name)) => {
                let (k, v) = entries
                    .iter()
                    .find(|(k, _)| matches!(&k.kind, Kind::Scalar { text, .. } if text == name))?;
                key = Some(k.loc);
                v
            }
            (Kind::Seq(items), Step::Index(i)) => items.get(*i)?,
            _ => return None,
        };
    }
    Some((key, node))
}

/// The collection that starts at `at` (a block map starts where its first key does: the map,
/// found first, is the one meant).
fn find(node: &Node, at: Loc) -> Option<&Node> {
    if (node.loc.line, node.loc.col) == (at.line, at.col)
        && !matches!(node.kind, Kind::Scalar { .. })
    {
        return Some(node);
    }
    match &node.kind {
        Kind::Scalar { .. } => None,
        Kind::Seq(items) => items.iter().find_map(|n| find(n, at)),
        Kind::Map(entries) => entries
            .iter()
            .find_map(|(k, v)| find(k, at).or_else(|| find(v, at))),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_a_nested_key() {
        let text = "expect:\n  json:\n    $.a: {not: {lenght: 1}}\n";
        let at = super::parse(text).unwrap();
        let super::Kind::Map(top) = &at.kind else {
            panic!()
        };
        let super::Kind::Map(expect) = &top[0].1.kind else {
            panic!()
        };
        let super::Kind::Map(json) = &expect[0].1.kind else {
            panic!()
        };
        let pred = json[0].1.loc;
        let path = ["not".to_string(), "lenght".to_string()];
        let loc = super::key(text, pred, &path).unwrap();
        assert_eq!((loc.line, loc.col), (3, 17));
        let deep = [
            super::Step::Key("not".into()),
            super::Step::Key("lenght".into()),
        ];
        let loc = super::value(text, pred, &deep).unwrap();
        assert_eq!((loc.line, loc.col), (3, 25));
    }
}
