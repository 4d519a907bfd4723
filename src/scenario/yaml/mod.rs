//! The YAML front end: text → a tree of located nodes ([`node`], on saphyr-parser's events) →
//! any serde type ([`de`]), with [`Spanned`] values that keep where they were written.
//!
//! Why hand-written: the first front end was serde-saphyr (a well-kept crate, still used by the
//! tests), but parsing was nearly all of start-up: 200 scenario files (290 KB) took 17 ms on
//! one core, against 4.4 ms for saphyr-parser's events alone (`cargo bench --bench engine --
//! startup` prints the breakdown). Its per-value `Spanned` protocol, event replay and budget
//! bookkeeping were the difference. This module keeps the parts of it the scenario format
//! uses (YAML 1.2 core schema with strict booleans, anchors and aliases, merge keys, duplicate
//! keys rejected, spans on every value, limits against hostile input) and nothing else: one
//! document per file, no custom tags.

pub mod de;
pub mod locate;
pub mod node;
pub mod spanned;

pub use spanned::Spanned;

use crate::diagnostic::Diagnostic;
use crate::scenario::source::{Loc, SourceFile, Span};
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// A YAML or shape problem, at the innermost value it concerns when known.
#[derive(Debug, Clone)]
pub struct Error {
    pub message: String,
    pub loc: Option<Loc>,
}

impl Error {
    pub fn new(message: impl Into<String>, loc: Loc) -> Error {
        Error {
            message: message.into(),
            loc: Some(loc),
        }
    }

    /// As a diagnostic at its place in `file`, with a "did you mean" for an unknown key.
    pub fn diagnostic(&self, file: &Arc<SourceFile>) -> Diagnostic {
        let first = self.message.lines().next().unwrap_or_default();
        let mut d = Diagnostic::new(first);
        if let Some(loc) = self.loc {
            d = d.at(Span::new(file, loc));
        }
        d.help = unknown_field_hint(&self.message);
        d
    }

    /// Sets the location unless an inner value already did (the innermost place wins).
    pub fn at(mut self, loc: Loc) -> Error {
        self.loc.get_or_insert(loc);
        self
    }
}

/// From "unknown field `captures`, expected one of `name`, `capture`, …" suggest the closest key.
fn unknown_field_hint(msg: &str) -> Option<String> {
    let rest = msg.split("unknown field `").nth(1)?;
    let (field, rest) = rest.split_once('`')?;
    let list = rest
        .split("expected one of")
        .nth(1)
        .or_else(|| rest.split("expected").nth(1))?;
    let list = list.lines().next().unwrap_or(list);
    let options = list
        .split(',')
        .map(|o| o.trim().trim_matches('`').trim_end_matches('.').trim())
        .filter(|o| !o.is_empty());
    crate::suggest::did_you_mean(field, options)
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl serde::de::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Error {
            message: msg.to_string(),
            loc: None,
        }
    }
}

/// Parses one YAML document into `T`.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
    let root = node::parse(text)?;
    let loc = root.loc;
    T::deserialize(root).map_err(|e| e.at(loc))
}

#[cfg(test)]
mod tests {
    #[test]
    fn unknown_key_hint() {
        let h = super::unknown_field_hint(
            "unknown field `captures`, expected one of `name`, `capture`, `expect`",
        );
        assert_eq!(h.as_deref(), Some("did you mean `capture`?"));
    }
}
