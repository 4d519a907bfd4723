//! Shared helpers for the engine and CLI tests: an in-process fake of the Store Auth API (wiremock
//! with a stateful `Respond`), an echo endpoint, and small scenario helpers. These fakes exist to
//! exercise the ENGINE's logic (sending, jars, tokens, checks, captures, redaction), not Medusa.
#![allow(dead_code)]

use medusa_conform::engine::{http, run};
use medusa_conform::plan;
use medusa_conform::report::event::{CheckFailure, ScenarioReport, Status, StepReport, StepStatus};
use medusa_conform::scenario::load;
use medusa_conform::specs::Specs;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const SEED: u64 = 42;
pub const JWT_SECRET: &str = "fake-jwt-secret-for-tests";

/// Strips the common indentation of a YAML literal written inline in a test.
pub fn dedent(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    let min = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out: Vec<&str> = lines
        .iter()
        .map(|l| if l.len() >= min { &l[min..] } else { l.trim() })
        .collect();
    while out.first().is_some_and(|l| l.trim().is_empty()) {
        out.remove(0);
    }
    out.join("\n") + "\n"
}

pub fn try_plan(yaml: &str, specs: &Specs) -> Result<plan::Scenario, String> {
    let l = load::parse(
        "engine::scenario".into(),
        "tests/scenario.yaml".into(),
        dedent(yaml),
    )
    .map_err(|d| d.render_plain())?;
    plan::plan(&l, specs, &[]).map_err(|ds| {
        ds.iter()
            .map(|d| d.render_plain())
            .collect::<Vec<_>>()
            .join("\n")
    })
}

pub fn plan_yaml(yaml: &str) -> plan::Scenario {
    plan_with(yaml, &Specs::default())
}

pub fn plan_with(yaml: &str, specs: &Specs) -> plan::Scenario {
    try_plan(yaml, specs).unwrap_or_else(|e| panic!("scenario does not plan:\n{e}"))
}

pub fn ctx_env(uri: &str, env: HashMap<String, String>) -> run::Context {
    run::Context {
        client: http::client(
            &http::ClientOptions::default(),
            &"http://localhost".parse().unwrap(),
        )
        .unwrap(),
        target: url::Url::parse(uri).unwrap(),
        env: Arc::new(env),
        cli_vars: vec![],
        seed: SEED,
        driver: None,
        publishable_key: None,
        events: None,
        api: None,
    }
}

pub fn ctx(uri: &str) -> run::Context {
    ctx_env(uri, HashMap::new())
}

pub async fn run_yaml(uri: &str, yaml: &str) -> ScenarioReport {
    run::run_scenario(&plan_yaml(yaml), &ctx(uri), 0).await
}

pub fn explain(r: &ScenarioReport) -> String {
    format!(
        "status {:?}, note {:?}\n{}",
        r.status,
        r.note,
        medusa_conform::report::human::failure(r, false)
    )
}

#[track_caller]
pub fn assert_passed(r: &ScenarioReport) {
    assert_eq!(r.status, Status::Passed, "{}", explain(r));
    assert!(
        r.steps.iter().all(|s| s.status == StepStatus::Passed),
        "{}",
        explain(r)
    );
}

/// Asserts the scenario failed and returns the first failed step and its first check failure.
#[track_caller]
pub fn first_failure(r: &ScenarioReport) -> (&StepReport, &CheckFailure) {
    assert_eq!(r.status, Status::Failed, "{}", explain(r));
    let s = r
        .failed_steps()
        .next()
        .unwrap_or_else(|| panic!("no failed step: {}", explain(r)));
    assert_eq!(s.status, StepStatus::Failed, "{}", explain(r));
    let f = s
        .failures
        .first()
        .unwrap_or_else(|| panic!("no check failure: {}", explain(r)));
    (s, f)
}

#[track_caller]
pub fn assert_check_fails(r: &ScenarioReport, step: &str, check: &str, message_part: &str) {
    let (s, f) = first_failure(r);
    assert_eq!(s.name, step, "{}", explain(r));
    assert_eq!(f.check, check, "{}", explain(r));
    assert!(
        f.message.contains(message_part),
        "message {:?} lacks {:?}\n{}",
        f.message,
        message_part,
        explain(r)
    );
}

pub fn now() -> i64 {
    medusa_conform::clock::now_secs()
}

/// What the fake server remembers (and, for the secrets tests, every credential it handed out).
#[derive(Default)]
pub struct FakeState {
    /// email → (id, password)
    pub customers: HashMap<String, (String, String)>,
    /// connect.sid value → customer id
    pub sessions: HashMap<String, String>,
    pub tokens: Vec<String>,
    pub counter: usize,
}

#[derive(Clone)]
pub struct FakeMedusa(pub Arc<Mutex<FakeState>>);

fn text(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_raw(body.as_bytes().to_vec(), "text/plain; charset=utf-8")
}

fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers.get(name).and_then(|v| v.to_str().ok())
}

/// Echoes the request as JSON: method, raw path, raw query, headers, body, bearer token.
pub fn echo(req: &Request) -> ResponseTemplate {
    let mut headers = Map::new();
    for (k, v) in req.headers.iter() {
        let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
        let joined = match headers.get(k.as_str()).and_then(Value::as_str) {
            Some(prev) => format!("{prev}, {v}"),
            None => v,
        };
        headers.insert(k.as_str().to_string(), Value::from(joined));
    }
    let mut body = json!({
        "method": req.method.as_str(),
        "path": req.url.path(),
        "query": req.url.query(),
        "headers": headers,
        "body": String::from_utf8_lossy(&req.body),
    });
    if let Some(t) = header(req, "authorization").and_then(|a| a.strip_prefix("Bearer ")) {
        body["bearer"] = Value::from(t);
    }
    ResponseTemplate::new(200)
        .set_body_json(body)
        .insert_header("x-request-id", "req-123abc")
}

impl FakeMedusa {
    fn customer(&self, id: &str) -> Option<Value> {
        let st = self.0.lock().unwrap();
        st.customers
            .iter()
            .find(|(_, (cid, _))| cid == id)
            .map(|(email, (cid, _))| json!({"id": cid, "email": email, "has_account": true}))
    }

    fn creds(&self, req: &Request) -> Option<String> {
        let b: Value = serde_json::from_slice(&req.body).ok()?;
        let (email, pw) = (b.get("email")?.as_str()?, b.get("password")?.as_str()?);
        let st = self.0.lock().unwrap();
        st.customers
            .get(email)
            .filter(|(_, p)| p == pw)
            .map(|(id, _)| id.clone())
    }

    fn authed(&self, req: &Request) -> Option<String> {
        let sid = header(req, "cookie").and_then(|c| {
            c.split(';')
                .find_map(|p| p.trim().strip_prefix("connect.sid="))
        });
        if let Some(id) = sid.and_then(|v| self.0.lock().unwrap().sessions.get(v).cloned()) {
            return Some(id);
        }
        let t = header(req, "authorization")?.strip_prefix("Bearer ")?;
        let claims = medusa_conform::engine::jwt::verify(t, JWT_SECRET.as_bytes(), now()).ok()?;
        claims.get("customer_id")?.as_str().map(str::to_string)
    }
}

impl Respond for FakeMedusa {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let path = req.url.path().to_string();
        let m = req.method.as_str();
        if path.starts_with("/echo") {
            return echo(req);
        }
        match (m, path.as_str()) {
            ("POST", "/store/customers") => {
                let Ok(b) = serde_json::from_slice::<Value>(&req.body) else {
                    return text(400, "Bad Request");
                };
                let (Some(email), Some(pw)) = (b["email"].as_str(), b["password"].as_str()) else {
                    return ResponseTemplate::new(400).set_body_json(json!({"type": "invalid_data", "message": "email and password are required"}));
                };
                let mut st = self.0.lock().unwrap();
                if st.customers.contains_key(email) {
                    return ResponseTemplate::new(422).set_body_json(json!({"type": "duplicate_error", "message": "A customer with the given email already has an account"}));
                }
                st.counter += 1;
                let id = format!("cus_{:04}", st.counter);
                st.customers
                    .insert(email.to_string(), (id.clone(), pw.to_string()));
                ResponseTemplate::new(200).set_body_json(
                    json!({"customer": {"id": id, "email": email, "has_account": true}}),
                )
            }
            ("POST", "/store/auth") => match self.creds(req) {
                Some(id) => {
                    let sid = {
                        let mut st = self.0.lock().unwrap();
                        st.counter += 1;
                        let sid =
                            format!("s%3ASessTok{:04}qz.SigPart{:04}", st.counter, st.counter);
                        st.sessions.insert(sid.clone(), id.clone());
                        sid
                    };
                    let expires =
                        httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(36_000));
                    ResponseTemplate::new(200)
                        .set_body_json(json!({"customer": self.customer(&id)}))
                        .append_header(
                            "set-cookie",
                            format!("connect.sid={sid}; Path=/; Expires={expires}; HttpOnly")
                                .as_str(),
                        )
                }
                None => text(401, "Unauthorized"),
            },
            ("GET", "/store/auth") => match self.authed(req) {
                Some(id) => ResponseTemplate::new(200)
                    .set_body_json(json!({"customer": self.customer(&id)})),
                None => text(401, "Unauthorized"),
            },
            ("DELETE", "/store/auth") => {
                let sid = header(req, "cookie").and_then(|c| {
                    c.split(';')
                        .find_map(|p| p.trim().strip_prefix("connect.sid="))
                });
                if let Some(v) = sid {
                    self.0.lock().unwrap().sessions.remove(v);
                }
                text(200, "OK")
            }
            ("POST", "/store/auth/token") => match self.creds(req) {
                Some(id) => {
                    let iat = now();
                    let token = medusa_conform::engine::jwt::sign_hs256(
                        &json!({"customer_id": id, "domain": "store", "iat": iat, "exp": iat + 2_592_000}),
                        JWT_SECRET.as_bytes(),
                    );
                    self.0.lock().unwrap().tokens.push(token.clone());
                    ResponseTemplate::new(200).set_body_json(json!({"access_token": token}))
                }
                None => text(401, "Unauthorized"),
            },
            ("GET", p) if p.starts_with("/store/auth/") => {
                let seg = &p["/store/auth/".len()..];
                if seg.contains('/') {
                    return text(404, "Not Found");
                }
                let email = seg.replace("%40", "@").replace("%2B", "+");
                let exists = self.0.lock().unwrap().customers.contains_key(&email);
                ResponseTemplate::new(200).set_body_json(json!({"exists": exists}))
            }
            _ => text(404, "Not Found"),
        }
    }
}

/// A fake Store Auth API (plus `/echo/*`) and its state.
pub async fn fake() -> (MockServer, Arc<Mutex<FakeState>>) {
    let server = MockServer::start().await;
    let state = Arc::new(Mutex::new(FakeState::default()));
    Mock::given(wiremock::matchers::any())
        .respond_with(FakeMedusa(state.clone()))
        .mount(&server)
        .await;
    (server, state)
}

/// A server that only echoes.
pub async fn echo_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(|r: &Request| echo(r))
        .mount(&server)
        .await;
    server
}

/// A TCP listener that answers every connection with bytes that are not HTTP, then closes.
pub async fn garbage_server() -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut s, _)) = l.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                let _ = tokio::time::timeout(Duration::from_millis(200), s.read(&mut buf)).await;
                let _ = s
                    .write_all(b"\x00\x01garbage that is not HTTP\r\n\xff\xfe\r\n\r\n")
                    .await;
                let _ = s.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}
