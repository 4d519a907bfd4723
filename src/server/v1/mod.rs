//! The embedded reference server: an in-process implementation of Medusa v1.20's Store Auth
//! API, faithful to what a real 1.20.11 answers (status codes, the three kinds of 401, the
//! express-session `connect.sid` cookie and its attributes, HS256 store JWTs with a 30-day
//! lifetime, case-insensitive emails, guests, registration logging in, the error bodies).
//! It is the zero-setup default target and a fast server for client-library CI.

use crate::engine::jwt;
use aws_lc_rs::hmac;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use rand::RngExt;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};

pub mod cors;
pub mod sessions;
pub mod variation;

use crate::server::express;

/// Session lifetime, as Medusa's default `ttl` (10 h).
const SESSION_TTL: Duration = Duration::from_secs(36_000);
/// At most this many sessions are kept (see `sessions.rs`): plenty for any test run, and flat
/// memory under a soak test.
const MAX_SESSIONS: usize = 10_000;
/// Store JWT lifetime (30 days).
const TOKEN_TTL: i64 = 2_592_000;
/// body-parser's default JSON limit.
pub(crate) const BODY_LIMIT: usize = 100 * 1024;

/// How to run the server; filled by the CLI.
#[derive(Debug, Clone, Default)]
pub struct ServerConfig {
    pub host: String,
    pub port: u16,
    pub jwt_secret: Option<String>,
    pub cookie_secret: Option<String>,
    /// NODE_ENV=production behaviour: `Secure; SameSite=None`, cookies only over https.
    pub production: bool,
    /// Not Medusa's behaviour: logout also revokes the customer's bearer tokens (medusajs/medusa#5930 fixed).
    pub revoke_tokens_on_logout: bool,
    /// Conformant differences from the 1.20.11 wire (`--variation`, src/server/v1/variation.rs).
    pub variations: Vec<crate::server::v1::variation::Variation>,
    /// Medusa's `store_cors` (comma-separated origins); `None`: `server_cors::DEFAULT_STORE_CORS`.
    pub store_cors: Option<String>,
}

#[derive(Clone)]
struct Customer {
    id: String,
    email: String,
    first_name: Value,
    last_name: Value,
    phone: Value,
    has_account: bool,
    hash: Option<(Vec<u8>, Vec<u8>)>,
    created_at: String,
}

#[derive(Default)]
struct Store {
    customers: Vec<Customer>,
}

struct Inner {
    store: RwLock<Store>,
    sessions: Mutex<crate::server::v1::sessions::Sessions>,
    /// customer id → tokens issued at or before this second are revoked (only with the switch).
    revoked: Mutex<HashMap<String, i64>>,
    jwt_secret: String,
    cookie_secret: String,
    cfg: ServerConfig,
}

type Shared = Arc<Inner>;

pub(crate) fn random_text(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rng().fill(&mut bytes[..]);
    URL_SAFE_NO_PAD.encode(bytes)
}

// Re-exported for `server::v2::routes` (owned elsewhere) until it reads `crate::clock` itself.
pub(crate) use crate::clock::now_secs;

pub(crate) fn ulid_like() -> String {
    const CROCKFORD: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    // A ULID: 48-bit millisecond time then 80 random bits, so the first character is 0-7.
    let ms = crate::clock::now_millis() & ((1 << 48) - 1);
    let random: u128 = rand::rng().random::<u128>() & ((1 << 80) - 1);
    let v = (ms << 80) | random;
    (0..26)
        .rev()
        .map(|i| CROCKFORD[((v >> (i * 5)) & 31) as usize] as char)
        .collect()
}

/// scrypt with a per-customer salt (Medusa uses scrypt too).
pub(crate) fn hash_password(pw: &str, salt: &[u8]) -> Vec<u8> {
    let params = scrypt::Params::new(10, 8, 1, 32).expect("valid scrypt params");
    let mut out = vec![0u8; 32];
    scrypt::scrypt(pw.as_bytes(), salt, &params, &mut out).expect("scrypt output length");
    out
}

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

/// The session of this request, shared between the session layer and the handlers.
#[derive(Clone)]
struct Sess {
    sid: Arc<Mutex<(String, bool)>>,
}

impl Sess {
    fn customer(&self, st: &Inner) -> Option<String> {
        let sid = self.sid.lock().unwrap().0.clone();
        st.sessions.lock().unwrap().customer(&sid, now_secs())
    }
    fn set_customer(&self, st: &Inner, id: Option<String>) {
        let mut g = self.sid.lock().unwrap();
        st.sessions.lock().unwrap().save(&g.0, id, now_secs());
        g.1 = true;
    }
    fn destroy(&self, st: &Inner) {
        let sid = self.sid.lock().unwrap().0.clone();
        st.sessions.lock().unwrap().remove(&sid);
    }
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

/// express-session around every request (CORS is `server_cors`, inside it).
async fn session_layer(State(st): State<Shared>, mut req: Request, next: Next) -> Response {
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

pub(crate) fn json_response(status: StatusCode, v: Value) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .body(Body::from(v.to_string()))
        .unwrap()
}

fn text_response(status: StatusCode, text: &'static str) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Body::from(text))
        .unwrap()
}

/// passport's failure: `Unauthorized` with no Content-Type at all.
fn passport_401() -> Response {
    Response::builder()
        .status(StatusCode::UNAUTHORIZED)
        .body(Body::from("Unauthorized"))
        .unwrap()
}

pub(crate) fn html_error(status: StatusCode, text: &str) -> Response {
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>{text}</pre>\n</body>\n</html>\n"
    );
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header("content-security-policy", "default-src 'none'")
        .header("x-content-type-options", "nosniff")
        .body(Body::from(page))
        .unwrap()
}

fn invalid(message: String) -> Response {
    json_response(
        StatusCode::BAD_REQUEST,
        json!({"type": "invalid_data", "message": message}),
    )
}

/// body-parser reads a body only when the content type is JSON.
pub(crate) fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("application/json")
        })
        .unwrap_or(false)
}

/// body-parser: JSON only when the content type says so; malformed → 400 HTML, too big → 413.
pub(crate) fn parse_body(headers: &HeaderMap, body: &Bytes) -> Result<Value, Box<Response>> {
    if !is_json(headers) || body.is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    if body.len() > BODY_LIMIT {
        return Err(Box::new(html_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PayloadTooLargeError: request entity too large",
        )));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(v @ (Value::Object(_) | Value::Array(_))) => Ok(v),
        _ => Err(Box::new(html_error(
            StatusCode::BAD_REQUEST,
            "SyntaxError: Unexpected token in JSON",
        ))),
    }
}

/// validator.js `isEmail` with default options, close enough: no spaces, a TLD.
fn is_email(v: &Value) -> bool {
    let Some(s) = v.as_str() else { return false };
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && !s.chars().any(char::is_whitespace)
        && domain.split('.').count() >= 2
        && domain
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && domain
            .rsplit('.')
            .next()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
}

fn not_empty(v: Option<&Value>) -> bool {
    !matches!(v, None | Some(Value::Null)) && v != Some(&Value::String(String::new()))
}

/// A field and its class-validator rule: the message when the value breaks it.
type Rule = (&'static str, fn(Option<&Value>) -> Option<&'static str>);

/// class-validator with whitelist + forbidNonWhitelisted: unknown keys first, then fields.
fn validate(body: &Value, allowed: &[&str], rules: &[Rule]) -> Result<(), Box<Response>> {
    let Value::Object(o) = body else {
        return Err(Box::new(invalid(
            "an unknown value was passed to the validate function".into(),
        )));
    };
    let mut msgs: Vec<String> = o
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .map(|k| format!("property {k} should not exist"))
        .collect();
    for (field, rule) in rules {
        if let Some(m) = rule(o.get(*field)) {
            msgs.push(m.to_string());
        }
    }
    if msgs.is_empty() {
        Ok(())
    } else {
        Err(Box::new(invalid(msgs.join(", "))))
    }
}

fn login_rules() -> Vec<Rule> {
    vec![
        ("email", |v| {
            (!v.is_some_and(is_email)).then_some("email must be an email")
        }),
        ("password", |v| {
            (!not_empty(v)).then_some("password should not be empty")
        }),
    ]
}

impl Inner {
    fn find_account(&self, email: &str) -> Option<Customer> {
        let e = email.to_lowercase();
        self.store
            .read()
            .unwrap()
            .customers
            .iter()
            .find(|c| c.email == e && c.has_account)
            .cloned()
    }
    fn by_id(&self, id: &str) -> Option<Customer> {
        self.store
            .read()
            .unwrap()
            .customers
            .iter()
            .find(|c| c.id == id)
            .cloned()
    }
    /// Medusa's authenticateCustomer: any problem is just "no".
    fn authenticate(&self, body: &Value) -> Option<Customer> {
        let c = self.find_account(body.get("email")?.as_str()?)?;
        let pw = body.get("password")?.as_str()?;
        let (salt, hash) = c.hash.as_ref()?;
        let got = hash_password(pw, salt);
        aws_lc_rs::constant_time::verify_slices_are_equal(&got, hash).ok()?;
        Some(c)
    }
    /// `store-session` then `store-bearer`, as passport is configured.
    fn who(&self, sess: &Sess, headers: &HeaderMap) -> Option<String> {
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
}

fn customer_json(c: &Customer, auth_shape: bool) -> Value {
    let mut o = Map::new();
    o.insert("id".into(), json!(c.id));
    o.insert("created_at".into(), json!(c.created_at));
    o.insert("updated_at".into(), json!(c.created_at));
    o.insert("deleted_at".into(), Value::Null);
    o.insert("email".into(), json!(c.email));
    o.insert("first_name".into(), c.first_name.clone());
    o.insert("last_name".into(), c.last_name.clone());
    o.insert("billing_address_id".into(), Value::Null);
    o.insert("phone".into(), c.phone.clone());
    o.insert("has_account".into(), json!(c.has_account));
    o.insert("metadata".into(), Value::Null);
    if auth_shape {
        o.insert("orders".into(), json!([]));
    } else {
        o.insert("billing_address".into(), Value::Null);
    }
    o.insert("shipping_addresses".into(), json!([]));
    json!({ "customer": o })
}

async fn post_auth(
    State(st): State<Shared>,
    axum::Extension(sess): axum::Extension<Sess>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = match parse_body(&headers, &body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    if let Err(r) = validate(&body, &["email", "password"], &login_rules()) {
        return *r;
    }
    match st.authenticate(&body) {
        Some(c) => {
            if sess.customer(&st).as_deref() != Some(c.id.as_str()) {
                sess.set_customer(&st, Some(c.id.clone()));
            }
            json_response(StatusCode::OK, customer_json(&c, true))
        }
        None => text_response(StatusCode::UNAUTHORIZED, "Unauthorized"),
    }
}

async fn post_token(State(st): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let body = match parse_body(&headers, &body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    if let Err(r) = validate(&body, &["email", "password"], &login_rules()) {
        return *r;
    }
    match st.authenticate(&body) {
        Some(c) => {
            let iat = now_secs();
            let token = jwt::sign_hs256(
                &json!({"customer_id": c.id, "domain": "store", "iat": iat, "exp": iat + TOKEN_TTL}),
                st.jwt_secret.as_bytes(),
            );
            json_response(StatusCode::OK, json!({ "access_token": token }))
        }
        None => text_response(StatusCode::UNAUTHORIZED, "Unauthorized"),
    }
}

fn current(st: &Inner, sess: &Sess, headers: &HeaderMap, auth_shape: bool) -> Response {
    let Some(id) = st.who(sess, headers) else {
        return passport_401();
    };
    match st.by_id(&id) {
        Some(c) => json_response(StatusCode::OK, customer_json(&c, auth_shape)),
        None => json_response(
            StatusCode::NOT_FOUND,
            json!({"type": "not_found", "message": format!("Customer with id: {id} was not found")}),
        ),
    }
}

async fn get_auth(
    State(st): State<Shared>,
    axum::Extension(sess): axum::Extension<Sess>,
    headers: HeaderMap,
) -> Response {
    current(&st, &sess, &headers, true)
}

async fn get_me(
    State(st): State<Shared>,
    axum::Extension(sess): axum::Extension<Sess>,
    headers: HeaderMap,
) -> Response {
    current(&st, &sess, &headers, false)
}

/// `POST /store/customers/me`: a profile change (names and phone), seen by the next call.
async fn post_me(
    State(st): State<Shared>,
    axum::Extension(sess): axum::Extension<Sess>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(id) = st.who(&sess, &headers) else {
        return passport_401();
    };
    let body = match parse_body(&headers, &body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let string: fn(Option<&Value>) -> Option<&'static str> = |v| {
        v.is_some_and(|v| !v.is_string())
            .then_some("must be a string")
    };
    let fields = ["first_name", "last_name", "phone"];
    let rules: Vec<Rule> = fields.iter().map(|f| (*f, string)).collect();
    if let Err(r) = validate(&body, &fields, &rules) {
        return *r;
    }
    let updated = {
        let mut store = st.store.write().unwrap();
        store.customers.iter_mut().find(|c| c.id == id).map(|c| {
            for (f, slot) in [
                ("first_name", &mut c.first_name),
                ("last_name", &mut c.last_name),
                ("phone", &mut c.phone),
            ] {
                if let Some(v) = body.get(f) {
                    *slot = v.clone();
                }
            }
            c.clone()
        })
    };
    match updated {
        Some(c) => json_response(StatusCode::OK, customer_json(&c, false)),
        None => json_response(
            StatusCode::NOT_FOUND,
            json!({"type": "not_found", "message": format!("Customer with id: {id} was not found")}),
        ),
    }
}

async fn delete_auth(
    State(st): State<Shared>,
    axum::Extension(sess): axum::Extension<Sess>,
    headers: HeaderMap,
) -> Response {
    if st.cfg.revoke_tokens_on_logout
        && let Some(id) = st.who(&sess, &headers)
    {
        st.revoked.lock().unwrap().insert(id, now_secs());
    }
    sess.destroy(&st);
    text_response(StatusCode::OK, "OK")
}

/// `Path` has already percent-decoded the segment once, as Express does; decoding again would
/// find `a@b.com` for `a%2540b.com`.
async fn exists(State(st): State<Shared>, Path(email): Path<String>) -> Response {
    json_response(
        StatusCode::OK,
        json!({ "exists": st.find_account(&email).is_some() }),
    )
}

async fn exists_token(State(st): State<Shared>) -> Response {
    exists(State(st), Path("token".into())).await
}

async fn post_customers(
    State(st): State<Shared>,
    axum::Extension(sess): axum::Extension<Sess>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = match parse_body(&headers, &body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let rules: Vec<Rule> = vec![
        ("first_name", |v| {
            (v.is_some_and(|v| !v.is_string())).then_some("first_name must be a string")
        }),
        ("last_name", |v| {
            (v.is_some_and(|v| !v.is_string())).then_some("last_name must be a string")
        }),
        ("email", |v| {
            (!v.is_some_and(is_email)).then_some("email must be an email")
        }),
        ("password", |v| {
            (!v.is_some_and(Value::is_string)).then_some("password must be a string")
        }),
        ("phone", |v| {
            (v.is_some_and(|v| !v.is_string())).then_some("phone must be a string")
        }),
    ];
    if let Err(r) = validate(
        &body,
        &["first_name", "last_name", "email", "password", "phone"],
        &rules,
    ) {
        return *r;
    }
    let email = body["email"].as_str().unwrap_or_default().to_lowercase();
    let password = body["password"].as_str().unwrap_or_default().to_string();
    let has_account = !password.is_empty();
    let customer = {
        let mut store = st.store.write().unwrap();
        if store
            .customers
            .iter()
            .any(|c| c.email == email && c.has_account == has_account)
        {
            let message = if has_account {
                "A customer with the given email already has an account. Log in instead"
            } else {
                "Guest customer with email already exists"
            };
            return json_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"code": "invalid_request_error", "type": "duplicate_error", "message": message}),
            );
        }
        let hash = has_account.then(|| {
            let salt: [u8; 16] = rand::rng().random();
            (salt.to_vec(), hash_password(&password, &salt))
        });
        let c = Customer {
            id: format!("cus_{}", ulid_like()),
            email,
            first_name: body.get("first_name").cloned().unwrap_or(Value::Null),
            last_name: body.get("last_name").cloned().unwrap_or(Value::Null),
            phone: body.get("phone").cloned().unwrap_or(Value::Null),
            has_account,
            hash,
            created_at: crate::clock::now_rfc3339(),
        };
        store.customers.push(c.clone());
        c
    };
    sess.set_customer(&st, Some(customer.id.clone()));
    json_response(StatusCode::OK, customer_json(&customer, false))
}

async fn health() -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .body(Body::from("OK"))
        .unwrap()
}

async fn not_found(method: Method, uri: axum::http::Uri) -> Response {
    html_error(
        StatusCode::NOT_FOUND,
        &format!("Cannot {method} {}", uri.path()),
    )
}

fn router(st: Shared) -> Router {
    let variations = Arc::new(crate::server::v1::variation::Variations {
        on: st.cfg.variations.clone(),
        jwt_secret: st.jwt_secret.clone(),
    });
    let routes = Router::new()
        .route("/health", get(health))
        .route(
            "/store/auth",
            get(get_auth).post(post_auth).delete(delete_auth),
        )
        .route("/store/auth/token", get(exists_token).post(post_token))
        .route("/store/auth/{email}", get(exists))
        .route("/store/customers", axum::routing::post(post_customers))
        .route("/store/customers/me", get(get_me).post(post_me))
        .fallback(not_found)
        .with_state(st.clone());
    // Session, then body-parser, then CORS, then Express's routing, around the whole router
    // (not each route), in Express's order: body-parser is app-wide, cors() sits on the `/store`
    // router before its routes, so a preflight is answered before any route and an unknown
    // route's 404 page still carries the CORS headers, while body-parser errors carry none.
    let cors = crate::server::v1::cors::StoreCors::parse(
        st.cfg
            .store_cors
            .as_deref()
            .unwrap_or(crate::server::v1::cors::DEFAULT_STORE_CORS),
    );
    Router::new()
        .fallback_service(routes)
        .layer(axum::middleware::from_fn(express::routing))
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(cors),
            crate::server::v1::cors::layer,
        ))
        .layer(axum::middleware::from_fn(express::body_parser))
        .layer(axum::middleware::from_fn_with_state(st, session_layer))
        // Conformant variations rewrite what the whole server answers (src/server/v1/variation.rs).
        .layer(axum::middleware::from_fn_with_state(
            variations,
            crate::server::v1::variation::layer,
        ))
}

/// A running server; dropping it stops it.
pub struct Server {
    pub url: String,
    pub jwt_secret: String,
    inner: Shared,
    _serving: crate::server::background::Background,
}

impl Server {
    /// Binds and serves in the background on the current tokio runtime.
    pub async fn start(cfg: ServerConfig) -> std::io::Result<Server> {
        let host = if cfg.host.is_empty() {
            "127.0.0.1".to_string()
        } else {
            cfg.host.clone()
        };
        let listener = tokio::net::TcpListener::bind((host.as_str(), cfg.port)).await?;
        let addr = listener.local_addr()?;
        let jwt_secret = cfg.jwt_secret.clone().unwrap_or_else(|| random_text(24));
        let inner = Arc::new(Inner {
            store: RwLock::new(Store::default()),
            sessions: Mutex::new(crate::server::v1::sessions::Sessions::new(
                SESSION_TTL.as_secs() as i64,
                MAX_SESSIONS,
            )),
            revoked: Mutex::new(HashMap::new()),
            jwt_secret: jwt_secret.clone(),
            cookie_secret: cfg.cookie_secret.clone().unwrap_or_else(|| random_text(24)),
            cfg,
        });
        let app = router(inner.clone());
        let serving = crate::server::background::spawn(listener, app);
        let host = if addr.ip().is_ipv6() {
            format!("[{}]", addr.ip())
        } else {
            addr.ip().to_string()
        };
        Ok(Server {
            url: format!("http://{host}:{}", addr.port()),
            jwt_secret,
            inner,
            _serving: serving,
        })
    }

    /// How many sessions the server holds now (for the memory tests and the bench).
    pub fn session_count(&self) -> usize {
        self.inner.sessions.lock().map(|s| s.len()).unwrap_or(0)
    }

    /// On an ephemeral loopback port, with random secrets.
    pub async fn start_ephemeral() -> std::io::Result<Server> {
        Server::start(ServerConfig {
            host: "127.0.0.1".into(),
            ..Default::default()
        })
        .await
    }
}

/// `medusa-conform serve`: runs until Ctrl-C.
pub fn serve_blocking(cfg: ServerConfig) -> Result<(), crate::error::Error> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| crate::error::Error::Internal(e.to_string()))?;
    rt.block_on(async {
        let port = cfg.port;
        let s = Server::start(cfg).await.map_err(|e| {
            crate::error::Error::Usage(format!("cannot listen on port {port}: {e}"))
        })?;
        println!("medusa-conform reference server listening on {}", s.url);
        println!("export MEDUSA_URL={}", s.url);
        let _ = tokio::signal::ctrl_c().await;
        drop(s);
        Ok(())
    })
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
    }

    #[test]
    fn email_rules() {
        assert!(is_email(&json!("a@b.co")));
        assert!(!is_email(&json!("not-an-email")));
        assert!(!is_email(&json!(" a@b.co")));
        assert!(!is_email(&json!("a@localhost")));
        assert!(!is_email(&json!(5)));
    }
}
