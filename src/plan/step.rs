//! Compiles one step: which operation it sends (a v1 operation, a raw `request:` or a `call:`
//! of the scenario's API table), with what bearer token, cookies, headers, retry and timeout.
//! Its `expect:` and `capture:` are compiled by `expect.rs` and `capture.rs`.

use super::{Bearer, DEFAULT_ACTOR, DEFAULT_STEP_TIMEOUT, JwtSpec, Step};
use super::{Planner, suggest};
use crate::api::{ApiOp, Cred};
use crate::engine::operation::Op;
use crate::lang::template::JsonTemplate;
use crate::scenario::Spanned;
use crate::scenario::source::Span;
use crate::scenario::{RequestDoc, SValue, StepDoc};
use serde_json::Value;
use std::time::Duration;

// The keys of the sub-documents checked here, from the scenario format's one definition.
use crate::scenario::OPERATIONS;
use crate::scenario::shape::{EXISTS_KEYS, JWT_KEYS};

/// The v1 operation keys with their values (`Some(null)` when written without one).
fn v1_operations(d: &StepDoc) -> [(&'static str, Option<&SValue>); 6] {
    [
        ("authenticate", d.authenticate.as_ref()),
        ("get_session", d.get_session.as_ref()),
        ("exists", d.exists.as_ref()),
        ("get_token", d.get_token.as_ref()),
        ("delete_session", d.delete_session.as_ref()),
        ("register", d.register.as_ref()),
    ]
}

impl Planner<'_> {
    pub(super) fn step(&mut self, s: &Spanned<StepDoc>, phase: &str, index: usize) -> Option<Step> {
        let d = &s.value;
        let span = self.span(s);
        let op_name = self.operation_key(d, &span, phase, index)?;
        let op = self.operation(d, op_name)?;
        let cred = op.api_op().map(|o| o.cred);
        let bearer = match &d.bearer {
            None if matches!(cred, Some(Cred::None | Cred::Cookie | Cred::Arg(_))) => Bearer::None,
            None => Bearer::ActorToken,
            Some(b) => self.bearer(b)?,
        };
        let mut expects = Vec::new();
        if let Some(e) = &d.expect {
            self.expect(e, &mut expects);
        }
        let captures = self.captures(&d.capture);
        let retry = d.retry.as_ref().map(|r| {
            let interval = match &r.value.interval {
                Some(i) => self.duration(i),
                None => Duration::from_millis(500),
            };
            (r.value.times, interval)
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

    /// The one operation key the step has; `None` (reported) for none, several, or a v1
    /// operation in a scenario of another API.
    fn operation_key(
        &mut self,
        d: &StepDoc,
        span: &Span,
        phase: &str,
        index: usize,
    ) -> Option<&'static str> {
        let mut present: Vec<&'static str> = v1_operations(d)
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
        match present[..] {
            [one] => Some(one),
            _ => {
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
                let help = format!("use exactly one of: {}", OPERATIONS.join(", "));
                self.err(span.clone(), msg, Some(help));
                None
            }
        }
    }

    /// Compiles the operation named by `key` (one of [`OPERATIONS`], present in `d`).
    fn operation(&mut self, d: &StepDoc, key: &str) -> Option<Op> {
        if let Some(c) = &d.call {
            return self.call(c, d.args.as_ref());
        }
        if let Some(r) = &d.request {
            return Some(self.request(r));
        }
        let (_, arg) = v1_operations(d).into_iter().find(|(k, _)| *k == key)?;
        let arg = arg?;
        if !matches!(arg.value, Value::Null | Value::Object(_)) {
            self.err(
                self.span(arg),
                format!("`{key}` takes a map (the request body), e.g. `{key}: {{}}`"),
                None,
            );
        }
        if key == "exists" {
            return self.exists(arg);
        }
        let body = self.json_template(arg);
        Some(match key {
            "authenticate" => Op::Authenticate(body),
            "get_token" => Op::GetToken(body),
            "register" => Op::Register(body),
            "get_session" => Op::GetSession,
            "delete_session" => Op::DeleteSession,
            _ => unreachable!("`{key}` is one of the v1 operations"),
        })
    }

    /// `call: NAME` with its `with:` arguments, checked against the API table.
    fn call(&mut self, c: &Spanned<String>, args: Option<&SValue>) -> Option<Op> {
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
        if let Some(w) = args {
            self.call_args(api_op, w);
        }
        let args = args
            .map(|w| self.json_template(w))
            .unwrap_or(JsonTemplate::Const(Value::Null));
        Some(Op::Api {
            api: self.api,
            op: api_op,
            args,
        })
    }

    /// Reports `with:` arguments the operation does not take.
    fn call_args(&mut self, api_op: &ApiOp, w: &SValue) {
        match &w.value {
            Value::Null => {}
            Value::Object(m) => {
                let Some(allowed) = api_op.args else { return };
                let mut ok: Vec<&str> = allowed.to_vec();
                ok.extend(api_op.placeholders());
                if let Cred::Arg(a) = api_op.cred {
                    ok.push(a);
                }
                for k in m.keys().filter(|k| !ok.contains(&k.as_str())) {
                    let at = self.key_span(&self.span(w), &[k]);
                    self.err(
                        at,
                        format!("`{}` has no argument `{k}`", api_op.name),
                        suggest(k, &ok).or_else(|| Some(format!("it takes: {}", ok.join(", ")))),
                    );
                }
            }
            _ => self.err(
                self.span(w),
                format!("`with:` takes a map (the arguments of `{}`)", api_op.name),
                None,
            ),
        }
    }

    /// A raw `request:`.
    fn request(&mut self, r: &Spanned<RequestDoc>) -> Op {
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
            path: self.json_template(&r.path),
            query: self.map(&r.query),
            headers: self.map(&r.headers),
            json: r.json.as_ref().map(|j| self.json_template(j)),
            body: r.body.as_ref().map(|b| self.json_template(b)),
        }
    }

    /// `exists: {email, encode}`; the e-mail is a template, compiled (and reported) once.
    fn exists(&mut self, arg: &SValue) -> Option<Op> {
        let span = self.span(arg);
        let email = arg.value.get("email").map(|e| {
            self.template_at(&span, e)
                .unwrap_or(JsonTemplate::Const(Value::Null))
        });
        let encode = arg
            .value
            .get("encode")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        if let Some(o) = arg.value.as_object() {
            for k in o.keys().filter(|k| !EXISTS_KEYS.contains(&k.as_str())) {
                let at = self.key_span(&span, &[k]);
                self.err(
                    at,
                    format!("`exists` has no argument `{k}`"),
                    Some("`exists` takes `email` and `encode`".into()),
                );
            }
        }
        let Some(email) = email else {
            self.err(
                span,
                "`exists` needs an `email`",
                Some("write `exists: {email: \"{{ email }}\"}`".into()),
            );
            return None;
        };
        Some(Op::Exists { email, encode })
    }

    /// An explicit `bearer:`; `None` (reported) when its `jwt:` map is not a map.
    fn bearer(&mut self, b: &SValue) -> Option<Bearer> {
        Some(match &b.value {
            Value::Bool(false) | Value::Null => Bearer::None,
            Value::String(_) => Bearer::Given(self.json_template(b)),
            Value::Object(o) if o.contains_key("jwt") => self.jwt_spec(b)?,
            _ => {
                self.err(
                    self.span(b),
                    "`bearer` is `false`, a token string, or `{jwt: {...}}`",
                    None,
                );
                Bearer::None
            }
        })
    }

    fn jwt_spec(&mut self, b: &SValue) -> Option<Bearer> {
        let span = self.span(b);
        let Some(spec) = b.value.get("jwt").and_then(Value::as_object) else {
            self.err(span, "`jwt` takes a map", None);
            return None;
        };
        for k in spec.keys().filter(|k| !JWT_KEYS.contains(&k.as_str())) {
            let at = self.key_span(&span, &["jwt", k]);
            self.err(at, format!("`jwt` has no key `{k}`"), suggest(k, &JWT_KEYS));
        }
        let empty = Value::Object(Default::default());
        let claims = self.template_at(&span, spec.get("claims").unwrap_or(&empty))?;
        let header = self.template_at(&span, spec.get("header").unwrap_or(&empty))?;
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
        let flag = |key: &str| spec.get(key).and_then(Value::as_bool).unwrap_or(false);
        Some(Bearer::Jwt(JwtSpec {
            from: spec.get("from").and_then(|v| self.template_at(&span, v)),
            claims,
            header,
            alg,
            secret: spec.get("secret").and_then(|v| self.template_at(&span, v)),
            keep_signature: flag("keep_signature"),
            tamper_signature: flag("tamper_signature"),
        }))
    }
}
