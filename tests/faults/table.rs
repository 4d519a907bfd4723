//! The faults: one row each, `{name, level, needs_secret, request hook, also, response hook,
//! catches}`. The table is the list: the matrix iterates it, so a fault cannot exist without
//! being injected. Each hook is a small function below its row's name; `catches` names the
//! scenarios that must fail under the fault (those claiming the coverage cell it breaks).
//!
//! Levels follow docs/ (contract vs exact): `Contract` when a client or storefront would
//! break, or a security promise of the API is broken (statuses, JSON fields clients read, the
//! session cookie set and honoured, tokens working, logout ending the session, error shapes,
//! no `password_hash`, forged or expired tokens refused); `Exact` for 1.20.11 wire fidelity no
//! client notices (extra claims, message texts, a Content-Type on the plain 401, a re-sent
//! cookie, lifetimes).

use crate::proxy::{Also, Ctx, Fault, Level, Req, Resp};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use base64::Engine;
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde_json::{Value, json};

const fn fault(name: &'static str, level: Level) -> Fault {
    Fault {
        name,
        level,
        needs_secret: false,
        request: None,
        also: None,
        response: None,
        catches: &[],
    }
}

use Level::{Contract, Exact};

pub const FAULTS: &[Fault] = &[
    Fault {
        response: Some(drop_set_cookie),
        ..fault("drop-set-cookie", Contract)
    },
    Fault {
        response: Some(cookie_not_httponly),
        ..fault("cookie-not-httponly", Contract)
    },
    // Secure on an http target: a browser never sends the cookie back.
    Fault {
        response: Some(cookie_secure_samesite),
        ..fault("cookie-secure-samesite", Contract)
    },
    Fault {
        response: Some(cookie_short_expiry),
        ..fault("cookie-short-expiry", Exact)
    },
    Fault {
        response: Some(set_cookie_every_response),
        ..fault("set-cookie-every-response", Exact)
    },
    Fault {
        response: Some(status_401_to_403),
        ..fault("status-401-to-403", Contract)
    },
    Fault {
        response: Some(status_400_to_422),
        ..fault("status-400-to-422", Contract)
    },
    Fault {
        response: Some(status_422_to_400),
        ..fault("status-422-to-400", Contract)
    },
    Fault {
        response: Some(status_200_to_201),
        ..fault("status-200-to-201", Contract)
    },
    // The status stays 401; only the body's shape changes, which clients do not read.
    Fault {
        response: Some(json_401),
        ..fault("json-401", Exact)
    },
    Fault {
        response: Some(content_type_on_401),
        ..fault("content-type-on-401", Exact)
    },
    Fault {
        response: Some(drop_has_account),
        ..fault("drop-has-account", Contract)
    },
    Fault {
        response: Some(drop_orders),
        ..fault("drop-orders", Contract)
    },
    Fault {
        response: Some(leak_password_hash),
        ..fault("leak-password-hash", Contract)
    },
    Fault {
        response: Some(uppercase_email),
        ..fault("uppercase-email", Contract)
    },
    Fault {
        request: Some(logout_noop),
        catches: &["store_auth::get_session::bearer_takes_over_after_logout"],
        ..fault("logout-noop", Contract)
    },
    Fault {
        response: Some(logout_json),
        ..fault("logout-json", Exact)
    },
    Fault {
        request: Some(logout_requires_auth),
        ..fault("logout-requires-auth", Contract)
    },
    Fault {
        request: Some(ignore_bearer),
        ..fault("ignore-bearer", Contract)
    },
    Fault {
        request: Some(bearer_wins),
        ..fault("bearer-wins", Contract)
    },
    Fault {
        response: Some(exists_inverted),
        ..fault("exists-inverted", Contract)
    },
    Fault {
        request: Some(exists_validates),
        ..fault("exists-validates", Contract)
    },
    Fault {
        request: Some(exists_case_sensitive),
        ..fault("exists-case-sensitive", Contract)
    },
    Fault {
        request: Some(login_case_sensitive),
        ..fault("login-case-sensitive", Contract)
    },
    Fault {
        needs_secret: true,
        response: Some(token_lifetime_1d),
        ..fault("token-lifetime-1d", Exact)
    },
    Fault {
        needs_secret: true,
        response: Some(token_extra_claim),
        ..fault("token-extra-claim", Exact)
    },
    // A token request must not open a cookie session behind the client's back.
    Fault {
        also: Some(token_logs_in),
        catches: &["store_auth::get_token::token_on_logged_in_cookie"],
        ..fault("token-logs-in", Contract)
    },
    Fault {
        also: Some(failed_login_logs_out),
        ..fault("failed-login-logs-out", Contract)
    },
    // An extra field in an error body: a conformant addition, only the exact wire differs.
    Fault {
        response: Some(error_code_added),
        ..fault("error-code-added", Exact)
    },
    Fault {
        response: Some(validation_message_changed),
        ..fault("validation-message-changed", Exact)
    },
    Fault {
        needs_secret: true,
        request: Some(accept_forged_tokens),
        ..fault("accept-forged-tokens", Contract)
    },
    Fault {
        needs_secret: true,
        request: Some(ignore_token_expiry),
        ..fault("ignore-token-expiry", Contract)
    },
    Fault {
        response: Some(html_errors_as_json),
        ..fault("html-errors-as-json", Exact)
    },
    Fault {
        response: Some(not_found_to_401),
        ..fault("not-found-to-401", Contract)
    },
    Fault {
        response: Some(registration_no_login),
        ..fault("registration-no-login", Contract)
    },
    // `Access-Control-Allow-Origin: *` without credentials: browsers refuse every credentialed
    // store call from a storefront on its own origin.
    Fault {
        response: Some(cors_wildcard),
        ..fault("cors-wildcard", Contract)
    },
    // ---- faults of the coverage map's classes (docs/coverage.md); `catches` names the
    // scenarios that claim the cell each one breaks.
    // Login and token read e-mail and password from the query string or a Basic header too.
    Fault {
        request: Some(credentials_from_query),
        catches: &["store_auth::authenticate::credentials_outside_body_refused"],
        ..fault("credentials-from-query", Contract)
    },
    // A token in `?access_token=` / `?token=` is accepted.
    Fault {
        request: Some(bearer_from_query),
        catches: &["store_auth::get_session::credentials_elsewhere_refused"],
        ..fault("bearer-from-query", Contract)
    },
    // A token in `X-Access-Token`, `x-medusa-access-token` or `Authorization: Token` is accepted.
    Fault {
        request: Some(bearer_from_header),
        catches: &["store_auth::get_session::credentials_elsewhere_refused"],
        ..fault("bearer-from-header", Contract)
    },
    // A token in a `jwt` or `access_token` cookie is accepted.
    Fault {
        request: Some(bearer_from_cookie),
        catches: &["store_auth::get_session::credentials_elsewhere_refused"],
        ..fault("bearer-from-cookie", Contract)
    },
    // A token in a JSON body (`token`, `access_token`) of a GET is accepted.
    Fault {
        request: Some(bearer_from_body),
        catches: &["store_auth::get_session::credentials_elsewhere_refused"],
        ..fault("bearer-from-body", Contract)
    },
    // A session id in `?connect.sid=` is accepted.
    Fault {
        request: Some(session_from_query),
        catches: &["store_auth::get_session::credentials_elsewhere_refused"],
        ..fault("session-from-query", Contract)
    },
    // Every session and token is served as the customer who logged in (or took a token) last.
    Fault {
        request: Some(last_login_wins),
        response: Some(remember_last_login),
        catches: &[
            "store_auth::authenticate::two_customers_two_clients",
            "store_auth::get_token::two_customers_tokens",
        ],
        ..fault("last-login-wins", Contract)
    },
    // A new login of a customer ends that customer's other sessions.
    Fault {
        also: Some(one_session_per_customer),
        catches: &["store_auth::authenticate::second_device_login_keeps_first"],
        ..fault("one-session-per-customer", Contract)
    },
    // A cookie session dies after five uses.
    Fault {
        request: Some(session_use_limit),
        catches: &["store_auth::get_session::cookie_session_many_requests"],
        ..fault("session-use-limit", Contract)
    },
    // A token stops working after five uses.
    Fault {
        request: Some(token_use_limit),
        catches: &["store_auth::get_token::token_reused_many_times"],
        ..fault("token-use-limit", Contract)
    },
    // GET /store/auth serves a customer as it was the first time it was served (a stale cache).
    Fault {
        response: Some(stale_customer),
        catches: &["store_auth::get_session::profile_change_visible"],
        ..fault("stale-customer", Contract)
    },
    // E-mails are trimmed before the look-up (login, token and exists).
    Fault {
        request: Some(trim_email),
        catches: &[
            "store_auth::get_token::email_forms",
            "store_auth::exists::email_forms",
        ],
        ..fault("trim-email", Contract)
    },
    // Only ASCII letters are case-folded (ZOË does not find zoë).
    Fault {
        request: Some(ascii_case_fold),
        catches: &[
            "store_auth::get_token::email_forms",
            "store_auth::exists::email_forms",
        ],
        ..fault("ascii-case-fold", Contract)
    },
    // An e-mail over 254 or a password over 1,000 characters is a 500 (a column or hash limit).
    Fault {
        request: Some(long_input_500),
        catches: &[
            "store_auth::get_token::email_forms",
            "store_auth::exists::email_forms",
        ],
        ..fault("long-input-500", Contract)
    },
    // A failed token request logs the cookie session out.
    Fault {
        also: Some(failed_token_logs_out),
        catches: &["store_auth::get_token::token_on_logged_in_cookie"],
        ..fault("failed-token-logs-out", Contract)
    },
    // Registrations share one session: every new registration lands on the first one's.
    Fault {
        request: Some(registration_joins_shared_session),
        response: Some(registration_shares_session),
        catches: &["store_auth::register::two_clients_register"],
        ..fault("registration-shares-session", Contract)
    },
    // Logout revokes the customer's bearer tokens (medusajs/medusa#5930 "fixed"): no client
    // breaks, so exact (the scenario checks it under --strict).
    Fault {
        request: Some(logout_revokes_tokens),
        response: Some(remember_session_customer),
        catches: &["store_auth::delete_session::token_survives_repeated_logouts"],
        ..fault("logout-revokes-tokens", Exact)
    },
];

// ---- cookies --------------------------------------------------------------------------------

fn drop_set_cookie(_: &Req, r: &mut Resp, _: &Ctx) {
    r.headers.remove("set-cookie");
}

fn cors_wildcard(_: &Req, r: &mut Resp, _: &Ctx) {
    if r.headers.remove("access-control-allow-origin").is_some() {
        r.headers
            .insert("access-control-allow-origin", HeaderValue::from_static("*"));
    }
    r.headers.remove("access-control-allow-credentials");
}

fn registration_no_login(q: &Req, r: &mut Resp, _: &Ctx) {
    if q.is(Method::POST, "/store/customers") {
        r.headers.remove("set-cookie");
    }
}

/// Rewrites every Set-Cookie line.
fn edit_cookies(r: &mut Resp, edit: impl Fn(&str) -> String) {
    let cookies: Vec<String> = r
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(edit)
        .collect();
    r.headers.remove("set-cookie");
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(&c) {
            r.headers.append("set-cookie", v);
        }
    }
}

fn in_secs(secs: u64) -> String {
    httpdate::fmt_http_date(std::time::SystemTime::now() + std::time::Duration::from_secs(secs))
}

fn cookie_not_httponly(_: &Req, r: &mut Resp, _: &Ctx) {
    edit_cookies(r, |c| c.replace("; HttpOnly", ""));
}

fn cookie_secure_samesite(_: &Req, r: &mut Resp, _: &Ctx) {
    edit_cookies(r, |c| format!("{c}; Secure; SameSite=Lax"));
}

fn cookie_short_expiry(_: &Req, r: &mut Resp, _: &Ctx) {
    let exp = in_secs(3600);
    edit_cookies(r, |c| {
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
    });
}

fn set_cookie_every_response(q: &Req, r: &mut Resp, _: &Ctx) {
    if r.headers.contains_key("set-cookie") {
        return;
    }
    let sid = q
        .headers
        .get("cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').find(|x| x.trim().starts_with("connect.sid=")));
    if let Some(c) = sid
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{}; Path=/; Expires={}; HttpOnly",
            c.trim(),
            in_secs(36000)
        ))
    {
        r.headers.append("set-cookie", v);
    }
}

// ---- statuses and error shapes -------------------------------------------------------------

pub fn status_401_to_403(_: &Req, r: &mut Resp, _: &Ctx) {
    if r.status == StatusCode::UNAUTHORIZED {
        r.status = StatusCode::FORBIDDEN;
    }
}

pub fn status_400_to_422(_: &Req, r: &mut Resp, _: &Ctx) {
    if r.status == StatusCode::BAD_REQUEST {
        r.status = StatusCode::UNPROCESSABLE_ENTITY;
    }
}

fn status_422_to_400(_: &Req, r: &mut Resp, _: &Ctx) {
    if r.status == StatusCode::UNPROCESSABLE_ENTITY {
        r.status = StatusCode::BAD_REQUEST;
    }
}

fn status_200_to_201(q: &Req, r: &mut Resp, _: &Ctx) {
    if r.status == StatusCode::OK && q.path.starts_with("/store") {
        r.status = StatusCode::CREATED;
    }
}

fn not_found_to_401(_: &Req, r: &mut Resp, _: &Ctx) {
    if r.status == StatusCode::NOT_FOUND && r.content_type().contains("json") {
        r.status = StatusCode::UNAUTHORIZED;
        r.headers.remove("content-type");
        r.body = b"Unauthorized".to_vec();
        r.json = None;
        r.json_changed = false;
    }
}

fn json_401(_: &Req, r: &mut Resp, _: &Ctx) {
    if r.status == StatusCode::UNAUTHORIZED {
        r.set_json(json!({"type": "unauthorized", "message": "Unauthorized"}));
    }
}

fn content_type_on_401(_: &Req, r: &mut Resp, _: &Ctx) {
    if r.status == StatusCode::UNAUTHORIZED && !r.headers.contains_key("content-type") {
        r.headers.insert(
            "content-type",
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
    }
}

fn html_errors_as_json(_: &Req, r: &mut Resp, _: &Ctx) {
    if r.content_type().starts_with("text/html") && r.status.is_client_error() {
        r.headers.remove("content-security-policy");
        r.set_json(json!({"type": "invalid_data", "message": "Malformed JSON"}));
    }
}

fn error_code_added(_: &Req, r: &mut Resp, _: &Ctx) {
    if r.status == StatusCode::BAD_REQUEST
        && let Some(j) = r.json.as_mut().filter(|j| j.get("type").is_some())
    {
        j["code"] = json!("invalid_data");
        r.json_changed = true;
    }
}

fn validation_message_changed(_: &Req, r: &mut Resp, _: &Ctx) {
    if let Some(j) = r
        .json
        .as_mut()
        .filter(|j| j.get("type").and_then(Value::as_str) == Some("invalid_data"))
    {
        let m = j
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        j["message"] = json!(format!("Validation failed: {m}"));
        r.json_changed = true;
    }
}

// ---- the customer --------------------------------------------------------------------------

fn edit_customer(r: &mut Resp, f: impl FnOnce(&mut serde_json::Map<String, Value>)) {
    if let Some(c) = r
        .json
        .as_mut()
        .and_then(|j| j.get_mut("customer"))
        .and_then(Value::as_object_mut)
    {
        f(c);
        r.json_changed = true;
    }
}

fn drop_has_account(_: &Req, r: &mut Resp, _: &Ctx) {
    edit_customer(r, |c| {
        c.remove("has_account");
    });
}

fn drop_orders(_: &Req, r: &mut Resp, _: &Ctx) {
    edit_customer(r, |c| {
        c.remove("orders");
    });
}

fn leak_password_hash(_: &Req, r: &mut Resp, _: &Ctx) {
    edit_customer(r, |c| {
        c.insert("password_hash".into(), json!("c2NyeXB0AAEAAAABAAAAAZ"));
    });
}

fn uppercase_email(_: &Req, r: &mut Resp, _: &Ctx) {
    edit_customer(r, |c| {
        if let Some(e) = c.get("email").and_then(Value::as_str) {
            let up = e.to_uppercase();
            c.insert("email".into(), json!(up));
        }
    });
}

// ---- logout --------------------------------------------------------------------------------

fn logout_noop(q: &mut Req, _: &Ctx) -> Option<Resp> {
    q.is(Method::DELETE, "/store/auth")
        .then(|| Resp::text(StatusCode::OK, Some("text/plain; charset=utf-8"), "OK"))
}

fn logout_requires_auth(q: &mut Req, _: &Ctx) -> Option<Resp> {
    (q.is(Method::DELETE, "/store/auth")
        && !q.headers.contains_key("cookie")
        && !q.headers.contains_key("authorization"))
    .then(|| Resp::text(StatusCode::UNAUTHORIZED, None, "Unauthorized"))
}

fn logout_json(q: &Req, r: &mut Resp, _: &Ctx) {
    if q.is(Method::DELETE, "/store/auth") {
        r.set_json(json!({}));
    }
}

// ---- bearer tokens and sessions ------------------------------------------------------------

fn ignore_bearer(q: &mut Req, _: &Ctx) -> Option<Resp> {
    q.headers.remove("authorization");
    None
}

fn bearer_wins(q: &mut Req, _: &Ctx) -> Option<Resp> {
    if q.headers.contains_key("authorization") {
        q.headers.remove("cookie");
    }
    None
}

fn token_logs_in(q: &Req, r: &Resp, _: &Ctx) -> Option<Also> {
    (q.is(Method::POST, "/store/auth/token") && r.status == StatusCode::OK).then_some(Also {
        method: Method::POST,
        path: "/store/auth",
        headers: None,
        with_body: true,
        take_cookies: true,
    })
}

fn failed_login_logs_out(q: &Req, r: &Resp, _: &Ctx) -> Option<Also> {
    (q.is(Method::POST, "/store/auth") && r.status == StatusCode::UNAUTHORIZED).then_some(Also {
        method: Method::DELETE,
        path: "/store/auth",
        headers: None,
        with_body: false,
        take_cookies: false,
    })
}

pub fn bearer_token(q: &Req) -> Option<String> {
    q.headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_whitespace().nth(1))
        .map(str::to_string)
}

pub fn now() -> i64 {
    medusa_conform::clock::now_secs()
}

/// Replaces the bearer token with `edit`ed claims re-signed with the server's secret.
pub fn resign_bearer(
    q: &mut Req,
    ctx: &Ctx,
    tok: &str,
    edit: impl FnOnce(&mut serde_json::Map<String, Value>),
) {
    if let Some(t) = ctx.resign(tok, edit)
        && let Ok(v) = HeaderValue::from_str(&format!("Bearer {t}"))
    {
        q.headers.insert("authorization", v);
    }
}

pub fn verifies(ctx: &Ctx, tok: &str, now: i64) -> bool {
    ctx.secret
        .as_ref()
        .is_some_and(|s| medusa_conform::engine::jwt::verify(tok, s.as_bytes(), now).is_ok())
}

fn accept_forged_tokens(q: &mut Req, ctx: &Ctx) -> Option<Resp> {
    if let Some(tok) = bearer_token(q)
        && !verifies(ctx, &tok, now())
    {
        resign_bearer(q, ctx, &tok, |_| {});
    }
    None
}

fn ignore_token_expiry(q: &mut Req, ctx: &Ctx) -> Option<Resp> {
    if let Some(tok) = bearer_token(q)
        && !verifies(ctx, &tok, now())
        && verifies(ctx, &tok, 0)
    {
        resign_bearer(q, ctx, &tok, |c| {
            c.remove("exp");
        });
    }
    None
}

fn token_lifetime_1d(_: &Req, r: &mut Resp, ctx: &Ctx) {
    edit_token(r, ctx, |c| {
        let iat = c.get("iat").and_then(Value::as_i64).unwrap_or(0);
        c.insert("exp".into(), json!(iat + 86_400));
    });
}

fn token_extra_claim(_: &Req, r: &mut Resp, ctx: &Ctx) {
    edit_token(r, ctx, |c| {
        let id = c.get("customer_id").cloned().unwrap_or(Value::Null);
        c.insert("sub".into(), id);
    });
}

/// Re-signs the `access_token` of a token response with edited claims.
pub fn edit_token(r: &mut Resp, ctx: &Ctx, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) {
    let Some(j) = r.json.as_mut() else { return };
    let Some(t) = j.get("access_token").and_then(Value::as_str) else {
        return;
    };
    if let Some(nt) = ctx.resign(t, edit) {
        j["access_token"] = json!(nt);
        r.json_changed = true;
    }
}

// ---- exists and login ----------------------------------------------------------------------

fn exists_inverted(_: &Req, r: &mut Resp, _: &Ctx) {
    if let Some(j) = r.json.as_mut()
        && let Some(b) = j.get("exists").and_then(Value::as_bool)
    {
        j["exists"] = json!(!b);
        r.json_changed = true;
    }
}

fn exists_validates(q: &mut Req, _: &Ctx) -> Option<Resp> {
    if !q.is_exists() {
        return None;
    }
    let email = percent_decode_str(&q.path["/store/auth/".len()..])
        .decode_utf8_lossy()
        .into_owned();
    (!email.contains('@') || !email.contains('.')).then(|| {
        Resp::text(
            StatusCode::BAD_REQUEST,
            Some("application/json; charset=utf-8"),
            r#"{"type":"invalid_data","message":"email must be an email"}"#,
        )
    })
}

fn exists_case_sensitive(q: &mut Req, _: &Ctx) -> Option<Resp> {
    (q.is_exists() && q.raw_path.chars().any(|c| c.is_ascii_uppercase())).then(|| {
        Resp::text(
            StatusCode::OK,
            Some("application/json; charset=utf-8"),
            r#"{"exists":false}"#,
        )
    })
}

fn login_case_sensitive(q: &mut Req, _: &Ctx) -> Option<Resp> {
    let upper = q
        .json()
        .and_then(|v| {
            v.get("email")
                .and_then(Value::as_str)
                .map(|e| e.chars().any(|c| c.is_ascii_uppercase()))
        })
        .unwrap_or(false);
    (q.is_login() && upper).then(|| {
        Resp::text(
            StatusCode::UNAUTHORIZED,
            Some("text/plain; charset=utf-8"),
            "Unauthorized",
        )
    })
}

// ---- the coverage map's classes: where a credential travels ---------------------------------

pub fn header(q: &mut Req, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        q.headers.insert(name, v);
    }
}

pub fn query_param(q: &Req, name: &str) -> Option<String> {
    let query = q.path_q.split_once('?')?.1;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// `connect.sid=<value>` from the request's cookies.
pub fn session_cookie(h: &HeaderMap) -> Option<String> {
    h.get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(str::trim)
        .find(|c| c.starts_with("connect.sid="))
        .map(str::to_string)
}

/// The session the client holds after this exchange: the one set, else the one sent.
pub fn session_after(q: &Req, r: &Resp) -> Option<String> {
    r.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("connect.sid="))
        .and_then(|c| c.split(';').next())
        .map(str::to_string)
        .or_else(|| session_cookie(&q.headers))
}

fn is_get_session(q: &Req) -> bool {
    q.is(Method::GET, "/store/auth")
}

fn body_email(q: &Req) -> Option<String> {
    q.json()?.get("email")?.as_str().map(str::to_string)
}

fn customer_id(r: &Resp) -> Option<String> {
    r.json.as_ref()?["customer"]["id"]
        .as_str()
        .map(str::to_string)
}

fn unauthorized() -> Resp {
    Resp::text(StatusCode::UNAUTHORIZED, None, "Unauthorized")
}

fn credentials_from_query(q: &mut Req, _: &Ctx) -> Option<Resp> {
    if !q.is_login() || q.json().is_some() {
        return None;
    }
    let basic = q
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            s.split_once(':')
                .map(|(a, b)| (a.to_string(), b.to_string()))
        });
    let creds = match (query_param(q, "email"), query_param(q, "password")) {
        (Some(e), Some(pw)) => Some((e, pw)),
        _ => basic,
    };
    if let Some((email, password)) = creds {
        q.body = json!({"email": email, "password": password})
            .to_string()
            .into();
        header(q, "content-type", "application/json");
        q.headers.remove("authorization");
    }
    None
}

/// Moves a token found by `find` into `Authorization: Bearer` on the routes `on` picks (a
/// server that accepts a credential where it must not). Shared with the v2 table.
pub fn bearer_from(
    q: &mut Req,
    on: fn(&Req) -> bool,
    find: impl FnOnce(&Req) -> Option<String>,
) -> Option<Resp> {
    if on(q)
        && bearer_token(q).is_none()
        && let Some(t) = find(q)
    {
        header(q, "authorization", &format!("Bearer {t}"));
    }
    None
}

/// A token in the query string (`?access_token=`, `?token=`).
pub fn token_in_query(q: &Req) -> Option<String> {
    query_param(q, "access_token").or_else(|| query_param(q, "token"))
}

/// A token in a header other than `Authorization`.
pub fn token_in_other_header(q: &Req) -> Option<String> {
    ["x-access-token", "x-medusa-access-token"]
        .iter()
        .find_map(|h| q.headers.get(*h)?.to_str().ok().map(str::to_string))
}

fn bearer_from_query(q: &mut Req, _: &Ctx) -> Option<Resp> {
    bearer_from(q, is_get_session, token_in_query)
}

fn bearer_from_header(q: &mut Req, _: &Ctx) -> Option<Resp> {
    bearer_from(q, is_get_session, |q| {
        token_in_other_header(q).or_else(|| {
            let v = q.headers.get("authorization")?.to_str().ok()?;
            v.strip_prefix("Token ").map(str::to_string)
        })
    })
}

fn bearer_from_cookie(q: &mut Req, _: &Ctx) -> Option<Resp> {
    bearer_from(q, is_get_session, |q| {
        q.headers
            .get_all("cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|c| c.trim().split_once('='))
            .find(|(k, _)| *k == "jwt" || *k == "access_token")
            .map(|(_, v)| v.to_string())
    })
}

fn bearer_from_body(q: &mut Req, _: &Ctx) -> Option<Resp> {
    bearer_from(q, is_get_session, |q| {
        let v = q.json()?;
        ["token", "access_token"]
            .iter()
            .find_map(|k| v.get(*k)?.as_str().map(str::to_string))
    })
}

fn session_from_query(q: &mut Req, _: &Ctx) -> Option<Resp> {
    if is_get_session(q)
        && let Some(c) = query_param(q, "connect.sid")
    {
        header(q, "cookie", &format!("connect.sid={c}"));
    }
    None
}

// ---- the coverage map's classes: several actors, time and use, consistency ------------------

fn last_login_wins(q: &mut Req, ctx: &Ctx) -> Option<Resp> {
    if !is_get_session(q) {
        return None;
    }
    let (cookie, token) = {
        let m = ctx.memory();
        (
            m.values.get("last-login").cloned(),
            m.values.get("last-token").cloned(),
        )
    };
    if session_cookie(&q.headers).is_some()
        && let Some(c) = cookie
    {
        header(q, "cookie", &c);
    }
    if bearer_token(q).is_some()
        && let Some(t) = token
    {
        header(q, "authorization", &format!("Bearer {t}"));
    }
    None
}

fn remember_last_login(q: &Req, r: &mut Resp, ctx: &Ctx) {
    if r.status != StatusCode::OK {
        return;
    }
    if q.is(Method::POST, "/store/auth")
        && let Some(c) = session_after(q, r)
    {
        ctx.memory().values.insert("last-login".into(), c);
    }
    if q.is(Method::POST, "/store/auth/token")
        && let Some(t) = r.json.as_ref().and_then(|j| j["access_token"].as_str())
    {
        ctx.memory()
            .values
            .insert("last-token".into(), t.to_string());
    }
}

/// After a login, logs out the customer's previous session (with that session's cookie).
fn one_session_per_customer(q: &Req, r: &Resp, ctx: &Ctx) -> Option<Also> {
    if !(q.is(Method::POST, "/store/auth") && r.status == StatusCode::OK) {
        return None;
    }
    let (id, cookie) = (customer_id(r)?, session_after(q, r)?);
    let old = ctx
        .memory()
        .values
        .insert(format!("session-of:{id}"), cookie.clone())
        .filter(|old| *old != cookie)?;
    let mut headers = HeaderMap::new();
    headers.insert("cookie", HeaderValue::from_str(&old).ok()?);
    Some(Also {
        method: Method::DELETE,
        path: "/store/auth",
        headers: Some(headers),
        with_body: false,
        take_cookies: false,
    })
}

/// Refuses the sixth and later GET /store/auth with the same credential.
fn use_limit(q: &Req, ctx: &Ctx, credential: Option<String>) -> Option<Resp> {
    let key = credential.filter(|_| is_get_session(q))?;
    let mut m = ctx.memory();
    let n = m.counts.entry(key).or_default();
    *n += 1;
    (*n > 5).then(unauthorized)
}

fn session_use_limit(q: &mut Req, ctx: &Ctx) -> Option<Resp> {
    use_limit(q, ctx, session_cookie(&q.headers))
}

fn token_use_limit(q: &mut Req, ctx: &Ctx) -> Option<Resp> {
    use_limit(q, ctx, bearer_token(q))
}

fn stale_customer(q: &Req, r: &mut Resp, ctx: &Ctx) {
    if !(is_get_session(q) && r.status == StatusCode::OK) {
        return;
    }
    let (Some(id), Some(j)) = (customer_id(r), r.json.as_ref()) else {
        return;
    };
    let first = ctx
        .memory()
        .values
        .entry(format!("served:{id}"))
        .or_insert_with(|| j.to_string())
        .clone();
    r.json = serde_json::from_str(&first).ok();
    r.json_changed = true;
}

fn registration_joins_shared_session(q: &mut Req, ctx: &Ctx) -> Option<Resp> {
    if q.is(Method::POST, "/store/customers")
        && let Some(c) = ctx.memory().values.get("shared-registration").cloned()
    {
        header(q, "cookie", &c);
    }
    None
}

fn registration_shares_session(q: &Req, r: &mut Resp, ctx: &Ctx) {
    if !(q.is(Method::POST, "/store/customers") && r.status == StatusCode::OK) {
        return;
    }
    let mut m = ctx.memory();
    match m.values.get("shared-registration") {
        None => {
            if let Some(c) = session_after(q, r) {
                m.values.insert("shared-registration".into(), c);
            }
        }
        // The client is moved onto the shared session.
        Some(c) if !r.headers.contains_key("set-cookie") => {
            if let Ok(v) = HeaderValue::from_str(&format!("{c}; Path=/; HttpOnly")) {
                r.headers.append("set-cookie", v);
            }
        }
        Some(_) => {}
    }
}

/// Remembers whose each session is, so a logout knows whose tokens to revoke.
fn remember_session_customer(q: &Req, r: &mut Resp, ctx: &Ctx) {
    if r.status == StatusCode::OK
        && let (Some(id), Some(c)) = (customer_id(r), session_after(q, r))
    {
        ctx.memory().values.insert(format!("customer-of:{c}"), id);
    }
}

fn logout_revokes_tokens(q: &mut Req, ctx: &Ctx) -> Option<Resp> {
    let cookie = session_cookie(&q.headers);
    if q.is(Method::DELETE, "/store/auth") {
        let mut m = ctx.memory();
        if let Some(id) = cookie.and_then(|c| m.values.get(&format!("customer-of:{c}")).cloned()) {
            m.values.insert(format!("revoked:{id}"), String::new());
        }
        return None;
    }
    let customer = bearer_token(q)
        .and_then(|t| medusa_conform::engine::jwt::decode(&t).ok())
        .and_then(|t| t.claims["customer_id"].as_str().map(str::to_string))?;
    (is_get_session(q)
        && cookie.is_none()
        && ctx
            .memory()
            .values
            .contains_key(&format!("revoked:{customer}")))
    .then(unauthorized)
}

// ---- the coverage map's classes: input normalisation and error paths ------------------------

fn exists_email(q: &Req) -> Option<String> {
    q.is_exists().then(|| {
        percent_decode_str(&q.raw_path["/store/auth/".len()..])
            .decode_utf8_lossy()
            .into_owned()
    })
}

fn trim_email(q: &mut Req, _: &Ctx) -> Option<Resp> {
    if q.is_login()
        && let Some(mut v) = q.json()
        && let Some(e) = v.get("email").and_then(Value::as_str)
    {
        v["email"] = json!(e.trim());
        q.body = v.to_string().into();
    }
    if let Some(e) = exists_email(q)
        && e.trim() != e
    {
        q.path_q = format!(
            "/store/auth/{}",
            utf8_percent_encode(e.trim(), NON_ALPHANUMERIC)
        );
    }
    None
}

fn ascii_case_fold(q: &mut Req, _: &Ctx) -> Option<Resp> {
    let foreign_upper = |s: &str| s.chars().any(|c| !c.is_ascii() && c.is_uppercase());
    if q.is_login() && body_email(q).is_some_and(|e| foreign_upper(&e)) {
        return Some(Resp::text(
            StatusCode::UNAUTHORIZED,
            Some("text/plain; charset=utf-8"),
            "Unauthorized",
        ));
    }
    exists_email(q).filter(|e| foreign_upper(e)).map(|_| {
        Resp::text(
            StatusCode::OK,
            Some("application/json; charset=utf-8"),
            r#"{"exists":false}"#,
        )
    })
}

fn long_input_500(q: &mut Req, _: &Ctx) -> Option<Resp> {
    let login = q.is_login().then(|| q.json()).flatten();
    let long_email = login
        .as_ref()
        .and_then(|v| v.get("email")?.as_str().map(|e| e.chars().count() > 254))
        .unwrap_or(false)
        || exists_email(q).is_some_and(|e| e.chars().count() > 254);
    let long_password = login
        .as_ref()
        .and_then(|v| v.get("password")?.as_str().map(|p| p.len() > 1000))
        .unwrap_or(false);
    (long_email || long_password).then(|| {
        Resp::text(
            StatusCode::INTERNAL_SERVER_ERROR,
            Some("application/json; charset=utf-8"),
            r#"{"code":"unknown_error","type":"unknown_error","message":"An unknown error occurred."}"#,
        )
    })
}

fn failed_token_logs_out(q: &Req, r: &Resp, _: &Ctx) -> Option<Also> {
    (q.is(Method::POST, "/store/auth/token") && r.status == StatusCode::UNAUTHORIZED).then_some(
        Also {
            method: Method::DELETE,
            path: "/store/auth",
            headers: None,
            with_body: false,
            take_cookies: false,
        },
    )
}
