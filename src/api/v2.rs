//! Medusa v2 auth (`sdk.auth` and `sdk.store.customer` in `@medusajs/js-sdk` 2.21), as observed
//! on a real 2.21.2 (docs/../shared reference `medusa-v2-observed.md` §4–§5).
//!
//! | call | js-sdk | request | sends | keeps |
//! |---|---|---|---|---|
//! | `register` | `auth.register` | `POST /auth/{actor_type}/{provider}/register` | – | `$.token` |
//! | `login` | `auth.login` | `POST /auth/{actor_type}/{provider}` | – | `$.token` |
//! | `create_customer` | `store.customer.create` | `POST /store/customers` + PK | bearer | – |
//! | `me` | `store.customer.retrieve` | `GET /store/customers/me` + PK | bearer, cookie | – |
//! | `start_session` | `setToken_` (session mode) | `POST /auth/session` | bearer | cookie |
//! | `end_session` | `auth.logout` (session mode) | `DELETE /auth/session` | cookie | – |
//! | `refresh` | `auth.refresh` | `POST /auth/token/refresh` | bearer, cookie | `$.token` |
//! | `request_reset` | `auth.resetPassword` | `POST /auth/{actor_type}/{provider}/reset-password` | – | – |
//! | `update_password` | `auth.updateProvider` | `POST /auth/{actor_type}/{provider}/update` | `token` arg | – |
//! | `providers` | `auth.listProviders`-ish | `GET /auth/{actor_type}/providers` | – | – |
//! | `reset_token` | (the e-mail) | none: the events file | – | – |

use super::{Api, ApiOp, Body, Cred, Local};

const fn op(
    name: &'static str,
    doc: &'static str,
    method: &'static str,
    path: &'static str,
) -> ApiOp {
    ApiOp::new(name, doc, method, path, Body::Json, Cred::None)
}

pub static API: Api = Api {
    name: "medusa-v2-auth",
    defaults: &[("actor_type", "customer"), ("provider", "emailpass")],
    ops: &[
        ApiOp {
            keep_bearer: Some("token"),
            ..op(
                "register",
                "register an auth identity",
                "POST",
                "/auth/{actor_type}/{provider}/register",
            )
        },
        ApiOp {
            keep_bearer: Some("token"),
            ..op(
                "login",
                "log in: a bearer JWT",
                "POST",
                "/auth/{actor_type}/{provider}",
            )
        },
        ApiOp {
            cred: Cred::Bearer,
            publishable_key: true,
            ..op(
                "create_customer",
                "create the customer with the registration token",
                "POST",
                "/store/customers",
            )
        },
        ApiOp {
            body: Body::None,
            cred: Cred::Actor,
            publishable_key: true,
            args: Some(&["fields"]),
            ..op(
                "me",
                "retrieve the signed-in customer",
                "GET",
                "/store/customers/me",
            )
        },
        ApiOp {
            body: Body::None,
            cred: Cred::Bearer,
            args: Some(&[]),
            ..op(
                "start_session",
                "turn the bearer into a cookie session",
                "POST",
                "/auth/session",
            )
        },
        ApiOp {
            body: Body::None,
            cred: Cred::Cookie,
            args: Some(&[]),
            ..op(
                "end_session",
                "log out of the cookie session",
                "DELETE",
                "/auth/session",
            )
        },
        ApiOp {
            body: Body::None,
            cred: Cred::Actor,
            keep_bearer: Some("token"),
            args: Some(&[]),
            ..op(
                "refresh",
                "a fresh token for the current one",
                "POST",
                "/auth/token/refresh",
            )
        },
        ApiOp {
            ..op(
                "request_reset",
                "ask for a password-reset token",
                "POST",
                "/auth/{actor_type}/{provider}/reset-password",
            )
        },
        ApiOp {
            cred: Cred::Arg("token"),
            ..op(
                "update_password",
                "set a new password with a reset token",
                "POST",
                "/auth/{actor_type}/{provider}/update",
            )
        },
        ApiOp {
            body: Body::None,
            args: Some(&["actor_type"]),
            ..op(
                "providers",
                "list the auth providers",
                "GET",
                "/auth/{actor_type}/providers",
            )
        },
        ApiOp {
            body: Body::None,
            local: Some(Local::ResetToken),
            args: Some(&["email", "actor_type"]),
            ..op(
                "reset_token",
                "the newest reset token sent for `email`",
                "GET",
                "",
            )
        },
    ],
};
