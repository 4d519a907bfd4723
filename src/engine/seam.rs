//! Where a step meets the driver: the step's operation becomes a `call` for its actor, and the
//! driver's answer becomes the same [`Response`] the expectations check for direct HTTP —
//! status, headers and body as the client surfaced them, `Set-Cookie` (attributes, masked
//! value) and [`Sent`] from the wire record. A rejection without a response is a transport-level
//! step error, as a refused connection is for direct HTTP.

use crate::driver::protocol::{CallResult, Outcome, Wire};
use crate::driver::{CallError, Driver};
use crate::engine::http::{Response, Sent};
use crate::engine::operation::Prepared;
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
    let mut body = match &r.body {
        Value::Null => Vec::new(),
        Value::String(s) => s.clone().into_bytes(),
        other => serde_json::to_vec(other).unwrap_or_default(),
    };
    // The same cap as for direct HTTP (a runaway driver answer stays bounded in reports).
    let truncated = body.len() > crate::engine::http::BODY_CAP;
    body.truncate(crate::engine::http::BODY_CAP);
    Ok(Response {
        status,
        reason: reqwest::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("")
            .to_string(),
        headers,
        truncated,
        body,
        elapsed: Duration::from_secs_f64(r.ms.unwrap_or(0.0).max(0.0) / 1000.0),
        sent: r.wire.last().map(sent),
        client_rejected: Some(matches!(r.outcome, Outcome::Rejected)),
    })
}

/// The wire record as the report's request record (flags only, never values).
pub fn request_record(s: &Sent) -> crate::report::event::RequestRecord {
    let mut headers = Vec::new();
    if s.cookie {
        headers.push((
            "cookie".into(),
            format!("{} (sent by the client)", crate::report::redact::MASK),
        ));
    }
    if s.bearer {
        headers.push((
            "authorization".into(),
            format!(
                "Bearer {} (sent by the client)",
                crate::report::redact::MASK
            ),
        ));
    }
    crate::report::event::RequestRecord {
        method: s.method.clone(),
        url: s.url.clone(),
        headers,
        body: s.body_keys.as_ref().map(|k| {
            if k.is_empty() {
                "(an empty JSON object body)".to_string()
            } else {
                format!("(a JSON body with keys: {})", k.join(", "))
            }
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::protocol::{Incoming, parse_line};

    fn result(line: &str) -> CallResult {
        match parse_line(line) {
            Ok(Incoming::Result(r)) => r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_rejection_with_a_response_is_that_response() {
        let r = response(result(
            r#"{"type":"result","id":1,"outcome":"rejected","status":401,"headers":{"vary":["Origin","Accept"],"set-cookie":"connect.sid=secret"},"body":"Unauthorized","wire":[{"method":"get","url":"http://localhost:9000/store/auth?x=1","cookie_sent":true,"bearer_sent":false,"body_keys":null,"status":401,"response_headers":{},"set_cookie":[{"name":"connect.sid","path":"/","http_only":true}]}]}"#,
        ))
        .unwrap();
        assert_eq!(r.status, 401);
        assert_eq!(r.text(), "Unauthorized");
        assert_eq!(r.header("vary").as_deref(), Some("Origin, Accept"));
        // Set-Cookie comes from the wire record, with the value masked, never from `headers`.
        assert_eq!(r.set_cookies(), ["connect.sid=***; Path=/; HttpOnly"]);
        let s = r.sent.unwrap();
        assert_eq!(
            (s.method.as_str(), s.path().as_str()),
            ("GET", "/store/auth")
        );
        assert!(s.cookie && !s.bearer);
    }

    #[test]
    fn a_rejection_without_a_response_is_a_transport_error() {
        let e = response(result(
            r#"{"type":"result","id":1,"outcome":"rejected","status":null,"error":"Network Error","wire":[]}"#,
        ))
        .unwrap_err();
        assert_eq!(e, "the client rejected without a response: Network Error");
    }
}
