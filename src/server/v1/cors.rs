//! CORS on the reference server's store routes, as Medusa 1.20 answers it: the store router
//! runs the `cors` npm package with `{origin: parseCorsOrigins(store_cors), credentials: true}`.
//!
//! Observed on a real Medusa 1.20.11 (store_cors `http://localhost`) and reproduced here:
//! - every `/store` response carries `Vary: Origin` and `Access-Control-Allow-Credentials: true`,
//!   and `Access-Control-Allow-Origin: <origin>` only when the request's Origin is in the list
//!   (exact string match, or a `/regex/` entry); an unlisted origin gets no ACAO, but the request
//!   still runs (browsers enforce CORS, not servers);
//! - a preflight (`OPTIONS` on any `/store` path) answers 204 with an empty body, the headers
//!   above, `Access-Control-Allow-Methods: GET,HEAD,PUT,PATCH,POST,DELETE`, the request's
//!   `Access-Control-Request-Headers` echoed as `Access-Control-Allow-Headers`, and
//!   `Vary: Origin, Access-Control-Request-Headers`; the session middleware runs before it, so a
//!   new visitor's preflight also gets a `connect.sid`.
//!
//! Hand-written rather than tower-http's CorsLayer: that layer answers preflights differently
//! (it validates the requested method and headers and varies on more headers), and the point of
//! a reference server is to answer exactly like Medusa.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

/// Medusa's starter default (`STORE_CORS=http://localhost:8000`, the Next.js storefront), plus
/// `http://localhost`, this project's test target's store_cors.
pub const DEFAULT_STORE_CORS: &str = "http://localhost:8000,http://localhost";

/// What the cors package sends as Access-Control-Allow-Methods by default.
const ALLOW_METHODS: &str = "GET,HEAD,PUT,PATCH,POST,DELETE";

#[derive(Debug, Clone)]
enum Allowed {
    Exact(String),
    Pattern(regex::Regex),
}

/// A parsed `store_cors`.
#[derive(Debug, Clone)]
pub struct StoreCors {
    allowed: Vec<Allowed>,
}

impl StoreCors {
    /// Medusa's `parseCorsOrigins`: split on commas (entries are not trimmed); an entry written
    /// `/pattern/flags` is a regular expression.
    pub fn parse(list: &str) -> StoreCors {
        let allowed = list
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| {
                let re = s
                    .strip_prefix('/')
                    .and_then(|r| r.rsplit_once('/'))
                    .filter(|(_, flags)| flags.chars().all(|c| "gimsuy".contains(c)))
                    .and_then(|(pat, flags)| {
                        let pat = if flags.contains('i') {
                            format!("(?i){pat}")
                        } else {
                            pat.to_string()
                        };
                        regex::Regex::new(&pat).ok()
                    });
                match re {
                    Some(r) => Allowed::Pattern(r),
                    None => Allowed::Exact(s.to_string()),
                }
            })
            .collect();
        StoreCors { allowed }
    }

    pub fn allows(&self, origin: &str) -> bool {
        self.allowed.iter().any(|a| match a {
            Allowed::Exact(s) => s == origin,
            Allowed::Pattern(r) => r.is_match(origin),
        })
    }

    fn headers(&self, origin: Option<&HeaderValue>, h: &mut HeaderMap) {
        if let Some(o) = origin.filter(|o| o.to_str().is_ok_and(|s| self.allows(s))) {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o.clone());
        }
        vary(h, "Origin");
        h.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
}

/// Appends to `Vary` like the `vary` npm package (no duplicates).
fn vary(h: &mut HeaderMap, field: &str) {
    let current = h
        .get(header::VARY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    if current
        .split(',')
        .any(|f| f.trim().eq_ignore_ascii_case(field) || f.trim() == "*")
    {
        return;
    }
    let v = if current.trim().is_empty() {
        field.to_string()
    } else {
        format!("{current}, {field}")
    };
    if let Ok(v) = HeaderValue::from_str(&v) {
        h.insert(header::VARY, v);
    }
}

/// The middleware: preflights end here, other `/store` requests get the CORS headers.
pub async fn layer(State(cors): State<Arc<StoreCors>>, req: Request, next: Next) -> Response {
    // Express mounts cors() on the `/store` router: `/store` and what is below it, never
    // `/storex` (case-insensitive, like Express's mount matching).
    let path = req.uri().path().to_ascii_lowercase();
    if !(path == "/store" || path.starts_with("/store/")) {
        return next.run(req).await;
    }
    let origin = req.headers().get(header::ORIGIN).cloned();
    if req.method() == Method::OPTIONS {
        let mut resp = Response::new(axum::body::Body::empty());
        *resp.status_mut() = StatusCode::NO_CONTENT;
        let h = resp.headers_mut();
        cors.headers(origin.as_ref(), h);
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(ALLOW_METHODS),
        );
        if let Some(asked) = req.headers().get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
            h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked.clone());
        }
        vary(h, "Access-Control-Request-Headers");
        h.insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
        return resp;
    }
    let mut resp = next.run(req).await;
    cors.headers(origin.as_ref(), resp.headers_mut());
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_match_like_the_cors_package() {
        let c =
            StoreCors::parse("http://localhost:8000,/^https:\\/\\/.*\\.shop\\.example$/,http://a");
        assert!(c.allows("http://localhost:8000"));
        assert!(!c.allows("http://localhost:8000/"));
        assert!(!c.allows("http://localhost"));
        assert!(c.allows("https://www.shop.example"));
        assert!(!c.allows("https://evil.example"));
        assert!(c.allows("http://a"));
        // Entries are not trimmed, as in Medusa.
        assert!(!StoreCors::parse("http://a, http://b").allows("http://b"));
        let mut h = HeaderMap::new();
        h.insert(header::VARY, HeaderValue::from_static("Accept"));
        vary(&mut h, "Origin");
        vary(&mut h, "origin");
        assert_eq!(h.get(header::VARY).unwrap(), "Accept, Origin");
    }
}
