//! The runner: loads specs and scenarios, plans them, checks the target answers, then runs one
//! libtest-mimic trial per scenario (in parallel, on one shared tokio runtime and HTTP client),
//! collects the reports and hands them to the reporters. Returns a documented exit code.

use crate::error::{Error, ExitCode};
use crate::event::{ScenarioReport, Status};
use crate::options::RunOptions;
use crate::plan::Scenario;
use crate::run::Context;
use libtest_mimic::{Arguments, Completion, Failed, Trial};
use std::sync::{Arc, Mutex};

/// Default parallelism: the work is I/O-bound, so well above the core count.
pub const DEFAULT_THREADS: usize = 16;

/// Loads, plans and filters by tag. Invalid input is reported with file:line:col.
pub fn prepare(opts: &RunOptions) -> Result<Vec<Scenario>, Error> {
    // Compiling the schemas and parsing the YAML are independent: overlap them (start-up time).
    let (specs, loaded) = std::thread::scope(|s| {
        let specs = s.spawn(|| crate::specs::Specs::load(&opts.specs_dir));
        let loaded = crate::load::load_all(&opts.paths);
        (
            specs
                .join()
                .unwrap_or_else(|_| Err(Error::Internal("spec loading panicked".into()))),
            loaded,
        )
    });
    let (specs, loaded) = (specs?, loaded?);
    let cli: Vec<String> = opts.vars.iter().map(|(k, _)| k.clone()).collect();
    let mut scenarios = crate::plan::plan_all(&loaded, &specs, &cli)?;
    scenarios.retain(|s| {
        (opts.tags.is_empty() || s.tags.iter().any(|t| opts.tags.contains(t)))
            && !s.tags.iter().any(|t| opts.skip_tags.contains(t))
    });
    Ok(scenarios)
}

fn libtest_args(opts: &RunOptions) -> Arguments {
    let mut a = Arguments {
        filter: opts.filter.clone(),
        exact: opts.exact,
        skip: opts.skip.clone(),
        list: opts.list,
        ignored: opts.ignored,
        include_ignored: opts.include_ignored,
        quiet: opts.quiet,
        test_threads: Some(opts.test_threads.unwrap_or(DEFAULT_THREADS)),
        ..Arguments::default()
    };
    if opts.format_json {
        a.format = Some(libtest_mimic::FormatSetting::Json);
    }
    a.color = match opts.color.as_deref() {
        Some("always") => Some(libtest_mimic::ColorSetting::Always),
        Some("never") => Some(libtest_mimic::ColorSetting::Never),
        _ => None,
    };
    a
}

fn new_seed() -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    (t.as_nanos() as u64 ^ (std::process::id() as u64).rotate_left(32)) % 1_000_000_000
}

/// Runs the selection; the whole `run` command.
pub fn run(mut opts: RunOptions) -> Result<ExitCode, Error> {
    let scenarios = prepare(&opts)?;
    let args = libtest_args(&opts);
    let seed = opts.seed.unwrap_or_else(new_seed);
    let repeat = opts.repeat.max(1);
    let scenarios = Arc::new(scenarios);

    if opts.list {
        let trials = trials(&scenarios, repeat, None);
        let _ = libtest_mimic::run(&args, trials);
        return Ok(ExitCode::Success);
    }

    let rt = Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            // One worker runs every scenario's I/O: requests then never hop between threads
            // (context switches were the largest client CPU cost), and one core is plenty.
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| Error::Internal(format!("tokio runtime: {e}")))?,
    );
    let mut server = None;
    let target = match opts.target.clone() {
        Some(t) => t,
        None => {
            let s = rt
                .block_on(crate::server::Server::start_ephemeral())
                .map_err(|e| Error::Internal(format!("embedded server: {e}")))?;
            eprintln!(
                "medusa-conform: no --target or MEDUSA_URL given: running against the embedded reference server at {} \
                 (a faithful in-process Medusa v1.20 Store Auth implementation; pass --target URL to test a real deployment)",
                s.url
            );
            // Tokens that scenarios forge must be signed with the secret of the server under test.
            opts.env
                .insert("MEDUSA_JWT_SECRET".into(), s.jwt_secret.clone());
            let url = s.url.clone();
            server = Some(s);
            url
        }
    };
    let target_url = url::Url::parse(&target)
        .map_err(|e| Error::Usage(format!("--target `{target}` is not a URL: {e}")))?;
    let client = crate::http::client(&opts.client)?;
    rt.block_on(crate::http::probe(&client, &target_url))?;
    let ctx = Arc::new(Context {
        client,
        target: target_url,
        env: Arc::new(opts.env.clone()),
        cli_vars: opts.vars.clone(),
        seed,
        strict: opts.strict,
    });
    eprintln!(
        "medusa-conform: {} scenario(s) against {target}, seed {seed}",
        scenarios.len()
    );
    let reports = Arc::new(Mutex::new(Vec::<ScenarioReport>::new()));
    let trials = trials(
        &scenarios,
        repeat,
        Some((rt.clone(), ctx.clone(), reports.clone())),
    );
    let conclusion = libtest_mimic::run(&args, trials);
    drop(server);
    let mut reports = std::mem::take(&mut *reports.lock().unwrap_or_else(|e| e.into_inner()));
    reports.sort_by(|a, b| (a.name.as_str(), a.iteration).cmp(&(b.name.as_str(), b.iteration)));
    if !opts.format_json {
        print!("{}", crate::report::human::summary(&reports, seed, &target));
    }
    write_reports(&opts, &reports, &target, seed)?;
    let failed = conclusion.has_failed() || reports.iter().any(|r| r.status == Status::Failed);
    Ok(if failed {
        ExitCode::Failed
    } else {
        ExitCode::Success
    })
}

fn write_reports(
    opts: &RunOptions,
    reports: &[ScenarioReport],
    target: &str,
    seed: u64,
) -> Result<(), Error> {
    let write = |p: &std::path::Path, text: String| {
        std::fs::write(p, text).map_err(|e| Error::Io {
            path: p.display().to_string(),
            source: e,
        })
    };
    if let Some(p) = &opts.junit {
        write(p, crate::report::junit::render(reports))?;
    }
    if let Some(p) = &opts.json {
        write(p, crate::report::json::render(reports, target, seed))?;
    }
    Ok(())
}

type Running = (
    Arc<tokio::runtime::Runtime>,
    Arc<Context>,
    Arc<Mutex<Vec<ScenarioReport>>>,
);

fn trials(scenarios: &Arc<Vec<Scenario>>, repeat: u32, running: Option<Running>) -> Vec<Trial> {
    let mut out = Vec::new();
    for i in 0..scenarios.len() {
        for iteration in 0..repeat {
            let name = if repeat > 1 {
                format!("{}#{}", scenarios[i].name, iteration + 1)
            } else {
                scenarios[i].name.clone()
            };
            let scenarios = scenarios.clone();
            let running = running.clone();
            out.push(Trial::ignorable_test(name, move || {
                let Some((rt, ctx, reports)) = running else {
                    return Ok(Completion::Completed);
                };
                // The scenario runs as a task on the runtime's worker; this libtest thread
                // only waits for its report.
                let (tx, rx) = std::sync::mpsc::channel();
                rt.spawn(async move {
                    let _ = tx.send(crate::run::run(&scenarios[i], &ctx, iteration).await);
                });
                let report = rx
                    .recv()
                    .map_err(|_| Failed::from("the scenario's task panicked"))?;
                let outcome = match report.status {
                    Status::Passed => Ok(Completion::Completed),
                    Status::Skipped | Status::KnownBug | Status::NotApplicable => Ok(
                        Completion::ignored_with(report.note.clone().unwrap_or_default()),
                    ),
                    Status::Failed => {
                        Err(Failed::from(crate::report::human::failure(&report, false)))
                    }
                };
                reports
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(report);
                outcome
            }));
        }
    }
    out
}

/// `lint`: load and plan everything, send nothing.
pub fn lint(opts: &RunOptions) -> Result<usize, Error> {
    prepare(opts).map(|s| s.len())
}

/// Runs scenarios without libtest (for programmatic use: the fault matrix, benchmarks),
/// `parallel` at a time, returning the reports in the scenarios' order.
pub async fn run_all(
    scenarios: Arc<Vec<Scenario>>,
    ctx: Arc<Context>,
    parallel: usize,
) -> Vec<ScenarioReport> {
    let sem = Arc::new(tokio::sync::Semaphore::new(parallel.max(1)));
    let mut set = tokio::task::JoinSet::new();
    for i in 0..scenarios.len() {
        let (scenarios, ctx, sem) = (scenarios.clone(), ctx.clone(), sem.clone());
        set.spawn(async move {
            let _permit = sem.acquire().await;
            (i, crate::run::run(&scenarios[i], &ctx, 0).await)
        });
    }
    let mut out: Vec<Option<ScenarioReport>> = (0..scenarios.len()).map(|_| None).collect();
    while let Some(r) = set.join_next().await {
        if let Ok((i, rep)) = r {
            out[i] = Some(rep);
        }
    }
    out.into_iter().flatten().collect()
}
