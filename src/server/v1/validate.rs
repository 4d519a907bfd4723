//! What Medusa 1.20 does with a request body before a handler sees it: body-parser (JSON only
//! when the content type says so, 100 kB, malformed → an HTML 400), then class-validator with
//! `whitelist` + `forbidNonWhitelisted` (unknown keys first, then each field's rule, all
//! messages joined into one `invalid_data` 400).

use super::respond::{html_error, invalid};
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde_json::{Map, Value};

/// body-parser's default JSON limit.
pub(crate) const BODY_LIMIT: usize = 100 * 1024;

/// body-parser reads a body only when the content type is JSON.
pub(crate) fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("application/json")
        })
        .unwrap_or(false)
}

/// body-parser: JSON only when the content type says so; malformed → 400 HTML, too big → 413.
pub(crate) fn parse_body(headers: &HeaderMap, body: &Bytes) -> Result<Value, Box<Response>> {
    if !is_json(headers) || body.is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    if body.len() > BODY_LIMIT {
        return Err(Box::new(html_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PayloadTooLargeError: request entity too large",
        )));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(v @ (Value::Object(_) | Value::Array(_))) => Ok(v),
        _ => Err(Box::new(html_error(
            StatusCode::BAD_REQUEST,
            "SyntaxError: Unexpected token in JSON",
        ))),
    }
}

/// validator.js `isEmail` with default options, close enough: no spaces, a TLD.
pub(super) fn is_email(v: &Value) -> bool {
    let Some(s) = v.as_str() else { return false };
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && !s.chars().any(char::is_whitespace)
        && domain.split('.').count() >= 2
        && domain
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && domain
            .rsplit('.')
            .next()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
}

fn not_empty(v: Option<&Value>) -> bool {
    !matches!(v, None | Some(Value::Null)) && v != Some(&Value::String(String::new()))
}

/// A field and its class-validator rule: the message when the value breaks it.
pub(super) type Rule = (&'static str, fn(Option<&Value>) -> Option<&'static str>);

/// class-validator with whitelist + forbidNonWhitelisted: unknown keys first, then fields.
pub(super) fn validate(
    body: &Value,
    allowed: &[&str],
    rules: &[Rule],
) -> Result<(), Box<Response>> {
    let Value::Object(o) = body else {
        return Err(Box::new(invalid(
            "an unknown value was passed to the validate function".into(),
        )));
    };
    let mut msgs: Vec<String> = o
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .map(|k| format!("property {k} should not exist"))
        .collect();
    for (field, rule) in rules {
        if let Some(m) = rule(o.get(*field)) {
            msgs.push(m.to_string());
        }
    }
    if msgs.is_empty() {
        Ok(())
    } else {
        Err(Box::new(invalid(msgs.join(", "))))
    }
}

/// `StorePostAuthReq`: an e-mail and a non-empty password.
pub(super) fn login_rules() -> Vec<Rule> {
    vec![
        ("email", |v| {
            (!v.is_some_and(is_email)).then_some("email must be an email")
        }),
        ("password", |v| {
            (!not_empty(v)).then_some("password should not be empty")
        }),
    ]
}

/// `StorePostCustomersReq`: optional strings, a required e-mail and password.
pub(super) fn customer_rules() -> Vec<Rule> {
    vec![
        ("first_name", |v| {
            (v.is_some_and(|v| !v.is_string())).then_some("first_name must be a string")
        }),
        ("last_name", |v| {
            (v.is_some_and(|v| !v.is_string())).then_some("last_name must be a string")
        }),
        ("email", |v| {
            (!v.is_some_and(is_email)).then_some("email must be an email")
        }),
        ("password", |v| {
            (!v.is_some_and(Value::is_string)).then_some("password must be a string")
        }),
        ("phone", |v| {
            (v.is_some_and(|v| !v.is_string())).then_some("phone must be a string")
        }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn email_rules() {
        assert!(is_email(&json!("a@b.co")));
        assert!(!is_email(&json!("not-an-email")));
        assert!(!is_email(&json!(" a@b.co")));
        assert!(!is_email(&json!("a@localhost")));
        assert!(!is_email(&json!(5)));
    }
}
