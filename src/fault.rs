//! A fault-injecting proxy: sits in front of a real server and breaks one clause of the Store
//! Auth contract at a time (drops Set-Cookie, changes a status, removes or adds a field, makes
//! logout a no-op, accepts forged tokens…). Running the suite through it proves that every
//! scenario can fail, and on which breaks: `tests/faults.rs` does that in CI against the real
//! Medusa, and `medusa-conform fault-proxy` lets anyone check their own scenarios the same way.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};
use std::sync::Arc;

/// One way to break the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    DropSetCookie,
    CookieNotHttpOnly,
    CookieSecureSameSite,
    CookieShortExpiry,
    SetCookieEveryResponse,
    Status401To403,
    Status400To422,
    Status422To400,
    Status200To201,
    Json401,
    ContentTypeOn401,
    DropHasAccount,
    DropOrders,
    LeakPasswordHash,
    UppercaseEmail,
    LogoutNoop,
    LogoutJson,
    LogoutRequiresAuth,
    IgnoreBearer,
    BearerWins,
    ExistsInverted,
    ExistsValidates,
    ExistsCaseSensitive,
    LoginCaseSensitive,
    TokenLifetime1d,
    TokenExtraClaim,
    TokenLogsIn,
    FailedLoginLogsOut,
    ErrorCodeAdded,
    ValidationMessageChanged,
    AcceptForgedTokens,
    IgnoreTokenExpiry,
    HtmlErrorsAsJson,
    NotFoundTo401,
    RegistrationNoLogin,
    /// CORS answered with `Access-Control-Allow-Origin: *` and no credentials (browsers then
    /// refuse every credentialed store call).
    CorsWildcard,
}

impl Fault {
    pub const ALL: &[Fault] = &[
        Fault::DropSetCookie,
        Fault::CookieNotHttpOnly,
        Fault::CookieSecureSameSite,
        Fault::CookieShortExpiry,
        Fault::SetCookieEveryResponse,
        Fault::Status401To403,
        Fault::Status400To422,
        Fault::Status422To400,
        Fault::Status200To201,
        Fault::Json401,
        Fault::ContentTypeOn401,
        Fault::DropHasAccount,
        Fault::DropOrders,
        Fault::LeakPasswordHash,
        Fault::UppercaseEmail,
        Fault::LogoutNoop,
        Fault::LogoutJson,
        Fault::LogoutRequiresAuth,
        Fault::IgnoreBearer,
        Fault::BearerWins,
        Fault::ExistsInverted,
        Fault::ExistsValidates,
        Fault::ExistsCaseSensitive,
        Fault::LoginCaseSensitive,
        Fault::TokenLifetime1d,
        Fault::TokenExtraClaim,
        Fault::TokenLogsIn,
        Fault::FailedLoginLogsOut,
        Fault::ErrorCodeAdded,
        Fault::ValidationMessageChanged,
        Fault::AcceptForgedTokens,
        Fault::IgnoreTokenExpiry,
        Fault::HtmlErrorsAsJson,
        Fault::NotFoundTo401,
        Fault::RegistrationNoLogin,
        Fault::CorsWildcard,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Fault::None => "none",
            Fault::DropSetCookie => "drop-set-cookie",
            Fault::CookieNotHttpOnly => "cookie-not-httponly",
            Fault::CookieSecureSameSite => "cookie-secure-samesite",
            Fault::CookieShortExpiry => "cookie-short-expiry",
            Fault::SetCookieEveryResponse => "set-cookie-every-response",
            Fault::Status401To403 => "status-401-to-403",
            Fault::Status400To422 => "status-400-to-422",
            Fault::Status422To400 => "status-422-to-400",
            Fault::Status200To201 => "status-200-to-201",
            Fault::Json401 => "json-401",
            Fault::ContentTypeOn401 => "content-type-on-401",
            Fault::DropHasAccount => "drop-has-account",
            Fault::DropOrders => "drop-orders",
            Fault::LeakPasswordHash => "leak-password-hash",
            Fault::UppercaseEmail => "uppercase-email",
            Fault::LogoutNoop => "logout-noop",
            Fault::LogoutJson => "logout-json",
            Fault::LogoutRequiresAuth => "logout-requires-auth",
            Fault::IgnoreBearer => "ignore-bearer",
            Fault::BearerWins => "bearer-wins",
            Fault::ExistsInverted => "exists-inverted",
            Fault::ExistsValidates => "exists-validates",
            Fault::ExistsCaseSensitive => "exists-case-sensitive",
            Fault::LoginCaseSensitive => "login-case-sensitive",
            Fault::TokenLifetime1d => "token-lifetime-1d",
            Fault::TokenExtraClaim => "token-extra-claim",
            Fault::TokenLogsIn => "token-logs-in",
            Fault::FailedLoginLogsOut => "failed-login-logs-out",
            Fault::ErrorCodeAdded => "error-code-added",
            Fault::ValidationMessageChanged => "validation-message-changed",
            Fault::AcceptForgedTokens => "accept-forged-tokens",
            Fault::IgnoreTokenExpiry => "ignore-token-expiry",
            Fault::HtmlErrorsAsJson => "html-errors-as-json",
            Fault::NotFoundTo401 => "not-found-to-401",
            Fault::RegistrationNoLogin => "registration-no-login",
            Fault::CorsWildcard => "cors-wildcard",
        }
    }

    pub fn parse(name: &str) -> Option<Fault> {
        std::iter::once(Fault::None)
            .chain(Fault::ALL.iter().copied())
            .find(|f| f.name() == name)
    }

    /// Faults that re-sign tokens need the server's JWT secret.
    pub fn needs_secret(self) -> bool {
        matches!(
            self,
            Fault::TokenLifetime1d
                | Fault::TokenExtraClaim
                | Fault::AcceptForgedTokens
                | Fault::IgnoreTokenExpiry
        )
    }
}

struct Proxy {
    upstream: url::Url,
    fault: Fault,
    secret: Option<String>,
    client: reqwest::Client,
}

/// A running proxy; dropping it stops it.
pub struct FaultProxy {
    pub url: String,
    _serving: crate::background::Background,
}

impl FaultProxy {
    /// Starts on an ephemeral loopback port in front of `upstream`.
    pub async fn start(
        upstream: url::Url,
        fault: Fault,
        secret: Option<String>,
        port: u16,
    ) -> std::io::Result<FaultProxy> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never())
            .no_proxy()
            .build()
            .map_err(std::io::Error::other)?;
        let st = Arc::new(Proxy {
            upstream,
            fault,
            secret,
            client,
        });
        let app = axum::Router::new().fallback(forward).with_state(st);
        let serving = crate::background::spawn(listener, app);
        Ok(FaultProxy {
            url: format!("http://{addr}"),
            _serving: serving,
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

struct Sent {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Proxy {
    async fn send(
        &self,
        method: &Method,
        path_q: &str,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Result<Sent, String> {
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
        let body = r.bytes().await.map_err(|e| e.to_string())?;
        Ok(Sent {
            status,
            headers,
            body,
        })
    }

    fn resign(
        &self,
        token: &str,
        edit: impl FnOnce(&mut serde_json::Map<String, Value>),
    ) -> Option<String> {
        let secret = self.secret.as_ref()?;
        let mut claims = crate::jwt::decode(token).ok()?.claims.as_object()?.clone();
        edit(&mut claims);
        Some(crate::jwt::sign_hs256(
            &Value::Object(claims),
            secret.as_bytes(),
        ))
    }
}

fn text(status: StatusCode, ct: Option<&str>, body: &str) -> Response {
    let mut b = Response::builder().status(status);
    if let Some(ct) = ct {
        b = b.header("content-type", ct);
    }
    b.body(Body::from(body.to_string())).unwrap()
}

fn edit_customer(body: &mut Value, f: impl FnOnce(&mut serde_json::Map<String, Value>)) -> bool {
    match body.get_mut("customer").and_then(Value::as_object_mut) {
        Some(c) => {
            f(c);
            true
        }
        None => false,
    }
}

async fn forward(State(p): State<Arc<Proxy>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 10 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let method = parts.method.clone();
    let path = parts.uri.path().to_ascii_lowercase();
    let path_q = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let mut headers = parts.headers.clone();
    let is_login = method == Method::POST && (path == "/store/auth" || path == "/store/auth/token");
    let login_email_has_upper = || {
        serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| {
                v.get("email")
                    .and_then(Value::as_str)
                    .map(|e| e.chars().any(|c| c.is_ascii_uppercase()))
            })
            .unwrap_or(false)
    };
    // Request-side faults.
    match p.fault {
        Fault::LogoutNoop if method == Method::DELETE && path == "/store/auth" => {
            return text(StatusCode::OK, Some("text/plain; charset=utf-8"), "OK");
        }
        Fault::LogoutRequiresAuth
            if method == Method::DELETE
                && path == "/store/auth"
                && !headers.contains_key("cookie")
                && !headers.contains_key("authorization") =>
        {
            return text(StatusCode::UNAUTHORIZED, None, "Unauthorized");
        }
        Fault::IgnoreBearer => {
            headers.remove("authorization");
        }
        Fault::BearerWins if headers.contains_key("authorization") => {
            headers.remove("cookie");
        }
        Fault::ExistsValidates
            if method == Method::GET
                && path.starts_with("/store/auth/")
                && path != "/store/auth/token" =>
        {
            let email = crate::server::percent_decode(&path["/store/auth/".len()..]);
            if !email.contains('@') || !email.contains('.') {
                return text(
                    StatusCode::BAD_REQUEST,
                    Some("application/json; charset=utf-8"),
                    r#"{"type":"invalid_data","message":"email must be an email"}"#,
                );
            }
        }
        Fault::ExistsCaseSensitive
            if method == Method::GET
                && path.starts_with("/store/auth/")
                && parts.uri.path().chars().any(|c| c.is_ascii_uppercase()) =>
        {
            return text(
                StatusCode::OK,
                Some("application/json; charset=utf-8"),
                r#"{"exists":false}"#,
            );
        }
        Fault::LoginCaseSensitive if is_login && login_email_has_upper() => {
            return text(
                StatusCode::UNAUTHORIZED,
                Some("text/plain; charset=utf-8"),
                "Unauthorized",
            );
        }
        Fault::AcceptForgedTokens | Fault::IgnoreTokenExpiry => {
            if let Some(tok) = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split_whitespace().nth(1))
                .map(str::to_string)
            {
                let drop_exp = p.fault == Fault::IgnoreTokenExpiry;
                let valid = p.secret.as_ref().is_some_and(|s| {
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_secs() as i64)
                        .unwrap_or(0);
                    crate::jwt::verify(&tok, s.as_bytes(), now).is_ok()
                });
                let expired_only = p
                    .secret
                    .as_ref()
                    .is_some_and(|s| crate::jwt::verify(&tok, s.as_bytes(), 0).is_ok());
                let resign = if drop_exp {
                    !valid && expired_only
                } else {
                    !valid
                };
                if resign
                    && let Some(t) = p.resign(&tok, |c| {
                        if drop_exp {
                            c.remove("exp");
                        }
                    })
                {
                    headers.insert(
                        "authorization",
                        HeaderValue::from_str(&format!("Bearer {t}")).unwrap(),
                    );
                }
            }
        }
        _ => {}
    }
    let mut sent = match p.send(&method, &path_q, &headers, body.clone()).await {
        Ok(s) => s,
        Err(e) => {
            return text(
                StatusCode::BAD_GATEWAY,
                Some("text/plain"),
                &format!("fault proxy: upstream failed: {e}"),
            );
        }
    };
    // Faults that need a second upstream call.
    match p.fault {
        Fault::TokenLogsIn
            if method == Method::POST
                && path == "/store/auth/token"
                && sent.status == StatusCode::OK =>
        {
            if let Ok(login) = p
                .send(&Method::POST, "/store/auth", &headers, body.clone())
                .await
            {
                sent.headers.remove("set-cookie");
                for v in login.headers.get_all("set-cookie") {
                    sent.headers.append("set-cookie", v.clone());
                }
            }
        }
        Fault::FailedLoginLogsOut
            if method == Method::POST
                && path == "/store/auth"
                && sent.status == StatusCode::UNAUTHORIZED =>
        {
            let _ = p
                .send(&Method::DELETE, "/store/auth", &headers, Bytes::new())
                .await;
        }
        _ => {}
    }
    let mut status = sent.status;
    let mut out_headers = sent.headers.clone();
    let mut body = sent.body.to_vec();
    let is_json = out_headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.contains("json"));
    let mut json: Option<Value> = if is_json {
        serde_json::from_slice(&body).ok()
    } else {
        None
    };
    let mut json_changed = false;
    // Response-side faults.
    match p.fault {
        Fault::DropSetCookie => {
            out_headers.remove("set-cookie");
        }
        Fault::CorsWildcard => {
            if out_headers.remove("access-control-allow-origin").is_some() {
                out_headers.insert("access-control-allow-origin", HeaderValue::from_static("*"));
            }
            out_headers.remove("access-control-allow-credentials");
        }
        Fault::RegistrationNoLogin if method == Method::POST && path == "/store/customers" => {
            out_headers.remove("set-cookie");
        }
        Fault::CookieNotHttpOnly | Fault::CookieSecureSameSite | Fault::CookieShortExpiry => {
            let cookies: Vec<String> = out_headers
                .get_all("set-cookie")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .map(str::to_string)
                .collect();
            out_headers.remove("set-cookie");
            for c in cookies {
                let c = match p.fault {
                    Fault::CookieNotHttpOnly => c.replace("; HttpOnly", ""),
                    Fault::CookieSecureSameSite => format!("{c}; Secure; SameSite=Lax"),
                    _ => {
                        let exp = httpdate::fmt_http_date(
                            std::time::SystemTime::now() + std::time::Duration::from_secs(3600),
                        );
                        c.split("; ")
                            .map(|a| {
                                if a.starts_with("Expires=") {
                                    format!("Expires={exp}")
                                } else {
                                    a.to_string()
                                }
                            })
                            .collect::<Vec<_>>()
                            .join("; ")
                    }
                };
                out_headers.append("set-cookie", HeaderValue::from_str(&c).unwrap());
            }
        }
        Fault::SetCookieEveryResponse if !out_headers.contains_key("set-cookie") => {
            if let Some(c) = headers
                .get("cookie")
                .and_then(|v| v.to_str().ok())
                .and_then(|c| c.split(';').find(|x| x.trim().starts_with("connect.sid=")))
            {
                let exp = httpdate::fmt_http_date(
                    std::time::SystemTime::now() + std::time::Duration::from_secs(36000),
                );
                out_headers.append(
                    "set-cookie",
                    HeaderValue::from_str(&format!(
                        "{}; Path=/; Expires={exp}; HttpOnly",
                        c.trim()
                    ))
                    .unwrap(),
                );
            }
        }
        Fault::Status401To403 if status == StatusCode::UNAUTHORIZED => {
            status = StatusCode::FORBIDDEN
        }
        Fault::Status400To422 if status == StatusCode::BAD_REQUEST => {
            status = StatusCode::UNPROCESSABLE_ENTITY
        }
        Fault::Status422To400 if status == StatusCode::UNPROCESSABLE_ENTITY => {
            status = StatusCode::BAD_REQUEST
        }
        Fault::Status200To201 if status == StatusCode::OK && path.starts_with("/store") => {
            status = StatusCode::CREATED
        }
        Fault::NotFoundTo401 if status == StatusCode::NOT_FOUND && is_json => {
            status = StatusCode::UNAUTHORIZED;
            out_headers.remove("content-type");
            body = b"Unauthorized".to_vec();
            json = None;
        }
        Fault::Json401 if status == StatusCode::UNAUTHORIZED => {
            out_headers.insert(
                "content-type",
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            json = Some(json!({"type": "unauthorized", "message": "Unauthorized"}));
            json_changed = true;
        }
        Fault::ContentTypeOn401
            if status == StatusCode::UNAUTHORIZED && !out_headers.contains_key("content-type") =>
        {
            out_headers.insert(
                "content-type",
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
        }
        Fault::LogoutJson if method == Method::DELETE && path == "/store/auth" => {
            out_headers.insert(
                "content-type",
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            json = Some(json!({}));
            json_changed = true;
        }
        Fault::HtmlErrorsAsJson
            if out_headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|c| c.starts_with("text/html"))
                && status.is_client_error() =>
        {
            out_headers.insert(
                "content-type",
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            out_headers.remove("content-security-policy");
            json = Some(json!({"type": "invalid_data", "message": "Malformed JSON"}));
            json_changed = true;
        }
        _ => {}
    }
    if let Some(j) = json.as_mut() {
        json_changed |= match p.fault {
            Fault::DropHasAccount => edit_customer(j, |c| {
                c.remove("has_account");
            }),
            Fault::DropOrders => edit_customer(j, |c| {
                c.remove("orders");
            }),
            Fault::LeakPasswordHash => edit_customer(j, |c| {
                c.insert("password_hash".into(), json!("c2NyeXB0AAEAAAABAAAAAZ"));
            }),
            Fault::UppercaseEmail => edit_customer(j, |c| {
                if let Some(e) = c.get("email").and_then(Value::as_str) {
                    let up = e.to_uppercase();
                    c.insert("email".into(), json!(up));
                }
            }),
            Fault::ExistsInverted => match j.get("exists").and_then(Value::as_bool) {
                Some(b) => {
                    j["exists"] = json!(!b);
                    true
                }
                None => false,
            },
            Fault::TokenLifetime1d | Fault::TokenExtraClaim => match j
                .get("access_token")
                .and_then(Value::as_str)
                .map(str::to_string)
            {
                Some(t) => {
                    let lifetime = p.fault == Fault::TokenLifetime1d;
                    match p.resign(&t, |c| {
                        if lifetime {
                            let iat = c.get("iat").and_then(Value::as_i64).unwrap_or(0);
                            c.insert("exp".into(), json!(iat + 86_400));
                        } else {
                            let id = c.get("customer_id").cloned().unwrap_or(Value::Null);
                            c.insert("sub".into(), id);
                        }
                    }) {
                        Some(nt) => {
                            j["access_token"] = json!(nt);
                            true
                        }
                        None => false,
                    }
                }
                None => false,
            },
            Fault::ErrorCodeAdded
                if status == StatusCode::BAD_REQUEST && j.get("type").is_some() =>
            {
                j["code"] = json!("invalid_data");
                true
            }
            Fault::ValidationMessageChanged
                if j.get("type").and_then(Value::as_str) == Some("invalid_data") =>
            {
                let m = j
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                j["message"] = json!(format!("Validation failed: {m}"));
                true
            }
            _ => false,
        };
    }
    if json_changed && let Some(j) = json {
        body = serde_json::to_vec(&j).unwrap_or_default();
    }
    let mut resp = Response::builder().status(status);
    for (k, v) in &out_headers {
        // A rewritten body's old ETag would be a lie.
        let stale_etag = json_changed && k == HeaderName::from_static("etag");
        if !HOP.contains(&k.as_str()) && !stale_etag {
            resp = resp.header(k, v);
        }
    }
    resp.body(Body::from(body)).unwrap()
}
