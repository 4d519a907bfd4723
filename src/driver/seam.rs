//! Where a step meets the driver: the step's operation becomes a `call` for its actor, and the
//! driver's answer becomes the same [`Response`] the expectations check for direct HTTP —
//! status, headers and body as the client surfaced them, `Set-Cookie` (attributes, masked
//! value) and [`Sent`] from the wire record. A rejection without a response is a transport-level
//! step error, as a refused connection is for direct HTTP.

use super::protocol::{CallResult, Outcome, Wire};
use super::{CallError, Driver};
use crate::http::{Response, Sent};
use crate::operation::Prepared;
use serde_json::Value;
use std::time::Duration;

/// The driver's actor id for a scenario's actor: actors never meet across scenarios or
/// repetitions.
pub fn actor_id(scenario: &str, iteration: u32, actor: &str) -> String {
    format!("{scenario}#{iteration}/{actor}")
}

/// Sends the step's operation through the driver.
pub async fn send(
    driver: &Driver,
    actor: &str,
    op: &str,
    prepared: &Prepared,
) -> Result<Response, String> {
    driver.add_secrets(&prepared.secrets);
    let args = prepared
        .client_args
        .clone()
        .unwrap_or_else(|| Value::Object(Default::default()));
    match driver.call(actor, op, args).await {
        Ok(r) => response(r),
        Err(CallError::Fatal(e)) => Err(format!(
            "driver failure during {}: {} (the driver's stderr is shown at the end of the run)",
            e.call, e.problem
        )),
        Err(e @ CallError::Refused(_)) => Err(e.to_string()),
    }
}

fn sent(w: &Wire) -> Sent {
    Sent {
        method: w.method.to_ascii_uppercase(),
        url: w.url.clone(),
        cookie: w.cookie_sent,
        bearer: w.bearer_sent,
        body_keys: w.body_keys.clone(),
    }
}

/// The driver's answer as a response (or why there is none).
pub fn response(r: CallResult) -> Result<Response, String> {
    let status = match (r.outcome, r.status) {
        (_, Some(s)) => s,
        (Outcome::Rejected, None) => {
            return Err(format!(
                "the client rejected without a response: {}",
                r.error.as_deref().unwrap_or("no error message")
            ));
        }
        (Outcome::Resolved, None) => {
            return Err("the driver answered `resolved` without a `status`".into());
        }
    };
    let mut headers = Vec::new();
    for (k, v) in &r.headers {
        let k = k.to_ascii_lowercase();
        // A driver must never pass cookie values; the wire record carries their attributes.
        if k == "set-cookie" {
            continue;
        }
        match v {
            Value::String(s) => headers.push((k, s.clone())),
            Value::Array(a) => {
                for x in a {
                    headers.push((
                        k.clone(),
                        x.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| x.to_string()),
                    ));
                }
            }
            Value::Null => {}
            other => headers.push((k, other.to_string())),
        }
    }
    for w in &r.wire {
        for c in &w.set_cookie {
            headers.push(("set-cookie".into(), c.to_set_cookie_line()));
        }
    }
    let body = match &r.body {
        Value::Null => Vec::new(),
        Value::String(s) => s.clone().into_bytes(),
        other => serde_json::to_vec(other).unwrap_or_default(),
    };
    Ok(Response {
        status,
        reason: reqwest::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("")
            .to_string(),
        headers,
        truncated: body.len() > crate::http::BODY_CAP,
        body,
        elapsed: Duration::from_secs_f64(r.ms.unwrap_or(0.0).max(0.0) / 1000.0),
        sent: r.wire.last().map(sent),
    })
}

/// The wire record as the report's request record (flags only, never values).
pub fn request_record(s: &Sent) -> crate::event::RequestRecord {
    let mut headers = Vec::new();
    if s.cookie {
        headers.push((
            "cookie".into(),
            format!("{} (sent by the client)", crate::redact::MASK),
        ));
    }
    if s.bearer {
        headers.push((
            "authorization".into(),
            format!("Bearer {} (sent by the client)", crate::redact::MASK),
        ));
    }
    crate::event::RequestRecord {
        method: s.method.clone(),
        url: s.url.clone(),
        headers,
        body: s
            .body_keys
            .as_ref()
            .map(|k| format!("(a JSON body with keys: {})", k.join(", "))),
    }
}
