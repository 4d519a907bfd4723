//! `import har`: HARs from real browsers become scenarios that pass against the reference
//! server and carry no secret; broken files are clear errors. The recorded fixture came from
//! headless Chromium (tests/har/record.mjs); the other fixtures are derived from it by
//! tests/har/make-fixtures.py the way other exporters differ (Firefox, DevTools without cookies,
//! truncated, not a HAR). `a_live_browser_recording_…` records a fresh HAR in Chromium.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_medusa-conform"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/har/fixtures")
        .join(name)
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// `import har FILE [--all]`: the scenario (stdout) and the notes (stderr); panics unless exit 0.
fn import(har: &Path, all: bool) -> (String, String) {
    let mut c = bin();
    c.args(["import", "har"]).arg(har);
    if all {
        c.arg("--all");
    }
    let o = c.output().expect("run medusa-conform");
    let (out, err) = text(&o);
    assert!(o.status.success(), "import failed: {err}");
    (out, err)
}

/// Writes `yaml` and runs it (against `target`, or the embedded reference server).
fn run(yaml: &str, target: Option<&str>) -> (bool, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("imported.yaml");
    std::fs::write(&file, yaml).expect("write");
    let mut c = bin();
    c.arg("run").arg(&file);
    c.env_remove("MEDUSA_URL").env_remove("CI");
    if let Some(t) = target {
        c.args(["--target", t]);
    }
    let o = c.output().expect("run medusa-conform");
    let (out, err) = text(&o);
    (o.status.success(), format!("{out}\n{err}"))
}

fn assert_passes(yaml: &str, target: Option<&str>) {
    let (ok, out) = run(yaml, target);
    assert!(ok, "the imported scenario failed:\n{yaml}\n{out}");
    assert!(
        out.contains("medusa-conform: 1 passed, 0 failed, 0 skipped"),
        "{out}"
    );
}

/// The shape every import of the register → login → session → exists → token → bearer session
/// → logout → session recording must have.
fn assert_session_shape(yaml: &str) {
    for op in [
        "register:",
        "authenticate:",
        "get_session: {}",
        "exists:",
        "get_token:",
        "delete_session: {}",
    ] {
        assert!(yaml.contains(op), "no `{op}` in:\n{yaml}");
    }
    // Statuses as the browser saw them, the final session check after logout included.
    assert_eq!(yaml.matches("status: 200").count(), 7, "{yaml}");
    assert_eq!(yaml.matches("status: 401").count(), 1, "{yaml}");
    // A recorded account is registered afresh on every run.
    assert!(yaml.contains("email: \"{{ unique_email() }}\""), "{yaml}");
    assert!(
        !yaml.contains("__har_page"),
        "page traffic must be dropped:\n{yaml}"
    );
}

#[test]
fn the_recorded_chromium_har_imports_into_a_scenario_that_passes_on_the_reference_server() {
    let (yaml, notes) = import(&fixture("chromium-playwright.har"), false);
    assert_session_shape(&yaml);
    // Recorded cookies: the bearer-only fetch (credentials: "omit") is its own actor.
    assert!(yaml.contains("- as: without_cookies"), "{yaml}");
    // The token the server issued is captured, not pasted.
    assert!(yaml.contains("bearer: \"{{ token }}\""), "{yaml}");
    assert!(yaml.contains("token: $.access_token"), "{yaml}");
    // The fixture's scrubbed stand-ins are values too: none may be pasted into the scenario.
    assert!(!yaml.contains("scrubbed-"), "{yaml}");
    assert!(notes.contains("not Store Auth calls"), "{notes}");
    assert_passes(&yaml, None);
}

#[test]
fn a_devtools_har_without_cookies_infers_the_session_from_set_cookie_order() {
    let (yaml, notes) = import(&fixture("chrome-devtools-no-cookies.har"), false);
    assert_session_shape(&yaml);
    assert!(notes.contains("the HAR has no cookies"), "{notes}");
    assert!(!yaml.contains("Cookie"), "{yaml}");
    // Without cookies the bearer-only call cannot be told apart: the actor's own token is sent.
    assert!(!yaml.contains("bearer: \"{{"), "{yaml}");
    assert!(!yaml.contains("scrubbed-"), "{yaml}");
    assert_passes(&yaml, None);
}

#[test]
fn a_firefox_har_out_of_order_with_base64_bodies_imports_the_same_scenario() {
    let (ff, notes) = import(&fixture("firefox.har"), false);
    let (chromium, _) = import(&fixture("chromium-playwright.har"), false);
    assert!(notes.contains("out of order"), "{notes}");
    let steps = |y: &str| y.split_once("steps:\n").map(|(_, s)| s.to_string());
    assert_eq!(
        steps(&ff),
        steps(&chromium),
        "Firefox:\n{ff}\nChromium:\n{chromium}"
    );
    assert_passes(&ff, None);
}

#[test]
fn all_keeps_the_other_requests_as_request_steps() {
    let (yaml, _) = import(&fixture("chromium-playwright.har"), true);
    assert!(yaml.contains("path: /__har_page"), "{yaml}");
    assert!(yaml.contains("method: GET"), "{yaml}");
}

#[test]
fn broken_files_are_clear_errors_with_file_line_col() {
    let dir = tempfile::tempdir().expect("tempdir");
    let yaml_file = dir.path().join("session.har");
    std::fs::write(&yaml_file, "log:\n  entries: []\n").expect("write");
    let empty = dir.path().join("empty.har");
    std::fs::write(&empty, "{\"log\": {\"version\": \"1.2\", \"entries\": []}}").expect("write");
    for (file, wanted) in [
        (
            fixture("truncated.har"),
            "truncated.har:472:23: not valid JSON",
        ),
        (
            fixture("not-a-har.har"),
            "not-a-har.har:5:1: not a HAR file: missing field `log`",
        ),
        (yaml_file.clone(), "session.har:1:1: not valid JSON"),
        (empty.clone(), "no Store Auth call among its 0 entries"),
        (dir.path().join("missing.har"), "missing.har: cannot read"),
    ] {
        let o = bin()
            .args(["import", "har"])
            .arg(&file)
            .output()
            .expect("run");
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{file:?}: {err}");
        assert!(out.is_empty(), "{out}");
        assert!(
            err.contains(wanted),
            "{file:?}: wanted `{wanted}` in:\n{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn a_login_to_an_existing_account_reads_the_password_from_the_environment() {
    let har = r#"{"log": {"version": "1.2", "creator": {"name": "Firefox", "version": "140.0"}, "entries": [
      {"startedDateTime": "2026-11-29T06:00:00.000+01:00",
       "request": {"method": "POST", "url": "https://shop.example/store/auth",
         "headers": [{"name": "Content-Type", "value": "application/json"},
                     {"name": "Cookie", "value": "connect.sid=s%3Apre-existing-session.sig"}],
         "postData": {"mimeType": "application/json", "text": "{\"email\":\"ada@example.com\",\"password\":\"Hunter2-Planted\"}"}},
       "response": {"status": 401, "headers": [], "content": {"mimeType": "text/plain", "text": "Unauthorized"}}}
    ]}}"#;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("login.har");
    std::fs::write(&file, har).expect("write");
    let (yaml, _) = import(&file, false);
    for secret in ["Hunter2-Planted", "pre-existing-session"] {
        assert!(!yaml.contains(secret), "`{secret}` leaked:\n{yaml}");
    }
    assert!(
        yaml.contains("password: \"{{ env.MEDUSA_PASSWORD }}\""),
        "{yaml}"
    );
    assert!(yaml.contains("- MEDUSA_PASSWORD"), "{yaml}");
    // An existing account's e-mail is kept; a cookie from before the recording is a placeholder.
    assert!(yaml.contains("email: ada@example.com"), "{yaml}");
    assert!(yaml.contains("CHANGE-ME"), "{yaml}");
    assert!(yaml.contains("status: 401"), "{yaml}");
}

/// Whether the browser part can run here; `None` means it must (CI, or Chromium present).
fn browser_missing() -> Option<String> {
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let chromium = Path::new("/usr/bin/chromium").exists();
    let modules = root
        .join("drivers/medusa-js/node_modules/playwright-core")
        .exists();
    if chromium && modules {
        return None;
    }
    let why = format!(
        "chromium present: {chromium}, drivers/medusa-js/node_modules present: {modules} (run drivers/medusa-js/install)"
    );
    assert!(
        !ci,
        "CI is set, so the real-browser HAR test must run: {why}"
    );
    Some(why)
}

/// `medusa-conform serve --port 0 EXTRA…`: the child (killed by the caller) and its URL.
fn serve(extra: &[&str]) -> (std::process::Child, String) {
    let mut serve = bin()
        .args(["serve", "--port", "0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start serve");
    let mut url = String::new();
    let mut lines = BufReader::new(serve.stdout.take().expect("stdout")).lines();
    for line in lines.by_ref() {
        let line = line.expect("read serve output");
        if let Some(u) = line.strip_prefix("export MEDUSA_URL=") {
            url = u.to_string();
            break;
        }
    }
    (serve, url)
}

/// Runs `f` with a `serve` target, and stops it whatever `f` does.
fn with_serve(extra: &[&str], f: impl FnOnce(&str) + std::panic::UnwindSafe) {
    let (mut child, url) = serve(extra);
    let result = std::panic::catch_unwind(|| {
        assert!(!url.is_empty(), "serve printed no URL");
        f(&url)
    });
    let _ = child.kill();
    let _ = child.wait();
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

/// The imported scenario can fail: on a server whose session cookie cannot come back over
/// plain http (production mode: `Secure`), the session check after login is a 401.
#[test]
fn the_imported_scenario_fails_where_the_session_does_not_survive() {
    let (yaml, _) = import(&fixture("chromium-playwright.har"), false);
    with_serve(&["--production"], |url| {
        let (ok, out) = run(&yaml, Some(url));
        assert!(
            !ok,
            "the scenario passed on a server that breaks the session:\n{out}"
        );
        assert!(
            out.contains("step `GET /store/auth` failed: status"),
            "{out}"
        );
        assert!(out.contains("expected status 200, got 401"), "{out}");
    });
}

/// The same recording also passes against the real Medusa 1.20.11 (when MEDUSA_URL names one,
/// as under .ci/run).
#[test]
fn the_imported_scenario_passes_against_the_real_medusa() {
    let Ok(url) = std::env::var("MEDUSA_URL") else {
        eprintln!(
            "SKIPPED: MEDUSA_URL is not set (tests/targets/medusa-v1/up starts a real Medusa)"
        );
        return;
    };
    let (yaml, _) = import(&fixture("chromium-playwright.har"), false);
    assert_passes(&yaml, Some(&url));
}

#[test]
fn a_live_browser_recording_imports_without_secrets_and_passes_against_serve() {
    if let Some(why) = browser_missing() {
        eprintln!("SKIPPED a_live_browser_recording: {why}");
        return;
    }
    with_serve(&[], |url| {
        let url = url.to_string();
        let dir = tempfile::tempdir().expect("tempdir");
        let har = dir.path().join("live.har");
        let email = format!("live.{}@example.com", std::process::id());
        let password = "Live-Planted-Password-7g3";
        let o = Command::new("node")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["tests/har/record.mjs", &url])
            .arg(&har)
            .args([&email, password])
            .output()
            .expect("run node tests/har/record.mjs");
        let (out, err) = text(&o);
        assert!(o.status.success(), "recording failed: {out}\n{err}");
        assert_eq!(out.trim(), "[200,200,200,200,200,200,200,401]");
        // The secrets the browser really exchanged: the password, every cookie value, the token.
        let raw = std::fs::read_to_string(&har).expect("read HAR");
        let doc: serde_json::Value = serde_json::from_str(&raw).expect("HAR is JSON");
        let mut secrets = vec![password.to_string()];
        for e in doc["log"]["entries"].as_array().expect("entries") {
            for side in ["request", "response"] {
                for c in e[side]["cookies"].as_array().into_iter().flatten() {
                    secrets.push(c["value"].as_str().unwrap_or_default().to_string());
                }
            }
            let body = e["response"]["content"]["text"]
                .as_str()
                .unwrap_or_default();
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(body)
                && let Some(t) = v["access_token"].as_str()
            {
                secrets.push(t.to_string());
            }
        }
        assert!(
            secrets.len() >= 3,
            "the recording has no cookies or token: {raw}"
        );
        let (yaml, notes) = import(&har, false);
        for s in secrets.iter().filter(|s| s.len() >= 8) {
            assert!(
                !yaml.contains(s.as_str()),
                "a secret leaked into the scenario:\n{yaml}"
            );
            assert!(
                !notes.contains(s.as_str()),
                "a secret leaked into the notes:\n{notes}"
            );
            let encoded = s.replace(':', "%3A");
            assert!(!yaml.contains(&encoded), "{yaml}");
        }
        assert_session_shape(&yaml);
        assert_passes(&yaml, Some(&url));
    });
}
