//! v2's JWTs: the auth-context claims Medusa signs (`generateJwtTokenForAuthIdentity`, in
//! this order), the reset token, and reading a bearer the way the `authenticate` middleware
//! does (`/(\S+)\s+(\S+)/`, scheme `bearer` in any case; jsonwebtoken 9 with no `algorithms`
//! list: HS256/384/512 accepted, `none` refused, `exp` checked only when present).

use super::store::Identity;
use axum::http::{HeaderMap, header};
use serde_json::{Map, Value, json};

/// The claims of a token for `identity` as `actor_type`, issued now.
pub(crate) fn auth_claims(
    identity: &Identity,
    actor_type: &str,
    provider: &str,
    iat: i64,
) -> Value {
    json!({
        "actor_id": identity.actor_id(actor_type),
        "actor_type": actor_type,
        "auth_identity_id": identity.id,
        "auth_provider": provider,
        "mfa_enabled": false,
        "mfa_challenge_completed_at": null,
        "app_metadata": identity.app_metadata,
        "user_metadata": {},
        "iat": iat,
        "exp": iat + super::TOKEN_TTL,
    })
}

pub(crate) fn reset_claims(
    entity_id: &str,
    provider: &str,
    actor_type: &str,
    jti: &str,
    iat: i64,
) -> Value {
    json!({
        "entity_id": entity_id,
        "provider": provider,
        "actor_type": actor_type,
        "purpose": "reset",
        "iat": iat,
        "exp": iat + super::RESET_TTL,
        "jti": jti,
    })
}

pub(crate) fn sign(claims: &Value, secret: &str) -> String {
    crate::engine::jwt::sign_hs256(claims, secret.as_bytes())
}

/// The bearer token of `Authorization`, if its scheme is `bearer` (any case).
pub(crate) fn bearer(headers: &HeaderMap) -> Option<String> {
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let parts: Vec<&str> = auth.split_whitespace().collect();
    let [scheme, token, ..] = parts.as_slice() else {
        return None;
    };
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.to_string())
}

/// Verified claims of a JWT (signature with the server's secret, `exp` if present).
pub(crate) fn verify(token: &str, secret: &str) -> Option<Map<String, Value>> {
    match crate::engine::jwt::verify(token, secret.as_bytes(), crate::clock::now_secs()).ok()? {
        Value::Object(o) => Some(o),
        _ => None,
    }
}
