//! Differential test of the embedded reference server against a real Medusa 1.20.11.
//!
//! A seeded generator (`generator.rs`) makes sequences of requests around the Store Auth
//! routes; each sequence is sent step by step, in the same order and with the same state, to
//! the real server at `MEDUSA_URL` and to a reference server started in-process with the same
//! `MEDUSA_JWT_SECRET` and `MEDUSA_COOKIE_SECRET` (so forged tokens and cookies behave alike).
//! Responses are compared on what a client can notice (`compare.rs`). Every difference must
//! match an entry of `allow.yaml`; a new one fails the run, and so does an entry whose class of
//! requests was exercised without the difference showing (the list stays true). Each new
//! difference is printed with a curl pair that reproduces it, secrets masked as `***`.
//!
//!   cargo test --test differential                          # CI: fixed seed, bounded count
//!   cargo test --test differential -- --seed 7 --count 20000 # a longer local hunt
//!
//! Knobs: `--seed N` / `DIFF_SEED`, `--count N` / `DIFF_COUNT` (requests per server),
//! `--concurrency N` / `DIFF_CONCURRENCY` (sequences in flight), `--trace N` (run only
//! sequence N of the seed and print every step with both answers). Without `MEDUSA_URL` the test
//! is skipped loudly (and fails when `CI` is set). A seed replays the same requests; only the
//! run id inside the e-mails differs, so the real server always sees fresh customers.

mod compare;
mod generator;

use compare::{ASPECTS, Entry, Received};
use generator::{Body, EmailAs, Forge, Part, Sequence, Step};
use medusa_conform::clock::{now_secs, since_epoch};
use medusa_conform::server::v1::{Server, ServerConfig};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

const DEFAULT_SEED: u64 = 13;
const DEFAULT_COUNT: usize = 2000;
const DEFAULT_CONCURRENCY: usize = 8;
/// New difference classes printed in full; the rest are counted.
const MAX_CLASSES_SHOWN: usize = 25;

struct Options {
    seed: u64,
    count: usize,
    concurrency: usize,
    trace: Option<u64>,
}

fn parse_options() -> Result<Options, String> {
    let env_num = |name: &str| -> Result<Option<u64>, String> {
        match std::env::var(name) {
            Ok(v) if !v.is_empty() => v
                .parse()
                .map(Some)
                .map_err(|_| format!("{name}={v}: expected a whole number")),
            _ => Ok(None),
        }
    };
    let mut o = Options {
        seed: env_num("DIFF_SEED")?.unwrap_or(DEFAULT_SEED),
        count: env_num("DIFF_COUNT")?.map_or(DEFAULT_COUNT, |n| n as usize),
        concurrency: env_num("DIFF_CONCURRENCY")?.map_or(DEFAULT_CONCURRENCY, |n| n as usize),
        trace: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None => (a.clone(), None),
        };
        if !matches!(
            flag.as_str(),
            "--seed" | "--count" | "--concurrency" | "--trace"
        ) {
            // libtest flags that cargo may pass (`--quiet`, `--nocapture`, filters) mean nothing here.
            continue;
        }
        let v = inline
            .or_else(|| args.next())
            .ok_or_else(|| format!("{flag} needs a value, e.g. {flag} 7"))?;
        let n: u64 = v
            .parse()
            .map_err(|_| format!("{flag} {v}: expected a whole number"))?;
        match flag.as_str() {
            "--seed" => o.seed = n,
            "--count" => o.count = n as usize,
            "--trace" => o.trace = Some(n),
            _ => o.concurrency = (n as usize).max(1),
        }
    }
    Ok(o)
}

/// One server's view of a sequence: what it last set or issued.
#[derive(Default, Clone)]
struct ServerState {
    cookie: Option<String>,
    token: Option<String>,
    etag: Option<String>,
    customer_id: Option<String>,
}

struct Secrets {
    jwt: String,
    cookie: String,
}

fn sign_cookie(sid: &str, secret: &str) -> String {
    use base64::Engine;
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret.as_bytes());
    let sig = base64::engine::general_purpose::STANDARD_NO_PAD
        .encode(aws_lc_rs::hmac::sign(&key, sid.as_bytes()).as_ref());
    format!("s:{sid}.{sig}")
        .replace('%', "%25")
        .replace(':', "%3A")
        .replace('+', "%2B")
        .replace('/', "%2F")
}

fn forge(kind: Forge, st: &ServerState, secrets: &Secrets) -> String {
    use base64::Engine;
    let b64 = |v: &Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string().as_bytes())
    };
    let id = st.customer_id.clone().unwrap_or_else(|| "cus_none".into());
    let iat = now_secs();
    let sign =
        |claims: Value| medusa_conform::engine::jwt::sign_hs256(&claims, secrets.jwt.as_bytes());
    match kind {
        Forge::Tampered => {
            let t =
                sign(json!({"customer_id": id, "domain": "store", "iat": iat, "exp": iat + 3600}));
            let flipped = if t.ends_with('A') { 'B' } else { 'A' };
            format!("{}{flipped}", &t[..t.len() - 1])
        }
        Forge::NoExp => sign(json!({"customer_id": id, "domain": "store", "iat": iat})),
        Forge::Expired => sign(
            json!({"customer_id": id, "domain": "store", "iat": iat - 7200, "exp": iat - 3600}),
        ),
        Forge::AdminDomain => {
            sign(json!({"customer_id": id, "domain": "admin", "iat": iat, "exp": iat + 3600}))
        }
        Forge::NoDomain => sign(json!({"customer_id": id, "iat": iat, "exp": iat + 3600})),
        Forge::NoCustomer => sign(json!({"domain": "store", "iat": iat, "exp": iat + 3600})),
        Forge::UnknownCustomer => sign(
            json!({"customer_id": "cus_01DOESNOTEXIST0000000000000", "domain": "store", "iat": iat, "exp": iat + 3600}),
        ),
        Forge::OtherSecret => medusa_conform::engine::jwt::sign_hs256(
            &json!({"customer_id": id, "domain": "store", "iat": iat, "exp": iat + 3600}),
            b"not-the-server-secret",
        ),
        Forge::AlgNone => format!(
            "{}.{}.",
            b64(&json!({"alg": "none", "typ": "JWT"})),
            b64(&json!({"customer_id": id, "domain": "store", "iat": iat, "exp": iat + 3600}))
        ),
    }
}

/// A part's value on one server.
fn resolve(p: &Part, seq: &Sequence, st: &ServerState, secrets: &Secrets) -> String {
    let cookie = || st.cookie.clone().unwrap_or_default();
    match p {
        Part::Lit(s) => s.clone(),
        Part::Email => seq.email.clone(),
        Part::EmailAs(EmailAs::Upper) => seq.email.to_ascii_uppercase(),
        Part::EmailAs(EmailAs::Pct40) => seq.email.replace('@', "%40"),
        Part::EmailAs(EmailAs::Pct2540) => seq.email.replace('@', "%2540"),
        Part::Password => seq.password.clone(),
        Part::Cookie => cookie(),
        Part::CookieTampered => {
            let c = cookie();
            match c.char_indices().last() {
                Some((i, ch)) => format!("{}{}", &c[..i], if ch == 'A' { 'B' } else { 'A' }),
                None => "s%3Anope.nope".into(),
            }
        }
        Part::CookieUnsigned => {
            let c = cookie().replace("%3A", ":");
            c.strip_prefix("s:")
                .and_then(|r| r.rsplit_once('.'))
                .map(|(sid, _)| sid.to_string())
                .unwrap_or(c)
        }
        Part::CookieForgedSid => sign_cookie(
            &format!("forgedsid{}x{}", seq.index, now_secs()),
            &secrets.cookie,
        ),
        Part::Token => st.token.clone().unwrap_or_default(),
        Part::Forged(k) => forge(*k, st, secrets),
        Part::Etag => st.etag.clone().unwrap_or_else(|| "W/\"none\"".into()),
    }
}

fn resolve_all(v: &[Part], seq: &Sequence, st: &ServerState, secrets: &Secrets) -> String {
    v.iter().map(|p| resolve(p, seq, st, secrets)).collect()
}

fn large_body(n: usize) -> Vec<u8> {
    let mut b = b"{\"pad\":\"".to_vec();
    b.resize(n.saturating_sub(2), b'x');
    b.extend_from_slice(b"\"}");
    b
}

async fn send(
    client: &reqwest::Client,
    base: &str,
    step: &Step,
    seq: &Sequence,
    st: &ServerState,
    secrets: &Secrets,
) -> Received {
    let url = format!("{base}{}", resolve_all(&step.path, seq, st, secrets));
    let method =
        reqwest::Method::from_bytes(step.method.as_bytes()).unwrap_or(reqwest::Method::GET);
    let mut rb = client.request(method, &url);
    for (name, v) in &step.headers {
        rb = rb.header(name.as_str(), resolve_all(v, seq, st, secrets));
    }
    match &step.body {
        Some(Body::Parts(p)) => rb = rb.body(resolve_all(p, seq, st, secrets)),
        Some(Body::Large(n)) => rb = rb.body(large_body(*n)),
        None => {}
    }
    let failed = |e: String| Received {
        status: 0,
        transport_error: Some(e),
        content_type: None,
        set_cookies: Vec::new(),
        etag: None,
        cors: Vec::new(),
        body: Vec::new(),
        at: now_secs(),
    };
    let resp = match rb.send().await {
        Ok(r) => r,
        Err(e) => return failed(transport_kind(&e)),
    };
    let h = resp.headers();
    let get = |n: &str| h.get(n).and_then(|v| v.to_str().ok()).map(str::to_string);
    let content_type = get("content-type");
    let etag = get("etag");
    let set_cookies = h
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect();
    let cors = h
        .iter()
        .filter(|(k, _)| k.as_str() == "vary" || k.as_str().starts_with("access-control-"))
        .map(|(k, v)| {
            (
                k.to_string(),
                v.to_str().unwrap_or("(not text)").to_string(),
            )
        })
        .collect();
    let status = resp.status().as_u16();
    match resp.bytes().await {
        Ok(body) => Received {
            status,
            transport_error: None,
            content_type,
            set_cookies,
            etag,
            cors,
            body: body.to_vec(),
            at: now_secs(),
        },
        Err(e) => failed(transport_kind(&e)),
    }
}

fn transport_kind(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timeout".into()
    } else if e.is_connect() {
        "cannot connect".into()
    } else {
        let mut chain = String::new();
        let mut src = std::error::Error::source(e);
        while let Some(s) = src {
            chain = s.to_string();
            src = s.source();
        }
        format!("connection failed mid-exchange: {chain}")
    }
}

fn learn(st: &mut ServerState, r: &Received) {
    for c in &r.set_cookies {
        if let Some(v) = c
            .split(';')
            .next()
            .and_then(|nv| nv.strip_prefix("connect.sid="))
        {
            st.cookie = Some(v.to_string());
        }
    }
    if let Some(e) = &r.etag {
        st.etag = Some(e.clone());
    }
    if let Ok(v) = serde_json::from_slice::<Value>(&r.body) {
        if let Some(id) = v.pointer("/customer/id").and_then(Value::as_str) {
            st.customer_id = Some(id.to_string());
        }
        if let Some(t) = v.get("access_token").and_then(Value::as_str) {
            st.token = Some(t.to_string());
        }
    }
}

/// One compared request.
struct Outcome {
    seq: u64,
    step: usize,
    method: String,
    tags: Vec<String>,
    repro: Repro,
    /// (aspect, real, reference) for each aspect that differs.
    diffs: Vec<(&'static str, String, String)>,
}

async fn run_sequence(
    seq: Sequence,
    client: reqwest::Client,
    real: Arc<str>,
    reference: Arc<str>,
    secrets: Arc<Secrets>,
    trace: bool,
) -> Vec<Outcome> {
    let mut st_real = ServerState::default();
    let mut st_ref = ServerState::default();
    let mut out = Vec::new();
    for (i, step) in seq.steps.iter().enumerate() {
        let (a, b) = tokio::join!(
            send(&client, &real, step, &seq, &st_real, &secrets),
            send(&client, &reference, step, &seq, &st_ref, &secrets)
        );
        let diffs = ASPECTS
            .iter()
            .filter_map(|name| {
                let (x, y) = (compare::aspect(&a, name), compare::aspect(&b, name));
                (!compare::same(name, &x, &y)).then_some((*name, x, y))
            })
            .collect();
        if trace {
            let r = repro(step, &seq);
            println!("step {i}: {}", step.tags.join(" "));
            println!("  {}{}", r.path, r.args);
            for name in ASPECTS {
                let (x, y) = (compare::aspect(&a, name), compare::aspect(&b, name));
                let mark = if compare::same(name, &x, &y) {
                    " "
                } else {
                    "≠"
                };
                println!("  {mark} {name:<12} real: {x}\n    {:<12} ref : {y}", "");
            }
        }
        learn(&mut st_real, &a);
        learn(&mut st_ref, &b);
        out.push(Outcome {
            seq: seq.index,
            step: i,
            method: step.method.clone(),
            tags: step.tags.clone(),
            repro: repro(step, &seq),
            diffs,
        });
    }
    out
}

// ------------------------------------------------------------------ reproductions

struct Repro {
    /// curl arguments after the URL's base (shell-quoted), with variables for secrets.
    path: String,
    args: String,
    fill: Vec<&'static str>,
}

/// Shell words for a value: literal runs single-quoted, secrets and state as `"$VAR"`.
fn shell_quote(parts: &[Part], seq: &Sequence, fill: &mut Vec<&'static str>) -> String {
    let mut out = String::new();
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if !run.is_empty() {
            out.push('\'');
            out.push_str(&run.replace('\'', "'\\''"));
            out.push('\'');
            run.clear();
        }
    };
    for p in parts {
        let (var, hint): (&str, &'static str) = match p {
            Part::Lit(l) => {
                run.push_str(l);
                continue;
            }
            Part::Email => {
                run.push_str(&seq.email);
                continue;
            }
            Part::EmailAs(EmailAs::Upper) => {
                run.push_str(&seq.email.to_ascii_uppercase());
                continue;
            }
            Part::EmailAs(EmailAs::Pct40) => {
                run.push_str(&seq.email.replace('@', "%40"));
                continue;
            }
            Part::EmailAs(EmailAs::Pct2540) => {
                run.push_str(&seq.email.replace('@', "%2540"));
                continue;
            }
            Part::Password => (
                "PASSWORD",
                "PASSWORD=*** (the password the sequence registered with)",
            ),
            Part::Cookie => (
                "COOKIE",
                "COOKIE=*** (the connect.sid value that server last set: register or log in first)",
            ),
            Part::CookieTampered => (
                "COOKIE",
                "COOKIE=*** (a connect.sid from that server with the last signature character changed)",
            ),
            Part::CookieUnsigned => (
                "COOKIE",
                "COOKIE=*** (the bare session id of a connect.sid from that server, without `s:` and signature)",
            ),
            Part::CookieForgedSid => (
                "COOKIE",
                "COOKIE=*** (`s:<any unknown sid>.<HMAC-SHA256 with MEDUSA_COOKIE_SECRET>`, URL-encoded)",
            ),
            Part::Token => (
                "TOKEN",
                "TOKEN=*** (access_token from POST /store/auth/token on that server)",
            ),
            Part::Forged(_) => (
                "TOKEN",
                "TOKEN=*** (a JWT forged as the request's `forge:` tag says, HS256 with MEDUSA_JWT_SECRET)",
            ),
            Part::Etag => (
                "ETAG",
                "ETAG= (the ETag of that server's previous response)",
            ),
        };
        flush(&mut run, &mut out);
        out.push_str(&format!("\"${var}\""));
        if !fill.contains(&hint) {
            fill.push(hint);
        }
    }
    flush(&mut run, &mut out);
    if out.is_empty() {
        out.push_str("''");
    }
    out
}

fn repro(step: &Step, seq: &Sequence) -> Repro {
    let mut fill = Vec::new();
    let path = shell_quote(&step.path, seq, &mut fill);
    let mut args = String::new();
    if step.method == "HEAD" {
        args.push_str(" --head");
    } else {
        args.push_str(&format!(" -X {}", step.method));
    }
    for (name, v) in &step.headers {
        let mut hv = vec![Part::Lit(format!("{name}: "))];
        hv.extend(v.iter().cloned());
        args.push_str(&format!(" -H {}", shell_quote(&hv, seq, &mut fill)));
    }
    match &step.body {
        Some(Body::Parts(p)) => args.push_str(&format!(
            " --data-binary {}",
            shell_quote(p, seq, &mut fill)
        )),
        Some(Body::Large(n)) => args.push_str(&format!(
            " --data-binary @large.json  # {{\"pad\":\"xxx…\"}}, {n} bytes"
        )),
        None => {}
    }
    Repro { path, args, fill }
}

fn print_repro(o: &Outcome, real_url: &str) {
    // Adjacent shell words concatenate; merge two single-quoted runs for readability.
    let url = |base: String| match (base.strip_suffix('\''), o.repro.path.strip_prefix('\'')) {
        (Some(b), Some(p)) => format!("{b}{p}"),
        _ => format!("{base}{}", o.repro.path),
    };
    println!(
        "    curl -si --path-as-is {}{}",
        url(format!("'{real_url}'")),
        o.repro.args
    );
    println!(
        "    curl -si --path-as-is {}{}",
        url("\"$REFERENCE_URL\"".to_string()),
        o.repro.args
    );
    for f in &o.repro.fill {
        println!("      fill {f}");
    }
}

// ------------------------------------------------------------------ the run

fn main() -> ExitCode {
    let opts = match parse_options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let real_url = std::env::var("MEDUSA_URL").unwrap_or_default();
    if real_url.is_empty() {
        eprintln!(
            "\n==================== SKIPPED: differential test ====================\n\
             MEDUSA_URL is not set, so there is no real Medusa to compare the reference\n\
             server with. Start one and export its environment:\n\
             \x20   eval \"$(tests/targets/medusa-v1/up)\"   # or: set -a; . /tmp/medusa-v1.env; set +a\n\
             ====================================================================\n"
        );
        return if std::env::var_os("CI").is_some() {
            eprintln!("CI is set: a skipped differential test is a failure.");
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        };
    }
    let (Ok(jwt), Ok(cookie)) = (
        std::env::var("MEDUSA_JWT_SECRET"),
        std::env::var("MEDUSA_COOKIE_SECRET"),
    ) else {
        eprintln!(
            "error: MEDUSA_URL is set but MEDUSA_JWT_SECRET or MEDUSA_COOKIE_SECRET is not; both are \
             needed so forged tokens and cookies mean the same on both servers (tests/targets/medusa-v1/up prints them)"
        );
        return ExitCode::from(2);
    };
    let allow_path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential/allow.yaml");
    let allow = match compare::load_allow_list(&allow_path) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let secrets = Arc::new(Secrets { jwt, cookie });
    let started = Instant::now();
    let outcomes = rt.block_on(async {
        let server = Server::start(ServerConfig {
            host: "127.0.0.1".into(),
            port: 0,
            jwt_secret: Some(secrets.jwt.clone()),
            cookie_secret: Some(secrets.cookie.clone()),
            ..Default::default()
        })
        .await
        .expect("start the reference server on 127.0.0.1");
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(20))
            // Node closes idle keep-alive connections after 5 s; never reuse one that old.
            .pool_idle_timeout(std::time::Duration::from_secs(2))
            .build()
            .expect("HTTP client");
        let run_id = format!("{:x}", since_epoch().as_micros());
        let mut seqs = Vec::new();
        let mut total = 0;
        let mut i = 0;
        while total < opts.count {
            let s = generator::sequence(opts.seed, i, &run_id);
            total += s.steps.len();
            seqs.push(s);
            i += 1;
        }
        let real: Arc<str> = Arc::from(real_url.trim_end_matches('/'));
        let reference: Arc<str> = Arc::from(server.url.as_str());
        let sem = Arc::new(tokio::sync::Semaphore::new(opts.concurrency));
        let mut set = tokio::task::JoinSet::new();
        for seq in seqs {
            if opts.trace.is_some_and(|t| t != seq.index) {
                continue;
            }
            let trace = opts.trace.is_some();
            let permit = sem.clone().acquire_owned().await.expect("semaphore");
            let (c, r, f, s) = (
                client.clone(),
                real.clone(),
                reference.clone(),
                secrets.clone(),
            );
            set.spawn(async move {
                let out = run_sequence(seq, c, r, f, s, trace).await;
                drop(permit);
                out
            });
        }
        let mut all = Vec::new();
        while let Some(r) = set.join_next().await {
            all.extend(r.expect("sequence task"));
        }
        all.sort_by_key(|o| (o.seq, o.step));
        drop(server);
        all
    });
    let elapsed = started.elapsed();
    report(&opts, &allow, &outcomes, &real_url, elapsed)
}

fn report(
    opts: &Options,
    allow: &[Entry],
    outcomes: &[Outcome],
    real_url: &str,
    elapsed: std::time::Duration,
) -> ExitCode {
    let sequences = outcomes.iter().filter(|o| o.step == 0).count();
    println!(
        "differential: seed {} · {} sequences · {} requests to each server · {:.1} s",
        opts.seed,
        sequences,
        outcomes.len(),
        elapsed.as_secs_f64()
    );
    let mut covered = vec![0usize; allow.len()];
    let mut hit = vec![0usize; allow.len()];
    // New differences grouped by (aspect, real, reference): one class, one reproduction.
    let mut new: BTreeMap<(&str, String, String), Vec<&Outcome>> = BTreeMap::new();
    for o in outcomes {
        for (i, e) in allow.iter().enumerate() {
            if e.covers(&o.method, &o.tags) {
                covered[i] += 1;
            }
        }
        for (aspect, a, b) in &o.diffs {
            match allow
                .iter()
                .position(|e| e.allows(&o.method, &o.tags, aspect))
            {
                Some(i) => hit[i] += 1,
                None => new
                    .entry((aspect, a.clone(), b.clone()))
                    .or_default()
                    .push(o),
            }
        }
    }
    println!("\nallow-list ({}):", allow.len());
    let mut stale = Vec::new();
    for (i, e) in allow.iter().enumerate() {
        let state = if covered[i] == 0 {
            "not exercised".to_string()
        } else if hit[i] == 0 {
            stale.push(e);
            "STALE: exercised, never differed".to_string()
        } else {
            format!("{} differences in {} requests", hit[i], covered[i])
        };
        let pending = e
            .pending
            .as_deref()
            .map(|p| format!(" [pending: {p}]"))
            .unwrap_or_default();
        println!(
            "  {:<34} {state}{pending}\n      reason: {}",
            e.name, e.reason
        );
    }
    // Largest classes first; a run that breaks something basic prints a bounded report.
    let mut classes: Vec<_> = new.iter().collect();
    classes.sort_by_key(|(_, g)| std::cmp::Reverse(g.len()));
    for ((aspect, a, b), group) in classes.iter().take(MAX_CLASSES_SHOWN) {
        let shortest = group
            .iter()
            .min_by_key(|o| o.repro.args.len() + o.repro.path.len())
            .expect("non-empty group");
        let common: Vec<&String> = shortest
            .tags
            .iter()
            .filter(|t| group.iter().all(|o| o.tags.contains(t)))
            .collect();
        println!(
            "\nNEW DIFFERENCE in {aspect} ({} requests; e.g. sequence {} step {}: {})",
            group.len(),
            shortest.seq,
            shortest.step,
            shortest.tags.join(" ")
        );
        println!("  real Medusa : {a}");
        println!("  reference   : {b}");
        println!(
            "  common tags : {}",
            common
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        );
        println!(
            "  reproduce (REFERENCE_URL: `cargo run -- serve --port 0` with MEDUSA_JWT_SECRET=*** and MEDUSA_COOKIE_SECRET=*** exported as for the real server):"
        );
        print_repro(shortest, real_url);
    }
    if classes.len() > MAX_CLASSES_SHOWN {
        println!(
            "\n… and {} more difference classes, not shown (fix the ones above first)",
            classes.len() - MAX_CLASSES_SHOWN
        );
    }
    for e in &stale {
        println!(
            "\nSTALE allow-list entry `{}`: its class was exercised but the difference never showed.\n  \
             It no longer holds: remove it from tests/differential/allow.yaml (or narrow its `when`).",
            e.name
        );
    }
    if new.is_empty() && stale.is_empty() {
        println!(
            "\nok: every difference is in the allow-list, and every exercised entry still holds"
        );
        ExitCode::SUCCESS
    } else {
        println!(
            "\nFAILED: {} new difference classes, {} stale allow-list entries (replay: cargo test --test differential -- --seed {} --count {})",
            new.len(),
            stale.len(),
            opts.seed,
            opts.count
        );
        ExitCode::FAILURE
    }
}
