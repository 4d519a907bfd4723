//! Request bodies as Medusa v2 reads them: `express.json()` and `express.urlencoded()` are
//! app-wide, so a malformed JSON body is a 400 on every path, before CORS (its response has no
//! `Vary`), with V8's `JSON.parse` message; then the routes' zod validators and their
//! `Invalid request: …` messages.
//!
//! Hand-written: the point is V8's and Medusa's exact wording, which no crate reproduces.

use super::errors;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde_json::{Map, Value, json};

/// body-parser's default limit.
pub(crate) const LIMIT: usize = 100 * 1024;

/// The parsed body, handed to the handlers (`{}` when there is none).
#[derive(Clone)]
pub(crate) struct Parsed(pub Value);

fn media_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Parses `bytes` as body-parser would; `Err` is the 400/413 response.
pub(crate) fn parse(headers: &HeaderMap, bytes: &[u8]) -> Result<Value, Box<Response>> {
    let media = media_type(headers);
    if bytes.is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    if bytes.len() > LIMIT {
        return Err(Box::new(errors::json_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            json!({"message": "request entity too large", "type": "invalid_data"}),
        )));
    }
    match media.as_str() {
        "application/json" => match serde_json::from_slice::<Value>(bytes) {
            Ok(v @ (Value::Object(_) | Value::Array(_))) => Ok(v),
            Ok(_) => Err(Box::new(syntax_error(format!(
                "Unexpected token '{}', \"{}\" is not valid JSON",
                String::from_utf8_lossy(&bytes[..1]),
                snippet(bytes)
            )))),
            Err(e) => Err(Box::new(syntax_error(v8_message(bytes, &e)))),
        },
        "application/x-www-form-urlencoded" => Ok(Value::Object(
            url::form_urlencoded::parse(bytes)
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect(),
        )),
        _ => Ok(Value::Object(Map::new())),
    }
}

/// Medusa's error handler on body-parser's SyntaxError: `message` first, then `type`.
fn syntax_error(message: String) -> Response {
    errors::json_response(
        StatusCode::BAD_REQUEST,
        json!({"message": message, "type": "invalid_data"}),
    )
}

fn snippet(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(bytes);
    if s.chars().count() <= 30 {
        s.into_owned()
    } else {
        let head: String = s.chars().take(10).collect();
        format!("{head}...")
    }
}

/// V8 (Node 20) `JSON.parse` messages for the common mistakes.
fn v8_message(bytes: &[u8], e: &serde_json::Error) -> String {
    if e.is_eof() {
        return v8_eof(bytes);
    }
    // serde's line/column (1-based) → V8's character position.
    let text = String::from_utf8_lossy(bytes);
    let mut pos = 0usize;
    for (i, line) in text.split('\n').enumerate() {
        if i + 1 == e.line() {
            pos += line
                .char_indices()
                .take_while(|(b, _)| *b < e.column().saturating_sub(1))
                .count();
            break;
        }
        pos += line.chars().count() + 1;
    }
    let msg = e.to_string();
    if msg.starts_with("key must be a string") || msg.starts_with("trailing comma") {
        format!("Expected double-quoted property name in JSON at position {pos}")
    } else {
        let c = text.chars().nth(pos).unwrap_or(' ');
        format!(
            "Unexpected token '{c}', \"{}\" is not valid JSON",
            snippet(bytes)
        )
    }
}

/// V8's message for a text that ends too early: inside an array or object after a value it
/// names what it expected, a broken literal is an unexpected token.
fn v8_eof(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let trimmed = text.trim();
    if trimmed.starts_with(['t', 'f', 'n']) {
        return format!(
            "Unexpected token '{}', \"{}\" is not valid JSON",
            &trimmed[..1],
            snippet(bytes)
        );
    }
    // Containers still open, whether the last token ended a value, and (objects) whether
    // that value sat after a `:`.
    let mut stack = Vec::new();
    let (mut in_string, mut escaped, mut after_value, mut after_colon) =
        (false, false, false, false);
    for c in text.chars() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    in_string = false;
                    after_value = true;
                }
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' | '[' => {
                stack.push(c);
                after_value = false;
                after_colon = false;
            }
            '}' | ']' => {
                stack.pop();
                after_value = true;
            }
            ',' => {
                after_value = false;
                after_colon = false;
            }
            ':' => {
                after_value = false;
                after_colon = true;
            }
            c if c.is_whitespace() => {}
            _ => after_value = true,
        }
    }
    let pos = text.chars().count();
    match stack.last() {
        Some('[') if after_value && !in_string => {
            format!("Expected ',' or ']' after array element in JSON at position {pos}")
        }
        Some('{') if after_value && after_colon && !in_string => {
            format!("Expected ',' or '}}' after property value in JSON at position {pos}")
        }
        _ => "Unexpected end of JSON input".into(),
    }
}

/// zod's `.email()` pattern (v3), which Medusa's validators use.
pub(crate) fn is_email(s: &str) -> bool {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(
            r"^[A-Za-z0-9_'+\-\.]*[A-Za-z0-9_+\-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$",
        )
        .expect("valid regex")
    })
    .is_match(s)
        && !s.starts_with('.')
        && !s.contains("..")
}

/// How a value shows in `got: '…'`.
fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A zod object schema: each field's issue in schema order, then (strict) the unknown keys,
/// joined with `; ` after `Invalid request: ` as Medusa's `zodValidator` does.
pub(crate) struct Fields<'a> {
    pub strings: &'a [&'a str],
    pub objects: &'a [&'a str],
    pub booleans: &'a [&'a str],
    pub required: &'a [&'a str],
    /// String fields that must also be e-mail addresses.
    pub emails: &'a [&'a str],
    pub strict: bool,
}

impl Fields<'_> {
    pub(crate) fn check(&self, body: &Value) -> Result<(), Box<Response>> {
        let Value::Object(o) = body else {
            return Err(Box::new(errors::invalid(
                "Invalid request: Expected type: 'object' for field '', got: 'array'",
            )));
        };
        let mut issues = Vec::new();
        for f in self.strings {
            match o.get(*f) {
                None if self.required.contains(f) => {
                    issues.push(format!("Field '{f}' is required"));
                }
                None | Some(Value::Null) => {}
                Some(Value::String(s)) => {
                    if self.emails.contains(f) && !is_email(s) {
                        issues.push("Invalid email address".to_string());
                    }
                }
                Some(v) => issues.push(format!(
                    "Expected type: 'string' for field '{f}', got: '{}'",
                    shown(v)
                )),
            }
        }
        for f in self.objects {
            match o.get(*f) {
                None | Some(Value::Null) | Some(Value::Object(_)) => {}
                Some(v) => issues.push(format!(
                    "Expected type: 'object' for field '{f}', got: '{}'",
                    shown(v)
                )),
            }
        }
        for f in self.booleans {
            match o.get(*f) {
                None | Some(Value::Null) | Some(Value::Bool(_)) => {}
                Some(v) => issues.push(format!(
                    "Expected type: 'boolean' for field '{f}', got: '{}'",
                    shown(v)
                )),
            }
        }
        if self.strict {
            let unknown: Vec<&str> = o
                .keys()
                .map(String::as_str)
                .filter(|k| {
                    !self.strings.contains(k)
                        && !self.objects.contains(k)
                        && !self.booleans.contains(k)
                })
                .collect();
            if !unknown.is_empty() {
                issues.push(format!("Unrecognized fields: '{}'", unknown.join(", ")));
            }
        }
        if issues.is_empty() {
            Ok(())
        } else {
            Err(Box::new(errors::invalid(&format!(
                "Invalid request: {}",
                issues.join("; ")
            ))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v8_messages() {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
        let r = parse(&h, br#"{"email": "a@b.c", password: 1}"#).unwrap_err();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let e = serde_json::from_slice::<Value>(br#"{"email": "a@b.c", password: 1}"#).unwrap_err();
        assert_eq!(
            v8_message(br#"{"email": "a@b.c", password: 1}"#, &e),
            "Expected double-quoted property name in JSON at position 19"
        );
        let e = serde_json::from_slice::<Value>(b"{\"a\":").unwrap_err();
        assert_eq!(v8_message(b"{\"a\":", &e), "Unexpected end of JSON input");
        let e = serde_json::from_slice::<Value>(b"[1").unwrap_err();
        assert_eq!(
            v8_message(b"[1", &e),
            "Expected ',' or ']' after array element in JSON at position 2"
        );
        let e = serde_json::from_slice::<Value>(b"tru").unwrap_err();
        assert_eq!(
            v8_message(b"tru", &e),
            "Unexpected token 't', \"tru\" is not valid JSON"
        );
    }

    #[test]
    fn zod_email() {
        assert!(is_email("ada@example.com"));
        assert!(is_email("Mixed.Case@Example.COM"));
        assert!(!is_email("not-an-email"));
        assert!(!is_email("a@b.c"));
        assert!(!is_email(".a@b.co"));
    }
}
