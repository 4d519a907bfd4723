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
        return "Unexpected end of JSON input".into();
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
    if msg.starts_with("key must be a string") {
        format!("Expected double-quoted property name in JSON at position {pos}")
    } else if msg.starts_with("trailing comma") {
        format!("Expected double-quoted property name in JSON at position {pos}")
    } else {
        let c = text.chars().nth(pos).unwrap_or(' ');
        format!(
            "Unexpected token '{c}', \"{}\" is not valid JSON",
            snippet(bytes)
        )
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

/// A strict zod object: unknown keys first, then each field's type.
pub(crate) struct Fields<'a> {
    pub strings: &'a [&'a str],
    pub objects: &'a [&'a str],
    pub required: &'a [&'a str],
    pub strict: bool,
}

impl Fields<'_> {
    pub(crate) fn check(&self, body: &Value) -> Result<(), Box<Response>> {
        let Value::Object(o) = body else {
            return Err(Box::new(errors::invalid(
                "Invalid request: Expected type: 'object' for field '', got: 'array'",
            )));
        };
        if self.strict {
            let unknown: Vec<String> = o
                .keys()
                .filter(|k| !self.strings.contains(&k.as_str()) && !self.objects.contains(&k.as_str()))
                .map(|k| format!("'{k}'"))
                .collect();
            if !unknown.is_empty() {
                return Err(Box::new(errors::invalid(&format!(
                    "Invalid request: Unrecognized fields: {}",
                    unknown.join(", ")
                ))));
            }
        }
        for f in self.required {
            if matches!(o.get(*f), None) {
                return Err(Box::new(errors::invalid(&format!(
                    "Invalid request: Field '{f}' is required"
                ))));
            }
        }
        for f in self.strings {
            match o.get(*f) {
                None | Some(Value::Null) | Some(Value::String(_)) => {}
                Some(v) => {
                    return Err(Box::new(errors::invalid(&format!(
                        "Invalid request: Expected type: 'string' for field '{f}', got: '{}'",
                        shown(v)
                    ))));
                }
            }
        }
        for f in self.objects {
            match o.get(*f) {
                None | Some(Value::Null) | Some(Value::Object(_)) => {}
                Some(v) => {
                    return Err(Box::new(errors::invalid(&format!(
                        "Invalid request: Expected type: 'object' for field '{f}', got: '{}'",
                        shown(v)
                    ))));
                }
            }
        }
        Ok(())
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
