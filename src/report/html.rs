//! The HTML report (`--html FILE`): one self-contained page a person attaches to a bug report.
//! No script, no network, no external asset: inline CSS and `<details>` for the expandable
//! parts, so it renders the same from a mail attachment, a CI artifact or `file://`.
//! Failed scenarios and their failing steps start expanded.
//!
//! Built only from [`ScenarioReport`]s, which `run` has already redacted; every string goes
//! through [`esc`], since response bodies and scenario names are untrusted text. Hand-written
//! (no template engine): the page is small and fixed, and a dependency would add nothing.

use crate::report::event::{ScenarioReport, Status, StepReport, StepStatus};
use std::fmt::Write;

/// HTML-escapes text for element content and double-quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:1.5em auto;max-width:70em;padding:0 1em;color:#1b1b1b}\
h1{font-size:1.4em}table.counts td,table.counts th{padding:.2em .8em;text-align:left}\
details{border:1px solid #ccc;border-radius:4px;margin:.4em 0;padding:.3em .6em}\
details details{margin-left:1em}summary{cursor:pointer}\
pre{background:#f5f5f5;padding:.5em;overflow-x:auto;white-space:pre-wrap;word-break:break-all}\
.badge{display:inline-block;min-width:6.5em;font-weight:600}\
.passed{color:#17692b}.failed,.error{color:#b00020}.known_bug{color:#8a5a00}\
.skipped,.not_applicable,.not_run{color:#666}.check{margin:.3em 0}code{background:#f5f5f5}";

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Passed => "passed",
        Status::Failed => "failed",
        Status::Skipped => "skipped",
        Status::KnownBug => "known_bug",
        Status::NotApplicable => "not_applicable",
    }
}

fn step_word(s: StepStatus) -> &'static str {
    match s {
        StepStatus::Passed => "passed",
        StepStatus::Failed => "failed",
        StepStatus::Error => "error",
        StepStatus::NotRun => "not_run",
    }
}

fn exchange(out: &mut String, s: &StepReport) {
    if let Some(r) = &s.request {
        let mut t = format!("{} {}\n", r.method, r.url);
        for (k, v) in &r.headers {
            let _ = writeln!(t, "{k}: {v}");
        }
        if let Some(b) = &r.body {
            let _ = write!(t, "\n{b}");
        }
        let _ = write!(
            out,
            "<h4>Request</h4><pre class=\"request\">{}</pre>",
            esc(&t)
        );
    }
    if let Some(r) = &s.response {
        let mut t = format!("{} {}\n", r.status, r.reason);
        for (k, v) in &r.headers {
            let _ = writeln!(t, "{k}: {v}");
        }
        if !r.body.is_empty() {
            let _ = write!(t, "\n{}", r.body);
        }
        if r.truncated {
            t.push_str("\n… (truncated)");
        }
        let _ = write!(
            out,
            "<h4>Response</h4><pre class=\"response\">{}</pre>",
            esc(&t)
        );
    }
    if let Some(c) = &s.curl {
        let _ = write!(out, "<h4>Replay</h4><pre class=\"curl\">{}</pre>", esc(c));
    }
}

fn step(out: &mut String, s: &StepReport) {
    let bad = matches!(s.status, StepStatus::Failed | StepStatus::Error);
    let phase = match s.phase {
        crate::report::event::Phase::Setup => "setup",
        crate::report::event::Phase::Steps => "step",
        crate::report::event::Phase::Teardown => "teardown",
    };
    let word = step_word(s.status);
    let _ = write!(
        out,
        "<details class=\"step st-{word}\"{}><summary><span class=\"badge {word}\">{word}</span> {phase} <b>{}</b> <small>({}, actor {}, {} ms)</small></summary>",
        if bad { " open" } else { "" },
        esc(&s.name),
        esc(&s.position),
        esc(&s.actor),
        s.duration_ms
    );
    if let Some(e) = &s.error {
        let _ = write!(
            out,
            "<p class=\"check error\">no usable response: {}</p>",
            esc(e)
        );
    }
    for f in &s.failures {
        let _ = write!(
            out,
            "<div class=\"check failed\"><b>{}</b> at <code>{}</code>: {}",
            esc(&f.check),
            esc(&f.position),
            esc(&f.message)
        );
        if !f.diff.is_empty() {
            let _ = write!(out, "<pre class=\"diff\">{}</pre>", esc(&f.diff.join("\n")));
        }
        if !f.violations.is_empty() {
            out.push_str("<ul>");
            for v in &f.violations {
                let _ = write!(
                    out,
                    "<li>schema: {} at <code>{}</code> (keyword <code>{}</code>)</li>",
                    esc(&v.message),
                    esc(if v.instance_path.is_empty() {
                        "/"
                    } else {
                        &v.instance_path
                    }),
                    esc(&v.keyword)
                );
            }
            out.push_str("</ul>");
        }
        out.push_str("</div>");
    }
    exchange(out, s);
    out.push_str("</details>");
}

fn scenario(out: &mut String, r: &ScenarioReport) {
    let word = status_word(r.status);
    let _ = write!(
        out,
        "<details class=\"scenario st-{word}\" id=\"{}\"{}><summary><span class=\"badge {word}\">{}</span> <b>{}</b> <small>{}{}</small></summary>",
        esc(&r.name),
        if r.status == Status::Failed {
            " open"
        } else {
            ""
        },
        word.replace('_', " "),
        esc(&r.name),
        esc(&r.title),
        if r.iteration > 0 {
            format!(" (iteration {})", r.iteration + 1)
        } else {
            String::new()
        }
    );
    let _ = write!(
        out,
        "<p>file <code>{}</code>, seed <code>{}</code>, {} ms{}</p>",
        esc(&r.file),
        r.seed,
        r.duration_ms,
        if r.tags.is_empty() {
            String::new()
        } else {
            format!(", tags {}", esc(&r.tags.join(", ")))
        }
    );
    if let Some(k) = &r.known_bug {
        let _ = write!(
            out,
            "<p class=\"known_bug\">known bug <a href=\"{}\">{}</a>: {}</p>",
            esc(&k.url),
            esc(&k.issue),
            esc(&k.reason)
        );
    }
    if let Some(n) = &r.note {
        let _ = write!(out, "<p class=\"note\">{}</p>", esc(n));
    }
    for s in &r.steps {
        step(out, s);
    }
    out.push_str("</details>\n");
}

/// The whole page.
pub fn render(reports: &[ScenarioReport], target: &str, seed: u64) -> String {
    let c = super::human::counts(reports);
    let verdict = if c.failed > 0 { "FAILED" } else { "passed" };
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
<title>medusa-conform: {verdict}</title><style>{CSS}</style></head><body>\n\
<h1>medusa-conform {}: <span class=\"{}\">{verdict}</span></h1>\n\
<p>target <code>{}</code>, seed <code>{seed}</code> (replay with <code>--seed {seed}</code>)</p>\n\
<table class=\"counts\"><tr><th>passed</th><th>failed</th><th>known bugs</th><th>skipped</th><th>not applicable</th></tr>\
<tr><td class=\"passed\">{}</td><td class=\"failed\">{}</td><td class=\"known_bug\">{}</td><td>{}</td><td>{}</td></tr></table>\n",
        env!("CARGO_PKG_VERSION"),
        if c.failed > 0 { "failed" } else { "passed" },
        esc(target),
        c.passed,
        c.failed,
        c.known_bugs,
        c.skipped,
        c.not_applicable,
    );
    let known: Vec<&ScenarioReport> = reports.iter().filter(|r| r.known_bug.is_some()).collect();
    if !known.is_empty() {
        out.push_str("<h2>Known bugs</h2><ul>");
        for r in known {
            if let Some(k) = &r.known_bug {
                let _ = write!(
                    out,
                    "<li><a href=\"{}\">{}</a> — <a href=\"#{}\">{}</a>: {}</li>",
                    esc(&k.url),
                    esc(&k.issue),
                    esc(&r.name),
                    esc(&r.name),
                    esc(r.note.as_deref().unwrap_or(status_word(r.status)))
                );
            }
        }
        out.push_str("</ul>\n");
    }
    // Failures first: they are what the reader came for.
    out.push_str("<h2>Scenarios</h2>\n");
    let mut ordered: Vec<&ScenarioReport> = reports.iter().collect();
    ordered.sort_by_key(|r| r.status != Status::Failed);
    for r in ordered {
        scenario(&mut out, r);
    }
    out.push_str("</body></html>\n");
    out
}
