//! What of a response a client can notice, normalised so two servers' answers compare:
//! the status, the media type and charset, the body (JSON with ids, dates and tokens replaced
//! and keys sorted; short text exactly; HTML error pages by their message), the Set-Cookie
//! names and attributes (`Expires` within a window), whether the ETag is the body's weak
//! ETag, and the CORS headers (`Vary`, `Access-Control-*`). Also the checked-in allow-list and its matching rules.

use regex::Regex;
use serde::Deserialize;
use serde_json::Value;
use std::sync::LazyLock;

/// A response as received (the body possibly cut short).
pub struct Received {
    /// 0 when the exchange failed at the transport level.
    pub status: u16,
    pub transport_error: Option<String>,
    pub content_type: Option<String>,
    pub set_cookies: Vec<String>,
    pub etag: Option<String>,
    /// `Vary` and `Access-Control-*` headers, lower-cased names, in order.
    pub cors: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Seconds since the epoch when the response arrived.
    pub at: i64,
}

/// One aspect of a response, normalised.
pub const ASPECTS: &[&str] = &["status", "content-type", "body", "cookie", "etag", "cors"];

pub fn aspect(r: &Received, name: &str) -> String {
    match name {
        "status" => match &r.transport_error {
            Some(e) => format!("transport error ({e})"),
            None => r.status.to_string(),
        },
        "content-type" => content_type(r.content_type.as_deref()),
        "body" => body(r),
        "cookie" => cookies(r),
        "cors" => cors(r),
        _ => etag(r),
    }
}

/// Two normalised values are the same, allowing cookie expiry to differ by a few minutes.
pub fn same(name: &str, a: &str, b: &str) -> bool {
    if name != "cookie" {
        return a == b;
    }
    static EXP: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"expires=now\+(-?\d+)s").unwrap());
    let strip = |s: &str| EXP.replace_all(s, "expires=now+Ns").into_owned();
    let offsets = |s: &str| -> Vec<i64> {
        EXP.captures_iter(s)
            .filter_map(|c| c[1].parse().ok())
            .collect()
    };
    strip(a) == strip(b)
        && offsets(a)
            .iter()
            .zip(offsets(b))
            .all(|(x, y)| (x - y).abs() <= 180)
}

fn content_type(ct: Option<&str>) -> String {
    let Some(ct) = ct else {
        return "(none)".into();
    };
    let mut parts = ct.split(';');
    let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let charset = parts
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
        .map(|(_, v)| v.trim().trim_matches('"').to_ascii_lowercase());
    match charset {
        Some(c) => format!("{media}; charset={c}"),
        None => media,
    }
}

static JWT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*").unwrap());
static ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(cus|addr|order|item)_[0-9A-Z]{26}\b").unwrap());
static DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z").unwrap());

fn normalise_text(s: &str) -> String {
    let s = JWT.replace_all(s, "<jwt>");
    let s = ID.replace_all(&s, "${1}_<id>");
    DATE.replace_all(&s, "<date>").into_owned()
}

fn normalise_json(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(normalise_text(s)),
        Value::Array(a) => Value::Array(a.iter().map(normalise_json).collect()),
        Value::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), normalise_json(&o[k])))
                    .collect(),
            )
        }
        other => other.clone(),
    }
}

const SHORT_TEXT: usize = 256;

fn body(r: &Received) -> String {
    if r.body.is_empty() {
        return "(empty)".into();
    }
    if let Ok(v) = serde_json::from_slice::<Value>(&r.body) {
        return format!("json {}", normalise_json(&v));
    }
    let text = String::from_utf8_lossy(&r.body);
    if let Some(pre) = text
        .split_once("<pre>")
        .and_then(|(_, rest)| rest.split_once("</pre>"))
        .map(|(pre, _)| pre)
    {
        // Express's error page: in development the message is followed by a stack trace,
        // and V8's wording of a JSON parse error depends on the input; keep the error class.
        let first = pre.split("<br>").next().unwrap_or(pre);
        static ERR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(\w+Error): .*").unwrap());
        let first = ERR.replace(first, "$1: …");
        return format!("html page <pre>{}</pre>", normalise_text(&first));
    }
    if r.body.len() <= SHORT_TEXT {
        format!("text {:?}", normalise_text(&text))
    } else {
        format!("text of {} bytes", r.body.len())
    }
}

fn cookies(r: &Received) -> String {
    if r.set_cookies.is_empty() {
        return "(no Set-Cookie)".into();
    }
    let mut out: Vec<String> = r
        .set_cookies
        .iter()
        .map(|c| {
            let mut parts = c.split(';');
            let name = parts
                .next()
                .and_then(|nv| nv.split_once('='))
                .map(|(n, _)| n.trim().to_string())
                .unwrap_or_default();
            let mut attrs: Vec<String> = parts
                .map(|a| {
                    let (k, v) = a.split_once('=').unwrap_or((a, ""));
                    let k = k.trim().to_ascii_lowercase();
                    match k.as_str() {
                        "expires" => match httpdate::parse_http_date(v.trim()) {
                            Ok(t) => {
                                let secs = t
                                    .duration_since(std::time::UNIX_EPOCH)
                                    .map(|d| d.as_secs() as i64)
                                    .unwrap_or(0);
                                format!("expires=now+{}s", secs - r.at)
                            }
                            Err(_) => "expires=(unparsable)".into(),
                        },
                        "path" | "samesite" | "domain" | "max-age" => {
                            format!("{k}={}", v.trim())
                        }
                        _ => k,
                    }
                })
                .collect();
            attrs.sort();
            format!("{name}[{}]", attrs.join(" "))
        })
        .collect();
    out.sort();
    out.join(", ")
}

fn etag(r: &Received) -> String {
    match &r.etag {
        None => "(none)".into(),
        Some(e) if r.status == 304 => {
            if weak_shape(e) {
                "weak ETag (304)".into()
            } else {
                format!("other ETag {e}")
            }
        }
        Some(e) if *e == weak_etag(&r.body) => "weak ETag of the body".into(),
        Some(e) if r.body.is_empty() && weak_shape(e) => "weak ETag (HEAD, no body)".into(),
        Some(e) => format!("other ETag {e}"),
    }
}

fn cors(r: &Received) -> String {
    if r.cors.is_empty() {
        return "(none)".into();
    }
    let mut h: Vec<String> = r.cors.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    h.sort();
    h.join(" | ")
}

fn weak_shape(e: &str) -> bool {
    static W: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"^W/"[0-9a-f]+-[A-Za-z0-9+/]{27}"$"#).unwrap());
    W.is_match(e)
}

/// Express's weak ETag (`etag` package), computed independently of the server's code.
pub fn weak_etag(body: &[u8]) -> String {
    use base64::Engine;
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, body);
    let b64 = base64::engine::general_purpose::STANDARD.encode(d.as_ref());
    format!("W/\"{:x}-{}\"", body.len(), &b64[..27])
}

// ------------------------------------------------------------------ the allow-list

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub name: String,
    pub reason: String,
    /// Set while the difference waits for work on another branch; the lead removes the entry
    /// (and this marker) when that work lands.
    #[serde(default)]
    pub pending: Option<String>,
    #[serde(default)]
    pub when: When,
    /// Which aspects may differ (all when empty): status, content-type, body, cookie, etag, cors.
    #[serde(default)]
    pub aspects: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    #[serde(default)]
    pub methods: Vec<String>,
    /// Every pattern must match one of the request's tags; `a|b` are alternatives and a
    /// trailing `*` matches any rest.
    #[serde(default)]
    pub tags: Vec<String>,
    /// No pattern may match any of the request's tags.
    #[serde(default)]
    pub not_tags: Vec<String>,
}

fn tag_matches(pattern: &str, tag: &str) -> bool {
    pattern.split('|').any(|p| match p.strip_suffix('*') {
        Some(prefix) => tag.starts_with(prefix),
        None => tag == p,
    })
}

impl Entry {
    /// The request belongs to this entry's class.
    pub fn covers(&self, method: &str, tags: &[String]) -> bool {
        (self.when.methods.is_empty() || self.when.methods.iter().any(|m| m == method))
            && self
                .when
                .tags
                .iter()
                .all(|p| tags.iter().any(|t| tag_matches(p, t)))
            && !self
                .when
                .not_tags
                .iter()
                .any(|p| tags.iter().any(|t| tag_matches(p, t)))
    }
    pub fn allows(&self, method: &str, tags: &[String], aspect: &str) -> bool {
        self.covers(method, tags)
            && (self.aspects.is_empty() || self.aspects.iter().any(|a| a == aspect))
    }
}

pub fn load_allow_list(path: &std::path::Path) -> Result<Vec<Entry>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read the allow-list: {e}", path.display()))?;
    let entries: Vec<Entry> = serde_saphyr::from_str(&text).map_err(|e| {
        format!(
            "{}: {e}\n  fix the YAML (a list of name/reason/when/aspects entries)",
            path.display()
        )
    })?;
    for e in &entries {
        if let Some(a) = e.aspects.iter().find(|a| !ASPECTS.contains(&a.as_str())) {
            return Err(format!(
                "{}: entry `{}`: unknown aspect `{a}` (use one of {})",
                path.display(),
                e.name,
                ASPECTS.join(", ")
            ));
        }
    }
    Ok(entries)
}
