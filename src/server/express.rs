//! Express's routing and response conventions in front of the reference server's routes, so a
//! client sees what a real Medusa 1.20.11 (Express 4) answers for paths and methods the axum
//! router alone would treat differently. Found by the differential test (tests/differential).
//!
//! - **Path matching** as Express's router does it: case-insensitive, a trailing slash optional,
//!   and a mount point (`app.use("/store")`, `use("/auth")`) swallows one extra slash after it
//!   (`/store//auth` works, `//store/auth` does not). The matched route's handler serves the
//!   request (axum's own router is not involved), its `/:param` handed over as [`Param`].
//! - **Unknown path or method** → finalhandler's 404 page `Cannot <METHOD> <path>` (the path
//!   URL-encoded with `encodeurl`, then HTML-escaped), never axum's 405.
//! - **Body parsing** comes first: body-parser is mounted on the app, so a malformed or
//!   oversized JSON body is a 400/413 page on any path and method, even an unknown one (and a
//!   charset other than UTF-* a 415).
//! - **HEAD** runs the GET route; the ETag and Content-Length are those of the unsent body.
//! - **Route parameters** are decoded with `decodeURIComponent`; a bad escape is an error that
//!   Medusa's error handler turns into a 500 `unknown_error`.
//! - **ETag / 304**: everything `res.send` writes (JSON and text bodies) carries Express's weak
//!   ETag, and a fresh `GET`/`HEAD` (the `fresh` package's rules) becomes `304 Not Modified`.
//!   finalhandler pages (they carry `Content-Security-Policy`) and passport's bare 401 (no
//!   Content-Type) are written with `res.end` and get none.
//!
//! Hand-written: no crate reproduces Express's matching (path-to-regexp 0.1 with `end: false`
//! mounts); the ETag is 20 lines of SHA-1 + base64.
//!
//! `OPTIONS` passes through untouched: preflights are the CORS layer's business.

use crate::server::v1::{BODY_LIMIT, html_error, is_json, json_response, parse_body};
use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::handler::Handler;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::MethodRouter;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;
use std::sync::Arc;

/// How much of a refused body is still read off the connection.
const DRAIN_LIMIT: usize = 4 * 1024 * 1024;

/// One Express route layer: the mount prefixes from the app down to the router holding it
/// (`app.use("/store")`, then `use("/auth")`), its path there (`"/"`, `"/token"`, `"/:param"`),
/// its method, and the handler serving it.
pub(crate) struct Route<S> {
    pub mount: &'static [&'static str],
    pub path: &'static str,
    pub method: Method,
    handler: MethodRouter<S>,
}

/// A [`Route`] served by `handler` (any axum handler of the app's state).
pub(crate) fn route<H, T, S>(
    mount: &'static [&'static str],
    path: &'static str,
    method: Method,
    handler: H,
) -> Route<S>
where
    H: Handler<T, S>,
    T: 'static,
    S: Clone + Send + Sync + 'static,
{
    Route {
        mount,
        path,
        method,
        handler: axum::routing::any(handler),
    }
}

/// A route's `/:param`, decoded with `decodeURIComponent` (once, as Express does), for the
/// handler to extract.
#[derive(Clone, Debug)]
pub(crate) struct Param(pub String);

/// The app's routes (in Express's registration order) served Express's way: its path
/// matching, its 404 page, HEAD as GET, ETags and 304s. The routes' handlers run with `state`.
pub(crate) fn router<S>(routes: Vec<Route<S>>, state: S) -> Router
where
    S: Clone + Send + Sync + 'static,
{
    let app = Arc::new((routes, state));
    Router::new().fallback(move |req: Request| dispatch(app.clone(), req))
}

/// `app.use(prefix)`: path-to-regexp `^<prefix>\/?(?=\/|$)` case-insensitively; the rest keeps
/// a leading slash.
fn strip_mount<'a>(path: &'a str, prefix: &str) -> Option<&'a str> {
    let head = path.as_bytes().get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix.as_bytes()) {
        return None;
    }
    let after = &path[prefix.len()..];
    match after {
        "" | "/" => Some("/"),
        a if a.starts_with("//") => Some(&a[1..]),
        a if a.starts_with('/') => Some(a),
        _ => None,
    }
}

/// A route path with `end: true, strict: false`: the raw param for `/:x`, `""` for literals.
fn match_route<'a>(rest: &'a str, route: &str) -> Option<&'a str> {
    let trimmed = rest.strip_suffix('/').filter(|t| !t.is_empty());
    if route.starts_with("/:") {
        let param = trimmed.unwrap_or(rest).strip_prefix('/')?;
        (!param.is_empty() && !param.contains('/')).then_some(param)
    } else if route == "/" {
        (rest == "/").then_some("")
    } else {
        trimmed
            .unwrap_or(rest)
            .eq_ignore_ascii_case(route)
            .then_some("")
    }
}

pub(crate) enum Resolution {
    /// Served by this route (an index into the table), with its decoded parameter.
    Route(usize, Option<String>),
    /// A route parameter that `decodeURIComponent` rejects.
    BadParam,
    NotFound,
}

/// Express's router: the first route whose mount and path match and that takes the method
/// (HEAD is taken by GET routes).
pub(crate) fn resolve<S>(routes: &[Route<S>], method: &Method, path: &str) -> Resolution {
    for (i, route) in routes.iter().enumerate() {
        let Some(rest) = route
            .mount
            .iter()
            .try_fold(path, |p, prefix| strip_mount(p, prefix))
        else {
            continue;
        };
        let Some(param) = match_route(rest, route.path) else {
            continue;
        };
        // Express decodes a layer's params when its path matches, before it asks whether
        // the route takes this method: a bad escape fails even for `POST /store/auth/%zz`.
        let param = if route.path.starts_with("/:") {
            match crate::percent::decode_uri_component(param) {
                Some(p) => Some(p),
                None => return Resolution::BadParam,
            }
        } else {
            None
        };
        if route.method == method || (method == Method::HEAD && route.method == Method::GET) {
            return Resolution::Route(i, param);
        }
    }
    Resolution::NotFound
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// finalhandler's 404 for a request no route took.
pub(crate) fn not_found_page(method: &Method, path: &str) -> Response {
    html_error(
        StatusCode::NOT_FOUND,
        &escape_html(&format!(
            "Cannot {method} {}",
            crate::percent::encode_url(path)
        )),
    )
}

/// The `etag` package's weak ETag: `W/"<length hex>-<base64 SHA-1, 27 chars>"`.
pub(crate) fn weak_etag(body: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, body);
    let b64 = STANDARD.encode(digest.as_ref());
    format!("W/\"{:x}-{}\"", body.len(), &b64[..27])
}

/// The `fresh` package, as Express's `req.fresh` calls it (no Last-Modified is ever sent).
pub(crate) fn fresh(req: &HeaderMap, etag: &str) -> bool {
    let get = |h: header::HeaderName| req.get(h).and_then(|v| v.to_str().ok());
    let none_match = get(header::IF_NONE_MATCH);
    let modified_since = get(header::IF_MODIFIED_SINCE);
    if none_match.is_none() && modified_since.is_none() {
        return false;
    }
    if get(header::CACHE_CONTROL).is_some_and(|c| {
        c.split(',')
            .any(|d| d.trim().eq_ignore_ascii_case("no-cache"))
    }) {
        return false;
    }
    if let Some(nm) = none_match.filter(|nm| *nm != "*") {
        let matched = nm
            .split(',')
            .map(str::trim)
            .any(|m| m == etag || format!("W/{m}") == etag || m.strip_prefix("W/") == Some(etag));
        if !matched {
            return false;
        }
    }
    // If-Modified-Since needs a Last-Modified to compare with, and there never is one.
    modified_since.is_none()
}

/// body-parser, mounted app-wide before any router (and so before the `/store` router's
/// cors()): a bad JSON body fails first, on every path and method, OPTIONS included.
pub(super) async fn body_parser(req: Request, next: Next) -> Response {
    // body-parser is mounted app-wide, before any router: a bad JSON body fails first, on
    // every path and method.
    // Node reads (drains) a request body nobody consumed, so the connection stays usable;
    // answering before the client has sent it all would reset the connection under it.
    let (parts, body) = req.into_parts();
    let read = axum::body::to_bytes(body, DRAIN_LIMIT).await;
    // type-is's hasBody: a Content-Length or Transfer-Encoding header, even `Content-Length: 0`.
    let has_body = parts.headers.contains_key(header::CONTENT_LENGTH)
        || parts.headers.contains_key(header::TRANSFER_ENCODING);
    let bytes = if has_body && is_json(&parts.headers) {
        match checked_json(&parts.headers, read) {
            Ok(b) => b,
            Err(resp) => return *resp,
        }
    } else {
        // Only the JSON parser is mounted: other bodies are never looked at.
        read.unwrap_or_default()
    };
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Express's routing, behind cors(): resolve the route Express's way (or answer its 404 page),
/// run its handler, then add ETags and answer 304s.
async fn dispatch<S>(app: Arc<(Vec<Route<S>>, S)>, mut req: Request) -> Response
where
    S: Clone + Send + Sync + 'static,
{
    let (routes, state) = &*app;
    let method = req.method().clone();
    // Express answers HEAD with the GET route and the ETag of the body it does not send.
    if method == Method::HEAD {
        *req.method_mut() = Method::GET;
    }
    let headers = req.headers().clone();
    let resp = match resolve(routes, &method, req.uri().path()) {
        Resolution::NotFound => return not_found_page(&method, req.uri().path()),
        Resolution::BadParam => {
            let body = json!({"code": "unknown_error", "type": "unknown_error",
                "message": "An unknown error occurred."});
            json_response(StatusCode::INTERNAL_SERVER_ERROR, body)
        }
        Resolution::Route(i, param) => {
            if let Some(p) = param {
                req.extensions_mut().insert(Param(p));
            }
            Handler::call(routes[i].handler.clone(), req, state.clone()).await
        }
    };
    with_etag(&headers, &method, resp).await
}

/// body-parser's JSON checks on a body already read: charset, size, syntax.
fn checked_json(
    headers: &HeaderMap,
    read: Result<axum::body::Bytes, axum::Error>,
) -> Result<axum::body::Bytes, Box<Response>> {
    // Any charset but UTF-* is refused (body-parser would decode UTF-16/32 with iconv; only
    // UTF-8 is modelled).
    let charset = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(';').skip(1).find_map(|p| {
                let (k, v) = p.split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case("charset")
                    .then(|| v.trim().trim_matches('"').to_ascii_lowercase())
            })
        })
        .unwrap_or_else(|| "utf-8".into());
    if !charset.starts_with("utf-") {
        let message = format!(
            "UnsupportedMediaTypeError: unsupported charset \"{}\"",
            charset.to_ascii_uppercase()
        );
        return Err(Box::new(html_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &escape_html(&message),
        )));
    }
    let bytes = match read {
        Ok(b) if b.len() <= BODY_LIMIT => b,
        _ => {
            return Err(Box::new(html_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PayloadTooLargeError: request entity too large",
            )));
        }
    };
    parse_body(headers, &bytes)?;
    Ok(bytes)
}

/// `res.send`'s ETag and `req.fresh` → 304, for responses Express writes with `res.send`.
async fn with_etag(req: &HeaderMap, method: &Method, resp: Response) -> Response {
    let sent_by_res_send = resp.headers().contains_key(header::CONTENT_TYPE)
        && !resp.headers().contains_key("content-security-policy")
        && !resp.headers().contains_key(header::ETAG);
    if !sent_by_res_send {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let etag = weak_etag(&bytes);
    if let Ok(v) = HeaderValue::from_str(&etag) {
        parts.headers.insert(header::ETAG, v);
    }
    let get_or_head = *method == Method::GET || *method == Method::HEAD;
    if get_or_head && parts.status.is_success() && fresh(req, &etag) {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_TYPE);
        parts.headers.remove(header::CONTENT_LENGTH);
        parts.headers.remove(header::TRANSFER_ENCODING);
        return Response::from_parts(parts, Body::empty());
    }
    if *method == Method::HEAD {
        parts
            .headers
            .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etag_and_names_match_express() {
        // Values a real Medusa 1.20.11 sent for these bodies.
        assert_eq!(
            weak_etag(b"{\"exists\":false}"),
            "W/\"10-ZaoHlihRI2zOKvUkBBrOC+vk/us\""
        );
        assert_eq!(weak_etag(b"OK"), "W/\"2-nOO9QiTIwXgNtWtBJezz8kv3SLc\"");
        assert_eq!(
            escape_html(&format!(
                "Cannot GET {}",
                crate::percent::encode_url("/store/auth/x/y'&<%zz%41")
            )),
            "Cannot GET /store/auth/x/y&#39;&amp;%3C%25zz%41"
        );
    }
}
