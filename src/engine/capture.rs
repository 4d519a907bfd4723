//! Captures: values taken from a response (JSONPath, header, Set-Cookie value or attribute,
//! the actor's jar, a regex on the body, the status) for later steps.

use crate::engine::actor::{Actor, SetCookie};
use crate::engine::check::select;
use crate::engine::http::Response;
use crate::lang::template::RuntimeValue;
use crate::plan::{Capture, CaptureFrom};
use serde_json::Value;

pub fn take(
    c: &Capture,
    r: &Response,
    json: Option<&Value>,
    actor: &Actor,
) -> Result<RuntimeValue, String> {
    let value = match &c.from {
        CaptureFrom::Json(p, text) => {
            let v = json.ok_or("the body is not JSON")?;
            select(p, text, v)?
                .cloned()
                .ok_or_else(|| format!("`{text}` selects nothing"))?
        }
        CaptureFrom::Header(h) => {
            Value::String(r.header(h).ok_or_else(|| format!("no `{h}` header"))?)
        }
        CaptureFrom::Cookie { name, attr, jar } => {
            if *jar {
                Value::String(
                    actor
                        .jar_value(name)
                        .ok_or_else(|| format!("no `{name}` cookie in the jar"))?,
                )
            } else {
                let sc = r
                    .set_cookies()
                    .iter()
                    .filter_map(|l| SetCookie::parse(l))
                    .rfind(|s| &s.name == name)
                    .ok_or_else(|| format!("this response sets no `{name}` cookie"))?;
                let a = attr.as_deref().unwrap_or("value");
                sc.attr_value(a)
                    .ok_or_else(|| format!("cookie `{name}` has no `{a}` attribute"))?
            }
        }
        CaptureFrom::Regex(re, group) => {
            let text = r.text();
            let caps = re
                .captures(&text)
                .ok_or_else(|| format!("/{}/ does not match the body", re.as_str()))?;
            Value::String(
                caps.get(*group)
                    .ok_or_else(|| format!("/{}/ has no group {group}", re.as_str()))?
                    .as_str()
                    .to_string(),
            )
        }
        CaptureFrom::Status => Value::from(r.status),
    };
    Ok(RuntimeValue {
        value,
        secret: c.secret,
    })
}
