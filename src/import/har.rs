//! `medusa-conform import har FILE.har [--all]`: a browser's exported session (Chromium's or
//! Firefox's DevTools "Save all as HAR", a Playwright `recordHar`) becomes one scenario.
//!
//! Each kept entry is turned into a curl-like request and mapped by the curl importer's
//! [`build_step`](crate::import::curl) over one shared variable table, so both importers agree on
//! operations, secret scrubbing and YAML. What the HAR adds is the session around the requests:
//! - Entries are sorted by `startedDateTime` (browsers write them in completion order).
//! - Only Store Auth calls are kept (register, authenticate, get_session, exists, get_token,
//!   delete_session); `--all` keeps the target's other traffic as `request:` steps. CORS
//!   preflights and requests that got no response are always dropped.
//! - Cookies: a cookie the server set (Set-Cookie) and the browser sent back is the actor's
//!   jar's business, so the step sends nothing. Chromium leaves Cookie/Set-Cookie out of HARs
//!   unless asked; then continuity is inferred from the Set-Cookie order, which is the same
//!   thing the jar does. A cookie nobody set during the recording (a session from before it)
//!   becomes a `CHANGE-ME` variable. When the HAR does record cookies (Firefox, Playwright) and
//!   a request went without any while the browser held some (`credentials: "omit"`), it is
//!   made by a second actor, `without_cookies`, whose jar the session does not touch.
//! - Tokens: `get_token`'s `access_token` is kept by the actor and sent as a bearer by later
//!   steps, exactly what the browser did; a request without it says `bearer: false`. Another
//!   actor sending it gets `bearer: "{{ token }}"` from a capture.
//! - Any other value a response carried that a later request sends back (an id, a token) becomes
//!   a `capture:` on the step that received it, never a literal.
//! - Passwords become variables: for an account registered in the recording a fresh random one
//!   (so the scenario can run again), else `{{ env.MEDUSA_… }}`; registered e-mails become
//!   `unique_email()`.
//! - Observed statuses become `expect: {status: …}`.
//!
//! Input is bounded: files over [`MAX_HAR_BYTES`] are refused before reading, and bodies over
//! [`MAX_BODY_BYTES`] are not decoded. A truncated or non-HAR file is an error naming
//! `file:line:col` (from serde_json), never a panic.

use crate::import::curl::{
    BuiltStep, CurlRequest, ImportError, Kind, Url, Vars, build_step, comment_text, emit_item,
    scenario_vars, split_url, template_literal, tpl, yaml_scalar,
};
use base64::Engine;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

/// The largest HAR read (DevTools exports with images and scripts embedded run to tens of MB).
pub const MAX_HAR_BYTES: u64 = 256 * 1024 * 1024;
/// The largest request or response body decoded; larger ones are not Store Auth payloads.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Why a HAR could not be imported. Never contains a header value or body.
#[derive(Debug, thiserror::Error)]
pub enum HarError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {size} bytes is more than the {cap} a HAR import reads")]
    TooBig { path: String, size: u64, cap: u64 },
    #[error(
        "{path}:{line}:{col}: not valid JSON ({msg}); is the file truncated? export the HAR again"
    )]
    Json {
        path: String,
        line: usize,
        col: usize,
        msg: String,
    },
    #[error("{path}:{line}:{col}: not a HAR file: {msg}")]
    NotHar {
        path: String,
        line: usize,
        col: usize,
        msg: String,
    },
    #[error(
        "{path}: no Store Auth call among its {entries} entries (POST/GET/DELETE /store/auth, /store/auth/token, /store/customers); pass --all to import the other requests"
    )]
    NothingToImport { path: String, entries: usize },
    #[error("{path}: entry {index} ({what}): {source}")]
    Entry {
        path: String,
        index: usize,
        what: String,
        source: ImportError,
    },
}

// --- The HAR 1.2 shape, with every member optional: exporters leave different ones out. ---

#[derive(Deserialize)]
struct Har {
    log: Log,
}

#[derive(Deserialize)]
struct Log {
    #[serde(default)]
    creator: Option<Creator>,
    entries: Vec<Entry>,
}

#[derive(Deserialize, Default)]
struct Creator {
    #[serde(default)]
    name: String,
    #[serde(default)]
    version: String,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(rename = "startedDateTime", default)]
    started: String,
    request: Request,
    #[serde(default)]
    response: Option<Response>,
}

#[derive(Deserialize)]
struct Request {
    method: String,
    url: String,
    #[serde(default)]
    headers: Vec<Pair>,
    #[serde(default)]
    cookies: Vec<Pair>,
    #[serde(rename = "postData", default)]
    post_data: Option<PostData>,
}

#[derive(Deserialize, Clone)]
struct Pair {
    #[serde(default)]
    name: String,
    #[serde(default)]
    value: String,
}

#[derive(Deserialize)]
struct PostData {
    #[serde(rename = "mimeType", default)]
    mime_type: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    params: Vec<Pair>,
    #[serde(default)]
    encoding: Option<String>,
}

#[derive(Deserialize, Default)]
struct Response {
    #[serde(default)]
    status: i64,
    #[serde(default)]
    headers: Vec<Pair>,
    #[serde(default)]
    cookies: Vec<Pair>,
    #[serde(default)]
    content: Option<Content>,
}

#[derive(Deserialize, Default)]
struct Content {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    encoding: Option<String>,
}

/// The imported scenario.
pub struct HarImport {
    /// The scenario's YAML (placeholders only, never an original secret).
    pub scenario: String,
    /// What was dropped or inferred (no values).
    pub warnings: Vec<String>,
    /// How many steps the scenario has.
    pub steps: usize,
}

/// Reads and imports `path`, refusing files over [`MAX_HAR_BYTES`] before reading them.
pub fn import_file(path: &std::path::Path, all: bool) -> Result<HarImport, HarError> {
    let shown = path.display().to_string();
    let read = |source| HarError::Read {
        path: shown.clone(),
        source,
    };
    let size = std::fs::metadata(path).map_err(read)?.len();
    if size > MAX_HAR_BYTES {
        return Err(HarError::TooBig {
            path: shown,
            size,
            cap: MAX_HAR_BYTES,
        });
    }
    let bytes = std::fs::read(path).map_err(read)?;
    // A UTF-8 BOM (some Windows exports) is not JSON.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    import(&shown, bytes, all)
}

/// The Store Auth operation a request is, if any.
fn is_store_auth(method: &str, path: &str) -> bool {
    match (method, path) {
        ("POST", "/store/auth" | "/store/auth/token" | "/store/customers") => true,
        ("GET" | "DELETE", "/store/auth") => true,
        ("GET", p) => p
            .strip_prefix("/store/auth/")
            .is_some_and(|s| !s.is_empty() && !s.contains('/')),
        _ => false,
    }
}

/// The instant of an RFC 3339 time (`2026-11-29T05:00:00.123Z`, `…+01:00`), for sorting only;
/// `None` when it does not parse (such entries keep their place).
fn timestamp(s: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

fn header<'a>(pairs: &'a [Pair], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name))
        .map(|p| p.value.as_str())
}

/// A body as text: base64 decoded when the exporter says so; `None` when absent or too big.
fn body_text(text: Option<&str>, encoding: Option<&str>) -> Option<String> {
    let t = text?;
    if t.len() > MAX_BODY_BYTES * 4 / 3 + 4 {
        return None;
    }
    match encoding {
        Some(e) if e.eq_ignore_ascii_case("base64") => base64::engine::general_purpose::STANDARD
            .decode(t.trim())
            .ok()
            .map(|b| String::from_utf8_lossy(&b).into_owned()),
        _ => Some(t.to_string()),
    }
}

/// `name=value` pairs a response set: the `cookies` array when the exporter filled it, else the
/// Set-Cookie headers (one per header, or newline-joined as Firefox writes them).
fn set_cookies(r: &Response) -> Vec<(String, String)> {
    if !r.cookies.is_empty() {
        return r
            .cookies
            .iter()
            .map(|c| (c.name.clone(), c.value.clone()))
            .collect();
    }
    r.headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("set-cookie"))
        .flat_map(|h| h.value.lines().map(str::to_string).collect::<Vec<_>>())
        .filter_map(|line| {
            let first = line.split(';').next()?.trim().to_string();
            let (n, v) = first.split_once('=')?;
            Some((n.trim().to_string(), v.trim().to_string()))
        })
        .collect()
}

/// `name=value` pairs a request sent: Cookie headers, else the `cookies` array.
fn sent_cookies(r: &Request) -> Vec<(String, String)> {
    let from_header: Vec<(String, String)> = r
        .headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("cookie"))
        .flat_map(|h| {
            h.value
                .split(';')
                .filter_map(|p| {
                    let (n, v) = p.trim().split_once('=')?;
                    Some((n.to_string(), v.to_string()))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    if !from_header.is_empty() {
        return from_header;
    }
    r.cookies
        .iter()
        .map(|c| (c.name.clone(), c.value.clone()))
        .collect()
}

/// Every string (of a useful length) in a JSON document with the JSONPath that reaches it.
fn json_strings(v: &Value, path: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    format!("{path}.{k}")
                } else {
                    format!("{path}[{}]", serde_json::to_string(k).unwrap_or_default())
                };
                json_strings(x, &p, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                json_strings(x, &format!("{path}[{i}]"), out);
            }
        }
        // Short strings (`OK`, `en`) would match unrelated text.
        Value::String(s) if s.len() >= 8 => out.push((s.clone(), path.to_string())),
        _ => {}
    }
}

/// One kept entry and what the scenario needs around its step.
struct Kept {
    built: BuiltStep,
    status: i64,
    /// Sent without the browser's cookies: a separate actor.
    cookieless: bool,
    no_bearer: bool,
    captures: Map<String, Value>,
}

/// Imports a HAR document (`shown` names it in errors).
pub fn import(shown: &str, bytes: &[u8], all: bool) -> Result<HarImport, HarError> {
    let har = parse(shown, bytes)?;
    let creator = har.log.creator.unwrap_or_default();
    let total = har.log.entries.len();
    let nothing = || HarError::NothingToImport {
        path: shown.into(),
        entries: total,
    };
    let mut s = Session::default();
    let entries = sort_entries(har.log.entries, &mut s.warnings);
    let origin = find_origin(&entries, all).ok_or_else(nothing)?;
    s.cookies_recorded = entries.iter().any(|(_, e)| {
        !sent_cookies(&e.request).is_empty()
            || e.response
                .as_ref()
                .is_some_and(|r| !set_cookies(r).is_empty())
    });
    if !s.cookies_recorded {
        s.warnings.push(
            "the HAR has no cookies (Chromium leaves them out unless asked): the actor's jar keeps \
             the session cookie from step to step, as the browser did"
                .into(),
        );
    }
    let mut dropped = Dropped::default();
    for (index, e) in &entries {
        if let Some((method, url, status)) = dropped.keep(e, &origin, all) {
            s.entry(e, &method, &url, status)
                .map_err(|source| HarError::Entry {
                    path: shown.into(),
                    index: *index,
                    what: format!("{method} {}", url.path),
                    source,
                })?;
        }
    }
    if s.kept.is_empty() {
        return Err(nothing());
    }
    dropped.warn(&mut s.warnings);
    s.captures();
    let steps = s.kept.len();
    let scenario = render(&creator, &origin, &s);
    Ok(HarImport {
        scenario,
        warnings: s.warnings,
        steps,
    })
}

/// Parses the document, an error naming `file:line:col`.
fn parse(shown: &str, bytes: &[u8]) -> Result<Har, HarError> {
    serde_json::from_slice(bytes).map_err(|e| {
        let (line, col, msg) = (e.line(), e.column(), e.to_string());
        // serde_json appends " at line L column C"; the position leads the message instead.
        let msg = msg
            .rsplit_once(" at line ")
            .map(|(m, _)| m.to_string())
            .unwrap_or(msg);
        match e.classify() {
            serde_json::error::Category::Data => HarError::NotHar {
                path: shown.into(),
                line,
                col,
                msg: format!("{msg} (a HAR is {{\"log\": {{\"entries\": [...]}}}})"),
            },
            _ => HarError::Json {
                path: shown.into(),
                line,
                col,
                msg,
            },
        }
    })
}

/// The entries in the order they started (browsers write them in completion order), each with
/// its index in the file. Stable: entries whose time does not parse keep their relative place.
fn sort_entries(entries: Vec<Entry>, warnings: &mut Vec<String>) -> Vec<(usize, Entry)> {
    let mut entries: Vec<(usize, Entry)> = entries.into_iter().enumerate().collect();
    entries.sort_by(
        |(_, a), (_, b)| match (timestamp(&a.started), timestamp(&b.started)) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => std::cmp::Ordering::Equal,
        },
    );
    if entries.iter().enumerate().any(|(n, (i, _))| n != *i) {
        warnings.push("entries were out of order; sorted by startedDateTime".into());
    }
    entries
}

/// The target: the origin of the first Store Auth call (or of the first entry with --all).
fn find_origin(entries: &[(usize, Entry)], all: bool) -> Option<String> {
    entries.iter().find_map(|(_, e)| {
        let u = split_url(&e.request.url).ok()?;
        (all || is_store_auth(&e.request.method.to_ascii_uppercase(), &u.path))
            .then(|| format!("{}://{}", u.scheme, u.host))
    })
}

/// How many entries were dropped, by reason.
#[derive(Default)]
struct Dropped {
    preflights: usize,
    no_response: usize,
    foreign: usize,
    other: usize,
}

impl Dropped {
    /// The entry's method, URL and status when it becomes a step; else counts why not.
    fn keep(&mut self, e: &Entry, origin: &str, all: bool) -> Option<(String, Url, i64)> {
        let method = e.request.method.to_ascii_uppercase();
        let Ok(url) = split_url(&e.request.url) else {
            self.other += 1;
            return None;
        };
        if method == "OPTIONS" {
            self.preflights += 1;
            return None;
        }
        let status = e.response.as_ref().map(|r| r.status).unwrap_or(0);
        if status <= 0 {
            self.no_response += 1;
            return None;
        }
        if format!("{}://{}", url.scheme, url.host) != origin {
            self.foreign += 1;
            return None;
        }
        if !all && !is_store_auth(&method, &url.path) {
            self.other += 1;
            return None;
        }
        Some((method, url, status))
    }

    fn warn(&self, warnings: &mut Vec<String>) {
        for (n, what) in [
            (self.preflights, "CORS preflight (OPTIONS) request(s)"),
            (self.no_response, "request(s) that got no response"),
            (self.foreign, "request(s) to other origins than the target"),
            (
                self.other,
                "request(s) that are not Store Auth calls (pass --all to keep them)",
            ),
        ] {
            if n > 0 {
                warnings.push(format!("dropped {n} {what}"));
            }
        }
    }
}

/// What the import carries from entry to entry: the variables, the browser's cookie jar and
/// token, and every value a response carried.
#[derive(Default)]
struct Session {
    vars: Vars,
    jar: BTreeMap<String, String>,
    token: Option<String>,
    /// A value a response carried → (step index, JSONPath).
    server_values: HashMap<String, (usize, String)>,
    kept: Vec<Kept>,
    registered_emails: Vec<String>,
    registered_passwords: Vec<String>,
    warnings: Vec<String>,
    cookies_recorded: bool,
}

impl Session {
    /// Maps one kept entry to a step, then learns what its response set.
    fn entry(
        &mut self,
        e: &Entry,
        method: &str,
        url: &Url,
        status: i64,
    ) -> Result<(), ImportError> {
        let (mut r, cookieless, no_bearer) = self.request(e, method);
        self.add_body(&mut r, e, method, url);
        let registered_before = self.registered_emails.clone();
        let mut built = build_step(r, url, &mut self.vars)?;
        for w in &built.warnings {
            if !self.warnings.contains(w) {
                self.warnings.push(w.clone());
            }
        }
        // A registered e-mail becomes `unique_email()`: the recorded one must not name the step.
        if let Some(Value::String(name)) = built.step.get_mut("name") {
            for email in registered_before.iter().chain(&self.registered_emails) {
                for form in [email.clone(), crate::percent::encode_component(email)] {
                    if name.contains(&form) {
                        *name = name.replace(&form, "<email>");
                    }
                }
            }
        }
        self.kept.push(Kept {
            built,
            status,
            cookieless,
            no_bearer,
            captures: Map::new(),
        });
        if let Some(resp) = &e.response {
            self.learn(resp, method, url, status, cookieless);
        }
        Ok(())
    }

    /// The entry as a curl-like request (no body yet), whether it went without the browser's
    /// cookies, and whether it went without the token the browser held.
    fn request(&self, e: &Entry, method: &str) -> (CurlRequest, bool, bool) {
        let mut r = CurlRequest {
            method: Some(method.to_string()),
            urls: vec![e.request.url.clone()],
            ..CurlRequest::default()
        };
        // A request that sent no cookie while the browser held one was made without
        // credentials (`credentials: "omit"`, another context): its own actor, whose jar the
        // browser's session does not share. Only knowable when the HAR records cookies.
        let cookies = sent_cookies(&e.request);
        let cookieless = self.cookies_recorded && cookies.is_empty() && !self.jar.is_empty();
        let mut sent_bearer = false;
        for h in &e.request.headers {
            let lower = h.name.to_ascii_lowercase();
            // HTTP/2 pseudo-headers and cookies (handled below) are not replayed as headers.
            if lower.starts_with(':') || lower == "cookie" {
                continue;
            }
            if lower == "authorization" {
                let t = h.value.strip_prefix("Bearer ").map(str::to_string);
                if t.is_some() && t == self.token && !cookieless {
                    sent_bearer = true;
                    continue;
                }
            }
            r.headers.push((h.name.clone(), h.value.clone()));
        }
        // Cookies the jar holds are sent by the jar; others are replayed (as variables).
        let foreign_cookies: Vec<String> = cookies
            .iter()
            .filter(|(n, v)| self.jar.get(n) != Some(v))
            .map(|(n, v)| format!("{n}={v}"))
            .collect();
        if !foreign_cookies.is_empty() {
            r.cookies.push(foreign_cookies.join("; "));
        }
        let no_bearer = self.token.is_some() && !sent_bearer && !cookieless;
        (r, cookieless, no_bearer)
    }

    /// The body, from `text` (maybe base64) or form `params`; a registration's e-mail and
    /// password are remembered.
    fn add_body(&mut self, r: &mut CurlRequest, e: &Entry, method: &str, url: &Url) {
        let Some(pd) = &e.request.post_data else {
            return;
        };
        let text = body_text(pd.text.as_deref(), pd.encoding.as_deref()).or_else(|| {
            (!pd.params.is_empty()).then(|| {
                pd.params
                    .iter()
                    .map(|p| {
                        use crate::percent::encode_component as enc;
                        format!("{}={}", enc(&p.name), enc(&p.value))
                    })
                    .collect::<Vec<_>>()
                    .join("&")
            })
        });
        let Some(t) = text else {
            return;
        };
        if header(&e.request.headers, "content-type").is_none() && !pd.mime_type.is_empty() {
            r.headers
                .push(("Content-Type".into(), pd.mime_type.clone()));
        }
        if method == "POST"
            && url.path == "/store/customers"
            && let Ok(Value::Object(m)) = serde_json::from_str::<Value>(&t)
        {
            if let Some(Value::String(s)) = m.get("email") {
                self.registered_emails.push(s.clone());
            }
            if let Some(Value::String(s)) = m.get("password") {
                self.registered_passwords.push(s.clone());
            }
        }
        r.data.push((t, false));
    }

    /// What the server set, for the steps after the last one: cookies, the token, and every
    /// string its JSON body carried.
    fn learn(&mut self, resp: &Response, method: &str, url: &Url, status: i64, cookieless: bool) {
        let step_index = self.kept.len() - 1;
        if !cookieless {
            for (n, v) in set_cookies(resp) {
                if v.is_empty() {
                    self.jar.remove(&n);
                } else {
                    self.jar.insert(n, v);
                }
            }
        }
        let body = resp
            .content
            .as_ref()
            .and_then(|c| body_text(c.text.as_deref(), c.encoding.as_deref()));
        let Some(json) = body.and_then(|b| serde_json::from_str::<Value>(&b).ok()) else {
            return;
        };
        if method == "POST"
            && url.path == "/store/auth/token"
            && (200..300).contains(&status)
            && let Some(t) = json.get("access_token").and_then(Value::as_str)
        {
            self.token = Some(t.to_string());
        }
        let mut found = Vec::new();
        json_strings(&json, "$", &mut found);
        for (value, path) in found {
            self.server_values
                .entry(value)
                .or_insert((step_index, path));
        }
    }

    /// Variables whose value a response set earlier become captures on that step.
    fn captures(&mut self) {
        let mut captured = Vec::new();
        let server_values = &self.server_values;
        self.vars.defs.retain(|d| {
            if d.kind == Kind::Plain {
                return true;
            }
            match server_values.get(&d.original) {
                Some((step, path)) => {
                    captured.push((*step, d.name.clone(), path.clone()));
                    false
                }
                None => true,
            }
        });
        for (step, name, path) in &captured {
            self.kept[*step]
                .captures
                .insert(name.clone(), Value::String(path.clone()));
        }
        // The curl importer's advice to replace a pasted token is moot once it is captured.
        for k in &mut self.kept {
            let bearer_captured = k
                .built
                .step
                .get("bearer")
                .and_then(Value::as_str)
                .is_some_and(|b| captured.iter().any(|(_, n, _)| b == tpl(n)));
            if bearer_captured {
                k.built.notes.retain(|n| !n.contains("bearer token"));
            }
        }
    }
}

fn render(creator: &Creator, origin: &str, s: &Session) -> String {
    let mut out = String::new();
    out.push_str(
        "# Generated by `medusa-conform import har`: review it; the expectations are the statuses \
         the browser saw.\n",
    );
    out.push_str(&format!(
        "# recorded against {} (paths are relative to --target)\n",
        comment_text(origin)
    ));
    for w in &s.warnings {
        out.push_str(&format!("# note: {}\n", comment_text(w)));
    }
    let by = if creator.name.is_empty() {
        "a browser".to_string()
    } else {
        format!("{} {}", creator.name, creator.version)
            .trim()
            .to_string()
    };
    out.push_str(&format!(
        "name: {}\n",
        yaml_scalar(&format!("imported HAR ({by}): {} call(s)", s.kept.len()))
    ));
    out.push_str(&format!(
        "description: {}\n",
        yaml_scalar("TODO: the contract clause or bug report this reproduces")
    ));
    render_vars(s, &mut out);
    out.push_str("steps:\n");
    for k in &s.kept {
        render_step(k, &mut out);
    }
    out
}

/// `requires:`, `vars:` and `secrets:`. Values: fresh ones for an account the recording
/// registered (so the scenario can run again), the environment for other secrets, placeholders
/// for replayed cookies, originals for the rest.
fn render_vars(s: &Session, out: &mut String) {
    let mut values = Vec::new();
    let mut requires = Vec::new();
    let mut secrets = Vec::new();
    for d in &s.vars.defs {
        let value = match d.kind {
            Kind::Plain if s.registered_emails.contains(&d.original) => {
                "{{ unique_email() }}".to_string()
            }
            Kind::Plain => template_literal(&d.original),
            Kind::Env if s.registered_passwords.contains(&d.original) => {
                "Pw-{{ random_string(16) }}".to_string()
            }
            Kind::Env => {
                requires.push(format!("MEDUSA_{}", d.name.to_ascii_uppercase()));
                d.placeholder.clone()
            }
            Kind::ChangeMe | Kind::Derived => d.placeholder.clone(),
        };
        if d.kind != Kind::Plain {
            secrets.push(d.name.clone());
        }
        values.push((d.name.clone(), value));
    }
    scenario_vars(&requires, &values, &secrets, out);
}

fn render_step(k: &Kept, out: &mut String) {
    let mut step = Map::new();
    if k.cookieless {
        // `as` first, where a reader looks for it.
        step.insert("as".into(), Value::String("without_cookies".into()));
    }
    step.extend(k.built.step.clone());
    if k.no_bearer && !step.contains_key("bearer") {
        step.insert("bearer".into(), Value::Bool(false));
    }
    let mut expect = Map::new();
    expect.insert("status".into(), Value::from(k.status));
    step.insert("expect".into(), Value::Object(expect));
    if !k.captures.is_empty() {
        step.insert("capture".into(), Value::Object(k.captures.clone()));
    }
    emit_item(&Value::Object(step), 2, out);
    for n in &k.built.notes {
        out.push_str(&format!("    # {}\n", comment_text(n)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_compare_across_offsets() {
        let utc = timestamp("2026-11-29T05:10:19.500Z").expect("utc");
        let paris = timestamp("2026-11-29T06:10:19.500+01:00").expect("offset");
        let ny = timestamp("2026-11-29T00:10:19.400-05:00").expect("negative offset");
        assert_eq!(utc, paris);
        assert!(ny < utc);
        assert_eq!(timestamp("yesterday"), None);
        assert_eq!(timestamp(""), None);
    }

    #[test]
    fn store_auth_routes_only() {
        assert!(is_store_auth("POST", "/store/auth"));
        assert!(is_store_auth("GET", "/store/auth/a%40b.com"));
        assert!(is_store_auth("DELETE", "/store/auth"));
        assert!(!is_store_auth("DELETE", "/store/auth/token"));
        assert!(!is_store_auth("GET", "/store/products"));
        assert!(!is_store_auth("GET", "/store/auth/a/b"));
    }

    #[test]
    fn set_cookie_lines_joined_by_newlines_are_split() {
        let r = Response {
            headers: vec![Pair {
                name: "Set-Cookie".into(),
                value: "a=1; Path=/\nconnect.sid=s%3Ax.y; HttpOnly".into(),
            }],
            ..Response::default()
        };
        assert_eq!(
            set_cookies(&r),
            vec![
                ("a".to_string(), "1".to_string()),
                ("connect.sid".to_string(), "s%3Ax.y".to_string())
            ]
        );
    }

    #[test]
    fn oversized_and_bad_base64_bodies_are_skipped_not_fatal() {
        assert_eq!(
            body_text(Some("aGk="), Some("base64")).as_deref(),
            Some("hi")
        );
        assert_eq!(body_text(Some("%%%"), Some("base64")), None);
        let huge = "x".repeat(MAX_BODY_BYTES * 2);
        assert_eq!(body_text(Some(&huge), None), None);
    }
}
