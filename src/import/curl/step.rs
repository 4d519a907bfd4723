//! Step mapping: a request as curl would send it becomes a scenario step. The high-level
//! operation (`authenticate`, `exists`, …) when the request is exactly one, otherwise a raw
//! `request:`; credentials (Cookie, Authorization, `-u`, a bearer) become step headers or
//! `bearer:` with their values in variables; headers a browser adds on its own are dropped.

use super::ImportError;
use super::options::CurlRequest;
use super::scrub::{
    Kind, Seg, Vars, header_map, is_email_key, join, scrub_form, scrub_json, scrub_json_text,
    template_literal, tpl,
};
use crate::percent;
use crate::report::secret::is_secret_name;
use serde_json::{Map, Value};

/// Headers a browser or curl adds that say nothing about the contract under test.
fn is_noise_header(name: &str, value: &str) -> bool {
    let n = name.to_ascii_lowercase();
    let generic_accept = n == "accept"
        && (value.contains("*/*") || value.trim().eq_ignore_ascii_case("application/json"));
    generic_accept
        || n.starts_with("sec-")
        || [
            "accept-encoding",
            "accept-language",
            "user-agent",
            "connection",
            "dnt",
            "pragma",
            "cache-control",
            "priority",
            "te",
            "host",
            "content-length",
            "upgrade-insecure-requests",
            "referer",
            "origin",
            "if-none-match",
            "if-modified-since",
        ]
        .contains(&n.as_str())
}

fn media_type(ct: &str) -> String {
    ct.split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn is_json_type(ct: &str) -> bool {
    let m = media_type(ct);
    m == "application/json" || m.ends_with("+json")
}

pub(crate) struct Url {
    pub(crate) scheme: String,
    pub(crate) host: String,
    pub(crate) userinfo: Option<String>,
    pub(crate) path: String,
    pub(crate) query: String,
}

/// Splits a URL by hand: the `url` crate would normalize the path (`..`, encodings), and a
/// report's exact path is what must be replayed.
pub(crate) fn split_url(raw: &str) -> Result<Url, ImportError> {
    let (scheme, rest) = match raw.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r),
        // curl assumes http:// when the scheme is missing.
        None => ("http".to_string(), raw),
    };
    if scheme != "http" && scheme != "https" {
        return Err(ImportError::Scheme(scheme));
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, rest) = rest.split_at(end);
    let (userinfo, host) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u.to_string()), h.to_string()),
        None => (None, authority.to_string()),
    };
    let rest = rest.split('#').next().unwrap_or("");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    Ok(Url {
        scheme,
        host,
        userinfo,
        path: if path.is_empty() {
            "/".into()
        } else {
            path.into()
        },
        query: query.into(),
    })
}

/// One request mapped to a step, before it is written out.
pub(crate) struct BuiltStep {
    pub step: Map<String, Value>,
    pub notes: Vec<String>,
    pub warnings: Vec<String>,
    pub title: String,
}

/// Maps one request to a step (operation or raw `request:`), its secrets moved into `vars`
/// (shared, so one value used by several steps is one variable).
pub(crate) fn build_step(
    mut r: CurlRequest,
    url: &Url,
    vars: &mut Vars,
) -> Result<BuiltStep, ImportError> {
    let mut warnings = std::mem::take(&mut r.warnings);
    let mut notes: Vec<String> = Vec::new();
    let (method, body, query) = method_body_query(&r, url);
    let Headers {
        mut kept,
        content_type,
        creds,
    } = sort_headers(&r, url, &mut warnings);
    let body = classify_body(body, content_type, r.json, &mut warnings);

    let mut step = Map::new();
    let title = format!("{method} {}", url.path);
    step.insert("name".into(), Value::String(template_literal(&title)));
    // Variables are numbered in the order they are met: operation, headers, credentials.
    let mut step_headers = Map::new();
    match operation(&method, url, &query, &body, vars, &mut warnings) {
        Some((name, arg)) => {
            step.insert(name.into(), arg);
            // The operation sets `content-type: application/json` itself; any other spelling
            // (`;charset=utf-8`) is kept so the replay stays exact.
            if let Some(ct) = &body.content_type
                && !body.plain_json_ct
                && body.text.is_some()
            {
                kept.push(("Content-Type".into(), ct.clone()));
            }
            step_headers = header_map(&kept, vars);
        }
        None => {
            let req = raw_request(&method, url, &query, &body, kept, vars, &mut warnings);
            step.insert("request".into(), Value::Object(req));
        }
    }
    // Cookie and Authorization go to the step's headers (they replace the jar's and the
    // session token's), also for raw requests.
    if let Some(b) = add_credentials(&creds, &mut step_headers, vars, &mut notes) {
        step.insert("bearer".into(), b);
    }
    if !step_headers.is_empty() {
        step.insert("headers".into(), Value::Object(step_headers));
    }
    if let Some(t) = &r.timeout {
        step.insert("timeout".into(), Value::String(t.clone()));
    }
    Ok(BuiltStep {
        step,
        notes,
        warnings,
        title,
    })
}

/// Method, body and query as curl decides them: data pieces joined with `&` (`--json` ones
/// without), `-G` moving the data into the query, POST when there is a body.
fn method_body_query(r: &CurlRequest, url: &Url) -> (String, Option<String>, String) {
    let mut body: Option<String> = None;
    if !r.data.is_empty() {
        let mut joined = String::new();
        for (n, (piece, json)) in r.data.iter().enumerate() {
            if n > 0 && !json {
                joined.push('&');
            }
            joined.push_str(piece);
        }
        body = Some(joined);
    }
    let mut query = url.query.clone();
    if r.get
        && let Some(b) = body.take()
    {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(&b);
    }
    let method = r.method.clone().unwrap_or_else(|| {
        if r.head {
            "HEAD".into()
        } else if body.is_some() {
            "POST".into()
        } else {
            "GET".into()
        }
    });
    (method, body, query)
}

/// The request's headers, sorted by what becomes of them.
struct Headers {
    /// Step headers, as written (repeated names merged with `, `).
    kept: Vec<(String, String)>,
    content_type: Option<String>,
    creds: Credentials,
}

/// Pulls out credentials and cookies, drops browser noise (with a warning), merges duplicates.
fn sort_headers(r: &CurlRequest, url: &Url, warnings: &mut Vec<String>) -> Headers {
    let basic = r
        .user
        .clone()
        .or(url.userinfo.as_deref().map(percent::decode));
    let mut h = Headers {
        kept: Vec::new(),
        content_type: None,
        creds: Credentials {
            cookies: r.cookies.clone(),
            bearer: r.bearer.clone(),
            authorization: None,
            basic,
        },
    };
    let mut dropped = Vec::new();
    for (name, value) in &r.headers {
        let lower = name.to_ascii_lowercase();
        if lower == "cookie" {
            h.creds.cookies.push(value.clone());
        } else if lower == "authorization" {
            h.creds.authorization_header(value);
        } else if lower == "content-type" {
            h.content_type = Some(value.clone());
        } else if is_noise_header(name, value) {
            if !dropped.contains(&lower) {
                dropped.push(lower);
            }
        } else if let Some(k) = h
            .kept
            .iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
        {
            k.1 = format!("{}, {}", k.1, value);
        } else {
            h.kept.push((name.clone(), value.clone()));
        }
    }
    if !dropped.is_empty() {
        warnings.push(format!(
            "dropped headers that do not change the request's meaning: {}",
            dropped.join(", ")
        ));
    }
    h
}

/// The body and what it is.
struct Body {
    text: Option<String>,
    content_type: Option<String>,
    /// The body parsed, when its content type is JSON and it parses.
    json: Option<Value>,
    /// The content type is exactly `application/json`, what `json:` and the operations send.
    plain_json_ct: bool,
}

/// Decides the body's content type as curl does (`--json`, else form when none is given).
fn classify_body(
    text: Option<String>,
    mut content_type: Option<String>,
    json_flag: bool,
    warnings: &mut Vec<String>,
) -> Body {
    let implicit_form = content_type.is_none() && text.is_some() && !json_flag;
    if json_flag && content_type.is_none() {
        content_type = Some("application/json".into());
    }
    if implicit_form {
        content_type = Some("application/x-www-form-urlencoded".into());
        if text
            .as_deref()
            .is_some_and(|b| serde_json::from_str::<Value>(b).is_ok_and(|v| v.is_object()))
        {
            warnings.push(
                "no Content-Type: curl sent the JSON-looking body as application/x-www-form-urlencoded; \
                 add -H 'Content-Type: application/json' if the report meant JSON"
                    .into(),
            );
        }
    }
    let json: Option<Value> = match (&text, &content_type) {
        (Some(b), Some(ct)) if is_json_type(ct) => serde_json::from_str(b).ok(),
        _ => None,
    };
    if text.is_some() && json.is_none() && content_type.as_deref().is_some_and(is_json_type) {
        warnings.push("the body is not valid JSON; it is kept as raw text".into());
    }
    let plain_json_ct = content_type
        .as_deref()
        .is_some_and(|ct| ct.trim().eq_ignore_ascii_case("application/json"));
    Body {
        text,
        content_type,
        json,
        plain_json_ct,
    }
}

/// The high-level operation and its argument, when the request is exactly one.
fn operation(
    method: &str,
    url: &Url,
    query: &str,
    body: &Body,
    vars: &mut Vars,
    warnings: &mut Vec<String>,
) -> Option<(&'static str, Value)> {
    if !query.is_empty() {
        return None;
    }
    let no_body = body.text.is_none();
    match (method, url.path.as_str()) {
        ("POST", p) => {
            let object = body.json.as_ref().filter(|v| v.is_object())?;
            let name = match p {
                "/store/auth" => "authenticate",
                "/store/auth/token" => "get_token",
                "/store/customers" => "register",
                _ => return None,
            };
            Some((name, scrub_json(object, false, "", vars, warnings)))
        }
        ("GET", "/store/auth") if no_body => Some(("get_session", Value::Object(Map::new()))),
        ("DELETE", "/store/auth") if no_body => Some(("delete_session", Value::Object(Map::new()))),
        ("GET", p) if no_body => p
            .strip_prefix("/store/auth/")
            .filter(|seg| !seg.is_empty() && !seg.contains('/'))
            .and_then(|seg| exists_arg(seg, vars))
            .map(|a| ("exists", a)),
        _ => None,
    }
}

/// A raw `request:` with the path, query, headers and body as given, secrets scrubbed.
fn raw_request(
    method: &str,
    url: &Url,
    query: &str,
    body: &Body,
    mut headers: Vec<(String, String)>,
    vars: &mut Vars,
    warnings: &mut Vec<String>,
) -> Map<String, Value> {
    let mut req = Map::new();
    req.insert("method".into(), Value::String(method.to_string()));
    path_and_query(&mut req, url, query, vars);
    if let Some(ct) = &body.content_type
        && body.text.is_some()
        && !(body.json.is_some() && body.plain_json_ct)
    {
        // Only `json:` sets a content type; curl's implicit form type must be explicit.
        headers.push(("Content-Type".into(), ct.clone()));
    }
    let h = header_map(&headers, vars);
    if !h.is_empty() {
        req.insert("headers".into(), Value::Object(h));
    }
    if let Some(j) = &body.json {
        req.insert("json".into(), scrub_json(j, false, "", vars, warnings));
    } else if let Some(b) = &body.text {
        let form = body
            .content_type
            .as_deref()
            .is_some_and(|ct| media_type(ct) == "application/x-www-form-urlencoded")
            && !b.trim_start().starts_with(['{', '[']);
        let segs = if form {
            scrub_form(b, vars)
        } else {
            scrub_json_text(b, vars)
        };
        req.insert("body".into(), Value::String(join(segs)));
    }
    req
}

/// `path:` and `query:`; a query that repeats a parameter does not fit a map and stays in the
/// path.
fn path_and_query(req: &mut Map<String, Value>, url: &Url, query: &str, vars: &mut Vars) {
    let pairs = query_pairs(query);
    let mut keys: Vec<&String> = pairs.iter().map(|(k, _)| k).collect();
    keys.sort();
    keys.dedup();
    if keys.len() != pairs.len() {
        let mut segs = vec![Seg::Lit(format!("{}?", url.path))];
        segs.extend(scrub_form(query, vars));
        req.insert("path".into(), Value::String(join(segs)));
        return;
    }
    req.insert("path".into(), Value::String(template_literal(&url.path)));
    if pairs.is_empty() {
        return;
    }
    let mut q = Map::new();
    for (k, v) in &pairs {
        let val = if is_secret_name(k) && !v.is_empty() {
            tpl(&vars.secret(k, v))
        } else if is_email_key(k) && !v.is_empty() {
            tpl(&vars.get("email", v, Kind::Plain))
        } else {
            template_literal(v)
        };
        q.insert(k.clone(), Value::String(val));
    }
    req.insert("query".into(), Value::Object(q));
}

/// `exists`' argument for the raw path segment, when the operation reproduces it exactly.
fn exists_arg(seg: &str, vars: &mut Vars) -> Option<Value> {
    let email = percent::decode(seg);
    let value = if email.contains('@') {
        tpl(&vars.get("email", &email, Kind::Plain))
    } else {
        template_literal(&email)
    };
    let mut m = Map::new();
    let same_hex = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    if seg == percent::encode_segment(&email) {
        m.insert("email".into(), Value::String(value));
    } else if seg == email {
        m.insert("email".into(), Value::String(value));
        m.insert("encode".into(), Value::Bool(false));
    } else if same_hex(seg, &percent::encode_component(&email)) && email.contains('@') {
        // `a%40b.com`: what `| urlencode` produces, sent verbatim.
        let name = vars.get("email", &email, Kind::Plain);
        m.insert(
            "email".into(),
            Value::String(format!("{{{{ {name} | urlencode }}}}")),
        );
        m.insert("encode".into(), Value::Bool(false));
    } else {
        return None;
    }
    Some(Value::Object(m))
}

fn query_pairs(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent::decode_form(k), percent::decode_form(v)),
            None => (percent::decode_form(p), String::new()),
        })
        .collect()
}

/// Credentials pulled out of the command.
struct Credentials {
    cookies: Vec<String>,
    bearer: Option<String>,
    /// A non-bearer `Authorization` header: scheme (may be empty) and credentials.
    authorization: Option<(String, String)>,
    /// `user:password` from `-u`, the URL or a `Basic` header.
    basic: Option<String>,
}

impl Credentials {
    /// An `Authorization` header: a bearer token, basic credentials, or another scheme.
    fn authorization_header(&mut self, value: &str) {
        match value.split_once(' ') {
            // The step's `bearer:` sends exactly `Bearer <t>`; another spelling of the scheme
            // (a case-sensitivity report) must stay a raw header.
            Some(("Bearer", t)) if !t.starts_with(' ') => self.bearer = Some(t.to_string()),
            Some((scheme, cred)) if scheme.eq_ignore_ascii_case("basic") => {
                use base64::Engine;
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(cred.trim())
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .filter(|s| s.contains(':'));
                match decoded {
                    Some(d) if scheme == "Basic" => self.basic = Some(d),
                    _ => self.authorization = Some((scheme.to_string(), cred.to_string())),
                }
            }
            Some((scheme, cred)) => {
                self.authorization = Some((scheme.to_string(), cred.to_string()))
            }
            None => self.authorization = Some((String::new(), value.to_string())),
        }
    }
}

/// Cookie and Authorization become step headers with variables; a bearer token becomes the
/// step's `bearer:` (returned).
fn add_credentials(
    c: &Credentials,
    headers: &mut Map<String, Value>,
    vars: &mut Vars,
    notes: &mut Vec<String>,
) -> Option<Value> {
    if !c.cookies.is_empty() {
        headers.insert(
            "Cookie".into(),
            Value::String(cookie_header(&c.cookies, vars)),
        );
        notes.push(
            "the Cookie header replays a session from the report: better, log in first \
             (an `authenticate` step) and drop the header, the actor's jar then sends its cookie"
                .into(),
        );
    }
    if let Some((user, pass)) = c
        .basic
        .as_deref()
        .map(|b| b.split_once(':').unwrap_or((b, "")))
    {
        let u = vars.get("basic_user", user, Kind::Plain);
        let p = vars.secret("basic_password", pass);
        // `base64` filters one expression, so the `user:password` pair is its own variable.
        let both = vars.derived(
            "basic_auth",
            &format!("{user}:{pass}"),
            format!("{}:{}", tpl(&u), tpl(&p)),
        );
        headers.insert(
            "Authorization".into(),
            Value::String(format!("Basic {{{{ {both} | base64 }}}}")),
        );
    } else if let Some((scheme, cred)) = &c.authorization {
        let var = vars.secret("authorization", cred);
        let value = if scheme.is_empty() {
            tpl(&var)
        } else {
            format!("{} {}", template_literal(scheme), tpl(&var))
        };
        headers.insert("Authorization".into(), Value::String(value));
    }
    let t = c.bearer.as_deref()?;
    if headers.contains_key("Authorization") {
        return None;
    }
    let var = vars.secret("token", t);
    notes.push(
        "the bearer token comes from the report: a `get_token` step before this one gives \
         the actor a fresh token; then drop `bearer`"
            .into(),
    );
    Some(Value::String(tpl(&var)))
}

/// The cookies' values as `CHANGE-ME` variables (the session cookie is `session_cookie`).
fn cookie_header(cookies: &[String], vars: &mut Vars) -> String {
    let mut parts = Vec::new();
    for s in cookies {
        for pair in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let base = if name == "connect.sid" {
                "session_cookie".to_string()
            } else {
                format!("{name}_cookie")
            };
            let var = vars.get(&base, value, Kind::ChangeMe);
            parts.push(format!("{}={}", template_literal(name), tpl(&var)));
        }
    }
    parts.join("; ")
}
