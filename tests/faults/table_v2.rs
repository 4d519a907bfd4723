//! The v2 faults, injected in front of a real Medusa 2.21 (`MEDUSA_V2_URL`): one row each, as
//! in `table.rs`, whose helpers (token re-signing) they share. Every row breaks a clause of
//! `medusa-v2-observed.md` §4 that a storefront or the js-sdk relies on, so all are `Contract`.

use crate::proxy::{Ctx, Fault, Level, Req, Resp};
use crate::table::{bearer_token, now, resign_bearer, verifies};
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
