//! rustc-style diagnostics: a message, the YAML line it points at, and what to do about it.

use crate::scenario::source::Span;
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

/// One problem with the user's input (or with a scenario's run), anchored to a source span.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub message: String,
    pub span: Option<Span>,
    pub label: String,
    pub help: Option<String>,
    /// Pre-rendered text (for errors whose renderer lives elsewhere, e.g. the YAML parser's).
    pub rendered: Option<String>,
}

impl Diagnostic {
    pub fn new(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            message: message.into(),
            span: None,
            label: String::new(),
            help: None,
            rendered: None,
        }
    }

    pub fn at(mut self, span: Span) -> Diagnostic {
        self.span = Some(span);
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = label.into();
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// `file:line:col` of the problem, if known.
    pub fn position(&self) -> Option<String> {
        self.span.as_ref().map(Span::position)
    }

    /// Renders without colour (reports, snapshots).
    pub fn render_plain(&self) -> String {
        self.render_with(&Renderer::plain())
    }

    /// Renders for a terminal (colour is stripped by anstream when not a TTY).
    pub fn render_styled(&self) -> String {
        self.render_with(&Renderer::styled())
    }

    /// Renders for a terminal when `styled`, else plain.
    pub fn render(&self, styled: bool) -> String {
        if styled {
            self.render_styled()
        } else {
            self.render_plain()
        }
    }

    fn render_with(&self, renderer: &Renderer) -> String {
        if let Some(r) = &self.rendered {
            return r.clone();
        }
        let title = Level::ERROR.primary_title(self.message.as_str());
        let mut groups = Vec::new();
        let snippet_group;
        if let Some(span) = &self.span {
            let text = span.file.text.as_str();
            let range = byte_range(text, span);
            let label = if self.label.is_empty() {
                self.message.as_str()
            } else {
                self.label.as_str()
            };
            let snippet = Snippet::source(text)
                .path(span.file.path.as_str())
                .fold(true)
                .annotation(AnnotationKind::Primary.span(range).label(label));
            snippet_group = title.element(snippet);
            groups.push(snippet_group);
        } else {
            groups.push(Group::with_title(title));
        }
        if let Some(help) = &self.help {
            groups.push(Group::with_title(
                Level::HELP.secondary_title(help.as_str()),
            ));
        }
        renderer.render(&groups).to_string()
    }
}

/// The byte range to underline: the recorded span, else the token starting at line:col.
fn byte_range(text: &str, span: &Span) -> std::ops::Range<usize> {
    let start = span
        .loc
        .offset
        .unwrap_or_else(|| offset_of(text, span.loc.line, span.loc.col));
    let start = start.min(text.len());
    let mut end = if span.loc.len > 0 {
        start + span.loc.len
    } else {
        start
    };
    if end <= start {
        // Underline up to the end of the token (or line).
        end = text[start..]
            .find(['\n', '#'])
            .map(|i| start + i)
            .unwrap_or(text.len());
        let trimmed = text[start..end].trim_end().len();
        end = start + trimmed.max(1);
    }
    // Stay on the first line of the span so the snippet stays short.
    if let Some(nl) = text[start..end.min(text.len())].find('\n') {
        end = start + nl.max(1);
    }
    start..end.min(text.len())
}

fn offset_of(text: &str, line: u64, col: u64) -> usize {
    let mut off = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i as u64 + 1 == line {
            let c = (col.saturating_sub(1)) as usize;
            return off + l.char_indices().nth(c).map(|(b, _)| b).unwrap_or(l.len());
        }
        off += l.len();
    }
    text.len()
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render_plain())
    }
}
