//! Compiles a parsed scenario into an executable plan: every template, JSONPath, regex,
//! predicate and schema name is checked here, with its file:line:col, before anything is sent.
//! Undefined variables are found by walking the steps in order (vars, then captures).

use crate::diagnostic::Diagnostic;
use crate::scenario::load::Loaded;
use crate::engine::operation::Op;
use crate::lang::predicate::Pred;
use crate::scenario::{OPERATIONS, SValue, ScenarioDoc, SpannedMap, StepDoc};
use crate::scenario::source::{Loc, SourceFile, Span};
use crate::specs::Specs;
use crate::lang::template::{ParseError, TValue};
use serde_json::Value;
use serde_saphyr::Spanned;
use std::collections::HashSet;
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
    pub vars: Vec<(String, TValue, bool)>,
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
// Built once per step at plan time: boxing the big variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Bearer {
    /// The actor's token from `get_token`, if any (the JS client's behaviour).
    Session,
    None,
    Given(TValue),
    Jwt(JwtSpec),
}

#[derive(Debug, Clone)]
pub struct JwtSpec {
    pub from: Option<TValue>,
    pub claims: TValue,
    pub header: TValue,
    pub alg: Option<String>,
    pub secret: Option<TValue>,
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
    pub headers: Vec<(String, TValue)>,
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

// The allowed keys of the sub-documents checked below, from the scenario format's one definition.
use crate::scenario::shape::{CAPTURE_KEYS, COOKIE_ATTRS, EXISTS_KEYS, JWT_KEYS, SENT_FIELDS};

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

impl Planner<'_> {
    fn span<T>(&self, s: &Spanned<T>) -> Span {
        Span::new(self.file, Loc::from_saphyr(&s.referenced))
    }

    fn err(&mut self, span: Span, msg: impl Into<String>, help: Option<String>) {
        let mut d = Diagnostic::new(msg).at(span);
        d.help = help;
        self.problems.push(d);
    }

    fn template_err(&mut self, span: Span, e: ParseError) {
        self.err(span, format!("invalid template: {}", e.message), e.help);
    }

    fn use_vars(&mut self, span: &Span, names: Vec<String>) {
        for n in names {
            if !self.defined.contains(&n) {
                let known: Vec<&str> = self.defined.iter().map(String::as_str).collect();
                let help = suggest(&n, &known).unwrap_or_else(|| {
                    "define it under `vars:`, capture it in an earlier step, or pass --var NAME=VALUE".into()
                });
                self.err(
                    span.clone(),
                    format!("undefined variable `{n}`"),
                    Some(help),
                );
            }
        }
    }

    fn tvalue(&mut self, v: &SValue) -> TValue {
        let span = self.span(v);
        match TValue::compile(&v.value) {
            Ok(t) => {
                self.use_vars(&span, t.variables());
                t
            }
            Err(e) => {
                self.template_err(span, e);
                TValue::Const(Value::Null)
            }
        }
    }

    fn pred(&mut self, v: &SValue) -> Pred {
        let span = self.span(v);
        match Pred::compile(&v.value) {
            Ok(p) => {
                self.use_vars(&span, p.variables());
                p
            }
            Err(e) => {
                self.err(span, e.message, e.help);
                Pred::Absent(false)
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

    fn step(&mut self, s: &Spanned<StepDoc>, phase: &str, index: usize) -> Option<Step> {
        let d = &s.value;
        let span = self.span(s);
        let ops: Vec<(&str, Option<&SValue>)> = vec![
            ("authenticate", d.authenticate.as_ref()),
            ("get_session", d.get_session.as_ref()),
            ("exists", d.exists.as_ref()),
            ("get_token", d.get_token.as_ref()),
            ("delete_session", d.delete_session.as_ref()),
            ("register", d.register.as_ref()),
        ];
        let mut present: Vec<&str> = ops
            .iter()
            .filter(|(_, v)| v.is_some())
            .map(|(k, _)| *k)
            .collect();
        if d.request.is_some() {
            present.push("request");
        }
        if d.call.is_some() {
            present.push("call");
        } else if let Some(w) = &d.args {
            self.err(
                self.span(w),
                "`with:` gives the arguments of a `call:`, and this step has none",
                Some(format!(
                    "add `call: NAME`; {} offers: {}",
                    self.api.name,
                    self.api.op_names().join(", ")
                )),
            );
        }
        // The v1 step keys belong to the v1 API.
        if self.api.name != crate::api::DEFAULT_API
            && let Some(k) = present.iter().find(|k| **k != "request" && **k != "call")
        {
            self.err(
                span.clone(),
                format!(
                    "`{k}` is a {} operation; this scenario speaks {}",
                    crate::api::DEFAULT_API,
                    self.api.name
                ),
                Some(format!(
                    "use `call:` with one of: {}",
                    self.api.op_names().join(", ")
                )),
            );
            return None;
        }
        if present.len() != 1 {
            let msg = if present.is_empty() {
                format!("{phase} step {} has no operation", index + 1)
            } else {
                format!(
                    "{phase} step {} has {} operations ({}); a step sends one request",
                    index + 1,
                    present.len(),
                    present.join(", ")
                )
            };
            self.err(
                span,
                msg,
                Some(format!(
                    "use exactly one of: {}",
                    OPERATIONS.join(", ")
                )),
            );
            return None;
        }
        let op_name = present[0];
        let op = if let Some(c) = &d.call {
            let Some(api_op) = self.api.op(&c.value) else {
                let names = self.api.op_names();
                self.err(
                    self.span(c),
                    format!("{} has no operation `{}`", self.api.name, c.value),
                    suggest(&c.value, &names)
                        .or_else(|| Some(format!("its operations: {}", names.join(", ")))),
                );
                return None;
            };
            if let Some(w) = &d.args {
                match &w.value {
                    Value::Null => {}
                    Value::Object(m) => {
                        if let Some(allowed) = api_op.args {
                            let mut ok: Vec<&str> = allowed.to_vec();
                            ok.extend(api_op.placeholders());
                            if let crate::api::Cred::Arg(a) = api_op.cred {
                                ok.push(a);
                            }
                            for k in m.keys().filter(|k| !ok.contains(&k.as_str())) {
                                self.err(
                                    self.span(w),
                                    format!("`{}` has no argument `{k}`", api_op.name),
                                    suggest(k, &ok)
                                        .or_else(|| Some(format!("it takes: {}", ok.join(", ")))),
                                );
                            }
                        }
                    }
                    _ => self.err(
                        self.span(w),
                        format!("`with:` takes a map (the arguments of `{}`)", api_op.name),
                        None,
                    ),
                }
            }
            let args = d
                .args
                .as_ref()
                .map(|w| self.tvalue(w))
                .unwrap_or(TValue::Const(Value::Null));
            Op::Api {
                api: self.api,
                op: api_op,
                args,
            }
        } else if let Some(r) = &d.request {
            let rs = self.span(r);
            let r = &r.value;
            let method = r.method.value.to_ascii_uppercase();
            if reqwest::Method::from_bytes(method.as_bytes()).is_err() {
                self.err(
                    self.span(&r.method),
                    format!("`{}` is not an HTTP method", r.method.value),
                    None,
                );
            }
            if r.json.is_some() && r.body.is_some() {
                self.err(rs, "a request has either `json` or `body`, not both", None);
            }
            Op::Request {
                method,
                path: self.tvalue(&r.path),
                query: self.map(&r.query),
                headers: self.map(&r.headers),
                json: r.json.as_ref().map(|j| self.tvalue(j)),
                body: r.body.as_ref().map(|b| self.tvalue(b)),
            }
        } else {
            let arg = ops
                .iter()
                .find(|(k, _)| *k == op_name)
                .and_then(|(_, v)| *v)
                .unwrap();
            let aspan = self.span(arg);
            match (&arg.value, op_name) {
                (Value::Null, _) | (Value::Object(_), _) => {}
                _ => self.err(
                    aspan.clone(),
                    format!("`{op_name}` takes a map (the request body), e.g. `{op_name}: {{}}`"),
                    None,
                ),
            }
            let body = self.tvalue(arg);
            match op_name {
                "authenticate" => Op::Authenticate(body),
                "get_token" => Op::GetToken(body),
                "register" => Op::Register(body),
                "get_session" => Op::GetSession,
                "delete_session" => Op::DeleteSession,
                _ => {
                    let email = arg.value.get("email").cloned();
                    let encode = arg
                        .value
                        .get("encode")
                        .and_then(Value::as_bool)
                        .unwrap_or(true);
                    if let Some(o) = arg.value.as_object() {
                        for k in o.keys().filter(|k| !EXISTS_KEYS.contains(&k.as_str())) {
                            self.err(
                                aspan.clone(),
                                format!("`exists` has no argument `{k}`"),
                                Some("`exists` takes `email` and `encode`".into()),
                            );
                        }
                    }
                    match email {
                        Some(e) => Op::Exists {
                            email: TValue::compile(&e).unwrap_or(TValue::Const(Value::Null)),
                            encode,
                        },
                        None => {
                            self.err(
                                aspan,
                                "`exists` needs an `email`",
                                Some("write `exists: {email: \"{{ email }}\"}`".into()),
                            );
                            return None;
                        }
                    }
                }
            }
        };
        use crate::api::Cred;
        let cred = op.api_op().map(|o| o.cred);
        let bearer = match &d.bearer {
            None if matches!(cred, Some(Cred::None | Cred::Cookie | Cred::Arg(_))) => Bearer::None,
            None => Bearer::Session,
            Some(b) => match &b.value {
                Value::Bool(false) | Value::Null => Bearer::None,
                Value::String(_) => Bearer::Given(self.tvalue(b)),
                Value::Object(o) if o.contains_key("jwt") => self.jwt_spec(b)?,
                _ => {
                    self.err(
                        self.span(b),
                        "`bearer` is `false`, a token string, or `{jwt: {...}}`",
                        None,
                    );
                    Bearer::None
                }
            },
        };
        let mut expects = Vec::new();
        if let Some(e) = &d.expect {
            self.expect(e, &mut expects);
        }
        let captures = self.captures(&d.capture);
        let retry = d.retry.as_ref().map(|r| {
            let iv = match &r.value.interval {
                Some(i) => self.duration(i),
                None => Duration::from_millis(500),
            };
            (r.value.times, iv)
        });
        let name = d
            .name
            .as_ref()
            .map(|n| n.value.clone())
            .or_else(|| d.call.as_ref().map(|c| c.value.clone()))
            .unwrap_or_else(|| op_name.to_string());
        Some(Step {
            name,
            span,
            actor: d
                .actor
                .as_ref()
                .map(|a| a.value.clone())
                .unwrap_or_else(|| DEFAULT_ACTOR.into()),
            op,
            send_cookies: d.cookies.as_ref().map(|c| c.value).unwrap_or(!matches!(
                cred,
                Some(Cred::None | Cred::Bearer | Cred::Arg(_))
            )),
            bearer,
            headers: self.map(&d.headers),
            retry,
            timeout: d
                .timeout
                .as_ref()
                .map(|t| self.duration(t))
                .unwrap_or(DEFAULT_STEP_TIMEOUT),
            expects,
            captures,
        })
    }

    fn map(&mut self, m: &SpannedMap<SValue>) -> Vec<(String, TValue)> {
        m.0.iter()
            .map(|(k, v)| (k.value.clone(), self.tvalue(v)))
            .collect()
    }

    fn jwt_spec(&mut self, b: &SValue) -> Option<Bearer> {
        let span = self.span(b);
        let Some(spec) = b.value.get("jwt").and_then(Value::as_object) else {
            self.err(span, "`jwt` takes a map", None);
            return None;
        };
        for k in spec.keys() {
            if !JWT_KEYS.contains(&k.as_str()) {
                self.err(
                    span.clone(),
                    format!("`jwt` has no key `{k}`"),
                    suggest(k, &JWT_KEYS),
                );
            }
        }
        let tv = |v: Option<&Value>, this: &mut Self| -> Option<TValue> {
            let v = v?;
            match TValue::compile(v) {
                Ok(t) => {
                    this.use_vars(&span, t.variables());
                    Some(t)
                }
                Err(e) => {
                    this.template_err(span.clone(), e);
                    None
                }
            }
        };
        let empty = Value::Object(Default::default());
        let claims = tv(Some(spec.get("claims").unwrap_or(&empty)), self)?;
        let header = tv(Some(spec.get("header").unwrap_or(&empty)), self)?;
        let alg = spec.get("alg").and_then(Value::as_str).map(str::to_string);
        if let Some(a) = &alg
            && !["HS256", "HS384", "HS512", "none"].contains(&a.as_str())
        {
            self.err(
                span.clone(),
                format!("unsupported alg `{a}`"),
                Some("use HS256, HS384, HS512 or none".into()),
            );
        }
        Some(Bearer::Jwt(JwtSpec {
            from: tv(spec.get("from"), self),
            claims,
            header,
            alg,
            secret: tv(spec.get("secret"), self),
            keep_signature: spec
                .get("keep_signature")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            tamper_signature: spec
                .get("tamper_signature")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        }))
    }

    /// Compiles `expect:`; its `exact:` block is compiled the same way, marked exact.
    fn expect(&mut self, e: &Spanned<crate::scenario::ExpectDoc>, out: &mut Vec<Expectation>) {
        self.expect_level(&e.value, out);
        let contract = out.len();
        if let Some(x) = &e.value.exact {
            if x.value.exact.is_some() {
                self.err(
                    self.span(x),
                    "`exact:` cannot hold another `exact:`",
                    Some(
                        "everything inside `exact:` is already checked only under --strict".into(),
                    ),
                );
            }
            self.expect_level(&x.value, out);
            out[contract..].iter_mut().for_each(|e| e.exact = true);
        }
    }

    fn expect_level(&mut self, d: &crate::scenario::ExpectDoc, out: &mut Vec<Expectation>) {
        if let Some(s) = &d.status {
            let span = self.span(s);
            // An HTTP status is 100–599; anything else (70000 would wrap as u16) is a typo.
            let code = |v: &Value| {
                v.as_u64()
                    .filter(|c| (100..=599).contains(c))
                    .map(|c| c as u16)
            };
            let spec = match &s.value {
                Value::Number(_) => code(&s.value).map(|c| StatusSpec::Codes(vec![c])),
                Value::Array(a) => a
                    .iter()
                    .map(code)
                    .collect::<Option<Vec<_>>>()
                    .map(StatusSpec::Codes),
                Value::String(c) if c.len() == 3 && c.ends_with("xx") => c[..1]
                    .parse()
                    .ok()
                    .filter(|d| (1..=5).contains(d))
                    .map(StatusSpec::Class),
                _ => None,
            };
            match spec {
                Some(k) => out.push(Expectation {
                    span,
                    exact: false,
                    kind: Check::Status(k),
                }),
                None => self.err(
                    span,
                    "`status` is a code from 100 to 599 (200), a list ([200, 204]) or a class (\"4xx\")",
                    None,
                ),
            }
        }
        if let Some(ct) = &d.content_type {
            let span = self.span(ct);
            out.push(Expectation {
                span,
                exact: false,
                kind: Check::ContentType(self.pred(ct)),
            });
        }
        for (k, v) in &d.headers.0 {
            let span = self.span(v);
            out.push(Expectation {
                span,
                exact: false,
                kind: Check::Header(k.value.to_ascii_lowercase(), self.pred(v)),
            });
        }
        for (k, v) in &d.cookies.0 {
            let span = self.span(v);
            let Some(map) = v.value.as_object() else {
                self.err(span, "a cookie expectation is a map: `{}` (set), `{absent: true}`, or attributes like `{http_only: true}`", None);
                continue;
            };
            if map.get("absent").and_then(Value::as_bool) == Some(true) {
                out.push(Expectation {
                    span,
                    exact: false,
                    kind: Check::CookieAbsent(k.value.clone()),
                });
                continue;
            }
            let mut attrs = Vec::new();
            for (a, pv) in map {
                if a == "absent" {
                    continue;
                }
                if !COOKIE_ATTRS.contains(&a.as_str()) {
                    self.err(
                        span.clone(),
                        format!("unknown cookie attribute `{a}`"),
                        suggest(a, &COOKIE_ATTRS)
                            .or(Some(format!("attributes: {}", COOKIE_ATTRS.join(", ")))),
                    );
                    continue;
                }
                match Pred::compile(pv) {
                    Ok(p) => {
                        self.use_vars(&span, p.variables());
                        attrs.push(CookieAttr {
                            attr: a.clone(),
                            pred: p,
                        });
                    }
                    Err(e) => self.err(span.clone(), e.message, e.help),
                }
            }
            out.push(Expectation {
                span,
                exact: false,
                kind: Check::Cookie(k.value.clone(), attrs),
            });
        }
        for (k, v) in &d.json.0 {
            let kspan = self.span(k);
            let span = self.span(v);
            if let Some(p) = self.jsonpath(kspan, &k.value) {
                out.push(Expectation {
                    span,
                    exact: false,
                    kind: Check::Json(p, k.value.clone(), self.pred(v)),
                });
            }
        }
        if let Some(b) = &d.body {
            let span = self.span(b);
            out.push(Expectation {
                span,
                exact: false,
                kind: Check::Body(self.pred(b)),
            });
        }
        if let Some(s) = &d.schema {
            let span = self.span(s);
            match self.specs.get(&s.value) {
                Some(v) => out.push(Expectation {
                    span,
                    exact: false,
                    kind: Check::Schema(s.value.clone(), v),
                }),
                None => {
                    let help = self.specs.suggest(&s.value);
                    self.err(span, format!("unknown schema `{}`", s.value), Some(help));
                }
            }
        }
        if let Some(s) = &d.sent {
            let span = self.span(s);
            match s.value.as_object() {
                Some(o) if !o.is_empty() => {
                    let mut fields = Vec::new();
                    for (k, v) in o {
                        if !SENT_FIELDS.contains(&k.as_str()) {
                            self.err(
                                span.clone(),
                                format!("`sent` has no field `{k}`"),
                                suggest(k, &SENT_FIELDS)
                                    .or(Some(format!("fields: {}", SENT_FIELDS.join(", ")))),
                            );
                            continue;
                        }
                        match Pred::compile(v) {
                            Ok(p) => {
                                self.use_vars(&span, p.variables());
                                fields.push((k.clone(), p));
                            }
                            Err(e) => self.err(span.clone(), e.message, e.help),
                        }
                    }
                    out.push(Expectation {
                        span,
                        exact: false,
                        kind: Check::Sent(fields),
                    });
                }
                _ => self.err(
                    span,
                    "`sent` is a map of what the client put on the wire",
                    Some("e.g. `sent: {method: GET, path: /store/auth, cookie: true, bearer: false}`".into()),
                ),
            }
        }
        if let Some(o) = &d.outcome {
            let span = self.span(o);
            match Pred::compile(&o.value) {
                Ok(p) => {
                    self.use_vars(&span, p.variables());
                    out.push(Expectation {
                        span,
                        exact: false,
                        kind: Check::Outcome(p),
                    });
                }
                Err(e) => self.err(span, e.message, e.help),
            }
        }
        if let Some(j) = &d.jwt {
            let span = self.span(j);
            let jd = &j.value;
            let Some(from) = self.jsonpath(self.span(&jd.from), &jd.from.value) else {
                return;
            };
            let members = |m: &SpannedMap<SValue>, this: &mut Self| -> Vec<(String, Pred)> {
                m.0.iter()
                    .map(|(k, v)| (k.value.clone(), this.pred(v)))
                    .collect()
            };
            let header = members(&jd.header, self);
            let claims = members(&jd.claims, self);
            let lifetime = jd.lifetime.as_ref().map(|l| self.pred(l));
            out.push(Expectation {
                span,
                exact: false,
                kind: Check::Jwt(Box::new(JwtCheck {
                    from,
                    from_text: jd.from.value.clone(),
                    header,
                    claims,
                    lifetime,
                    issued_within: jd.issued_within.as_ref().map(|i| i.value),
                })),
            });
        }
    }

    fn captures(&mut self, m: &SpannedMap<SValue>) -> Vec<Capture> {
        let mut out = Vec::new();
        for (k, v) in &m.0 {
            let span = self.span(v);
            let name = k.value.clone();
            let (from, secret) = match &v.value {
                Value::String(p) => match self.jsonpath(span.clone(), p) {
                    Some(jp) => (CaptureFrom::Json(jp, p.clone()), false),
                    None => continue,
                },
                Value::Object(o) => {
                    if let Some(k) = o.keys().find(|k| !CAPTURE_KEYS.contains(&k.as_str())) {
                        self.err(
                            span,
                            format!("capture `{name}` has no option `{k}`"),
                            suggest(k, &CAPTURE_KEYS)
                                .or(Some(format!("options: {}", CAPTURE_KEYS.join(", ")))),
                        );
                        continue;
                    }
                    let secret = o.get("secret").and_then(Value::as_bool).unwrap_or(false);
                    let s = |key: &str| o.get(key).and_then(Value::as_str).map(str::to_string);
                    let from = if let Some(p) = s("json") {
                        match self.jsonpath(span.clone(), &p) {
                            Some(jp) => CaptureFrom::Json(jp, p),
                            None => continue,
                        }
                    } else if let Some(h) = s("header") {
                        CaptureFrom::Header(h.to_ascii_lowercase())
                    } else if let Some(c) = s("cookie") {
                        CaptureFrom::Cookie {
                            name: c,
                            attr: s("attr"),
                            jar: o.get("jar").and_then(Value::as_bool).unwrap_or(false),
                        }
                    } else if let Some(r) = s("regex") {
                        match regex::Regex::new(&r) {
                            Ok(re) => CaptureFrom::Regex(
                                re,
                                o.get("group").and_then(Value::as_u64).unwrap_or(1) as usize,
                            ),
                            Err(e) => {
                                self.err(span, format!("invalid regex: {e}"), None);
                                continue;
                            }
                        }
                    } else if o.contains_key("status") {
                        CaptureFrom::Status
                    } else {
                        self.err(span, format!("capture `{name}` needs a source"), Some("use `$.json.path`, `{json: ...}`, `{header: ...}`, `{cookie: ...}`, `{regex: ...}` or `{status: true}`".into()));
                        continue;
                    };
                    (from, secret)
                }
                _ => {
                    self.err(
                        span,
                        format!("capture `{name}` needs a source"),
                        Some("e.g. `customer_id: $.customer.id`".into()),
                    );
                    continue;
                }
            };
            let derived_secret = match &from {
                CaptureFrom::Json(_, p) => crate::lang::template::is_secret_name(p),
                CaptureFrom::Header(h) => crate::lang::template::is_secret_name(h) || h == "set-cookie",
                CaptureFrom::Cookie { attr, .. } => {
                    attr.is_none() || attr.as_deref() == Some("value")
                }
                _ => false,
            };
            self.defined.insert(name.clone());
            out.push(Capture {
                secret: secret || derived_secret || crate::lang::template::is_secret_name(&name),
                name,
                span,
                from,
            });
        }
        out
    }
}

/// Compiles one loaded scenario. `cli_vars` are names given with `--var` (always defined).
pub fn plan(l: &Loaded, specs: &Specs, cli_vars: &[String]) -> Result<Scenario, Vec<Diagnostic>> {
    let d: &ScenarioDoc = &l.doc;
    let mut p = Planner {
        file: &l.file,
        specs,
        problems: Vec::new(),
        defined: cli_vars
            .iter()
            .cloned()
            .chain(BUILTIN_VARS.iter().map(|s| s.to_string()))
            .collect(),
        api: crate::api::find(crate::api::DEFAULT_API).expect("the default API is built in"),
    };
    if let Some(a) = &d.api {
        match crate::api::find(&a.value) {
            Some(api) => p.api = api,
            None => {
                let names: Vec<&str> = crate::api::APIS.iter().map(|a| a.name).collect();
                p.err(
                    p.span(a),
                    format!("unknown API `{}`", a.value),
                    suggest(&a.value, &names)
                        .or_else(|| Some(format!("known APIs: {}", names.join(", ")))),
                );
            }
        }
    }
    let secrets: HashSet<String> = d.secrets.iter().map(|s| s.value.clone()).collect();
    let mut vars = Vec::new();
    for (k, v) in &d.vars.0 {
        let t = p.tvalue(v);
        p.defined.insert(k.value.clone());
        let secret = secrets.contains(&k.value) || crate::lang::template::is_secret_name(&k.value);
        vars.push((k.value.clone(), t, secret));
    }
    let phase = |steps: &[Spanned<StepDoc>], name: &str, p: &mut Planner| -> Vec<Step> {
        steps
            .iter()
            .enumerate()
            .filter_map(|(i, s)| p.step(s, name, i))
            .collect()
    };
    let all: Vec<&Spanned<StepDoc>> = d.setup.iter().chain(&d.steps).chain(&d.teardown).collect();
    let client_blockers = crate::driver::applicable::reasons(&l.file, &all);
    let setup = phase(&d.setup, "setup", &mut p);
    let steps = phase(&d.steps, "steps", &mut p);
    let teardown = phase(&d.teardown, "teardown", &mut p);
    if steps.is_empty() && p.problems.is_empty() {
        p.err(
            Span::new(&l.file, Loc::from_saphyr(&d.name.referenced)),
            "a scenario needs at least one step",
            None,
        );
    }
    // `covers:` names cells of the pack's coverage map (checked against the map built in).
    p.problems
        .extend(crate::coverage::check_covers(&l.name, &d.covers, &l.file));
    let known_bug = d.known_bug.as_ref().map(|k| {
        let issue = k.value.issue.clone();
        let url = k.value.url.clone().unwrap_or_else(|| issue_url(&issue));
        if let Some(s) = &k.value.step
            && !steps.iter().any(|st| st.name == s.value)
        {
            let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
            p.err(
                p.span(s),
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
    });
    let requires_scheme = d
        .requires
        .as_ref()
        .and_then(|r| r.scheme.as_ref())
        .and_then(|s| {
            if s.value == "http" || s.value == "https" {
                Some(s.value.clone())
            } else {
                p.err(
                    p.span(s),
                    format!("`scheme` is `http` or `https`, not `{}`", s.value),
                    None,
                );
                None
            }
        });
    let timeout = d
        .timeout
        .as_ref()
        .map(|t| p.duration(t))
        .unwrap_or(DEFAULT_SCENARIO_TIMEOUT);
    let level = match d.level.as_ref().map(|l| l.value.as_str()) {
        None | Some("contract") => Level::Contract,
        Some("exact") => Level::Exact,
        Some(other) => {
            if let Some(l) = &d.level {
                p.err(
                    p.span(l),
                    format!("`level` is `contract` or `exact`, not `{other}`"),
                    suggest(other, crate::scenario::LEVELS),
                );
            }
            Level::Contract
        }
    };
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
        requires_env: d
            .requires
            .as_ref()
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
        requires_driver: d
            .requires
            .as_ref()
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

/// Loads and plans everything, collecting every problem.
pub fn plan_all(
    loaded: &[Loaded],
    specs: &Specs,
    cli_vars: &[String],
) -> Result<Vec<Scenario>, crate::error::Error> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for l in loaded {
        match plan(l, specs, cli_vars) {
            Ok(s) => out.push(s),
            Err(mut ds) => problems.append(&mut ds),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(crate::error::Error::Invalid(problems))
    }
}
