//! Medusa v2's app-level middleware in its order, observed on 2.21.2:
//! 1. body parsing (JSON, urlencoded) for every path: a malformed body is a 400 without CORS;
//! 2. CORS (`store_cors` / `auth_cors` / `admin_cors`) only on paths a route is registered
//!    for: `Vary: Origin` + `Access-Control-Allow-Credentials: true` on every response there,
//!    `Access-Control-Allow-Origin` for a listed origin, preflights answered 204;
//! 3. the publishable-key check on every `/store` path, routed or not (so an unknown `/store`
//!    path without a key is 400 `not_allowed`, with a key the 404 page);
//! 4. the session is read (never written here: `saveUninitialized: false`);
//! 5. routing; no route: Express's `Cannot <METHOD> <path>` page (no CORS).
//!
//! Every response carries `X-Powered-By: Express`.

use super::body::{self, Parsed};
use super::{Shared, errors, session};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::json;

/// Path patterns a route is registered for (`*` = one segment), any method.
const ROUTED: &[&str] = &[
    "/auth/session",
    "/auth/token/refresh",
    "/auth/mfa/factors",
    "/auth/*/providers",
    "/auth/*/*",
    "/auth/*/*/register",
    "/auth/*/*/reset-password",
    "/auth/*/*/update",
    "/store/customers",
    "/store/customers/me",
    "/store/customers/me/addresses",
    "/admin/users/me",
];

const ALLOW_METHODS: &str = "GET,HEAD,PUT,PATCH,POST,DELETE";

/// The path a route is registered for, spelt as the router expects it: Express matches
/// static segments case-insensitively and a trailing slash too. Static patterns come first in
/// `ROUTED`, as Medusa registers them before parameterised ones.
fn canonical(path: &str) -> Option<String> {
    let p = path
        .strip_suffix('/')
        .filter(|p| !p.is_empty())
        .unwrap_or(path);
    let segs: Vec<&str> = p.split('/').collect();
    ROUTED.iter().find_map(|pat| {
        let ps: Vec<&str> = pat.split('/').collect();
        let fits = ps.len() == segs.len()
            && ps
                .iter()
                .zip(&segs)
                .all(|(a, b)| (*a == "*" && !b.is_empty()) || a.eq_ignore_ascii_case(b));
        fits.then(|| {
            ps.iter()
                .zip(&segs)
                .map(|(a, b)| if *a == "*" { *b } else { *a })
                .collect::<Vec<_>>()
                .join("/")
        })
    })
}

fn routed(path: &str) -> bool {
    canonical(path).is_some()
}

fn is_store(path: &str) -> bool {
    let p = path.to_ascii_lowercase();
    p == "/store" || p.starts_with("/store/")
}

fn cors_headers(st: &Shared, origin: Option<&HeaderValue>, h: &mut HeaderMap) {
    if let Some(o) = origin.filter(|o| o.to_str().is_ok_and(|s| st.cors.allows(s))) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o.clone());
    }
    h.insert(header::VARY, HeaderValue::from_static("Origin"));
    h.insert(
        header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
}

pub(crate) async fn layer(State(st): State<Shared>, req: Request, next: Next) -> Response {
    let mut resp = handle(st, req, next).await;
    resp.headers_mut()
        .insert("x-powered-by", HeaderValue::from_static("Express"));
    resp
}

async fn handle(st: Shared, req: Request, next: Next) -> Response {
    let (mut parts, b) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(b, 4 * body::LIMIT).await else {
        return errors::json_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            json!({"message": "request entity too large", "type": "invalid_data"}),
        );
    };
    let parsed = match body::parse(&parts.headers, &bytes) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let path = parts.uri.path().to_string();
    let cors = routed(&path);
    let origin = parts.headers.get(header::ORIGIN).cloned();
    if cors && parts.method == Method::OPTIONS {
        let mut resp = Response::new(Body::empty());
        *resp.status_mut() = StatusCode::NO_CONTENT;
        let h = resp.headers_mut();
        cors_headers(&st, origin.as_ref(), h);
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(ALLOW_METHODS),
        );
        if let Some(asked) = parts.headers.get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
            h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked.clone());
        }
        h.insert(
            header::VARY,
            HeaderValue::from_static("Origin, Access-Control-Request-Headers"),
        );
        h.insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
        return resp;
    }
    let mut resp = if is_store(&path)
        && let Some(r) = publishable_key_check(&st, &parts.headers)
    {
        r
    } else if !cors && path != "/health" {
        crate::server::express::not_found_page(&parts.method, &path)
    } else {
        parts.extensions.insert(Parsed(parsed));
        parts.extensions.insert(session::load(&st, &parts.headers));
        let method = parts.method.clone();
        if let Some(c) = canonical(&path).filter(|c| *c != path) {
            let pq = match parts.uri.query() {
                Some(q) => format!("{c}?{q}"),
                None => c,
            };
            if let Ok(uri) = pq.parse() {
                parts.uri = uri;
            }
        }
        if method == Method::HEAD {
            parts.method = Method::GET;
        }
        let req_headers = parts.headers.clone();
        let r = next.run(Request::from_parts(parts, Body::empty())).await;
        let r = not_modified(&method, &req_headers, r);
        if r.status() == StatusCode::METHOD_NOT_ALLOWED
            || r.status() == StatusCode::NOT_FOUND
                && r.headers().get(header::CONTENT_TYPE).is_none()
        {
            crate::server::express::not_found_page(&method, &path)
        } else {
            r
        }
    };
    if cors && !resp.headers().contains_key("content-security-policy") {
        cors_headers(&st, origin.as_ref(), resp.headers_mut());
    }
    resp
}

/// Express's `req.fresh` → 304 for a GET/HEAD whose ETag the client already has.
fn not_modified(method: &Method, req: &HeaderMap, mut r: Response) -> Response {
    let get = *method == Method::GET || *method == Method::HEAD;
    let etag = r
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    if etag
        .is_some_and(|e| get && r.status().is_success() && crate::server::express::fresh(req, &e))
    {
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r.headers_mut().remove(header::CONTENT_TYPE);
        r.headers_mut().remove(header::CONTENT_LENGTH);
        *r.body_mut() = Body::empty();
    }
    r
}

/// `ensurePublishableApiKeyMiddleware`: missing → "required", anything but ours → "valid".
fn publishable_key_check(st: &Shared, headers: &HeaderMap) -> Option<Response> {
    let key = headers
        .get("x-publishable-api-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty());
    match key {
        None => Some(errors::error(
            StatusCode::BAD_REQUEST,
            "not_allowed",
            "Publishable API key required in the request header: x-publishable-api-key. You can manage your keys in settings in the dashboard.",
        )),
        Some(k) if k != st.publishable_key => Some(errors::error(
            StatusCode::BAD_REQUEST,
            "not_allowed",
            "A valid publishable key is required to proceed with the request",
        )),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routed_paths() {
        assert!(routed("/auth/customer/emailpass"));
        assert!(routed("/auth/customer/emailpass/register/"));
        assert!(routed("/store/customers/me"));
        assert!(!routed("/store/auth"));
        assert!(!routed("/auth/customer"));
        assert!(!routed("/health"));
        assert_eq!(
            canonical("/AUTH/customer/emailpass/").as_deref(),
            Some("/auth/customer/emailpass")
        );
        assert_eq!(
            canonical("/auth/Customer/providers").as_deref(),
            Some("/auth/Customer/providers")
        );
    }
}
