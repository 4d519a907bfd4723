//! Predicates on values: `equals` (the default for scalars and lists), `not`, `matches`, `type`,
//! `absent`, `length`, `contains`, `one_of`, number comparisons, `starts_with`, `ends_with`,
//! `keys`. Compiled once at plan time; evaluated against a value that may be absent.

use crate::lang::template::{JsonTemplate, ParseError, Scope};
use regex::Regex;
use serde_json::Value;

/// The predicate keywords, from the scenario format's definition.
pub use crate::scenario::shape::PREDICATE_KEYWORDS as KEYWORDS;

/// The names `type:` takes.
pub const TYPES: &[&str] = &[
    "string", "number", "integer", "boolean", "null", "array", "object",
];

#[derive(Debug, Clone)]
pub enum Pred {
    Equals(JsonTemplate),
    Not(Box<Pred>),
    Matches(Regex),
    Type(String),
    Absent(bool),
    Length(Box<Pred>),
    Contains(JsonTemplate),
    OneOf(Vec<JsonTemplate>),
    Cmp(&'static str, JsonTemplate),
    StartsWith(JsonTemplate),
    EndsWith(JsonTemplate),
    Keys(Vec<String>),
    All(Vec<Pred>),
}

/// Why a predicate does not compile: message, optional help, and the offending key.
#[derive(Debug)]
pub struct PredError {
    pub message: String,
    pub help: Option<String>,
    /// The keys from the predicate's map down to the offending one (`[not, lenght]`), so the
    /// diagnostic can point at the key rather than at the whole block; empty: the value itself.
    pub path: Vec<String>,
}

impl PredError {
    fn new(message: impl Into<String>, help: Option<String>) -> PredError {
        PredError {
            message: message.into(),
            help,
            path: Vec::new(),
        }
    }
}

impl From<ParseError> for PredError {
    fn from(e: ParseError) -> Self {
        PredError::new(e.message, e.help)
    }
}

/// A failed check: what was expected and what was there.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    pub expected: String,
    pub actual: String,
    /// Per-JSON-path differences when two structures were compared.
    pub diff: Vec<String>,
}

impl Pred {
    pub fn compile(v: &Value) -> Result<Pred, PredError> {
        let Value::Object(map) = v else {
            return Ok(Pred::Equals(JsonTemplate::compile(v)?));
        };
        let mut all = Vec::new();
        for (k, arg) in map {
            let p = Pred::compile_one(k, arg).map_err(|mut e| {
                e.path.insert(0, k.clone());
                e
            })?;
            all.push(p);
        }
        Ok(if all.len() == 1 {
            all.pop().unwrap()
        } else {
            Pred::All(all)
        })
    }

    /// One `key: argument` of a predicate map.
    fn compile_one(k: &str, arg: &Value) -> Result<Pred, PredError> {
        Ok(match k {
            "equals" => Pred::Equals(JsonTemplate::compile(arg)?),
            "not" => Pred::Not(Box::new(Pred::compile(arg)?)),
            "matches" => {
                let s = arg
                    .as_str()
                    .ok_or(PredError::new("`matches` takes a regex string", None))?;
                let re = Regex::new(s)
                    .map_err(|e| PredError::new(format!("invalid regex: {e}"), None))?;
                Pred::Matches(re)
            }
            "type" => {
                let s = arg.as_str().unwrap_or_default();
                if !TYPES.contains(&s) {
                    let help = format!("types: {}", TYPES.join(", "));
                    return Err(PredError::new(format!("unknown type `{s}`"), Some(help)));
                }
                Pred::Type(s.to_string())
            }
            "absent" | "exists" => {
                let b = arg
                    .as_bool()
                    .ok_or_else(|| PredError::new(format!("`{k}` takes true or false"), None))?;
                Pred::Absent(if k == "absent" { b } else { !b })
            }
            "length" => Pred::Length(Box::new(Pred::compile(arg)?)),
            "contains" => Pred::Contains(JsonTemplate::compile(arg)?),
            "one_of" => {
                let a = arg
                    .as_array()
                    .ok_or(PredError::new("`one_of` takes a list", None))?;
                Pred::OneOf(
                    a.iter()
                        .map(JsonTemplate::compile)
                        .collect::<Result<_, _>>()?,
                )
            }
            "gt" => Pred::Cmp(">", JsonTemplate::compile(arg)?),
            "gte" => Pred::Cmp(">=", JsonTemplate::compile(arg)?),
            "lt" => Pred::Cmp("<", JsonTemplate::compile(arg)?),
            "lte" => Pred::Cmp("<=", JsonTemplate::compile(arg)?),
            "starts_with" => Pred::StartsWith(JsonTemplate::compile(arg)?),
            "ends_with" => Pred::EndsWith(JsonTemplate::compile(arg)?),
            "keys" => {
                let a = arg
                    .as_array()
                    .ok_or(PredError::new("`keys` takes a list of names", None))?;
                Pred::Keys(a.iter().map(crate::lang::template::value_text).collect())
            }
            other => {
                let hint = crate::suggest::did_you_mean(other, KEYWORDS.iter().copied())
                    .unwrap_or_else(|| "to compare with an object, write `{equals: {...}}`".into());
                let message = format!("unknown predicate `{other}`");
                return Err(PredError::new(message, Some(hint)));
            }
        })
    }

    pub fn variables(&self) -> Vec<String> {
        match self {
            Pred::Equals(t)
            | Pred::Contains(t)
            | Pred::Cmp(_, t)
            | Pred::StartsWith(t)
            | Pred::EndsWith(t) => t.variables(),
            Pred::Not(p) | Pred::Length(p) => p.variables(),
            Pred::OneOf(ts) => ts.iter().flat_map(JsonTemplate::variables).collect(),
            Pred::All(ps) => ps.iter().flat_map(Pred::variables).collect(),
            _ => vec![],
        }
    }

    /// Checks `actual` (None when absent). Template errors surface as a mismatch.
    // Longer than the house limit on purpose: one flat match, a table of what each predicate
    // means with a few lines an arm; split up it would read worse.
    pub fn check(&self, actual: Option<&Value>, scope: &mut Scope) -> Result<(), Mismatch> {
        let show = |v: Option<&Value>| {
            v.map(|v| v.to_string())
                .unwrap_or_else(|| "nothing (absent)".into())
        };
        let fail = |expected: String| {
            Err(Mismatch {
                expected,
                actual: show(actual),
                diff: vec![],
            })
        };
        let ev = |t: &JsonTemplate, scope: &mut Scope| t.eval(scope).map(|v| v.value);
        macro_rules! eval {
            ($t:expr) => {
                match ev($t, scope) {
                    Ok(v) => v,
                    Err(e) => {
                        return Err(Mismatch {
                            expected: format!("a value ({e})"),
                            actual: show(actual),
                            diff: vec![],
                        })
                    }
                }
            };
        }
        match self {
            Pred::All(ps) => ps.iter().try_for_each(|p| p.check(actual, scope)),
            Pred::Absent(true) => match actual {
                None => Ok(()),
                Some(_) => fail("absent".into()),
            },
            Pred::Absent(false) => match actual {
                Some(_) => Ok(()),
                None => fail("present".into()),
            },
            Pred::Not(p) => match p.check(actual, scope) {
                Ok(()) => Err(Mismatch {
                    expected: format!("not {}", p.describe()),
                    actual: show(actual),
                    diff: vec![],
                }),
                Err(_) => Ok(()),
            },
            _ if actual.is_none() => fail(self.describe()),
            Pred::Equals(t) => {
                let want = eval!(t);
                let got = actual.unwrap();
                if json_eq(&want, got) {
                    Ok(())
                } else {
                    let mut diff = Vec::new();
                    if want.is_object() || want.is_array() {
                        json_diff("$", &want, got, &mut diff);
                    }
                    Err(Mismatch {
                        expected: want.to_string(),
                        actual: got.to_string(),
                        diff,
                    })
                }
            }
            Pred::Matches(re) => match actual.unwrap() {
                Value::String(s) if re.is_match(s) => Ok(()),
                _ => fail(format!("a string matching /{}/", re.as_str())),
            },
            Pred::Type(t) => {
                let v = actual.unwrap();
                let ok = match t.as_str() {
                    "string" => v.is_string(),
                    "number" => v.is_number(),
                    "integer" => v.is_i64() || v.is_u64(),
                    "boolean" => v.is_boolean(),
                    "null" => v.is_null(),
                    "array" => v.is_array(),
                    _ => v.is_object(),
                };
                if ok {
                    Ok(())
                } else {
                    fail(format!("a value of type {t}"))
                }
            }
            Pred::Length(p) => {
                let n = match actual.unwrap() {
                    Value::String(s) => s.chars().count(),
                    Value::Array(a) => a.len(),
                    Value::Object(o) => o.len(),
                    _ => return fail("something with a length".into()),
                };
                p.check(Some(&Value::from(n)), scope).map_err(|m| Mismatch {
                    expected: format!("length {}", m.expected),
                    actual: format!("length {n}"),
                    diff: vec![],
                })
            }
            Pred::Contains(t) => {
                let want = eval!(t);
                let ok = match actual.unwrap() {
                    Value::String(s) => s.contains(&crate::lang::template::value_text(&want)),
                    Value::Array(a) => a.iter().any(|x| json_eq(&want, x)),
                    Value::Object(o) => o.contains_key(&crate::lang::template::value_text(&want)),
                    _ => false,
                };
                if ok {
                    Ok(())
                } else {
                    fail(format!("something containing {want}"))
                }
            }
            Pred::OneOf(ts) => {
                let mut wants = Vec::new();
                for t in ts {
                    wants.push(eval!(t));
                }
                if wants.iter().any(|w| json_eq(w, actual.unwrap())) {
                    Ok(())
                } else {
                    fail(format!("one of {}", Value::Array(wants)))
                }
            }
            Pred::Cmp(op, t) => {
                let want = eval!(t);
                let (Some(a), Some(w)) = (actual.unwrap().as_f64(), want.as_f64()) else {
                    return fail(format!("a number {op} {want}"));
                };
                let ok = match *op {
                    ">" => a > w,
                    ">=" => a >= w,
                    "<" => a < w,
                    _ => a <= w,
                };
                if ok {
                    Ok(())
                } else {
                    fail(format!("a number {op} {want}"))
                }
            }
            Pred::StartsWith(t) | Pred::EndsWith(t) => {
                let want = crate::lang::template::value_text(&eval!(t));
                let starts = matches!(self, Pred::StartsWith(_));
                match actual.unwrap() {
                    Value::String(s)
                        if (starts && s.starts_with(&want)) || (!starts && s.ends_with(&want)) =>
                    {
                        Ok(())
                    }
                    _ => fail(format!(
                        "a string {} {want:?}",
                        if starts {
                            "starting with"
                        } else {
                            "ending with"
                        }
                    )),
                }
            }
            Pred::Keys(keys) => {
                let Value::Object(o) = actual.unwrap() else {
                    return fail("an object".into());
                };
                let mut got: Vec<&str> = o.keys().map(String::as_str).collect();
                let mut want: Vec<&str> = keys.iter().map(String::as_str).collect();
                got.sort_unstable();
                want.sort_unstable();
                if got == want {
                    Ok(())
                } else {
                    let diff = want
                        .iter()
                        .filter(|k| !got.contains(k))
                        .map(|k| format!("missing key `{k}`"))
                        .chain(
                            got.iter()
                                .filter(|k| !want.contains(k))
                                .map(|k| format!("unexpected key `{k}`")),
                        )
                        .collect();
                    Err(Mismatch {
                        expected: format!("exactly the keys {want:?}"),
                        actual: format!("the keys {got:?}"),
                        diff,
                    })
                }
            }
        }
    }

    /// A short description of what this predicate accepts (for "expected" lines).
    pub fn describe(&self) -> String {
        match self {
            Pred::Equals(JsonTemplate::Const(v)) => v.to_string(),
            Pred::Equals(_) => "the templated value".into(),
            Pred::Not(p) => format!("not {}", p.describe()),
            Pred::Matches(r) => format!("a string matching /{}/", r.as_str()),
            Pred::Type(t) => format!("a value of type {t}"),
            Pred::Absent(b) => {
                if *b {
                    "absent".into()
                } else {
                    "present".into()
                }
            }
            Pred::Length(p) => format!("length {}", p.describe()),
            Pred::Contains(_) => "a value containing the given one".into(),
            Pred::OneOf(_) => "one of the listed values".into(),
            Pred::Cmp(op, JsonTemplate::Const(v)) => format!("a number {op} {v}"),
            Pred::Cmp(op, _) => format!("a number {op} the templated value"),
            Pred::StartsWith(_) => "a string with the given prefix".into(),
            Pred::EndsWith(_) => "a string with the given suffix".into(),
            Pred::Keys(k) => format!("exactly the keys {k:?}"),
            Pred::All(ps) => ps
                .iter()
                .map(Pred::describe)
                .collect::<Vec<_>>()
                .join(" and "),
        }
    }
}

/// JSON equality where numbers compare by value (1 == 1.0).
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// Per-path differences between an expected and an actual structure.
pub fn json_diff(path: &str, want: &Value, got: &Value, out: &mut Vec<String>) {
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => {
            for (k, wv) in w {
                let p = format!("{path}.{k}");
                match g.get(k) {
                    Some(gv) => json_diff(&p, wv, gv, out),
                    None => out.push(format!("{p}: missing (expected {wv})")),
                }
            }
            for k in g.keys().filter(|k| !w.contains_key(*k)) {
                out.push(format!("{path}.{k}: unexpected key"));
            }
        }
        (Value::Array(w), Value::Array(g)) => {
            for i in 0..w.len().max(g.len()) {
                let p = format!("{path}[{i}]");
                match (w.get(i), g.get(i)) {
                    (Some(wv), Some(gv)) => json_diff(&p, wv, gv, out),
                    (Some(wv), None) => out.push(format!("{p}: missing (expected {wv})")),
                    (None, Some(_)) => out.push(format!("{p}: unexpected element")),
                    (None, None) => {}
                }
            }
        }
        _ if !json_eq(want, got) => out.push(format!("{path}: expected {want}, got {got}")),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use serde_json::json;
    use std::collections::HashMap;

    fn check(p: Value, v: Option<Value>) -> Result<(), Mismatch> {
        let env = HashMap::new();
        let mut s = Scope {
            vars: HashMap::new(),
            env: &env,
            rng: rand::rngs::StdRng::seed_from_u64(1),
        };
        Pred::compile(&p).unwrap().check(v.as_ref(), &mut s)
    }

    #[test]
    fn each_predicate_passes_and_fails() {
        let cases = [
            (json!("a"), json!("a"), json!("b")),
            (json!({"not": "a"}), json!("b"), json!("a")),
            (json!({"matches": "^cus_"}), json!("cus_1"), json!("x")),
            (json!({"type": "integer"}), json!(3), json!(3.5)),
            (json!({"length": 2}), json!([1, 2]), json!([1])),
            (json!({"contains": "ab"}), json!("xaby"), json!("x")),
            (json!({"one_of": [1, 2]}), json!(2), json!(3)),
            (json!({"gte": 10, "lt": 20}), json!(10), json!(20)),
            (
                json!({"starts_with": "s%3A"}),
                json!("s%3Aabc"),
                json!("abc"),
            ),
            (json!({"ends_with": ".com"}), json!("a.com"), json!("a.org")),
            (
                json!({"keys": ["a", "b"]}),
                json!({"b": 1, "a": 2}),
                json!({"a": 1}),
            ),
            (json!({"absent": false}), json!(null), json!(null)),
        ];
        for (p, good, bad) in cases.iter().cloned() {
            assert!(check(p.clone(), Some(good)).is_ok(), "{p} should pass");
            if p != json!({"absent": false}) {
                assert!(check(p.clone(), Some(bad)).is_err(), "{p} should fail");
            }
        }
        assert!(check(json!({"absent": true}), None).is_ok());
        assert!(check(json!({"absent": true}), Some(json!(1))).is_err());
        assert!(check(json!({"absent": false}), None).is_err());
    }

    #[test]
    fn object_diff_names_paths() {
        let m = check(
            json!({"equals": {"a": 1, "b": [1]}}),
            Some(json!({"a": 2, "b": [], "c": 0})),
        )
        .unwrap_err();
        assert_eq!(
            m.diff,
            vec![
                "$.a: expected 1, got 2",
                "$.b[0]: missing (expected 1)",
                "$.c: unexpected key"
            ]
        );
    }

    #[test]
    fn unknown_predicate_suggests() {
        let e = Pred::compile(&json!({"lenght": 1})).unwrap_err();
        assert_eq!(e.help.as_deref(), Some("did you mean `length`?"));
    }
}
