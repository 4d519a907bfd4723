//! Which scenarios a client API can express, decided at plan time. A step that needs something
//! a client library never does (a raw request, a forged or given bearer, custom headers, not
//! sending its cookies, choosing the path encoding, reading a cookie's value) makes the whole
//! scenario *not applicable* in driver mode: it is reported with the reason, never passed.
//! Scenarios with `requires: {driver: true}` are, conversely, not applicable without a driver.

use crate::scenario::StepDoc;
use crate::scenario::source::{SourceFile, Span};
use serde_json::Value;
use std::sync::Arc;

/// Why one step cannot go through a client, if it cannot.
pub fn step_reason(d: &StepDoc) -> Option<&'static str> {
    if d.request.is_some() {
        return Some("a raw `request:` (a client sends only its own calls)");
    }
    if d.call.is_some() {
        return Some("an API-table `call:` (no driver speaks an API pack yet)");
    }
    if let Some(b) = &d.bearer {
        return Some(match b.value {
            Value::Bool(false) | Value::Null => {
                "`bearer: false` (a client always sends the token it holds)"
            }
            _ => "a given or forged `bearer:` (a client only sends the token getToken returned)",
        });
    }
    if !d.headers.0.is_empty() {
        return Some("custom `headers:` (a client API sets no headers)");
    }
    if d.cookies.as_ref().is_some_and(|c| !c.value) {
        return Some("`cookies: false` (a client always sends its cookies)");
    }
    if d.exists
        .as_ref()
        .is_some_and(|e| e.value.get("encode").is_some())
    {
        return Some(
            "`exists` with `encode:` (the client decides how the e-mail goes in the path)",
        );
    }
    let cookie_value = |v: &Value| match v {
        Value::Object(o) => {
            o.get("cookie").is_some()
                && o.get("attr").and_then(Value::as_str).unwrap_or("value") == "value"
                || o.get("header")
                    .and_then(Value::as_str)
                    .map(str::to_ascii_lowercase)
                    == Some("set-cookie".into())
        }
        _ => false,
    };
    if d.capture.0.iter().any(|(_, v)| cookie_value(&v.value)) {
        return Some("a capture of a cookie's value (a driver never reports cookie values)");
    }
    if let Some(e) = &d.expect
        && e.value
            .cookies
            .0
            .iter()
            .any(|(_, v)| v.value.get("value").is_some())
    {
        return Some("a check of a cookie's value (a driver never reports cookie values)");
    }
    None
}

/// The reasons found in a scenario's steps, each with the step's location, for the report.
pub fn reasons(
    file: &Arc<SourceFile>,
    steps: &[&crate::scenario::Spanned<StepDoc>],
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in steps {
        if let Some(r) = step_reason(&s.value) {
            let at = Span::new(file, s.loc).position();
            let name = s
                .value
                .name
                .as_ref()
                .map(|n| format!("step `{}`", n.value))
                .unwrap_or_else(|| "a step".into());
            out.push(format!("{name} ({at}) uses {r}"));
        }
    }
    out
}

/// The verdict for one run mode: `Some(reason)` when the scenario is not applicable.
pub fn verdict(sc: &crate::plan::Scenario, driver_mode: bool) -> Option<String> {
    if driver_mode && !sc.client_blockers.is_empty() {
        let more = sc.client_blockers.len() - 1;
        return Some(format!(
            "not applicable through a client: {}{}",
            sc.client_blockers[0],
            if more > 0 {
                format!(" (and {more} more step{})", if more > 1 { "s" } else { "" })
            } else {
                String::new()
            }
        ));
    }
    if !driver_mode && sc.requires_driver {
        return Some(
            "not applicable without a client: it checks what a client library does (run with --client medusa-js or --driver 'CMD')"
                .into(),
        );
    }
    None
}
