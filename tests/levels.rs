//! The rule of docs/levels.md: with each conformant variation of src/server/v1/variation.rs switched on
//! (and with all of them at once) the default run of the whole suite passes, and `--strict`
//! fails on each variation visible on the wire. Without any variation both levels pass (so a
//! strict failure is the variation's doing).
//!
//! The target is the real Medusa at `MEDUSA_URL` when it is set (CI: 1.20.11, with
//! `MEDUSA_JWT_SECRET`), seen through a small pass-through proxy that applies the variation the
//! way a plugin or a reverse proxy in front of it would; else the embedded reference server
//! with the variation switched on.

use medusa_conform::engine::harness;
use medusa_conform::engine::run::Context;
use medusa_conform::options::RunOptions;
use medusa_conform::report::event::{ScenarioReport, Status};
use medusa_conform::server::v1::variation::Variation;
use medusa_conform::server::v1::{Server, ServerConfig};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// A pass-through reverse proxy in front of the real server, with the variation layer on it.
struct Upstream {
    url: String,
    client: reqwest::Client,
}

const HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "host",
    "upgrade",
    "te",
    "trailer",
];

async fn forward(
    axum::extract::State(u): axum::extract::State<Arc<Upstream>>,
    req: axum::extract::Request,
) -> axum::response::Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 10 << 20)
        .await
        .unwrap_or_default();
    let path_q = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let mut rb = u
        .client
        .request(parts.method.clone(), format!("{}{path_q}", u.url));
    for (k, v) in parts
        .headers
        .iter()
        .filter(|(k, _)| !HOP.contains(&k.as_str()))
    {
        rb = rb.header(k, v);
    }
    let r = match rb.body(body).send().await {
        Ok(r) => r,
        Err(e) => {
            return axum::response::Response::builder()
                .status(502)
                .body(axum::body::Body::from(format!(
                    "levels proxy: upstream error: {e}"
                )))
                .unwrap();
        }
    };
    let mut out = axum::response::Response::builder().status(r.status());
    for (k, v) in r
        .headers()
        .iter()
        .filter(|(k, _)| !HOP.contains(&k.as_str()))
    {
        out = out.header(k, v);
    }
    out.body(axum::body::Body::from(r.bytes().await.unwrap_or_default()))
        .unwrap()
}

/// What a run talks to; dropping it stops the server or the proxy.
enum Target {
    Embedded(Server),
    Proxy {
        url: String,
        _serving: medusa_conform::server::background::Background,
    },
}

async fn target(
    upstream: Option<&str>,
    env: &HashMap<String, String>,
    vs: Vec<Variation>,
) -> Target {
    let Some(up) = upstream else {
        return Target::Embedded(
            Server::start(ServerConfig {
                host: "127.0.0.1".into(),
                variations: vs,
                ..Default::default()
            })
            .await
            .unwrap(),
        );
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let variations = Arc::new(medusa_conform::server::v1::variation::Variations {
        on: vs,
        jwt_secret: env.get("MEDUSA_JWT_SECRET").cloned().unwrap_or_default(),
    });
    let up = Arc::new(Upstream {
        url: up.trim_end_matches('/').to_string(),
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .unwrap(),
    });
    let app = axum::Router::new()
        .fallback(forward)
        .layer(axum::middleware::from_fn_with_state(
            variations,
            medusa_conform::server::v1::variation::layer,
        ))
        .with_state(up);
    Target::Proxy {
        url,
        _serving: medusa_conform::server::background::spawn(listener, app),
    }
}

fn failed(reports: &[ScenarioReport]) -> Vec<String> {
    reports
        .iter()
        .filter(|r| r.status == Status::Failed)
        .map(|r| {
            let why = r
                .failed_steps()
                .next()
                .map(|s| {
                    s.failures
                        .first()
                        .map(|f| format!("{}: {}", f.check, f.message))
                        .or(s.error.clone())
                        .unwrap_or_default()
                })
                .or(r.note.clone())
                .unwrap_or_default();
            format!("{} ({why})", r.name)
        })
        .collect()
}

#[test]
fn conformant_variations_pass_the_default_run_and_fail_strict() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // The suite planned at each level: [default, --strict].
    let suites = [false, true].map(|strict| {
        let opts = RunOptions {
            paths: vec![root.join("scenarios")],
            specs_dir: root.join("specs"),
            strict,
            ..Default::default()
        };
        Arc::new(harness::prepare(&opts).unwrap_or_else(|e| panic!("{e}")))
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let client = medusa_conform::engine::http::client(
        &Default::default(),
        &"http://localhost".parse().unwrap(),
    )
    .unwrap();
    let process_env: HashMap<String, String> = std::env::vars().collect();
    let upstream = process_env
        .get("MEDUSA_URL")
        .filter(|u| !u.is_empty())
        .cloned();
    println!(
        "target: {}",
        upstream
            .as_deref()
            .unwrap_or("the embedded reference server")
    );
    // Every pass registers fresh customers: seeds differ per pass and per test run.
    let base_seed = medusa_conform::clock::now_secs() as u64;
    let run = |variations: Vec<Variation>, strict: bool, seed: u64| -> Vec<ScenarioReport> {
        rt.block_on(async {
            let t = target(upstream.as_deref(), &process_env, variations).await;
            let (url, env) = match &t {
                Target::Embedded(s) => (
                    s.url.clone(),
                    [("MEDUSA_JWT_SECRET".to_string(), s.jwt_secret.clone())].into(),
                ),
                Target::Proxy { url, .. } => (url.clone(), process_env.clone()),
            };
            let ctx = Arc::new(Context {
                client: client.clone(),
                target: url::Url::parse(&url).unwrap(),
                env: Arc::new(env),
                cli_vars: vec![],
                seed: base_seed.wrapping_mul(1000).wrapping_add(seed),
                driver: None,
                publishable_key: None,
                events: None,
                api: None,
            });
            harness::run_scenarios(suites[usize::from(strict)].clone(), ctx, 16).await
        })
    };
    let mut problems = Vec::new();
    for (seed, strict) in [(1, false), (2, true)] {
        let f = failed(&run(vec![], strict, seed));
        if !f.is_empty() {
            problems.push(format!("no variation, strict={strict}: failed {f:?}"));
        }
    }
    let mut cases: Vec<(String, Vec<Variation>, bool)> = Variation::ALL
        .iter()
        .map(|v| (v.name().to_string(), vec![*v], v.visible_to_strict()))
        .collect();
    cases.push(("all".into(), Variation::ALL.to_vec(), true));
    for (i, (name, vs, visible)) in cases.into_iter().enumerate() {
        let default = run(vs.clone(), false, 100 + i as u64);
        assert_eq!(
            default.len(),
            suites[0].len(),
            "{name}: every scenario reports"
        );
        let f = failed(&default);
        let strict = failed(&run(vs, true, 200 + i as u64));
        println!(
            "variation {name:<24} default: {} failed; --strict: {} failed",
            f.len(),
            strict.len()
        );
        if !f.is_empty() {
            problems.push(format!(
                "variation {name}: the default run flags a conformant deployment: {f:#?}"
            ));
        }
        if visible && strict.is_empty() {
            problems.push(format!(
                "variation {name}: --strict does not notice it (no exact expectation covers it)"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The contract level of the specs accepts what a conformant deployment may send (a plugin's
/// extra field or relation, another id format, another RFC 3339 timestamp, an extra key in an
/// error) and still refuses a leaked `password_hash` and a missing field; the exact level
/// refuses each difference.
#[test]
fn contract_schemas_are_open_exact_schemas_are_closed() {
    let specs = medusa_conform::specs::Specs::load(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs"),
    )
    .unwrap();
    let auth = specs.get("StoreAuthRes").unwrap();
    let customer = serde_json::json!({
        "id": "cus_01JQ3Z4N8W2XK5T7V9B1C3D5E7", "created_at": "2026-11-28T05:26:04.729Z",
        "updated_at": "2026-11-28T05:26:04.729Z", "deleted_at": null, "email": "a@b.example",
        "first_name": null, "last_name": null, "billing_address_id": null, "phone": null,
        "has_account": true, "metadata": null, "orders": [], "shipping_addresses": []
    });
    let ok = |v: &serde_json::Value, strict: bool| {
        let val = auth.validator(strict).unwrap();
        medusa_conform::specs::validate(val, v).is_empty()
    };
    let body = |edit: &dyn Fn(&mut serde_json::Map<String, serde_json::Value>)| {
        let mut c = customer.as_object().unwrap().clone();
        edit(&mut c);
        serde_json::json!({ "customer": c })
    };
    assert!(ok(&body(&|_| {}), false) && ok(&body(&|_| {}), true));
    let conformant: Vec<(&str, serde_json::Value)> = vec![
        (
            "extra field",
            body(&|c| {
                c.insert("loyalty_points".into(), 3.into());
            }),
        ),
        (
            "groups relation",
            body(&|c| {
                c.insert("groups".into(), serde_json::json!([]));
            }),
        ),
        (
            "uuid id",
            body(&|c| {
                c.insert(
                    "id".into(),
                    "cus_9b2f6c1e-0d4a-4c4e-9d7b-0c1f2a3b4c5d".into(),
                );
            }),
        ),
        (
            "offset timestamp",
            body(&|c| {
                c.insert("created_at".into(), "2026-11-28T05:26:04+00:00".into());
            }),
        ),
        ("extra top-level key", {
            let mut b = body(&|_| {});
            b["_links"] = serde_json::json!({});
            b
        }),
    ];
    for (what, v) in &conformant {
        assert!(ok(v, false), "contract level refuses a conformant {what}");
        assert!(!ok(v, true), "exact level accepts {what}");
    }
    let leak = body(&|c| {
        c.insert("password_hash".into(), "x".into());
    });
    let missing = body(&|c| {
        c.remove("has_account");
    });
    for (what, v) in [("password_hash", &leak), ("missing has_account", &missing)] {
        assert!(!ok(v, false), "contract level accepts {what}");
        assert!(!ok(v, true), "exact level accepts {what}");
    }
    let err = specs.get("Error").unwrap();
    let e = serde_json::json!({"type": "invalid_data", "message": "x", "code": "invalid_request_error", "request_id": "r"});
    assert!(medusa_conform::specs::validate(err.contract().unwrap(), &e).is_empty());
    assert!(!medusa_conform::specs::validate(err.exact().unwrap(), &e).is_empty());
}
