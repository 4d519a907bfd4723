//! `medusa-conform import curl '<command>'`: turns a pasted curl command line (from a bug report,
//! a browser's "Copy as cURL", a terminal history) into a scenario step, so reproducing a report
//! takes a minute instead of hand-translating headers and bodies.
//!
//! The pipeline is pure text → text, no I/O, no environment, one module per stage:
//! 1. `shell` splits the command like a POSIX shell would (quotes, `$'…'`, escapes, line
//!    continuations), because pasted commands are shell text, not argv.
//! 2. `options` interprets the curl options (method, URL, headers, cookies, data, `--json`,
//!    `-G`, `-u`); options that only change curl's output or transport are accepted and reported
//!    as warnings; anything else is an error naming the option, so nothing is silently
//!    mistranslated.
//! 3. `step` maps the request to the high-level operation (`authenticate`, `exists`, …) when
//!    it matches one exactly, otherwise to a raw `request:` step.
//! 4. `scrub` moves secrets (passwords, tokens, cookies, basic credentials) into variables
//!    whose scenario values are placeholders (`{{ env.MEDUSA_PASSWORD }}`, `CHANGE-ME`): bug
//!    reports get pasted into issues and commits, and the generated file must never carry the
//!    original values. [`Imported::vars`] still holds them for a caller that needs them; it is
//!    never rendered.
//! 5. `yaml` writes the step and the scenario around it.
//!
//! The HAR importer (`import::har`) reuses stages 3 to 5 over one shared variable table.

mod options;
mod scrub;
mod shell;
mod step;
mod yaml;

pub(crate) use options::CurlRequest;
pub use scrub::template_literal;
pub(crate) use scrub::{Kind, Vars, tpl};
pub use shell::shell_words;
pub(crate) use step::{BuiltStep, Url, build_step, split_url};
pub(crate) use yaml::{comment_text, emit_item, scenario_vars};
pub use yaml::{render_scenario, yaml_scalar};

use options::parse_args;
use shell::{Words, tokenize};
use std::fmt;

/// Why a command could not be imported. Messages never contain header values or bodies, since
/// those may hold secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("the command is empty")]
    Empty,
    #[error("`{0}` is not a curl command (expected it to start with `curl`)")]
    NotCurl(String),
    #[error("unterminated {quote} quote starting at character {position}")]
    UnterminatedQuote { quote: char, position: usize },
    #[error("unknown curl option `{0}`")]
    UnknownOption(String),
    #[error("curl option `{0}` needs an argument")]
    MissingArgument(String),
    #[error("curl option `{option}` is not supported: {reason}")]
    Unsupported { option: String, reason: String },
    #[error("no URL in the curl command")]
    NoUrl,
    #[error("{0} URLs in the curl command; import one request at a time")]
    SeveralUrls(usize),
    #[error("unsupported URL scheme `{0}`: only http and https requests can become a step")]
    Scheme(String),
}

/// A step imported from curl, plus everything needed to write a scenario around it.
#[derive(Clone, PartialEq)]
pub struct Imported {
    /// The step as a YAML mapping (no leading `- `), ending with comment lines (original host,
    /// notes, an `expect` placeholder).
    pub yaml: String,
    /// Values moved out of the request into variables: name → original value. Secret ones must
    /// not be printed; [`Imported::placeholders`] is what goes into a scenario.
    pub vars: Vec<(String, String)>,
    /// name → the value [`render_scenario`] writes under `vars:` (a placeholder for secrets, the
    /// original for e-mails and user names).
    pub placeholders: Vec<(String, String)>,
    /// Names of the variables that hold secrets.
    pub secret_vars: Vec<String>,
    /// Environment variables the placeholders read (`requires: env:` in the scenario).
    pub requires_env: Vec<String>,
    /// Options that were ignored and headers that were dropped (no values).
    pub warnings: Vec<String>,
    /// `scheme://host[:port]` of the pasted URL (without credentials).
    pub host: String,
    /// `METHOD /path`, used as the step and scenario name.
    pub title: String,
}

// Hand-written so that `{:?}` (in a panic, a log line) cannot leak the extracted secrets.
impl fmt::Debug for Imported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Imported")
            .field("yaml", &self.yaml)
            .field(
                "vars",
                &self
                    .vars
                    .iter()
                    .map(|(k, _)| k.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("placeholders", &self.placeholders)
            .field("secret_vars", &self.secret_vars)
            .field("requires_env", &self.requires_env)
            .field("warnings", &self.warnings)
            .field("host", &self.host)
            .field("title", &self.title)
            .finish()
    }
}

/// Parses a pasted curl command into a scenario step. Pure: no I/O, no environment.
pub fn curl_to_step(cmd: &str) -> Result<Imported, ImportError> {
    let Words { words, cut_at } = tokenize(cmd)?;
    let mut words = words.as_slice();
    // A pasted prompt: `$ curl …`.
    if words.first().is_some_and(|w| w == "$") {
        words = &words[1..];
    }
    let first = words.first().ok_or(ImportError::Empty)?;
    let program = first.rsplit(['/', '\\']).next().unwrap_or(first);
    if program.eq_ignore_ascii_case("curl") || program.eq_ignore_ascii_case("curl.exe") {
        words = &words[1..];
    } else if !first.starts_with('-') && !first.contains("://") {
        return Err(ImportError::NotCurl(first.clone()));
    }
    let mut r = parse_args(words)?;
    if let Some(op) = cut_at {
        r.warnings.push(format!(
            "ignored everything after the shell operator `{op}`"
        ));
    }
    let raw_url = match r.urls.len() {
        0 => return Err(ImportError::NoUrl),
        1 => r.urls[0].clone(),
        n => return Err(ImportError::SeveralUrls(n)),
    };
    let url = split_url(&raw_url)?;
    build(r, url)
}

/// The step and everything needed to write a scenario around it.
fn build(r: CurlRequest, url: Url) -> Result<Imported, ImportError> {
    let mut vars = Vars::default();
    let BuiltStep {
        step,
        notes,
        warnings,
        title,
    } = build_step(r, &url, &mut vars)?;
    let host = format!("{}://{}", url.scheme, url.host);
    let yaml = yaml::step_yaml(&step, &host, &notes);

    let secret_vars: Vec<String> = vars
        .defs
        .iter()
        .filter(|d| d.kind != Kind::Plain)
        .map(|d| d.name.clone())
        .collect();
    let mut requires_env = Vec::new();
    for d in vars.defs.iter().filter(|d| d.kind == Kind::Env) {
        requires_env.push(format!("MEDUSA_{}", d.name.to_ascii_uppercase()));
    }
    Ok(Imported {
        yaml,
        vars: vars
            .defs
            .iter()
            .map(|d| (d.name.clone(), d.original.clone()))
            .collect(),
        placeholders: vars
            .defs
            .iter()
            .map(|d| (d.name.clone(), d.placeholder.clone()))
            .collect(),
        secret_vars,
        requires_env,
        warnings,
        host,
        title,
    })
}
