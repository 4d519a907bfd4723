//! The console report: a failure a person can act on (where, what, expected vs actual, the
//! exchange, a curl to replay it) and a closing summary that separates known bugs and skips.

use crate::diagnostic::Diagnostic;
use crate::report::event::{ScenarioReport, Status, StepReport, StepStatus};
use std::fmt::Write;

fn indent(text: &str, pad: &str) -> String {
    text.lines()
        .map(|l| format!("{pad}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn exchange(out: &mut String, s: &StepReport) {
    if let Some(r) = &s.request {
        let _ = writeln!(out, "  request:  {} {}", r.method, r.url);
        for (k, v) in &r.headers {
            let _ = writeln!(out, "            {k}: {v}");
        }
        if let Some(b) = &r.body {
            let _ = writeln!(out, "{}", indent(b, "            "));
        }
    }
    if let Some(r) = &s.response {
        let _ = writeln!(out, "  response: {} {}", r.status, r.reason);
        for (k, v) in &r.headers {
            let _ = writeln!(out, "            {k}: {v}");
        }
        if !r.body.is_empty() {
            let body = if r.body.len() > 1200 {
                format!(
                    "{}… ({} bytes shown)",
                    &r.body[..r
                        .body
                        .char_indices()
                        .nth(1200)
                        .map(|(i, _)| i)
                        .unwrap_or(r.body.len())],
                    1200
                )
            } else {
                r.body.clone()
            };
            let _ = writeln!(out, "{}", indent(&body, "            "));
        }
    }
    if let Some(c) = &s.curl {
        let _ = writeln!(out, "  replay:   {c}");
    }
}

/// The failure text for one scenario (used as the libtest failure message).
pub fn failure(r: &ScenarioReport, styled: bool) -> String {
    let mut out = String::new();
    if let Some(n) = &r.note {
        let _ = writeln!(out, "{n}");
    }
    for s in r.failed_steps() {
        let phase = match s.phase {
            crate::report::event::Phase::Setup => "setup step",
            crate::report::event::Phase::Steps => "step",
            crate::report::event::Phase::Teardown => "teardown step",
        };
        if s.status == StepStatus::Error {
            let mut d = Diagnostic::new(format!("{phase} `{}` got no usable response", s.name))
                .label(s.error.clone().unwrap_or_default());
            if let Some(sp) = &s.span {
                d = d.at(sp.clone());
            }
            out.push_str(&d.render(styled));
            out.push('\n');
        }
        for f in &s.failures {
            let mut d = Diagnostic::new(format!("{phase} `{}` failed: {}", s.name, f.check))
                .label(f.message.clone());
            if let Some(sp) = &f.span {
                d = d.at(sp.clone());
            }
            out.push_str(&d.render(styled));
            out.push('\n');
            for line in &f.diff {
                let _ = writeln!(out, "  diff: {line}");
            }
            for v in &f.violations {
                let _ = writeln!(
                    out,
                    "  schema: {} at `{}` (keyword `{}`, schema path {})",
                    v.message,
                    if v.instance_path.is_empty() {
                        "/"
                    } else {
                        &v.instance_path
                    },
                    v.keyword,
                    v.schema_path
                );
            }
        }
        exchange(&mut out, s);
    }
    out
}

/// Counts for the closing line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub known_bugs: usize,
    /// Skipped for a missing input.
    pub skipped: usize,
    pub not_applicable: usize,
}

impl Counts {
    /// Scenarios that actually ran.
    pub fn ran(&self) -> usize {
        self.passed + self.failed + self.known_bugs
    }
}

pub fn counts(reports: &[ScenarioReport]) -> Counts {
    let mut c = Counts::default();
    for r in reports {
        match r.status {
            Status::Passed => c.passed += 1,
            Status::Failed => c.failed += 1,
            Status::KnownBug => c.known_bugs += 1,
            Status::Skipped => c.skipped += 1,
            Status::NotApplicable => c.not_applicable += 1,
        }
    }
    c
}

/// The summary printed after libtest's own lines.
pub fn summary(reports: &[ScenarioReport], seed: u64, target: &str) -> String {
    let c = counts(reports);
    let mut out = String::new();
    let known: Vec<&ScenarioReport> = reports
        .iter()
        .filter(|r| r.status == Status::KnownBug)
        .collect();
    if !known.is_empty() {
        let _ = writeln!(out, "\nknown bugs (reproducing, counted as passed):");
        for r in known {
            let _ = writeln!(out, "  {}: {}", r.name, r.note.as_deref().unwrap_or(""));
        }
    }
    let fixed: Vec<&ScenarioReport> = reports
        .iter()
        .filter(|r| r.status == Status::Passed && r.note.is_some())
        .collect();
    if !fixed.is_empty() {
        let _ = writeln!(
            out,
            "\nknown bugs that no longer reproduce (passed: the server is correct here; --strict fails):"
        );
        for r in fixed {
            let _ = writeln!(out, "  {}: {}", r.name, r.note.as_deref().unwrap_or(""));
        }
    }
    for (status, heading) in [
        (Status::Skipped, "skipped (an input is missing):"),
        (
            Status::NotApplicable,
            "not applicable to this target or mode (not run, not passed):",
        ),
    ] {
        let listed: Vec<&ScenarioReport> = reports.iter().filter(|r| r.status == status).collect();
        if !listed.is_empty() {
            let _ = writeln!(out, "\n{heading}");
            for r in listed {
                let _ = writeln!(out, "  {}: {}", r.name, r.note.as_deref().unwrap_or(""));
            }
        }
    }
    let _ = writeln!(
        out,
        "\ntarget {target}, seed {seed} (replay with --seed {seed})"
    );
    if c.known_bugs > 0 {
        let _ = writeln!(
            out,
            "known bugs: {} reproducing (counted as passed)",
            c.known_bugs
        );
    }
    if c.ran() == 0 && c.skipped + c.not_applicable > 0 {
        let _ = writeln!(
            out,
            "NOTHING RAN: every selected scenario was skipped or not applicable; this proves nothing"
        );
    }
    // The closing line keeps the plain `N passed, N failed, N skipped` shape CI tools read.
    let _ = write!(
        out,
        "medusa-conform: {} passed, {} failed, {} skipped",
        c.passed + c.known_bugs,
        c.failed,
        c.skipped
    );
    if c.not_applicable > 0 {
        let _ = write!(out, ", {} not applicable", c.not_applicable);
    }
    out.push('\n');
    out
}
