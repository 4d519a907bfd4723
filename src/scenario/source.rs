//! Source files and locations inside them, for diagnostics that point at a YAML line and column.

use std::sync::Arc;

/// A loaded scenario (or spec) file: the path as the user should see it and its full text.
#[derive(Debug)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
}

/// A place in a source file: 1-based line and column plus the byte range, when known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Loc {
    pub line: u64,
    pub col: u64,
    pub offset: Option<usize>,
    pub len: usize,
}

/// A location inside a particular file.
#[derive(Debug, Clone)]
pub struct Span {
    pub file: Arc<SourceFile>,
    pub loc: Loc,
}

impl Span {
    pub fn new(file: &Arc<SourceFile>, loc: Loc) -> Span {
        Span {
            file: file.clone(),
            loc,
        }
    }

    /// `path:line:col`, as editors and terminals understand it.
    pub fn position(&self) -> String {
        format!("{}:{}:{}", self.file.path, self.loc.line, self.loc.col)
    }
}
