//! Who is asking: passport's `store-session` strategy (the session's customer), then
//! `store-bearer` (an HS256 store JWT, `domain: store`), as Medusa 1.20 configures them.
//! With `revoke_tokens_on_logout` (not Medusa's behaviour) a logout also revokes bearers.

use super::Inner;
use super::express_session::Sess;
use crate::clock::now_secs;
use crate::engine::jwt;
use axum::http::{HeaderMap, header};
use serde_json::Value;

impl Inner {
    /// `store-session` then `store-bearer`: the customer id, or `None` (passport's 401).
    pub(super) fn who(&self, sess: &Sess, headers: &HeaderMap) -> Option<String> {
        if let Some(id) = sess.customer(self) {
            return Some(id);
        }
        let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
        // passport-jwt takes the first match of /(\S+)\s+(\S+)/: anything after is ignored.
        let parts: Vec<&str> = auth.split_whitespace().collect();
        let [scheme, token, ..] = parts.as_slice() else {
            return None;
        };
        if !scheme.eq_ignore_ascii_case("bearer") {
            return None;
        }
        let claims = jwt::verify(token, self.jwt_secret.as_bytes(), now_secs()).ok()?;
        if claims.get("domain").and_then(Value::as_str) != Some("store") {
            return None;
        }
        let id = claims
            .get("customer_id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())?
            .to_string();
        if let Some(cut) = self.revoked.lock().unwrap().get(&id)
            && claims
                .get("iat")
                .and_then(Value::as_i64)
                .is_none_or(|iat| iat <= *cut)
        {
            return None;
        }
        Some(id)
    }

    /// Logout under `revoke_tokens_on_logout`: bearers issued up to now stop working.
    pub(super) fn revoke_tokens(&self, id: String) {
        self.revoked.lock().unwrap().insert(id, now_secs());
    }
}
