//! Driver mode, end to end through the CLI: the engine's seam with a correct fake driver
//! (tests/fixtures/http_driver.py, plain HTTP against the embedded reference server), fake
//! drivers that break the protocol (exit code 6, the call, the stderr tail, no secret shown,
//! no process left), clients that break the contract (the client pack catches them), and
//! `driver check`. These fakes test the ENGINE's logic, not a real client library.

mod common;

use medusa_conform::specs::Specs;
use std::path::PathBuf;
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn mc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_medusa-conform"))
        .args(args)
        .current_dir(root())
        .env_remove("MEDUSA_URL")
        .output()
        .expect("runs the binary")
}

fn text(o: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const FIXTURE: &str = "python3 tests/fixtures/http_driver.py";

fn fixture(misbehave: &str) -> String {
    if misbehave.is_empty() {
        FIXTURE.into()
    } else {
        format!("{FIXTURE} --misbehave {misbehave}")
    }
}

/// No process whose command line holds `marker` is left (the driver and its children).
fn none_left(marker: &str) {
    std::thread::sleep(std::time::Duration::from_millis(200));
    let out = Command::new("pgrep").args(["-f", marker]).output().unwrap();
    assert!(
        out.stdout.is_empty(),
        "left behind: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn store_auth_through_a_correct_driver_passes_with_the_not_applicable_listed() {
    let cmd = format!("{FIXTURE} --tag store-auth-through-fixture");
    let o = mc(&["run", "--driver", &cmd, "scenarios/store-auth"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(
        t.contains("medusa-conform: driver http-fixture 0.0.1 (protocol 1)"),
        "{t}"
    );
    assert!(
        t.contains("not applicable to this target or mode (not run, not passed):"),
        "{t}"
    );
    // Each reason names the step, its location and what a client cannot do.
    assert!(
        t.contains("store_auth::get_session::garbage_token: not applicable through a client: step `session with a garbage bearer` (scenarios/store-auth/get-session/garbage-token.yaml:9:5) uses a given or forged `bearer:`"),
        "{t}"
    );
    assert!(t.contains("uses a raw `request:`"), "{t}");
    assert!(t.contains("uses `cookies: false`"), "{t}");
    assert!(t.contains("uses custom `headers:`"), "{t}");
    let closing = t
        .lines()
        .find(|l| l.starts_with("medusa-conform: ") && l.contains(" passed, "))
        .unwrap();
    assert!(closing.ends_with(" not applicable"), "{closing}");
    assert!(!closing.contains(" 0 passed"), "{closing}");
    none_left("store-auth-through-fixture");
}

#[test]
fn client_scenarios_are_not_applicable_without_a_driver() {
    let o = mc(&["run", "scenarios/client"]);
    let t = text(&o);
    // Nothing ran: that is never a pass (exit 5), whatever the reason.
    assert_eq!(o.status.code(), Some(5), "{t}");
    assert!(
        t.contains("medusa-conform: 0 passed, 0 failed, 0 skipped, 8 not applicable"),
        "{t}"
    );
    assert!(t.contains("not applicable without a client"), "{t}");
}

#[test]
fn the_client_pack_passes_through_a_correct_client() {
    // Against the real Medusa too when MEDUSA_URL is set (CI), else the embedded server.
    let target = std::env::var("MEDUSA_URL").unwrap_or_default();
    let mut args = vec!["run", "--driver", FIXTURE, "scenarios/client"];
    if !target.is_empty() {
        args.extend(["--target", target.as_str()]);
    }
    let o = mc(&args);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(
        t.contains("medusa-conform: 8 passed, 0 failed, 0 skipped"),
        "{t}"
    );
}

#[test]
fn a_client_that_does_not_attach_the_token_is_caught() {
    let o = mc(&["run", "--driver", &fixture("no-bearer"), "scenarios/client"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(
        t.contains("client::token_attached ... FAILED")
            || t.contains("---- client::token_attached ----"),
        "{t}"
    );
    assert!(t.contains("sent bearer"), "{t}");
}

#[test]
fn a_client_that_does_not_keep_the_cookie_is_caught() {
    let o = mc(&["run", "--driver", &fixture("no-cookie"), "scenarios/client"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("---- client::cookie_kept ----"), "{t}");
    assert!(t.contains("sent cookie"), "{t}");
}

#[test]
fn a_driver_printing_garbage_ends_the_run_with_exit_code_6() {
    let o = mc(&[
        "run",
        "--driver",
        &fixture("garbage-on-get_session"),
        "scenarios/store-auth/get-session/by-cookie.yaml",
    ]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(6), "{t}");
    assert!(
        t.contains("error: driver http-fixture 0.0.1 (python3 tests/fixtures/http_driver.py --misbehave garbage-on-get_session) failed during call #"),
        "{t}"
    );
    assert!(t.contains("`get_session` for actor"), "{t}");
    assert!(t.contains("not JSON"), "{t}");
    assert!(t.contains("`this is not JSON`"), "{t}");
    none_left("garbage-on-get_session");
}

#[test]
fn a_hanging_driver_is_reported_after_the_call_timeout() {
    let o = mc(&[
        "run",
        "--driver-timeout",
        "1",
        "--driver",
        &fixture("hang-on-authenticate"),
        "scenarios/store-auth/authenticate/success.yaml",
    ]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(6), "{t}");
    assert!(t.contains("`authenticate` for actor"), "{t}");
    assert!(t.contains("no answer within 1s"), "{t}");
    none_left("hang-on-authenticate");
}

#[test]
fn a_driver_dying_mid_run_is_reported_with_its_stderr_and_no_secret() {
    let o = mc(&[
        "run",
        "--driver",
        &fixture("stderr-secret"),
        "scenarios/store-auth/authenticate/success.yaml",
    ]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(6), "{t}");
    assert!(t.contains("the driver exited (exit status: 3)"), "{t}");
    assert!(t.contains("last lines of its stderr:"), "{t}");
    assert!(t.contains("    | call authenticate args"), "{t}");
    // The driver logged the password: the report masks it.
    assert!(t.contains(r#""password": "***""#), "{t}");
    let leaked = regex::Regex::new(r#""password": "[^*]"#).unwrap();
    assert!(!leaked.is_match(&t), "{t}");
    none_left("stderr-secret");
}

#[test]
fn a_driver_speaking_another_protocol_version_is_refused() {
    let cmd = r#"python3 -c 'import sys,json; sys.stdin.readline(); print(json.dumps({"type":"hello","protocol":2,"driver":{"name":"future","version":"9"},"client":{"name":"c","version":"1"},"operations":[]}), flush=True); sys.stdin.read()'"#;
    let o = mc(&[
        "run",
        "--driver",
        cmd,
        "scenarios/store-auth/authenticate/success.yaml",
    ]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(6), "{t}");
    assert!(
        t.contains("the driver speaks protocol version 2; this medusa-conform speaks version 1"),
        "{t}"
    );
    assert!(t.contains("failed during hello (the handshake)"), "{t}");
}

#[test]
fn a_driver_that_does_not_start_is_reported() {
    let o = mc(&[
        "run",
        "--driver",
        "/nonexistent/driver --x",
        "scenarios/store-auth/authenticate/success.yaml",
    ]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(6), "{t}");
    assert!(t.contains("cannot start `/nonexistent/driver`"), "{t}");
}

#[test]
fn a_missing_shipped_driver_names_its_install_command() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("medusa-js")).unwrap();
    std::fs::write(tmp.path().join("medusa-js/driver.mjs"), "").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_medusa-conform"))
        .args(["run", "--client", "medusa-js", "scenarios/client"])
        .current_dir(root())
        .env("MEDUSA_CONFORM_DRIVERS", tmp.path())
        .output()
        .unwrap();
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(t.contains("medusa-js/install"), "{t}");
}

#[test]
fn driver_check_passes_a_correct_driver() {
    let o = mc(&["driver", "check", FIXTURE]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(t.contains("driver check: passed"), "{t}");
    assert!(t.contains("14 line(s) from the driver checked"), "{t}");
}

#[test]
fn driver_check_shows_what_an_out_of_protocol_driver_gets_wrong() {
    // Answers every request with `ok` instead of a result, and puts the password on the wire.
    let cmd = r#"python3 -c '
import sys, json
sys.stdin.readline()
print(json.dumps({"type":"hello","protocol":1,"driver":{"name":"sloppy","version":"0"},"client":{"name":"c","version":"1"},"operations":["register","authenticate","get_session","exists","get_token","delete_session"]}), flush=True)
for line in sys.stdin:
    m = json.loads(line)
    if m["type"] == "shutdown": break
    print(json.dumps({"type":"ok","id":m["id"],"args":m.get("args")}), flush=True)
'"#;
    let o = mc(&["driver", "check", cmd]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(6), "{t}");
    assert!(t.contains("unknown message type `ok`"), "{t}");
    assert!(
        t.contains("  the driver wrote: `{\"type\": \"ok\", \"id\": 1"),
        "{t}"
    );
    assert!(!t.contains("driver check: passed"), "{t}");
}

#[test]
fn driver_check_catches_a_client_that_forgets_the_token() {
    let o = mc(&["driver", "check", &fixture("no-bearer")]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(6), "{t}");
    assert!(
        t.contains("get_session after get_token (the token attached): expected status 200"),
        "{t}"
    );
}

#[test]
fn ctrl_c_stops_the_driver_and_everything_it_started() {
    let child = Command::new(env!("CARGO_BIN_EXE_medusa-conform"))
        .args([
            "run",
            "--driver",
            &format!("{} --tag ctrl-c-test", fixture("hang-on-get_session")),
            "scenarios/store-auth/get-session/by-cookie.yaml",
        ])
        .current_dir(root())
        .env_remove("MEDUSA_URL")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the harness has said which driver it started (its signal handlers are in
    // place from then on) and the driver hangs on the call; a fixed sleep races on a loaded
    // machine.
    let mut child = child;
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut all = String::new();
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if line.starts_with("medusa-conform: driver ") {
                let _ = tx.send(());
            }
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    rx.recv_timeout(std::time::Duration::from_secs(60))
        .expect("the harness never reported its driver");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        let out = Command::new("pgrep")
            .args(["-f", "ctrl-c-test"])
            .output()
            .unwrap();
        if String::from_utf8_lossy(&out.stdout).lines().count() >= 2 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    // SAFETY: signals our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    let err = reader.join().unwrap();
    assert_eq!(status.code(), Some(130), "{err}");
    assert!(
        err.contains("interrupted; the driver and its processes were stopped"),
        "{err}"
    );
    none_left("ctrl-c-test");
}

#[tokio::test]
async fn sent_checks_the_harness_own_request_without_a_driver() {
    let s = medusa_conform::server::v1::Server::start_ephemeral()
        .await
        .unwrap();
    let yaml = r#"
        name: sent without a driver
        vars: {email: "{{ unique_email() }}", password: "{{ random_string(16) }}"}
        steps:
          - name: register
            register: {email: "{{ email }}", password: "{{ password }}"}
            expect:
              status: 200
              sent: {method: POST, path: /store/customers, cookie: false, bearer: false, body_keys: [email, password]}
          - name: session
            get_session: {}
            expect:
              status: 200
              sent: {method: GET, cookie: true, bearer: false, body_keys: null}
          - name: token
            get_token: {email: "{{ email }}", password: "{{ password }}"}
            expect: {status: 200}
          - name: bearer
            get_session: {}
            expect:
              sent: {bearer: false}
    "#;
    let r = common::run_yaml(&s.url, yaml).await;
    common::assert_check_fails(&r, "bearer", "sent bearer", "expected false, got true");
    assert_eq!(
        r.steps[0].status,
        medusa_conform::report::event::StepStatus::Passed
    );
    assert_eq!(
        r.steps[1].status,
        medusa_conform::report::event::StepStatus::Passed
    );
}

#[test]
fn sent_fields_are_checked_when_planned() {
    let e = common::try_plan(
        r#"
        name: typo
        steps:
          - get_session: {}
            expect:
              sent: {methd: GET}
        "#,
        &Specs::default(),
    )
    .unwrap_err();
    assert!(e.contains("`sent` has no field `methd`"), "{e}");
    assert!(e.contains("did you mean `method`?"), "{e}");
    assert!(e.contains("tests/scenario.yaml:5:"), "{e}");
}

#[test]
fn client_blockers_are_decided_when_planned() {
    let sc = common::plan_yaml(
        r#"
        name: raw
        steps:
          - get_session: {}
          - name: forged
            get_session: {}
            bearer: "abc"
          - request: {method: GET, path: /store/auth}
        "#,
    );
    assert_eq!(sc.client_blockers.len(), 2, "{:?}", sc.client_blockers);
    assert!(
        sc.client_blockers[0].starts_with(
            "step `forged` (tests/scenario.yaml:4:5) uses a given or forged `bearer:`"
        ),
        "{:?}",
        sc.client_blockers
    );
    let v = medusa_conform::driver::applicable::verdict(&sc, true).unwrap();
    assert!(v.ends_with("(and 1 more step)"), "{v}");
    assert_eq!(
        medusa_conform::driver::applicable::verdict(&sc, false),
        None
    );
}

#[test]
fn reports_name_the_protocol_the_driver_and_the_client() {
    let tmp = tempfile::tempdir().unwrap();
    let (json, junit) = (tmp.path().join("r.json"), tmp.path().join("r.xml"));
    let o = mc(&[
        "run",
        "--driver",
        FIXTURE,
        "--json",
        json.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
        "scenarios/store-auth/authenticate/success.yaml",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(doc["driver"]["protocol"], 1);
    assert_eq!(doc["driver"]["name"], "http-fixture");
    assert_eq!(doc["driver"]["version"], "0.0.1");
    assert!(doc["driver"]["client"]["name"].is_string(), "{doc}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains(r#"<property name="driver_protocol" value="1"/>"#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<property name="driver" value="http-fixture 0.0.1"/>"#),
        "{xml}"
    );
    assert!(xml.contains(r#"<property name="client" value=""#), "{xml}");
}

/// Driver mode: an actor that only prepares the server in `setup` (here a registrar) goes over
/// direct HTTP, so the run keeps its curl replay; the actor of `steps` is the client under test
/// (its request record is the driver's wire record, with no curl).
#[test]
fn only_the_actors_of_steps_go_through_the_client() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("setup-over-http.yaml");
    std::fs::write(
        &scenario,
        "name: setup over HTTP\nvars:\n  email: \"{{ unique_email() }}\"\n  password: \"{{ random_string(16) }}\"\n\
         setup:\n  - as: registrar\n    register: {email: \"{{ email }}\", password: \"{{ password }}\"}\n    expect: {status: 200}\n\
         steps:\n  - authenticate: {email: \"{{ email }}\", password: \"{{ password }}\"}\n    expect: {status: 200}\n",
    )
    .unwrap();
    let report = dir.path().join("report.json");
    let o = mc(&[
        "run",
        "--driver",
        FIXTURE,
        scenario.to_str().unwrap(),
        "--json",
        report.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let steps = doc["scenarios"][0]["steps"].as_array().unwrap();
    let curl = |i: usize| steps[i].get("curl").is_some_and(|c| !c.is_null());
    assert_eq!(steps.len(), 2, "{doc}");
    assert!(curl(0), "the registrar's setup step went over HTTP: {doc}");
    assert!(
        !curl(1),
        "the step under test went through the client: {doc}"
    );
}
