//! The Markdown summary (`--summary FILE`), sized for a CI job summary (GitHub's
//! `$GITHUB_STEP_SUMMARY`, a merge-request note): the counts, then each failure with its
//! file:line and a one-line reason. Details live in the HTML, JUnit and JSON reports.

use crate::report::event::{ScenarioReport, Status, StepStatus};
use std::fmt::Write;

/// List items must stay on one line and not open markup: `<`, `>` and `*`/`_` emphasis are
/// escaped outside code spans (inside them, entities would show literally).
fn md(s: &str) -> String {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::with_capacity(one_line.len());
    let mut in_code = false;
    for (n, c) in one_line.chars().enumerate() {
        if n >= 300 {
            out.push('…');
            if in_code {
                out.push('`');
            }
            break;
        }
        match c {
            '`' => {
                in_code = !in_code;
                out.push(c);
            }
            '<' if !in_code => out.push_str("&lt;"),
            '>' if !in_code => out.push_str("&gt;"),
            '*' | '_' | '[' | ']' | '\\' if !in_code => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// `file:line` and the one-line reason of a failed scenario.
fn first_failure(r: &ScenarioReport) -> (String, String) {
    for s in r.failed_steps() {
        if let Some(f) = s.failures.first() {
            return (
                f.position.clone(),
                format!("step `{}`: {}: {}", s.name, f.check, f.message),
            );
        }
        if s.status == StepStatus::Error {
            return (
                s.position.clone(),
                format!(
                    "step `{}`: no usable response: {}",
                    s.name,
                    s.error.as_deref().unwrap_or("")
                ),
            );
        }
    }
    (
        r.file.clone(),
        r.note.clone().unwrap_or_else(|| "failed".into()),
    )
}

pub fn render(reports: &[ScenarioReport], target: &str, seed: u64) -> String {
    let c = super::human::counts(reports);
    let mut out = String::new();
    let icon = if c.failed > 0 { "❌" } else { "✅" };
    let _ = writeln!(
        out,
        "## {icon} medusa-conform: {} failed, {} passed\n",
        c.failed,
        c.passed + c.known_bugs
    );
    let _ = writeln!(
        out,
        "| passed | failed | known bug | skipped | not applicable |\n|---:|---:|---:|---:|---:|\n| {} | {} | {} | {} | {} |\n",
        c.passed, c.failed, c.known_bugs, c.skipped, c.not_applicable
    );
    let _ = writeln!(
        out,
        "Target `{}`, seed `{seed}` (replay with `--seed {seed}`).\n",
        md(target)
    );
    let failed: Vec<&ScenarioReport> = reports
        .iter()
        .filter(|r| r.status == Status::Failed)
        .collect();
    if !failed.is_empty() {
        let _ = writeln!(out, "### Failures\n");
        for r in failed {
            let (at, why) = first_failure(r);
            let _ = writeln!(out, "- **{}** — `{}`: {}", md(&r.name), md(&at), md(&why));
        }
        out.push('\n');
    }
    let known: Vec<&ScenarioReport> = reports
        .iter()
        .filter(|r| r.status == Status::KnownBug)
        .collect();
    if !known.is_empty() {
        let _ = writeln!(out, "### Known bugs (reproducing, counted as passed)\n");
        for r in known {
            match &r.known_bug {
                Some(k) => {
                    let _ = writeln!(
                        out,
                        "- **{}** — [{}]({})",
                        md(&r.name),
                        md(&k.issue),
                        md(&k.url)
                    );
                }
                None => {
                    let _ = writeln!(out, "- **{}**", md(&r.name));
                }
            }
        }
        out.push('\n');
    }
    for (status, heading) in [
        (Status::Skipped, "Skipped (an input is missing)"),
        (Status::NotApplicable, "Not applicable to this target"),
    ] {
        let listed: Vec<&ScenarioReport> = reports.iter().filter(|r| r.status == status).collect();
        if !listed.is_empty() {
            let _ = writeln!(
                out,
                "<details><summary>{heading}: {}</summary>\n",
                listed.len()
            );
            for r in listed {
                let _ = writeln!(
                    out,
                    "- {}: {}",
                    md(&r.name),
                    md(r.note.as_deref().unwrap_or(""))
                );
            }
            out.push_str("\n</details>\n");
        }
    }
    out
}
