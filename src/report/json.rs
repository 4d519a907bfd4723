//! The JSON report: every scenario, step, timing and failure, machine-readable.

use crate::report::event::ScenarioReport;
use serde::Serialize;

/// The version of this JSON format, checked by `specs/report/json-report.schema.json`.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Doc<'a> {
    /// The report format's version (`specs/report/json-report.schema.json`); bumped on any
    /// incompatible change.
    schema_version: u32,
    tool: &'static str,
    version: &'static str,
    target: &'a str,
    seed: u64,
    /// Driver mode: the protocol version, the driver and the client library (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    driver: Option<&'a super::DriverInfo>,
    summary: Summary,
    scenarios: &'a [ScenarioReport],
}

#[derive(Serialize)]
struct Summary {
    passed: usize,
    failed: usize,
    known_bugs: usize,
    skipped: usize,
    not_applicable: usize,
}

pub fn render(reports: &[ScenarioReport], target: &str, seed: u64) -> String {
    render_with_driver(reports, target, seed, None)
}

pub fn render_with_driver(
    reports: &[ScenarioReport],
    target: &str,
    seed: u64,
    driver: Option<&super::DriverInfo>,
) -> String {
    let c = super::human::counts(reports);
    let doc = Doc {
        schema_version: SCHEMA_VERSION,
        tool: "medusa-conform",
        version: env!("CARGO_PKG_VERSION"),
        target,
        seed,
        driver,
        summary: Summary {
            passed: c.passed,
            failed: c.failed,
            known_bugs: c.known_bugs,
            skipped: c.skipped,
            not_applicable: c.not_applicable,
        },
        scenarios: reports,
    };
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}
