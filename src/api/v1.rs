//! Medusa v1 store auth (`medusa.auth` in medusa-js), also reachable as the step keys
//! `authenticate:`, `get_session:`, `exists:`, `get_token:`, `delete_session:`, `register:`
//! (src/engine/operation.rs), which v1 scenarios use; this table lets them be `call:`ed too.

use super::{Api, ApiOp, Body, Cred};

const fn op(
    name: &'static str,
    doc: &'static str,
    method: &'static str,
    path: &'static str,
    body: Body,
) -> ApiOp {
    // medusa-js sends the actor's cookie and, once it has one, its bearer token.
    ApiOp::new(name, doc, method, path, body, Cred::Actor)
}

pub static API: Api = Api {
    name: super::DEFAULT_API,
    defaults: &[],
    ops: &[
        op(
            "authenticate",
            "auth.authenticate: cookie session",
            "POST",
            "/store/auth",
            Body::Json,
        ),
        op(
            "get_session",
            "auth.getSession",
            "GET",
            "/store/auth",
            Body::None,
        ),
        ApiOp {
            args: Some(&["email"]),
            ..op(
                "exists",
                "auth.exists(email)",
                "GET",
                "/store/auth/{email}",
                Body::None,
            )
        },
        ApiOp {
            keep_bearer: Some("access_token"),
            ..op(
                "get_token",
                "auth.getToken: JWT bearer",
                "POST",
                "/store/auth/token",
                Body::Json,
            )
        },
        op(
            "delete_session",
            "auth.deleteSession",
            "DELETE",
            "/store/auth",
            Body::None,
        ),
        op(
            "register",
            "customers.create",
            "POST",
            "/store/customers",
            Body::Json,
        ),
    ],
};
