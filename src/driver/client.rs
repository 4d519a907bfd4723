//! The per-run driver handle: the handshake, request ids, one call per actor at a time (the
//! engine runs an actor's steps in order), and the rule that any protocol failure (garbage,
//! a hang, the process dying) is fatal for the whole driver and reported with its stderr tail.

use super::process::{Process, cut};
use super::protocol::{
    CallResult, Hello, Incoming, JarCookie, OPERATIONS, Outgoing, PROTOCOL_VERSION, parse_line,
};
use super::{DriverError, DriverSpec};
use crate::report::redact::Redactor;
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Why one request got no usable result.
#[derive(Debug, Clone)]
pub enum CallError {
    /// The driver is broken (or was already): the run ends with exit code 6.
    Fatal(DriverError),
    /// The driver answered `{"type":"error"}` for this request.
    Refused(String),
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Fatal(e) => write!(f, "{e}"),
            CallError::Refused(m) => write!(f, "the driver refused the call: {m}"),
        }
    }
}

/// A started driver that has completed the handshake.
pub struct Driver {
    process: Process,
    pub hello: Hello,
    /// `name version (command)`, for messages.
    pub label: String,
    call_timeout: Duration,
    next_id: AtomicU64,
    /// Secrets seen in calls, so error reports (stderr tails, offending lines) never show them.
    redactor: Redactor,
    first_failure: std::sync::Mutex<Option<DriverError>>,
}

impl Driver {
    /// Spawns the driver and runs the handshake.
    pub async fn start(spec: &DriverSpec, target: &str) -> Result<Driver, DriverError> {
        Self::start_recording(spec, target, false).await
    }

    /// As `start`; with `record`, every line is kept for `transcript` (used by `driver check`).
    pub async fn start_recording(
        spec: &DriverSpec,
        target: &str,
        record: bool,
    ) -> Result<Driver, DriverError> {
        let process =
            Process::spawn(&spec.program, &spec.args, record).map_err(|e| DriverError {
                driver: spec.command_line(),
                call: "start".into(),
                problem: format!("cannot start `{}`: {e}", spec.program),
                stderr_tail: vec![],
            })?;
        let fail = |process: &Process, problem: String| DriverError {
            driver: spec.command_line(),
            call: "hello (the handshake)".into(),
            problem,
            stderr_tail: process.stderr_tail(),
        };
        let hello = Outgoing::Hello {
            protocol: PROTOCOL_VERSION,
            target: target.to_string(),
            options: {
                let mut o = spec.options.clone();
                o.entry("call_timeout_ms")
                    .or_insert(Value::from(spec.call_timeout.as_millis() as u64));
                o
            },
        };
        let line = serde_json::to_string(&hello).unwrap_or_default();
        let answer = match process.request(None, line, spec.handshake_timeout).await {
            Ok(a) => a,
            Err(problem) => {
                // Give a dying driver a moment to flush its stderr into the tail.
                tokio::time::sleep(Duration::from_millis(100)).await;
                let e = fail(&process, problem);
                process.terminate(Duration::from_millis(200));
                return Err(e);
            }
        };
        let protocol = serde_json::from_str::<Value>(&answer)
            .ok()
            .and_then(|v| v.get("protocol").and_then(Value::as_u64));
        let hello = match (protocol, parse_line(&answer)) {
            (Some(p), _) if p != PROTOCOL_VERSION => Err(format!(
                "the driver speaks protocol version {p}; this medusa-conform speaks version {PROTOCOL_VERSION}"
            )),
            (_, Ok(Incoming::Hello(h))) => Ok(h),
            (_, Ok(_)) => Err(format!("the first line is not a hello: {}", cut(&answer))),
            (_, Err(e)) => Err(format!("its hello is {e}: {}", cut(&answer))),
        };
        let hello = match hello {
            Ok(h) => h,
            Err(problem) => {
                let e = fail(&process, problem);
                process.terminate(Duration::from_millis(200));
                return Err(e);
            }
        };
        let label = format!(
            "{} {} ({})",
            hello.driver.name,
            hello.driver.version,
            spec.command_line()
        );
        Ok(Driver {
            process,
            hello,
            label,
            call_timeout: spec.call_timeout,
            next_id: AtomicU64::new(1),
            redactor: Redactor::default(),
            first_failure: std::sync::Mutex::new(None),
        })
    }

    /// Whether the driver said it supports `op`.
    pub fn supports(&self, op: &str) -> bool {
        self.hello.operations.iter().any(|o| o == op)
    }

    /// Values to keep out of error reports (passwords sent, tokens received).
    pub fn add_secrets<'a>(&self, secrets: impl IntoIterator<Item = &'a String>) {
        secrets.into_iter().for_each(|s| self.redactor.add(s));
    }

    fn fatal(&self, call: String, problem: String) -> CallError {
        let e = DriverError {
            driver: self.label.clone(),
            call: self.redactor.text(&call),
            problem: self.redactor.text(&problem),
            stderr_tail: self
                .process
                .stderr_tail()
                .iter()
                .map(|l| self.redactor.text(l))
                .collect(),
        };
        let mut first = self.first_failure.lock().unwrap_or_else(|e| e.into_inner());
        first.get_or_insert_with(|| e.clone());
        CallError::Fatal(e)
    }

    async fn request(&self, msg: Outgoing, call: String) -> Result<CallResult, CallError> {
        let id = msg.id().unwrap_or(0);
        let line = serde_json::to_string(&msg).unwrap_or_default();
        let answer = match self
            .process
            .request(Some(id), line, self.call_timeout)
            .await
        {
            Ok(a) => a,
            Err(problem) => {
                // A driver that just died usually says why on stderr: let the tail catch up.
                tokio::time::sleep(Duration::from_millis(50)).await;
                return Err(self.fatal(call, problem));
            }
        };
        match parse_line(&answer) {
            Ok(Incoming::Result(r)) => Ok(r),
            Ok(Incoming::Error { message, .. }) => Err(CallError::Refused(message)),
            Ok(Incoming::Hello(_)) => {
                let p = format!("answered with a second hello: {}", cut(&answer));
                self.process.fail(p.clone());
                Err(self.fatal(call, p))
            }
            Err(e) => {
                let p = format!("answered with a line that is {e}: {}", cut(&answer));
                self.process.fail(p.clone());
                Err(self.fatal(call, p))
            }
        }
    }

    fn id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Calls a client operation for an actor.
    pub async fn call(&self, actor: &str, op: &str, args: Value) -> Result<CallResult, CallError> {
        debug_assert!(OPERATIONS.contains(&op));
        let id = self.id();
        let msg = Outgoing::Call {
            id,
            actor: actor.to_string(),
            op: op.to_string(),
            args,
        };
        let r = self
            .request(msg, format!("call #{id} `{op}` for actor `{actor}`"))
            .await?;
        // Tokens the client received never show in a later error report either.
        let mut found = Vec::new();
        crate::lang::template::JsonTemplate::secret_strings(&r.body, &mut found);
        self.add_secrets(&found);
        Ok(r)
    }

    /// A new client instance for the actor: empty jar, no token.
    pub async fn reset(&self, actor: &str) -> Result<CallResult, CallError> {
        let id = self.id();
        let msg = Outgoing::Reset {
            id,
            actor: actor.to_string(),
        };
        self.request(msg, format!("reset #{id} of actor `{actor}`"))
            .await
    }

    /// The actor's cookie jar (names and attributes only).
    pub async fn jar(&self, actor: &str) -> Result<Vec<JarCookie>, CallError> {
        let id = self.id();
        let msg = Outgoing::Jar {
            id,
            actor: actor.to_string(),
        };
        let r = self
            .request(msg, format!("jar #{id} of actor `{actor}`"))
            .await?;
        Ok(r.cookies.unwrap_or_default())
    }

    /// The first fatal failure of this run, if any.
    pub fn failure(&self) -> Option<DriverError> {
        self.first_failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Sends `shutdown`, gives the driver 5 s to exit, then kills what is left of its tree.
    /// Whether it exited by itself in time.
    pub async fn shutdown(&self) -> bool {
        let line = serde_json::to_string(&Outgoing::Shutdown).unwrap_or_default();
        let _ = self.process.notify(line).await;
        self.process.stop(Duration::from_secs(5)).await
    }

    /// Masks the secrets this driver has seen.
    pub fn redact(&self, text: &str) -> String {
        self.redactor.text(text)
    }

    /// Kills the driver's tree now (Ctrl-C).
    pub fn kill_now(&self) {
        self.process.terminate(Duration::from_millis(300));
    }

    /// Every line exchanged (when started with `record`).
    pub fn transcript(&self) -> Vec<(super::process::Dir, String)> {
        self.process.transcript()
    }

    pub fn stderr_tail(&self) -> Vec<String> {
        self.process.stderr_tail()
    }

    /// The raw line exchange for `driver check`: sends `msg`, returns the raw answer line.
    pub async fn raw(&self, msg: Outgoing) -> Result<String, String> {
        let id = msg.id();
        let line = serde_json::to_string(&msg).unwrap_or_default();
        self.process.request(id, line, self.call_timeout).await
    }

    pub fn next_request_id(&self) -> u64 {
        self.id()
    }
}
