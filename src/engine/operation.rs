//! The one place where a medusa-js `auth` method becomes an HTTP request.
//!
//! | step | medusa-js | request |
//! |---|---|---|
//! | `authenticate` | `auth.authenticate(payload)` | `POST /store/auth`, JSON body |
//! | `get_session` | `auth.getSession()` | `GET /store/auth` |
//! | `exists` | `auth.exists(email)` | `GET /store/auth/{email}` |
//! | `get_token` | `auth.getToken(payload)` | `POST /store/auth/token`, JSON body |
//! | `delete_session` | `auth.deleteSession()` | `DELETE /store/auth` |
//! | `register` | `customers.create(payload)` | `POST /store/customers`, JSON body |

use crate::lang::template::{JsonTemplate, RuntimeValue, Scope};
use serde_json::Value;

#[derive(Debug)]
pub enum Op {
    Authenticate(JsonTemplate),
    GetSession,
    Exists {
        email: JsonTemplate,
        encode: bool,
    },
    GetToken(JsonTemplate),
    DeleteSession,
    Register(JsonTemplate),
    /// A `call:` of the scenario's API table (src/api/).
    Api {
        api: &'static crate::api::Api,
        op: &'static crate::api::ApiOp,
        args: JsonTemplate,
    },
    Request {
        method: String,
        path: JsonTemplate,
        query: Vec<(String, JsonTemplate)>,
        headers: Vec<(String, JsonTemplate)>,
        json: Option<JsonTemplate>,
        body: Option<JsonTemplate>,
    },
}

/// A request before cookies and bearer are added.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    /// Values in this request that must be masked (passwords in bodies, secret vars).
    pub secrets: Vec<String>,
    /// The client call's arguments (driver mode): the evaluated map, as given.
    pub client_args: Option<Value>,
    /// A bearer the operation itself carries (an API call's token argument).
    pub bearer: Option<String>,
}

fn note(v: &RuntimeValue, secrets: &mut Vec<String>) {
    if v.secret {
        match &v.value {
            Value::String(s) => secrets.push(s.clone()),
            other => crate::lang::template::JsonTemplate::secret_strings(other, secrets),
        }
    }
    crate::lang::template::JsonTemplate::secret_strings(&v.value, secrets);
}

fn json_body(t: &JsonTemplate, scope: &mut Scope, p: &mut Prepared) -> Result<(), String> {
    let v = t.eval_noting(scope, &mut p.secrets)?;
    // `authenticate:` with no value means an empty object body.
    let body = if v.is_null() {
        Value::Object(Default::default())
    } else {
        v
    };
    p.headers
        .push(("content-type".into(), "application/json".into()));
    p.body = Some(serde_json::to_vec(&body).map_err(|e| e.to_string())?);
    p.client_args = Some(body);
    Ok(())
}

impl Op {
    /// The JSON field of a 2xx response that becomes the actor's bearer token.
    pub fn keeps_bearer(&self) -> Option<&'static str> {
        match self {
            Op::GetToken(_) => Some("access_token"),
            Op::Api { op, .. } => op.keep_bearer,
            _ => None,
        }
    }

    /// The API table entry, for `call:` steps.
    pub fn api_op(&self) -> Option<&'static crate::api::ApiOp> {
        match self {
            Op::Api { op, .. } => Some(op),
            _ => None,
        }
    }

    /// The driver protocol's name for this operation (`None`: a raw request).
    pub fn client_op(&self) -> Option<&'static str> {
        Some(match self {
            Op::Authenticate(_) => "authenticate",
            Op::GetSession => "get_session",
            Op::Exists { .. } => "exists",
            Op::GetToken(_) => "get_token",
            Op::DeleteSession => "delete_session",
            Op::Register(_) => "register",
            Op::Request { .. } | Op::Api { .. } => return None,
        })
    }

    /// Evaluates the templates and builds the request.
    pub fn prepare(&self, scope: &mut Scope) -> Result<Prepared, String> {
        let mut p = Prepared {
            method: "GET".into(),
            path: String::new(),
            query: vec![],
            headers: vec![],
            body: None,
            secrets: vec![],
            client_args: None,
            bearer: None,
        };
        match self {
            Op::Api { api, op, args } => api_call(api, op, args, scope, &mut p)?,
            Op::Authenticate(b) => {
                p.method = "POST".into();
                p.path = "/store/auth".into();
                json_body(b, scope, &mut p)?;
            }
            Op::GetToken(b) => {
                p.method = "POST".into();
                p.path = "/store/auth/token".into();
                json_body(b, scope, &mut p)?;
            }
            Op::Register(b) => {
                p.method = "POST".into();
                p.path = "/store/customers".into();
                json_body(b, scope, &mut p)?;
            }
            Op::GetSession => {
                p.path = "/store/auth".into();
                p.client_args = Some(Value::Object(Default::default()));
            }
            Op::DeleteSession => {
                p.method = "DELETE".into();
                p.path = "/store/auth".into();
                p.client_args = Some(Value::Object(Default::default()));
            }
            Op::Exists { email, encode } => {
                let v = email.eval(scope)?;
                note(&v, &mut p.secrets);
                p.client_args = Some(serde_json::json!({ "email": v.value }));
                let e = v.as_text();
                p.path = format!(
                    "/store/auth/{}",
                    if *encode {
                        crate::percent::encode_segment(&e)
                    } else {
                        e
                    }
                );
            }
            Op::Request {
                method,
                path,
                query,
                headers,
                json,
                body,
            } => {
                p.method = method.clone();
                raw_request(
                    path,
                    query,
                    headers,
                    json.as_ref(),
                    body.as_ref(),
                    scope,
                    &mut p,
                )?;
            }
        }
        Ok(p)
    }
}

/// Builds a raw `request:`: path, query, headers, then a JSON or a text body.
fn raw_request(
    path: &JsonTemplate,
    query: &[(String, JsonTemplate)],
    headers: &[(String, JsonTemplate)],
    json: Option<&JsonTemplate>,
    body: Option<&JsonTemplate>,
    scope: &mut Scope,
    p: &mut Prepared,
) -> Result<(), String> {
    let pv = path.eval(scope)?;
    note(&pv, &mut p.secrets);
    p.path = pv.as_text();
    for (k, v) in query {
        let v = v.eval(scope)?;
        note(&v, &mut p.secrets);
        p.query.push((k.clone(), v.as_text()));
    }
    for (k, v) in headers {
        let v = v.eval(scope)?;
        note(&v, &mut p.secrets);
        p.headers.push((k.to_ascii_lowercase(), v.as_text()));
    }
    if let Some(j) = json {
        json_body(j, scope, p)?;
        // A header given explicitly wins over the default JSON content type.
        if p.headers
            .iter()
            .filter(|(k, _)| k == "content-type")
            .count()
            > 1
        {
            p.headers
                .retain(|(k, v)| k != "content-type" || v != "application/json");
        }
    } else if let Some(b) = body {
        let v = b.eval(scope)?;
        note(&v, &mut p.secrets);
        p.body = Some(v.as_text().into_bytes());
    }
    Ok(())
}

/// Builds an API table call: placeholders from the arguments (else the API's defaults), the
/// token argument as the bearer, the rest as the JSON body or, without one, the query.
fn api_call(
    api: &crate::api::Api,
    op: &crate::api::ApiOp,
    args: &JsonTemplate,
    scope: &mut Scope,
    p: &mut Prepared,
) -> Result<(), String> {
    use crate::api::{Body, Cred};
    let v = args.eval_noting(scope, &mut p.secrets)?;
    let mut rest = match v {
        Value::Null => serde_json::Map::new(),
        Value::Object(m) => m,
        other => return Err(format!("`{}` takes a map, got {other}", op.name)),
    };
    p.client_args = Some(Value::Object(rest.clone()));
    p.method = op.method.to_string();
    let mut path = op.path.to_string();
    for ph in op.placeholders() {
        let val = match rest.remove(ph) {
            Some(Value::String(s)) => s,
            Some(other) => other.to_string(),
            None => api
                .default_of(ph)
                .ok_or_else(|| format!("`{}` needs `{ph}`", op.name))?
                .to_string(),
        };
        path = path.replace(&format!("{{{ph}}}"), &crate::percent::encode_segment(&val));
    }
    p.path = path;
    if let Cred::Arg(name) = op.cred
        && let Some(t) = rest.remove(name)
    {
        p.bearer = Some(match t {
            Value::String(s) => s,
            other => other.to_string(),
        });
    }
    match op.body {
        Body::Json => {
            p.headers
                .push(("content-type".into(), "application/json".into()));
            p.body = Some(serde_json::to_vec(&Value::Object(rest)).map_err(|e| e.to_string())?);
        }
        Body::None => {
            for (k, v) in rest {
                let v = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                p.query.push((k, v));
            }
        }
    }
    Ok(())
}
