//! The shapes Medusa 1.20 answers in: a JSON body (`res.json`), a text body (`res.send`),
//! passport's bare `Unauthorized`, finalhandler's HTML error page, and Medusa's
//! `invalid_data` 400.

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

pub(crate) fn json_response(status: StatusCode, v: Value) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .body(Body::from(v.to_string()))
        .unwrap()
}

pub(super) fn text_response(status: StatusCode, text: &'static str) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Body::from(text))
        .unwrap()
}

/// passport's failure: `Unauthorized` with no Content-Type at all.
pub(super) fn passport_401() -> Response {
    Response::builder()
        .status(StatusCode::UNAUTHORIZED)
        .body(Body::from("Unauthorized"))
        .unwrap()
}

pub(crate) fn html_error(status: StatusCode, text: &str) -> Response {
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>{text}</pre>\n</body>\n</html>\n"
    );
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header("content-security-policy", "default-src 'none'")
        .header("x-content-type-options", "nosniff")
        .body(Body::from(page))
        .unwrap()
}

/// Medusa's validation failure: 400 `invalid_data` with class-validator's messages.
pub(super) fn invalid(message: String) -> Response {
    json_response(
        StatusCode::BAD_REQUEST,
        json!({"type": "invalid_data", "message": message}),
    )
}

/// Medusa's 404 for a customer id that names no customer.
pub(super) fn customer_not_found(id: &str) -> Response {
    json_response(
        StatusCode::NOT_FOUND,
        json!({"type": "not_found", "message": format!("Customer with id: {id} was not found")}),
    )
}
