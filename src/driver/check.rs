//! `medusa-conform driver check 'CMD'`: tells a driver author what their driver gets wrong.
//! Starts the driver, runs the handshake and a short script of calls against a target (the
//! embedded reference server by default), validates every line the driver wrote against the
//! protocol's JSON Schema (`specs/driver/protocol.schema.json`, `$defs/driver_message`; without
//! that file, against the serde types of [`super::protocol`]), checks what the answers must say
//! (statuses, wire records, cookies kept, tokens attached, reset, errors, no secrets outside
//! `body`), and lists each problem with the offending line.

use super::process::{Dir, cut};
use super::protocol::{CallResult, Hello, OPERATIONS, Outgoing, parse_line};
use super::{CallError, Driver, DriverSpec};
use serde_json::{Value, json};
use std::path::Path;

/// One thing the driver got wrong.
#[derive(Debug, Clone)]
pub struct Problem {
    pub message: String,
    /// The line the driver wrote, when one is to blame.
    pub line: Option<String>,
}

/// What `driver check` found.
#[derive(Debug, Default)]
pub struct CheckReport {
    pub hello: Option<Hello>,
    pub lines: usize,
    pub problems: Vec<Problem>,
    pub notes: Vec<String>,
    pub stderr_tail: Vec<String>,
    pub schema: String,
}

impl CheckReport {
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }

    /// The report for people.
    pub fn render(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        if let Some(h) = &self.hello {
            let _ = writeln!(
                out,
                "driver {} {}, client {} {}, protocol {}",
                h.driver.name, h.driver.version, h.client.name, h.client.version, h.protocol
            );
        }
        let _ = writeln!(
            out,
            "{} line(s) from the driver checked against {}",
            self.lines, self.schema
        );
        for n in &self.notes {
            let _ = writeln!(out, "note: {n}");
        }
        for (i, p) in self.problems.iter().enumerate() {
            let _ = writeln!(out, "\nproblem {}: {}", i + 1, p.message);
            if let Some(l) = &p.line {
                let _ = writeln!(out, "  the driver wrote: {}", cut(l));
            }
        }
        if !self.problems.is_empty() && !self.stderr_tail.is_empty() {
            let _ = writeln!(out, "\nlast lines of its stderr:");
            for l in &self.stderr_tail {
                let _ = writeln!(out, "  | {l}");
            }
        }
        let _ = writeln!(
            out,
            "\ndriver check: {}",
            if self.passed() {
                "passed".to_string()
            } else {
                format!(
                    "{} problem(s); see docs/driver-protocol.md",
                    self.problems.len()
                )
            }
        );
        out
    }
}

/// The protocol's JSON Schema, one validator per driver message kind.
pub struct Schema {
    by_def: std::collections::HashMap<&'static str, jsonschema::Validator>,
}

/// The `$defs` a driver's line is checked against, by the request it answers.
const DEFS: &[&str] = &[
    "driver_message",
    "hello_answer",
    "call_result",
    "reset_result",
    "jar_result",
    "error",
];

impl Schema {
    /// `specs/driver/protocol.schema.json`, if the file exists.
    pub fn load(specs_dir: &Path) -> Result<Option<Schema>, String> {
        let path = specs_dir.join("driver/protocol.schema.json");
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Ok(None);
        };
        let doc: Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let Some(defs) = doc.get("$defs").cloned() else {
            return Err(format!("{}: has no `$defs`", path.display()));
        };
        let mut by_def = std::collections::HashMap::new();
        for def in DEFS {
            if defs.get(def).is_none() {
                continue;
            }
            let one = json!({"$defs": defs, "$ref": format!("#/$defs/{def}")});
            let v = jsonschema::validator_for(&one)
                .map_err(|e| format!("{}: `{def}`: {e}", path.display()))?;
            by_def.insert(*def, v);
        }
        if !by_def.contains_key("driver_message") {
            return Err(format!("{}: has no `$defs/driver_message`", path.display()));
        }
        Ok(Some(Schema { by_def }))
    }

    /// Violations of a driver line answering a request of type `answers` (`hello`, `call`,
    /// `reset`, `jar`; `None`: unknown).
    pub fn violations(&self, v: &Value, answers: Option<&str>) -> Vec<String> {
        let is_error = v.get("type").and_then(Value::as_str) == Some("error");
        let def = match (is_error, answers) {
            (true, _) => "error",
            (false, Some("hello")) => "hello_answer",
            (false, Some("call")) => "call_result",
            (false, Some("reset")) => "reset_result",
            (false, Some("jar")) => "jar_result",
            _ => "driver_message",
        };
        let s = self
            .by_def
            .get(def)
            .or_else(|| self.by_def.get("driver_message"));
        s.map(|s| {
            s.iter_errors(v)
                .take(3)
                .map(|e| {
                    let at = e.instance_path().to_string();
                    format!(
                        "does not match the protocol schema ({def}) at `{}`: {}",
                        if at.is_empty() { "/" } else { &at },
                        e.masked()
                    )
                })
                .collect()
        })
        .unwrap_or_default()
    }
}

struct Checker<'a> {
    d: &'a Driver,
    report: CheckReport,
    /// The password and token of the script: they must never show outside `body`.
    secrets: Vec<String>,
    /// A fatal driver failure is reported once (every later request fails with it).
    fatal_seen: bool,
}

impl Checker<'_> {
    fn problem(&mut self, message: impl Into<String>, id: Option<u64>) {
        let line = id.and_then(|id| {
            self.d
                .transcript()
                .into_iter()
                .filter(|(dir, _)| *dir == Dir::FromDriver)
                .map(|(_, l)| l)
                .find(|l| super::protocol::line_id(l) == Some(id))
        });
        self.report.problems.push(Problem {
            message: message.into(),
            line,
        });
    }

    /// A call whose answer is then checked by `expect`; `None` when there was none.
    async fn call(&mut self, actor: &str, op: &str, args: Value) -> Option<CallResult> {
        match self.d.call(actor, op, args).await {
            Ok(r) => Some(r),
            Err(CallError::Refused(m)) => {
                let id = self.last_id();
                self.problem(
                    format!(
                        "`{op}` for actor `{actor}` was answered with an error, not a result: {m}"
                    ),
                    id,
                );
                None
            }
            Err(e) => {
                self.call_error(op, e);
                None
            }
        }
    }

    fn call_error(&mut self, what: &str, e: CallError) {
        match e {
            CallError::Fatal(e) => {
                if !self.fatal_seen {
                    self.fatal_seen = true;
                    self.problem(
                        format!(
                            "during {}: {} (the driver is unusable from here on)",
                            e.call, e.problem
                        ),
                        None,
                    );
                }
            }
            CallError::Refused(m) => {
                let id = self.last_id();
                self.problem(format!("{what}: answered with an error: {m}"), id);
            }
        }
    }

    fn last_id(&self) -> Option<u64> {
        self.d
            .transcript()
            .iter()
            .rev()
            .find(|(dir, _)| *dir == Dir::ToDriver)
            .and_then(|(_, l)| super::protocol::line_id(l))
    }

    fn expect_status(&mut self, what: &str, r: &CallResult, want: u16) -> bool {
        if r.status != Some(want) {
            self.problem(
                format!(
                    "{what}: expected status {want} (the reference server's answer), the driver reported {}",
                    r.status.map(|s| s.to_string()).unwrap_or("null".into())
                ),
                Some(r.id),
            );
            return false;
        }
        true
    }

    fn expect_wire(&mut self, what: &str, r: &CallResult, method: &str, path: &str) {
        let Some(w) = r.wire.last() else {
            self.problem(
                format!("{what}: `wire` is empty; it must list the HTTP request the client sent"),
                Some(r.id),
            );
            return;
        };
        let sent = crate::engine::seam::response(r.clone())
            .ok()
            .and_then(|resp| resp.sent)
            .map(|s| s.path())
            .unwrap_or_default();
        // A client may percent-encode a path segment (`@` as `%40`): compare decoded.
        let same = sent == path || crate::percent::decode(&sent) == path;
        if !w.method.eq_ignore_ascii_case(method) || !same {
            self.problem(
                format!(
                    "{what}: the wire record says {} {sent}; the client must have sent {method} {path}",
                    w.method
                ),
                Some(r.id),
            );
        }
    }
}

/// Runs the check script. `target` must be a fresh reference server or a real Medusa.
pub async fn check(spec: &DriverSpec, target: &str, schema: Option<&Schema>) -> CheckReport {
    let mut report = CheckReport {
        schema: if schema.is_some() {
            "specs/driver/protocol.schema.json".into()
        } else {
            "the protocol's message types (specs/driver/protocol.schema.json not found)".into()
        },
        ..Default::default()
    };
    let d = match Driver::start_recording(spec, target, true).await {
        Ok(d) => d,
        Err(e) => {
            report.problems.push(Problem {
                message: format!("the handshake failed: {}", e.problem),
                line: None,
            });
            report.stderr_tail = e.stderr_tail;
            return report;
        }
    };
    report.hello = Some(d.hello.clone());
    let mut c = Checker {
        d: &d,
        report,
        secrets: Vec::new(),
        fatal_seen: false,
    };
    check_hello_operations(&mut c);
    script(&mut c).await;
    if !d.shutdown().await {
        c.problem("after `shutdown` the driver did not exit within 5 s", None);
    }
    check_transcript(&mut c, schema);
    c.report.stderr_tail = d.stderr_tail().iter().map(|l| d.redact(l)).collect();
    if d.stderr_tail()
        .iter()
        .any(|l| c.secrets.iter().any(|s| l.contains(s.as_str())))
    {
        c.report.problems.push(Problem {
            message: "a password or token appears on stderr (it is shown in error reports)".into(),
            line: None,
        });
    }
    // Problems found in a driver's line are shown redacted.
    for p in &mut c.report.problems {
        p.line = p.line.as_deref().map(|l| d.redact(l));
        p.message = d.redact(&p.message);
    }
    c.report
}

/// The hello's operations: none unknown; the ones missing are noted.
fn check_hello_operations(c: &mut Checker<'_>) {
    let d = c.d;
    for op in &d.hello.operations {
        if !OPERATIONS.contains(&op.as_str()) {
            c.problem(
                format!(
                    "the hello lists an unknown operation `{op}` (v1 has {})",
                    OPERATIONS.join(", ")
                ),
                None,
            );
        }
    }
    let missing: Vec<&str> = OPERATIONS
        .iter()
        .copied()
        .filter(|o| !d.supports(o))
        .collect();
    if !missing.is_empty() {
        c.report.notes.push(format!(
            "the driver does not offer {}: scenarios using them will be not applicable",
            missing.join(", ")
        ));
    }
}

/// Every line the driver wrote, against the schema (or the types) and the secrets rule.
fn check_transcript(c: &mut Checker<'_>, schema: Option<&Schema>) {
    let d = c.d;
    let secrets = c.secrets.clone();
    let mut lines = 0;
    let transcript = d.transcript();
    let request_type = |id: Option<u64>| -> Option<String> {
        transcript
            .iter()
            .filter(|(dir, _)| *dir == Dir::ToDriver)
            .map(|(_, l)| serde_json::from_str::<Value>(l).unwrap_or(Value::Null))
            .find(|m| m.get("id").and_then(Value::as_u64) == id)
            .and_then(|m| m.get("type").and_then(Value::as_str).map(str::to_string))
    };
    for (dir, line) in transcript.iter().cloned() {
        if dir != Dir::FromDriver {
            continue;
        }
        lines += 1;
        let parsed: Result<Value, _> = serde_json::from_str(&line);
        // The harness's own reading of the line (what a run would make of it), then the schema.
        if parsed.is_ok()
            && let Err(e) = parse_line(&line)
        {
            c.report.problems.push(Problem {
                message: format!("a line that is {e}"),
                line: Some(line.clone()),
            });
        }
        match (&parsed, schema) {
            (Ok(v), Some(s)) => {
                let answers = if v.get("type").and_then(Value::as_str) == Some("hello") {
                    Some("hello".to_string())
                } else {
                    request_type(v.get("id").and_then(Value::as_u64))
                };
                for message in s.violations(v, answers.as_deref()) {
                    c.report.problems.push(Problem {
                        message,
                        line: Some(line.clone()),
                    });
                }
            }
            (Ok(_), None) => {}
            (Err(e), _) => c.report.problems.push(Problem {
                message: format!("a line that is not JSON ({e})"),
                line: Some(line.clone()),
            }),
        }
        if let Ok(mut v) = parsed {
            if let Some(o) = v.as_object_mut() {
                o.remove("body");
            }
            let rest = v.to_string();
            if secrets.iter().any(|s| rest.contains(s.as_str())) {
                c.report.problems.push(Problem {
                    message: "a password or token appears outside `body` (wire records, headers and errors carry names and flags only)".into(),
                    line: Some(d.redact(&line)),
                });
            }
        }
    }
    c.report.lines = lines;
}

impl Checker<'_> {
    fn note_secret(&mut self, s: &str) {
        self.secrets.push(s.to_string());
        self.d.add_secrets([&s.to_string()]);
    }
}

/// The check script's actors: Alice signs up and logs in with a cookie, Bob uses a token, the
/// stranger has no account.
const ALICE: &str = "check-alice";
const BOB: &str = "check-bob";
const STRANGER: &str = "check-stranger";

/// The calls `driver check` makes, in order.
async fn script(c: &mut Checker<'_>) {
    let email = format!("driver-check-{}@example.com", uuid::Uuid::new_v4().simple());
    let password = format!("pw-{}", uuid::Uuid::new_v4().simple());
    c.note_secret(&password);
    let creds = json!({"email": email, "password": password});
    script_sign_up(c, &email, &password).await;
    script_cookie_session(c, &creds).await;
    script_token(c, &creds).await;
    script_log_out(c, &email).await;
    script_unknown_op(c).await;
    script_reset(c).await;
}

/// `register`, then `exists` for the new e-mail.
async fn script_sign_up(c: &mut Checker<'_>, email: &str, password: &str) {
    let (a, b) = (ALICE, BOB);
    if c.d.supports("register")
        && let Some(r) = c
            .call(a, "register", json!({"email": email, "password": password, "first_name": "Driver", "last_name": "Check"}))
            .await
    {
        c.expect_status("register", &r, 200);
        c.expect_wire("register", &r, "POST", "/store/customers");
        if let Some(w) = r.wire.last()
            && w.body_keys.as_ref().is_none_or(|k| !k.iter().any(|k| k == "email"))
        {
            c.problem(
                "register: the wire record's `body_keys` must list the JSON body's keys (email, password, …)",
                Some(r.id),
            );
        }
    }
    if let Some(r) = c.call(b, "exists", json!({"email": email})).await {
        c.expect_status("exists", &r, 200);
        c.expect_wire("exists", &r, "GET", &format!("/store/auth/{email}"));
        if r.body.get("exists") != Some(&Value::Bool(true)) {
            c.problem(
                "exists: `body` must be the data the client surfaced ({\"exists\": true} here)",
                Some(r.id),
            );
        }
    }
}

/// `authenticate`, then `get_session` with the cookie it set.
async fn script_cookie_session(c: &mut Checker<'_>, creds: &Value) {
    let a = ALICE;
    if let Some(r) = c.call(a, "authenticate", creds.clone()).await
        && c.expect_status("authenticate", &r, 200)
    {
        c.expect_wire("authenticate", &r, "POST", "/store/auth");
        if r.body.pointer("/customer/email").is_none() {
            c.problem(
                "authenticate: `body` must hold what the client resolved to ({customer: …})",
                Some(r.id),
            );
        }
    }
    if let Some(r) = c.call(a, "get_session", json!({})).await
        && c.expect_status("get_session after authenticate (the cookie kept)", &r, 200)
    {
        c.expect_wire("get_session", &r, "GET", "/store/auth");
        if !r.wire.last().is_some_and(|w| w.cookie_sent) {
            c.problem(
                "get_session after authenticate: the wire record must say `cookie_sent: true`",
                Some(r.id),
            );
        }
    }
}

/// `get_token`, then `get_session` with the token attached.
async fn script_token(c: &mut Checker<'_>, creds: &Value) {
    let b = BOB;
    if let Some(r) = c.call(b, "get_token", creds.clone()).await
        && c.expect_status("get_token", &r, 200)
    {
        match r.body.get("access_token").and_then(Value::as_str) {
            Some(t) => c.note_secret(t),
            None => c.problem(
                "get_token: `body` must hold the resolved {access_token: …}",
                Some(r.id),
            ),
        }
        if let Some(r) = c.call(b, "get_session", json!({})).await
            && c.expect_status("get_session after get_token (the token attached)", &r, 200)
            && !r.wire.last().is_some_and(|w| w.bearer_sent)
        {
            c.problem(
                "get_session after get_token: the wire record must say `bearer_sent: true`",
                Some(r.id),
            );
        }
    }
}

/// The jar holds the session cookie; `delete_session` ends it; a wrong password is refused.
async fn script_log_out(c: &mut Checker<'_>, email: &str) {
    let (a, s) = (ALICE, STRANGER);
    match c.d.jar(a).await {
        Ok(jar) => {
            if !jar.iter().any(|k| k.name == "connect.sid") {
                c.problem(
                    "jar: the actor's jar must list the `connect.sid` cookie it holds (name and attributes, no value)",
                    c.last_id(),
                );
            }
        }
        Err(e) => c.call_error("jar", e),
    }
    if let Some(r) = c.call(a, "delete_session", json!({})).await {
        c.expect_status("delete_session", &r, 200);
        c.expect_wire("delete_session", &r, "DELETE", "/store/auth");
    }
    if let Some(r) = c.call(a, "get_session", json!({})).await {
        c.expect_status("get_session after delete_session", &r, 401);
    }
    let wrong = json!({"email": email, "password": "not-the-password"});
    if let Some(r) = c.call(s, "authenticate", wrong).await {
        c.expect_status("authenticate with a wrong password", &r, 401);
    }
}

/// An unknown operation must be answered with an `error` for its id.
async fn script_unknown_op(c: &mut Checker<'_>) {
    let s = STRANGER;
    let id = c.d.next_request_id();
    let msg = Outgoing::Call {
        id,
        actor: s.into(),
        op: "frobnicate".into(),
        args: json!({}),
    };
    match c.d.raw(msg).await {
        Ok(line) => {
            let v: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
            if v.get("type").and_then(Value::as_str) != Some("error") {
                c.problem(
                    "an unknown op must be answered with {\"type\":\"error\",\"id\":N,…}",
                    Some(id),
                );
            }
        }
        Err(e) if !c.fatal_seen => c.problem(format!("an unknown op got no answer: {e}"), None),
        Err(_) => {}
    }
}

/// After `reset` the actor is a new client: nothing from its old jar or token is sent.
async fn script_reset(c: &mut Checker<'_>) {
    let a = ALICE;
    match c.d.reset(a).await {
        Ok(_) => {
            if let Some(r) = c.call(a, "get_session", json!({})).await {
                c.expect_status("get_session after reset", &r, 401);
                if r.wire
                    .last()
                    .is_some_and(|w| w.cookie_sent || w.bearer_sent)
                {
                    c.problem(
                        "after `reset` the actor is a new client instance: nothing may be sent from its old jar or token",
                        Some(r.id),
                    );
                }
            }
        }
        Err(e) => c.call_error("reset", e),
    }
}

/// `medusa-conform driver check`: against `target`, or a fresh embedded reference server.
pub fn run(
    spec: &DriverSpec,
    target: Option<String>,
    specs_dir: &Path,
) -> Result<crate::error::ExitCode, crate::error::Error> {
    use crate::error::{Error, ExitCode};
    let schema = Schema::load(specs_dir).map_err(Error::Usage)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| Error::Internal(format!("tokio runtime: {e}")))?;
    let report = rt.block_on(async {
        let mut server = None;
        let target = match target {
            Some(t) => t,
            None => {
                let s = crate::server::v1::Server::start_ephemeral()
                    .await
                    .map_err(|e| Error::Internal(format!("embedded server: {e}")))?;
                let url = s.url.clone();
                server = Some(s);
                url
            }
        };
        eprintln!(
            "medusa-conform: checking driver `{}` against {target}",
            spec.command_line()
        );
        let r = check(spec, &target, schema.as_ref()).await;
        drop(server);
        Ok::<_, Error>(r)
    })?;
    print!("{}", report.render());
    Ok(if report.passed() {
        ExitCode::Success
    } else {
        ExitCode::DriverFailed
    })
}
