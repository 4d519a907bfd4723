//! CLI tests: the `medusa-conform` binary's exit codes and output for broken targets, invalid
//! scenarios and secrets, against in-process fake servers.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

fn specs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs")
}

/// Runs the binary (off the async runtime) with a clean environment for the harness's own vars.
async fn cli(args: Vec<String>) -> Out {
    cli_env(args, &[]).await
}

/// `cli` with extra environment variables (`CI` is unset unless given here).
async fn cli_env(args: Vec<String>, env: &[(&str, &str)]) -> Out {
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let out = Command::new(env!("CARGO_BIN_EXE_medusa-conform"))
            .args(&args)
            .env_remove("MEDUSA_URL")
            .env_remove("CI")
            .envs(env)
            .env("NO_COLOR", "1")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("the binary runs");
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    })
    .await
    .unwrap()
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn p(path: &Path) -> String {
    path.display().to_string()
}

const VALID: &str =
    "name: valid\nsteps:\n  - name: session\n    get_session: {}\n    expect: {status: 401}\n";

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let f = dir.join(name);
    std::fs::write(&f, text).unwrap();
    f
}

#[track_caller]
fn assert_no_panic(o: &Out) {
    assert!(
        !o.all().contains("panicked"),
        "the binary panicked:\n{}",
        o.all()
    );
    assert!(o.code != 101, "exit code 101 means a panic:\n{}", o.all());
}

// ---------------------------------------------------------------------------------------------
// Broken targets
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_target_exits_3_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "valid.yaml", VALID);
    let o = cli(args(&[
        "run",
        &p(&f),
        "--target",
        "http://127.0.0.1:1",
        "--specs",
        &p(&specs_dir()),
        "--seed",
        "1",
    ]))
    .await;
    assert_eq!(o.code, 3, "{}", o.all());
    assert!(
        o.stderr
            .contains("target http://127.0.0.1:1/ is unreachable"),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("could not connect"), "{}", o.stderr);
    assert!(
        o.stderr.contains("--target"),
        "the message says what to do: {}",
        o.stderr
    );
    assert_no_panic(&o);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_target_that_is_not_http_exits_3() {
    let uri = garbage_server().await;
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "valid.yaml", VALID);
    let o = cli(args(&[
        "run",
        &p(&f),
        "--target",
        &uri,
        "--specs",
        &p(&specs_dir()),
    ]))
    .await;
    assert_eq!(o.code, 3, "{}", o.all());
    assert!(o.stderr.contains("is unreachable"), "{}", o.stderr);
    assert_no_panic(&o);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reachable_target_runs_pass_and_fail_exit_codes() {
    let (server, _) = fake().await;
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "valid.yaml", VALID);
    let o = cli(args(&[
        "run",
        &p(&f),
        "--target",
        &server.uri(),
        "--specs",
        &p(&specs_dir()),
        "--seed",
        "7",
    ]))
    .await;
    assert_eq!(o.code, 0, "{}", o.all());
    assert!(o.stdout.contains("1 passed, 0 failed"), "{}", o.stdout);
    assert!(o.stdout.contains("seed 7"), "{}", o.stdout);
    std::fs::write(&f, VALID.replace("401", "200")).unwrap();
    let o = cli(args(&[
        "run",
        &p(&f),
        "--target",
        &server.uri(),
        "--specs",
        &p(&specs_dir()),
        "--seed",
        "7",
    ]))
    .await;
    assert_eq!(o.code, 1, "{}", o.all());
    assert!(o.stdout.contains("0 passed, 1 failed"), "{}", o.stdout);
    assert!(
        o.all()
            .contains("expected status 200, got 401 Unauthorized"),
        "{}",
        o.all()
    );
    assert_no_panic(&o);
}

// ---------------------------------------------------------------------------------------------
// Invalid input: exit 2, file:line:col, nothing sent
// ---------------------------------------------------------------------------------------------

/// (file name, text, expected `line:col` prefix, message fragment).
const BAD: &[(&str, &str, &str, &str)] = &[
    (
        "syntax.yaml",
        "name: t\nsteps:\n  - get_session: {}\n    expect: {status: 200\n",
        ":4:13",
        "unclosed bracket",
    ),
    (
        "unknown-key.yaml",
        "name: t\nsteps:\n  - get_session: {}\n    captures: {}\n",
        ":4:5",
        "unknown field `captures`",
    ),
    (
        "wrong-type.yaml",
        "name: t\nsteps:\n  - get_session: {}\n    retry: {times: many}\n",
        ":4:20",
        "invalid type: string \"many\", expected u32",
    ),
    (
        "bad-retry-interval.yaml",
        "name: t\nsteps:\n  - get_session: {}\n    retry: {times: 2, interval: soon}\n",
        ":4:33",
        "`soon` is not a duration",
    ),
    (
        "status-out-of-range.yaml",
        "name: t\nsteps:\n  - get_session: {}\n    expect: {status: 70000}\n",
        ":4:22",
        "`status` is a code from 100 to 599",
    ),
    (
        "status-list-out-of-range.yaml",
        "name: t\nsteps:\n  - get_session: {}\n    expect: {status: [200, 99]}\n",
        ":4:22",
        "`status` is a code from 100 to 599",
    ),
    (
        "unknown-schema.yaml",
        "name: t\nsteps:\n  - get_session: {}\n    expect: {schema: StoreAuthResp}\n",
        ":4:22",
        "unknown schema `StoreAuthResp`",
    ),
    (
        "undefined-var.yaml",
        "name: t\nvars:\n  email: a@x.com\nsteps:\n  - authenticate:\n      email: \"{{ emial }}\"\n",
        ":6:14",
        "undefined variable `emial`",
    ),
    (
        "bad-jsonpath.yaml",
        "name: t\nsteps:\n  - get_session: {}\n    expect:\n      json:\n        customer.id: 1\n",
        ":6:9",
        "invalid JSONPath `customer.id`",
    ),
    (
        "unknown-predicate.yaml",
        "name: t\nsteps:\n  - get_session: {}\n    expect:\n      json:\n        $.customer: {lenght: 1}\n",
        ":6:22",
        "unknown predicate `lenght`",
    ),
    (
        "unknown-function.yaml",
        "name: t\nvars:\n  email: \"{{ uniqe_email() }}\"\nsteps:\n  - get_session: {}\n",
        ":3:10",
        "unknown function `uniqe_email`",
    ),
];

#[tokio::test(flavor = "multi_thread")]
async fn lint_reports_bad_input_with_file_line_col_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, pos, msg) in BAD {
        let f = write(dir.path(), name, text);
        let o = cli(args(&["lint", &p(&f), "--specs", &p(&specs_dir())])).await;
        assert_eq!(o.code, 2, "{name}: {}", o.all());
        let at = format!("{}{pos}", p(&f));
        assert!(
            o.stderr.contains(&at),
            "{name}: expected `{at}` in:\n{}",
            o.stderr
        );
        assert!(
            o.stderr.contains(msg),
            "{name}: expected `{msg}` in:\n{}",
            o.stderr
        );
        assert!(
            o.stderr.contains("nothing was sent"),
            "{name}: {}",
            o.stderr
        );
        assert_no_panic(&o);
    }
    // A valid file lints clean.
    let f = write(dir.path(), "valid.yaml", VALID);
    let o = cli(args(&["lint", &p(&f), "--specs", &p(&specs_dir())])).await;
    assert_eq!(o.code, 0, "{}", o.all());
    assert!(o.stdout.contains("1 scenario(s) OK"), "{}", o.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn lint_suggests_names_for_typos() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, _, _) in BAD {
        if [
            "unknown-schema.yaml",
            "undefined-var.yaml",
            "unknown-predicate.yaml",
            "unknown-function.yaml",
        ]
        .contains(name)
        {
            let f = write(dir.path(), name, text);
            let o = cli(args(&["lint", &p(&f), "--specs", &p(&specs_dir())])).await;
            assert!(o.stderr.contains("did you mean"), "{name}: {}", o.stderr);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]

async fn lint_unknown_key_says_did_you_mean() {
    let dir = tempfile::tempdir().unwrap();
    let (name, text, _, _) = BAD[1];
    let f = write(dir.path(), name, text);
    let o = cli(args(&["lint", &p(&f), "--specs", &p(&specs_dir())])).await;
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("did you mean `capture`?"), "{}", o.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn run_with_bad_input_exits_2_and_sends_nothing() {
    let server = echo_server().await;
    let dir = tempfile::tempdir().unwrap();
    for (name, text, pos, _) in BAD {
        // Next to a valid scenario: one bad file stops the whole run before anything is sent.
        let sub = dir.path().join(name.trim_end_matches(".yaml"));
        std::fs::create_dir(&sub).unwrap();
        write(&sub, "valid.yaml", VALID);
        let f = write(&sub, name, text);
        let o = cli(args(&[
            "run",
            &p(&sub),
            "--target",
            &server.uri(),
            "--specs",
            &p(&specs_dir()),
        ]))
        .await;
        assert_eq!(o.code, 2, "{name}: {}", o.all());
        assert!(
            o.stderr.contains(&format!("{}{pos}", p(&f))),
            "{name}: {}",
            o.stderr
        );
        assert_no_panic(&o);
    }
    let sent = server.received_requests().await.unwrap_or_default();
    assert!(
        sent.is_empty(),
        "requests were sent: {:?}",
        sent.iter().map(|r| r.url.to_string()).collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn lint_collects_every_problem_of_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "many.yaml",
        "name: t\nsteps:\n  - authenticate: {email: \"{{ emial }}\"}\n    expect:\n      schema: Nope\n      json:\n        $.a: {lenght: 1}\n",
    );
    let o = cli(args(&["lint", &p(&f), "--specs", &p(&specs_dir())])).await;
    assert_eq!(o.code, 2, "{}", o.all());
    assert!(o.stderr.contains("3 problem(s)"), "{}", o.stderr);
    for at in [":3:", ":5:", ":7:"] {
        assert!(
            o.stderr.contains(&format!("{}{at}", p(&f))),
            "{at}: {}",
            o.stderr
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Secrets never reach the CLI's outputs
// ---------------------------------------------------------------------------------------------

const SECRETS: &str = r#"name: secrets stay masked
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
        derived_token: "{{ tok }}"
    expect:
      status: 201
"#;

#[tokio::test(flavor = "multi_thread")]
async fn secrets_never_reach_stdout_stderr_junit_or_json() {
    use base64::Engine;
    let (server, state) = fake().await;
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "secrets.yaml", SECRETS);
    let (junit, json) = (
        dir.path().join("report.xml"),
        dir.path().join("report.json"),
    );
    let o = cli(args(&[
        "run",
        &p(&f),
        "--target",
        &server.uri(),
        "--specs",
        &p(&specs_dir()),
        "--seed",
        "42",
        "--junit",
        &p(&junit),
        "--json",
        &p(&json),
    ]))
    .await;
    assert_eq!(o.code, 1, "{}", o.all());
    assert!(
        o.all().contains("expected status 201, got 200 OK"),
        "{}",
        o.all()
    );
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s.as_bytes());
    let mut secrets = vec![
        "Hunter2-Planted-Passw0rd".to_string(),
        "HUNTER2-PLANTED-PASSW0RD".to_string(),
    ];
    {
        let st = state.lock().unwrap();
        assert_eq!((st.sessions.len(), st.tokens.len()), (1, 1));
        for sid in st.sessions.keys() {
            secrets.extend([sid.clone(), sid.replace("%3A", ":"), b64(sid)]);
        }
        for t in &st.tokens {
            secrets.extend([t.clone(), t.rsplit('.').next().unwrap().to_string(), b64(t)]);
        }
    }
    let outputs = [
        ("stdout", o.stdout.clone()),
        ("stderr", o.stderr.clone()),
        ("junit", std::fs::read_to_string(&junit).unwrap()),
        ("json", std::fs::read_to_string(&json).unwrap()),
    ];
    assert!(outputs[2].1.contains("***") && outputs[3].1.contains("***"));
    for (what, text) in &outputs {
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "{what} leaks {s:?}:\n{text}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Nothing selected is not a pass (exit 5), skips and --fail-on-skip
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn a_path_that_does_not_exist_is_invalid_input_with_a_did_you_mean() {
    for cmd in ["run", "list"] {
        let o = cli(args(&[cmd, "scenarios/store-auht"])).await;
        assert_eq!(o.code, 2, "{}", o.all());
        assert!(
            o.stderr
                .contains("no such scenario file or directory: `scenarios/store-auht`"),
            "{}",
            o.stderr
        );
        assert!(
            o.stderr.contains("did you mean `scenarios/store-auth`?"),
            "{}",
            o.stderr
        );
        assert_no_panic(&o);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_selection_that_leaves_nothing_exits_5_naming_the_selector() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["--tag", "nosuchtag"],
            "--tag nosuchtag selected none of the",
        ),
        (
            &["store_auth::nope"],
            "the name filter `store_auth::nope` matches none of the",
        ),
        (
            &["store_auth::exists", "--exact"],
            "the name filter `store_auth::exists` (--exact) matches none",
        ),
        (
            &["store_auth::exists", "--skip", "exists"],
            "--skip exists left out every selected scenario",
        ),
        (
            &["--skip-tag", "authenticate", "--tag", "authenticate"],
            "--skip-tag authenticate left out every selected scenario",
        ),
    ];
    for cmd in ["run", "list"] {
        for (extra, message) in cases {
            let mut a = vec![cmd, "scenarios/store-auth"];
            a.extend_from_slice(extra);
            let o = cli(args(&a)).await;
            assert_eq!(o.code, 5, "{cmd} {extra:?}: {}", o.all());
            assert!(o.stderr.contains(message), "{cmd} {extra:?}: {}", o.stderr);
            assert!(!o.stdout.contains("0 passed, 0 failed"), "{}", o.stdout);
            assert_no_panic(&o);
        }
    }
    let o = cli(args(&["run", "scenarios/store-auth", "--ignored"])).await;
    assert_eq!(o.code, 5, "{}", o.all());
    assert!(
        o.stderr
            .contains("--ignored: no selected scenario is marked ignored"),
        "{}",
        o.stderr
    );
    // Test runners (nextest) list the ignored tests: none is an answer, not an error.
    let o = cli(args(&[
        "list",
        "scenarios/store-auth",
        "--ignored",
        "--format",
        "terse",
    ]))
    .await;
    assert_eq!(o.code, 0, "{}", o.all());
    assert_eq!(o.stdout.trim(), "", "{}", o.stdout);
    let dir = tempfile::tempdir().unwrap();
    let o = cli(args(&["list", &p(dir.path())])).await;
    assert_eq!(o.code, 5, "{}", o.all());
    assert!(o.stderr.contains("no scenario files under"), "{}", o.stderr);
}

const NEEDS_INPUT: &str = "name: needs input\nrequires: {env: [MC_CLI_TEST_UNSET]}\nsteps:\n  - get_session: {}\n    expect: {status: 401}\n";
const HTTPS_ONLY: &str = "name: https only\nrequires: {scheme: https}\nsteps:\n  - get_session: {}\n    expect: {status: 401}\n";

#[tokio::test(flavor = "multi_thread")]
async fn skips_for_a_missing_input_fail_under_ci_and_not_applicable_never_does() {
    let (server, _) = fake().await;
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "valid.yaml", VALID);
    write(dir.path(), "https-only.yaml", HTTPS_ONLY);
    let run = |extra: &[&str]| {
        let mut a = vec![
            "run".to_string(),
            p(dir.path()),
            "--target".into(),
            server.uri(),
            "--specs".into(),
            p(&specs_dir()),
        ];
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    // Not applicable (an https-only scenario on an http target) never trips --fail-on-skip.
    let o = cli_env(run(&[]), &[("CI", "true")]).await;
    assert_eq!(o.code, 0, "{}", o.all());
    assert!(
        o.stdout
            .contains("not applicable to this target or mode (not run, not passed):"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout
            .contains("1 passed, 0 failed, 0 skipped, 1 not applicable"),
        "{}",
        o.stdout
    );
    // A missing input does, under CI or --fail-on-skip...
    write(dir.path(), "needs-input.yaml", NEEDS_INPUT);
    for (flags, env) in [
        (vec![], vec![("CI", "true")]),
        (vec!["--fail-on-skip"], vec![]),
        (vec!["--no-fail-on-skip", "--fail-on-skip"], vec![]),
    ] {
        let o = cli_env(run(&flags), &env).await;
        assert_eq!(o.code, 1, "{flags:?} {env:?}: {}", o.all());
        assert!(
            o.stdout.contains("skipped (an input is missing):"),
            "{}",
            o.stdout
        );
        assert!(o.stdout.contains("MC_CLI_TEST_UNSET"), "{}", o.stdout);
        assert!(o.stderr.contains("--fail-on-skip is on"), "{}", o.stderr);
    }
    // ...and not without it.
    for (flags, env) in [
        (vec![], vec![]),
        (vec![], vec![("CI", "false")]),
        (vec!["--no-fail-on-skip"], vec![("CI", "true")]),
    ] {
        let o = cli_env(run(&flags), &env).await;
        assert_eq!(o.code, 0, "{flags:?} {env:?}: {}", o.all());
        assert!(
            o.stdout
                .contains("1 passed, 0 failed, 1 skipped, 1 not applicable"),
            "{}",
            o.stdout
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_in_which_nothing_ran_is_not_a_pass() {
    let (server, _) = fake().await;
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "needs-input.yaml", NEEDS_INPUT);
    write(dir.path(), "https-only.yaml", HTTPS_ONLY);
    let o = cli(args(&[
        "run",
        &p(dir.path()),
        "--target",
        &server.uri(),
        "--specs",
        &p(&specs_dir()),
    ]))
    .await;
    assert_eq!(o.code, 5, "{}", o.all());
    assert!(o.stdout.contains("NOTHING RAN"), "{}", o.stdout);
    assert!(
        o.stderr.contains(
            "all 2 selected scenario(s) were skipped (1) or not applicable (1): nothing ran"
        ),
        "{}",
        o.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn libtest_flags_are_validated_by_clap() {
    for bad in [["--format", "junit"], ["--color", "bogus"]] {
        let o = cli(args(&["run", "scenarios/store-auth", bad[0], bad[1]])).await;
        assert_eq!(o.code, 2, "{bad:?}: {}", o.all());
        assert!(
            o.stderr
                .contains(&format!("invalid value '{}' for '{}", bad[1], bad[0])),
            "{}",
            o.stderr
        );
    }
    // The valid values still work.
    let o = cli(args(&[
        "list",
        "scenarios/store-auth/exists",
        "--format",
        "terse",
        "--color",
        "never",
    ]))
    .await;
    assert_eq!(o.code, 0, "{}", o.all());
    assert!(
        o.stdout.contains("store_auth::exists::unknown"),
        "{}",
        o.stdout
    );
}

// ---------------------------------------------------------------------------------------------
// The default target
// ---------------------------------------------------------------------------------------------

/// Without `--target`, a v2 selection gets the embedded v2 server, wired with its publishable
/// key and events file (a v1 server would fail these scenarios; a missing key or events file
/// would skip some). A key or events file of a real deployment in the environment is not used.
#[tokio::test(flavor = "multi_thread")]
async fn run_without_target_starts_the_v2_server_for_a_v2_selection() {
    let env = [
        ("MEDUSA_V2_PUBLISHABLE_KEY", "pk_of_another_deployment"),
        ("MEDUSA_V2_EVENTS", "/nonexistent/events.jsonl"),
        ("MEDUSA_V2_JWT_SECRET", "secret-of-another-deployment"),
    ];
    for extra in [&[][..], &["--api", "medusa-v2-auth"][..]] {
        let mut a = args(&["run", "scenarios/medusa-v2", "--seed", "1"]);
        a.extend(args(extra));
        let o = cli_env(a, &env).await;
        assert_no_panic(&o);
        assert_eq!(o.code, 0, "{}", o.all());
        assert!(
            o.stderr.contains("embedded reference server")
                && o.stderr.contains("Medusa v2.21 customer auth"),
            "{}",
            o.stderr
        );
        let summary = o
            .all()
            .lines()
            .find(|l| l.starts_with("medusa-conform: ") && l.contains(" passed, "))
            .map(str::to_string)
            .unwrap_or_else(|| panic!("no summary line:\n{}", o.all()));
        let passed: usize = summary["medusa-conform: ".len()..]
            .split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!(passed >= 70, "{summary}");
        assert!(summary.contains(" 0 failed, 0 skipped"), "{summary}");
        assert!(!o.all().contains("not applicable"), "{summary}");
    }
}

/// A v1 selection (the default API) still gets the embedded v1 server.
#[tokio::test(flavor = "multi_thread")]
async fn run_without_target_starts_the_v1_server_for_a_v1_selection() {
    let o = cli(args(&[
        "run",
        "scenarios/store-auth/authenticate",
        "--seed",
        "1",
    ]))
    .await;
    assert_no_panic(&o);
    assert_eq!(o.code, 0, "{}", o.all());
    assert!(o.stderr.contains("Medusa v1.20 Store Auth"), "{}", o.stderr);
}
