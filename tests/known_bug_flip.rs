//! A known bug must flip to a loud failure once the bug is gone: the reference server with
//! `revoke_tokens_on_logout` behaves as if medusajs/medusa#5930 were fixed, so the 5930
//! scenario (and the security pack's revocation check) must fail under `--strict` with "no
//! longer reproduces" (and pass the contract-level run with that note), while against the
//! faithful server they are reported as reproducing known bugs.

use medusa_conform::engine::run::Context;
use medusa_conform::options::RunOptions;
use medusa_conform::report::event::Status;
use medusa_conform::server::v1::{Server, ServerConfig};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

async fn run_against(
    revoke: bool,
    strict: bool,
) -> Vec<medusa_conform::report::event::ScenarioReport> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let server = Server::start(ServerConfig {
        host: "127.0.0.1".into(),
        jwt_secret: Some("flip-test-secret".into()),
        revoke_tokens_on_logout: revoke,
        ..Default::default()
    })
    .await
    .unwrap();
    let opts = RunOptions {
        paths: vec![
            root.join("scenarios/bugs/5930-bearer-token-survives-logout.yaml"),
            root.join("scenarios/security/logout-revokes-tokens.yaml"),
        ],
        specs_dir: root.join("specs"),
        strict,
        ..Default::default()
    };
    let scenarios = Arc::new(medusa_conform::engine::harness::prepare(&opts).unwrap());
    let env: HashMap<String, String> = [(
        "MEDUSA_JWT_SECRET".to_string(),
        "flip-test-secret".to_string(),
    )]
    .into();
    let ctx = Arc::new(Context {
        client: medusa_conform::engine::http::client(
            &Default::default(),
            &"http://localhost".parse().unwrap(),
        )
        .unwrap(),
        target: url::Url::parse(&server.url).unwrap(),
        env: Arc::new(env),
        cli_vars: vec![],
        seed: 7,
        driver: None,
        publishable_key: None,
        events: None,
        api: None,
    });
    medusa_conform::engine::harness::run_scenarios(scenarios, ctx, 4).await
}

#[tokio::test(flavor = "multi_thread")]
async fn known_bug_reproduces_on_the_faithful_server() {
    let reports = run_against(false, false).await;
    // Both scenarios must report: an empty list would pass the loop below vacuously.
    assert_eq!(reports.len(), 2, "{reports:?}");
    for r in reports {
        assert_eq!(r.status, Status::KnownBug, "{}: {:?}", r.name, r.note);
        assert!(
            r.note.as_deref().unwrap_or("").contains("reproduces"),
            "{:?}",
            r.note
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn known_bug_fails_loudly_once_fixed_under_strict() {
    let reports = run_against(true, true).await;
    assert_eq!(reports.len(), 2);
    for r in reports {
        assert_eq!(r.status, Status::Failed, "{}", r.name);
        let note = r.note.unwrap_or_default();
        assert!(
            note.contains(
                "no longer reproduces: the scenario now passes; remove known_bug or update it"
            ),
            "{note}"
        );
        assert!(note.contains("medusajs/medusa#5930"), "{note}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fixed_known_bug_passes_the_contract_run_with_the_note() {
    // A server that behaves correctly where 1.20.11 has the bug is conformant: the default run
    // passes it, still saying that the known bug no longer reproduces.
    let reports = run_against(true, false).await;
    assert_eq!(reports.len(), 2);
    for r in reports {
        assert_eq!(r.status, Status::Passed, "{}", r.name);
        let note = r.note.unwrap_or_default();
        assert!(note.contains("no longer reproduces"), "{note}");
        assert!(note.contains("--strict fails on this"), "{note}");
    }
}
