//! Engine tests: the runner's logic (requests, actors, tokens, captures, expectations, retry,
//! timeouts, known bugs, redaction, reporters) against in-process fake servers. Every behaviour
//! has a passing and a failing case.

mod common;

use common::*;
use medusa_conform::engine::run;
use medusa_conform::plan;
use medusa_conform::report::event::{Phase, Status, StepStatus};
use medusa_conform::report::{human, json as json_report, junit};
use medusa_conform::scenario::load;
use medusa_conform::specs::Specs;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const REGISTER_AND_LOGIN: &str = r#"
  - register: {email: "{{ email }}", password: "{{ password }}"}
  - authenticate: {email: "{{ email }}", password: "{{ password }}"}
    expect: {status: 200}
"#;

/// A scenario with `email`/`password` vars, a registered and logged-in default actor, then `steps`.
fn logged_in(steps: &str) -> String {
    format!(
        "name: t\nvars:\n  email: \"{{{{ unique_email() }}}}\"\n  password: \"Pw-{{{{ random_string(10) }}}}\"\nsetup:{}steps:\n{}",
        REGISTER_AND_LOGIN,
        dedent(steps)
    )
}

async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Step kinds
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn authenticate_posts_json_body_to_store_auth() {
    let (server, _) = fake().await;
    let r = run_yaml(
        &server.uri(),
        r#"
        name: authenticate
        vars:
          email: "{{ unique_email() }}"
          password: "Pw-{{ random_string(10) }}"
        setup:
          - register: {email: "{{ email }}", password: "{{ password }}", first_name: Ada}
        steps:
          - name: log in
            authenticate: {email: "{{ email }}", password: "{{ password }}", extra: [1, true]}
            expect:
              status: 200
              json: {$.customer.email: "{{ email }}"}
        "#,
    )
    .await;
    assert_passed(&r);
    let reqs = requests(&server).await;
    let login = reqs
        .iter()
        .find(|q| q.method.as_str() == "POST" && q.url.path() == "/store/auth")
        .unwrap();
    assert_eq!(
        login.headers.get("content-type").unwrap(),
        "application/json"
    );
    let body: Value = serde_json::from_slice(&login.body).unwrap();
    assert_eq!(
        body.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["email", "password", "extra"]
    );
    assert_eq!(body["extra"], json!([1, true]));
    let reg = reqs
        .iter()
        .find(|q| q.url.path() == "/store/customers")
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&reg.body).unwrap()["first_name"],
        "Ada"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn authenticate_wrong_password_fails_status_check() {
    let (server, _) = fake().await;
    let r = run_yaml(
        &server.uri(),
        r#"
        name: authenticate
        vars: {email: "{{ unique_email() }}"}
        setup:
          - register: {email: "{{ email }}", password: right-password}
        steps:
          - name: log in
            authenticate: {email: "{{ email }}", password: wrong-password}
            expect: {status: 200}
        "#,
    )
    .await;
    assert_check_fails(
        &r,
        "log in",
        "status",
        "expected status 200, got 401 Unauthorized",
    );
    let (s, f) = first_failure(&r);
    assert_eq!(s.phase, Phase::Steps);
    assert!(
        f.position.starts_with("tests/scenario.yaml:"),
        "{}",
        f.position
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn get_session_uses_the_cookie_from_authenticate() {
    let (server, _) = fake().await;
    let r = run_yaml(
        &server.uri(),
        &logged_in(
            r#"
            - name: session
              get_session: {}
              expect: {status: 200, json: {$.customer.email: "{{ email }}"}}
            "#,
        ),
    )
    .await;
    assert_passed(&r);
    let reqs = requests(&server).await;
    let get = reqs
        .iter()
        .find(|q| q.method.as_str() == "GET" && q.url.path() == "/store/auth")
        .unwrap();
    assert!(
        get.headers
            .get("cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("connect.sid=s%3ASessTok")
    );
    assert!(get.body.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn get_session_without_login_fails() {
    let (server, _) = fake().await;
    let r = run_yaml(
        &server.uri(),
        "name: t\nsteps:\n  - name: session\n    get_session: {}\n    expect: {status: 200}\n",
    )
    .await;
    assert_check_fails(&r, "session", "status", "got 401");
}

#[tokio::test(flavor = "multi_thread")]
async fn exists_encodes_the_path_segment_unless_told_not_to() {
    let (server, _) = fake().await;
    let r = run_yaml(
        &server.uri(),
        r#"
        name: exists
        steps:
          - name: encoded
            exists: {email: "a/b c+d@x.com"}
            expect: {status: 200, json: {$.exists: false}}
          - name: verbatim plus
            exists: {email: "a+d@x.com", encode: false}
            expect: {status: 200}
        "#,
    )
    .await;
    assert_passed(&r);
    let paths: Vec<String> = requests(&server)
        .await
        .iter()
        .map(|q| q.url.path().to_string())
        .collect();
    assert_eq!(
        paths,
        ["/store/auth/a%2Fb%20c+d@x.com", "/store/auth/a+d@x.com"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn exists_with_encode_false_sends_the_slash_raw_and_fails() {
    let (server, _) = fake().await;
    let r = run_yaml(
        &server.uri(),
        r#"
        name: exists
        steps:
          - name: verbatim
            exists: {email: "a/b@x.com", encode: false}
            expect: {status: 200}
        "#,
    )
    .await;
    assert_check_fails(
        &r,
        "verbatim",
        "status",
        "expected status 200, got 404 Not Found",
    );
    assert_eq!(
        requests(&server).await[0].url.path(),
        "/store/auth/a/b@x.com"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn get_token_keeps_the_token_for_the_same_actor_only() {
    let (server, state) = fake().await;
    let r = run_yaml(
        &server.uri(),
        r#"
        name: token
        vars:
          email: "{{ unique_email() }}"
          password: "Pw-{{ random_string(10) }}"
        setup:
          - register: {email: "{{ email }}", password: "{{ password }}"}
        steps:
          - name: token
            get_token: {email: "{{ email }}", password: "{{ password }}"}
            expect: {status: 200, json: {$.access_token: {type: string}}}
          - name: by bearer
            get_session: {}
            expect: {status: 200, json: {$.customer.email: "{{ email }}"}}
          - name: echo default
            request: {method: GET, path: /echo/default}
            expect:
              json:
                $.headers.authorization: {starts_with: "Bearer ey"}
                $.headers.cookie: {absent: true}
          - name: bob has no token
            as: bob
            get_session: {}
            expect: {status: 401}
          - name: echo bob
            as: bob
            request: {method: GET, path: /echo/bob}
            expect: {json: {$.headers.authorization: {absent: true}}}
        "#,
    )
    .await;
    assert_passed(&r);
    let token = state.lock().unwrap().tokens[0].clone();
    let reqs = requests(&server).await;
    let default = reqs
        .iter()
        .find(|q| q.url.path() == "/echo/default")
        .unwrap();
    assert_eq!(
        default
            .headers
            .get("authorization")
            .unwrap()
            .to_str()
            .unwrap(),
        format!("Bearer {token}")
    );
    // The token request itself carried no bearer yet.
    let tok_req = reqs
        .iter()
        .find(|q| q.url.path() == "/store/auth/token")
        .unwrap();
    assert!(tok_req.headers.get("authorization").is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_get_token_keeps_no_token() {
    let (server, _) = fake().await;
    let r = run_yaml(
        &server.uri(),
        r#"
        name: token
        vars: {email: "{{ unique_email() }}"}
        setup:
          - register: {email: "{{ email }}", password: right-password}
          - get_token: {email: "{{ email }}", password: wrong-password}
            expect: {status: 401}
        steps:
          - name: by bearer
            get_session: {}
            expect: {status: 200}
        "#,
    )
    .await;
    assert_check_fails(&r, "by bearer", "status", "got 401");
    let reqs = requests(&server).await;
    assert!(reqs.last().unwrap().headers.get("authorization").is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_session_logs_out() {
    let (server, _) = fake().await;
    let r = run_yaml(
        &server.uri(),
        &logged_in(
            r#"
            - name: logout
              delete_session: {}
              expect: {status: 200, body: OK}
            - name: session gone
              get_session: {}
              expect: {status: 401}
            "#,
        ),
    )
    .await;
    assert_passed(&r);
    let reqs = requests(&server).await;
    assert!(
        reqs.iter()
            .any(|q| q.method.as_str() == "DELETE" && q.url.path() == "/store/auth")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_session_then_expecting_a_session_fails() {
    let (server, _) = fake().await;
    let r = run_yaml(
        &server.uri(),
        &logged_in(
            r#"
            - name: logout
              delete_session: {}
            - name: session still there?
              get_session: {}
              expect: {status: 200}
            "#,
        ),
    )
    .await;
    assert_check_fails(&r, "session still there?", "status", "got 401");
}

#[tokio::test(flavor = "multi_thread")]
async fn register_posts_to_store_customers() {
    let (server, _) = fake().await;
    let ok = run_yaml(
        &server.uri(),
        r#"
        name: register
        steps:
          - name: register
            register: {email: reg@x.com, password: pw123456, first_name: A}
            expect: {status: 200, json: {$.customer.email: reg@x.com, $.customer.id: {matches: "^cus_"}}}
        "#,
    )
    .await;
    assert_passed(&ok);
    let again = run_yaml(
        &server.uri(),
        r#"
        name: register
        steps:
          - name: register again
            register: {email: reg@x.com, password: pw123456}
            expect: {status: 200}
        "#,
    )
    .await;
    assert_check_fails(
        &again,
        "register again",
        "status",
        "expected status 200, got 422",
    );
    let reqs = requests(&server).await;
    assert!(
        reqs.iter()
            .all(|q| q.method.as_str() == "POST" && q.url.path() == "/store/customers")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn raw_request_sends_method_path_query_headers_json_and_body() {
    let server = echo_server().await;
    let r = run_yaml(
        &server.uri(),
        r#"
        name: raw
        vars: {v: "x y&z"}
        steps:
          - name: json
            request:
              method: patch
              path: /echo/thing
              query: {a: "1", b: "{{ v }}"}
              headers: {X-Test: hello}
              json: {k: "{{ v }}", n: 3}
            expect:
              json:
                $.method: PATCH
                $.path: /echo/thing
                $.query: "a=1&b=x+y%26z"
                $.headers['x-test']: hello
                $.headers['content-type']: application/json
                $.body: '{"k":"x y&z","n":3}'
          - name: raw body
            request:
              method: PUT
              path: echo/raw
              headers: {Content-Type: text/plain}
              body: "raw text {{ v }}"
            expect:
              json: {$.method: PUT, $.path: /echo/raw, $.body: "raw text x y&z", "$.headers['content-type']": text/plain}
          - name: json with own content type
            request: {method: POST, path: /echo/ct, headers: {Content-Type: application/merge-patch+json}, json: [1]}
            expect:
              json: {"$.headers['content-type']": application/merge-patch+json, $.body: "[1]"}
        "#,
    )
    .await;
    assert_passed(&r);
}

#[tokio::test(flavor = "multi_thread")]
async fn raw_request_mismatch_fails_with_the_json_check() {
    let server = echo_server().await;
    let r = run_yaml(
        &server.uri(),
        r#"
        name: raw
        steps:
          - name: json
            request: {method: DELETE, path: /echo/x}
            expect: {json: {$.method: GET}}
        "#,
    )
    .await;
    assert_check_fails(
        &r,
        "json",
        "json $.method",
        r#"expected "GET", got "DELETE""#,
    );
}

// ---------------------------------------------------------------------------------------------
// Step overrides and actors
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn cookies_false_sends_no_cookie_but_the_jar_is_kept() {
    let (server, _) = fake().await;
    let r = run_yaml(
        &server.uri(),
        &logged_in(
            r#"
            - name: no cookies
              cookies: false
              get_session: {}
              expect: {status: 401}
            - name: echo no cookies
              cookies: false
              request: {method: GET, path: /echo/a}
              expect: {json: {$.headers.cookie: {absent: true}}}
            - name: jar still there
              get_session: {}
              expect: {status: 200}
            "#,
        ),
    )
    .await;
    assert_passed(&r);
}

#[tokio::test(flavor = "multi_thread")]
async fn cookies_false_then_expecting_a_session_fails() {
    let (server, _) = fake().await;
    let r = run_yaml(
        &server.uri(),
        &logged_in(
            "- name: no cookies\n  cookies: false\n  get_session: {}\n  expect: {status: 200}\n",
        ),
    )
    .await;
    assert_check_fails(&r, "no cookies", "status", "got 401");
}

#[tokio::test(flavor = "multi_thread")]
async fn bearer_false_and_given_and_extra_headers() {
    let (server, _) = fake().await;
    let r = run_yaml(
        &server.uri(),
        r#"
        name: bearer
        vars:
          email: "{{ unique_email() }}"
          password: "Pw-{{ random_string(10) }}"
        setup:
          - register: {email: "{{ email }}", password: "{{ password }}"}
          - get_token: {email: "{{ email }}", password: "{{ password }}"}
        steps:
          - name: no bearer
            bearer: false
            get_session: {}
            expect: {status: 401}
          - name: echo no bearer
            bearer: false
            request: {method: GET, path: /echo/a}
            expect: {json: {$.headers.authorization: {absent: true}}}
          - name: given bearer
            bearer: "x"
            request: {method: GET, path: /echo/b}
            expect: {json: {$.headers.authorization: Bearer x}}
          - name: given bearer is not accepted
            bearer: "not-a-token"
            get_session: {}
            expect: {status: 401}
          - name: extra headers
            headers: {X-Extra: "v-{{ email }}", Authorization: "Basic abc"}
            request: {method: GET, path: /echo/c}
            expect:
              json:
                $.headers['x-extra']: "v-{{ email }}"
                $.headers.authorization: Basic abc
          - name: a Cookie header replaces the jar
            headers: {Cookie: "a=b"}
            request: {method: GET, path: /echo/d}
            expect: {json: {$.headers.cookie: a=b}}
          - name: session token still sent
            get_session: {}
            expect: {status: 200}
        "#,
    )
    .await;
    assert_passed(&r);
}

#[tokio::test(flavor = "multi_thread")]
async fn bearer_given_then_expecting_session_token_fails() {
    let server = echo_server().await;
    let r = run_yaml(
        &server.uri(),
        "name: t\nsteps:\n  - name: given\n    bearer: abcdef\n    request: {method: GET, path: /echo}\n    expect: {json: {$.headers.authorization: Bearer other}}\n",
    )
    .await;
    let (_, f) = first_failure(&r);
    assert_eq!(f.check, "json $.headers.authorization");
}

#[tokio::test(flavor = "multi_thread")]
async fn bearer_jwt_alg_none_tamper_and_claims_swap() {
    let (server, _) = fake().await;
    let env = HashMap::from([("TEST_JWT_SECRET".to_string(), JWT_SECRET.to_string())]);
    let sc = plan_yaml(
        r#"
        name: jwt
        vars:
          email: "{{ unique_email() }}"
          password: "Pw-{{ random_string(10) }}"
        setup:
          - register: {email: "{{ email }}", password: "{{ password }}"}
          - register: {email: "other-{{ email }}", password: "{{ password }}"}
            capture: {other_id: $.customer.id}
          - get_token: {email: "{{ email }}", password: "{{ password }}"}
            capture: {token: $.access_token}
        steps:
          - name: same token rebuilt keeps verifying
            bearer: {jwt: {from: "{{ token }}", keep_signature: true}}
            get_session: {}
            expect: {status: 200}
          - name: alg none
            bearer: {jwt: {from: "{{ token }}", alg: none}}
            get_session: {}
            expect: {status: 401}
          - name: alg none shape
            bearer: {jwt: {from: "{{ token }}", alg: none}}
            request: {method: GET, path: /echo/none}
            expect:
              json: {$.bearer: {ends_with: "."}}
              jwt: {from: $.bearer, header: {alg: none}, claims: {domain: store}}
          - name: tampered
            bearer: {jwt: {from: "{{ token }}", tamper_signature: true}}
            get_session: {}
            expect: {status: 401}
          - name: claims swapped with the old signature
            bearer: {jwt: {from: "{{ token }}", claims: {customer_id: "{{ other_id }}"}, keep_signature: true}}
            get_session: {}
            expect: {status: 401}
          - name: claims swapped shape
            bearer: {jwt: {from: "{{ token }}", claims: {customer_id: "{{ other_id }}", iat: null}, keep_signature: true}}
            request: {method: GET, path: /echo/swap}
            expect:
              jwt: {from: $.bearer, header: {alg: HS256}, claims: {customer_id: "{{ other_id }}", iat: {absent: true}, domain: store}}
          - name: forged with the right secret
            bearer: {jwt: {claims: {customer_id: "{{ other_id }}", domain: store}, secret: "{{ env.TEST_JWT_SECRET }}"}}
            get_session: {}
            expect: {status: 200, json: {$.customer.id: "{{ other_id }}"}}
          - name: HS512 without from
            bearer: {jwt: {claims: {a: 1}, alg: HS512, secret: s3cr3t-value}}
            request: {method: GET, path: /echo/hs512}
            expect:
              jwt: {from: $.bearer, header: {alg: HS512, typ: JWT}, claims: {a: 1}}
        "#,
    );
    let r = run::run_scenario(&sc, &ctx_env(&server.uri(), env), 0).await;
    assert_passed(&r);
}

#[tokio::test(flavor = "multi_thread")]
async fn bearer_jwt_alg_none_is_rejected_so_expecting_200_fails() {
    let (server, _) = fake().await;
    let r = run_yaml(
        &server.uri(),
        r#"
        name: jwt
        vars:
          email: "{{ unique_email() }}"
          password: "Pw-{{ random_string(10) }}"
        setup:
          - register: {email: "{{ email }}", password: "{{ password }}"}
          - get_token: {email: "{{ email }}", password: "{{ password }}"}
            capture: {token: $.access_token}
        steps:
          - name: alg none
            bearer: {jwt: {from: "{{ token }}", alg: none}}
            get_session: {}
            expect: {status: 200}
        "#,
    )
    .await;
    assert_check_fails(&r, "alg none", "status", "got 401");
}

#[tokio::test(flavor = "multi_thread")]
async fn bearer_jwt_without_secret_is_a_step_error() {
    let server = echo_server().await;
    let r = run_yaml(
        &server.uri(),
        "name: t\nsteps:\n  - name: unsigned\n    bearer: {jwt: {claims: {a: 1}}}\n    request: {method: GET, path: /echo}\n",
    )
    .await;
    assert_eq!(r.status, Status::Failed);
    let s = &r.steps[0];
    assert_eq!(s.status, StepStatus::Error);
    assert!(
        s.error.as_deref().unwrap().contains("needs `secret`"),
        "{:?}",
        s.error
    );
    assert!(requests(&server).await.is_empty(), "nothing must be sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn actors_have_separate_cookie_jars() {
    let (server, _) = fake().await;
    let r = run_yaml(
        &server.uri(),
        &logged_in(
            r#"
            - name: default sees the session
              get_session: {}
              expect: {status: 200}
            - name: bob does not
              as: bob
              get_session: {}
              expect: {status: 401}
            - name: bob sends no cookie
              as: bob
              request: {method: GET, path: /echo/bob}
              expect: {json: {$.headers.cookie: {absent: true}}}
            - name: default sends its cookie
              request: {method: GET, path: /echo/default}
              expect: {json: {$.headers.cookie: {starts_with: "connect.sid="}}}
            "#,
        ),
    )
    .await;
    assert_passed(&r);
    assert_eq!(r.steps.iter().filter(|s| s.actor == "bob").count(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn bob_expecting_defaults_session_fails() {
    let (server, _) = fake().await;
    let r = run_yaml(
        &server.uri(),
        &logged_in("- name: bob\n  as: bob\n  get_session: {}\n  expect: {status: 200}\n"),
    )
    .await;
    assert_check_fails(&r, "bob", "status", "got 401");
}

// ---------------------------------------------------------------------------------------------
// Captures
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn every_capture_kind_feeds_later_templates() {
    let (server, _) = fake().await;
    let r = run_yaml(
        &server.uri(),
        &logged_in(
            r#"
            - name: login again, capturing
              authenticate: {email: "{{ email }}", password: "{{ password }}"}
              capture:
                customer_id: $.customer.id
                customer_email: {json: $.customer.email}
                sid: {cookie: connect.sid}
                cookie_path: {cookie: connect.sid, attr: path}
                jar_sid: {cookie: connect.sid, jar: true}
                code: {status: true}
                id_digits: {regex: '"id":"cus_(\d+)"', group: 1}
            - name: echo captures
              request:
                method: GET
                path: "/echo/{{ customer_id }}"
                query: {p: "{{ cookie_path }}", d: "{{ id_digits }}"}
              capture:
                rid: {header: X-Request-Id}
              expect:
                json:
                  $.path: "/echo/{{ customer_id }}"
                  $.query: "p=%2F&d={{ id_digits }}"
            - name: status capture keeps its type
              request: {method: POST, path: /echo/typed, json: {code: "{{ code }}", email: "{{ customer_email }}"}}
              expect: {json: {$.body: '{"code":200,"email":"{{ customer_email }}"}'}}
            - name: header capture
              request: {method: GET, path: "/echo/{{ rid }}"}
              expect: {json: {$.path: /echo/req-123abc}}
            - name: captured cookie value works for another actor
              as: bob
              headers: {Cookie: "connect.sid={{ sid }}"}
              get_session: {}
              expect: {status: 200, json: {$.customer.id: "{{ customer_id }}"}}
            - name: jar value equals the Set-Cookie value
              as: bob
              headers: {Cookie: "connect.sid={{ jar_sid }}"}
              get_session: {}
              expect: {status: 200}
            "#,
        ),
    )
    .await;
    assert_passed(&r);
}

#[tokio::test(flavor = "multi_thread")]
async fn captures_that_find_nothing_fail_the_step() {
    let server = echo_server().await;
    let cases = [
        ("x: $.nope", "capture x", "`$.nope` selects nothing"),
        ("x: {header: X-Nope}", "capture x", "no `x-nope` header"),
        (
            "x: {cookie: connect.sid}",
            "capture x",
            "sets no `connect.sid` cookie",
        ),
        (
            "x: {cookie: connect.sid, jar: true}",
            "capture x",
            "no `connect.sid` cookie in the jar",
        ),
        (
            "x: {regex: 'zzz(\\d+)'}",
            "capture x",
            "does not match the body",
        ),
        ("x: $.headers.*", "capture x", "selects"),
    ];
    for (cap, check, msg) in cases {
        let yaml = format!(
            "name: t\nsteps:\n  - name: cap\n    request: {{method: GET, path: /echo}}\n    capture:\n      {cap}\n"
        );
        let r = run::run_scenario(&plan_yaml(&yaml), &ctx(&server.uri()), 0).await;
        assert_check_fails(&r, "cap", check, msg);
    }
}

// ---------------------------------------------------------------------------------------------
// Expectations
// ---------------------------------------------------------------------------------------------

fn data_body() -> Value {
    json!({
        "s": "hello world", "n": 5, "f": 2.5, "b": true, "z": null,
        "arr": [1, 2, 3], "obj": {"a": 1, "b": 2}, "email": "a@x.com", "list": [{"id": 1}, {"id": 2}]
    })
}

async fn data_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/data"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(data_body())
                .insert_header("x-request-id", "req-123abc"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/utf8"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(b"{\"ok\":true}".to_vec(), "application/json; charset=utf-8"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/empty"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let expires = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(3600));
    Mock::given(method("GET"))
        .and(path("/cookie"))
        .respond_with(
            ResponseTemplate::new(200)
                .append_header(
                    "set-cookie",
                    format!("connect.sid=s%3Afixedvalue.sig; Path=/; Expires={expires}; HttpOnly")
                        .as_str(),
                )
                .append_header(
                    "set-cookie",
                    "other=1; Path=/store; Max-Age=60; Secure; SameSite=Strict",
                )
                .set_body_json(json!({"ok": true})),
        )
        .mount(&server)
        .await;
    server
}

/// Runs one step against `server` with the given `expect:` body (YAML, indented by 6).
async fn expect_case(
    c: &run::Context,
    req_path: &str,
    expect: &str,
) -> medusa_conform::report::event::ScenarioReport {
    let yaml = format!(
        "name: t\nsteps:\n  - name: check\n    request: {{method: GET, path: {req_path}}}\n    expect:\n{}",
        expect
            .lines()
            .map(|l| format!("      {l}\n"))
            .collect::<String>()
    );
    let sc = try_plan(&yaml, &Specs::default()).unwrap_or_else(|e| panic!("{yaml}\n{e}"));
    run::run_scenario(&sc, c, 0).await
}

#[tokio::test(flavor = "multi_thread")]
async fn status_code_list_and_class() {
    let server = data_server().await;
    let c = ctx(&server.uri());
    for ok in ["status: 200", "status: [200, 204]", "status: \"2xx\""] {
        assert_passed(&expect_case(&c, "/data", ok).await);
    }
    for (bad, msg) in [
        ("status: 201", "expected status 201, got 200 OK"),
        (
            "status: [201, 204]",
            "expected status one of [201, 204], got 200 OK",
        ),
        ("status: \"4xx\"", "expected status 4xx, got 200 OK"),
    ] {
        assert_check_fails(&expect_case(&c, "/data", bad).await, "check", "status", msg);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn content_type_media_type_and_absent() {
    let server = data_server().await;
    let c = ctx(&server.uri());
    assert_passed(&expect_case(&c, "/data", "content_type: application/json").await);
    assert_passed(&expect_case(&c, "/utf8", "content_type: application/json").await);
    assert_passed(
        &expect_case(
            &c,
            "/utf8",
            "content_type: 'application/json; charset=utf-8'",
        )
        .await,
    );
    assert_passed(&expect_case(&c, "/utf8", "content_type: {starts_with: application/}").await);
    assert_passed(&expect_case(&c, "/empty", "content_type: {absent: true}").await);
    assert_check_fails(
        &expect_case(&c, "/data", "content_type: {absent: true}").await,
        "check",
        "content_type",
        "got \"application/json\"",
    );
    assert_check_fails(
        &expect_case(&c, "/empty", "content_type: application/json").await,
        "check",
        "content_type",
        "nothing (absent)",
    );
    assert_check_fails(
        &expect_case(&c, "/data", "content_type: text/html").await,
        "check",
        "content_type",
        "expected \"text/html\"",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn header_predicates() {
    let server = data_server().await;
    let c = ctx(&server.uri());
    assert_passed(&expect_case(&c, "/data", "headers: {X-Request-Id: req-123abc, x-request-id: {matches: '^req-\\d+'}, X-Nope: {absent: true}}").await);
    assert_check_fails(
        &expect_case(&c, "/data", "headers: {X-Request-Id: other}").await,
        "check",
        "header x-request-id",
        "expected \"other\", got \"req-123abc\"",
    );
    assert_check_fails(
        &expect_case(&c, "/data", "headers: {X-Request-Id: {matches: '^abc'}}").await,
        "check",
        "header x-request-id",
        "matching /^abc/",
    );
    assert_check_fails(
        &expect_case(&c, "/data", "headers: {X-Request-Id: {absent: true}}").await,
        "check",
        "header x-request-id",
        "expected absent",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cookie_expectations() {
    let server = data_server().await;
    let c = ctx(&server.uri());
    let ok = [
        "cookies: {connect.sid: {}}",
        "cookies: {nope: {absent: true}}",
        "cookies: {connect.sid: {http_only: true, secure: false, same_site: {absent: true}, path: /, expires_in: {gte: 3590, lte: 3601}}}",
        "cookies: {connect.sid: {value: {starts_with: 's%3A'}, domain: {absent: true}, max_age: {absent: true}}}",
        "cookies: {other: {secure: true, same_site: Strict, max_age: 60, path: /store, http_only: false}}",
        "cookies: {connect.sid: {expires: {ends_with: GMT}}}",
    ];
    for e in ok {
        assert_passed(&expect_case(&c, "/cookie", e).await);
    }
    let bad = [
        (
            "/data",
            "cookies: {connect.sid: {}}",
            "cookie connect.sid",
            "has no Set-Cookie for it",
        ),
        (
            "/cookie",
            "cookies: {connect.sid: {absent: true}}",
            "cookie connect.sid",
            "expected no Set-Cookie for `connect.sid`",
        ),
        (
            "/cookie",
            "cookies: {connect.sid: {http_only: false}}",
            "cookie connect.sid http_only",
            "expected false, got true",
        ),
        (
            "/cookie",
            "cookies: {connect.sid: {secure: true}}",
            "cookie connect.sid secure",
            "expected true, got false",
        ),
        (
            "/cookie",
            "cookies: {connect.sid: {same_site: Lax}}",
            "cookie connect.sid same_site",
            "nothing (absent)",
        ),
        (
            "/cookie",
            "cookies: {other: {same_site: {absent: true}}}",
            "cookie other same_site",
            "\"Strict\"",
        ),
        (
            "/cookie",
            "cookies: {connect.sid: {path: /store}}",
            "cookie connect.sid path",
            "got \"/\"",
        ),
        (
            "/cookie",
            "cookies: {connect.sid: {expires_in: {gte: 7200}}}",
            "cookie connect.sid expires_in",
            "a number >= 7200",
        ),
        (
            "/cookie",
            "cookies: {connect.sid: {value: wrong}}",
            "cookie connect.sid value",
            "expected \"wrong\"",
        ),
    ];
    for (p, e, check, msg) in bad {
        assert_check_fails(&expect_case(&c, p, e).await, "check", check, msg);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cookie_value_equals_a_captured_value() {
    let server = data_server().await;
    let yaml = r#"
        name: t
        steps:
          - name: first
            request: {method: GET, path: /cookie}
            capture: {sid: {cookie: connect.sid}}
          - name: second
            request: {method: GET, path: /cookie}
            expect: {cookies: {connect.sid: {value: "{{ sid }}"}}}
          - name: third
            request: {method: GET, path: /cookie}
            expect: {cookies: {connect.sid: {value: {not: "{{ sid }}"}}}}
    "#;
    let r = run_yaml(&server.uri(), yaml).await;
    let (s, f) = first_failure(&r);
    assert_eq!(
        (s.name.as_str(), f.check.as_str()),
        ("third", "cookie connect.sid value")
    );
    assert_eq!(r.steps[1].status, StepStatus::Passed);
    // The captured cookie value is a secret: the failure shows it masked.
    assert!(!f.message.contains("fixedvalue"), "{}", f.message);
}

/// (predicate on a path that passes, one that fails, expected failure message part).
const JSON_CASES: &[(&str, &str, &str)] = &[
    (
        "$.s: hello world",
        "$.s: bye",
        r#"expected "bye", got "hello world""#,
    ),
    (
        "$.obj: {equals: {b: 2, a: 1}}",
        "$.obj: {equals: {a: 1}}",
        r#"expected {"a":1}"#,
    ),
    (
        "$.list[1]: {equals: {id: 2}}",
        "$.list[0]: {equals: {id: 2}}",
        r#"expected {"id":2}, got {"id":1}"#,
    ),
    ("$.n: 5.0", "$.n: 6", "expected 6, got 5"),
    ("$.s: {not: bye}", "$.s: {not: hello world}", "expected not"),
    (
        "$.email: {matches: '^a@'}",
        "$.email: {matches: '^b@'}",
        "matching /^b@/",
    ),
    (
        "$.n: {type: integer}",
        "$.f: {type: integer}",
        "type integer, got 2.5",
    ),
    ("$.arr: {type: array}", "$.obj: {type: array}", "type array"),
    (
        "$.z: {type: 'null'}",
        "$.b: {type: string}",
        "type string, got true",
    ),
    (
        "$.missing: {absent: true}",
        "$.s: {absent: true}",
        "expected absent",
    ),
    (
        "$.s: {absent: false}",
        "$.missing: {absent: false}",
        "nothing (absent)",
    ),
    (
        "$.arr: {length: 3}",
        "$.arr: {length: {gt: 3}}",
        "length a number > 3",
    ),
    (
        "$.s: {length: 11}",
        "$.obj: {length: 3}",
        "length 3, got length 2",
    ),
    (
        "$.arr: {contains: 2}",
        "$.arr: {contains: 9}",
        "containing 9",
    ),
    (
        "$.s: {contains: lo wo}",
        "$.s: {contains: xyz}",
        "containing",
    ),
    ("$.obj: {contains: a}", "$.obj: {contains: c}", "containing"),
    (
        "$.n: {one_of: [4, 5]}",
        "$.n: {one_of: [1, 2]}",
        "one of [1,2]",
    ),
    (
        "$.n: {gt: 4, gte: 5, lt: 6, lte: 5}",
        "$.n: {gt: 5}",
        "a number > 5",
    ),
    ("$.f: {gte: 2.5}", "$.n: {gte: 6}", "a number >= 6"),
    ("$.n: {lt: 5.5}", "$.n: {lt: 5}", "a number < 5"),
    ("$.n: {lte: 5}", "$.n: {lte: 4}", "a number <= 4"),
    (
        "$.email: {starts_with: a@}",
        "$.email: {starts_with: b@}",
        "starting with \"b@\"",
    ),
    (
        "$.email: {ends_with: .com}",
        "$.email: {ends_with: .org}",
        "ending with \".org\"",
    ),
    (
        "$.obj: {keys: [b, a]}",
        "$.obj: {keys: [a]}",
        "exactly the keys [\"a\"]",
    ),
    ("$.b: true", "$.b: false", "expected false, got true"),
];

#[tokio::test(flavor = "multi_thread")]
async fn json_predicates_pass_and_fail() {
    let server = data_server().await;
    let c = ctx(&server.uri());
    for (ok, bad, msg) in JSON_CASES {
        let r = expect_case(&c, "/data", &format!("json:\n  {ok}")).await;
        assert_eq!(
            r.status,
            Status::Passed,
            "`{ok}` should pass: {}",
            explain(&r)
        );
        let r = expect_case(&c, "/data", &format!("json:\n  {bad}")).await;
        let path = bad.split(": ").next().unwrap();
        assert_check_fails(&r, "check", &format!("json {path}"), msg);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn json_diff_names_paths_and_multi_selects_fail() {
    let server = data_server().await;
    let c = ctx(&server.uri());
    let r = expect_case(&c, "/data", "json:\n  $.obj: {equals: {a: 2, c: 3}}").await;
    let (_, f) = first_failure(&r);
    // Diff paths are shown from the document root.
    assert_eq!(
        f.diff,
        [
            "$.obj.a: expected 2, got 1",
            "$.obj.c: missing (expected 3)",
            "$.obj.b: unexpected key"
        ]
    );
    let r = expect_case(&c, "/data", "json:\n  $.arr[*]: 1").await;
    assert_check_fails(&r, "check", "json $.arr[*]", "selects 3 values");
    let r = expect_case(&c, "/empty", "json:\n  $.a: 1").await;
    assert_check_fails(&r, "check", "json $.a", "expected a JSON body");
}

#[tokio::test(flavor = "multi_thread")]
async fn body_predicate() {
    let server = data_server().await;
    let c = ctx(&server.uri());
    assert_passed(&expect_case(&c, "/data", "body: {contains: hello world}").await);
    assert_passed(&expect_case(&c, "/empty", "body: ''").await);
    assert_check_fails(
        &expect_case(&c, "/data", "body: {starts_with: '<html'}").await,
        "check",
        "body",
        "starting with \"<html\"",
    );
}

fn schema_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Res.json"),
        r#"{"type": "object", "required": ["customer"], "properties": {"customer": {"$ref": "Customer.json"}}}"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("Customer.json"),
        r#"{"type": "object", "required": ["id"], "additionalProperties": false,
            "properties": {"id": {"type": "string"}, "parent": {"$ref": "Res.json"}}}"#,
    )
    .unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread")]
async fn schema_with_mutual_refs() {
    let dir = schema_dir();
    let specs = Specs::load(dir.path()).unwrap();
    assert_eq!(specs.names().collect::<Vec<_>>(), ["Customer", "Res"]);
    let server = MockServer::start().await;
    Mock::given(path("/good"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"customer": {"id": "cus_1", "parent": {"customer": {"id": "cus_0"}}}}),
        ))
        .mount(&server)
        .await;
    Mock::given(path("/bad"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"customer": {"id": "cus_1", "parent": {"customer": {"id": 7}}, "extra": 1}}),
        ))
        .mount(&server)
        .await;
    Mock::given(path("/text"))
        .respond_with(ResponseTemplate::new(200).set_body_string("hi"))
        .mount(&server)
        .await;
    let yaml = |p: &str| {
        format!(
            "name: t\nsteps:\n  - name: check\n    request: {{method: GET, path: {p}}}\n    expect: {{schema: Res}}\n"
        )
    };
    let r = run::run_scenario(&plan_with(&yaml("/good"), &specs), &ctx(&server.uri()), 0).await;
    assert_passed(&r);
    // The default (contract) level drops `additionalProperties: false`: only the wrong type.
    let r = run::run_scenario(&plan_with(&yaml("/bad"), &specs), &ctx(&server.uri()), 0).await;
    assert_check_fails(
        &r,
        "check",
        "schema Res",
        "does not match schema Res (1 violation)",
    );
    // `--strict` checks the schema as written: the extra key too.
    let mut strict = plan_with(&yaml("/bad"), &specs);
    strict.strict = true;
    let r = run::run_scenario(&strict, &ctx(&server.uri()), 0).await;
    assert_check_fails(
        &r,
        "check",
        "schema Res",
        "does not match schema Res (2 violations)",
    );
    let (_, f) = first_failure(&r);
    let mut at: Vec<(&str, &str)> = f
        .violations
        .iter()
        .map(|v| (v.instance_path.as_str(), v.keyword.as_str()))
        .collect();
    at.sort();
    assert_eq!(
        at,
        [
            ("/customer", "additionalProperties"),
            ("/customer/parent/customer/id", "type")
        ]
    );
    let r = run::run_scenario(&plan_with(&yaml("/text"), &specs), &ctx(&server.uri()), 0).await;
    assert_check_fails(
        &r,
        "check",
        "schema Res",
        "expected a JSON body for schema Res",
    );
    // An unknown schema name is a plan error with a suggestion.
    let e = try_plan(&yaml("/good").replace("schema: Res", "schema: Rez"), &specs).unwrap_err();
    assert!(
        e.contains("unknown schema `Rez`") && e.contains("did you mean `Res`?"),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn jwt_expectations() {
    let (server, _) = fake().await;
    let old = medusa_conform::engine::jwt::sign_hs256(
        &json!({"iat": now() - 3600, "exp": now() - 3600 + 60, "domain": "store"}),
        b"k",
    );
    Mock::given(path("/old-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"access_token": old})))
        .with_priority(1)
        .mount(&server)
        .await;
    let base = r#"
        name: t
        vars:
          email: "{{ unique_email() }}"
          password: "Pw-{{ random_string(10) }}"
        setup:
          - register: {email: "{{ email }}", password: "{{ password }}"}
            capture: {cid: $.customer.id}
        steps:
          - name: token
            get_token: {email: "{{ email }}", password: "{{ password }}"}
            expect:
              status: 200
              jwt: JWT
    "#;
    // A fresh fake per case: the seeded email is the same in every run.
    let run_jwt = |j: &str| {
        let yaml = base.replace("JWT", j);
        async move {
            let (server, _) = fake().await;
            run_yaml(&server.uri(), &yaml).await
        }
    };
    assert_passed(
        &run_jwt("{from: $.access_token, header: {alg: HS256, typ: JWT}, claims: {domain: store, customer_id: \"{{ cid }}\", $.exp: {type: integer}}, lifetime: 2592000, issued_within: 60}").await,
    );
    assert_passed(&run_jwt("{from: $.access_token, lifetime: {gte: 86400}}").await);
    assert_check_fails(
        &run_jwt("{from: $.access_token, claims: {domain: admin}}").await,
        "token",
        "jwt $.access_token claims domain",
        "expected \"admin\", got \"store\"",
    );
    assert_check_fails(
        &run_jwt("{from: $.access_token, header: {alg: none}}").await,
        "token",
        "jwt $.access_token header alg",
        "got \"HS256\"",
    );
    assert_check_fails(
        &run_jwt("{from: $.access_token, lifetime: 86400}").await,
        "token",
        "jwt $.access_token lifetime (exp - iat)",
        "expected 86400, got 2592000",
    );
    assert_check_fails(
        &run_jwt("{from: $.nope}").await,
        "token",
        "jwt $.nope",
        "expected a token string at $.nope",
    );
    let old_yaml = "name: t\nsteps:\n  - name: old\n    request: {method: GET, path: /old-token}\n    expect: {jwt: {from: $.access_token, issued_within: 300}}\n";
    assert_check_fails(
        &run_yaml(&server.uri(), old_yaml).await,
        "old",
        "jwt $.access_token iat",
        "expected iat within 300s of now",
    );
    let ok_old = old_yaml.replace("issued_within: 300", "issued_within: 4000, lifetime: 60");
    assert_passed(&run_yaml(&server.uri(), &ok_old).await);
}

// ---------------------------------------------------------------------------------------------
// Retry, timeouts, broken targets
// ---------------------------------------------------------------------------------------------

/// 503 for the first `fail` calls, then 200.
async fn flaky_server(fail: usize) -> MockServer {
    let server = MockServer::start().await;
    let n = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    Mock::given(path("/flaky"))
        .respond_with(move |_: &Request| {
            if n.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < fail {
                ResponseTemplate::new(503).set_body_string("busy")
            } else {
                ResponseTemplate::new(200).set_body_json(json!({"ok": true}))
            }
        })
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn retry_resends_until_expectations_hold() {
    let server = flaky_server(2).await;
    let yaml = "name: t\nsteps:\n  - name: flaky\n    request: {method: GET, path: /flaky}\n    retry: {times: 3, interval: 10ms}\n    expect: {status: 200, json: {$.ok: true}}\n";
    let r = run_yaml(&server.uri(), yaml).await;
    assert_passed(&r);
    assert_eq!(r.steps[0].attempts, 3);
    assert_eq!(requests(&server).await.len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_retry_the_first_503_fails() {
    let server = flaky_server(2).await;
    let r = run_yaml(&server.uri(), "name: t\nsteps:\n  - name: flaky\n    request: {method: GET, path: /flaky}\n    expect: {status: 200}\n").await;
    assert_check_fails(
        &r,
        "flaky",
        "status",
        "expected status 200, got 503 Service Unavailable",
    );
    assert_eq!(r.steps[0].attempts, 1);
    assert_eq!(
        requests(&server).await.len(),
        1,
        "each request is sent exactly once"
    );
    // Too few retries fail too, after times + 1 attempts.
    let server = flaky_server(5).await;
    let r = run_yaml(&server.uri(), "name: t\nsteps:\n  - name: flaky\n    request: {method: GET, path: /flaky}\n    retry: {times: 2, interval: 1ms}\n    expect: {status: 200}\n").await;
    assert_check_fails(&r, "flaky", "status", "got 503");
    assert_eq!(r.steps[0].attempts, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn step_timeout_is_an_error() {
    let server = MockServer::start().await;
    Mock::given(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    Mock::given(path("/fast"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let r = run_yaml(
        &server.uri(),
        "name: t\nsteps:\n  - name: slow\n    request: {method: GET, path: /slow}\n    timeout: 200ms\n  - name: after\n    request: {method: GET, path: /fast}\nteardown:\n  - name: cleanup\n    request: {method: GET, path: /fast}\n",
    )
    .await;
    assert_eq!(r.status, Status::Failed);
    let s = &r.steps[0];
    assert_eq!(s.status, StepStatus::Error);
    assert!(
        s.error.as_deref().unwrap().contains("timeout"),
        "{:?}",
        s.error
    );
    assert_eq!(r.steps[1].status, StepStatus::NotRun);
    assert_eq!(r.steps[2].status, StepStatus::Passed);
    assert!(human::failure(&r, false).contains("step `slow` got no usable response"));
    // The same step with a generous timeout passes.
    let r = run_yaml(&server.uri(), "name: t\nsteps:\n  - name: fast\n    request: {method: GET, path: /fast}\n    timeout: 200ms\n").await;
    assert_passed(&r);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_target_that_is_not_http_is_reported_not_a_panic() {
    let uri = garbage_server().await;
    let r = run_yaml(
        &uri,
        "name: t\nsteps:\n  - name: garbage\n    get_session: {}\n    expect: {status: 200}\n",
    )
    .await;
    assert_eq!(r.status, Status::Failed);
    assert_eq!(r.steps[0].status, StepStatus::Error);
    let msg = r.steps[0].error.clone().unwrap();
    assert!(msg.starts_with("GET "), "{msg}");
    assert!(human::failure(&r, false).contains("got no usable response"));
    // And a dead port.
    let r = run_yaml(
        "http://127.0.0.1:1",
        "name: t\nsteps:\n  - name: dead\n    get_session: {}\n",
    )
    .await;
    assert_eq!(r.steps[0].status, StepStatus::Error);
    assert!(
        r.steps[0]
            .error
            .as_deref()
            .unwrap()
            .contains("could not connect"),
        "{:?}",
        r.steps[0].error
    );
}

// ---------------------------------------------------------------------------------------------
// Known bugs, requires, teardown
// ---------------------------------------------------------------------------------------------

const KNOWN_BUG: &str = r#"
    name: kb
    known_bug: {issue: medusajs/medusa#5930, reason: bearer tokens survive logout}
    setup:
      - name: setup step
        request: {method: GET, path: /data}
        expect: {status: SETUP}
    steps:
      - name: the bug
        request: {method: GET, path: /data}
        expect: {status: STEP}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn known_bug_reproduces_passes_as_known_bug() {
    let server = data_server().await;
    let r = run_yaml(
        &server.uri(),
        &KNOWN_BUG.replace("SETUP", "200").replace("STEP", "401"),
    )
    .await;
    assert_eq!(r.status, Status::KnownBug, "{}", explain(&r));
    let note = r.note.clone().unwrap();
    assert!(
        note.contains("known bug medusajs/medusa#5930 reproduces at step `the bug`"),
        "{note}"
    );
    assert!(
        note.contains("https://github.com/medusajs/medusa/issues/5930"),
        "{note}"
    );
    assert!(junit::render(&[r]).contains("reproduces"));
}

#[tokio::test(flavor = "multi_thread")]
async fn known_bug_that_no_longer_reproduces_fails_under_strict() {
    let server = data_server().await;
    let mut sc = plan_yaml(&KNOWN_BUG.replace("SETUP", "200").replace("STEP", "200"));
    sc.strict = true;
    let r = run::run_scenario(&sc, &ctx(&server.uri()), 0).await;
    assert_eq!(r.status, Status::Failed, "{}", explain(&r));
    assert!(
        r.note.as_deref().unwrap().contains("no longer reproduces"),
        "{:?}",
        r.note
    );
    assert!(human::failure(&r, false).contains("no longer reproduces"));
}

#[tokio::test(flavor = "multi_thread")]
async fn known_bug_that_no_longer_reproduces_passes_the_contract_run_with_a_note() {
    let server = data_server().await;
    let r = run_yaml(
        &server.uri(),
        &KNOWN_BUG.replace("SETUP", "200").replace("STEP", "200"),
    )
    .await;
    assert_eq!(r.status, Status::Passed, "{}", explain(&r));
    let note = r.note.as_deref().unwrap();
    assert!(note.contains("no longer reproduces"), "{note}");
    assert!(note.contains("--strict fails on this"), "{note}");
    assert!(
        human::summary(std::slice::from_ref(&r), 1, "t")
            .contains("known bugs that no longer reproduce")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn known_bug_setup_failure_is_a_real_failure() {
    let server = data_server().await;
    let r = run_yaml(
        &server.uri(),
        &KNOWN_BUG.replace("SETUP", "401").replace("STEP", "401"),
    )
    .await;
    assert_eq!(r.status, Status::Failed, "{}", explain(&r));
    assert!(
        r.note
            .as_deref()
            .unwrap()
            .contains("this is a real failure"),
        "{:?}",
        r.note
    );
    assert_eq!(r.steps[0].phase, Phase::Setup);
    assert_eq!(r.steps[1].status, StepStatus::NotRun);
}

#[tokio::test(flavor = "multi_thread")]
async fn known_bug_in_another_step_than_named_is_a_real_failure() {
    let server = data_server().await;
    let yaml = r#"
        name: kb
        known_bug: {issue: medusajs/medusa#1, reason: r, step: second}
        steps:
          - name: first
            request: {method: GET, path: /data}
            expect: {status: 401}
          - name: second
            request: {method: GET, path: /data}
            expect: {status: 401}
    "#;
    let r = run_yaml(&server.uri(), yaml).await;
    assert_eq!(r.status, Status::Failed, "{}", explain(&r));
    assert!(r.note.as_deref().unwrap().contains("real failure"));
    let r = run_yaml(&server.uri(), &yaml.replace("step: second", "step: first")).await;
    assert_eq!(r.status, Status::KnownBug, "{}", explain(&r));
}

#[tokio::test(flavor = "multi_thread")]
async fn requires_env_skips_with_the_reason() {
    let server = data_server().await;
    let yaml = "name: t\nrequires: {env: [MC_TEST_UNSET_VAR_1, MC_TEST_UNSET_VAR_2]}\nsteps:\n  - request: {method: GET, path: /data}\n    expect: {status: 200}\n";
    let r = run_yaml(&server.uri(), yaml).await;
    assert_eq!(r.status, Status::Skipped);
    assert_eq!(
        r.note.as_deref(),
        Some("requires environment variables MC_TEST_UNSET_VAR_1, MC_TEST_UNSET_VAR_2 (not set)")
    );
    assert!(r.steps.is_empty());
    assert!(requests(&server).await.is_empty());
    // With the variables set it runs (and a wrong expectation then fails).
    let env: HashMap<String, String> = [("MC_TEST_UNSET_VAR_1", "a"), ("MC_TEST_UNSET_VAR_2", "b")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let r = run::run_scenario(&plan_yaml(yaml), &ctx_env(&server.uri(), env.clone()), 0).await;
    assert_passed(&r);
    let r = run::run_scenario(
        &plan_yaml(&yaml.replace("status: 200", "status: 500")),
        &ctx_env(&server.uri(), env),
        0,
    )
    .await;
    assert_eq!(r.status, Status::Failed);
}

#[tokio::test(flavor = "multi_thread")]
async fn teardown_runs_after_a_failure() {
    let (server, _) = fake().await;
    let r = run_yaml(
        &server.uri(),
        &(logged_in(
            r#"
            - name: fails
              get_session: {}
              expect: {status: 500}
            - name: never runs
              get_session: {}
            "#,
        ) + "teardown:\n  - name: cleanup\n    delete_session: {}\n    expect: {status: 200}\n"),
    )
    .await;
    assert_check_fails(&r, "fails", "status", "got 200");
    let by_name = |n: &str| r.steps.iter().find(|s| s.name == n).unwrap();
    assert_eq!(by_name("never runs").status, StepStatus::NotRun);
    assert_eq!(by_name("cleanup").status, StepStatus::Passed);
    assert_eq!(by_name("cleanup").phase, Phase::Teardown);
    let reqs = requests(&server).await;
    assert_eq!(reqs.last().unwrap().method.as_str(), "DELETE");
    assert_eq!(
        reqs.iter()
            .filter(|q| q.method.as_str() == "GET" && q.url.path() == "/store/auth")
            .count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_teardown_fails_the_scenario() {
    let server = data_server().await;
    let r = run_yaml(
        &server.uri(),
        "name: t\nsteps:\n  - request: {method: GET, path: /data}\nteardown:\n  - name: cleanup\n    request: {method: GET, path: /data}\n    expect: {status: 204}\n",
    )
    .await;
    let (s, _) = first_failure(&r);
    assert_eq!((s.name.as_str(), s.phase), ("cleanup", Phase::Teardown));
}

// ---------------------------------------------------------------------------------------------
// Secrets never reach a report
// ---------------------------------------------------------------------------------------------

pub const SECRETS_SCENARIO: &str = r#"
    name: secrets stay masked
    vars:
      email: "{{ unique_email() }}"
      password: "Hunter2-Planted-Passw0rd"
    setup:
      - register: {email: "{{ email }}", password: "{{ password }}"}
    steps:
      - name: log in
        authenticate: {email: "{{ email }}", password: "{{ password }}"}
        capture:
          sid: {cookie: connect.sid}
      - name: token
        get_token: {email: "{{ email }}", password: "{{ password }}"}
        capture:
          tok: $.access_token
      - name: echo everything
        request: {method: GET, path: /echo/first}
        capture:
          echoed_cookie: {json: $.headers.cookie}
      - name: fails with every secret in view
        headers: {X-Derived: "{{ tok | base64 }}", X-Cookie-Copy: "{{ echoed_cookie }}"}
        request:
          method: POST
          path: "/echo/{{ sid }}"
          query: {p: "{{ password | upper }}", s: "{{ sid | base64 }}"}
          json:
            password: "{{ password }}"
            note: "pw={{ password }}"
            upper: "{{ password | upper }}"
            derived: "{{ echoed_cookie | base64 }}"
        expect:
          status: 201
          json: {$.body: "{{ password }}"}
"#;

/// Every form of every secret the fake handed out or the scenario planted.
fn secret_strings(state: &FakeState) -> Vec<String> {
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s.as_bytes());
    let mut out = vec![
        "Hunter2-Planted-Passw0rd".to_string(),
        "HUNTER2-PLANTED-PASSW0RD".to_string(),
    ];
    for sid in state.sessions.keys() {
        out.push(sid.clone());
        out.push(sid.replace("%3A", ":"));
        out.push(b64(sid));
        out.push(b64(&format!("connect.sid={sid}")));
    }
    for t in &state.tokens {
        out.push(t.clone());
        out.push(t.rsplit('.').next().unwrap().to_string());
        out.push(b64(t));
    }
    out
}

#[track_caller]
fn assert_no_secret(what: &str, text: &str, secrets: &[String]) {
    for s in secrets {
        assert!(
            !text.contains(s.as_str()),
            "{what} leaks the secret {s:?}:\n{text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn secrets_are_masked_in_every_report() {
    let (server, state) = fake().await;
    let r = run_yaml(&server.uri(), SECRETS_SCENARIO).await;
    let (s, f) = first_failure(&r);
    assert_eq!(s.name, "fails with every secret in view", "{}", explain(&r));
    assert_eq!(f.check, "status");
    let secrets = secret_strings(&state.lock().unwrap());
    assert_eq!(
        secrets.len(),
        2 + 4 + 3,
        "one session and one token were handed out"
    );
    // The fake really did see the secrets (so masking is what keeps them out of the reports).
    let seen: String = requests(&server)
        .await
        .iter()
        .map(|q| {
            format!(
                "{} {:?} {}",
                q.url,
                q.headers,
                String::from_utf8_lossy(&q.body)
            )
        })
        .collect();
    for s in [&secrets[0], &secrets[1], &secrets[2]] {
        assert!(seen.contains(s.as_str()), "the fake never saw {s}");
    }
    let human_text = human::failure(&r, false);
    assert!(human_text.contains("***"), "{human_text}");
    assert_no_secret("human failure", &human_text, &secrets);
    assert_no_secret("styled human failure", &human::failure(&r, true), &secrets);
    assert_no_secret("junit", &junit::render(std::slice::from_ref(&r)), &secrets);
    assert_no_secret(
        "json",
        &json_report::render(std::slice::from_ref(&r), &server.uri(), SEED),
        &secrets,
    );
    for st in &r.steps {
        assert_no_secret(
            &format!("curl of `{}`", st.name),
            st.curl.as_deref().unwrap_or(""),
            &secrets,
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Plan-time errors (library level; the CLI tests cover exit codes)
// ---------------------------------------------------------------------------------------------

#[test]
fn plan_errors_point_at_the_yaml() {
    let cases = [
        (
            "name: t\nsteps:\n  - get_session: {}\n    expect: {json: {$.a: '{{ nope }}'}}\n",
            "undefined variable `nope`",
            "tests/scenario.yaml:4:",
        ),
        (
            "name: t\nsteps:\n  - get_session: {}\n    expect: {json: {'a.b': 1}}\n",
            "invalid JSONPath `a.b`",
            "tests/scenario.yaml:4:",
        ),
        (
            "name: t\nsteps:\n  - get_session: {}\n    expect: {json: {$.a: {lenght: 1}}}\n",
            "unknown predicate `lenght`",
            "tests/scenario.yaml:4:",
        ),
        (
            "name: t\nsteps:\n  - authenticate: {email: '{{ uniqe_email() }}'}\n",
            "unknown function `uniqe_email`",
            "tests/scenario.yaml:3:",
        ),
        (
            "name: t\nsteps:\n  - get_session: {}\n    exists: {email: a}\n",
            "has 2 operations",
            "tests/scenario.yaml:3:",
        ),
        (
            "name: t\nsteps:\n  - get_session: {}\n    captures: {}\n",
            "unknown field `captures`",
            "tests/scenario.yaml:4:5",
        ),
    ];
    for (yaml, msg, pos) in cases {
        let e = try_plan(yaml, &Specs::default()).unwrap_err();
        assert!(e.contains(msg), "{yaml}\n{e}");
        assert!(e.contains(pos), "{yaml}\n{e}");
    }
}

#[test]

fn unknown_step_key_suggests_did_you_mean() {
    let e = try_plan(
        "name: t\nsteps:\n  - get_session: {}\n    captures: {}\n",
        &Specs::default(),
    )
    .unwrap_err();
    assert!(e.contains("did you mean `capture`?"), "{e}");
}

#[tokio::test(flavor = "multi_thread")]

async fn secret_derived_value_under_a_plain_json_key_is_masked() {
    // `{{ password | upper }}` is secret (filters propagate the flag); sent only under a key whose
    // name does not look secret, it must still be masked in the request record and the echo.
    let server = echo_server().await;
    let r = run_yaml(
        &server.uri(),
        r#"
        name: t
        vars: {password: "Hunter2-Planted-Passw0rd"}
        steps:
          - name: send
            request: {method: POST, path: /echo, json: {note: "{{ password | upper }}", list: ["x-{{ password | lower }}"]}}
            expect: {status: 500}
        "#,
    )
    .await;
    first_failure(&r);
    let text =
        human::failure(&r, false) + &json_report::render(std::slice::from_ref(&r), "t", SEED);
    assert_no_secret(
        "report",
        &text,
        &[
            "HUNTER2-PLANTED-PASSW0RD".into(),
            "hunter2-planted-passw0rd".into(),
        ],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_secret_learned_late_is_masked_in_earlier_diffs_and_errors() {
    // `note` is not secret until the last teardown step captures it as one: the failure diff
    // and the connection error recorded before that must be masked by the final pass.
    let server = echo_server().await;
    let r = run_yaml(
        &server.uri(),
        r#"
        name: t
        vars: {note: "LateSecretValue42"}
        steps:
          - name: passes
            request: {method: GET, path: /echo/start}
        teardown:
          - name: diff shows it
            headers: {X-Note: "{{ note }}"}
            request: {method: GET, path: /echo/a}
            expect:
              json: {$.headers: {equals: {x-note: other}}}
          - name: error shows it
            request: {method: GET, path: "http://127.0.0.1:1/{{ note }}"}
          - name: learns it
            headers: {X-Note: "{{ note }}"}
            request: {method: GET, path: /echo/c}
            capture:
              late: {json: "$.headers['x-note']", secret: true}
        "#,
    )
    .await;
    let step = |name: &str| r.steps.iter().find(|s| s.name == name).unwrap();
    let diff = &step("diff shows it").failures[0].diff;
    assert!(
        diff.iter()
            .any(|d| d.starts_with("$.headers.x-note:") && d.contains("***")),
        "{diff:?}"
    );
    let error = step("error shows it").error.as_deref().unwrap_or_default();
    assert!(error.contains("/***"), "{error}");
    let text = serde_json::to_string(&r.steps).unwrap();
    assert_no_secret("report", &text, &["LateSecretValue42".into()]);
}

// ---------------------------------------------------------------------------------------------
// Snapshots of the reporters
// ---------------------------------------------------------------------------------------------

fn snapshot_filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (r"\d+ ms", "[N] ms"),
        (r#""duration_ms": \d+"#, r#""duration_ms": "[N]""#),
        (r#"time="[0-9.]+""#, r#"time="[T]""#),
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]"),
        (r#""seed": \d+"#, r#""seed": "[SEED]""#),
        (r"seed \d+", "seed [SEED]"),
        (
            r"(?i)(date: |\x22date\x22,\s*\x22)[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT",
            "$1[DATE]",
        ),
        (r#"timestamp="[^"]*""#, r#"timestamp="[DATE]""#),
        (
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            "[UUID]",
        ),
        (r#""version": "[^"]*""#, r#""version": "[VERSION]""#),
    ]
}

async fn snapshot_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/store/auth"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"customer": {"id": "cus_01", "email": "ada@example.com", "has_account": true}}))
                .append_header("set-cookie", "connect.sid=s%3Asnapshotsecret.sig; Path=/; HttpOnly"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/store/auth"))
        .respond_with(ResponseTemplate::new(401).set_body_string("Unauthorized"))
        .mount(&server)
        .await;
    server
}

const SNAPSHOT_SCENARIO: &str = r#"
    name: session after login
    vars:
      password: "Snapshot-Secret-1"
    steps:
      - name: log in
        authenticate: {email: ada@example.com, password: "{{ password }}"}
        expect:
          status: 200
          json:
            $.customer.email: ada@example.com
            $.customer: {keys: [id, email, has_account]}
          cookies:
            connect.sid: {http_only: true, secure: false}
      - name: session by cookie
        get_session: {}
        expect:
          status: 200
          json: {$.customer.id: cus_01}
"#;

async fn snapshot_reports() -> Vec<medusa_conform::report::event::ScenarioReport> {
    let server = snapshot_server().await;
    let failing = load::parse(
        "store_auth::snapshot::failing".into(),
        "scenarios/store-auth/snapshot/failing.yaml".into(),
        dedent(SNAPSHOT_SCENARIO),
    )
    .unwrap();
    let passing = load::parse(
        "store_auth::snapshot::passing".into(),
        "scenarios/store-auth/snapshot/passing.yaml".into(),
        dedent("name: passing\nsteps:\n  - name: log in\n    authenticate: {email: a@x.com, password: pw-pw-pw}\n    expect: {status: 200}\n"),
    )
    .unwrap();
    let skipped = load::parse(
        "store_auth::snapshot::skipped".into(),
        "scenarios/store-auth/snapshot/skipped.yaml".into(),
        "name: skipped\nrequires: {env: [MC_SNAPSHOT_UNSET]}\nsteps:\n  - get_session: {}\n".into(),
    )
    .unwrap();
    let c = ctx(&server.uri());
    let mut out = Vec::new();
    for l in [&failing, &passing, &skipped] {
        let sc = plan::plan(l, &Specs::default(), &[]).unwrap();
        out.push(run::run_scenario(&sc, &c, 0).await);
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn snapshot_human_failure() {
    let reports = snapshot_reports().await;
    let text = human::failure(&reports[0], false);
    assert!(!text.contains("Snapshot-Secret-1") && !text.contains("snapshotsecret"));
    insta::with_settings!({filters => snapshot_filters()}, {
        insta::assert_snapshot!("human_failure", text);
    });
    let summary = human::summary(&reports, SEED, "http://127.0.0.1:1234");
    insta::with_settings!({filters => snapshot_filters()}, {
        insta::assert_snapshot!("human_summary", summary);
    });
}

#[tokio::test(flavor = "multi_thread")]
async fn snapshot_junit_and_json() {
    let reports = snapshot_reports().await;
    let xml = junit::render(&reports);
    let doc = json_report::render(&reports, "http://127.0.0.1:1234", SEED);
    let parsed: Value = serde_json::from_str(&doc).unwrap();
    assert_eq!(
        parsed["summary"],
        json!({"passed": 1, "failed": 1, "known_bugs": 0, "skipped": 1, "not_applicable": 0})
    );
    insta::with_settings!({filters => snapshot_filters()}, {
        insta::assert_snapshot!("junit", xml);
        insta::assert_snapshot!("json_report", doc);
    });
}

#[test]
fn snapshot_lint_error() {
    let yaml = "name: lint\nvars:\n  email: \"{{ unique_email() }}\"\nsteps:\n  - name: log in\n    authenticate: {email: \"{{ emial }}\", password: x}\n    expect:\n      json:\n        $.customer: {lenght: 1}\n";
    let l = load::parse("lint".into(), "scenarios/lint.yaml".into(), yaml.into()).unwrap();
    let ds = plan::plan(&l, &Specs::default(), &[]).unwrap_err();
    let text = ds
        .iter()
        .map(|d| d.render_plain())
        .collect::<Vec<_>>()
        .join("\n\n");
    insta::assert_snapshot!("lint_error", text);
    let bad_yaml = load::parse(
        "lint".into(),
        "scenarios/lint.yaml".into(),
        "name: lint\nsteps:\n  - get_session: {}\n    retry: {times: many}\n".into(),
    )
    .unwrap_err();
    insta::assert_snapshot!("lint_wrong_type", bad_yaml.render_plain());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_huge_response_renders_a_bounded_failure_in_every_report() {
    let server = MockServer::start().await;
    Mock::given(path("/huge"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-huge", "h".repeat(200 * 1024).as_str())
                .set_body_string(format!("{{\"big\":\"{}\"}}", "b".repeat(1024 * 1024))),
        )
        .mount(&server)
        .await;
    let r = run_yaml(
        &server.uri(),
        "name: t\nsteps:\n  - name: huge\n    request: {method: GET, path: /huge}\n    expect:\n      status: 500\n      json:\n        $.big: small\n",
    )
    .await;
    assert_eq!(r.status, Status::Failed, "{}", explain(&r));
    let human = human::failure(&r, false);
    let junit = junit::render(std::slice::from_ref(&r));
    let json = json_report::render(std::slice::from_ref(&r), "http://127.0.0.1:1", 1);
    for (name, text) in [("human", &human), ("junit", &junit), ("json", &json)] {
        assert!(text.len() < 8 * 1024, "{name}: {} bytes", text.len());
        assert!(
            text.contains("bytes cut]"),
            "{name} says what was cut:\n{text}"
        );
    }
    // The expectations themselves saw the whole response.
    assert!(human.contains("failed: status"), "{human}");
    let resp = r.steps[0].response.as_ref().unwrap();
    assert!(resp.truncated);
    assert!(
        resp.headers.iter().any(
            |(k, v)| k == "x-huge" && v.ends_with(&format!("[{} bytes cut]", 200 * 1024 - 256))
        ),
        "{:?}",
        resp.headers
    );
}

#[test]
fn api_calls_are_checked_against_the_scenarios_api() {
    let e = common::try_plan(
        r#"
        name: x
        api: medusa-v2-auth
        steps:
          - call: logn
            with: {email: a@b.c}
        "#,
        &Specs::default(),
    )
    .unwrap_err();
    assert!(e.contains("medusa-v2-auth has no operation `logn`"), "{e}");
    assert!(e.contains("did you mean `login`?"), "{e}");
    assert!(e.contains(":4:"), "{e}");
    let e = common::try_plan(
        "name: x\napi: medusa-v2-auth\nsteps:\n  - get_token: {}\n",
        &Specs::default(),
    )
    .unwrap_err();
    assert!(e.contains("is a medusa-v1-store-auth operation"), "{e}");
    let e = common::try_plan(
        "name: x\napi: medusa-v2-auth\nsteps:\n  - call: me\n    with: {feilds: id}\n",
        &Specs::default(),
    )
    .unwrap_err();
    assert!(e.contains("`me` has no argument `feilds`"), "{e}");
    let e = common::try_plan(
        "name: x\napi: medusa-v3\nsteps:\n  - call: me\n",
        &Specs::default(),
    )
    .unwrap_err();
    assert!(e.contains("unknown API `medusa-v3`"), "{e}");
    let s = common::plan_yaml("name: x\napi: medusa-v2-auth\nsteps:\n  - call: login\n");
    assert_eq!(s.api, "medusa-v2-auth");
    assert_eq!(s.steps[0].op.keeps_bearer(), Some("token"));
}

/// `exact:` expectations run only under `--strict`; `level: exact` scenarios are not applicable
/// without it (neither passed nor skipped) and run with it.
#[tokio::test(flavor = "multi_thread")]
async fn exact_level_runs_only_under_strict() {
    let server = MockServer::start().await;
    Mock::given(path("/x"))
        .respond_with(ResponseTemplate::new(200).insert_header("x-proxy", "1"))
        .mount(&server)
        .await;
    let c = ctx(&server.uri());
    let strict = |yaml: &str| {
        let mut s = plan_yaml(yaml);
        s.strict = true;
        s
    };
    let step = "steps:\n  - name: check\n    request: {method: GET, path: /x}\n    expect:\n      status: 200\n      exact:\n        headers: {X-Proxy: {absent: true}}\n";
    let yaml = format!("name: t\n{step}");
    assert_passed(&run::run_scenario(&plan_yaml(&yaml), &c, 0).await);
    let r = run::run_scenario(&strict(&yaml), &c, 0).await;
    assert_check_fails(&r, "check", "header x-proxy", "expected absent");
    // A contract expectation next to it still fails the default run.
    let sc = plan_yaml(&yaml.replace("status: 200", "status: 201"));
    assert_eq!(run::run_scenario(&sc, &c, 0).await.status, Status::Failed);

    let whole = format!("name: t\nlevel: exact\n{step}");
    let r = run::run_scenario(&plan_yaml(&whole), &c, 0).await;
    assert_eq!(r.status, Status::NotApplicable, "{}", explain(&r));
    assert_eq!(
        r.note.as_deref(),
        Some("not applicable: exact-wire check: runs under --strict")
    );
    assert!(r.steps.is_empty(), "nothing is sent");
    assert_eq!(
        run::run_scenario(&strict(&whole), &c, 0).await.status,
        Status::Failed
    );

    let e = try_plan(&format!("name: t\nlevel: exakt\n{step}"), &Specs::default()).unwrap_err();
    assert!(
        e.contains("`level` is `contract` or `exact`") && e.contains("did you mean `exact`?"),
        "{e}"
    );
    let nested = step.replace(
        "        headers:",
        "        exact: {status: 200}\n        headers:",
    );
    let e = try_plan(&format!("name: t\n{nested}"), &Specs::default()).unwrap_err();
    assert!(e.contains("`exact:` cannot hold another `exact:`"), "{e}");
}

/// A problem with a key inside a sub-document (a body, a predicate, `jwt`, `sent`, a cookie or
/// a capture) points at that key, not at the block that holds it.
#[test]
fn errors_inside_sub_documents_point_at_the_key() {
    let cases = [
        (
            "name: t\nsteps:\n  - exists: {email: a@x.com, emial: b}\n",
            "no argument `emial`",
            ":3:30",
        ),
        (
            "name: t\nsteps:\n  - get_session: {}\n    bearer: {jwt: {claims: {}, secrte: x}}\n",
            "no key `secrte`",
            ":4:32",
        ),
        (
            "name: t\nsteps:\n  - get_session: {}\n    expect:\n      cookies:\n        connect.sid: {http_only: true, domian: x}\n",
            "unknown cookie attribute `domian`",
            ":6:40",
        ),
        (
            "name: t\nsteps:\n  - get_session: {}\n    expect:\n      sent:\n        headres: {}\n",
            "no field `headres`",
            ":6:9",
        ),
        (
            "name: t\nsteps:\n  - get_session: {}\n    capture:\n      id: {json: $.customer.id, defualt: x}\n",
            "no option `defualt`",
            ":5:33",
        ),
        (
            "name: t\nsteps:\n  - get_session: {}\n    expect:\n      json:\n        $.a: {not: {lenght: 1}}\n",
            "unknown predicate `lenght`",
            ":6:21",
        ),
        (
            "name: t\nvars: {e: x}\nsteps:\n  - authenticate:\n      password: x\n      email: [a, '{{ emial }}']\n",
            "undefined variable `emial`",
            ":6:18",
        ),
    ];
    for (yaml, msg, pos) in cases {
        let e = try_plan(yaml, &Specs::default()).unwrap_err();
        assert!(e.contains(msg), "{yaml}\n{e}");
        assert!(
            e.contains(&format!("tests/scenario.yaml{pos}")),
            "{yaml}\n{e}"
        );
    }
}
