//! Checks a response against a step's expectations. Each failure names the check, points at
//! the expectation's YAML line and says expected vs actual.

use crate::engine::actor::SetCookie;
use crate::engine::http::Response;
use crate::lang::predicate::{Mismatch, Pred};
use crate::lang::template::{JsonTemplate, Scope};
use crate::plan::{Check, CookieAttr, Expectation, JwtCheck, StatusSpec};
use serde_json::Value;

/// A failed expectation before redaction.
#[derive(Debug, Clone)]
pub struct Failure {
    pub check: String,
    pub message: String,
    pub diff: Vec<String>,
    pub violations: Vec<crate::specs::Violation>,
}

fn fail(check: impl Into<String>, message: impl Into<String>) -> Failure {
    Failure {
        check: check.into(),
        message: message.into(),
        diff: vec![],
        violations: vec![],
    }
}

fn mismatch(check: String, m: Mismatch) -> Failure {
    Failure {
        message: format!("expected {}, got {}", m.expected, m.actual),
        check,
        diff: m.diff,
        violations: vec![],
    }
}

/// Selects with a JSONPath; more than one match is an error (predicates judge one value).
pub fn select<'a>(
    path: &serde_json_path::JsonPath,
    text: &str,
    v: &'a Value,
) -> Result<Option<&'a Value>, String> {
    let nodes = path.query(v).all();
    match nodes.len() {
        0 => Ok(None),
        1 => Ok(Some(nodes[0])),
        n => Err(format!(
            "`{text}` selects {n} values; make it select one (e.g. index with [0])"
        )),
    }
}

/// The response body as JSON, if it is JSON.
pub fn body_json(r: &Response) -> Option<Value> {
    serde_json::from_slice(&r.body).ok()
}

/// Checks one expectation. `strict` picks the exact level of a schema (see `specs::relax`);
/// whether an `exact:` expectation runs at all is the caller's choice.
pub fn check(
    e: &Expectation,
    r: &Response,
    json: Option<&Value>,
    scope: &mut Scope,
    strict: bool,
) -> Result<(), Failure> {
    match &e.kind {
        Check::Status(spec) => check_status(spec, r),
        Check::ContentType(p) => check_content_type(p, r, scope),
        Check::Header(name, p) => {
            let v = r.header(name).map(Value::String);
            p.check(v.as_ref(), scope)
                .map_err(|m| mismatch(format!("header {name}"), m))
        }
        Check::CookieAbsent(name) => check_cookie_absent(name, r),
        Check::Cookie(name, attrs) => check_cookie(name, attrs, r, scope),
        Check::Json(path, text, p) => check_json(path, text, p, r, json, scope),
        Check::Body(p) => {
            let text = Value::String(r.text());
            p.check(Some(&text), scope)
                .map_err(|m| mismatch("body".into(), m))
        }
        Check::Schema(name, v) => check_schema(name, v, r, json, strict),
        Check::Jwt(j) => check_jwt(j, json, scope),
        Check::Sent(fields) => check_sent(fields, r, scope),
        Check::Outcome(p) => {
            let actual = Value::from(if r.rejected() { "rejected" } else { "resolved" });
            p.check(Some(&actual), scope)
                .map_err(|m| mismatch("outcome".to_string(), m))
        }
    }
}

fn check_status(spec: &StatusSpec, r: &Response) -> Result<(), Failure> {
    let ok = match spec {
        StatusSpec::Codes(c) => c.contains(&r.status),
        StatusSpec::Class(d) => r.status / 100 == *d,
    };
    if ok {
        return Ok(());
    }
    let want = match spec {
        StatusSpec::Codes(c) if c.len() == 1 => c[0].to_string(),
        StatusSpec::Codes(c) => format!("one of {c:?}"),
        StatusSpec::Class(d) => format!("{d}xx"),
    };
    Err(fail(
        "status",
        format!("expected status {want}, got {} {}", r.status, r.reason),
    ))
}

/// Compares the media type alone (lower-cased, parameters dropped) unless the expectation
/// itself spells out parameters (`application/json; charset=utf-8`).
fn check_content_type(p: &Pred, r: &Response, scope: &mut Scope) -> Result<(), Failure> {
    let full = r.header("content-type");
    let wants_full =
        matches!(p, Pred::Equals(JsonTemplate::Const(Value::String(s))) if s.contains(';'));
    let actual = full.map(|f| {
        if wants_full {
            f
        } else {
            f.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        }
    });
    p.check(actual.map(Value::String).as_ref(), scope)
        .map_err(|m| mismatch("content_type".into(), m))
}

fn check_cookie_absent(name: &str, r: &Response) -> Result<(), Failure> {
    let set = r
        .set_cookies()
        .iter()
        .filter_map(|l| SetCookie::parse(l))
        .any(|c| c.name == name);
    if set {
        Err(fail(
            format!("cookie {name}"),
            format!("expected no Set-Cookie for `{name}`, but this response sets it"),
        ))
    } else {
        Ok(())
    }
}

/// The last Set-Cookie for `name` must be there, with every attribute as expected.
fn check_cookie(
    name: &str,
    attrs: &[CookieAttr],
    r: &Response,
    scope: &mut Scope,
) -> Result<(), Failure> {
    let Some(c) = r
        .set_cookies()
        .iter()
        .filter_map(|l| SetCookie::parse(l))
        .rfind(|c| c.name == name)
    else {
        return Err(fail(
            format!("cookie {name}"),
            format!(
                "expected this response to set cookie `{name}`, but it has no Set-Cookie for it"
            ),
        ));
    };
    for a in attrs {
        let v = c.attr_value(&a.attr);
        a.pred
            .check(v.as_ref(), scope)
            .map_err(|m| mismatch(format!("cookie {name} {}", a.attr), m))?;
    }
    Ok(())
}

fn check_json(
    path: &serde_json_path::JsonPath,
    text: &str,
    p: &Pred,
    r: &Response,
    json: Option<&Value>,
    scope: &mut Scope,
) -> Result<(), Failure> {
    let Some(v) = json else {
        return Err(fail(
            format!("json {text}"),
            format!("expected a JSON body, got {}", describe_body(r)),
        ));
    };
    let sel = select(path, text, v).map_err(|m| fail(format!("json {text}"), m))?;
    p.check(sel, scope).map_err(|mut m| {
        // Diff paths are relative to the selected value; show them from the root.
        m.diff = m.diff.iter().map(|d| d.replacen('$', text, 1)).collect();
        mismatch(format!("json {text}"), m)
    })
}

/// The body against the schema's contract level, or as written under `--strict`.
fn check_schema(
    name: &str,
    v: &crate::specs::Compiled,
    r: &Response,
    json: Option<&Value>,
    strict: bool,
) -> Result<(), Failure> {
    let Some(j) = json else {
        return Err(fail(
            format!("schema {name}"),
            format!(
                "expected a JSON body for schema {name}, got {}",
                describe_body(r)
            ),
        ));
    };
    // Compiled before the run started (`harness::prepare`); an error here is a bug.
    let validator = v
        .validator(strict)
        .map_err(|d| fail(format!("schema {name}"), d.message.clone()))?;
    let violations = crate::specs::validate(validator, j);
    if violations.is_empty() {
        return Ok(());
    }
    let message = format!(
        "the body does not match schema {name} ({} violation{})",
        violations.len(),
        if violations.len() == 1 { "" } else { "s" }
    );
    Err(Failure {
        check: format!("schema {name}"),
        message,
        diff: vec![],
        violations,
    })
}

/// `sent:` — what the client put on the wire for this call (the last request of a driver
/// call's wire record; the harness's own request otherwise).
fn check_sent(fields: &[(String, Pred)], r: &Response, scope: &mut Scope) -> Result<(), Failure> {
    let Some(s) = &r.sent else {
        return Err(fail(
            "sent",
            "expected a record of what was sent, but the driver reported no request on the wire for this call",
        ));
    };
    for (k, p) in fields {
        let actual = match k.as_str() {
            "method" => Value::from(s.method.clone()),
            "path" => Value::from(s.path()),
            "cookie" => Value::from(s.cookie),
            "bearer" => Value::from(s.bearer),
            _ => s
                .body_keys
                .as_ref()
                .map(|k| Value::from(k.clone()))
                .unwrap_or(Value::Null),
        };
        p.check(Some(&actual), scope)
            .map_err(|m| mismatch(format!("sent {k}"), m))?;
    }
    Ok(())
}

fn describe_body(r: &Response) -> String {
    match r.header("content-type") {
        Some(ct) => format!("a `{ct}` body"),
        None => "a body with no Content-Type".into(),
    }
}

fn member<'a>(v: &'a Value, key: &str) -> Result<Option<&'a Value>, String> {
    if key.starts_with('$') {
        let p = serde_json_path::JsonPath::parse(key)
            .map_err(|e| format!("invalid JSONPath `{key}`: {e}"))?;
        select(&p, key, v)
    } else {
        Ok(v.get(key))
    }
}

fn check_jwt(j: &JwtCheck, json: Option<&Value>, scope: &mut Scope) -> Result<(), Failure> {
    let check = format!("jwt {}", j.from_text);
    let token = json
        .ok_or_else(|| fail(&check, "expected a JSON body holding a JWT"))
        .and_then(|v| select(&j.from, &j.from_text, v).map_err(|m| fail(&check, m)))?
        .and_then(Value::as_str)
        .ok_or_else(|| {
            fail(
                &check,
                format!("expected a token string at {}", j.from_text),
            )
        })?;
    let parts = crate::engine::jwt::decode(token)
        .map_err(|e| fail(&check, format!("expected a JWT: {e}")))?;
    for (where_, doc, preds) in [
        ("header", &parts.header, &j.header),
        ("claims", &parts.claims, &j.claims),
    ] {
        for (k, p) in preds {
            let v = member(doc, k).map_err(|m| fail(&check, m))?;
            p.check(v, scope)
                .map_err(|m| mismatch(format!("{check} {where_} {k}"), m))?;
        }
    }
    let num = |k: &str| parts.claims.get(k).and_then(Value::as_i64);
    if let Some(p) = &j.lifetime {
        let (Some(iat), Some(exp)) = (num("iat"), num("exp")) else {
            return Err(fail(
                format!("{check} lifetime"),
                "expected numeric `iat` and `exp` claims",
            ));
        };
        p.check(Some(&Value::from(exp - iat)), scope)
            .map_err(|m| mismatch(format!("{check} lifetime (exp - iat)"), m))?;
    }
    if let Some(w) = j.issued_within {
        let now = crate::clock::now_secs();
        match num("iat") {
            Some(iat) if (iat - now).unsigned_abs() <= w => {}
            Some(iat) => {
                return Err(fail(
                    format!("{check} iat"),
                    format!(
                        "expected iat within {w}s of now, but it is {}s off",
                        iat - now
                    ),
                ));
            }
            None => {
                return Err(fail(
                    format!("{check} iat"),
                    "expected a numeric `iat` claim",
                ));
            }
        }
    }
    Ok(())
}
