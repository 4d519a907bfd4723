//! The compiled plan: what a scenario becomes once every template, JSONPath, regex, predicate
//! and schema name in it has been checked. The engine runs these types and never sees YAML.

use crate::engine::operation::Op;
use crate::lang::predicate::Pred;
use crate::lang::template::JsonTemplate;
use crate::scenario::source::{SourceFile, Span};
use std::sync::Arc;
use std::time::Duration;

pub const DEFAULT_STEP_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_SCENARIO_TIMEOUT: Duration = Duration::from_secs(120);
pub const DEFAULT_ACTOR: &str = "default";

/// Variables every scenario has: the target's base URL and whether it is https (production
/// Medusa deployments are served over https and then send `Secure` cookies).
pub const BUILTIN_VARS: &[&str] = &["target_url", "target_https", "publishable_key"];

#[derive(Debug, Clone)]
pub struct KnownBug {
    pub issue: String,
    pub reason: String,
    pub url: String,
    pub step: Option<String>,
    /// Only through a driver for this client library (see `KnownBugDoc::client`).
    pub client: Option<String>,
}

/// Which expectations a scenario or an expectation belongs to (docs/levels.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Level {
    /// What a client or storefront relies on: checked by every run.
    #[default]
    Contract,
    /// Fidelity to the 1.20.11 wire beyond that: checked only under `--strict`.
    Exact,
}

/// A scenario ready to run.
#[derive(Debug)]
pub struct Scenario {
    pub name: String,
    /// The API the scenario speaks (`api:`, src/api/).
    pub api: &'static str,
    /// `Exact`: the whole scenario is about wire fidelity and runs only under `--strict`.
    pub level: Level,
    /// `--strict`: check the exact level too (set by `harness::prepare` from the options).
    pub strict: bool,
    pub title: String,
    pub description: String,
    pub tags: Vec<String>,
    pub file: Arc<SourceFile>,
    pub requires_env: Vec<String>,
    pub requires_scheme: Option<String>,
    pub known_bug: Option<KnownBug>,
    pub vars: Vec<(String, JsonTemplate, bool)>,
    pub setup: Vec<Step>,
    pub steps: Vec<Step>,
    pub teardown: Vec<Step>,
    pub timeout: Duration,
    /// Why a client API cannot express this scenario (empty: it can); see `driver::applicable`.
    pub client_blockers: Vec<String>,
    /// `requires: {driver: true}`.
    pub requires_driver: bool,
}

/// What the step sends as a bearer token.
#[expect(
    clippy::large_enum_variant,
    reason = "built once per step at plan time: boxing the big variant would buy nothing"
)]
#[derive(Debug, Clone)]
pub enum Bearer {
    /// The actor's token from `get_token`, if any (the JS client's behaviour).
    ActorToken,
    None,
    Given(JsonTemplate),
    Jwt(JwtSpec),
}

#[derive(Debug, Clone)]
pub struct JwtSpec {
    pub from: Option<JsonTemplate>,
    pub claims: JsonTemplate,
    pub header: JsonTemplate,
    pub alg: Option<String>,
    pub secret: Option<JsonTemplate>,
    pub keep_signature: bool,
    pub tamper_signature: bool,
}

#[derive(Debug)]
pub struct Step {
    pub name: String,
    pub span: Span,
    pub actor: String,
    pub op: Op,
    pub send_cookies: bool,
    pub bearer: Bearer,
    pub headers: Vec<(String, JsonTemplate)>,
    pub retry: Option<(u32, Duration)>,
    pub timeout: Duration,
    pub expects: Vec<Expectation>,
    pub captures: Vec<Capture>,
}

#[derive(Debug)]
pub struct Expectation {
    pub span: Span,
    pub kind: Check,
    /// From an `exact:` block: checked only under `--strict`.
    pub exact: bool,
}

#[derive(Debug)]
pub enum StatusSpec {
    Codes(Vec<u16>),
    Class(u16),
}

/// One attribute check on a Set-Cookie.
#[derive(Debug)]
pub struct CookieAttr {
    pub attr: String,
    pub pred: Pred,
}

#[derive(Debug)]
pub enum Check {
    Status(StatusSpec),
    ContentType(Pred),
    Header(String, Pred),
    CookieAbsent(String),
    Cookie(String, Vec<CookieAttr>),
    Json(serde_json_path::JsonPath, String, Pred),
    Body(Pred),
    /// Both levels of the schema: the relaxed one by default, as written under `--strict`.
    Schema(String, crate::specs::Compiled),
    Jwt(Box<JwtCheck>),
    /// `outcome:` — `resolved` or `rejected`.
    Outcome(Pred),
    /// `sent:` — field (method, path, cookie, bearer, body_keys) and predicate.
    Sent(Vec<(String, Pred)>),
}

#[derive(Debug)]
pub struct JwtCheck {
    pub from: serde_json_path::JsonPath,
    pub from_text: String,
    pub header: Vec<(String, Pred)>,
    pub claims: Vec<(String, Pred)>,
    pub lifetime: Option<Pred>,
    pub issued_within: Option<u64>,
}

#[derive(Debug)]
pub enum CaptureFrom {
    Json(serde_json_path::JsonPath, String),
    Header(String),
    Cookie {
        name: String,
        attr: Option<String>,
        jar: bool,
    },
    Regex(regex::Regex, usize),
    Status,
}

#[derive(Debug)]
pub struct Capture {
    pub name: String,
    pub span: Span,
    pub from: CaptureFrom,
    pub secret: bool,
}
