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
    BuiltStep, CurlRequest, ImportError, Kind, Vars, build_step, comment_text, emit_item,
    split_url, yaml_scalar,
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

/// Seconds since the epoch for an RFC 3339 time (`2026-11-29T05:00:00.123Z`, `…+01:00`), for
/// sorting only; `None` when it does not parse (such entries keep their place).
fn timestamp(s: &str) -> Option<f64> {
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi) = (num(11..13)?, num(14..16)?);
    let rest = s.get(17..)?;
    let sec_end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let sec: f64 = rest[..sec_end].parse().ok()?;
    let tz = &rest[sec_end..];
    let offset = match tz {
        "" | "Z" | "z" => 0,
        t => {
            let sign = if t.starts_with('-') { -1 } else { 1 };
            let hh: i64 = t.get(1..3)?.parse().ok()?;
            let mm: i64 = t.get(4..6).and_then(|m| m.parse().ok()).unwrap_or(0);
            sign * (hh * 3600 + mm * 60)
        }
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    Some((days * 86400 + h * 3600 + mi * 60 - offset) as f64 + sec)
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
    let har: Har = serde_json::from_slice(bytes).map_err(|e| {
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
    })?;
    let creator = har.log.creator.unwrap_or_default();
    let total = har.log.entries.len();
    let mut entries: Vec<(usize, Entry)> = har.log.entries.into_iter().enumerate().collect();
    // Stable: entries whose time does not parse keep their relative place.
    let mut warnings = Vec::new();
    let before: Vec<usize> = entries.iter().map(|(i, _)| *i).collect();
    entries.sort_by(
        |(_, a), (_, b)| match (timestamp(&a.started), timestamp(&b.started)) {
            (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal),
            _ => std::cmp::Ordering::Equal,
        },
    );
    if entries.iter().map(|(i, _)| *i).ne(before.iter().copied()) {
        warnings.push("entries were out of order; sorted by startedDateTime".into());
    }

    // The target: the origin of the first Store Auth call (or of the first entry with --all).
    let mut origin: Option<String> = None;
    for (_, e) in &entries {
        if let Ok(u) = split_url(&e.request.url)
            && (all || is_store_auth(&e.request.method.to_ascii_uppercase(), &u.path))
        {
            origin = Some(format!("{}://{}", u.scheme, u.host));
            break;
        }
    }
    let Some(origin) = origin else {
        return Err(HarError::NothingToImport {
            path: shown.into(),
            entries: total,
        });
    };
    let cookies_recorded = entries.iter().any(|(_, e)| {
        !sent_cookies(&e.request).is_empty()
            || e.response
                .as_ref()
                .is_some_and(|r| !set_cookies(r).is_empty())
    });
    if !cookies_recorded {
        warnings.push(
            "the HAR has no cookies (Chromium leaves them out unless asked): the actor's jar keeps \
             the session cookie from step to step, as the browser did"
                .into(),
        );
    }

    let mut vars = Vars::default();
    let mut jar: BTreeMap<String, String> = BTreeMap::new();
    let mut token: Option<String> = None;
    // A value a response carried → (step index, JSONPath).
    let mut server_values: HashMap<String, (usize, String)> = HashMap::new();
    let mut kept: Vec<Kept> = Vec::new();
    let mut registered_emails: Vec<String> = Vec::new();
    let mut registered_passwords: Vec<String> = Vec::new();
    let (mut preflights, mut no_response, mut other, mut foreign) = (0, 0, 0, 0);

    for (index, e) in &entries {
        let method = e.request.method.to_ascii_uppercase();
        let Ok(url) = split_url(&e.request.url) else {
            other += 1;
            continue;
        };
        if method == "OPTIONS" {
            preflights += 1;
            continue;
        }
        let status = e.response.as_ref().map(|r| r.status).unwrap_or(0);
        if status <= 0 {
            no_response += 1;
            continue;
        }
        if format!("{}://{}", url.scheme, url.host) != origin {
            foreign += 1;
            continue;
        }
        let auth = is_store_auth(&method, &url.path);
        if !auth && !all {
            other += 1;
            continue;
        }

        let mut r = CurlRequest {
            method: Some(method.clone()),
            urls: vec![e.request.url.clone()],
            ..CurlRequest::default()
        };
        // A request that sent no cookie while the browser held one was made without
        // credentials (`credentials: "omit"`, another context): its own actor, whose jar the
        // browser's session does not share. Only knowable when the HAR records cookies.
        let cookies = sent_cookies(&e.request);
        let cookieless = cookies_recorded && cookies.is_empty() && !jar.is_empty();
        let mut sent_bearer = false;
        for h in &e.request.headers {
            let lower = h.name.to_ascii_lowercase();
            // HTTP/2 pseudo-headers and cookies (handled below) are not replayed as headers.
            if lower.starts_with(':') || lower == "cookie" {
                continue;
            }
            if lower == "authorization" {
                let t = h.value.strip_prefix("Bearer ").map(str::to_string);
                if t.is_some() && t == token && !cookieless {
                    sent_bearer = true;
                    continue;
                }
            }
            r.headers.push((h.name.clone(), h.value.clone()));
        }
        // Cookies the jar holds are sent by the jar; others are replayed (as variables).
        let foreign_cookies: Vec<String> = cookies
            .iter()
            .filter(|(n, v)| jar.get(n) != Some(v))
            .map(|(n, v)| format!("{n}={v}"))
            .collect();
        if !foreign_cookies.is_empty() {
            r.cookies.push(foreign_cookies.join("; "));
        }
        let no_bearer = token.is_some() && !sent_bearer && !cookieless;

        // The body, from `text` (maybe base64) or form `params`.
        if let Some(pd) = &e.request.post_data {
            let text = body_text(pd.text.as_deref(), pd.encoding.as_deref()).or_else(|| {
                (!pd.params.is_empty()).then(|| {
                    pd.params
                        .iter()
                        .map(|p| {
                            format!(
                                "{}={}",
                                crate::lang::template::urlencode(&p.name),
                                crate::lang::template::urlencode(&p.value)
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("&")
                })
            });
            if let Some(t) = text {
                if header(&e.request.headers, "content-type").is_none() && !pd.mime_type.is_empty()
                {
                    r.headers
                        .push(("Content-Type".into(), pd.mime_type.clone()));
                }
                if method == "POST"
                    && url.path == "/store/customers"
                    && let Ok(Value::Object(m)) = serde_json::from_str::<Value>(&t)
                {
                    if let Some(Value::String(s)) = m.get("email") {
                        registered_emails.push(s.clone());
                    }
                    if let Some(Value::String(s)) = m.get("password") {
                        registered_passwords.push(s.clone());
                    }
                }
                r.data.push((t, false));
            }
        }

        let what = format!("{method} {}", url.path);
        let registered_before = registered_emails.clone();
        let built = build_step(r, &url, &mut vars).map_err(|source| HarError::Entry {
            path: shown.into(),
            index: *index,
            what,
            source,
        })?;
        for w in &built.warnings {
            if !warnings.contains(w) {
                warnings.push(w.clone());
            }
        }
        let step_index = kept.len();
        let mut built = built;
        // A registered e-mail becomes `unique_email()`: the recorded one must not name the step.
        if let Some(Value::String(name)) = built.step.get_mut("name") {
            for email in registered_before.iter().chain(&registered_emails) {
                for form in [email.clone(), crate::lang::template::urlencode(email)] {
                    if name.contains(&form) {
                        *name = name.replace(&form, "<email>");
                    }
                }
            }
        }
        kept.push(Kept {
            built,
            status,
            cookieless,
            no_bearer,
            captures: Map::new(),
        });

        // What the server set, for the steps after this one.
        if let Some(resp) = &e.response {
            let cookies_set = if cookieless {
                Vec::new()
            } else {
                set_cookies(resp)
            };
            for (n, v) in cookies_set {
                if v.is_empty() {
                    jar.remove(&n);
                } else {
                    jar.insert(n, v);
                }
            }
            let body = resp
                .content
                .as_ref()
                .and_then(|c| body_text(c.text.as_deref(), c.encoding.as_deref()));
            if let Some(json) = body.and_then(|b| serde_json::from_str::<Value>(&b).ok()) {
                if method == "POST"
                    && url.path == "/store/auth/token"
                    && (200..300).contains(&status)
                    && let Some(t) = json.get("access_token").and_then(Value::as_str)
                {
                    token = Some(t.to_string());
                }
                let mut found = Vec::new();
                json_strings(&json, "$", &mut found);
                for (value, path) in found {
                    server_values.entry(value).or_insert((step_index, path));
                }
            }
        }
    }
    if kept.is_empty() {
        return Err(HarError::NothingToImport {
            path: shown.into(),
            entries: total,
        });
    }
    for (n, what) in [
        (preflights, "CORS preflight (OPTIONS) request(s)"),
        (no_response, "request(s) that got no response"),
        (foreign, "request(s) to other origins than the target"),
        (
            other,
            "request(s) that are not Store Auth calls (pass --all to keep them)",
        ),
    ] {
        if n > 0 {
            warnings.push(format!("dropped {n} {what}"));
        }
    }

    // Variables whose value a response set earlier become captures on that step.
    let mut captured = Vec::new();
    vars.defs.retain(|d| {
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
        kept[*step]
            .captures
            .insert(name.clone(), Value::String(path.clone()));
    }
    // The curl importer's advice to replace a pasted token is moot once it is captured.
    for k in &mut kept {
        let bearer_captured = k
            .built
            .step
            .get("bearer")
            .and_then(Value::as_str)
            .is_some_and(|b| {
                captured
                    .iter()
                    .any(|(_, n, _)| b == format!("{{{{ {n} }}}}"))
            });
        if bearer_captured {
            k.built.notes.retain(|n| !n.contains("bearer token"));
        }
    }

    let steps = kept.len();
    let scenario = render(
        &creator,
        &origin,
        &vars,
        kept,
        &registered_emails,
        &registered_passwords,
        &warnings,
    );
    Ok(HarImport {
        scenario,
        warnings,
        steps,
    })
}

fn render(
    creator: &Creator,
    origin: &str,
    vars: &Vars,
    kept: Vec<Kept>,
    registered_emails: &[String],
    registered_passwords: &[String],
    warnings: &[String],
) -> String {
    let mut out = String::new();
    out.push_str(
        "# Generated by `medusa-conform import har`: review it; the expectations are the statuses \
         the browser saw.\n",
    );
    out.push_str(&format!(
        "# recorded against {} (paths are relative to --target)\n",
        comment_text(origin)
    ));
    for w in warnings {
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
        yaml_scalar(&format!("imported HAR ({by}): {} call(s)", kept.len()))
    ));
    out.push_str(&format!(
        "description: {}\n",
        yaml_scalar("TODO: the contract clause or bug report this reproduces")
    ));
    // Values: fresh ones for an account the recording registered (so the scenario can run again),
    // the environment for other secrets, placeholders for replayed cookies, originals for the rest.
    let mut lines = Vec::new();
    let mut requires = Vec::new();
    let mut secrets = Vec::new();
    for d in &vars.defs {
        let value = match d.kind {
            Kind::Plain if registered_emails.contains(&d.original) => {
                "{{ unique_email() }}".to_string()
            }
            Kind::Plain => crate::import::curl::template_literal(&d.original),
            Kind::Env if registered_passwords.contains(&d.original) => {
                "Pw-{{ random_string(16) }}".to_string()
            }
            Kind::Env => {
                requires.push(format!("MEDUSA_{}", d.name.to_ascii_uppercase()));
                d.placeholder.clone()
            }
            Kind::ChangeMe | Kind::Derived => d.placeholder.clone(),
        };
        if d.kind != Kind::Plain && !crate::lang::template::is_secret_name(&d.name) {
            secrets.push(d.name.clone());
        }
        lines.push(format!(
            "  {}: {}\n",
            yaml_scalar(&d.name),
            yaml_scalar(&value)
        ));
    }
    if !requires.is_empty() {
        out.push_str("requires:\n  env:\n");
        for e in &requires {
            out.push_str(&format!("    - {}\n", yaml_scalar(e)));
        }
    }
    if !lines.is_empty() {
        out.push_str("vars:\n");
        out.extend(lines);
    }
    if !secrets.is_empty() {
        out.push_str("secrets:\n");
        for n in secrets {
            out.push_str(&format!("  - {}\n", yaml_scalar(&n)));
        }
    }
    out.push_str("steps:\n");
    for k in kept {
        let mut step = k.built.step;
        if k.cookieless {
            // `as` first, where a reader looks for it.
            let mut with_actor = Map::new();
            with_actor.insert("as".into(), Value::String("without_cookies".into()));
            with_actor.extend(step);
            step = with_actor;
        }
        if k.no_bearer && !step.contains_key("bearer") {
            step.insert("bearer".into(), Value::Bool(false));
        }
        let mut expect = Map::new();
        expect.insert("status".into(), Value::from(k.status));
        step.insert("expect".into(), Value::Object(expect));
        if !k.captures.is_empty() {
            step.insert("capture".into(), Value::Object(k.captures));
        }
        emit_item(&Value::Object(step), 2, &mut out);
        for n in &k.built.notes {
            out.push_str(&format!("    # {}\n", comment_text(n)));
        }
    }
    out
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
