//! Proof that every scenario can fail: the whole `store-auth` suite runs through a
//! fault-injecting proxy (`proxy.rs`) in front of the target once per fault of the table
//! (`table.rs`). The target is `MEDUSA_URL` (CI: the real Medusa 1.20.11, with
//! `MEDUSA_JWT_SECRET`), else the embedded reference server.
//!
//! The matrix passes only when it proved something:
//! - with no fault the suite passes, and every planned scenario reports;
//! - every fault is caught by an expectation that failed: a transport error, a timeout or the
//!   proxy's own 502 never counts, and any proxy error fails the matrix;
//! - every scenario that runs is failed by at least one fault;
//! - every fault fails the scenarios it `catches` (those claiming the coverage cell it breaks);
//! - faults skipped for a missing secret are counted, and fail the matrix when `CI` is set.
//!
//! Contract faults run the default suite; exact faults run it with `strict` (`--strict`).
//! `FAULT_MATRIX_ONLY=name,name` runs only those faults (for developing one): such a partial
//! run checks them as usual but cannot show that every scenario fails under some fault.
//! One libtest-mimic trial per check, so `cargo nextest run` runs it like any test.

mod proxy;
mod table;
mod table_v2;

use libtest_mimic::{Arguments, Failed, Trial};
use medusa_conform::engine::harness;
use medusa_conform::engine::run::Context;
use medusa_conform::options::RunOptions;
use medusa_conform::report::event::{ScenarioReport, Status, StepStatus};
use proxy::{FaultProxy, Level};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use table::FAULTS;

fn main() {
    let args = Arguments::from_args();
    let trials = vec![
        Trial::test("fault_matrix", fault_matrix),
        Trial::test("fault_matrix_v2", fault_matrix_v2),
        Trial::test("judge::a_transport_error_is_not_a_catch", || {
            judge_case(JudgeCase::TransportOnly)
        }),
        Trial::test("judge::a_proxy_error_fails_the_matrix", || {
            judge_case(JudgeCase::ProxyError)
        }),
        Trial::test("judge::a_missing_report_fails_the_matrix", || {
            judge_case(JudgeCase::MissingReport)
        }),
        Trial::test(
            "judge::skipped_faults_are_counted_and_fail_under_ci",
            || judge_case(JudgeCase::SkippedUnderCi),
        ),
        Trial::test("judge::a_fault_must_fail_the_scenarios_it_catches", || {
            judge_case(JudgeCase::MissedCatch)
        }),
        Trial::test("judge::a_clean_matrix_passes", || {
            judge_case(JudgeCase::Clean)
        }),
        Trial::test("table::names_are_unique_and_levels_set", table_is_sound),
    ];
    libtest_mimic::run(&args, trials).exit();
}

/// One fault's pass through the suite.
struct FaultRun {
    name: &'static str,
    level: Level,
    /// Scenarios this fault must fail (the table's `catches`).
    catches: &'static [&'static str],
    reports: Vec<ScenarioReport>,
    proxy_errors: Vec<String>,
}

struct Matrix {
    /// Every planned scenario's name.
    planned: Vec<String>,
    baseline: Vec<ScenarioReport>,
    baseline_errors: Vec<String>,
    runs: Vec<FaultRun>,
    /// Faults not run for want of `MEDUSA_JWT_SECRET`.
    skipped: Vec<&'static str>,
    ci: bool,
    /// Only some faults ran (`FAULT_MATRIX_ONLY`).
    partial: bool,
}

/// A scenario caught a fault only if one of its expectations failed (a check failure), not
/// because a request got no usable response.
fn caught_by_a_check(r: &ScenarioReport) -> bool {
    r.status == Status::Failed
        && r.steps
            .iter()
            .any(|s| s.status == StepStatus::Failed && !s.failures.is_empty())
}

fn missing(planned: &[String], reports: &[ScenarioReport]) -> Vec<String> {
    planned
        .iter()
        .filter(|n| !reports.iter().any(|r| &r.name == *n))
        .cloned()
        .collect()
}

/// Judges the matrix: the problems (empty = pass) and the printed lines.
fn judge(m: &Matrix) -> (Vec<String>, Vec<String>) {
    let mut problems = Vec::new();
    let mut lines = Vec::new();
    for n in missing(&m.planned, &m.baseline) {
        problems.push(format!("with no fault injected, {n} did not report"));
    }
    for e in &m.baseline_errors {
        problems.push(format!("with no fault injected, the proxy failed: {e}"));
    }
    for r in m.baseline.iter().filter(|r| r.status == Status::Failed) {
        problems.push(format!(
            "with no fault injected, {} fails:\n{}",
            r.name,
            medusa_conform::report::human::failure(r, false)
        ));
    }
    let mut caught_by: BTreeMap<&str, Vec<&str>> = m
        .baseline
        .iter()
        .filter(|r| !matches!(r.status, Status::Skipped | Status::NotApplicable))
        .map(|r| (r.name.as_str(), vec![]))
        .collect();
    let mut caught = 0;
    for run in &m.runs {
        for n in missing(&m.planned, &run.reports) {
            problems.push(format!("under fault {}, {n} did not report", run.name));
        }
        for e in &run.proxy_errors {
            problems.push(format!("under fault {}, the proxy failed: {e}", run.name));
        }
        let by_check: Vec<&str> = run
            .reports
            .iter()
            .filter(|r| caught_by_a_check(r))
            .map(|r| r.name.as_str())
            .collect();
        let by_transport = run
            .reports
            .iter()
            .filter(|r| r.status == Status::Failed && !caught_by_a_check(r))
            .count();
        for n in &by_check {
            if let Some(v) = caught_by.get_mut(n) {
                v.push(run.name);
            }
        }
        for n in run.catches {
            if !m.planned.iter().any(|p| p == n) {
                problems.push(format!(
                    "fault {} catches {n}, which is not a planned scenario",
                    run.name
                ));
            } else if !by_check.contains(n) {
                problems.push(format!(
                    "fault {} did not fail {n}, which claims the coverage cell it breaks",
                    run.name
                ));
            }
        }
        let level = format!("{:?}", run.level).to_lowercase();
        if by_check.is_empty() {
            problems.push(if by_transport > 0 {
                format!(
                    "fault {} ({level}) was caught only by transport errors or timeouts in {by_transport} scenario(s), by no expectation",
                    run.name
                )
            } else {
                format!("fault {} ({level}) went unnoticed by every scenario", run.name)
            });
            lines.push(format!("fault {:<28} {level:<8} ... NOT CAUGHT", run.name));
        } else {
            caught += 1;
            lines.push(format!(
                "fault {:<28} {level:<8} ... caught by {} scenario(s)",
                run.name,
                by_check.len()
            ));
        }
    }
    for f in &m.skipped {
        lines.push(format!(
            "fault {f:<28} ... SKIPPED (needs MEDUSA_JWT_SECRET)"
        ));
        if m.ci {
            problems.push(format!(
                "fault {f} was skipped (MEDUSA_JWT_SECRET unset), and CI is set"
            ));
        }
    }
    for (name, faults) in &caught_by {
        if faults.is_empty() && !m.partial {
            problems.push(format!(
                "scenario {name} failed under no injected fault: it cannot fail"
            ));
        }
    }
    lines.push("\nscenario → faults that make it fail:".into());
    for (name, faults) in &caught_by {
        lines.push(format!(
            "  {name}: {}",
            if faults.is_empty() {
                "NONE".to_string()
            } else {
                faults.join(", ")
            }
        ));
    }
    lines.push(format!(
        "\nfault matrix: {caught} caught, {} not caught, {} skipped for a missing secret{}",
        m.runs.len() - caught,
        m.skipped.len(),
        if m.partial {
            " (FAULT_MATRIX_ONLY: a partial run, scenarios not judged)"
        } else {
            ""
        }
    ));
    (problems, lines)
}

/// Which suite runs against which target, through which table of faults.
struct Suite {
    scenarios: &'static str,
    faults: &'static [proxy::Fault],
    /// The variable naming the upstream; v1 falls back to the embedded reference server.
    upstream_var: &'static str,
    secret_var: &'static str,
    publishable_key_var: Option<&'static str>,
    events_var: Option<&'static str>,
    api: &'static str,
    concurrency: usize,
}

fn fault_matrix() -> Result<(), Failed> {
    matrix(&Suite {
        scenarios: "scenarios/store-auth",
        faults: FAULTS,
        upstream_var: "MEDUSA_URL",
        secret_var: "MEDUSA_JWT_SECRET",
        publishable_key_var: None,
        events_var: None,
        api: medusa_conform::api::DEFAULT_API,
        concurrency: 16,
    })
}

/// The v2 pack (bugs included) in front of the real Medusa 2.21 at `MEDUSA_V2_URL`, which
/// `.ci/run` provisions; without it there is nothing to inject into and the trial says so.
fn fault_matrix_v2() -> Result<(), Failed> {
    if std::env::var("MEDUSA_V2_URL").map_or(true, |u| u.is_empty()) {
        println!(
            "fault matrix v2: MEDUSA_V2_URL unset, not run (tests/targets/medusa-v2/up provisions one)"
        );
        return Ok(());
    }
    matrix(&Suite {
        scenarios: "scenarios/medusa-v2",
        faults: table_v2::FAULTS,
        upstream_var: "MEDUSA_V2_URL",
        secret_var: "MEDUSA_V2_JWT_SECRET",
        publishable_key_var: Some("MEDUSA_V2_PUBLISHABLE_KEY"),
        events_var: Some("MEDUSA_V2_EVENTS"),
        api: "medusa-v2-auth",
        // Each sign-up hashes a password (scrypt) on the server: more at once only queues.
        concurrency: 8,
    })
}

fn matrix(suite: &Suite) -> Result<(), Failed> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut env: HashMap<String, String> = std::env::vars().collect();
    let ci = medusa_conform::options::fail_on_skip_default(env.get("CI").map(String::as_str));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let mut _server = None;
    let upstream = match env.get(suite.upstream_var).filter(|u| !u.is_empty()) {
        Some(u) => u.clone(),
        None => {
            let s = rt
                .block_on(medusa_conform::server::v1::Server::start_ephemeral())
                .map_err(|e| e.to_string())?;
            env.insert("MEDUSA_JWT_SECRET".into(), s.jwt_secret.clone());
            let u = s.url.clone();
            _server = Some(s);
            u
        }
    };
    let upstream_url = url::Url::parse(&upstream).map_err(|e| e.to_string())?;
    let secret = env.get(suite.secret_var).cloned();
    let var = |v: Option<&str>| {
        v.and_then(|v| env.get(v))
            .filter(|s| !s.is_empty())
            .cloned()
    };
    let publishable_key = var(suite.publishable_key_var);
    let events = var(suite.events_var).map(PathBuf::from);
    // Contract faults run the default suite, exact faults the `--strict` one.
    let plan = |strict: bool| {
        let opts = RunOptions {
            paths: vec![root.join(suite.scenarios)],
            specs_dir: root.join("specs"),
            strict,
            ..Default::default()
        };
        harness::prepare(&opts)
            .map(Arc::new)
            .map_err(|e| e.to_string())
    };
    let (default_suite, strict_suite) = (plan(false)?, plan(true)?);
    let client = medusa_conform::engine::http::client(
        &Default::default(),
        &"http://localhost".parse().unwrap(),
    )
    .map_err(|e| e.to_string())?;
    let env = Arc::new(env);
    // Every pass registers fresh customers: a new seed per pass keeps emails unique.
    let base_seed = medusa_conform::clock::now_secs() as u64;
    let (api, concurrency) = (suite.api, suite.concurrency);
    let only: Option<Vec<&str>> = env
        .get("FAULT_MATRIX_ONLY")
        .filter(|o| !o.is_empty())
        .map(|o| o.split(',').map(str::trim).collect());
    if let Some(o) = &only
        && let Some(bad) = o
            .iter()
            .find(|n| !suite.faults.iter().any(|f| f.name == **n))
    {
        let other = [table::FAULTS, table_v2::FAULTS]
            .iter()
            .any(|t| t.iter().any(|f| f.name == *bad));
        return Err(if other {
            format!(
                "FAULT_MATRIX_ONLY names `{bad}`, a fault of the other matrix: name one matrix's \
                 faults and select it (`-- fault_matrix --exact` or `-- fault_matrix_v2 --exact`)"
            )
        } else {
            format!("FAULT_MATRIX_ONLY names no fault `{bad}`")
        }
        .into());
    }
    let run = |n: u64, fault: Option<&'static proxy::Fault>| {
        let planned = match fault.map(|f| f.level) {
            Some(Level::Contract) => default_suite.clone(),
            _ => strict_suite.clone(),
        };
        rt.block_on(async {
            let proxy = FaultProxy::start(upstream_url.clone(), fault, secret.clone())
                .await
                .map_err(|e| e.to_string())?;
            let ctx = Arc::new(Context {
                client: client.clone(),
                target: url::Url::parse(&proxy.url).map_err(|e| e.to_string())?,
                env: env.clone(),
                cli_vars: vec![],
                seed: base_seed.wrapping_add(n * 7919),
                driver: None,
                publishable_key: publishable_key.clone(),
                events: events.clone(),
                api: Some(api),
            });
            let reports = harness::run_scenarios(planned, ctx, concurrency).await;
            let errors = proxy.errors.lock().map(|e| e.clone()).unwrap_or_default();
            Ok::<_, String>((reports, errors))
        })
    };
    println!(
        "fault matrix: {} scenarios against {upstream} through the fault proxy",
        default_suite.len()
    );
    let (baseline, baseline_errors) = run(0, None)?;
    let mut m = Matrix {
        planned: strict_suite.iter().map(|s| s.name.clone()).collect(),
        baseline,
        baseline_errors,
        runs: vec![],
        skipped: vec![],
        ci,
        partial: only.is_some(),
    };
    for (i, fault) in suite.faults.iter().enumerate() {
        if only.as_ref().is_some_and(|o| !o.contains(&fault.name)) {
            continue;
        }
        if fault.needs_secret && secret.is_none() {
            m.skipped.push(fault.name);
            continue;
        }
        let (reports, proxy_errors) = run(i as u64 + 1, Some(fault))?;
        m.runs.push(FaultRun {
            name: fault.name,
            level: fault.level,
            catches: fault.catches,
            reports,
            proxy_errors,
        });
    }
    let (problems, lines) = judge(&m);
    for l in lines {
        println!("{l}");
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems
            .iter()
            .map(|p| format!("problem: {p}"))
            .collect::<Vec<_>>()
            .join("\n")
            .into())
    }
}

fn table_is_sound() -> Result<(), Failed> {
    let mut seen = std::collections::HashSet::new();
    for f in FAULTS.iter().chain(table_v2::FAULTS) {
        if !seen.insert(f.name) {
            return Err(format!("two faults are named {}", f.name).into());
        }
        if f.request.is_none() && f.also.is_none() && f.response.is_none() {
            return Err(format!("fault {} has no hook: it injects nothing", f.name).into());
        }
    }
    if !FAULTS.iter().any(|f| f.level == Level::Contract) {
        return Err("no contract fault".into());
    }
    Ok(())
}

// ---- the judge's own tests (no server) -----------------------------------------------------

enum JudgeCase {
    TransportOnly,
    ProxyError,
    MissingReport,
    SkippedUnderCi,
    MissedCatch,
    Clean,
}

fn report(name: &str, status: Status, step: Option<StepStatus>) -> ScenarioReport {
    use medusa_conform::report::event::{CheckFailure, Phase, StepReport};
    let steps = step
        .map(|s| StepReport {
            phase: Phase::Steps,
            name: "step".into(),
            actor: "default".into(),
            position: String::new(),
            status: s,
            duration_ms: 0,
            attempts: 1,
            error: (s == StepStatus::Error).then(|| "connection reset".into()),
            failures: if s == StepStatus::Failed {
                vec![CheckFailure {
                    check: "status".into(),
                    position: String::new(),
                    message: "expected 200, got 403".into(),
                    diff: vec![],
                    violations: vec![],
                    span: None,
                }]
            } else {
                vec![]
            },
            request: None,
            response: None,
            curl: None,
            span: None,
        })
        .into_iter()
        .collect();
    ScenarioReport {
        name: name.into(),
        title: String::new(),
        file: String::new(),
        tags: vec![],
        status,
        duration_ms: 0,
        seed: 0,
        iteration: 0,
        known_bug: None,
        note: None,
        not_applicable: None,
        steps,
    }
}

fn judge_case(case: JudgeCase) -> Result<(), Failed> {
    let planned = vec!["a".to_string(), "b".to_string()];
    let passed = |n: &str| report(n, Status::Passed, Some(StepStatus::Passed));
    let by_check = |n: &str| report(n, Status::Failed, Some(StepStatus::Failed));
    let by_transport = |n: &str| report(n, Status::Failed, Some(StepStatus::Error));
    let mut m = Matrix {
        planned: planned.clone(),
        baseline: vec![passed("a"), passed("b")],
        baseline_errors: vec![],
        runs: vec![
            FaultRun {
                name: "one",
                level: Level::Contract,
                catches: &["a"],
                reports: vec![by_check("a"), passed("b")],
                proxy_errors: vec![],
            },
            FaultRun {
                name: "two",
                level: Level::Contract,
                catches: &[],
                reports: vec![passed("a"), by_check("b")],
                proxy_errors: vec![],
            },
        ],
        skipped: vec![],
        ci: false,
        partial: false,
    };
    let expect: &str = match case {
        JudgeCase::Clean => "",
        JudgeCase::TransportOnly => {
            m.runs[1].reports = vec![by_transport("a"), by_transport("b")];
            "fault two (contract) was caught only by transport errors or timeouts in 2 scenario(s)"
        }
        JudgeCase::ProxyError => {
            m.runs[0].proxy_errors = vec!["upstream failed: connection refused".into()];
            "under fault one, the proxy failed: upstream failed"
        }
        JudgeCase::MissingReport => {
            m.runs[0].reports.pop();
            "under fault one, b did not report"
        }
        JudgeCase::MissedCatch => {
            m.runs[1].catches = &["a"];
            "fault two did not fail a, which claims the coverage cell it breaks"
        }
        JudgeCase::SkippedUnderCi => {
            m.skipped = vec!["three"];
            m.ci = true;
            "fault three was skipped (MEDUSA_JWT_SECRET unset), and CI is set"
        }
    };
    let (problems, lines) = judge(&m);
    let closing = lines.last().cloned().unwrap_or_default();
    match case {
        JudgeCase::Clean if problems.is_empty() => Ok(()),
        JudgeCase::Clean => Err(format!("a clean matrix failed: {problems:?}").into()),
        JudgeCase::SkippedUnderCi if !closing.contains("1 skipped for a missing secret") => {
            Err(format!("the closing line does not count the skip: {closing}").into())
        }
        _ if problems.iter().any(|p| p.contains(expect)) => Ok(()),
        _ => Err(format!("expected a problem containing `{expect}`, got {problems:?}").into()),
    }
}
