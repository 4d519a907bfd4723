//! The embedded reference server under concurrent load: 1,000 logins from 50 clients all
//! succeed with the customer, concurrent registrations of distinct e-mails all succeed, and
//! concurrent duplicates of one e-mail give exactly one 200 and 422 for the rest.
//! Correctness only: speed is measured by `cargo bench --bench engine`, never asserted here.

use medusa_conform::server::v1::Server;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const CLIENTS: usize = 50;
const LOGINS: usize = 1_000;

fn client() -> reqwest::Client {
    // No cookie store: logins do not need a jar, and each client is independent.
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

async fn register(c: &reqwest::Client, url: &str, email: &str, pw: &str) -> (u16, Value) {
    let r = c
        .post(format!("{url}/store/customers"))
        .json(
            &json!({"email": email, "password": pw, "first_name": "Ada", "last_name": "Lovelace"}),
        )
        .send()
        .await
        .expect("registration request");
    let status = r.status().as_u16();
    let body = r.json::<Value>().await.unwrap_or(Value::Null);
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thousand_concurrent_logins_all_succeed() {
    let server = Server::start_ephemeral().await.expect("server starts");
    let url = server.url.clone();
    let email = "load.tester@example.com";
    let password = "correct horse battery staple";

    let (status, body) = register(&client(), &url, email, password).await;
    assert_eq!(status, 200, "registration: {body}");
    let id = body["customer"]["id"]
        .as_str()
        .expect("customer id")
        .to_string();

    let started = Instant::now();
    let per_client = LOGINS / CLIENTS;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..CLIENTS {
        let (url, id) = (url.clone(), id.clone());
        tasks.spawn(async move {
            let c = client();
            let mut ok = 0usize;
            for i in 0..per_client {
                let r = c
                    .post(format!("{url}/store/auth"))
                    .json(&json!({"email": email, "password": password}))
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("client {n} login {i}: {e}"));
                let status = r.status().as_u16();
                let text = r.text().await.expect("login body");
                assert_eq!(status, 200, "client {n} login {i}: {text}");
                let v: Value = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("client {n} login {i}: not JSON ({e}): {text}"));
                let cus = &v["customer"];
                assert_eq!(cus["id"], id.as_str(), "client {n} login {i}: {text}");
                assert_eq!(cus["email"], email, "client {n} login {i}: {text}");
                assert_eq!(cus["has_account"], true, "client {n} login {i}: {text}");
                assert!(cus["orders"].is_array(), "client {n} login {i}: {text}");
                assert!(
                    cus.get("password_hash").is_none(),
                    "client {n} login {i}: the hash leaked: {text}"
                );
                ok += 1;
            }
            ok
        });
    }
    let done = tokio::time::timeout(Duration::from_secs(300), async {
        let mut total = 0;
        while let Some(r) = tasks.join_next().await {
            total += r.expect("login task panicked");
        }
        total
    })
    .await
    .expect("1,000 logins did not finish within 300 s");
    assert_eq!(done, LOGINS);
    eprintln!(
        "{LOGINS} logins from {CLIENTS} concurrent clients in {:.2?}",
        started.elapsed()
    );

    // A wrong password is still refused under the same server.
    let r = client()
        .post(format!("{url}/store/auth"))
        .json(&json!({"email": email, "password": "wrong"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_registrations_distinct_succeed_duplicates_422() {
    let server = Server::start_ephemeral().await.expect("server starts");
    let url = server.url.clone();

    // Ten distinct e-mails at once: all 200, ten different customers.
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..10 {
        let url = url.clone();
        tasks.spawn(async move {
            let email = format!("distinct.{n}@example.com");
            let (s, b) = register(&client(), &url, &email, "pw-distinct").await;
            (email, s, b)
        });
    }
    let mut ids = std::collections::HashSet::new();
    while let Some(r) = tasks.join_next().await {
        let (email, s, b) = r.unwrap();
        assert_eq!(s, 200, "{email}: {b}");
        assert_eq!(b["customer"]["email"], email.as_str(), "{b}");
        ids.insert(b["customer"]["id"].as_str().unwrap().to_string());
    }
    assert_eq!(ids.len(), 10, "every registration made its own customer");

    // Ten registrations of one new e-mail at once (mixed case: e-mails are lower-cased):
    // exactly one wins, the rest are duplicates.
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..10 {
        let url = url.clone();
        tasks.spawn(async move {
            let email = if n % 2 == 0 {
                "same@example.com"
            } else {
                "Same@Example.com"
            };
            register(&client(), &url, email, "pw-same").await
        });
    }
    let (mut ok, mut dup) = (0, 0);
    while let Some(r) = tasks.join_next().await {
        let (s, b) = r.unwrap();
        match s {
            200 => ok += 1,
            422 => {
                assert_eq!(b["type"], "duplicate_error", "{b}");
                assert_eq!(
                    b["message"],
                    "A customer with the given email already has an account. Log in instead",
                    "{b}"
                );
                dup += 1;
            }
            other => panic!("unexpected {other}: {b}"),
        }
    }
    assert_eq!((ok, dup), (1, 9));

    // And a later duplicate of one of the first ten is refused too.
    let (s, b) = register(&client(), &url, "distinct.3@example.com", "other").await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(b["type"], "duplicate_error", "{b}");
}
