//! express-session as Medusa 1.20 configures it: every request gets a session (a new one, or
//! the one its signed `connect.sid` cookie names), the handlers read and change it through
//! [`Sess`], and a new or changed session is sent back as a cookie (`Secure; SameSite=None`
//! and only over https under `production`). The cookie's value is express-session's signature,
//! hand-written because `cookie`'s signed jar uses another format (crates.md §6).

use super::{Inner, SESSION_TTL, Shared, random_text};
use crate::clock::now_secs;
use aws_lc_rs::hmac;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// express-session's signed cookie value: `s:<sid>.<base64 HMAC-SHA256>`, URL-encoded.
pub(crate) fn sign_sid(sid: &str, secret: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let sig = STANDARD_NO_PAD.encode(hmac::sign(&key, sid.as_bytes()).as_ref());
    crate::percent::encode_component(&format!("s:{sid}.{sig}"))
}

pub(crate) fn unsign_cookie(raw: &str, secret: &str) -> Option<String> {
    let decoded = crate::percent::decode(raw);
    let rest = decoded.strip_prefix("s:")?;
    let (sid, sig) = rest.rsplit_once('.')?;
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let want = STANDARD_NO_PAD.encode(hmac::sign(&key, sid.as_bytes()).as_ref());
    aws_lc_rs::constant_time::verify_slices_are_equal(want.as_bytes(), sig.as_bytes()).ok()?;
    Some(sid.to_string())
}

pub(crate) fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            let (k, v) = c.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
}

/// The session of this request, shared between the session layer and the handlers.
#[derive(Clone)]
pub(super) struct Sess {
    /// The session id, and whether a handler changed the session (so it is sent again).
    sid: Arc<Mutex<(String, bool)>>,
}

impl Sess {
    pub(super) fn customer(&self, st: &Inner) -> Option<String> {
        let sid = self.sid.lock().unwrap().0.clone();
        st.sessions.lock().unwrap().customer(&sid, now_secs())
    }
    pub(super) fn set_customer(&self, st: &Inner, id: Option<String>) {
        let mut g = self.sid.lock().unwrap();
        st.sessions.lock().unwrap().save(&g.0, id, now_secs());
        g.1 = true;
    }
    pub(super) fn destroy(&self, st: &Inner) {
        let sid = self.sid.lock().unwrap().0.clone();
        st.sessions.lock().unwrap().remove(&sid);
    }
}

/// express-session around every request (CORS is `cors`, inside it).
pub(super) async fn layer(State(st): State<Shared>, mut req: Request, next: Next) -> Response {
    let existing = cookie_value(req.headers(), "connect.sid")
        .and_then(|c| unsign_cookie(&c, &st.cookie_secret))
        .filter(|sid| st.sessions.lock().unwrap().live(sid, now_secs()));
    let https = req
        .headers()
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(',').next().unwrap_or("").trim() == "https")
        .unwrap_or(false);
    let is_new = existing.is_none();
    let sid = existing.unwrap_or_else(|| {
        let sid = random_text(24);
        st.sessions.lock().unwrap().save(&sid, None, now_secs());
        sid
    });
    let sess = Sess {
        sid: Arc::new(Mutex::new((sid, false))),
    };
    req.extensions_mut().insert(sess.clone());
    let mut resp = next.run(req).await;
    let (sid, changed) = sess.sid.lock().unwrap().clone();
    let still_exists = st.sessions.lock().unwrap().live(&sid, now_secs());
    if (is_new || changed) && still_exists && (!st.cfg.production || https) {
        let expires = httpdate::fmt_http_date(SystemTime::now() + SESSION_TTL);
        let mut c = format!(
            "connect.sid={}; Path=/; Expires={expires}; HttpOnly",
            sign_sid(&sid, &st.cookie_secret)
        );
        if st.cfg.production {
            c.push_str("; Secure; SameSite=None");
        }
        if let Ok(v) = HeaderValue::from_str(&c) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_signature_roundtrip() {
        let v = sign_sid("abc", "supersecret");
        assert!(v.starts_with("s%3Aabc."));
        assert_eq!(unsign_cookie(&v, "supersecret").as_deref(), Some("abc"));
        assert_eq!(unsign_cookie(&v, "other"), None);
        assert_eq!(unsign_cookie("garbage", "supersecret"), None);
        assert_eq!(crate::percent::decode("a%40b%2Bc%zz%é%4"), "a@b+c%zz%é%4");
    }
}
