//! What a run produced, step by step: the records every reporter reads. They are built by
//! `run` with every secret already masked, so reporters cannot leak what they never see.

use crate::scenario::source::Span;
use crate::specs::Violation;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Passed,
    Failed,
    /// Not run because an input it needs is missing (an unset variable in `requires.env`);
    /// `--fail-on-skip` makes this a failure.
    Skipped,
    /// A `known_bug` scenario whose bug still reproduces.
    KnownBug,
    /// Not run because it does not apply to this target or run ([`NotApplicable`] says why);
    /// never a failure, whatever `--fail-on-skip` says.
    NotApplicable,
}

/// Why a scenario does not apply. One variant per reason, so reporters and the exit code can
/// tell them apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum NotApplicable {
    /// `requires.scheme` differs from the target's scheme.
    Scheme { required: String, target: String },
    /// The run's mode cannot carry the scenario out: through a client driver (a raw request,
    /// a forged bearer, an operation the client does not offer…) or, for
    /// `requires: {driver: true}`, without one.
    Mode { why: String },
    /// A `level: exact` scenario in a run without `--strict` (docs/levels.md).
    ExactLevel,
}

impl std::fmt::Display for NotApplicable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotApplicable::Scheme { required, target } => write!(
                f,
                "not applicable: requires an {required} target (this one is {target})"
            ),
            NotApplicable::Mode { why } => f.write_str(why),
            NotApplicable::ExactLevel => {
                write!(f, "not applicable: exact-wire check: runs under --strict")
            }
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct KnownBugReport {
    pub issue: String,
    pub url: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScenarioReport {
    pub name: String,
    pub title: String,
    pub file: String,
    pub tags: Vec<String>,
    pub status: Status,
    pub duration_ms: u64,
    pub seed: u64,
    pub iteration: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub known_bug: Option<KnownBugReport>,
    /// Why it was skipped, or the known-bug verdict, in one line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_applicable: Option<NotApplicable>,
    pub steps: Vec<StepReport>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Setup,
    Steps,
    Teardown,
}

/// The phase as the text reports name it on a step's line.
impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Phase::Setup => "setup",
            Phase::Steps => "step",
            Phase::Teardown => "teardown",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Passed,
    Failed,
    /// No response at all (connection, timeout, template error).
    Error,
    NotRun,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    pub phase: Phase,
    pub name: String,
    pub actor: String,
    pub position: String,
    pub status: StepStatus,
    pub duration_ms: u64,
    pub attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub failures: Vec<CheckFailure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<ResponseRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub curl: Option<String>,
    #[serde(skip)]
    pub span: Option<Span>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckFailure {
    /// Which check: `status`, `json $.customer.id`, `cookie connect.sid`, `schema StoreAuthRes`…
    pub check: String,
    pub position: String,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diff: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<Violation>,
    #[serde(skip)]
    pub span: Option<Span>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RequestRecord {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResponseRecord {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub truncated: bool,
}

impl ScenarioReport {
    /// The steps that failed (checks or errors).
    pub fn failed_steps(&self) -> impl Iterator<Item = &StepReport> {
        self.steps
            .iter()
            .filter(|s| matches!(s.status, StepStatus::Failed | StepStatus::Error))
    }
}

impl StepReport {
    /// A step's record before it runs: nothing sent, nothing received, nothing failed yet.
    pub fn new(phase: Phase, name: String, actor: String, position: String) -> Self {
        StepReport {
            phase,
            name,
            actor,
            position,
            status: StepStatus::NotRun,
            duration_ms: 0,
            attempts: 0,
            error: None,
            failures: vec![],
            request: None,
            response: None,
            curl: None,
            span: None,
        }
    }
}
