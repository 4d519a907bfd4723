//! The route handlers of Medusa 1.20's Store Auth and the customer routes it leans on: each
//! answers as a real 1.20.11 does (status, body, and what changes in the session or store).
//! Which path and method reach which handler is [`super::routes`]'s table.

use super::express_session::Sess;
use super::respond::{customer_not_found, json_response, passport_401, text_response};
use super::store::{Customer, customer_json};
use super::validate::{Rule, customer_rules, login_rules, parse_body, validate};
use super::{Shared, TOKEN_TTL};
use crate::clock::now_secs;
use crate::engine::jwt;
use crate::server::express::Param;
use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

/// body-parser then class-validator: the body, or the response refusing it.
fn checked_body(
    headers: &HeaderMap,
    body: &Bytes,
    allowed: &[&str],
    rules: &[Rule],
) -> Result<Value, Box<Response>> {
    let body = parse_body(headers, body)?;
    validate(&body, allowed, rules)?;
    Ok(body)
}

/// The customer whose e-mail and password the body holds; else the response saying why not.
fn log_in(st: &Shared, headers: &HeaderMap, body: &Bytes) -> Result<Customer, Box<Response>> {
    let body = checked_body(headers, body, &["email", "password"], &login_rules())?;
    st.authenticate(&body)
        .ok_or_else(|| Box::new(text_response(StatusCode::UNAUTHORIZED, "Unauthorized")))
}

/// `POST /store/auth`: logs the session in.
pub(super) async fn post_auth(
    State(st): State<Shared>,
    Extension(sess): Extension<Sess>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match log_in(&st, &headers, &body) {
        Ok(c) => {
            if sess.customer(&st).as_deref() != Some(c.id.as_str()) {
                sess.set_customer(&st, Some(c.id.clone()));
            }
            json_response(StatusCode::OK, customer_json(&c, true))
        }
        Err(r) => *r,
    }
}

/// `POST /store/auth/token`: a store JWT, the session untouched.
pub(super) async fn post_token(
    State(st): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match log_in(&st, &headers, &body) {
        Ok(c) => {
            let iat = now_secs();
            let token = jwt::sign_hs256(
                &json!({"customer_id": c.id, "domain": "store", "iat": iat, "exp": iat + TOKEN_TTL}),
                st.jwt_secret.as_bytes(),
            );
            json_response(StatusCode::OK, json!({ "access_token": token }))
        }
        Err(r) => *r,
    }
}

/// The logged-in customer in either shape (see [`customer_json`]).
fn current(st: &Shared, sess: &Sess, headers: &HeaderMap, auth_shape: bool) -> Response {
    let Some(id) = st.who(sess, headers) else {
        return passport_401();
    };
    match st.by_id(&id) {
        Some(c) => json_response(StatusCode::OK, customer_json(&c, auth_shape)),
        None => customer_not_found(&id),
    }
}

/// `GET /store/auth`.
pub(super) async fn get_auth(
    State(st): State<Shared>,
    Extension(sess): Extension<Sess>,
    headers: HeaderMap,
) -> Response {
    current(&st, &sess, &headers, true)
}

/// `GET /store/customers/me`.
pub(super) async fn get_me(
    State(st): State<Shared>,
    Extension(sess): Extension<Sess>,
    headers: HeaderMap,
) -> Response {
    current(&st, &sess, &headers, false)
}

/// `POST /store/customers/me`: a profile change (names and phone), seen by the next call.
pub(super) async fn post_me(
    State(st): State<Shared>,
    Extension(sess): Extension<Sess>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(id) = st.who(&sess, &headers) else {
        return passport_401();
    };
    let string: fn(Option<&Value>) -> Option<&'static str> = |v| {
        v.is_some_and(|v| !v.is_string())
            .then_some("must be a string")
    };
    let fields = ["first_name", "last_name", "phone"];
    let rules: Vec<Rule> = fields.iter().map(|f| (*f, string)).collect();
    let body = match checked_body(&headers, &body, &fields, &rules) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let updated = st.store.write().unwrap().update_profile(&id, &body);
    match updated {
        Some(c) => json_response(StatusCode::OK, customer_json(&c, false)),
        None => customer_not_found(&id),
    }
}

/// `DELETE /store/auth`: the session goes (and, with the switch, the customer's bearers).
pub(super) async fn delete_auth(
    State(st): State<Shared>,
    Extension(sess): Extension<Sess>,
    headers: HeaderMap,
) -> Response {
    if st.cfg.revoke_tokens_on_logout
        && let Some(id) = st.who(&sess, &headers)
    {
        st.revoke_tokens(id);
    }
    sess.destroy(&st);
    text_response(StatusCode::OK, "OK")
}

/// `GET /store/auth/:email`. The parameter was decoded once, as Express does; decoding again
/// would find `a@b.com` for `a%2540b.com`.
pub(super) async fn exists(
    State(st): State<Shared>,
    Extension(Param(email)): Extension<Param>,
) -> Response {
    json_response(
        StatusCode::OK,
        json!({ "exists": st.find_account(&email).is_some() }),
    )
}

/// `POST /store/customers`: registers (and logs the session in as) a customer or a guest.
pub(super) async fn post_customers(
    State(st): State<Shared>,
    Extension(sess): Extension<Sess>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let allowed = ["first_name", "last_name", "email", "password", "phone"];
    let body = match checked_body(&headers, &body, &allowed, &customer_rules()) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let added = st.store.write().unwrap().add(&body);
    match added {
        Ok(customer) => {
            sess.set_customer(&st, Some(customer.id.clone()));
            json_response(StatusCode::OK, customer_json(&customer, false))
        }
        Err(message) => json_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"code": "invalid_request_error", "type": "duplicate_error", "message": message}),
        ),
    }
}

/// `GET /health`.
pub(super) async fn health() -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .body(Body::from("OK"))
        .unwrap()
}
