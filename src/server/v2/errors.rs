//! The response shapes Medusa v2 sends: JSON through `res.json` (with Express's weak ETag),
//! the error handler's `{type, message[, code]}`, the `authenticate` middleware's bare
//! `{"message":"Unauthorized"}`, and `text/plain` for the reset request's `Created`.

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

pub(crate) fn json_response(status: StatusCode, v: Value) -> Response {
    let body = v.to_string();
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .header(
            header::ETAG,
            crate::server::express::weak_etag(body.as_bytes()),
        )
        .body(Body::from(body))
        .unwrap()
}

pub(crate) fn text_response(status: StatusCode, text: &'static str) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .header(
            header::ETAG,
            crate::server::express::weak_etag(text.as_bytes()),
        )
        .body(Body::from(text))
        .unwrap()
}

/// `MedusaError` through the error handler: `{type, message}`.
pub(crate) fn error(status: StatusCode, kind: &str, message: &str) -> Response {
    json_response(status, json!({"type": kind, "message": message}))
}

/// 401 `{"type":"unauthorized","message":…}` (auth routes' own failures).
pub(crate) fn unauthorized(message: &str) -> Response {
    error(StatusCode::UNAUTHORIZED, "unauthorized", message)
}

/// 400 `{"type":"invalid_data","message":…}` (validators).
pub(crate) fn invalid(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "invalid_data", message)
}

/// The `authenticate` middleware's 401: no `type`.
pub(crate) fn bare_401() -> Response {
    json_response(StatusCode::UNAUTHORIZED, json!({"message": "Unauthorized"}))
}
