//! The driver as an operating-system process: spawned in its own process group, spoken to in
//! JSON lines (capped in length), its stderr kept as a tail for error reports, and killed with
//! everything it started when the run ends, fails or is interrupted.
//!
//! Hand-written rather than a crate: the parts are small (a line reader with a cap, a /proc
//! walk), and the one thing no process crate does for us is the shape of a browser driver:
//! Playwright starts Chromium *detached* (its own process group), so killing the driver's group
//! is not enough. Before signalling, the whole tree of descendants is collected from /proc, and
//! every process in it gets the signal too.

use std::collections::{HashMap, VecDeque};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::oneshot;

/// Lines of the driver's stderr kept for error reports.
pub const STDERR_TAIL: usize = 20;
/// A protocol line longer than this is garbage (bodies are capped at 1 MiB by the harness).
pub const MAX_LINE: usize = 8 * 1024 * 1024;

/// Who wrote a transcript line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    ToDriver,
    FromDriver,
}

type Waiter = oneshot::Sender<Result<String, String>>;

#[derive(Default)]
struct Shared {
    /// Answers awaited, by request id (the hello under `None`).
    pending: HashMap<Option<u64>, Waiter>,
    tail: VecDeque<String>,
    /// The first fatal problem: once set, every request fails with it.
    dead: Option<String>,
    transcript: Option<Vec<(Dir, String)>>,
}

/// A running driver process.
pub struct Process {
    pid: i32,
    stdin: tokio::sync::Mutex<Option<ChildStdin>>,
    child: Arc<Mutex<Option<Child>>>,
    shared: Arc<Mutex<Shared>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Reads one line of at most `cap` bytes; `Ok(None)` at end of stream, `Err` past the cap.
async fn read_line_capped<R: AsyncBufRead + Unpin>(
    r: &mut R,
    buf: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<Option<()>> {
    buf.clear();
    loop {
        let chunk = r.fill_buf().await?;
        if chunk.is_empty() {
            return Ok((!buf.is_empty()).then_some(()));
        }
        let (take, done) = match chunk.iter().position(|b| *b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        if buf.len() + take > cap {
            return Err(std::io::Error::other(format!(
                "a line longer than {cap} bytes"
            )));
        }
        buf.extend_from_slice(&chunk[..take]);
        r.consume(take);
        if done {
            if buf.ends_with(b"\n") {
                buf.pop();
            }
            if buf.ends_with(b"\r") {
                buf.pop();
            }
            return Ok(Some(()));
        }
    }
}

impl Shared {
    fn fail(&mut self, problem: String) {
        if self.dead.is_none() {
            self.dead = Some(problem.clone());
        }
        for (_, w) in self.pending.drain() {
            let _ = w.send(Err(problem.clone()));
        }
    }
}

impl Process {
    /// Starts `program args` with piped stdio in a new process group.
    pub fn spawn(program: &str, args: &[String], record: bool) -> std::io::Result<Process> {
        let mut cmd = Command::new(program);
        cmd.args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .process_group(0);
        let mut child = cmd.spawn()?;
        let pid = child.id().map(|p| p as i32).unwrap_or(0);
        let stdin = child.stdin.take();
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let shared = Arc::new(Mutex::new(Shared {
            transcript: record.then(Vec::new),
            ..Shared::default()
        }));
        let child = Arc::new(Mutex::new(Some(child)));
        if let Some(err) = stderr {
            let shared = shared.clone();
            tokio::spawn(async move {
                let mut r = BufReader::new(err);
                let mut buf = Vec::new();
                while let Ok(Some(())) = read_line_capped(&mut r, &mut buf, 64 * 1024).await {
                    let mut s = lock(&shared);
                    if s.tail.len() == STDERR_TAIL {
                        s.tail.pop_front();
                    }
                    s.tail.push_back(String::from_utf8_lossy(&buf).into_owned());
                }
            });
        }
        if let Some(out) = stdout {
            let (shared, child) = (shared.clone(), child.clone());
            tokio::spawn(async move {
                let mut r = BufReader::new(out);
                let mut buf = Vec::new();
                loop {
                    match read_line_capped(&mut r, &mut buf, MAX_LINE).await {
                        Ok(Some(())) => {
                            let line = String::from_utf8_lossy(&buf).into_owned();
                            if line.trim().is_empty() {
                                continue;
                            }
                            route(&shared, line);
                        }
                        Ok(None) => {
                            let status = exit_status(&child).await;
                            lock(&shared).fail(format!("the driver exited ({status})"));
                            return;
                        }
                        Err(e) => {
                            lock(&shared).fail(format!("the driver wrote {e} on stdout"));
                            return;
                        }
                    }
                }
            });
        }
        Ok(Process {
            pid,
            stdin: tokio::sync::Mutex::new(stdin),
            child,
            shared,
        })
    }

    /// Writes one line and waits for the answer with this id (`None`: the hello).
    pub async fn request(
        &self,
        id: Option<u64>,
        line: String,
        timeout: Duration,
    ) -> Result<String, String> {
        let (tx, rx) = oneshot::channel();
        {
            let mut s = lock(&self.shared);
            if let Some(d) = &s.dead {
                return Err(d.clone());
            }
            s.pending.insert(id, tx);
            if let Some(t) = &mut s.transcript {
                t.push((Dir::ToDriver, line.clone()));
            }
        }
        if let Err(e) = self.write(&line).await {
            lock(&self.shared).fail(format!("the driver does not read its stdin ({e})"));
        }
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(_)) => Err(self
                .dead()
                .unwrap_or_else(|| "the driver's answer was lost".into())),
            Err(_) => {
                let problem = format!("no answer within {timeout:?}");
                lock(&self.shared).fail(problem.clone());
                Err(problem)
            }
        }
    }

    /// Writes a line that expects no answer (shutdown).
    pub async fn notify(&self, line: String) -> std::io::Result<()> {
        if let Some(t) = &mut lock(&self.shared).transcript {
            t.push((Dir::ToDriver, line.clone()));
        }
        self.write(&line).await
    }

    async fn write(&self, line: &str) -> std::io::Result<()> {
        let mut stdin = self.stdin.lock().await;
        let Some(w) = stdin.as_mut() else {
            return Err(std::io::Error::other("stdin already closed"));
        };
        w.write_all(line.as_bytes()).await?;
        w.write_all(b"\n").await?;
        w.flush().await
    }

    /// Marks the driver failed (e.g. an answer that does not fit the protocol).
    pub fn fail(&self, problem: String) {
        lock(&self.shared).fail(problem);
    }

    /// The first fatal problem, if any.
    pub fn dead(&self) -> Option<String> {
        lock(&self.shared).dead.clone()
    }

    /// The last lines of the driver's stderr.
    pub fn stderr_tail(&self) -> Vec<String> {
        lock(&self.shared).tail.iter().cloned().collect()
    }

    /// Every line exchanged so far (only when spawned with `record`).
    pub fn transcript(&self) -> Vec<(Dir, String)> {
        lock(&self.shared).transcript.clone().unwrap_or_default()
    }

    /// Asks the driver to stop: closes its stdin, waits up to `grace` for it to exit, then
    /// terminates whatever of its tree is left.
    pub async fn stop(&self, grace: Duration) -> bool {
        self.stdin.lock().await.take();
        let exited = async {
            loop {
                let done = {
                    let mut c = lock(&self.child);
                    match c.as_mut() {
                        Some(ch) => !matches!(ch.try_wait(), Ok(None)),
                        None => true,
                    }
                };
                if done {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        let in_time = tokio::time::timeout(grace, exited).await.is_ok();
        self.terminate(Duration::from_millis(500));
        in_time
    }

    /// SIGTERM to the driver's group and every descendant, then SIGKILL to what is left after
    /// `grace`. Synchronous: also used from Drop and the Ctrl-C handler.
    pub fn terminate(&self, grace: Duration) {
        if self.pid <= 0 {
            return;
        }
        let tree = descendants(self.pid);
        signal_all(self.pid, &tree, libc::SIGTERM);
        let deadline = std::time::Instant::now() + grace;
        while std::time::Instant::now() < deadline && tree.iter().any(|p| alive(*p)) {
            std::thread::sleep(Duration::from_millis(20));
        }
        signal_all(self.pid, &tree, libc::SIGKILL);
        if let Some(mut c) = lock(&self.child).take() {
            let _ = c.start_kill();
            let _ = c.try_wait();
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if lock(&self.child).is_some() {
            self.terminate(Duration::from_millis(200));
        }
    }
}

fn route(shared: &Arc<Mutex<Shared>>, line: String) {
    let mut s = lock(shared);
    if let Some(t) = &mut s.transcript {
        t.push((Dir::FromDriver, line.clone()));
    }
    let is_hello = serde_json::from_str::<serde_json::Value>(&line)
        .ok()
        .is_some_and(|v| v.get("type").and_then(|t| t.as_str()) == Some("hello"));
    let key = if is_hello {
        Some(None)
    } else {
        super::protocol::line_id(&line).map(Some)
    };
    match key.and_then(|k| s.pending.remove(&k)) {
        Some(w) => {
            let _ = w.send(Ok(line));
        }
        None => {
            let what = match super::protocol::parse_line(&line) {
                Ok(super::protocol::Incoming::Error { message, .. }) => {
                    format!("the driver reported an error for no request: {message}")
                }
                Ok(_) => format!(
                    "the driver answered a request nobody is waiting for: {}",
                    cut(&line)
                ),
                Err(e) => format!("the driver printed a line that is {e}: {}", cut(&line)),
            };
            s.fail(what);
        }
    }
}

/// A line shortened for an error message.
pub fn cut(line: &str) -> String {
    if line.len() <= 300 {
        return format!("`{line}`");
    }
    let mut end = 300;
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    format!("`{}…` ({} bytes)", &line[..end], line.len())
}

async fn exit_status(child: &Arc<Mutex<Option<Child>>>) -> String {
    for _ in 0..25 {
        {
            let mut c = lock(child);
            match c.as_mut().map(|c| c.try_wait()) {
                Some(Ok(Some(st))) => return st.to_string(),
                None => return "stopped".into(),
                _ => {}
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    "closed its stdout".into()
}

fn alive(pid: i32) -> bool {
    // SAFETY: kill with signal 0 only checks that the process exists.
    unsafe { libc::kill(pid, 0) == 0 }
}

fn signal_all(pid: i32, tree: &[i32], sig: i32) {
    // SAFETY: plain kill(2) calls on the driver's own group and its descendants' pids.
    unsafe {
        libc::kill(-pid, sig);
        for p in tree {
            libc::kill(*p, sig);
        }
    }
}

/// The pid and every descendant of it, from /proc (empty elsewhere).
fn descendants(root: i32) -> Vec<i32> {
    let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for e in dir.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            // The command name may hold spaces and parentheses: the fields follow the last `)`.
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<i32>().ok());
            if let Some(ppid) = ppid {
                children.entry(ppid).or_default().push(pid);
            }
        }
    }
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        if let Some(c) = children.get(&out[i]) {
            out.extend(c.iter().copied());
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn capped_lines() {
        let data: &[u8] = b"one\r\ntwo\nlast";
        let mut r = BufReader::new(data);
        let mut buf = Vec::new();
        let mut lines = Vec::new();
        while let Some(()) = read_line_capped(&mut r, &mut buf, 100).await.unwrap() {
            lines.push(String::from_utf8(buf.clone()).unwrap());
        }
        assert_eq!(lines, ["one", "two", "last"]);
        let long = [b'x'; 50];
        let mut r = BufReader::new(&long[..]);
        assert!(read_line_capped(&mut r, &mut buf, 10).await.is_err());
    }
}
