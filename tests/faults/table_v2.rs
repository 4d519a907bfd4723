//! The v2 faults, injected in front of a real Medusa 2.21 (`MEDUSA_V2_URL`): one row each, as
//! in `table.rs`, whose helpers (token re-signing) they share. Every row breaks a clause of
//! `medusa-v2-observed.md` §4 that a storefront or the js-sdk relies on, so all are `Contract`.
//! The last rows break the coverage map's classes (docs/coverage/medusa-v2-auth.yaml); their
//! `catches` name the scenarios claiming the cell each breaks.

use crate::proxy::{Ctx, Fault, Level, Req, Resp};
use crate::table::{
    bearer_from, bearer_token, header, now, resign_bearer, session_after, session_cookie,
    status_400_to_422, status_401_to_403, token_in_other_header, token_in_query, verifies,
};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

const fn fault(name: &'static str) -> Fault {
    Fault {
        name,
        level: Level::Contract,
        needs_secret: false,
        request: None,
        also: None,
        response: None,
        catches: &[],
    }
}

pub const FAULTS: &[Fault] = &[
    Fault {
        response: Some(register_no_token),
        ..fault("v2-register-no-token")
    },
    Fault {
        response: Some(auth_401_to_400),
        ..fault("v2-auth-validation-400")
    },
    Fault {
        response: Some(status_401_to_403),
        ..fault("v2-status-401-to-403")
    },
    Fault {
        response: Some(status_400_to_422),
        ..fault("v2-status-400-to-422")
    },
    Fault {
        response: Some(auth_before_publishable_key),
        ..fault("v2-auth-before-publishable-key")
    },
    Fault {
        request: Some(ignore_bearer_on_store),
        ..fault("v2-ignore-bearer-on-store")
    },
    Fault {
        request: Some(ignore_session_cookie),
        ..fault("v2-ignore-session-cookie")
    },
    Fault {
        response: Some(session_sets_no_cookie),
        ..fault("v2-session-sets-no-cookie")
    },
    Fault {
        request: Some(logout_noop),
        ..fault("v2-logout-noop")
    },
    Fault {
        request: Some(login_case_insensitive),
        ..fault("v2-login-case-insensitive")
    },
    Fault {
        response: Some(login_error_echoes_email),
        ..fault("v2-login-error-echoes-email")
    },
    Fault {
        response: Some(update_always_succeeds),
        ..fault("v2-update-always-succeeds")
    },
    Fault {
        response: Some(reset_201_to_200),
        ..fault("v2-reset-201-to-200")
    },
    Fault {
        response: Some(refresh_refused),
        ..fault("v2-refresh-refused")
    },
    Fault {
        response: Some(duplicate_customer_200),
        ..fault("v2-duplicate-customer-200")
    },
    Fault {
        response: Some(customer_leaks_field),
        ..fault("v2-customer-leaks-field")
    },
    Fault {
        request: Some(fields_ignored),
        ..fault("v2-fields-ignored")
    },
    Fault {
        response: Some(providers_empty),
        ..fault("v2-providers-empty")
    },
    Fault {
        needs_secret: true,
        request: Some(accept_forged_tokens),
        ..fault("v2-accept-forged-tokens")
    },
    Fault {
        needs_secret: true,
        response: Some(login_token_actorless),
        ..fault("v2-login-token-actorless")
    },
    // A token in `?access_token=` / `?token=` is accepted on the store routes.
    Fault {
        request: Some(bearer_from_query),
        catches: &["medusa_v2::me::credentials_elsewhere_refused"],
        ..fault("v2-bearer-from-query")
    },
    // A token in `X-Access-Token` / `x-medusa-access-token` is accepted on the store routes.
    Fault {
        request: Some(bearer_from_header),
        catches: &["medusa_v2::me::credentials_elsewhere_refused"],
        ..fault("v2-bearer-from-header")
    },
    // A token stops working on /store/customers/me after five uses.
    Fault {
        request: Some(token_use_limit),
        catches: &["medusa_v2::me::many_requests"],
        ..fault("v2-token-use-limit")
    },
    // A cookie session stops working on /store/customers/me after five uses.
    Fault {
        request: Some(session_use_limit),
        catches: &["medusa_v2::me::many_requests"],
        ..fault("v2-session-use-limit")
    },
    // /store/customers/me serves every token as the last login's, every session as the last one
    // started.
    Fault {
        request: Some(last_login_wins),
        response: Some(remember_last_login),
        catches: &[
            "medusa_v2::login::customers_side_by_side",
            "medusa_v2::session::other_device_survives_logout",
        ],
        ..fault("v2-last-login-wins")
    },
    // A new login of a customer retires that customer's earlier login tokens.
    Fault {
        request: Some(one_token_per_customer),
        response: Some(remember_login_token),
        catches: &["medusa_v2::login::customers_side_by_side"],
        ..fault("v2-one-token-per-customer")
    },
    // A logout ends every cookie session of the customer, not only its own.
    Fault {
        request: Some(logout_ends_customer_sessions),
        response: Some(remember_session_actor),
        catches: &["medusa_v2::session::other_device_survives_logout"],
        ..fault("v2-logout-ends-all-sessions")
    },
];

fn is_auth(q: &Req) -> bool {
    q.path.starts_with("/auth/")
}

fn register_no_token(q: &Req, r: &mut Resp, _: &Ctx) {
    if q.path.ends_with("/register")
        && let Some(j) = r.json.as_mut().and_then(Value::as_object_mut)
        && j.remove("token").is_some()
    {
        r.json_changed = true;
    }
}

/// Validation failures on /auth answered 400, as a REST API usually would: the js-sdk and
/// storefronts branch on 401 there.
fn auth_401_to_400(q: &Req, r: &mut Resp, _: &Ctx) {
    let validation = r
        .json
        .as_ref()
        .and_then(|j| j.get("message"))
        .and_then(Value::as_str)
        .is_some_and(|m| m.contains("should be a string"));
    if is_auth(q) && r.status == StatusCode::UNAUTHORIZED && validation {
        r.status = StatusCode::BAD_REQUEST;
        r.set_json(json!({"type": "invalid_data", "message": "Password should be a string"}));
    }
}

/// The publishable-key error turned into the auth middleware's 401.
fn auth_before_publishable_key(_: &Req, r: &mut Resp, _: &Ctx) {
    let not_allowed = r
        .json
        .as_ref()
        .and_then(|j| j.get("type"))
        .is_some_and(|t| t == "not_allowed");
    if not_allowed {
        r.status = StatusCode::UNAUTHORIZED;
        r.set_json(json!({"message": "Unauthorized"}));
    }
}

fn ignore_bearer_on_store(q: &mut Req, _: &Ctx) -> Option<Resp> {
    if q.path.starts_with("/store/") {
        q.headers.remove("authorization");
    }
    None
}

fn ignore_session_cookie(q: &mut Req, _: &Ctx) -> Option<Resp> {
    if q.path != "/auth/session" {
        q.headers.remove("cookie");
    }
    None
}

fn session_sets_no_cookie(q: &Req, r: &mut Resp, _: &Ctx) {
    if q.is(Method::POST, "/auth/session") {
        r.headers.remove("set-cookie");
    }
}

fn logout_noop(q: &mut Req, _: &Ctx) -> Option<Resp> {
    q.is(Method::DELETE, "/auth/session").then(|| {
        let mut r = Resp::text(StatusCode::OK, None, "");
        r.set_json(json!({"success": true}));
        r
    })
}

fn login_case_insensitive(q: &mut Req, _: &Ctx) -> Option<Resp> {
    if q.method == Method::POST
        && q.path.starts_with("/auth/")
        && q.path.ends_with("/emailpass")
        && let Some(mut v) = q.json()
        && let Some(e) = v.get("email").and_then(Value::as_str)
    {
        let lower = e.to_lowercase();
        v["email"] = json!(lower);
        q.body = serde_json::to_vec(&v).unwrap_or_default().into();
    }
    None
}

fn login_error_echoes_email(q: &Req, r: &mut Resp, _: &Ctx) {
    if q.path.ends_with("/emailpass") && r.status == StatusCode::UNAUTHORIZED {
        let email = q
            .json()
            .and_then(|v| v.get("email").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_default();
        r.set_json(json!({"type": "unauthorized", "message": format!("Invalid email or password for {email}")}));
    }
}

fn update_always_succeeds(q: &Req, r: &mut Resp, _: &Ctx) {
    if q.path.ends_with("/update") && r.status == StatusCode::UNAUTHORIZED {
        r.status = StatusCode::OK;
        r.set_json(json!({"success": true}));
    }
}

fn reset_201_to_200(q: &Req, r: &mut Resp, _: &Ctx) {
    if q.path.ends_with("/reset-password") && r.status == StatusCode::CREATED {
        r.status = StatusCode::OK;
    }
}

fn refresh_refused(q: &Req, r: &mut Resp, _: &Ctx) {
    if q.path == "/auth/token/refresh" && r.status == StatusCode::OK {
        r.status = StatusCode::UNAUTHORIZED;
        r.set_json(json!({"message": "Unauthorized"}));
    }
}

fn duplicate_customer_200(q: &Req, r: &mut Resp, _: &Ctx) {
    if q.is(Method::POST, "/store/customers") && r.status == StatusCode::UNPROCESSABLE_ENTITY {
        r.status = StatusCode::OK;
    }
}

fn customer_leaks_field(_: &Req, r: &mut Resp, _: &Ctx) {
    if let Some(c) = r
        .json
        .as_mut()
        .and_then(|j| j.get_mut("customer"))
        .and_then(Value::as_object_mut)
    {
        c.insert("password_hash".into(), json!("scrypt$leaked"));
        r.json_changed = true;
    }
}

fn fields_ignored(q: &mut Req, _: &Ctx) -> Option<Resp> {
    q.path_q = q.raw_path.clone();
    None
}

fn providers_empty(q: &Req, r: &mut Resp, _: &Ctx) {
    if q.path.ends_with("/providers") && r.status == StatusCode::OK {
        r.set_json(json!({"providers": []}));
    }
}

fn accept_forged_tokens(q: &mut Req, ctx: &Ctx) -> Option<Resp> {
    if let Some(tok) = bearer_token(q)
        && !verifies(ctx, &tok, now())
    {
        resign_bearer(q, ctx, &tok, |_| {});
    }
    None
}

fn login_token_actorless(q: &Req, r: &mut Resp, ctx: &Ctx) {
    if !(q.method == Method::POST && q.path.ends_with("/emailpass")) {
        return;
    }
    let Some(j) = r.json.as_mut() else { return };
    let Some(t) = j.get("token").and_then(Value::as_str) else {
        return;
    };
    if let Some(nt) = ctx.resign(t, |c| {
        c.insert("actor_id".into(), json!(""));
    }) {
        j["token"] = json!(nt);
        r.json_changed = true;
    }
}

// ---- the coverage map's classes -------------------------------------------------------------

fn unauthorized() -> Resp {
    let mut r = Resp::text(StatusCode::UNAUTHORIZED, None, "");
    r.set_json(json!({"message": "Unauthorized"}));
    r
}

fn is_me(q: &Req) -> bool {
    q.is(Method::GET, "/store/customers/me")
}

fn is_login(q: &Req) -> bool {
    q.method == Method::POST && q.path == "/auth/customer/emailpass"
}

/// The `actor_id` claim of a token (not verified: the upstream does that).
fn actor_of(token: &str) -> Option<String> {
    let claims = medusa_conform::engine::jwt::decode(token).ok()?.claims;
    claims["actor_id"].as_str().map(str::to_string)
}

fn on_store(q: &Req) -> bool {
    q.path.starts_with("/store/")
}

fn bearer_from_query(q: &mut Req, _: &Ctx) -> Option<Resp> {
    bearer_from(q, on_store, token_in_query)
}

fn bearer_from_header(q: &mut Req, _: &Ctx) -> Option<Resp> {
    bearer_from(q, on_store, token_in_other_header)
}

/// Refuses the sixth and later GET /store/customers/me with the same credential.
fn use_limit(q: &Req, ctx: &Ctx, credential: Option<String>) -> Option<Resp> {
    let key = credential.filter(|_| is_me(q))?;
    let mut m = ctx.memory();
    let n = m.counts.entry(key).or_default();
    *n += 1;
    (*n > 5).then(unauthorized)
}

fn token_use_limit(q: &mut Req, ctx: &Ctx) -> Option<Resp> {
    use_limit(q, ctx, bearer_token(q))
}

fn session_use_limit(q: &mut Req, ctx: &Ctx) -> Option<Resp> {
    use_limit(q, ctx, session_cookie(&q.headers))
}

fn last_login_wins(q: &mut Req, ctx: &Ctx) -> Option<Resp> {
    if !is_me(q) {
        return None;
    }
    let (token, cookie) = {
        let m = ctx.memory();
        (
            m.values.get("last-login").cloned(),
            m.values.get("last-session").cloned(),
        )
    };
    if bearer_token(q).is_some()
        && let Some(t) = token
    {
        header(q, "authorization", &format!("Bearer {t}"));
    }
    if session_cookie(&q.headers).is_some()
        && let Some(c) = cookie
    {
        header(q, "cookie", &c);
    }
    None
}

fn login_token(q: &Req, r: &Resp) -> Option<String> {
    (is_login(q) && r.status == StatusCode::OK)
        .then(|| r.json.as_ref()?["token"].as_str().map(str::to_string))
        .flatten()
}

fn remember_last_login(q: &Req, r: &mut Resp, ctx: &Ctx) {
    if let Some(t) = login_token(q, r) {
        ctx.memory().values.insert("last-login".into(), t);
    }
    if q.is(Method::POST, "/auth/session")
        && r.status == StatusCode::OK
        && let Some(c) = session_after(q, r)
    {
        ctx.memory().values.insert("last-session".into(), c);
    }
}

fn remember_login_token(q: &Req, r: &mut Resp, ctx: &Ctx) {
    if let Some(t) = login_token(q, r)
        && let Some(actor) = actor_of(&t)
    {
        ctx.memory().values.insert(format!("token-of:{actor}"), t);
    }
}

fn one_token_per_customer(q: &mut Req, ctx: &Ctx) -> Option<Resp> {
    let token = bearer_token(q).filter(|_| q.path.starts_with("/store/"))?;
    let latest = ctx
        .memory()
        .values
        .get(&format!("token-of:{}", actor_of(&token)?))
        .cloned()?;
    (latest != token).then(unauthorized)
}

fn remember_session_actor(q: &Req, r: &mut Resp, ctx: &Ctx) {
    if q.is(Method::POST, "/auth/session")
        && r.status == StatusCode::OK
        && let Some(actor) = r.json.as_ref().and_then(|j| j["user"]["actor_id"].as_str())
        && let Some(c) = session_after(q, r)
    {
        let actor = actor.to_string();
        ctx.memory().values.insert(format!("actor-of:{c}"), actor);
    }
}

fn logout_ends_customer_sessions(q: &mut Req, ctx: &Ctx) -> Option<Resp> {
    let cookie = session_cookie(&q.headers)?;
    let mut m = ctx.memory();
    let actor = m.values.get(&format!("actor-of:{cookie}")).cloned()?;
    if q.is(Method::DELETE, "/auth/session") {
        m.values.insert(format!("ended:{actor}"), String::new());
        return None;
    }
    (is_me(q) && m.values.contains_key(&format!("ended:{actor}"))).then(unauthorized)
}
