//! Proof that every scenario can fail: the whole suite runs through a fault-injecting proxy in
//! front of the target once per fault (`src/fault.rs`). Each fault must be caught by at least
//! one scenario, each scenario must catch at least one fault, and with no fault the suite must
//! pass (so the proxy itself is transparent). The target is `MEDUSA_URL` (CI: the real Medusa
//! 1.20.11, with `MEDUSA_JWT_SECRET`), else the embedded reference server.
//!
//! Prints the matrix: which scenarios caught which fault.

use medusa_conform::event::{ScenarioReport, Status};
use medusa_conform::fault::{Fault, FaultProxy};
use medusa_conform::harness;
use medusa_conform::options::RunOptions;
use medusa_conform::run::Context;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

fn main() {
    // libtest flags (e.g. `--list` from nextest) are accepted; this target is one test.
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        println!("fault_matrix: test");
        return;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut env: HashMap<String, String> = std::env::vars().collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut _server = None;
    let upstream = match env.get("MEDUSA_URL").filter(|u| !u.is_empty()) {
        Some(u) => u.clone(),
        None => {
            let s = rt
                .block_on(medusa_conform::server::Server::start_ephemeral())
                .unwrap();
            env.insert("MEDUSA_JWT_SECRET".into(), s.jwt_secret.clone());
            let u = s.url.clone();
            _server = Some(s);
            u
        }
    };
    let secret = env.get("MEDUSA_JWT_SECRET").cloned();
    let opts = RunOptions {
        paths: vec![root.join("scenarios/store-auth")],
        specs_dir: root.join("specs"),
        ..Default::default()
    };
    let scenarios = Arc::new(harness::prepare(&opts).unwrap_or_else(|e| panic!("{e}")));
    let client = medusa_conform::http::client(&Default::default()).unwrap();
    let env = Arc::new(env);
    // Every pass registers fresh customers: a new seed per pass keeps emails unique.
    let base_seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let run = |fault: Fault| -> Vec<ScenarioReport> {
        let seed = base_seed.wrapping_add(fault as u64 * 7919);
        rt.block_on(async {
            let proxy = FaultProxy::start(
                url::Url::parse(&upstream).unwrap(),
                fault,
                secret.clone(),
                0,
            )
            .await
            .unwrap();
            let ctx = Arc::new(Context {
                client: client.clone(),
                target: url::Url::parse(&proxy.url).unwrap(),
                env: env.clone(),
                cli_vars: vec![],
                seed,
                // Both levels: a fault may break an exact-wire expectation only (docs/levels.md);
                // which faults the default (contract) run must catch is #8's fault levels.
                strict: true,
            });
            harness::run_all(scenarios.clone(), ctx, 16).await
        })
    };
    println!(
        "fault matrix: {} scenarios against {upstream} through the fault proxy",
        scenarios.len()
    );
    let mut problems = Vec::new();
    let baseline = run(Fault::None);
    for r in baseline.iter().filter(|r| r.status == Status::Failed) {
        problems.push(format!(
            "with no fault injected, {} fails:\n{}",
            r.name,
            medusa_conform::report::human::failure(r, false)
        ));
    }
    let ran: Vec<&str> = baseline
        .iter()
        .filter(|r| r.status != Status::Skipped)
        .map(|r| r.name.as_str())
        .collect();
    let mut caught_by: BTreeMap<String, Vec<&'static str>> =
        ran.iter().map(|n| (n.to_string(), vec![])).collect();
    let mut passed = 0;
    for &fault in Fault::ALL {
        if fault.needs_secret() && secret.is_none() {
            println!(
                "fault {:<28} skipped (needs MEDUSA_JWT_SECRET)",
                fault.name()
            );
            continue;
        }
        let reports = run(fault);
        let failed: Vec<&str> = reports
            .iter()
            .filter(|r| r.status == Status::Failed)
            .map(|r| r.name.as_str())
            .collect();
        for n in &failed {
            if let Some(v) = caught_by.get_mut(*n) {
                v.push(fault.name());
            }
        }
        if failed.is_empty() {
            problems.push(format!(
                "fault {} went unnoticed by every scenario",
                fault.name()
            ));
            println!("fault {:<28} ... NOT CAUGHT", fault.name());
        } else {
            passed += 1;
            println!(
                "fault {:<28} ... caught by {} scenario(s)",
                fault.name(),
                failed.len()
            );
        }
    }
    for (name, faults) in &caught_by {
        if faults.is_empty() {
            problems.push(format!(
                "scenario {name} failed under no injected fault: it cannot fail"
            ));
        }
    }
    println!("\nscenario → faults that make it fail:");
    for (name, faults) in &caught_by {
        println!(
            "  {name}: {}",
            if faults.is_empty() {
                "NONE".to_string()
            } else {
                faults.join(", ")
            }
        );
    }
    if problems.is_empty() {
        println!("\n{passed} passed, 0 failed");
    } else {
        for p in &problems {
            println!("\nproblem: {p}");
        }
        println!("\n{passed} passed, {} failed", problems.len());
        std::process::exit(1);
    }
}
