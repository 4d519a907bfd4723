//! `cargo bench --bench engine`: the figures the product brief measures us by, printed as a
//! table (no timing assertions anywhere). Linux only: CPU time and peak RSS come from /proc and
//! /usr/bin/time (Debian package `time`).
//!
//!   a) client CPU per request, schema checks on: the `scenarios/store-auth` suite run
//!      repeatedly in this process against the reference server in a CHILD process, so only the
//!      client's CPU (this process's utime+stime) is counted;
//!   b) start-up: `medusa-conform list` over 200 scenario files (load, read every spec, plan),
//!      with the breakdown in-process (`cargo bench --bench engine -- startup`: only this);
//!   c) memory: peak RSS of a full CLI suite run;
//!   d) reference server throughput: logins/s it sustains (in-process, 50 concurrent clients);
//!   e) suite wall time against the reference server and, when `MEDUSA_URL` is set, the real one;
//!   f) reference server memory under a soak: sessions held and RSS growth over 200,000
//!      anonymous requests (each opens a session, as in Medusa; the store is bounded).

use medusa_conform::engine::run::Context;
use medusa_conform::options::RunOptions;
use medusa_conform::plan::{Check, Scenario};
use medusa_conform::report::event::{ScenarioReport, Status};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_medusa-conform");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const JWT_SECRET: &str = "bench-jwt-secret-0123456789";
const COOKIE_SECRET: &str = "bench-cookie-secret-0123456789";
const PARALLEL: usize = 16;
/// A fresh seed for every suite run, so no two runs generate the same e-mails.
static SEEDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

// ------------------------------------------------------------------------------ /proc helpers

/// Counts the bytes allocated (freed ones not subtracted) while [`COUNTING`] is on, for the
/// start-up breakdown; off, it costs the other figures one relaxed load per allocation.
struct Counting;
static ALLOCATED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
static COUNTING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn count(bytes: usize) {
    use std::sync::atomic::Ordering::Relaxed;
    if COUNTING.load(Relaxed) {
        ALLOCATED.fetch_add(bytes as u64, Relaxed);
    }
}

// SAFETY: forwards every call to the system allocator unchanged; only adds a counter.
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: the caller's contract is System's.
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: as above.
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, size: usize) -> *mut u8 {
        count(size.saturating_sub(layout.size()));
        // SAFETY: as above.
        unsafe { std::alloc::System.realloc(ptr, layout, size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocated() -> u64 {
    ALLOCATED.load(std::sync::atomic::Ordering::Relaxed)
}

fn clk_tck() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// This process's user+system CPU seconds (all threads, living and dead).
fn cpu_secs(tck: f64) -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    // Fields after the `(comm)`: state is index 0, utime 11, stime 12.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    (f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap()) / tck
}

fn status_kb(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn have_time() -> bool {
    Path::new("/usr/bin/time").exists()
}

/// Runs `cmd` under `/usr/bin/time -f %M`: (exit code, max RSS in KiB).
fn max_rss(cmd: &mut Command) -> (i32, u64) {
    let prog = cmd.get_program().to_owned();
    let args: Vec<_> = cmd.get_args().map(|a| a.to_owned()).collect();
    let mut t = Command::new("/usr/bin/time");
    t.arg("-f").arg("MAXRSS %M").arg(prog).args(args);
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => t.env(k, v),
            None => t.env_remove(k),
        };
    }
    if let Some(d) = cmd.get_current_dir() {
        t.current_dir(d);
    }
    let out = t.stdout(Stdio::null()).output().expect("/usr/bin/time");
    let err = String::from_utf8_lossy(&out.stderr);
    let kb = err
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("MAXRSS "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    (out.status.code().unwrap_or(-1), kb)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

// --------------------------------------------------------------------- the child server

struct ChildServer {
    child: Child,
    url: String,
    _stdout: BufReader<std::process::ChildStdout>,
}

impl ChildServer {
    fn start() -> ChildServer {
        let mut child = Command::new(BIN)
            .args(["serve", "--port", "0", "--jwt-secret", JWT_SECRET])
            .args(["--cookie-secret", COOKIE_SECRET])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn medusa-conform serve");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut url = None;
        let mut line = String::new();
        while url.is_none() {
            line.clear();
            if out.read_line(&mut line).unwrap_or(0) == 0 {
                let _ = child.kill();
                panic!("`medusa-conform serve --port 0` exited without printing its URL");
            }
            url = line
                .trim()
                .strip_prefix("export MEDUSA_URL=")
                .map(str::to_string);
        }
        ChildServer {
            child,
            url: url.unwrap(),
            _stdout: out,
        }
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ------------------------------------------------------------------------- suite helpers

fn runtime() -> tokio::runtime::Runtime {
    // The CLI's runtime: two workers.
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn suite() -> Arc<Vec<Scenario>> {
    let opts = RunOptions {
        paths: vec![Path::new(ROOT).join("scenarios/store-auth")],
        specs_dir: Path::new(ROOT).join("specs"),
        ..RunOptions::default()
    };
    match medusa_conform::engine::harness::prepare(&opts) {
        Ok(s) => Arc::new(s),
        Err(e) => panic!("scenarios/store-auth does not plan: {e}"),
    }
}

/// The environment the reference server's scenarios see: its secret, no admin (it has none).
fn reference_env() -> HashMap<String, String> {
    HashMap::from([
        ("MEDUSA_JWT_SECRET".to_string(), JWT_SECRET.to_string()),
        (
            "MEDUSA_COOKIE_SECRET".to_string(),
            COOKIE_SECRET.to_string(),
        ),
    ])
}

fn context(url: &str, env: &Arc<HashMap<String, String>>, seed: u64) -> Arc<Context> {
    Arc::new(Context {
        client: medusa_conform::engine::http::client(
            &Default::default(),
            &"http://localhost".parse().unwrap(),
        )
        .unwrap(),
        target: url::Url::parse(url).unwrap(),
        env: env.clone(),
        cli_vars: vec![],
        seed,
        driver: None,
        publishable_key: None,
        events: None,
        api: None,
    })
}

#[derive(Default, Clone, Copy)]
struct Tally {
    requests: u64,
    schema_checks: u64,
    passed: u64,
    failed: u64,
    skipped: u64,
    known_bug: u64,
}

impl Tally {
    fn add(&mut self, scenarios: &[Scenario], reports: &[ScenarioReport]) {
        for (sc, rep) in scenarios.iter().zip(reports) {
            match rep.status {
                Status::Passed => self.passed += 1,
                Status::Failed => self.failed += 1,
                Status::Skipped | Status::NotApplicable => self.skipped += 1,
                Status::KnownBug => self.known_bug += 1,
            }
            let planned: Vec<_> = sc
                .setup
                .iter()
                .chain(&sc.steps)
                .chain(&sc.teardown)
                .collect();
            let aligned = planned.len() == rep.steps.len();
            for (i, s) in rep.steps.iter().enumerate() {
                if s.response.is_none() {
                    continue;
                }
                self.requests += s.attempts.max(1) as u64;
                if aligned {
                    self.schema_checks += planned[i]
                        .expects
                        .iter()
                        .filter(|e| matches!(e.kind, Check::Schema(..)))
                        .count() as u64;
                }
            }
        }
    }

    fn verdicts(&self) -> String {
        format!(
            "{} passed, {} failed, {} skipped, {} known bug",
            self.passed, self.failed, self.skipped, self.known_bug
        )
    }
}

struct SuiteRuns {
    reps: u32,
    tally: Tally,
    wall: Duration,
    cpu: f64,
}

/// Runs the suite `reps` times (or until `budget` is spent), a fresh seed per repetition so
/// every run registers new customers.
fn run_suite(
    rt: &tokio::runtime::Runtime,
    scenarios: &Arc<Vec<Scenario>>,
    url: &str,
    env: HashMap<String, String>,
    reps: u32,
    budget: Duration,
) -> SuiteRuns {
    let env = Arc::new(env);
    let tck = clk_tck();
    let mut tally = Tally::default();
    let cpu0 = cpu_secs(tck);
    let t0 = Instant::now();
    let mut done = 0;
    while done < reps && (done == 0 || t0.elapsed() < budget) {
        let seed = SEEDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let ctx = context(url, &env, seed);
        let reports = rt.block_on(medusa_conform::engine::harness::run_scenarios(
            scenarios.clone(),
            ctx,
            PARALLEL,
        ));
        tally.add(scenarios, &reports);
        for r in reports.iter().filter(|r| r.status == Status::Failed) {
            let why = r
                .note
                .clone()
                .or_else(|| {
                    r.failed_steps().next().map(|s| {
                        let f = s
                            .failures
                            .first()
                            .map(|f| format!("{}: {}", f.check, f.message));
                        format!(
                            "step `{}`: {}",
                            s.name,
                            f.or(s.error.clone()).unwrap_or_default()
                        )
                    })
                })
                .unwrap_or_default();
            eprintln!(
                "    FAILED (run {}): {} — {}",
                done + 1,
                r.name,
                why.lines().next().unwrap_or("")
            );
        }
        done += 1;
    }
    SuiteRuns {
        reps: done,
        tally,
        wall: t0.elapsed(),
        cpu: cpu_secs(tck) - cpu0,
    }
}

// --------------------------------------------------------------------------------- output

struct Table(Vec<(String, String, String)>);

impl Table {
    fn row(&mut self, what: impl Into<String>, value: impl Into<String>, note: impl Into<String>) {
        let r = (what.into(), value.into(), note.into());
        eprintln!("  {:<48} {}", r.0, r.1);
        self.0.push(r);
    }

    fn print(&self) {
        let w0 = self
            .0
            .iter()
            .map(|r| r.0.chars().count())
            .max()
            .unwrap_or(0);
        let w1 = self
            .0
            .iter()
            .map(|r| r.1.chars().count())
            .max()
            .unwrap_or(0);
        println!();
        println!("{:<w0$} | {:<w1$} | notes", "measure", "value");
        println!("{}-|-{}-|------", "-".repeat(w0), "-".repeat(w1));
        for (a, b, c) in &self.0 {
            println!("{a:<w0$} | {b:<w1$} | {c}");
        }
    }
}

// ---------------------------------------------------------------------------------- main

fn main() {
    // `cargo bench` passes `--bench`; a filter-free run does everything.
    std::env::set_current_dir(ROOT).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    SEEDS.store(
        (now.as_nanos() as u64) % 1_000_000_000,
        std::sync::atomic::Ordering::Relaxed,
    );
    let started = Instant::now();
    let mut t = Table(Vec::new());
    eprintln!("medusa-conform engine bench ({})", machine());
    // `cargo bench --bench engine -- soak`: only f), the server's memory under a soak.
    if std::env::args().any(|a| a == "soak") {
        server_soak(&mut t);
        t.print();
        return;
    }
    // `cargo bench --bench engine -- startup`: only b), start-up and its breakdown.
    if std::env::args().any(|a| a == "startup") {
        startup(&mut t);
        t.print();
        println!("machine: {}", machine());
        return;
    }

    startup(&mut t);
    let server = ChildServer::start();
    let scenarios = suite();
    client_cpu(&mut t, &server, &scenarios);
    memory(&mut t, &server);
    drop(server);
    throughput(&mut t);
    server_soak(&mut t);
    real_medusa(&mut t, &scenarios);
    driver_mode(&mut t);

    t.print();
    println!();
    println!(
        "targets: client CPU/request with schema checks < 0.3 ms (Hurl 8: 0.62 ms without schema checks); \
         start-up (200 scenarios, every spec, --list) < 20 ms; memory < 30 MB"
    );
    println!("machine: {}", machine());
    println!("bench took {:.1} s", started.elapsed().as_secs_f64());
}

fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{cores} CPU(s), {model}")
}

/// b) 200 scenario files (copies of `scenarios/store-auth`): the CLI's `list` as a child (wall,
/// max RSS), and the library's load + plan + specs in this process, phase by phase.
fn startup(t: &mut Table) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("scenarios");
    std::fs::create_dir_all(&root).unwrap();
    let mut originals = Vec::new();
    collect_yaml(
        &Path::new(ROOT).join("scenarios/store-auth"),
        &mut originals,
    );
    originals.sort();
    assert!(!originals.is_empty());
    for i in 0..200 {
        let src = &originals[i % originals.len()];
        let stem = src.file_stem().unwrap().to_string_lossy();
        std::fs::copy(src, root.join(format!("s{i:03}-{stem}.yaml"))).unwrap();
    }
    let specs = Path::new(ROOT).join("specs");
    let list = || {
        let mut c = Command::new(BIN);
        c.arg("list")
            .arg(&root)
            .arg("--specs")
            .arg(&specs)
            .env_remove("MEDUSA_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    };
    // Warm the page cache, and check it lists 200.
    let out = list().output().unwrap();
    let listed = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.ends_with(": test"))
        .count();
    if !out.status.success() || listed != 200 {
        eprintln!(
            "warning: `list` exit {:?}, {listed} tests listed\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut walls = Vec::new();
    for _ in 0..21 {
        let t0 = Instant::now();
        let o = list().output().unwrap();
        walls.push(t0.elapsed().as_secs_f64() * 1e3);
        assert!(o.status.success(), "list failed");
    }
    let (min, max) = (
        walls.iter().cloned().fold(f64::MAX, f64::min),
        walls.iter().cloned().fold(0.0, f64::max),
    );
    let med = median(&mut walls);
    t.row(
        "b) start-up: `list` 200 scenarios + specs, wall",
        format!("{med:.1} ms median"),
        format!(
            "{} runs, min {min:.1} ms, max {max:.1} ms; process spawn included; target < 20 ms",
            walls.len()
        ),
    );
    // The floor under that: starting the binary and printing its version.
    let mut walls = Vec::new();
    for _ in 0..21 {
        let t0 = Instant::now();
        let o = Command::new(BIN).arg("--version").output().unwrap();
        walls.push(t0.elapsed().as_secs_f64() * 1e3);
        assert!(o.status.success(), "--version failed");
    }
    t.row(
        "b) start-up floor: `medusa-conform --version`, wall",
        format!("{:.1} ms median", median(&mut walls)),
        "process spawn + exec + exit: the part of the figure above no loading can remove",
    );
    if have_time() {
        let rss = (0..3).map(|_| max_rss(&mut list()).1).max().unwrap_or(0);
        t.row(
            "b) start-up: `list` 200 scenarios, peak RSS",
            format!("{:.1} MB", rss as f64 / 1024.0),
            "max of 3 runs, /usr/bin/time %M",
        );
    }
    // In-process: the library alone (no process start, no libtest listing).
    let opts = RunOptions {
        paths: vec![root.clone()],
        specs_dir: specs.clone(),
        ..RunOptions::default()
    };
    let mut walls = Vec::new();
    for _ in 0..11 {
        let t0 = Instant::now();
        let n = medusa_conform::engine::harness::prepare(&opts)
            .map(|s| s.len())
            .unwrap_or(0);
        walls.push(t0.elapsed().as_secs_f64() * 1e3);
        assert_eq!(n, 200);
    }
    t.row(
        "b) start-up: library load+plan+specs, in-process",
        format!("{:.1} ms median", median(&mut walls)),
        format!(
            "{} runs of harness::prepare over 200 files (what `run` does before sending: compiles the named schemas)",
            walls.len()
        ),
    );
    startup_breakdown(t, &opts);
    t.row(
        "b) start-up: bench process peak RSS after that",
        format!("{:.1} MB", status_kb("VmHWM:") as f64 / 1024.0),
        "VmHWM of this process: library + 200 planned scenarios + compiled specs",
    );
}

/// Where the in-process start-up time goes: each phase on its own, sequentially (in `prepare`
/// the specs overlap the YAML), as medians of 11 runs, with the bytes each phase allocates.
fn startup_breakdown(t: &mut Table, opts: &RunOptions) {
    use medusa_conform::{plan, scenario::load, specs::Specs};
    let mut phases: Vec<(&str, Vec<f64>, u64)> = Vec::new();
    COUNTING.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut time = |name: &'static str, f: &mut dyn FnMut()| {
        let a0 = allocated();
        let t0 = Instant::now();
        f();
        let ms = t0.elapsed().as_secs_f64() * 1e3;
        let bytes = allocated() - a0;
        match phases.iter_mut().find(|p| p.0 == name) {
            Some(p) => p.1.push(ms),
            None => phases.push((name, vec![ms], bytes)),
        }
    };
    for _ in 0..11 {
        let mut texts = Vec::new();
        time("discover + read files", &mut || {
            texts = load::discover(&opts.paths)
                .unwrap()
                .into_iter()
                .map(|(f, root)| {
                    let text = std::fs::read_to_string(&f).unwrap();
                    (load::test_name(&f, &root), f.display().to_string(), text)
                })
                .collect::<Vec<_>>();
        });
        time("parse YAML, one thread", &mut || {
            for (n, p, text) in &texts {
                load::parse(n.clone(), p.clone(), text.clone()).unwrap();
            }
        });
        let mut loaded = Vec::new();
        time("load_all (read + parse YAML in parallel)", &mut || {
            loaded = load::load_all(&opts.paths).unwrap();
        });
        let mut sp = Specs::default();
        time("specs: read + parse JSON (compiles nothing)", &mut || {
            sp = Specs::load(&opts.specs_dir).unwrap();
        });
        let mut planned = Vec::new();
        time(
            "plan, one thread (templates, predicates, paths)",
            &mut || {
                planned = loaded
                    .iter()
                    .map(|l| plan::plan(l, &sp, &[]).unwrap())
                    .collect();
            },
        );
        assert_eq!(planned.len(), 200);
        let named: std::collections::BTreeSet<String> = planned
            .iter()
            .flat_map(|s| s.setup.iter().chain(&s.steps).chain(&s.teardown))
            .flat_map(|step| &step.expects)
            .filter_map(|e| match &e.kind {
                Check::Schema(name, _) => Some(name.clone()),
                _ => None,
            })
            .collect();
        time(
            "specs: compile the named ones, contract level (run)",
            &mut || {
                sp.compile(named.iter().map(String::as_str), false).unwrap();
            },
        );
        let fresh = Specs::load(&opts.specs_dir).unwrap();
        time(
            "specs: compile all, both levels (lint; not `list`)",
            &mut || {
                fresh.compile_all().unwrap();
            },
        );
    }
    COUNTING.store(false, std::sync::atomic::Ordering::Relaxed);
    for (name, mut ms, bytes) in phases {
        t.row(
            format!("b) start-up breakdown: {name}"),
            format!("{:.2} ms", median(&mut ms)),
            format!(
                "median of {} runs; allocates {:.1} MB",
                ms.len(),
                bytes as f64 / (1024.0 * 1024.0)
            ),
        );
    }
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            collect_yaml(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(p);
        }
    }
}

/// a) + e) the suite in this process against the child reference server.
fn client_cpu(t: &mut Table, server: &ChildServer, scenarios: &Arc<Vec<Scenario>>) {
    let rt = runtime();
    // Warm-up: connections, allocator, lazy statics.
    let warm = run_suite(
        &rt,
        scenarios,
        &server.url,
        reference_env(),
        1,
        Duration::ZERO,
    );
    let single_wall = warm.wall;
    let r = run_suite(
        &rt,
        scenarios,
        &server.url,
        reference_env(),
        20,
        Duration::from_secs(25),
    );
    let n = r.tally.requests.max(1) as f64;
    t.row(
        "a) client CPU per request, schema checks on",
        format!("{:.3} ms", r.cpu * 1e3 / n),
        format!(
            "{} requests in {} suite runs, {} schema checks ({:.0}% of requests); user+sys {:.2} s; Hurl 8: 0.62 ms without schema checks; target < 0.3 ms",
            r.tally.requests,
            r.reps,
            r.tally.schema_checks,
            r.tally.schema_checks as f64 * 100.0 / n,
            r.cpu
        ),
    );
    t.row(
        "a) requests/s (wall, suite loop, 16 scenarios at once)",
        format!("{:.0} req/s", n / r.wall.as_secs_f64()),
        "client and reference-server child share the machine; server hashes passwords with scrypt",
    );
    t.row(
        "a) suite verdicts per run (reference server)",
        per_run(&r.tally, r.reps).verdicts(),
        "skips: scenarios needing MEDUSA_ADMIN_* (the reference server has no admin API)",
    );
    t.row(
        "e) suite wall time, reference server (child)",
        format!(
            "{:.0} ms (mean), {:.0} ms (first run)",
            r.wall.as_secs_f64() * 1e3 / r.reps as f64,
            single_wall.as_secs_f64() * 1e3
        ),
        format!(
            "scenarios/store-auth: {} scenarios, {} requests per run",
            scenarios.len(),
            r.tally.requests / r.reps as u64
        ),
    );
}

fn per_run(t: &Tally, reps: u32) -> Tally {
    let d = reps.max(1) as u64;
    Tally {
        requests: t.requests / d,
        schema_checks: t.schema_checks / d,
        passed: t.passed / d,
        failed: t.failed / d,
        skipped: t.skipped / d,
        known_bug: t.known_bug / d,
    }
}

/// c) peak RSS of the CLI running the whole suite (against the child server, then embedded).
fn memory(t: &mut Table, server: &ChildServer) {
    if !have_time() {
        t.row(
            "c) memory: CLI suite run, peak RSS",
            "not measured",
            "/usr/bin/time missing (apt-get install time)",
        );
        return;
    }
    let cli = |target: Option<&str>| {
        let mut c = Command::new(BIN);
        c.args(["run", "scenarios/store-auth", "--specs", "specs", "-q"])
            .env_remove("MEDUSA_URL")
            .env_remove("MEDUSA_ADMIN_EMAIL")
            .env_remove("MEDUSA_ADMIN_PASSWORD")
            .env("MEDUSA_JWT_SECRET", JWT_SECRET)
            .env("MEDUSA_COOKIE_SECRET", COOKIE_SECRET);
        if let Some(u) = target {
            c.args(["--target", u]);
        } else {
            c.env_remove("MEDUSA_JWT_SECRET");
        }
        c
    };
    let (code, kb) = max_rss(&mut cli(Some(&server.url)));
    t.row(
        "c) memory: CLI suite run vs reference server, peak RSS",
        format!("{:.1} MB", kb as f64 / 1024.0),
        format!("`medusa-conform run scenarios/store-auth --target …` (client only), exit {code}; target < 30 MB"),
    );
    let (code, kb) = max_rss(&mut cli(None));
    t.row(
        "c) memory: CLI suite run, embedded server, peak RSS",
        format!("{:.1} MB", kb as f64 / 1024.0),
        format!("no --target: client + in-process reference server, exit {code}"),
    );
}

/// d) logins/s the reference server sustains: 50 customers, 50 clients, ~3 s, in-process.
fn throughput(t: &mut Table) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (ok, bad, secs) = rt.block_on(async {
        let server = medusa_conform::server::v1::Server::start_ephemeral()
            .await
            .unwrap();
        let url = server.url.clone();
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let mut reg = tokio::task::JoinSet::new();
        for i in 0..50 {
            let (c, url) = (client.clone(), url.clone());
            reg.spawn(async move {
                let email = format!("bench.{i}@example.com");
                let r = c
                    .post(format!("{url}/store/customers"))
                    .json(&serde_json::json!({"email": email, "password": "bench-pw"}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status().as_u16(), 200, "registration");
                email
            });
        }
        let mut emails = Vec::new();
        while let Some(e) = reg.join_next().await {
            emails.push(e.unwrap());
        }
        let t0 = Instant::now();
        let stop = t0 + Duration::from_secs(3);
        let mut set = tokio::task::JoinSet::new();
        for email in emails {
            let (c, url) = (client.clone(), url.clone());
            set.spawn(async move {
                let (mut ok, mut bad) = (0u64, 0u64);
                while Instant::now() < stop {
                    let r = c
                        .post(format!("{url}/store/auth"))
                        .json(&serde_json::json!({"email": email, "password": "bench-pw"}))
                        .send()
                        .await;
                    let good = match r {
                        Ok(r) => r.status().as_u16() == 200 && r.bytes().await.is_ok(),
                        Err(_) => false,
                    };
                    if good {
                        ok += 1;
                    } else {
                        bad += 1;
                    }
                }
                (ok, bad)
            });
        }
        let (mut ok, mut bad) = (0, 0);
        while let Some(r) = set.join_next().await {
            let (o, b) = r.unwrap();
            ok += o;
            bad += b;
        }
        (ok, bad, t0.elapsed().as_secs_f64())
    });
    t.row(
        "d) reference server: logins/s (POST /store/auth 200)",
        format!("{:.0} /s", ok as f64 / secs),
        format!(
            "50 customers, 50 concurrent clients, {secs:.1} s, {ok} ok, {bad} not 200; in-process (clients share the CPU); scrypt log_n=10 r=8 per login"
        ),
    );
}

/// f) 200,000 requests without a cookie against the in-process reference server: how many
/// sessions it holds and how much this process's RSS grew.
fn server_soak(t: &mut Table) {
    const REQUESTS: usize = 200_000;
    const CLIENTS: usize = 32;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (sessions_mid, sessions, rss_mid, rss_end, failed) = rt.block_on(async {
        let server = medusa_conform::server::v1::Server::start_ephemeral()
            .await
            .unwrap();
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let url = format!("{}/store/auth", server.url);
        let mut failed = 0;
        let mut mid = (0, 0);
        for half in 0..2 {
            let mut set = tokio::task::JoinSet::new();
            for _ in 0..CLIENTS {
                let (c, url) = (client.clone(), url.clone());
                set.spawn(async move {
                    let mut bad = 0;
                    for _ in 0..REQUESTS / 2 / CLIENTS {
                        match c.get(&url).send().await {
                            Ok(r) if r.status().as_u16() == 401 => {
                                let _ = r.bytes().await;
                            }
                            _ => bad += 1,
                        }
                    }
                    bad
                });
            }
            while let Some(b) = set.join_next().await {
                failed += b.unwrap_or(0);
            }
            if half == 0 {
                mid = (server.session_count(), status_kb("VmRSS:"));
            }
        }
        (
            mid.0,
            server.session_count(),
            mid.1,
            status_kb("VmRSS:"),
            failed,
        )
    });
    t.row(
        "f) reference server: sessions held after 100,000 / 200,000 anonymous requests",
        format!("{sessions_mid} / {sessions}"),
        format!("bounded store (10 h expiry, at most 10,000); {failed} requests not 401"),
    );
    t.row(
        "f) reference server: RSS after 100,000 / 200,000 anonymous requests",
        format!(
            "{:.1} / {:.1} MB",
            rss_mid as f64 / 1024.0,
            rss_end as f64 / 1024.0
        ),
        "in-process (client + server); flat means no growth in the second half".to_string(),
    );
}

/// e) the suite once against the real Medusa at `MEDUSA_URL`, if set.
fn real_medusa(t: &mut Table, scenarios: &Arc<Vec<Scenario>>) {
    let Some(url) = std::env::var("MEDUSA_URL").ok().filter(|u| !u.is_empty()) else {
        t.row(
            "e) suite wall time, real Medusa (MEDUSA_URL)",
            "not measured",
            "MEDUSA_URL not set (eval \"$(tests/targets/medusa-v1/up)\")",
        );
        return;
    };
    let rt = runtime();
    let env: HashMap<String, String> = std::env::vars().collect();
    let r = run_suite(&rt, scenarios, &url, env, 3, Duration::from_secs(15));
    t.row(
        "e) suite wall time, real Medusa (MEDUSA_URL)",
        format!(
            "{:.0} ms (mean)",
            r.wall.as_secs_f64() * 1e3 / r.reps as f64
        ),
        format!(
            "{} runs; per run {} requests, {}; {url}",
            r.reps,
            r.tally.requests / r.reps as u64,
            per_run(&r.tally, r.reps).verdicts()
        ),
    );
    t.row(
        "e) client CPU per request, real Medusa",
        format!("{:.3} ms", r.cpu * 1e3 / r.tally.requests.max(1) as f64),
        format!(
            "{} requests in {} runs ({:.2} s user+sys, 10 ms ticks: ±{:.0}%); {} schema checks; first run includes connection set-up",
            r.tally.requests,
            r.reps,
            r.cpu,
            1.0 / (r.cpu * 100.0).max(1.0) * 100.0,
            r.tally.schema_checks
        ),
    );
}

/// g) Driver mode through medusa-js in Chromium: `tests/drivers/bench.mjs --json` measures it
/// (a browser is driven from Node; this bench only hosts its figures).
fn driver_mode(t: &mut Table) {
    let root = Path::new(ROOT);
    if !root
        .join("drivers/medusa-js/node_modules/playwright-core")
        .exists()
    {
        t.row(
            "g) driver mode (medusa-js in Chromium)",
            "not measured",
            "the driver is not installed: drivers/medusa-js/install",
        );
        return;
    }
    let out = Command::new("node")
        .arg(root.join("tests/drivers/bench.mjs"))
        .args(["--json", "--bin", BIN])
        .stderr(Stdio::inherit())
        .output();
    let v: serde_json::Value = match out {
        Ok(o) if o.status.success() => serde_json::from_slice(&o.stdout).unwrap_or_default(),
        _ => serde_json::Value::Null,
    };
    if v.is_null() {
        t.row(
            "g) driver mode (medusa-js in Chromium)",
            "failed",
            "node tests/drivers/bench.mjs",
        );
        return;
    }
    t.row(
        "g) driver: actor start-up, new / recycled",
        format!(
            "{} / {} ms",
            v["actor_start_cold_ms"], v["actor_start_recycled_ms"]
        ),
        "new browser context + page + client load; a reset actor wiped and reloaded",
    );
    t.row(
        "g) driver: per-call overhead vs direct HTTP",
        format!("{} ms", v["call_overhead_ms"]),
        format!(
            "GET /store/auth {} vs {} ms; exists {} vs {} ms (medians)",
            v["call_get_session_driver_ms"],
            v["call_get_session_http_ms"],
            v["call_exists_driver_ms"],
            v["call_exists_http_ms"]
        ),
    );
    t.row(
        "g) driver: store-auth suite through medusa-js, wall",
        format!("{} s", v["suite_wall_s"]),
        format!(
            "target < 60 s on 2 cores; {}",
            v["suite_summary"].as_str().unwrap_or("")
        ),
    );
    t.row(
        "g) driver: browser memory, peak PSS",
        format!("{} MB", v["browser_peak_pss_mb"]),
        "every chromium process of the run; target < 1 GB",
    );
}
