//! Proof that each scenario written to fill a cell of the coverage map can fail: each runs
//! through a small fault-injecting proxy that breaks the clause the scenario covers, and must fail
//! there, while it passes through the same proxy with no fault. The target is `MEDUSA_URL` (CI:
//! the real Medusa 1.20.11), else the embedded reference server.
//!
//! The faults are hand-written here, not in the fault matrix (`tests/faults/`), on purpose: they
//! need per-client state (which session logged in last, how often a token was used) that the
//! matrix's stateless proxy does not keep. Each is one line of what a wrong server would do.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use base64::Engine;
use medusa_conform::engine::harness;
use medusa_conform::engine::run::Context;
use medusa_conform::options::RunOptions;
use medusa_conform::report::event::Status;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// A server that breaks one clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    /// Login and token read e-mail and password from the query string or a Basic header too.
    CredentialsFromQuery,
    /// Every session and token is served as the customer who logged in (or took a token) last.
    LastLoginWins,
    /// A new login of a customer ends that customer's other sessions.
    OneSessionPerCustomer,
    /// A cookie session dies after five uses.
    SessionUseLimit,
    /// A token stops working after five uses.
    TokenUseLimit,
    /// A token in `?access_token=` / `?token=` is accepted.
    BearerFromQuery,
    /// A token in `X-Access-Token`, `x-medusa-access-token` or `Authorization: Token` is accepted.
    BearerFromHeader,
    /// A token in a `jwt` or `access_token` cookie is accepted.
    BearerFromCookie,
    /// A token in a JSON body (`token`, `access_token`) of a GET is accepted.
    BearerFromBody,
    /// A session id in `?connect.sid=` is accepted.
    SessionFromQuery,
    /// GET /store/auth serves a customer as it was the first time it was served (a stale cache).
    StaleCustomer,
    /// Logout does nothing (the session lives on).
    LogoutNoop,
    /// E-mails are trimmed before the look-up (login, token and exists).
    TrimEmail,
    /// Only ASCII letters are case-folded (ZOË does not find zoë).
    AsciiCaseFold,
    /// An e-mail over 254 or a password over 1,000 characters is a 500 (a column or hash limit).
    LongInput500,
    /// Issuing a token also logs the cookie session in as the token's customer.
    TokenLogsIn,
    /// A failed token request logs the cookie session out.
    FailedTokenLogsOut,
    /// Registrations share one session: every new registration lands on the first one's.
    RegistrationSharesSession,
    /// Logout revokes the customer's bearer tokens (medusajs/medusa#5930 "fixed").
    LogoutRevokesTokens,
}

#[derive(Default)]
struct Memory {
    last_cookie: Option<String>,
    last_token: Option<String>,
    sessions_of: HashMap<String, String>,
    uses: HashMap<String, u32>,
    served: HashMap<String, Bytes>,
    shared_registration: Option<String>,
    revoked: HashSet<String>,
}

struct Proxy {
    upstream: String,
    fault: Fault,
    client: reqwest::Client,
    memory: Mutex<Memory>,
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

const HOP: &[&str] = &["connection", "transfer-encoding", "content-length", "host"];

impl Proxy {
    async fn send(
        &self,
        method: &Method,
        path_q: &str,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Answer {
        let mut rb = self
            .client
            .request(method.clone(), format!("{}{path_q}", self.upstream));
        for (k, v) in headers {
            if !HOP.contains(&k.as_str()) {
                rb = rb.header(k, v);
            }
        }
        let r = rb.body(body).send().await.expect("upstream answers");
        Answer {
            status: r.status(),
            headers: r.headers().clone(),
            body: r.bytes().await.unwrap_or_default(),
        }
    }
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(str::trim)
        .find(|c| c.starts_with("connect.sid="))
        .map(str::to_string)
}

fn set_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("connect.sid="))
        .and_then(|c| c.split(';').next())
        .map(str::to_string)
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get("authorization")?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

fn query_param(path_q: &str, name: &str) -> Option<String> {
    let q = path_q.split_once('?')?.1;
    url::form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn unauthorized() -> Response {
    Response::builder()
        .status(StatusCode::UNAUTHORIZED)
        .body(Body::from("Unauthorized"))
        .unwrap()
}

fn json_answer(status: StatusCode, v: Value) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json; charset=utf-8")
        .body(Body::from(v.to_string()))
        .unwrap()
}

fn token_customer(token: &str) -> Option<String> {
    let claims = medusa_conform::engine::jwt::decode(token).ok()?.claims;
    claims.get("customer_id")?.as_str().map(str::to_string)
}

fn set(headers: &mut HeaderMap, name: &'static str, value: &str) {
    headers.insert(name, HeaderValue::from_str(value).unwrap());
}

async fn forward(State(p): State<Arc<Proxy>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let mut body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let method = parts.method.clone();
    let mut path_q = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let path = parts.uri.path().to_ascii_lowercase();
    let mut headers = parts.headers.clone();
    let is_login = method == Method::POST && path == "/store/auth";
    let is_token = method == Method::POST && path == "/store/auth/token";
    let is_session = method == Method::GET && path == "/store/auth";
    let is_exists = method == Method::GET && path.starts_with("/store/auth/");
    let login: Option<Value> = (is_login || is_token)
        .then(|| serde_json::from_slice(&body).ok())
        .flatten();
    let email_of = |l: &Option<Value>| {
        l.as_ref()
            .and_then(|v| v.get("email"))
            .and_then(Value::as_str)
            .map(str::to_string)
    };

    // Request-side faults.
    match p.fault {
        Fault::CredentialsFromQuery if (is_login || is_token) && login.is_none() => {
            let basic = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Basic "))
                .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|s| {
                    s.split_once(':')
                        .map(|(a, b)| (a.to_string(), b.to_string()))
                });
            let creds = match (
                query_param(&path_q, "email"),
                query_param(&path_q, "password"),
            ) {
                (Some(e), Some(pw)) => Some((e, pw)),
                _ => basic,
            };
            if let Some((e, pw)) = creds {
                let v = json!({"email": e, "password": pw});
                body = Bytes::from(v.to_string());
                set(&mut headers, "content-type", "application/json");
                headers.remove("authorization");
            }
        }
        Fault::LastLoginWins if is_session => {
            let m = p.memory.lock().unwrap();
            if session_cookie(&headers).is_some()
                && let Some(c) = &m.last_cookie
            {
                set(&mut headers, "cookie", c);
            }
            if bearer(&headers).is_some()
                && let Some(t) = &m.last_token
            {
                set(&mut headers, "authorization", &format!("Bearer {t}"));
            }
        }
        Fault::SessionUseLimit | Fault::TokenUseLimit if is_session => {
            let key = if p.fault == Fault::SessionUseLimit {
                session_cookie(&headers)
            } else {
                bearer(&headers)
            };
            if let Some(k) = key {
                let mut m = p.memory.lock().unwrap();
                let n = m.uses.entry(k).or_default();
                *n += 1;
                if *n > 5 {
                    return unauthorized();
                }
            }
        }
        Fault::BearerFromQuery
        | Fault::BearerFromHeader
        | Fault::BearerFromCookie
        | Fault::BearerFromBody
            if is_session && bearer(&headers).is_none() =>
        {
            let found = match p.fault {
                Fault::BearerFromQuery => {
                    query_param(&path_q, "access_token").or_else(|| query_param(&path_q, "token"))
                }
                Fault::BearerFromHeader => ["x-access-token", "x-medusa-access-token"]
                    .iter()
                    .find_map(|h| headers.get(*h)?.to_str().ok().map(str::to_string))
                    .or_else(|| {
                        let v = headers.get("authorization")?.to_str().ok()?;
                        v.strip_prefix("Token ").map(str::to_string)
                    }),
                Fault::BearerFromCookie => headers
                    .get_all("cookie")
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .flat_map(|v| v.split(';'))
                    .filter_map(|c| c.trim().split_once('='))
                    .find(|(k, _)| *k == "jwt" || *k == "access_token")
                    .map(|(_, v)| v.to_string()),
                _ => serde_json::from_slice::<Value>(&body).ok().and_then(|v| {
                    ["token", "access_token"]
                        .iter()
                        .find_map(|k| v.get(*k)?.as_str().map(str::to_string))
                }),
            };
            if let Some(t) = found {
                set(&mut headers, "authorization", &format!("Bearer {t}"));
            }
        }
        Fault::SessionFromQuery if is_session => {
            if let Some(c) = query_param(&path_q, "connect.sid") {
                set(&mut headers, "cookie", &format!("connect.sid={c}"));
            }
        }
        Fault::LogoutNoop if method == Method::DELETE && path == "/store/auth" => {
            return Response::builder()
                .header("content-type", "text/plain; charset=utf-8")
                .body(Body::from("OK"))
                .unwrap();
        }
        Fault::TrimEmail => {
            if let Some(e) = email_of(&login) {
                let mut v = login.clone().unwrap();
                v["email"] = json!(e.trim());
                body = Bytes::from(v.to_string());
            }
            if is_exists {
                let raw = &parts.uri.path()["/store/auth/".len()..];
                let decoded = percent_decode(raw);
                let trimmed = decoded.trim();
                if trimmed != decoded {
                    path_q = format!(
                        "/store/auth/{}",
                        medusa_conform::percent::encode_component(trimmed)
                    );
                }
            }
        }
        Fault::AsciiCaseFold => {
            let foreign_upper = |s: &str| s.chars().any(|c| !c.is_ascii() && c.is_uppercase());
            if email_of(&login).is_some_and(|e| foreign_upper(&e)) {
                return Response::builder()
                    .status(StatusCode::UNAUTHORIZED)
                    .header("content-type", "text/plain; charset=utf-8")
                    .body(Body::from("Unauthorized"))
                    .unwrap();
            }
            if is_exists && foreign_upper(&percent_decode(parts.uri.path())) {
                return json_answer(StatusCode::OK, json!({"exists": false}));
            }
        }
        Fault::LongInput500 => {
            let long_email = email_of(&login).is_some_and(|e| e.chars().count() > 254)
                || (is_exists && percent_decode(parts.uri.path()).chars().count() > 254 + 12);
            let long_password = login
                .as_ref()
                .and_then(|v| v.get("password"))
                .and_then(Value::as_str)
                .is_some_and(|pw| pw.len() > 1000);
            if long_email || long_password {
                return json_answer(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({"code": "unknown_error", "type": "unknown_error", "message": "An unknown error occurred."}),
                );
            }
        }
        Fault::RegistrationSharesSession
            if method == Method::POST && path == "/store/customers" =>
        {
            if let Some(c) = p.memory.lock().unwrap().shared_registration.clone() {
                set(&mut headers, "cookie", &c);
            }
        }
        Fault::LogoutRevokesTokens if is_session => {
            if let Some(id) = bearer(&headers).and_then(|t| token_customer(&t))
                && session_cookie(&headers).is_none()
                && p.memory.lock().unwrap().revoked.contains(&id)
            {
                return unauthorized();
            }
        }
        Fault::LogoutRevokesTokens if method == Method::DELETE && path == "/store/auth" => {
            let who = p
                .send(&Method::GET, "/store/auth", &headers, Bytes::new())
                .await;
            if let Some(id) = serde_json::from_slice::<Value>(&who.body)
                .ok()
                .and_then(|v| v["customer"]["id"].as_str().map(str::to_string))
            {
                p.memory.lock().unwrap().revoked.insert(id);
            }
        }
        _ => {}
    }

    let mut a = p.send(&method, &path_q, &headers, body.clone()).await;
    let cookie_after = set_cookie(&a.headers).or_else(|| session_cookie(&headers));
    let ok = a.status == StatusCode::OK;
    let answer_json: Option<Value> = serde_json::from_slice(&a.body).ok();

    // Response-side faults.
    match p.fault {
        Fault::LastLoginWins if ok && is_login => {
            p.memory.lock().unwrap().last_cookie = cookie_after;
        }
        Fault::LastLoginWins if ok && is_token => {
            p.memory.lock().unwrap().last_token = answer_json
                .as_ref()
                .and_then(|v| v["access_token"].as_str().map(str::to_string));
        }
        Fault::OneSessionPerCustomer if ok && is_login => {
            let id = answer_json
                .as_ref()
                .and_then(|v| v["customer"]["id"].as_str().map(str::to_string));
            if let (Some(id), Some(c)) = (id, cookie_after) {
                let old = p.memory.lock().unwrap().sessions_of.insert(id, c.clone());
                if let Some(old) = old.filter(|o| *o != c) {
                    let mut h = HeaderMap::new();
                    set(&mut h, "cookie", &old);
                    p.send(&Method::DELETE, "/store/auth", &h, Bytes::new())
                        .await;
                }
            }
        }
        Fault::StaleCustomer if ok && is_session => {
            let id = answer_json
                .as_ref()
                .and_then(|v| v["customer"]["id"].as_str().map(str::to_string));
            if let Some(id) = id {
                let mut m = p.memory.lock().unwrap();
                let first = m.served.entry(id).or_insert_with(|| a.body.clone());
                a.body = first.clone();
            }
        }
        Fault::TokenLogsIn if ok && is_token => {
            let l = p.send(&Method::POST, "/store/auth", &headers, body).await;
            a.headers.remove("set-cookie");
            for v in l.headers.get_all("set-cookie") {
                a.headers.append("set-cookie", v.clone());
            }
        }
        Fault::FailedTokenLogsOut if is_token && a.status == StatusCode::UNAUTHORIZED => {
            p.send(&Method::DELETE, "/store/auth", &headers, Bytes::new())
                .await;
        }
        Fault::RegistrationSharesSession
            if ok && method == Method::POST && path == "/store/customers" =>
        {
            let mut m = p.memory.lock().unwrap();
            if m.shared_registration.is_none() {
                m.shared_registration = cookie_after;
            } else if set_cookie(&a.headers).is_none()
                && let Some(c) = &m.shared_registration
            {
                // The client is moved onto the shared session.
                a.headers.append(
                    "set-cookie",
                    HeaderValue::from_str(&format!("{c}; Path=/; HttpOnly")).unwrap(),
                );
            }
        }
        _ => {}
    }
    let mut resp = Response::builder().status(a.status);
    for (k, v) in &a.headers {
        if !HOP.contains(&k.as_str()) && k != "etag" {
            resp = resp.header(k, v);
        }
    }
    resp.body(Body::from(a.body)).unwrap()
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Cases whose faults break only exact-level expectations (docs/levels.md: a server that
/// revokes tokens on logout breaks no client), so they run with `strict`.
const STRICT: &[&str] = &["delete-session/token-survives-repeated-logouts.yaml"];

/// Each scenario written for an empty cell, with the faults that must make it fail and the step
/// where each must show (so a fault cannot pass by breaking something unrelated).
const CASES: &[(&str, &[(Fault, &str)])] = &[
    (
        "authenticate/credentials-outside-body-refused.yaml",
        &[(
            Fault::CredentialsFromQuery,
            "login with the credentials in the query string",
        )],
    ),
    (
        "authenticate/two-customers-two-clients.yaml",
        &[(Fault::LastLoginWins, "ada's client is still ada")],
    ),
    (
        "authenticate/second-device-login-keeps-first.yaml",
        &[(
            Fault::OneSessionPerCustomer,
            "the laptop is still logged in",
        )],
    ),
    (
        "get-session/cookie-session-many-requests.yaml",
        &[(Fault::SessionUseLimit, "request 6")],
    ),
    (
        "get-token/token-reused-many-times.yaml",
        &[(Fault::TokenUseLimit, "use 6")],
    ),
    (
        "get-session/credentials-elsewhere-refused.yaml",
        &[
            (Fault::BearerFromQuery, "token in ?access_token="),
            (Fault::BearerFromHeader, "token in X-Access-Token"),
            (Fault::BearerFromCookie, "token in a jwt cookie"),
            (Fault::BearerFromBody, "token in a JSON body of the GET"),
            (Fault::SessionFromQuery, "session id in ?connect.sid="),
        ],
    ),
    (
        "get-session/bearer-takes-over-after-logout.yaml",
        &[(
            Fault::LogoutNoop,
            "the same cookie and bob's token now give bob",
        )],
    ),
    (
        "get-session/profile-change-visible.yaml",
        &[(
            Fault::StaleCustomer,
            "the cookie session shows the new name",
        )],
    ),
    (
        "get-token/email-forms.yaml",
        &[
            (Fault::TrimEmail, "token with the e-mail padded with spaces"),
            (
                Fault::AsciiCaseFold,
                "token with the Unicode e-mail upper-cased",
            ),
            (Fault::LongInput500, "token for a 300-character local part"),
        ],
    ),
    (
        "exists/email-forms.yaml",
        &[
            (Fault::TrimEmail, "the e-mail padded with spaces"),
            (Fault::AsciiCaseFold, "the e-mail upper-cased"),
            (Fault::LongInput500, "a 1,000-character address"),
        ],
    ),
    (
        "get-token/token-on-logged-in-cookie.yaml",
        &[
            (Fault::TokenLogsIn, "the cookie is still ada's"),
            (
                Fault::FailedTokenLogsOut,
                "the cookie is still ada's after the failure",
            ),
        ],
    ),
    (
        "get-token/two-customers-tokens.yaml",
        &[(Fault::LastLoginWins, "ada's token is ada")],
    ),
    (
        "register/two-clients-register.yaml",
        &[(Fault::RegistrationSharesSession, "ada's client is ada")],
    ),
    (
        "delete-session/token-survives-repeated-logouts.yaml",
        &[(
            Fault::LogoutRevokesTokens,
            "the token still works after logout 1",
        )],
    ),
];

#[test]
fn every_gap_scenario_fails_under_the_fault_that_breaks_its_clause() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut env: HashMap<String, String> = std::env::vars().collect();
    let mut _server = None;
    let upstream = match env.get("MEDUSA_URL").filter(|u| !u.is_empty()) {
        Some(u) => u.trim_end_matches('/').to_string(),
        None => {
            let s = rt
                .block_on(medusa_conform::server::v1::Server::start_ephemeral())
                .unwrap();
            env.insert("MEDUSA_JWT_SECRET".into(), s.jwt_secret.clone());
            let u = s.url.clone();
            _server = Some(s);
            u
        }
    };
    println!("gap scenarios through the fault proxy, upstream {upstream}");
    let env = Arc::new(env);
    let client = medusa_conform::engine::http::client(&Default::default()).unwrap();
    let base_seed = medusa_conform::clock::now_secs() as u64;
    let mut problems = Vec::new();
    let mut runs = 0u64;
    for (file, faults) in CASES {
        let opts = RunOptions {
            paths: vec![root.join("scenarios/store-auth").join(file)],
            specs_dir: root.join("specs"),
            strict: STRICT.contains(file),
            ..Default::default()
        };
        let scenarios = Arc::new(harness::prepare(&opts).unwrap_or_else(|e| panic!("{e}")));
        assert_eq!(scenarios.len(), 1, "{file}");
        let cases = std::iter::once((Fault::None, "")).chain(faults.iter().copied());
        for (fault, step) in cases {
            runs += 1;
            let report = rt.block_on(async {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let url = format!("http://{}", listener.local_addr().unwrap());
                let proxy = Arc::new(Proxy {
                    upstream: upstream.clone(),
                    fault,
                    client: reqwest::Client::builder()
                        .redirect(reqwest::redirect::Policy::none())
                        .no_proxy()
                        .build()
                        .unwrap(),
                    memory: Mutex::new(Memory::default()),
                });
                let app = axum::Router::new().fallback(forward).with_state(proxy);
                let _serving = medusa_conform::server::background::spawn(listener, app);
                let ctx = Arc::new(Context {
                    client: client.clone(),
                    target: url::Url::parse(&url).unwrap(),
                    env: env.clone(),
                    cli_vars: vec![],
                    seed: base_seed.wrapping_add(runs * 7919),
                    driver: None,
                    publishable_key: None,
                    events: None,
                    api: None,
                });
                harness::run_scenarios(scenarios.clone(), ctx, 1)
                    .await
                    .remove(0)
            });
            let want = if fault == Fault::None {
                Status::Passed
            } else {
                Status::Failed
            };
            // Where it failed: the first line of the failure ("step `…` failed: …").
            let failure = medusa_conform::report::human::failure(&report, false);
            let first = failure.lines().find(|l| l.contains("failed")).unwrap_or("");
            println!("{file:<52} {fault:<26?} {:?}  {first}", report.status);
            let at_step = fault == Fault::None || first.contains(&format!("step `{step}` failed"));
            if report.status != want || !at_step {
                problems.push(format!(
                    "{file} under {fault:?}: {:?}, expected {want:?} at step `{step}`\n{}",
                    report.status,
                    medusa_conform::report::human::failure(&report, false)
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
