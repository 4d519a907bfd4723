//! Secret scrubbing: the values a request carries that must not land in a scenario file
//! (passwords, tokens, cookies, basic credentials) are moved into variables whose scenario values
//! are placeholders (`{{ env.MEDUSA_PASSWORD }}`, `CHANGE-ME`); e-mails become plain variables so a
//! scenario can change them in one place. Bodies (JSON, form, not-quite-JSON text), query
//! parameters and headers are scrubbed here; credentials in `step`.

use crate::percent::decode_form;
use crate::report::secret::is_secret_name;
use serde_json::{Map, Value};

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Kind {
    /// Not a secret: the scenario keeps the original (e-mails, user names).
    Plain,
    /// Read from `MEDUSA_<NAME>` in the environment.
    Env,
    /// Session-bound (cookies): a `CHANGE-ME` placeholder, logging in first is the real fix.
    ChangeMe,
    /// Computed from other variables.
    Derived,
}

pub(crate) struct VarDef {
    pub(crate) base: String,
    pub(crate) name: String,
    pub(crate) original: String,
    pub(crate) kind: Kind,
    pub(crate) placeholder: String,
}

#[derive(Default)]
pub(crate) struct Vars {
    pub(crate) defs: Vec<VarDef>,
}

/// A variable name the template language accepts and that collides with nothing built in.
fn var_name(raw: &str) -> String {
    let mut out = String::new();
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let mut out = out.trim_matches('_').to_string();
    if out.is_empty() {
        out = "value".into();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out = format!("v_{out}");
    }
    if out == "env" || crate::plan::BUILTIN_VARS.contains(&out.as_str()) {
        out.push_str("_value");
    }
    out
}

impl Vars {
    /// Returns the variable for `original` under `base`, reusing one with the same value (the
    /// same password twice is one variable) and numbering different values (`password_2`).
    pub(crate) fn get(&mut self, base: &str, original: &str, kind: Kind) -> String {
        let base = var_name(base);
        if let Some(d) = self
            .defs
            .iter()
            .find(|d| d.base == base && d.original == original && d.kind == kind)
        {
            return d.name.clone();
        }
        let mut name = base.clone();
        let mut n = 1;
        while self.defs.iter().any(|d| d.name == name) {
            n += 1;
            name = format!("{base}_{n}");
        }
        let placeholder = match kind {
            Kind::Plain | Kind::Derived => original.to_string(),
            Kind::Env => format!("{{{{ env.MEDUSA_{} }}}}", name.to_ascii_uppercase()),
            Kind::ChangeMe => "CHANGE-ME".into(),
        };
        self.defs.push(VarDef {
            base,
            name: name.clone(),
            original: original.to_string(),
            kind,
            placeholder,
        });
        name
    }

    pub(crate) fn secret(&mut self, base: &str, original: &str) -> String {
        self.get(base, original, Kind::Env)
    }

    /// A variable computed from others: `placeholder` is its template.
    pub(crate) fn derived(&mut self, base: &str, original: &str, placeholder: String) -> String {
        let name = self.get(base, original, Kind::Derived);
        if let Some(d) = self.defs.iter_mut().find(|d| d.name == name) {
            d.placeholder = placeholder;
        }
        name
    }
}

/// `{{ name }}`.
pub(crate) fn tpl(name: &str) -> String {
    format!("{{{{ {name} }}}}")
}

/// A literal for a templated field: `{{` would start an expression, so it becomes `{{ "{{" }}`.
pub fn template_literal(s: &str) -> String {
    s.replace("{{", "{{ \"{{\" }}")
}

pub(crate) fn is_email_key(key: &str) -> bool {
    key.eq_ignore_ascii_case("email")
}

/// Replaces secrets and e-mails in a JSON body by variables and escapes the other strings.
/// `secret` is set below a secret-looking member (`"password"`, `"tokens": [...]`); `key` names
/// the variable.
pub(crate) fn scrub_json(
    v: &Value,
    secret: bool,
    key: &str,
    vars: &mut Vars,
    warnings: &mut Vec<String>,
) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, val) in m {
                let new = match val {
                    Value::String(s) if !secret && is_email_key(k) && !s.is_empty() => {
                        Value::String(tpl(&vars.get("email", s, Kind::Plain)))
                    }
                    _ => scrub_json(val, secret || is_secret_name(k), k, vars, warnings),
                };
                out.insert(k.clone(), new);
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|x| scrub_json(x, secret, key, vars, warnings))
                .collect(),
        ),
        // An empty password is a test value (validation), not a secret: kept.
        Value::String(s) if secret && !s.is_empty() => Value::String(tpl(&vars.secret(key, s))),
        Value::Number(n) if secret => {
            let name = vars.secret(key, &n.to_string());
            warnings.push(format!(
                "`{key}` was a number; its placeholder `{name}` is a string"
            ));
            Value::String(tpl(&name))
        }
        Value::String(s) => Value::String(template_literal(s)),
        other => other.clone(),
    }
}

/// A raw text body: literal pieces and template pieces, so literals get escaped exactly once.
pub(crate) enum Seg {
    Lit(String),
    Tpl(String),
}

pub(crate) fn join(segs: Vec<Seg>) -> String {
    segs.into_iter()
        .map(|s| match s {
            Seg::Lit(l) => template_literal(&l),
            Seg::Tpl(t) => t,
        })
        .collect()
}

/// A form-encoded string (`a=1&password=x`) with secret and e-mail values replaced by
/// `{{ var | urlencode }}` (same value once the server decodes it).
pub(crate) fn scrub_form(s: &str, vars: &mut Vars) -> Vec<Seg> {
    let mut segs = Vec::new();
    for (n, piece) in s.split('&').enumerate() {
        if n > 0 {
            segs.push(Seg::Lit("&".into()));
        }
        match piece.split_once('=') {
            Some((k, v)) if !v.is_empty() => {
                let key = decode_form(k);
                let value = decode_form(v);
                let var = if is_secret_name(&key) {
                    Some(vars.secret(&key, &value))
                } else if is_email_key(&key) {
                    Some(vars.get("email", &value, Kind::Plain))
                } else {
                    None
                };
                match var {
                    Some(var) => {
                        segs.push(Seg::Lit(format!("{k}=")));
                        segs.push(Seg::Tpl(format!("{{{{ {var} | urlencode }}}}")));
                    }
                    None => segs.push(Seg::Lit(piece.into())),
                }
            }
            _ => segs.push(Seg::Lit(piece.into())),
        }
    }
    segs
}

/// Best effort for text that is not valid JSON (a malformed-JSON report) but still holds
/// `"password": "…"` members: their values become variables.
pub(crate) fn scrub_json_text(s: &str, vars: &mut Vars) -> Vec<Seg> {
    let re = regex::Regex::new(
        r#""((?:[^"\\]|\\.)*)"\s*:\s*(?:"((?:[^"\\]|\\.)*)"|(-?[0-9][0-9.eE+-]*))"#,
    )
    .expect("static regex");
    let mut segs = Vec::new();
    let mut last = 0;
    for c in re.captures_iter(s) {
        let key = &c[1];
        let Some(val) = c.get(2).or_else(|| c.get(3)) else {
            continue;
        };
        if val.as_str().is_empty() {
            continue;
        }
        let original = if c.get(2).is_some() {
            serde_json::from_str::<String>(&format!("\"{}\"", val.as_str()))
                .unwrap_or_else(|_| val.as_str().to_string())
        } else {
            val.as_str().to_string()
        };
        let var = if is_secret_name(key) {
            vars.secret(key, &original)
        } else if is_email_key(key) && c.get(2).is_some() {
            vars.get("email", &original, Kind::Plain)
        } else {
            continue;
        };
        segs.push(Seg::Lit(s[last..val.start()].to_string()));
        segs.push(Seg::Tpl(tpl(&var)));
        last = val.end();
    }
    segs.push(Seg::Lit(s[last..].to_string()));
    segs
}
/// Headers to a YAML map, secret-looking ones moved into variables.
pub(crate) fn header_map(headers: &[(String, String)], vars: &mut Vars) -> Map<String, Value> {
    let mut m = Map::new();
    for (k, v) in headers {
        let val = if is_secret_name(k) && !v.is_empty() {
            tpl(&vars.secret(k, v))
        } else {
            template_literal(v)
        };
        m.insert(k.clone(), Value::String(val));
    }
    m
}
