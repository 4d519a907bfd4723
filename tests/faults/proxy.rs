//! The fault-injecting proxy: forwards every request to the upstream server and lets one
//! fault from the table (`table.rs`) rewrite the request, answer instead of the upstream,
//! make one more upstream call, or rewrite the response. Stateful faults (a session that dies
//! after five uses, "last login wins") keep what they remember in the pass's [`Memory`], which
//! every hook reaches through [`Ctx`]. Test tooling, so it lives with the tests, not in the
//! shipped library.
//!
//! Anything that goes wrong in the proxy itself (the upstream unreachable, a body it cannot
//! read) is answered 502 **and recorded** in [`FaultProxy::errors`]: the matrix fails on any,
//! so a broken proxy can never pass for a caught fault.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// What a client or storefront would notice (`Contract`, checked by the default run) versus
/// 1.20.11 wire fidelity no client relies on (`Exact`, checked under `--strict`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Contract,
    Exact,
}

/// The request as the client sent it (hop-by-hop headers included until forwarding).
pub struct Req {
    pub method: Method,
    /// Lower-cased path, for matching routes.
    pub path: String,
    /// The path as sent (case kept).
    pub raw_path: String,
    /// The path and query forwarded upstream (as sent, unless a hook rewrites it).
    pub path_q: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Req {
    pub fn is(&self, method: Method, path: &str) -> bool {
        self.method == method && self.path == path
    }

    /// `POST /store/auth` or `POST /store/auth/token`.
    pub fn is_login(&self) -> bool {
        self.method == Method::POST
            && (self.path == "/store/auth" || self.path == "/store/auth/token")
    }

    /// `GET /store/auth/{email}`.
    pub fn is_exists(&self) -> bool {
        self.method == Method::GET
            && self.path.starts_with("/store/auth/")
            && self.path != "/store/auth/token"
    }

    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// A response on its way back to the client.
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// The body parsed, when it is JSON; hooks edit it and set `json_changed`.
    pub json: Option<Value>,
    pub json_changed: bool,
}

impl Resp {
    /// An answer made up by the proxy (a request hook that answers instead of the upstream).
    pub fn text(status: StatusCode, content_type: Option<&'static str>, body: &str) -> Resp {
        let mut headers = HeaderMap::new();
        if let Some(ct) = content_type {
            headers.insert("content-type", HeaderValue::from_static(ct));
        }
        Resp {
            status,
            headers,
            body: body.as_bytes().to_vec(),
            json: None,
            json_changed: false,
        }
    }

    pub fn set_json(&mut self, v: Value) {
        self.headers.insert(
            "content-type",
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        self.json = Some(v);
        self.json_changed = true;
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// What a stateful fault remembers during one pass (which session logged in last, how often a
/// token was used). Every proxy starts with an empty one, so passes never leak into each other.
#[derive(Default)]
pub struct Memory {
    /// Remembered values by key (each fault namespaces its own, e.g. `last-login`).
    pub values: HashMap<String, String>,
    /// Counters by key.
    pub counts: HashMap<String, u32>,
}

/// What hooks may use besides the exchange: the server's JWT secret, to re-sign tokens, and the
/// pass's memory.
pub struct Ctx {
    pub secret: Option<String>,
    memory: Mutex<Memory>,
}

impl Ctx {
    /// The pass's memory (hooks are synchronous and short: the lock is never held across a call).
    pub fn memory(&self) -> MutexGuard<'_, Memory> {
        self.memory.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Decodes `token`, edits its claims and signs it again with the server's secret.
    pub fn resign(
        &self,
        token: &str,
        edit: impl FnOnce(&mut serde_json::Map<String, Value>),
    ) -> Option<String> {
        let secret = self.secret.as_ref()?;
        let mut claims = medusa_conform::engine::jwt::decode(token)
            .ok()?
            .claims
            .as_object()?
            .clone();
        edit(&mut claims);
        Some(medusa_conform::engine::jwt::sign_hs256(
            &Value::Object(claims),
            secret.as_bytes(),
        ))
    }
}

/// One more upstream call a fault makes after the real one (e.g. a token route that also logs
/// in), with the client's headers unless `headers` replaces them.
pub struct Also {
    pub method: Method,
    pub path: &'static str,
    /// Send these headers instead of the client's (e.g. another session's cookie).
    pub headers: Option<HeaderMap>,
    /// Send the client's body along.
    pub with_body: bool,
    /// Replace the response's Set-Cookie with this call's.
    pub take_cookies: bool,
}

/// Rewrites the request, or answers instead of the upstream.
pub type RequestHook = fn(&mut Req, &Ctx) -> Option<Resp>;
/// Asks for one more upstream call, given the request and the upstream's answer.
pub type AlsoHook = fn(&Req, &Resp, &Ctx) -> Option<Also>;
/// Rewrites the response.
pub type ResponseHook = fn(&Req, &mut Resp, &Ctx);

/// One way to break the contract (or the exact wire).
pub struct Fault {
    pub name: &'static str,
    pub level: Level,
    /// Re-signs tokens, so needs `MEDUSA_JWT_SECRET`.
    pub needs_secret: bool,
    pub request: Option<RequestHook>,
    pub also: Option<AlsoHook>,
    pub response: Option<ResponseHook>,
    /// Scenarios (test names) this fault must fail: those that claim the coverage cell it
    /// breaks, so passing the matrix shows each such claim can fail.
    pub catches: &'static [&'static str],
}

struct Proxy {
    upstream: url::Url,
    fault: Option<&'static Fault>,
    ctx: Ctx,
    client: reqwest::Client,
    errors: Arc<Mutex<Vec<String>>>,
}

/// A running proxy; dropping it stops it.
pub struct FaultProxy {
    pub url: String,
    /// Every failure of the proxy itself (each was answered 502).
    pub errors: Arc<Mutex<Vec<String>>>,
    _serving: medusa_conform::server::background::Background,
}

impl FaultProxy {
    /// Starts on an ephemeral loopback port in front of `upstream`; `None` injects nothing.
    pub async fn start(
        upstream: url::Url,
        fault: Option<&'static Fault>,
        secret: Option<String>,
    ) -> std::io::Result<FaultProxy> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never())
            // Node closes idle keep-alive connections after 5 s: never reuse one that old.
            .pool_idle_timeout(medusa_conform::engine::http::IDLE_REUSE)
            .no_proxy()
            .build()
            .map_err(std::io::Error::other)?;
        let errors = Arc::new(Mutex::new(Vec::new()));
        let st = Arc::new(Proxy {
            upstream,
            fault,
            ctx: Ctx {
                secret,
                memory: Mutex::default(),
            },
            client,
            errors: errors.clone(),
        });
        let app = axum::Router::new().fallback(forward).with_state(st);
        Ok(FaultProxy {
            url: format!("http://{addr}"),
            errors,
            _serving: medusa_conform::server::background::spawn(listener, app),
        })
    }
}

const HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "host",
    "upgrade",
    "te",
    "trailer",
];

impl Proxy {
    async fn send(
        &self,
        method: &Method,
        path_q: &str,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Result<Resp, String> {
        let url = format!("{}{}", self.upstream.as_str().trim_end_matches('/'), path_q);
        let mut rb = self.client.request(method.clone(), url);
        for (k, v) in headers {
            if !HOP.contains(&k.as_str()) {
                rb = rb.header(k, v);
            }
        }
        let r = rb.body(body).send().await.map_err(|e| e.to_string())?;
        let status = r.status();
        let headers = r.headers().clone();
        let body = r.bytes().await.map_err(|e| e.to_string())?.to_vec();
        let json = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.contains("json"))
            .then(|| serde_json::from_slice(&body).ok())
            .flatten();
        Ok(Resp {
            status,
            headers,
            body,
            json,
            json_changed: false,
        })
    }

    fn failed(&self, what: String) -> Response {
        self.errors.lock().unwrap().push(what.clone());
        into_response(Resp::text(
            StatusCode::BAD_GATEWAY,
            Some("text/plain"),
            &format!("fault proxy: {what}"),
        ))
    }
}

async fn forward(State(p): State<Arc<Proxy>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = match axum::body::to_bytes(body, 10 * 1024 * 1024).await {
        Ok(b) => b,
        Err(e) => return p.failed(format!("reading the request body: {e}")),
    };
    let mut req = Req {
        method: parts.method.clone(),
        path: parts.uri.path().to_ascii_lowercase(),
        raw_path: parts.uri.path().to_string(),
        path_q: parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into()),
        headers: parts.headers.clone(),
        body,
    };
    if let Some(answer) = p
        .fault
        .and_then(|f| f.request)
        .and_then(|h| h(&mut req, &p.ctx))
    {
        return into_response(answer);
    }
    let mut resp = match p
        .send(&req.method, &req.path_q, &req.headers, req.body.clone())
        .await
    {
        Ok(r) => r,
        Err(e) => return p.failed(format!("upstream failed: {e}")),
    };
    if let Some(also) = p
        .fault
        .and_then(|f| f.also)
        .and_then(|h| h(&req, &resp, &p.ctx))
    {
        let body = if also.with_body {
            req.body.clone()
        } else {
            Bytes::new()
        };
        let headers = also.headers.as_ref().unwrap_or(&req.headers);
        match p.send(&also.method, also.path, headers, body).await {
            Ok(extra) if also.take_cookies => {
                resp.headers.remove("set-cookie");
                for v in extra.headers.get_all("set-cookie") {
                    resp.headers.append("set-cookie", v.clone());
                }
            }
            Ok(_) => {}
            Err(e) => {
                return p.failed(format!(
                    "upstream failed ({} {}): {e}",
                    also.method, also.path
                ));
            }
        }
    }
    if let Some(h) = p.fault.and_then(|f| f.response) {
        h(&req, &mut resp, &p.ctx);
    }
    into_response(resp)
}

fn into_response(mut r: Resp) -> Response {
    if r.json_changed
        && let Some(j) = &r.json
    {
        r.body = serde_json::to_vec(j).unwrap_or_default();
    }
    let mut out = Response::builder().status(r.status);
    for (k, v) in &r.headers {
        // A rewritten body's old ETag would be a lie.
        let stale_etag = r.json_changed && k == HeaderName::from_static("etag");
        if !HOP.contains(&k.as_str()) && !stale_etag {
            out = out.header(k, v);
        }
    }
    out.body(Body::from(r.body)).unwrap_or_default()
}
