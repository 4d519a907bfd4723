//! The one shared HTTP client: no proxy unless asked, no redirects followed, no hidden
//! retries (each request is sent exactly once), capped response bodies, per-step timeouts.

use std::time::{Duration, Instant};

/// Bodies past this size are cut (and the cut is reported).
pub const BODY_CAP: usize = 1024 * 1024;

/// What the client needs to know; resolved by the CLI.
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    pub proxy: Option<String>,
    pub insecure: bool,
    pub connect_timeout: Option<Duration>,
}

/// How long an idle connection may be reused: below Node's 5 s `keepAliveTimeout`.
pub const IDLE_REUSE: Duration = Duration::from_secs(3);

/// The client for a run against `target`.
pub fn client(
    o: &ClientOptions,
    target: &url::Url,
) -> Result<reqwest::Client, crate::error::Error> {
    let mut b = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .retry(reqwest::retry::never())
        .connect_timeout(o.connect_timeout.unwrap_or(Duration::from_secs(5)))
        .pool_max_idle_per_host(64)
        // Node's HTTP server (Medusa v1 and v2) closes a keep-alive connection after 5 s idle;
        // reusing one just as it closes fails the request, and requests are never retried.
        .pool_idle_timeout(IDLE_REUSE)
        .user_agent(concat!("medusa-conform/", env!("CARGO_PKG_VERSION")));
    b = match &o.proxy {
        Some(p) => b.proxy(
            reqwest::Proxy::all(p)
                .map_err(|e| crate::error::Error::Usage(format!("--proxy: {e}")))?,
        ),
        None => b.no_proxy(),
    };
    if o.insecure {
        b = b.tls_danger_accept_invalid_certs(true);
    }
    // Loading the system's CA certificates was 40 % of a short run's CPU: a plain-http target
    // (through no https proxy) never uses them, and no redirect is followed to another scheme.
    let tls =
        target.scheme() == "https" || o.proxy.as_deref().is_some_and(|p| p.starts_with("https"));
    if !tls && !o.insecure {
        b = b.tls_certs_only([]);
    }
    b.build()
        .map_err(|e| crate::error::Error::Internal(format!("HTTP client: {e}")))
}

/// A response as the runner sees it.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub truncated: bool,
    pub elapsed: Duration,
    /// What the client put on the wire for this call (`sent:` expectations).
    pub sent: Option<Sent>,
    /// Through a driver: whether the client rejected the call (`outcome:` expectations).
    pub client_rejected: Option<bool>,
}

/// One request as it went over the wire: never a cookie or token value, only whether one was
/// sent. Filled from the harness's own request, or from a driver's wire record.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    pub method: String,
    /// The URL as sent (its path is not decoded).
    pub url: String,
    pub cookie: bool,
    pub bearer: bool,
    /// The keys of a JSON object body; `None` without one.
    pub body_keys: Option<Vec<String>>,
}

impl Sent {
    /// The request the harness itself sends.
    pub fn from_request(
        method: &str,
        url: &url::Url,
        headers: &[(String, String)],
        body: Option<&[u8]>,
    ) -> Sent {
        Sent {
            method: method.to_string(),
            url: url.to_string(),
            cookie: headers.iter().any(|(k, _)| k == "cookie"),
            bearer: headers.iter().any(|(k, v)| {
                k == "authorization"
                    && v.get(..7)
                        .is_some_and(|p| p.eq_ignore_ascii_case("bearer "))
            }),
            body_keys: body
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
                .and_then(|v| v.as_object().map(|o| o.keys().cloned().collect())),
        }
    }

    /// The path as it went over the wire (no query).
    pub fn path(&self) -> String {
        let after_scheme = self.url.split_once("://").map(|x| x.1).unwrap_or(&self.url);
        let path = after_scheme
            .find('/')
            .map(|i| &after_scheme[i..])
            .unwrap_or("/");
        path.split(['?', '#']).next().unwrap_or("/").to_string()
    }
}

impl Response {
    /// Whether the call was rejected: as the client surfaced it through a driver, else as an
    /// HTTP client library would (anything but 2xx rejects, as axios does).
    pub fn rejected(&self) -> bool {
        self.client_rejected
            .unwrap_or(!(200..300).contains(&self.status))
    }

    /// All values of a header (lower-case name), joined like HTTP would.
    pub fn header(&self, name: &str) -> Option<String> {
        let v: Vec<&str> = self
            .headers
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect();
        (!v.is_empty()).then(|| v.join(", "))
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(k, _)| k == "set-cookie")
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Why a request got no response.
pub fn describe_error(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the response body could not be read"
    } else if e.is_request() {
        "the request failed (is the target speaking HTTP?)"
    } else {
        "request failed"
    };
    let mut msg = kind.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(&format!(": {s}"));
        src = s.source();
    }
    msg
}

/// Sends once, reads at most `BODY_CAP` bytes.
pub async fn send(req: reqwest::RequestBuilder, timeout: Duration) -> Result<Response, String> {
    let start = Instant::now();
    let fut = async {
        let mut resp = req
            .send()
            .await
            .map_err(|e| describe_error(&e.without_url()))?;
        let status = resp.status();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        let mut truncated = false;
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| describe_error(&e.without_url()))?
        {
            let room = BODY_CAP - body.len();
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                truncated = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok::<_, String>(Response {
            status: status.as_u16(),
            reason: status.canonical_reason().unwrap_or("").to_string(),
            headers,
            body,
            truncated,
            elapsed: Duration::ZERO,
            sent: None,
            client_rejected: None,
        })
    };
    match tokio::time::timeout(timeout, fut).await {
        Ok(Ok(mut r)) => {
            r.elapsed = start.elapsed();
            Ok(r)
        }
        Ok(Err(e)) => Err(e),
        Err(_) => Err(format!("no response within {:?} (step timeout)", timeout)),
    }
}

/// Checks up front that the target answers HTTP at all, so a dead target is one clear error
/// instead of a timeout per scenario.
pub async fn probe(client: &reqwest::Client, target: &url::Url) -> Result<(), crate::error::Error> {
    let url = target.join("health").unwrap_or_else(|_| target.clone());
    let unreachable = |reason: String| crate::error::Error::Unreachable {
        target: target.to_string(),
        reason,
    };
    match tokio::time::timeout(Duration::from_secs(10), client.get(url).send()).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(unreachable(describe_error(&e.without_url()))),
        Err(_) => Err(unreachable("no HTTP response within 10s".into())),
    }
}
