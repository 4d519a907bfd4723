//! Compiles a step's `expect:` into [`Check`]s: status, content type, headers, cookies, JSON
//! members, body, schema, JWT, what a client sent and how its call ended. The `exact:` block
//! holds the same keys and compiles the same way, its checks marked exact (`--strict` only).

use super::{Check, CookieAttr, Expectation, JwtCheck, StatusSpec};
use super::{Planner, suggest};
use crate::lang::predicate::Pred;
use crate::scenario::Spanned;
use crate::scenario::{ExpectDoc, JwtExpectDoc, SValue, SpannedMap};
use serde_json::Value;

// The allowed keys of `sent:` and cookie expectations, from the scenario format's one definition.
use crate::scenario::shape::{COOKIE_ATTRS, SENT_FIELDS};

impl Planner<'_> {
    /// Compiles `expect:`; its `exact:` block is compiled the same way, marked exact.
    pub(super) fn expect(&mut self, e: &Spanned<ExpectDoc>, out: &mut Vec<Expectation>) {
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

    /// One level's keys, in the order they are checked.
    fn expect_level(&mut self, d: &ExpectDoc, out: &mut Vec<Expectation>) {
        let mut push = |span, kind| {
            out.push(Expectation {
                span,
                exact: false,
                kind,
            })
        };
        if let Some(s) = &d.status
            && let Some(k) = self.status(s)
        {
            push(self.span(s), Check::Status(k));
        }
        if let Some(ct) = &d.content_type {
            push(self.span(ct), Check::ContentType(self.pred(ct)));
        }
        for (k, v) in &d.headers.0 {
            let header = k.value.to_ascii_lowercase();
            push(self.span(v), Check::Header(header, self.pred(v)));
        }
        for (k, v) in &d.cookies.0 {
            if let Some(check) = self.cookie(&k.value, v) {
                push(self.span(v), check);
            }
        }
        for (k, v) in &d.json.0 {
            if let Some(p) = self.jsonpath(self.span(k), &k.value) {
                push(self.span(v), Check::Json(p, k.value.clone(), self.pred(v)));
            }
        }
        if let Some(b) = &d.body {
            push(self.span(b), Check::Body(self.pred(b)));
        }
        if let Some(s) = &d.schema
            && let Some(check) = self.schema(s)
        {
            push(self.span(s), check);
        }
        if let Some(s) = &d.sent
            && let Some(check) = self.sent(s)
        {
            push(self.span(s), check);
        }
        if let Some(o) = &d.outcome
            && let Some(p) = self.pred_at(&self.span(o), &o.value)
        {
            push(self.span(o), Check::Outcome(p));
        }
        if let Some(j) = &d.jwt
            && let Some(check) = self.jwt(&j.value)
        {
            push(self.span(j), Check::Jwt(Box::new(check)));
        }
    }

    fn status(&mut self, s: &SValue) -> Option<StatusSpec> {
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
        if spec.is_none() {
            self.err(
                self.span(s),
                "`status` is a code from 100 to 599 (200), a list ([200, 204]) or a class (\"4xx\")",
                None,
            );
        }
        spec
    }

    /// `cookies: {NAME: {…}}`: set (with attribute checks) or `{absent: true}`.
    fn cookie(&mut self, name: &str, v: &SValue) -> Option<Check> {
        let span = self.span(v);
        let Some(map) = v.value.as_object() else {
            self.err(span, "a cookie expectation is a map: `{}` (set), `{absent: true}`, or attributes like `{http_only: true}`", None);
            return None;
        };
        if map.get("absent").and_then(Value::as_bool) == Some(true) {
            return Some(Check::CookieAbsent(name.to_string()));
        }
        let mut attrs = Vec::new();
        for (a, pv) in map.iter().filter(|(a, _)| *a != "absent") {
            if !COOKIE_ATTRS.contains(&a.as_str()) {
                let at = self.key_span(&span, &[a]);
                self.err(
                    at,
                    format!("unknown cookie attribute `{a}`"),
                    suggest(a, &COOKIE_ATTRS)
                        .or(Some(format!("attributes: {}", COOKIE_ATTRS.join(", ")))),
                );
                continue;
            }
            if let Some(pred) = self.pred_at(&span, pv) {
                attrs.push(CookieAttr {
                    attr: a.clone(),
                    pred,
                });
            }
        }
        Some(Check::Cookie(name.to_string(), attrs))
    }

    fn schema(&mut self, s: &Spanned<String>) -> Option<Check> {
        match self.specs.get(&s.value) {
            Some(v) => Some(Check::Schema(s.value.clone(), v)),
            None => {
                let help = self.specs.suggest(&s.value);
                self.err(
                    self.span(s),
                    format!("unknown schema `{}`", s.value),
                    Some(help),
                );
                None
            }
        }
    }

    /// `sent: {FIELD: predicate}`: what a client put on the wire.
    fn sent(&mut self, s: &SValue) -> Option<Check> {
        let span = self.span(s);
        let Some(o) = s.value.as_object().filter(|o| !o.is_empty()) else {
            self.err(
                span,
                "`sent` is a map of what the client put on the wire",
                Some(
                    "e.g. `sent: {method: GET, path: /store/auth, cookie: true, bearer: false}`"
                        .into(),
                ),
            );
            return None;
        };
        let mut fields = Vec::new();
        for (k, v) in o {
            if !SENT_FIELDS.contains(&k.as_str()) {
                let at = self.key_span(&span, &[k]);
                self.err(
                    at,
                    format!("`sent` has no field `{k}`"),
                    suggest(k, &SENT_FIELDS)
                        .or(Some(format!("fields: {}", SENT_FIELDS.join(", ")))),
                );
                continue;
            }
            if let Some(p) = self.pred_at(&span, v) {
                fields.push((k.clone(), p));
            }
        }
        Some(Check::Sent(fields))
    }

    fn jwt(&mut self, jd: &JwtExpectDoc) -> Option<JwtCheck> {
        let from = self.jsonpath(self.span(&jd.from), &jd.from.value)?;
        let mut members = |m: &SpannedMap<SValue>| -> Vec<(String, Pred)> {
            m.0.iter()
                .map(|(k, v)| (k.value.clone(), self.pred(v)))
                .collect()
        };
        let header = members(&jd.header);
        let claims = members(&jd.claims);
        Some(JwtCheck {
            from,
            from_text: jd.from.value.clone(),
            header,
            claims,
            lifetime: jd.lifetime.as_ref().map(|l| self.pred(l)),
            issued_within: jd.issued_within.as_ref().map(|i| i.value),
        })
    }
}
