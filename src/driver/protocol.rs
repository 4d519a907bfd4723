//! The driver protocol's messages (version 1), as serde types: what the harness writes to a
//! driver's stdin and what it reads back from its stdout, one JSON object per line.
//! `docs/driver-protocol.md` documents them for driver authors and
//! `specs/driver/protocol.schema.json` for validators; `driver check` holds a driver to both.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The protocol version this harness speaks.
pub const PROTOCOL_VERSION: u64 = 1;

/// The operations a step can hand to a driver (the five auth methods and registration).
pub const OPERATIONS: &[&str] = &[
    "register",
    "authenticate",
    "get_session",
    "exists",
    "get_token",
    "delete_session",
];

/// harness → driver.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Outgoing {
    Hello {
        protocol: u64,
        target: String,
        options: Map<String, Value>,
    },
    Call {
        id: u64,
        actor: String,
        op: String,
        args: Value,
    },
    Reset {
        id: u64,
        actor: String,
    },
    Jar {
        id: u64,
        actor: String,
    },
    Shutdown,
}

impl Outgoing {
    pub fn id(&self) -> Option<u64> {
        match self {
            Outgoing::Call { id, .. } | Outgoing::Reset { id, .. } | Outgoing::Jar { id, .. } => {
                Some(*id)
            }
            _ => None,
        }
    }
}

/// A name and a version (the driver's, the client library's).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Named {
    pub name: String,
    pub version: String,
}

/// The driver's handshake answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Hello {
    #[serde(rename = "type")]
    pub kind: String,
    pub protocol: u64,
    pub driver: Named,
    pub client: Named,
    pub operations: Vec<String>,
}

/// Whether the client's promise resolved or rejected.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Resolved,
    Rejected,
}

/// One Set-Cookie as the wire carried it: attributes only, never the value.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct WireCookie {
    pub name: String,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub expires: Option<String>,
    #[serde(default)]
    pub max_age: Option<Value>,
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default)]
    pub http_only: bool,
    #[serde(default)]
    pub secure: bool,
    #[serde(default)]
    pub same_site: Option<String>,
}

impl WireCookie {
    /// The cookie as a `Set-Cookie` line with a masked value, so the existing cookie checks
    /// read the attributes exactly as they read a real header.
    pub fn to_set_cookie_line(&self) -> String {
        let mut s = format!("{}={}", self.name, crate::report::redact::MASK);
        let mut attr = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                s.push_str(&format!("; {k}={v}"));
            }
        };
        attr("Domain", self.domain.clone());
        attr("Path", self.path.clone());
        attr("Expires", self.expires.clone());
        attr(
            "Max-Age",
            self.max_age
                .as_ref()
                .filter(|v| !v.is_null())
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                }),
        );
        attr("SameSite", self.same_site.clone());
        if self.http_only {
            s.push_str("; HttpOnly");
        }
        if self.secure {
            s.push_str("; Secure");
        }
        s
    }
}

/// One HTTP request a call put on the wire (CORS preflights are not listed).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Wire {
    pub method: String,
    pub url: String,
    pub cookie_sent: bool,
    pub bearer_sent: bool,
    #[serde(default)]
    pub body_keys: Option<Vec<String>>,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub response_headers: Map<String, Value>,
    #[serde(default)]
    pub set_cookie: Vec<WireCookie>,
}

/// A cookie in an actor's jar (the `jar` request): never the value.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JarCookie {
    pub name: String,
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub http_only: Option<bool>,
    #[serde(default)]
    pub secure: Option<bool>,
    #[serde(default)]
    pub same_site: Option<String>,
    #[serde(default)]
    pub expires: Option<Value>,
}

/// The answer to a `call`, `reset` or `jar`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CallResult {
    pub id: u64,
    pub outcome: Outcome,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub headers: Map<String, Value>,
    #[serde(default)]
    pub body: Value,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub wire: Vec<Wire>,
    #[serde(default)]
    pub cookies: Option<Vec<JarCookie>>,
    #[serde(default)]
    pub ms: Option<f64>,
}

/// What a driver line may be, once parsed.
#[derive(Debug, Clone)]
pub enum Incoming {
    Hello(Hello),
    Result(CallResult),
    /// `{"type":"error","id":N|null,"message":"..."}`
    Error {
        id: Option<u64>,
        message: String,
    },
}

/// Parses one line the driver wrote; `Err` says what is wrong with it, for people.
pub fn parse_line(line: &str) -> Result<Incoming, String> {
    let v: Value = serde_json::from_str(line).map_err(|e| format!("not JSON ({e})"))?;
    let Some(obj) = v.as_object() else {
        return Err("not a JSON object".into());
    };
    let kind = obj
        .get("type")
        .and_then(Value::as_str)
        .ok_or("has no string `type`")?;
    let fix = |e: serde_json::Error| e.to_string();
    match kind {
        "hello" => serde_json::from_value(v.clone())
            .map(Incoming::Hello)
            .map_err(|e| format!("a `hello` that does not fit the protocol: {}", fix(e))),
        "result" => {
            let r: CallResult = serde_json::from_value(v.clone())
                .map_err(|e| format!("a `result` that does not fit the protocol: {}", fix(e)))?;
            Ok(Incoming::Result(r))
        }
        "error" => {
            let id = match obj.get("id") {
                None | Some(Value::Null) => None,
                Some(Value::Number(n)) if n.as_u64().is_some() => n.as_u64(),
                Some(_) => return Err("an `error` whose `id` is not an integer or null".into()),
            };
            let message = obj
                .get("message")
                .and_then(Value::as_str)
                .ok_or("an `error` without a string `message`")?
                .to_string();
            Ok(Incoming::Error { id, message })
        }
        other => Err(format!(
            "unknown message type `{other}` (a driver sends `hello`, `result` or `error`)"
        )),
    }
}

/// The id a line answers, if it has a readable one (to route even a malformed answer).
pub fn line_id(line: &str) -> Option<u64> {
    serde_json::from_str::<Value>(line)
        .ok()?
        .get("id")?
        .as_u64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_draft_examples() {
        let hello = r#"{"type":"hello","protocol":1,"driver":{"name":"d","version":"0.1.0"},"client":{"name":"@medusajs/medusa-js","version":"6.1.10"},"operations":["register"]}"#;
        assert!(matches!(parse_line(hello), Ok(Incoming::Hello(h)) if h.protocol == 1));
        let result = r#"{"type":"result","id":7,"outcome":"resolved","status":200,"headers":{"content-type":"application/json"},"body":{"customer":{}},"wire":[{"method":"POST","url":"http://localhost:9000/store/auth","cookie_sent":false,"bearer_sent":false,"body_keys":["email","password"],"status":200,"response_headers":{},"set_cookie":[{"name":"connect.sid","path":"/","expires":"Sun, 30 Nov 2026 10:00:00 GMT","max_age":null,"domain":null,"http_only":true,"secure":false,"same_site":null}]}],"ms":12.5}"#;
        let Ok(Incoming::Result(r)) = parse_line(result) else {
            panic!()
        };
        assert_eq!(r.outcome, Outcome::Resolved);
        assert_eq!(
            r.wire[0].set_cookie[0].to_set_cookie_line(),
            "connect.sid=***; Path=/; Expires=Sun, 30 Nov 2026 10:00:00 GMT; HttpOnly"
        );
        assert!(parse_line("not json").is_err());
        assert!(parse_line(r#"{"type":"result","id":1}"#).is_err());
        assert!(matches!(
            parse_line(r#"{"type":"error","id":null,"message":"bad line"}"#),
            Ok(Incoming::Error { id: None, .. })
        ));
    }
}
