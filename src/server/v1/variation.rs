//! Conformant variations of the reference server: deployments that differ from Medusa 1.20.11
//! only in ways no client or storefront notices (a plugin adds a customer field, a proxy adds
//! security headers, the session is configured rolling…). `medusa-conform serve --variation
//! NAME` switches them on, and `tests/levels.rs` proves the rule of docs/levels.md with them:
//! the default (contract) run passes against each, `--strict` fails against each that is
//! visible on the wire.
//!
//! They are applied in one place, [`layer`], an axum middleware around the whole reference
//! server that rewrites finished responses the way a plugin or a reverse proxy would, so the
//! server's own code stays the faithful 1.20.11 emulation.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{Value, json};
use std::sync::Arc;

/// One conformant difference from the 1.20.11 wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Variation {
    /// A plugin adds a field to the customer, and to each of its orders and addresses.
    ExtraCustomerField,
    /// The session cookie gains `SameSite=Lax` (what browsers assume anyway).
    CookieSameSiteLax,
    /// A proxy adds HSTS, X-Content-Type-Options, X-Frame-Options, Referrer-Policy, a CSP.
    SecurityHeaders,
    /// Rolling sessions: every response to a request with a session cookie re-sends it.
    ResendCookie,
    /// Another session TTL (24 h, with Max-Age) instead of the default 10 h.
    SessionTtl,
    /// Store JWTs carry more claims (`sub`, `iss`, `jti`).
    ExtraJwtClaims,
    /// Store JWTs live 7 days instead of 30.
    TokenLifetime,
    /// JSON errors keep their `type` but word their `message` differently.
    OtherErrorMessages,
    /// JSON errors carry more keys (`code`, `request_id`).
    ErrorExtras,
    /// The bare 401 and the logout `OK` get `Content-Type: text/plain; charset=utf-8`.
    PlainTextContentType,
    /// Logout answers 200 with a JSON `{}` body instead of the text `OK`.
    LogoutJson,
    /// Every JSON success body carries one more top-level key (`_links`), e.g. the token
    /// response `{access_token, _links}` and the exists response `{exists, _links}`.
    ExtraResponseKeys,
    /// The bare 401 carries `WWW-Authenticate: Bearer realm="medusa"` (what HTTP asks for).
    WwwAuthenticate,
    /// The session cookie gains `Priority=High`.
    CookiePriority,
    /// Every 401 is a JSON error `{"type": "unauthorized", "message": "Unauthorized"}`.
    Json401,
    /// A reverse proxy: `Via`, `X-Request-Id`, `Cache-Control`, an `ETag`, chunked bodies
    /// (no Content-Length), `charset=UTF-8` in upper case, and JSON keys re-ordered.
    Proxy,
}

impl Variation {
    pub const ALL: &[Variation] = &[
        Variation::ExtraCustomerField,
        Variation::CookieSameSiteLax,
        Variation::SecurityHeaders,
        Variation::ResendCookie,
        Variation::SessionTtl,
        Variation::ExtraJwtClaims,
        Variation::TokenLifetime,
        Variation::OtherErrorMessages,
        Variation::ErrorExtras,
        Variation::PlainTextContentType,
        Variation::LogoutJson,
        Variation::ExtraResponseKeys,
        Variation::WwwAuthenticate,
        Variation::CookiePriority,
        Variation::Json401,
        Variation::Proxy,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Variation::ExtraCustomerField => "extra-customer-field",
            Variation::CookieSameSiteLax => "cookie-samesite-lax",
            Variation::SecurityHeaders => "security-headers",
            Variation::ResendCookie => "resend-cookie",
            Variation::SessionTtl => "session-ttl",
            Variation::ExtraJwtClaims => "extra-jwt-claims",
            Variation::TokenLifetime => "token-lifetime",
            Variation::OtherErrorMessages => "other-error-messages",
            Variation::ErrorExtras => "error-extras",
            Variation::PlainTextContentType => "plain-text-content-type",
            Variation::LogoutJson => "logout-json",
            Variation::ExtraResponseKeys => "extra-response-keys",
            Variation::WwwAuthenticate => "www-authenticate",
            Variation::CookiePriority => "cookie-priority",
            Variation::Json401 => "json-401",
            Variation::Proxy => "proxy",
        }
    }

    pub fn parse(name: &str) -> Option<Variation> {
        Variation::ALL.iter().copied().find(|v| v.name() == name)
    }

    /// Whether `--strict` sees it: every variation but the proxy's framing and key order and
    /// the cookie's Priority, which no expectation at either level looks at.
    pub fn visible_to_strict(self) -> bool {
        !matches!(self, Variation::Proxy | Variation::CookiePriority)
    }

    /// Needs the JWT secret (re-signs the store token).
    fn resigns(self) -> bool {
        matches!(self, Variation::ExtraJwtClaims | Variation::TokenLifetime)
    }
}

/// What [`layer`] needs: the switched-on variations and the secret to re-sign tokens with.
#[derive(Debug, Clone)]
pub struct Variations {
    pub on: Vec<Variation>,
    pub jwt_secret: String,
}

impl Variations {
    fn has(&self, v: Variation) -> bool {
        self.on.contains(&v)
    }
}

/// Rewrites each finished response with every switched-on variation.
pub async fn layer(State(vs): State<Arc<Variations>>, req: Request, next: Next) -> Response {
    if vs.on.is_empty() {
        return next.run(req).await;
    }
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let sent_cookie = req
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|c| c.split(';'))
        .map(str::trim)
        .find(|c| c.starts_with("connect.sid="))
        .map(str::to_string);
    let resp = next.run(req).await;
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let logout = method == Method::DELETE && path.eq_ignore_ascii_case("/store/auth");
    let status = parts.status;
    let h = &mut parts.headers;
    let body = vs.edit_body(h, status, &path, logout, bytes.to_vec());
    vs.edit_cookies(h, sent_cookie.as_deref());
    vs.add_headers(h, status);
    h.remove(header::CONTENT_LENGTH);
    let body = if vs.has(Variation::Proxy) {
        // A stream of unknown length goes out chunked.
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            body.chunks(64).map(|c| Ok(c.to_vec())).collect();
        Body::from_stream(futures_util::stream::iter(chunks))
    } else {
        Body::from(body)
    };
    Response::from_parts(parts, body)
}

impl Variations {
    /// Edits the body (JSON or not) and the headers that go with it.
    fn edit_body(
        &self,
        h: &mut HeaderMap,
        status: StatusCode,
        path: &str,
        logout: bool,
        body: Vec<u8>,
    ) -> Vec<u8> {
        let is_json = h
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.starts_with("application/json"));
        let mut json: Option<Value> = if is_json {
            serde_json::from_slice(&body).ok()
        } else {
            None
        };
        if status == StatusCode::UNAUTHORIZED && json.is_none() && self.has(Variation::Json401) {
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            json = Some(json!({"type": "unauthorized", "message": "Unauthorized"}));
        }
        if let Some(j) = json.as_mut() {
            self.edit_json(j, status, path);
            self.resign(j);
        }
        if logout && status.is_success() && self.has(Variation::LogoutJson) {
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            json = Some(json!({}));
        }
        if self.has(Variation::PlainTextContentType)
            && !h.contains_key(header::CONTENT_TYPE)
            && !body.is_empty()
        {
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
        }
        if self.has(Variation::Proxy)
            && let Some(j) = json.as_mut()
        {
            reverse_keys(j);
        }
        match json {
            Some(j) => serde_json::to_vec(&j).unwrap_or(body),
            None => body,
        }
    }

    /// Edits a JSON body: extra fields and keys, other error messages and extras.
    fn edit_json(&self, j: &mut Value, status: StatusCode, path: &str) {
        if self.has(Variation::ExtraCustomerField)
            && let Some(c) = j.get_mut("customer").and_then(Value::as_object_mut)
        {
            c.insert("loyalty_points".into(), json!(0));
            for list in ["orders", "shipping_addresses"] {
                for o in c
                    .get_mut(list)
                    .and_then(Value::as_array_mut)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_object_mut)
                {
                    o.insert("plugin_note".into(), Value::Null);
                }
            }
        }
        if status.is_success() && self.has(Variation::ExtraResponseKeys) && j.is_object() {
            j["_links"] = json!({"self": path});
        }
        let is_error = status.is_client_error() && j.get("message").is_some();
        if is_error && self.has(Variation::OtherErrorMessages) {
            let m = j["message"].as_str().unwrap_or_default().to_string();
            j["message"] = json!(format!("Request rejected: {m}"));
        }
        if is_error && self.has(Variation::ErrorExtras) {
            j["request_id"] = json!("req_conform");
            if j.get("code").is_none() {
                j["code"] = json!("invalid_request_error");
            }
        }
    }

    /// Re-signs a store JWT with extra claims or another lifetime.
    fn resign(&self, j: &mut Value) {
        if self.on.iter().any(|v| v.resigns())
            && let Some(t) = j.get("access_token").and_then(Value::as_str)
            && let Some(mut claims) = crate::engine::jwt::decode(t)
                .ok()
                .and_then(|p| p.claims.as_object().cloned())
        {
            if self.has(Variation::ExtraJwtClaims) {
                let id = claims.get("customer_id").cloned().unwrap_or(Value::Null);
                claims.insert("sub".into(), id);
                claims.insert("iss".into(), json!("medusa"));
                claims.insert("jti".into(), json!(uuid::Uuid::new_v4().to_string()));
            }
            if self.has(Variation::TokenLifetime) {
                let iat = claims.get("iat").and_then(Value::as_i64).unwrap_or(0);
                claims.insert("exp".into(), json!(iat + 7 * 86_400));
            }
            j["access_token"] = json!(crate::engine::jwt::sign_hs256(
                &Value::Object(claims),
                self.jwt_secret.as_bytes()
            ));
        }
    }

    /// Cookie variations: re-sent, another lifetime, Priority, SameSite=Lax.
    fn edit_cookies(&self, h: &mut HeaderMap, sent_cookie: Option<&str>) {
        if self.has(Variation::ResendCookie)
            && !h.contains_key(header::SET_COOKIE)
            && let Some(c) = sent_cookie
        {
            let exp = httpdate::fmt_http_date(
                std::time::SystemTime::now() + std::time::Duration::from_secs(36_000),
            );
            if let Ok(v) = HeaderValue::from_str(&format!("{c}; Path=/; Expires={exp}; HttpOnly")) {
                h.append(header::SET_COOKIE, v);
            }
        }
        let cookies: Vec<String> = h
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_string)
            .collect();
        if !cookies.is_empty() {
            h.remove(header::SET_COOKIE);
            for mut c in cookies {
                if self.has(Variation::SessionTtl) {
                    let exp = httpdate::fmt_http_date(
                        std::time::SystemTime::now() + std::time::Duration::from_secs(86_400),
                    );
                    c = c
                        .split("; ")
                        .map(|a| {
                            if a.starts_with("Expires=") {
                                format!("Expires={exp}; Max-Age=86400")
                            } else {
                                a.to_string()
                            }
                        })
                        .collect::<Vec<_>>()
                        .join("; ");
                }
                if self.has(Variation::CookiePriority) {
                    c.push_str("; Priority=High");
                }
                if self.has(Variation::CookieSameSiteLax)
                    && !c.to_ascii_lowercase().contains("samesite")
                {
                    c.push_str("; SameSite=Lax");
                }
                if let Ok(v) = HeaderValue::from_str(&c) {
                    h.append(header::SET_COOKIE, v);
                }
            }
        }
    }

    /// Headers a proxy or a hardened deployment adds.
    fn add_headers(&self, h: &mut HeaderMap, status: StatusCode) {
        if self.has(Variation::WwwAuthenticate) && status == StatusCode::UNAUTHORIZED {
            h.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"medusa\""),
            );
        }
        // Headers a proxy adds.
        if self.has(Variation::SecurityHeaders) {
            for (k, v) in [
                (
                    "strict-transport-security",
                    "max-age=63072000; includeSubDomains",
                ),
                ("x-content-type-options", "nosniff"),
                ("x-frame-options", "DENY"),
                ("referrer-policy", "no-referrer"),
                (
                    "content-security-policy",
                    "default-src 'none'; frame-ancestors 'none'",
                ),
                ("cross-origin-resource-policy", "same-site"),
            ] {
                h.insert(k, HeaderValue::from_static(v));
            }
        }
        if self.has(Variation::Proxy) {
            h.insert("via", HeaderValue::from_static("1.1 conform-proxy"));
            h.insert("x-request-id", HeaderValue::from_static("req_conform"));
            h.insert(
                "cache-control",
                HeaderValue::from_static("no-store, private"),
            );
            h.insert("etag", HeaderValue::from_static("W/\"conform\""));
            if let Some(ct) = h
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(|c| c.replace("charset=utf-8", "charset=UTF-8"))
                && let Ok(v) = HeaderValue::from_str(&ct)
            {
                h.insert(header::CONTENT_TYPE, v);
            }
        }
    }
}

/// Reverses the key order of every object (JSON key order carries no meaning).
fn reverse_keys(v: &mut Value) {
    match v {
        Value::Object(o) => {
            let mut entries: Vec<(String, Value)> = std::mem::take(o).into_iter().collect();
            entries.reverse();
            for (k, mut x) in entries {
                reverse_keys(&mut x);
                o.insert(k, x);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(reverse_keys),
        _ => {}
    }
}
