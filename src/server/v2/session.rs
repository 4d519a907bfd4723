//! The `connect.sid` cookie session of Medusa v2: express-session with `saveUninitialized:
//! false`, so only `POST /auth/session` ever sets the cookie (v1 set one on every response).
//! The session holds the auth context (the decoded JWT claims) and is never re-checked against
//! the token's `exp`: it lives its own 10 h. Signed like v1's (`s:<sid>.<HMAC>`), stored in the
//! v1 server's bounded store (the claims serialised as the entry's value).

use super::Inner;
use axum::http::{HeaderMap, HeaderValue};
use serde_json::{Map, Value};
use std::time::SystemTime;

/// The session a request came with.
#[derive(Clone, Default)]
pub(crate) struct SessionIn {
    /// The session id, when the cookie's signature is good and the session is live.
    pub sid: Option<String>,
    pub context: Option<Map<String, Value>>,
}

pub(crate) fn load(st: &Inner, headers: &HeaderMap) -> SessionIn {
    let Some(sid) = crate::server::v1::cookie_value(headers, "connect.sid")
        .and_then(|c| crate::server::v1::unsign_cookie(&c, &st.cookie_secret))
    else {
        return SessionIn::default();
    };
    let now = crate::clock::now_secs();
    let mut s = st.sessions.lock().unwrap();
    if !s.live(&sid, now) {
        return SessionIn::default();
    }
    let context = s
        .customer(&sid, now)
        .and_then(|j| serde_json::from_str::<Map<String, Value>>(&j).ok());
    SessionIn {
        sid: Some(sid),
        context,
    }
}

/// Stores `context` in a new session and returns its `Set-Cookie` value. Observed: a request
/// that already has a live session gets a new one too, and the old one stays live.
pub(crate) fn save(st: &Inner, context: &Map<String, Value>) -> HeaderValue {
    let sid = crate::server::v1::random_text(24);
    st.sessions.lock().unwrap().save(
        &sid,
        Some(Value::Object(context.clone()).to_string()),
        crate::clock::now_secs(),
    );
    let expires = httpdate::fmt_http_date(SystemTime::now() + super::SESSION_TTL);
    let c = format!(
        "connect.sid={}; Path=/; Expires={expires}; HttpOnly",
        crate::server::v1::sign_sid(&sid, &st.cookie_secret)
    );
    HeaderValue::from_str(&c).unwrap_or(HeaderValue::from_static("connect.sid=; Path=/"))
}

/// `req.session.destroy()` + `res.clearCookie("connect.sid")`.
pub(crate) fn destroy(st: &Inner, sess: &SessionIn) -> HeaderValue {
    if let Some(sid) = &sess.sid {
        st.sessions.lock().unwrap().remove(sid);
    }
    HeaderValue::from_static("connect.sid=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT")
}
