//! Compiles a step's `capture:` into [`Capture`]s: where each value comes from (a JSONPath, a
//! header, a cookie, a regex over the body, the status) and whether it is a secret. A capture
//! defines its variable for the steps after it.

use super::{Capture, CaptureFrom};
use super::{Planner, suggest};
use crate::report::secret::is_secret_name;
use crate::scenario::source::Span;
use crate::scenario::{SValue, SpannedMap};
use serde_json::{Map, Value};

// The options of a capture map, from the scenario format's one definition.
use crate::scenario::shape::CAPTURE_KEYS;

impl Planner<'_> {
    pub(super) fn captures(&mut self, m: &SpannedMap<SValue>) -> Vec<Capture> {
        let mut out = Vec::new();
        for (k, v) in &m.0 {
            let span = self.span(v);
            let name = k.value.clone();
            let source = match &v.value {
                Value::String(p) => self
                    .jsonpath(span.clone(), p)
                    .map(|jp| (CaptureFrom::Json(jp, p.clone()), false)),
                Value::Object(o) => self.capture_options(&name, &span, o),
                _ => {
                    self.err(
                        span.clone(),
                        format!("capture `{name}` needs a source"),
                        Some("e.g. `customer_id: $.customer.id`".into()),
                    );
                    None
                }
            };
            let Some((from, secret)) = source else {
                continue;
            };
            self.defined.insert(name.clone());
            out.push(Capture {
                secret: secret || derives_secret(&from) || is_secret_name(&name),
                name,
                span,
                from,
            });
        }
        out
    }

    /// A capture written as a map: its source and its `secret:` flag.
    fn capture_options(
        &mut self,
        name: &str,
        span: &Span,
        o: &Map<String, Value>,
    ) -> Option<(CaptureFrom, bool)> {
        if let Some(k) = o.keys().find(|k| !CAPTURE_KEYS.contains(&k.as_str())) {
            let at = self.key_span(span, &[k]);
            self.err(
                at,
                format!("capture `{name}` has no option `{k}`"),
                suggest(k, &CAPTURE_KEYS).or(Some(format!("options: {}", CAPTURE_KEYS.join(", ")))),
            );
            return None;
        }
        let secret = o.get("secret").and_then(Value::as_bool).unwrap_or(false);
        let s = |key: &str| o.get(key).and_then(Value::as_str).map(str::to_string);
        let from = if let Some(p) = s("json") {
            CaptureFrom::Json(self.jsonpath(span.clone(), &p)?, p)
        } else if let Some(h) = s("header") {
            CaptureFrom::Header(h.to_ascii_lowercase())
        } else if let Some(c) = s("cookie") {
            CaptureFrom::Cookie {
                name: c,
                attr: s("attr"),
                jar: o.get("jar").and_then(Value::as_bool).unwrap_or(false),
            }
        } else if let Some(r) = s("regex") {
            let group = o.get("group").and_then(Value::as_u64).unwrap_or(1) as usize;
            match regex::Regex::new(&r) {
                Ok(re) => CaptureFrom::Regex(re, group),
                Err(e) => {
                    self.err(span.clone(), format!("invalid regex: {e}"), None);
                    return None;
                }
            }
        } else if o.contains_key("status") {
            CaptureFrom::Status
        } else {
            self.err(span.clone(), format!("capture `{name}` needs a source"), Some("use `$.json.path`, `{json: ...}`, `{header: ...}`, `{cookie: ...}`, `{regex: ...}` or `{status: true}`".into()));
            return None;
        };
        Some((from, secret))
    }
}

/// Whether the source itself holds a secret: a secret-named member or header, a Set-Cookie, a
/// cookie's value.
fn derives_secret(from: &CaptureFrom) -> bool {
    match from {
        CaptureFrom::Json(_, p) => is_secret_name(p),
        CaptureFrom::Header(h) => is_secret_name(h) || h == "set-cookie",
        CaptureFrom::Cookie { attr, .. } => attr.is_none() || attr.as_deref() == Some("value"),
        CaptureFrom::Regex(..) | CaptureFrom::Status => false,
    }
}
