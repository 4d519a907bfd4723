//! Compiles a parsed scenario into an executable plan ([`model`]): every template, JSONPath,
//! regex, predicate and schema name is checked here, with its file:line:col, before anything is
//! sent. Undefined variables are found by walking the steps in order (vars, then captures).
//!
//! This file holds the entry points ([`plan`]) and the [`Planner`]'s shared
//! compilers (templates, predicates, JSONPaths, durations); a step's operation and bearer are
//! compiled in `step.rs`, its `expect:` in `expect.rs`, its `capture:` in `capture.rs`.

mod capture;
mod expect;
mod model;
mod step;

pub use model::*;

use crate::diagnostic::Diagnostic;
use crate::lang::predicate::Pred;
use crate::lang::template::{JsonTemplate, ParseError};
use crate::report::secret::is_secret_name;
use crate::scenario::Spanned;
use crate::scenario::load::Loaded;
use crate::scenario::source::{SourceFile, Span};
use crate::scenario::{SValue, ScenarioDoc, SpannedMap, StepDoc};
use crate::specs::Specs;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

/// Compiles one loaded scenario. `cli_vars` are names given with `--var` (always defined).
pub fn plan(l: &Loaded, specs: &Specs, cli_vars: &[String]) -> Result<Scenario, Vec<Diagnostic>> {
    let d: &ScenarioDoc = &l.doc;
    let mut p = Planner::new(&l.file, specs, cli_vars);
    if let Some(a) = &d.api {
        p.select_api(a);
    }
    let vars = p.vars(d);
    let all: Vec<&Spanned<StepDoc>> = d.setup.iter().chain(&d.steps).chain(&d.teardown).collect();
    let client_blockers = crate::driver::applicable::reasons(&l.file, &all);
    let setup = p.phase(&d.setup, "setup");
    let steps = p.phase(&d.steps, "steps");
    let teardown = p.phase(&d.teardown, "teardown");
    if steps.is_empty() && p.problems.is_empty() {
        p.err(
            Span::new(&l.file, d.name.loc),
            "a scenario needs at least one step",
            None,
        );
    }
    // `covers:` names cells of the pack's coverage map (checked against the map built in).
    p.problems
        .extend(crate::coverage::check_covers(&l.name, &d.covers, &l.file));
    let known_bug = d.known_bug.as_ref().map(|k| p.known_bug(k, &steps));
    let requires = d.requires.as_ref();
    let requires_scheme = requires
        .and_then(|r| r.scheme.as_ref())
        .and_then(|s| p.scheme(s));
    let timeout = d
        .timeout
        .as_ref()
        .map(|t| p.duration(t))
        .unwrap_or(DEFAULT_SCENARIO_TIMEOUT);
    let level = d.level.as_ref().map_or(Level::Contract, |l| p.level(l));
    if !p.problems.is_empty() {
        return Err(p.problems);
    }
    Ok(Scenario {
        api: p.api.name,
        name: l.name.clone(),
        level,
        strict: false,
        title: d.name.value.clone(),
        description: d.description.clone().unwrap_or_default(),
        tags: d.tags.iter().map(|t| t.value.clone()).collect(),
        file: l.file.clone(),
        requires_env: requires
            .map(|r| r.env.iter().map(|e| e.value.clone()).collect())
            .unwrap_or_default(),
        requires_scheme,
        known_bug,
        vars,
        setup,
        steps,
        teardown,
        timeout,
        client_blockers,
        requires_driver: requires
            .and_then(|r| r.driver.as_ref())
            .is_some_and(|b| b.value),
    })
}

/// `medusajs/medusa#5930` → its GitHub URL.
pub fn issue_url(issue: &str) -> String {
    match issue.split_once('#') {
        Some((repo, n)) if repo.contains('/') => format!("https://github.com/{repo}/issues/{n}"),
        _ => issue.to_string(),
    }
}

/// One scenario's compilation: where it comes from, what is defined so far, what went wrong.
struct Planner<'a> {
    file: &'a Arc<SourceFile>,
    specs: &'a Specs,
    problems: Vec<Diagnostic>,
    defined: HashSet<String>,
    /// The API the scenario speaks (`api:`), whose table `call:` steps use.
    api: &'static crate::api::Api,
}

fn suggest(word: &str, options: &[&str]) -> Option<String> {
    crate::suggest::did_you_mean(word, options.iter().copied())
}

/// The scenario-level keys.
impl<'a> Planner<'a> {
    fn new(file: &'a Arc<SourceFile>, specs: &'a Specs, cli_vars: &[String]) -> Self {
        Planner {
            file,
            specs,
            problems: Vec::new(),
            defined: cli_vars
                .iter()
                .cloned()
                .chain(BUILTIN_VARS.iter().map(|s| s.to_string()))
                .collect(),
            api: crate::api::find(crate::api::DEFAULT_API).expect("the default API is built in"),
        }
    }

    /// `api:` picks the operation table `call:` steps use.
    fn select_api(&mut self, a: &Spanned<String>) {
        match crate::api::find(&a.value) {
            Some(api) => self.api = api,
            None => {
                let names: Vec<&str> = crate::api::APIS.iter().map(|a| a.name).collect();
                self.err(
                    self.span(a),
                    format!("unknown API `{}`", a.value),
                    suggest(&a.value, &names)
                        .or_else(|| Some(format!("known APIs: {}", names.join(", ")))),
                );
            }
        }
    }

    /// `vars:` in order (each may use the ones before it), marked secret by `secrets:` or name.
    fn vars(&mut self, d: &ScenarioDoc) -> Vec<(String, JsonTemplate, bool)> {
        let secrets: HashSet<&str> = d.secrets.iter().map(|s| s.value.as_str()).collect();
        let mut vars = Vec::new();
        for (k, v) in &d.vars.0 {
            let t = self.json_template(v);
            self.defined.insert(k.value.clone());
            let secret = secrets.contains(k.value.as_str()) || is_secret_name(&k.value);
            vars.push((k.value.clone(), t, secret));
        }
        vars
    }

    fn phase(&mut self, steps: &[Spanned<StepDoc>], name: &str) -> Vec<Step> {
        steps
            .iter()
            .enumerate()
            .filter_map(|(i, s)| self.step(s, name, i))
            .collect()
    }

    fn known_bug(&mut self, k: &Spanned<crate::scenario::KnownBugDoc>, steps: &[Step]) -> KnownBug {
        let issue = k.value.issue.clone();
        let url = k.value.url.clone().unwrap_or_else(|| issue_url(&issue));
        if let Some(s) = &k.value.step
            && !steps.iter().any(|st| st.name == s.value)
        {
            let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
            self.err(
                self.span(s),
                format!(
                    "known_bug names step `{}`, which is not in `steps`",
                    s.value
                ),
                suggest(&s.value, &names),
            );
        }
        KnownBug {
            issue,
            reason: k.value.reason.clone(),
            url,
            step: k.value.step.as_ref().map(|s| s.value.clone()),
            client: k.value.client.clone(),
        }
    }

    fn scheme(&mut self, s: &Spanned<String>) -> Option<String> {
        if s.value == "http" || s.value == "https" {
            Some(s.value.clone())
        } else {
            self.err(
                self.span(s),
                format!("`scheme` is `http` or `https`, not `{}`", s.value),
                None,
            );
            None
        }
    }

    fn level(&mut self, l: &Spanned<String>) -> Level {
        match l.value.as_str() {
            "contract" => Level::Contract,
            "exact" => Level::Exact,
            other => {
                self.err(
                    self.span(l),
                    format!("`level` is `contract` or `exact`, not `{other}`"),
                    suggest(other, crate::scenario::LEVELS),
                );
                Level::Contract
            }
        }
    }
}

/// What every part of a scenario is compiled with.
impl Planner<'_> {
    fn span<T>(&self, s: &Spanned<T>) -> Span {
        Span::new(self.file, s.loc)
    }

    fn err(&mut self, span: Span, msg: impl Into<String>, help: Option<String>) {
        let mut d = Diagnostic::new(msg).at(span);
        d.help = help;
        self.problems.push(d);
    }

    fn use_vars(&mut self, span: &Span, v: &Value, names: Vec<String>) {
        for n in names {
            if !self.defined.contains(&n) {
                let known: Vec<&str> = self.defined.iter().map(String::as_str).collect();
                let help = suggest(&n, &known).unwrap_or_else(|| {
                    "define it under `vars:`, capture it in an earlier step, or pass --var NAME=VALUE".into()
                });
                let at = self.place_of_var(span, v, &n);
                self.err(at, format!("undefined variable `{n}`"), Some(help));
            }
        }
    }

    /// The place of the key at `keys` inside the map written at `span` (else `span`).
    fn key_span(&self, span: &Span, keys: &[&str]) -> Span {
        let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        crate::scenario::yaml::locate::key(&self.file.text, span.loc, &keys)
            .map_or_else(|| span.clone(), |loc| Span::new(self.file, loc))
    }

    /// Where `name` is used inside `v` (written at `span`): the first string naming it, so a
    /// diagnostic points at `"{{ emial }}"` rather than at the whole body.
    fn place_of_var(&self, span: &Span, v: &Value, name: &str) -> Span {
        use crate::scenario::yaml::locate::{self, Step};
        fn path_to(v: &Value, name: &str, path: &mut Vec<Step>) -> bool {
            match v {
                Value::String(s) => JsonTemplate::compile(v)
                    .is_ok_and(|t| s.contains("{{") && t.variables().iter().any(|x| x == name)),
                Value::Array(items) => items.iter().enumerate().any(|(i, x)| {
                    path.push(Step::Index(i));
                    let found = path_to(x, name, path);
                    if !found {
                        path.pop();
                    }
                    found
                }),
                Value::Object(map) => map.iter().any(|(k, x)| {
                    path.push(Step::Key(k.clone()));
                    let found = path_to(x, name, path);
                    if !found {
                        path.pop();
                    }
                    found
                }),
                _ => false,
            }
        }
        let mut path = Vec::new();
        if !path_to(v, name, &mut path) || path.is_empty() {
            return span.clone();
        }
        locate::value(&self.file.text, span.loc, &path)
            .map_or_else(|| span.clone(), |loc| Span::new(self.file, loc))
    }

    fn json_template(&mut self, v: &SValue) -> JsonTemplate {
        let span = self.span(v);
        self.template_at(&span, &v.value)
            .unwrap_or(JsonTemplate::Const(Value::Null))
    }

    /// Compiles a template found inside a value at `span`; `None` (reported) if it is invalid.
    fn template_at(&mut self, span: &Span, v: &Value) -> Option<JsonTemplate> {
        match JsonTemplate::compile(v) {
            Ok(t) => {
                self.use_vars(span, v, t.variables());
                Some(t)
            }
            Err(ParseError { message, help, .. }) => {
                self.err(span.clone(), format!("invalid template: {message}"), help);
                None
            }
        }
    }

    fn pred(&mut self, v: &SValue) -> Pred {
        let span = self.span(v);
        self.pred_at(&span, &v.value).unwrap_or(Pred::Absent(false))
    }

    /// Compiles a predicate found inside a value at `span`; `None` (reported) if it is invalid.
    fn pred_at(&mut self, span: &Span, v: &Value) -> Option<Pred> {
        match Pred::compile(v) {
            Ok(p) => {
                self.use_vars(span, v, p.variables());
                Some(p)
            }
            Err(e) => {
                // Point at the offending key inside the predicate when there is one.
                let at = crate::scenario::yaml::locate::key(&self.file.text, span.loc, &e.path)
                    .map_or_else(|| span.clone(), |loc| Span::new(self.file, loc));
                self.err(at, e.message, e.help);
                None
            }
        }
    }

    fn jsonpath(&mut self, span: Span, text: &str) -> Option<serde_json_path::JsonPath> {
        match serde_json_path::JsonPath::parse(text) {
            Ok(p) => Some(p),
            Err(e) => {
                self.err(
                    span,
                    format!("invalid JSONPath `{text}`: {e}"),
                    Some("JSONPath (RFC 9535) starts with `$`, e.g. `$.customer.id`".into()),
                );
                None
            }
        }
    }

    fn duration(&mut self, s: &Spanned<String>) -> Duration {
        crate::scenario::duration::parse(&s.value).unwrap_or_else(|| {
            self.err(
                self.span(s),
                format!("`{}` is not a duration", s.value),
                Some("write e.g. `500ms`, `5s` or `2m`".into()),
            );
            DEFAULT_STEP_TIMEOUT
        })
    }

    fn map(&mut self, m: &SpannedMap<SValue>) -> Vec<(String, JsonTemplate)> {
        m.0.iter()
            .map(|(k, v)| (k.value.clone(), self.json_template(v)))
            .collect()
    }
}
