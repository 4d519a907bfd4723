//! The runner: loads specs and scenarios, plans them, checks the target answers, then runs one
//! libtest-mimic trial per scenario (in parallel, on one shared tokio runtime and HTTP client),
//! collects the reports and hands them to the reporters. Returns a documented exit code.

use crate::engine::run::Context;
use crate::error::{Error, ExitCode, Selector};
use crate::options::RunOptions;
use crate::plan::Scenario;
use crate::report::event::{ScenarioReport, Status};
use libtest_mimic::{Arguments, Completion, Failed, Trial};
use std::sync::{Arc, Mutex};

/// Default parallelism: the work is I/O-bound, so well above the core count.
pub const DEFAULT_THREADS: usize = 16;
/// Default parallelism in driver mode: there the client (a browser for medusa-js) does the work
/// and is CPU-bound; on 2 cores 2-4 scenarios at once beat 16 (which only queue in the browser
/// and need more browser contexts: tests/drivers/bench.mjs, README "Performance").
pub const DRIVER_THREADS: usize = 4;

/// How much of `specs/` a command compiles (src/specs.rs compiles on first use).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compile {
    /// `list`: nothing; unknown schema names are still plan errors.
    Nothing,
    /// `run`: the schemas the selected scenarios name, at the run's level, before sending.
    Selected,
    /// `lint`: every schema at both levels, so every problem under `specs/` is reported.
    Everything,
}

/// Loads, plans and filters by tag, and compiles the schemas the selection needs (none to
/// `--list`). Invalid input is reported with file:line:col.
pub fn prepare(opts: &RunOptions) -> Result<Vec<Scenario>, Error> {
    let compile = if opts.libtest.list {
        Compile::Nothing
    } else {
        Compile::Selected
    };
    prepare_compiling(opts, compile)
}

fn prepare_compiling(opts: &RunOptions, compile: Compile) -> Result<Vec<Scenario>, Error> {
    // Reading the specs and reading the files are independent: overlap them (start-up time).
    let (specs, files) = std::thread::scope(|s| {
        let specs = s.spawn(|| {
            let specs = crate::specs::Specs::load(&opts.specs_dir)?;
            if compile == Compile::Everything {
                specs.compile_all()?;
            }
            Ok(specs)
        });
        let files = crate::scenario::load::read_all(&opts.paths);
        (
            specs
                .join()
                .unwrap_or_else(|_| Err(Error::Internal("spec loading panicked".into()))),
            files,
        )
    });
    let (specs, files) = (specs?, files?);
    let cli: Vec<String> = opts.vars.iter().map(|(k, _)| k.clone()).collect();
    let mut scenarios = load_and_plan(&files, &specs, &cli)?;
    scenarios.iter_mut().for_each(|s| s.strict = opts.strict);
    if scenarios.is_empty() {
        return Err(nothing_selected(
            Selector::Paths,
            format!(
                "no scenario files under {}",
                opts.paths
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            vec![],
        ));
    }
    let all = scenarios.len();
    let all_tags: std::collections::BTreeSet<String> =
        scenarios.iter().flat_map(|s| s.tags.clone()).collect();
    if !opts.tags.is_empty() {
        scenarios.retain(|s| s.tags.iter().any(|t| opts.tags.contains(t)));
        if scenarios.is_empty() {
            let hints: Vec<String> = opts
                .tags
                .iter()
                .filter_map(|t| {
                    crate::suggest::did_you_mean(t, all_tags.iter().map(String::as_str))
                })
                .collect();
            return Err(nothing_selected(
                Selector::Tag,
                format!(
                    "--tag {} selected none of the {all} scenario(s)",
                    opts.tags.join(" --tag ")
                ),
                hints,
            ));
        }
    }
    if !opts.skip_tags.is_empty() {
        scenarios.retain(|s| !s.tags.iter().any(|t| opts.skip_tags.contains(t)));
        if scenarios.is_empty() {
            return Err(nothing_selected(
                Selector::SkipTag,
                format!(
                    "--skip-tag {} left out every selected scenario",
                    opts.skip_tags.join(" --skip-tag ")
                ),
                vec![],
            ));
        }
    }
    if compile == Compile::Selected {
        specs.compile(schemas_named(&scenarios, opts.strict), opts.strict)?;
    }
    Ok(scenarios)
}

/// Parses and plans each file over the cores, in order; each file's parsed document is freed
/// by the thread that planned it (freeing is a start-up cost too). Problems come in file order,
/// as in the stages one after the other: YAML errors first (planning is not reported while the
/// YAML is broken), then clashing test names, then plan errors.
fn load_and_plan(
    files: &[crate::scenario::load::Read],
    specs: &crate::specs::Specs,
    cli: &[String],
) -> Result<Vec<Scenario>, Error> {
    use crate::scenario::load;
    enum Outcome {
        Planned(Box<Scenario>),
        Yaml(Box<crate::Diagnostic>),
        Plan(Vec<crate::Diagnostic>),
    }
    let results = crate::parallel::map(
        files,
        |(name, file)| match load::parse_file(name.clone(), file.clone()) {
            Err(d) => Outcome::Yaml(d),
            Ok(loaded) => match crate::plan::plan(&loaded, specs, cli) {
                Ok(s) => Outcome::Planned(Box::new(s)),
                Err(ds) => Outcome::Plan(ds),
            },
        },
        |(_, file)| Outcome::Yaml(Box::new(load::crashed(file))),
    );
    let (mut scenarios, mut yaml, mut plan) = (Vec::new(), Vec::new(), Vec::new());
    for r in results {
        match r {
            Outcome::Planned(s) => scenarios.push(*s),
            Outcome::Yaml(d) => yaml.push(*d),
            Outcome::Plan(mut ds) => plan.append(&mut ds),
        }
    }
    let duplicates = load::duplicate_names(files);
    match () {
        _ if !yaml.is_empty() => Err(Error::Invalid(yaml)),
        _ if !duplicates.is_empty() => Err(Error::Invalid(duplicates)),
        _ if !plan.is_empty() => Err(Error::Invalid(plan)),
        _ => Ok(scenarios),
    }
}

/// The schemas `scenarios` check at this level (`exact:` ones and `level: exact` scenarios
/// only under `--strict`).
fn schemas_named(scenarios: &[Scenario], strict: bool) -> impl Iterator<Item = &str> {
    scenarios
        .iter()
        .filter(move |s| strict || s.level == crate::plan::Level::Contract)
        .flat_map(|s| s.setup.iter().chain(&s.steps).chain(&s.teardown))
        .flat_map(|step| &step.expects)
        .filter(move |e| strict || !e.exact)
        .filter_map(|e| match &e.kind {
            crate::plan::Check::Schema(name, _) => Some(name.as_str()),
            _ => None,
        })
}

fn nothing_selected(selector: Selector, what: String, hints: Vec<String>) -> Error {
    let mut message = format!("nothing to run: {what}");
    for h in hints {
        message.push_str(&format!("\n  help: {h}"));
    }
    Error::NothingSelected { selector, message }
}

fn libtest_args(opts: &RunOptions) -> Arguments {
    let mut a = opts.libtest.clone();
    let default = if opts.driver.is_some() {
        DRIVER_THREADS
    } else {
        DEFAULT_THREADS
    };
    a.test_threads = Some(a.test_threads.unwrap_or(default));
    a
}

/// The name filters (FILTER with `--exact`, `--skip`, `--ignored`) must leave something: says
/// which one selected nothing. `--list --ignored` listing nothing is an answer, not an error:
/// test runners (nextest) ask it to learn which tests are ignored.
fn check_name_selection(args: &Arguments, trials: &[Trial]) -> Result<(), Error> {
    let left = |a: &Arguments| trials.iter().filter(|t| !a.is_filtered_out(t)).count();
    let only_filter = Arguments {
        filter: args.filter.clone(),
        exact: args.exact,
        ..Arguments::default()
    };
    if let Some(f) = &args.filter
        && left(&only_filter) == 0
    {
        let hint = crate::suggest::did_you_mean(f, trials.iter().map(|t| t.name()));
        return Err(nothing_selected(
            Selector::NameFilter,
            format!(
                "the name filter `{f}`{} matches none of the {} scenario(s)",
                if args.exact { " (--exact)" } else { "" },
                trials.len()
            ),
            hint.into_iter().collect(),
        ));
    }
    let with_skip = Arguments {
        skip: args.skip.clone(),
        ..only_filter
    };
    if !args.skip.is_empty() && left(&with_skip) == 0 {
        return Err(nothing_selected(
            Selector::Skip,
            format!(
                "--skip {} left out every selected scenario",
                args.skip.join(" --skip ")
            ),
            vec![],
        ));
    }
    if args.ignored && !args.list && left(args) == 0 {
        return Err(nothing_selected(
            Selector::Ignored,
            "--ignored: no selected scenario is marked ignored".into(),
            vec![],
        ));
    }
    Ok(())
}

fn new_seed() -> u64 {
    let t = crate::clock::since_epoch();
    (t.as_nanos() as u64 ^ (std::process::id() as u64).rotate_left(32)) % 1_000_000_000
}

/// The API this run's target speaks: `--api`, else the one every selected scenario speaks,
/// else (a mix) v1. Without `--target`, the embedded server of that API is the target.
fn run_api(opts: &RunOptions, scenarios: &[Scenario]) -> Result<&'static str, Error> {
    if let Some(a) = &opts.api {
        return crate::api::find(a).map(|a| a.name).ok_or_else(|| {
            let names: Vec<&str> = crate::api::APIS.iter().map(|a| a.name).collect();
            Error::Usage(format!("--api `{a}`: known APIs are {}", names.join(", ")))
        });
    }
    let first = scenarios.first().map(|s| s.api);
    Ok(match first {
        Some(a) if scenarios.iter().all(|s| s.api == a) => a,
        _ => crate::api::DEFAULT_API,
    })
}

/// Runs the selection; the whole `run` command.
pub fn run(mut opts: RunOptions) -> Result<ExitCode, Error> {
    let scenarios = prepare(&opts)?;
    let args = libtest_args(&opts);
    let seed = opts.seed.unwrap_or_else(new_seed);
    let repeat = opts.repeat.max(1);
    let scenarios = Arc::new(scenarios);

    let listed = trials(&scenarios, repeat, None, false);
    check_name_selection(&args, &listed)?;
    if opts.libtest.list {
        let _ = libtest_mimic::run(&args, listed);
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
    let api = run_api(&opts, &scenarios)?;
    let mut server = None;
    let target = match opts.target.clone() {
        Some(t) => t,
        None => {
            let s = start_embedded(&rt, api, &mut opts)?;
            let url = s.url.clone();
            server = Some(s);
            url
        }
    };
    let target_url = url::Url::parse(&target)
        .map_err(|e| Error::Usage(format!("--target `{target}` is not a URL: {e}")))?;
    let client = crate::engine::http::client(&opts.client, &target_url)?;
    rt.block_on(crate::engine::http::probe(&client, &target_url))?;
    let driver = start_driver(&rt, &opts, &args, &target)?;
    let ctx = Arc::new(Context {
        client,
        target: target_url,
        env: Arc::new(opts.env.clone()),
        cli_vars: opts.vars.clone(),
        seed,
        driver: driver.clone(),
        publishable_key: opts.publishable_key.clone(),
        events: opts.events.clone(),
        api: Some(api),
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
        opts.fail_on_skip,
    );
    let conclusion = libtest_mimic::run(&args, trials);
    let (driver_info, driver_failure) = stop_driver(&rt, driver);
    drop(server);
    let mut reports = std::mem::take(&mut *reports.lock().unwrap_or_else(|e| e.into_inner()));
    reports.sort_by(|a, b| (a.name.as_str(), a.iteration).cmp(&(b.name.as_str(), b.iteration)));
    report_run(&opts, &reports, &target, seed, driver_info.as_ref())?;
    if let Some(e) = driver_failure {
        return Err(Error::Driver(e));
    }
    verdict(&reports, conclusion.has_failed(), opts.fail_on_skip)
}

/// No target given: the embedded reference server for `api`, whose secrets (tokens that
/// scenarios forge must be signed with the server's) and key the run then uses.
fn start_embedded(
    rt: &tokio::runtime::Runtime,
    api: &str,
    opts: &mut RunOptions,
) -> Result<crate::server::embedded::Embedded, Error> {
    let s = rt
        .block_on(crate::server::embedded::start(api))
        .map_err(|e| Error::Internal(format!("embedded server: {e}")))?;
    eprintln!(
        "medusa-conform: no --target or MEDUSA_URL given: running against the embedded reference server at {} \
         ({}; pass --target URL to test a real deployment)",
        s.url, s.description
    );
    opts.env.extend(s.env.iter().cloned());
    if s.publishable_key.is_some() {
        opts.publishable_key = s.publishable_key.clone();
        opts.events = s.events.clone();
    }
    Ok(s)
}

/// Starts `--driver`, if given, sized to how many scenarios run at once.
fn start_driver(
    rt: &tokio::runtime::Runtime,
    opts: &RunOptions,
    args: &libtest_mimic::Arguments,
    target: &str,
) -> Result<Option<Arc<crate::driver::Driver>>, Error> {
    let Some(spec) = &opts.driver else {
        return Ok(None);
    };
    // The driver sizes its pool of ready clients to how many scenarios run at once.
    let mut spec = spec.clone();
    spec.options
        .entry("concurrency")
        .or_insert(args.test_threads.unwrap_or(DRIVER_THREADS).into());
    Ok(Some(crate::driver::start_for_run(rt, &spec, target)?))
}

/// Shuts the driver down: what it is (for the reports) and how it failed, if it did.
fn stop_driver(
    rt: &tokio::runtime::Runtime,
    driver: Option<Arc<crate::driver::Driver>>,
) -> (
    Option<crate::report::DriverInfo>,
    Option<crate::driver::DriverError>,
) {
    let Some(d) = driver else {
        return (None, None);
    };
    let info = crate::report::DriverInfo::from_hello(&d.hello);
    let _ = rt.block_on(d.shutdown());
    (Some(info), d.failure())
}

/// The exit code of a finished run: failures first, then skips under `--fail-on-skip`, then a
/// run in which nothing ran.
pub fn verdict(
    reports: &[ScenarioReport],
    libtest_failed: bool,
    fail_on_skip: bool,
) -> Result<ExitCode, Error> {
    let c = crate::report::human::counts(reports);
    let skips_fail = fail_on_skip && c.skipped > 0;
    if skips_fail {
        eprintln!(
            "medusa-conform: FAILED: {} scenario(s) skipped for a missing input, and --fail-on-skip is on \
             (provide the input, or pass --no-fail-on-skip)",
            c.skipped
        );
    }
    if libtest_failed || c.failed > 0 || skips_fail {
        return Ok(ExitCode::Failed);
    }
    if c.ran() == 0 {
        return Err(nothing_selected(
            Selector::NothingRan,
            format!(
                "all {} selected scenario(s) were skipped ({}) or not applicable ({}): nothing ran",
                reports.len(),
                c.skipped,
                c.not_applicable
            ),
            vec![],
        ));
    }
    Ok(ExitCode::Success)
}

/// The summary on stdout (unless libtest prints JSON there) and the report files.
fn report_run(
    opts: &RunOptions,
    reports: &[ScenarioReport],
    target: &str,
    seed: u64,
    driver: Option<&crate::report::DriverInfo>,
) -> Result<(), Error> {
    let format_json = opts.libtest.format == Some(libtest_mimic::FormatSetting::Json);
    if !format_json {
        print!("{}", crate::report::human::summary(reports, seed, target));
    }
    let write = |p: &std::path::Path, text: String| {
        std::fs::write(p, text).map_err(|e| Error::Io {
            path: p.display().to_string(),
            source: e,
        })
    };
    if let Some(p) = &opts.junit {
        write(p, crate::report::junit::render_with_driver(reports, driver))?;
    }
    if let Some(p) = &opts.json {
        write(
            p,
            crate::report::json::render_with_driver(reports, target, seed, driver),
        )?;
    }
    if let Some(p) = &opts.html {
        write(p, crate::report::html::render(reports, target, seed))?;
    }
    if let Some(p) = &opts.summary {
        write(p, crate::report::summary::render(reports, target, seed))?;
    }
    Ok(())
}

type Running = (
    Arc<tokio::runtime::Runtime>,
    Arc<Context>,
    Arc<Mutex<Vec<ScenarioReport>>>,
);

fn trials(
    scenarios: &Arc<Vec<Scenario>>,
    repeat: u32,
    running: Option<Running>,
    fail_on_skip: bool,
) -> Vec<Trial> {
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
                let (task_scenarios, task_ctx) = (scenarios.clone(), ctx.clone());
                rt.spawn(async move {
                    let report =
                        crate::engine::run::run_scenario(&task_scenarios[i], &task_ctx, iteration)
                            .await;
                    let _ = tx.send(report);
                });
                let Ok(report) = rx.recv() else {
                    let mut report = panicked_report(&scenarios[i], ctx.seed);
                    report.iteration = iteration;
                    let msg = report.note.clone().unwrap_or_default();
                    reports
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(report);
                    return Err(Failed::from(msg));
                };
                let outcome = match report.status {
                    Status::Passed => Ok(Completion::Completed),
                    Status::Skipped if fail_on_skip => Err(Failed::from(format!(
                        "skipped, and --fail-on-skip is on: {}",
                        report.note.clone().unwrap_or_default()
                    ))),
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

/// `lint`: load and plan everything and compile every schema at both levels; send nothing.
pub fn lint(opts: &RunOptions) -> Result<usize, Error> {
    prepare_compiling(opts, Compile::Everything).map(|s| s.len())
}

/// Runs scenarios without libtest (for the fault matrix and the benchmarks), `parallel` at a
/// time, returning the reports in the scenarios' order.
#[cfg(any(test, feature = "internals"))]
pub async fn run_scenarios(
    scenarios: Arc<Vec<Scenario>>,
    ctx: Arc<Context>,
    parallel: usize,
) -> Vec<ScenarioReport> {
    let seed = ctx.seed;
    let run = {
        let scenarios = scenarios.clone();
        move |i: usize| {
            let (scenarios, ctx) = (scenarios.clone(), ctx.clone());
            async move { crate::engine::run::run_scenario(&scenarios[i], &ctx, 0).await }
        }
    };
    join_reports(scenarios.len(), parallel, run, |i| {
        panicked_report(&scenarios[i], seed)
    })
    .await
}

/// Runs `run(0..n)`, `parallel` at a time, in order. A task that fails to join (it panicked)
/// gets `panicked(i)`: every planned scenario has a report.
#[cfg(any(test, feature = "internals"))]
async fn join_reports<F>(
    n: usize,
    parallel: usize,
    run: impl Fn(usize) -> F,
    panicked: impl Fn(usize) -> ScenarioReport,
) -> Vec<ScenarioReport>
where
    F: std::future::Future<Output = ScenarioReport> + Send + 'static,
{
    let sem = Arc::new(tokio::sync::Semaphore::new(parallel.max(1)));
    let mut set = tokio::task::JoinSet::new();
    let mut ids = std::collections::HashMap::new();
    for i in 0..n {
        let (sem, fut) = (sem.clone(), run(i));
        let handle = set.spawn(async move {
            let _permit = sem.acquire().await;
            fut.await
        });
        ids.insert(handle.id(), i);
    }
    let mut out: Vec<Option<ScenarioReport>> = (0..n).map(|_| None).collect();
    while let Some(r) = set.join_next_with_id().await {
        match r {
            Ok((id, rep)) => out[ids[&id]] = Some(rep),
            Err(e) => out[ids[&e.id()]] = Some(panicked(ids[&e.id()])),
        }
    }
    out.into_iter()
        .enumerate()
        .map(|(i, r)| r.unwrap_or_else(|| panicked(i)))
        .collect()
}

/// The report of a scenario whose task panicked: a failure, never a missing line.
fn panicked_report(sc: &Scenario, seed: u64) -> ScenarioReport {
    ScenarioReport {
        name: sc.name.clone(),
        title: sc.title.clone(),
        file: sc.file.path.clone(),
        tags: sc.tags.clone(),
        status: Status::Failed,
        duration_ms: 0,
        seed,
        iteration: 0,
        known_bug: None,
        note: Some("the scenario's task panicked (a bug in medusa-conform)".into()),
        not_applicable: None,
        steps: vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(name: &str) -> ScenarioReport {
        ScenarioReport {
            name: name.into(),
            title: String::new(),
            file: String::new(),
            tags: vec![],
            status: Status::Passed,
            duration_ms: 0,
            seed: 0,
            iteration: 0,
            known_bug: None,
            note: None,
            not_applicable: None,
            steps: vec![],
        }
    }

    #[tokio::test]
    async fn a_panicked_task_is_a_failed_report_not_a_missing_one() {
        let out = join_reports(
            3,
            2,
            |i| async move {
                if i == 1 {
                    panic!("boom");
                }
                report(&format!("s{i}"))
            },
            |i| {
                let mut r = report(&format!("s{i}"));
                r.status = Status::Failed;
                r
            },
        )
        .await;
        let got: Vec<_> = out.iter().map(|r| (r.name.as_str(), r.status)).collect();
        assert_eq!(
            got,
            [
                ("s0", Status::Passed),
                ("s1", Status::Failed),
                ("s2", Status::Passed)
            ]
        );
    }
}
