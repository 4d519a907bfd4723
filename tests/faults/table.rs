//! The faults: one row each, `{name, level, needs_secret, request hook, also, response hook}`.
//! The table is the list: the matrix iterates it, so a fault cannot exist without being
//! injected. Each hook is a small function below its row's name.
//!
//! Levels follow docs/ (contract vs exact): `Contract` when a client or storefront would
//! break, or a security promise of the API is broken (statuses, JSON fields clients read, the
//! session cookie set and honoured, tokens working, logout ending the session, error shapes,
//! no `password_hash`, forged or expired tokens refused); `Exact` for 1.20.11 wire fidelity no
//! client notices (extra claims, message texts, a Content-Type on the plain 401, a re-sent
//! cookie, lifetimes).

use crate::proxy::{Also, Ctx, Fault, Level, Req, Resp};
use axum::http::{HeaderValue, Method, StatusCode};
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

const fn fault(name: &'static str, level: Level) -> Fault {
    Fault {
        name,
        level,
        needs_secret: false,
        request: None,
        also: None,
        response: None,
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

fn status_401_to_403(_: &Req, r: &mut Resp, _: &Ctx) {
    if r.status == StatusCode::UNAUTHORIZED {
        r.status = StatusCode::FORBIDDEN;
    }
}

fn status_400_to_422(_: &Req, r: &mut Resp, _: &Ctx) {
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

fn token_logs_in(q: &Req, r: &Resp) -> Option<Also> {
    (q.is(Method::POST, "/store/auth/token") && r.status == StatusCode::OK).then_some(Also {
        method: Method::POST,
        path: "/store/auth",
        with_body: true,
        take_cookies: true,
    })
}

fn failed_login_logs_out(q: &Req, r: &Resp) -> Option<Also> {
    (q.is(Method::POST, "/store/auth") && r.status == StatusCode::UNAUTHORIZED).then_some(Also {
        method: Method::DELETE,
        path: "/store/auth",
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
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
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
