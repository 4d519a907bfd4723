//! `{{ expr }}` templates: variables, captures, `env.X`, seeded generators and a few filters.
//!
//! Templates are parsed once at plan time (so an unknown function, filter or variable is an
//! error with a location before anything is sent) and evaluated per step. Values carry a
//! `secret` flag that propagates through every function and filter, so anything computed from
//! a password, token or cookie stays masked in reports.

use base64::Engine;
use rand::RngExt;
use rand::rngs::StdRng;
use serde_json::Value;
use std::collections::HashMap;

/// A value at run time (what a template evaluated to, a variable holds, a capture took) and
/// whether it must be masked: secrecy carries through filters and functions.
#[derive(Debug, Clone, PartialEq)]
pub struct RuntimeValue {
    pub value: Value,
    pub secret: bool,
}

impl RuntimeValue {
    pub fn plain(value: Value) -> RuntimeValue {
        RuntimeValue {
            value,
            secret: false,
        }
    }
    pub fn as_text(&self) -> String {
        value_text(&self.value)
    }
}

/// How a value reads inside a larger string: strings bare, everything else as JSON.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[derive(Debug, Clone)]
enum Expr {
    Var(Vec<String>),
    Str(String),
    Num(serde_json::Number),
    Call(String, Vec<Expr>),
    Filter(Box<Expr>, String),
}

#[derive(Debug, Clone)]
enum Part {
    Lit(String),
    Expr(Expr),
}

/// A parsed template string.
#[derive(Debug, Clone)]
pub struct Template {
    parts: Vec<Part>,
}

const FUNCTIONS: &[&str] = &[
    "unique_email",
    "uuid",
    "random_string",
    "now",
    "now_unix",
    "jwt_claims",
    "jwt_claim",
    "add",
];
const FILTERS: &[&str] = &["lower", "upper", "urlencode", "base64", "trim"];

/// A template that failed to parse: the message and the byte offset inside the string.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub message: String,
    pub offset: usize,
    pub help: Option<String>,
}

fn did_you_mean(word: &str, options: &[&str]) -> Option<String> {
    crate::suggest::did_you_mean(word, options.iter().copied())
}

impl Template {
    /// Parses `text`; a string without `{{` is a literal.
    pub fn parse(text: &str) -> Result<Template, ParseError> {
        let mut parts = Vec::new();
        let mut rest = text;
        let mut base = 0;
        while let Some(start) = rest.find("{{") {
            if start > 0 {
                parts.push(Part::Lit(rest[..start].to_string()));
            }
            let after = &rest[start + 2..];
            let end = after.find("}}").ok_or(ParseError {
                message: "unclosed `{{`".into(),
                offset: base + start,
                help: Some("close the expression with `}}`".into()),
            })?;
            let inner = &after[..end];
            let expr = ExprParser {
                s: inner,
                pos: 0,
                base: base + start + 2,
            }
            .parse_all()?;
            parts.push(Part::Expr(expr));
            let consumed = start + 2 + end + 2;
            base += consumed;
            rest = &rest[consumed..];
        }
        if !rest.is_empty() {
            parts.push(Part::Lit(rest.to_string()));
        }
        Ok(Template { parts })
    }

    pub fn is_literal(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Lit(_)))
    }

    /// Root variable names referenced (not `env.*`), for the load-time undefined check.
    pub fn variables(&self) -> Vec<String> {
        fn walk(e: &Expr, out: &mut Vec<String>) {
            match e {
                Expr::Var(p) if p[0] != "env" => out.push(p[0].clone()),
                Expr::Call(_, args) => args.iter().for_each(|a| walk(a, out)),
                Expr::Filter(inner, _) => walk(inner, out),
                _ => {}
            }
        }
        let mut out = Vec::new();
        for p in &self.parts {
            if let Part::Expr(e) = p {
                walk(e, &mut out);
            }
        }
        out
    }

    /// Evaluates; a template that is exactly one expression keeps the value's JSON type.
    pub fn eval(&self, scope: &mut Scope) -> Result<RuntimeValue, String> {
        if let [Part::Expr(e)] = self.parts.as_slice() {
            return eval_expr(e, scope);
        }
        let mut out = String::new();
        let mut secret = false;
        for p in &self.parts {
            match p {
                Part::Lit(s) => out.push_str(s),
                Part::Expr(e) => {
                    let v = eval_expr(e, scope)?;
                    secret |= v.secret;
                    out.push_str(&v.as_text());
                }
            }
        }
        Ok(RuntimeValue {
            value: Value::String(out),
            secret,
        })
    }
}

struct ExprParser<'a> {
    s: &'a str,
    pos: usize,
    base: usize,
}

impl ExprParser<'_> {
    fn err(&self, m: impl Into<String>) -> ParseError {
        ParseError {
            message: m.into(),
            offset: self.base + self.pos,
            help: None,
        }
    }
    fn ws(&mut self) {
        while self.pos < self.s.len() && self.s.as_bytes()[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }
    fn ident(&mut self) -> Option<String> {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == b'_' {
                self.pos += 1;
            } else {
                break;
            }
        }
        (self.pos > start).then(|| self.s[start..self.pos].to_string())
    }
    fn parse_all(mut self) -> Result<Expr, ParseError> {
        let e = self.parse_filtered()?;
        self.ws();
        if self.pos < self.s.len() {
            return Err(self.err(format!(
                "unexpected `{}` in expression",
                &self.s[self.pos..]
            )));
        }
        Ok(e)
    }
    fn parse_filtered(&mut self) -> Result<Expr, ParseError> {
        let mut e = self.primary()?;
        loop {
            self.ws();
            if self.peek() != Some(b'|') {
                return Ok(e);
            }
            self.pos += 1;
            self.ws();
            let at = self.pos;
            let name = self
                .ident()
                .ok_or_else(|| self.err("expected a filter name after `|`"))?;
            if !FILTERS.contains(&name.as_str()) {
                return Err(ParseError {
                    message: format!("unknown filter `{name}`"),
                    offset: self.base + at,
                    help: did_you_mean(&name, FILTERS)
                        .or_else(|| Some(format!("filters: {}", FILTERS.join(", ")))),
                });
            }
            e = Expr::Filter(Box::new(e), name);
        }
    }
    fn primary(&mut self) -> Result<Expr, ParseError> {
        self.ws();
        match self.peek() {
            None => Err(self.err("empty expression")),
            Some(q @ (b'"' | b'\'')) => {
                self.pos += 1;
                let start = self.pos;
                while let Some(c) = self.peek() {
                    if c == q {
                        let s = self.s[start..self.pos].to_string();
                        self.pos += 1;
                        return Ok(Expr::Str(s));
                    }
                    self.pos += 1;
                }
                Err(self.err("unterminated string literal"))
            }
            Some(c) if c.is_ascii_digit() || c == b'-' => {
                let start = self.pos;
                self.pos += 1;
                while let Some(c) = self.peek() {
                    if c.is_ascii_digit() || c == b'.' {
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                let text = &self.s[start..self.pos];
                let n: serde_json::Number = serde_json::from_str(text)
                    .map_err(|_| self.err(format!("`{text}` is not a number")))?;
                Ok(Expr::Num(n))
            }
            Some(_) => {
                let at = self.pos;
                let name = self
                    .ident()
                    .ok_or_else(|| self.err(format!("unexpected `{}`", &self.s[self.pos..])))?;
                self.ws();
                if self.peek() == Some(b'(') {
                    if !FUNCTIONS.contains(&name.as_str()) {
                        return Err(ParseError {
                            message: format!("unknown function `{name}`"),
                            offset: self.base + at,
                            help: did_you_mean(&name, FUNCTIONS)
                                .or_else(|| Some(format!("functions: {}", FUNCTIONS.join(", ")))),
                        });
                    }
                    self.pos += 1;
                    let mut args = Vec::new();
                    loop {
                        self.ws();
                        if self.peek() == Some(b')') {
                            self.pos += 1;
                            break;
                        }
                        args.push(self.parse_filtered()?);
                        self.ws();
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(b')') => {}
                            _ => return Err(self.err("expected `,` or `)`")),
                        }
                    }
                    return Ok(Expr::Call(name, args));
                }
                let mut path = vec![name];
                while self.peek() == Some(b'.') {
                    self.pos += 1;
                    path.push(
                        self.ident()
                            .ok_or_else(|| self.err("expected a name after `.`"))?,
                    );
                }
                Ok(Expr::Var(path))
            }
        }
    }
}

/// Everything a template can read: variables and captures, the environment snapshot the CLI
/// handed over, and the scenario's seeded random generator.
pub struct Scope<'a> {
    pub vars: HashMap<String, RuntimeValue>,
    pub env: &'a HashMap<String, String>,
    pub rng: StdRng,
}

// Environment variables, variables and JSON members whose names say they hold a secret are
// masked: the one rule lives in `crate::report::secret`.
use crate::report::secret::is_secret_name;

fn eval_expr(e: &Expr, scope: &mut Scope) -> Result<RuntimeValue, String> {
    match e {
        Expr::Str(s) => Ok(RuntimeValue::plain(Value::String(s.clone()))),
        Expr::Num(n) => Ok(RuntimeValue::plain(Value::Number(n.clone()))),
        Expr::Var(path) if path[0] == "env" => {
            let name = path.get(1).ok_or("`env` needs a name: `env.NAME`")?;
            let v = scope
                .env
                .get(name)
                .ok_or_else(|| format!("environment variable `{name}` is not set"))?;
            Ok(RuntimeValue {
                value: Value::String(v.clone()),
                secret: is_secret_name(name),
            })
        }
        Expr::Var(path) => {
            let root = scope
                .vars
                .get(&path[0])
                .ok_or_else(|| format!("variable `{}` is not defined", path[0]))?;
            let mut v = &root.value;
            for seg in &path[1..] {
                v = v
                    .get(seg)
                    .ok_or_else(|| format!("`{}` has no field `{seg}`", path.join(".")))?;
            }
            Ok(RuntimeValue {
                value: v.clone(),
                secret: root.secret,
            })
        }
        Expr::Filter(inner, name) => {
            let v = eval_expr(inner, scope)?;
            let text = v.as_text();
            let out = match name.as_str() {
                "lower" => text.to_lowercase(),
                "upper" => text.to_uppercase(),
                "trim" => text.trim().to_string(),
                "urlencode" => crate::percent::encode_component(&text),
                "base64" => base64::engine::general_purpose::STANDARD.encode(text.as_bytes()),
                _ => return Err(format!("unknown filter `{name}`")),
            };
            Ok(RuntimeValue {
                value: Value::String(out),
                secret: v.secret,
            })
        }
        Expr::Call(name, args) => {
            let mut vals = Vec::new();
            for a in args {
                vals.push(eval_expr(a, scope)?);
            }
            call(name, &vals, scope)
        }
    }
}

fn arg_u64(vals: &[RuntimeValue], i: usize, default: i64) -> Result<i64, String> {
    match vals.get(i) {
        None => Ok(default),
        Some(v) => v
            .value
            .as_i64()
            .ok_or_else(|| format!("argument {} must be an integer", i + 1)),
    }
}

fn call(name: &str, vals: &[RuntimeValue], scope: &mut Scope) -> Result<RuntimeValue, String> {
    const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let rand_text = |n: usize, rng: &mut StdRng| -> String {
        (0..n)
            .map(|_| ALNUM[rng.random_range(0..ALNUM.len())] as char)
            .collect()
    };
    let v = match name {
        "unique_email" => {
            let prefix = vals
                .first()
                .map(|v| v.as_text())
                .unwrap_or_else(|| "mc".into());
            Value::String(format!(
                "{prefix}.{}@example.com",
                rand_text(12, &mut scope.rng)
            ))
        }
        "uuid" => {
            let bytes: [u8; 16] = scope.rng.random();
            Value::String(
                uuid::Builder::from_random_bytes(bytes)
                    .into_uuid()
                    .to_string(),
            )
        }
        "random_string" => {
            let n = arg_u64(vals, 0, 16)?.clamp(0, 4096) as usize;
            let mut s = rand_text(n, &mut scope.rng);
            // Mixed case makes a "password in another case" scenario meaningful.
            if let Some(first) = s.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            Value::String(s)
        }
        "now" => Value::String(crate::clock::now_rfc3339()),
        "now_unix" => {
            let off = arg_u64(vals, 0, 0)?;
            Value::from(crate::clock::now_secs() + off)
        }
        "jwt_claims" => {
            let t = vals.first().ok_or("jwt_claims(token) needs a token")?;
            let parts =
                crate::engine::jwt::decode(&t.as_text()).map_err(|e| format!("jwt_claims: {e}"))?;
            return Ok(RuntimeValue {
                value: parts.claims,
                secret: t.secret,
            });
        }
        "jwt_claim" => {
            // One claim, e.g. `add(jwt_claim(token, 'iat'), 8)`: a time relative to when the
            // server issued the token, not to when the scenario started.
            let t = vals.first().ok_or("jwt_claim(token, name) needs a token")?;
            let name = vals
                .get(1)
                .ok_or("jwt_claim(token, name) needs a claim name")?;
            let parts =
                crate::engine::jwt::decode(&t.as_text()).map_err(|e| format!("jwt_claim: {e}"))?;
            let claim = parts.claims.get(name.as_text().as_str()).cloned();
            return Ok(RuntimeValue {
                value: claim.ok_or_else(|| {
                    format!("jwt_claim: the token has no claim `{}`", name.as_text())
                })?,
                secret: t.secret,
            });
        }
        "add" => Value::from(arg_u64(vals, 0, 0)? + arg_u64(vals, 1, 0)?),
        other => return Err(format!("unknown function `{other}`")),
    };
    let secret = vals.iter().any(|v| v.secret);
    Ok(RuntimeValue { value: v, secret })
}

/// A JSON value with templates inside its strings, compiled once.
#[derive(Debug, Clone)]
pub enum JsonTemplate {
    Const(Value),
    Tmpl(Template),
    Array(Vec<JsonTemplate>),
    Object(Vec<(String, JsonTemplate)>),
}

impl JsonTemplate {
    pub fn compile(v: &Value) -> Result<JsonTemplate, ParseError> {
        Ok(match v {
            Value::String(s) if s.contains("{{") => JsonTemplate::Tmpl(Template::parse(s)?),
            Value::Array(a) => JsonTemplate::Array(
                a.iter()
                    .map(JsonTemplate::compile)
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(o) => JsonTemplate::Object(
                o.iter()
                    .map(|(k, v)| Ok((k.clone(), JsonTemplate::compile(v)?)))
                    .collect::<Result<_, ParseError>>()?,
            ),
            other => JsonTemplate::Const(other.clone()),
        })
    }

    pub fn variables(&self) -> Vec<String> {
        match self {
            JsonTemplate::Const(_) => vec![],
            JsonTemplate::Tmpl(t) => t.variables(),
            JsonTemplate::Array(a) => a.iter().flat_map(JsonTemplate::variables).collect(),
            JsonTemplate::Object(o) => o.iter().flat_map(|(_, v)| v.variables()).collect(),
        }
    }

    pub fn eval(&self, scope: &mut Scope) -> Result<RuntimeValue, String> {
        match self {
            JsonTemplate::Const(v) => Ok(RuntimeValue::plain(v.clone())),
            JsonTemplate::Tmpl(t) => t.eval(scope),
            JsonTemplate::Array(a) => {
                let mut secret = false;
                let mut out = Vec::with_capacity(a.len());
                for v in a {
                    let r = v.eval(scope)?;
                    secret |= r.secret;
                    out.push(r.value);
                }
                Ok(RuntimeValue {
                    value: Value::Array(out),
                    secret,
                })
            }
            JsonTemplate::Object(o) => {
                let mut secret = false;
                let mut out = serde_json::Map::new();
                for (k, v) in o {
                    let r = v.eval(scope)?;
                    secret |= r.secret || is_secret_name(k);
                    out.insert(k.clone(), r.value);
                }
                Ok(RuntimeValue {
                    value: Value::Object(out),
                    secret,
                })
            }
        }
    }

    /// Evaluates, adding to `secrets` the text of every leaf that came out secret (a password
    /// put under any key, a token in a header) so it can be masked wherever it is sent.
    pub fn eval_noting(
        &self,
        scope: &mut Scope,
        secrets: &mut Vec<String>,
    ) -> Result<Value, String> {
        match self {
            JsonTemplate::Const(v) => Ok(v.clone()),
            JsonTemplate::Tmpl(t) => {
                let v = t.eval(scope)?;
                if v.secret {
                    match &v.value {
                        Value::String(s) => secrets.push(s.clone()),
                        other => secrets.push(other.to_string()),
                    }
                }
                Ok(v.value)
            }
            JsonTemplate::Array(a) => a
                .iter()
                .map(|x| x.eval_noting(scope, secrets))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            JsonTemplate::Object(o) => {
                let mut out = serde_json::Map::new();
                for (k, v) in o {
                    let val = v.eval_noting(scope, secrets)?;
                    if is_secret_name(k)
                        && let Value::String(s) = &val
                    {
                        secrets.push(s.clone());
                    }
                    out.insert(k.clone(), val);
                }
                Ok(Value::Object(out))
            }
        }
    }

    /// Strings that are secret inside this value once evaluated (e.g. a `password` field).
    pub fn secret_strings(v: &Value, out: &mut Vec<String>) {
        if let Value::Object(o) = v {
            for (k, val) in o {
                match val {
                    Value::String(s) if is_secret_name(k) => out.push(s.clone()),
                    _ => JsonTemplate::secret_strings(val, out),
                }
            }
        } else if let Value::Array(a) = v {
            a.iter().for_each(|x| JsonTemplate::secret_strings(x, out));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn scope(env: &HashMap<String, String>) -> Scope<'_> {
        Scope {
            vars: HashMap::new(),
            env,
            rng: StdRng::seed_from_u64(7),
        }
    }

    #[test]
    fn whole_expression_keeps_type() {
        let env = HashMap::new();
        let mut s = scope(&env);
        s.vars
            .insert("n".into(), RuntimeValue::plain(Value::from(3)));
        assert_eq!(
            Template::parse("{{ n }}")
                .unwrap()
                .eval(&mut s)
                .unwrap()
                .value,
            Value::from(3)
        );
        assert_eq!(
            Template::parse("x{{ n }}")
                .unwrap()
                .eval(&mut s)
                .unwrap()
                .value,
            Value::from("x3")
        );
    }

    #[test]
    fn a_time_relative_to_a_tokens_issue() {
        let env = HashMap::new();
        let mut s = scope(&env);
        let token =
            crate::engine::jwt::sign_hs256(&serde_json::json!({"iat": 1_700_000_000}), b"k");
        s.vars.insert(
            "t".into(),
            RuntimeValue {
                value: Value::from(token),
                secret: true,
            },
        );
        let v = Template::parse("{{ add(jwt_claim(t, 'iat'), 8) }}")
            .unwrap()
            .eval(&mut s)
            .unwrap();
        assert_eq!(v.value, Value::from(1_700_000_008));
        assert!(v.secret, "derived from a secret token");
        let missing = Template::parse("{{ jwt_claim(t, 'exp') }}")
            .unwrap()
            .eval(&mut s);
        assert!(missing.unwrap_err().contains("no claim `exp`"));
    }

    #[test]
    fn filters_and_secrets_propagate() {
        let env = HashMap::new();
        let mut s = scope(&env);
        s.vars.insert(
            "p".into(),
            RuntimeValue {
                value: Value::from("Ab+c"),
                secret: true,
            },
        );
        let v = Template::parse("{{ p | lower | urlencode }}")
            .unwrap()
            .eval(&mut s)
            .unwrap();
        assert_eq!(v.value, Value::from("ab%2Bc"));
        assert!(v.secret);
    }

    #[test]
    fn seeded_generators_replay() {
        let env = HashMap::new();
        let a = Template::parse("{{ unique_email() }}")
            .unwrap()
            .eval(&mut scope(&env))
            .unwrap();
        let b = Template::parse("{{ unique_email() }}")
            .unwrap()
            .eval(&mut scope(&env))
            .unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn unknown_function_suggests() {
        let e = Template::parse("{{ uniqe_email() }}").unwrap_err();
        assert!(e.message.contains("unknown function"));
        assert_eq!(e.help.as_deref(), Some("did you mean `unique_email`?"));
        assert_eq!(e.offset, 3);
    }
}
