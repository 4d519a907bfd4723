//! Runs one planned scenario against a target: vars, then setup, steps (stopping at the first
//! failure) and teardown (always), each step sent exactly once unless it asks to `retry`.
//! Produces a `ScenarioReport` whose every string has passed through the scenario's redactor.

use crate::engine::actor::{Actor, SetCookie};
use crate::lang::template::{RuntimeValue, Scope};
use crate::plan::{Bearer, Scenario, Step};
use crate::report::event::*;
use crate::report::redact::Redactor;
use crate::report::secret::is_secret_name;
use rand::SeedableRng;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

/// Shared by every scenario of a run.
pub struct Context {
    pub client: reqwest::Client,
    pub target: url::Url,
    pub env: Arc<HashMap<String, String>>,
    pub cli_vars: Vec<(String, String)>,
    pub seed: u64,
    /// Driver mode: client operations go through this driver instead of direct HTTP.
    pub driver: Option<Arc<crate::driver::Driver>>,
    /// Sent as `x-publishable-api-key` by API calls to Medusa v2 `/store` routes.
    pub publishable_key: Option<String>,
    /// Where the deployment writes reset tokens (JSON lines), for `reset_token` calls.
    pub events: Option<std::path::PathBuf>,
    /// The API the target speaks (`None`: the default, v1); scenarios of another API are
    /// not applicable.
    pub api: Option<&'static str>,
}

/// Report bodies are cut to this many bytes (the full body is never kept in a report).
const REPORT_BODY: usize = 4096;

/// A stable per-scenario seed: the run's seed, the scenario's name and the repetition.
pub fn scenario_seed(seed: u64, name: &str, iteration: u32) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in name.bytes().chain(iteration.to_le_bytes()) {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn cut(s: &str, n: usize) -> (String, bool) {
    if s.len() <= n {
        return (s.to_string(), false);
    }
    let mut end = n;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    (format!("{}…", &s[..end]), true)
}

fn url_for(target: &url::Url, path: &str, query: &[(String, String)]) -> Result<url::Url, String> {
    let mut url = if path.starts_with("http://") || path.starts_with("https://") {
        url::Url::parse(path).map_err(|e| format!("invalid URL `{path}`: {e}"))?
    } else if target.path() == "/" && path.starts_with('/') {
        // The common case: joining keeps the parsed host (no second IDNA pass per request).
        target
            .join(path)
            .map_err(|e| format!("invalid path `{path}`: {e}"))?
    } else {
        let base = target.as_str().trim_end_matches('/');
        let sep = if path.starts_with('/') { "" } else { "/" };
        url::Url::parse(&format!("{base}{sep}{path}"))
            .map_err(|e| format!("invalid path `{path}`: {e}"))?
    };
    if !query.is_empty() {
        url.query_pairs_mut()
            .extend_pairs(query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    }
    Ok(url)
}

struct RunState<'a> {
    scope: Scope<'a>,
    actors: HashMap<String, Actor>,
    redactor: Redactor,
    /// The scenario's name and repetition (driver actor ids).
    run_id: (String, u32),
    /// Reset tokens already handed out by `reset_token` calls in this scenario.
    reset_tokens: Vec<String>,
    /// In driver mode, the actors that are the client under test: those of `steps`. An actor
    /// that only appears in `setup`/`teardown` (a registrar, say) prepares or cleans the
    /// server over direct HTTP: it is not what is tested, and each client actor costs a
    /// browser context (most of driver mode's CPU).
    client_actors: HashSet<String>,
}

impl RunState<'_> {
    /// The driver and the client operation when `step` goes through the client.
    fn through_client<'c>(
        &self,
        ctx: &'c Context,
        step: &Step,
    ) -> Option<(&'c crate::driver::Driver, &'static str)> {
        let op = step.op.client_op()?;
        let d = ctx.driver.as_deref()?;
        self.client_actors.contains(&step.actor).then_some((d, op))
    }

    fn secret(&self, v: &RuntimeValue) {
        if v.secret {
            match &v.value {
                Value::String(s) => self.redactor.add(s),
                other => self.redactor.add(&other.to_string()),
            }
        }
    }
}

fn step_report(step: &Step, phase: Phase, status: StepStatus) -> StepReport {
    let position = step.span.position();
    let mut rep = StepReport::new(phase, step.name.clone(), step.actor.clone(), position);
    rep.status = status;
    rep.span = Some(step.span.clone());
    rep
}

/// Runs one step; `strict` also checks its `exact:` expectations (docs/levels.md).
async fn exec(
    step: &Step,
    phase: Phase,
    ctx: &Context,
    st: &mut RunState<'_>,
    strict: bool,
) -> StepReport {
    let started = Instant::now();
    let mut rep = step_report(step, phase, StepStatus::Passed);
    if let Err(e) = exec_into(&mut rep, step, ctx, st, strict, started).await {
        rep.status = StepStatus::Error;
        rep.error = Some(st.redactor.text(&e));
    }
    rep.duration_ms = started.elapsed().as_millis() as u64;
    rep
}

/// Fills in `rep` as the step runs; `Err`: the step could not be carried out (no response).
async fn exec_into(
    rep: &mut StepReport,
    step: &Step,
    ctx: &Context,
    st: &mut RunState<'_>,
    strict: bool,
    started: Instant,
) -> Result<(), String> {
    let prepared = step
        .op
        .prepare(&mut st.scope)
        .map_err(|e| format!("cannot build the request: {e}"))?;
    prepared.secrets.iter().for_each(|s| st.redactor.add(s));
    if let Some(t) = &prepared.bearer {
        st.redactor.add(t);
    }
    let api_op = step.op.api_op();
    if api_op.is_some_and(|o| o.local == Some(crate::api::Local::ResetToken)) {
        rep.attempts = 1;
        let (resp, failures) =
            reset_token_step(rep, step, &prepared, ctx, st, started, strict).await;
        record_outcome(rep, &resp, failures, &st.redactor);
        return Ok(());
    }
    let url = url_for(&ctx.target, &prepared.path, &prepared.query)?;
    let headers = request_headers(step, ctx, st, &prepared, &url)?;
    let request = request_record(&prepared, &url, &headers, &st.redactor);
    // Through a driver the client builds the request: no curl replays it.
    if st.through_client(ctx, step).is_none() {
        rep.curl = Some(crate::report::replay::command(&request));
    }
    rep.request = Some(request);
    let outgoing = Outgoing {
        prepared: &prepared,
        url: &url,
        headers: &headers,
    };
    let (resp, failures) = send_until_settled(rep, step, ctx, st, strict, &outgoing).await?;
    record_outcome(rep, &resp, failures, &st.redactor);
    Ok(())
}

/// The headers the harness sends: the operation's, the publishable key, the step's own
/// (replacing the operation's), the actor's cookies and its bearer token.
fn request_headers(
    step: &Step,
    ctx: &Context,
    st: &mut RunState<'_>,
    prepared: &crate::engine::operation::Prepared,
    url: &url::Url,
) -> Result<Vec<(String, String)>, String> {
    let mut headers = prepared.headers.clone();
    if step.op.api_op().is_some_and(|o| o.publishable_key)
        && let Some(pk) = &ctx.publishable_key
    {
        headers.push(("x-publishable-api-key".into(), pk.clone()));
    }
    for (k, t) in &step.headers {
        let v = t
            .eval(&mut st.scope)
            .map_err(|e| format!("header `{k}`: {e}"))?;
        if is_secret_name(k) {
            st.redactor.add(&v.as_text());
        }
        st.secret(&v);
        let k = k.to_ascii_lowercase();
        headers.retain(|(h, _)| *h != k);
        headers.push((k, v.as_text()));
    }
    let actor = st.actors.entry(step.actor.clone()).or_default();
    if step.send_cookies
        && !headers.iter().any(|(k, _)| k == "cookie")
        && let Some(c) = actor.cookie_header(url)
    {
        headers.push(("cookie".into(), c));
    }
    let token = match &step.bearer {
        _ if prepared.bearer.is_some() => prepared.bearer.clone(),
        Bearer::ActorToken => actor.token.clone(),
        Bearer::None => None,
        Bearer::Given(t) => Some(
            t.eval(&mut st.scope)
                .map_err(|e| format!("bearer: {e}"))?
                .as_text(),
        ),
        Bearer::Jwt(spec) => {
            Some(build_jwt(spec, &mut st.scope).map_err(|e| format!("bearer jwt: {e}"))?)
        }
    };
    if let Some(t) = &token {
        st.redactor.add(t);
        if !headers.iter().any(|(k, _)| k == "authorization") {
            headers.push(("authorization".into(), format!("Bearer {t}")));
        }
    }
    Ok(headers)
}

/// The request as reports show it: masked, its body cut.
fn request_record(
    prepared: &crate::engine::operation::Prepared,
    url: &url::Url,
    headers: &[(String, String)],
    redactor: &Redactor,
) -> RequestRecord {
    RequestRecord {
        method: prepared.method.clone(),
        url: redactor.text(url.as_str()),
        headers: headers
            .iter()
            .map(|(k, v)| (k.clone(), redactor.header(k, v).into_owned()))
            .collect(),
        body: prepared
            .body
            .as_ref()
            .map(|b| cut(&redactor.text(&String::from_utf8_lossy(b)), REPORT_BODY).0),
    }
}

/// A step's request, ready to send.
struct Outgoing<'a> {
    prepared: &'a crate::engine::operation::Prepared,
    url: &'a url::Url,
    headers: &'a [(String, String)],
}

/// Sends the request, again while it errs or its expectations fail as long as the step's
/// `retry` allows; then takes the captures. `Err`: no response on the last attempt.
async fn send_until_settled(
    rep: &mut StepReport,
    step: &Step,
    ctx: &Context,
    st: &mut RunState<'_>,
    strict: bool,
    out: &Outgoing<'_>,
) -> Result<(crate::engine::http::Response, StepFailures), String> {
    let (times, interval) = step.retry.unwrap_or((0, std::time::Duration::ZERO));
    let mut attempt = 0;
    loop {
        attempt += 1;
        rep.attempts = attempt;
        let resp = match send_once(step, ctx, st, out).await {
            Ok(r) => r,
            Err(_) if attempt <= times => {
                tokio::time::sleep(interval).await;
                continue;
            }
            Err(e) => {
                let url = st.redactor.text(out.url.as_str());
                return Err(format!("{} {url}: {e}", out.prepared.method));
            }
        };
        if st.through_client(ctx, step).is_some()
            && let Some(s) = &resp.sent
        {
            // What the client sent, not what the harness would have sent.
            let mut r = crate::engine::seam::request_record(s);
            r.url = st.redactor.text(&r.url);
            rep.request = Some(r);
            rep.curl = None;
        }
        let json = learn_from_response(step, &resp, out.url, st);
        let mut failures = check_expectations(step, &resp, json.as_ref(), st, strict);
        if !failures.is_empty() && attempt <= times {
            tokio::time::sleep(interval).await;
            continue;
        }
        take_captures(step, &resp, json.as_ref(), st, &mut failures);
        return Ok((resp, failures));
    }
}

/// One attempt: through the driver for a client operation in driver mode, else over HTTP.
async fn send_once(
    step: &Step,
    ctx: &Context,
    st: &RunState<'_>,
    out: &Outgoing<'_>,
) -> Result<crate::engine::http::Response, String> {
    if let Some((d, op)) = st.through_client(ctx, step) {
        let actor = crate::engine::seam::actor_id(&st.run_id.0, st.run_id.1, &step.actor);
        return crate::engine::seam::send(d, &actor, op, out.prepared).await;
    }
    let method =
        reqwest::Method::from_bytes(out.prepared.method.as_bytes()).unwrap_or(reqwest::Method::GET);
    let mut rb = ctx.client.request(method, out.url.clone());
    for (k, v) in out.headers {
        rb = rb.header(k.as_str(), v.as_str());
    }
    if let Some(b) = &out.prepared.body {
        rb = rb.body(b.clone());
    }
    let mut r = crate::engine::http::send(rb, step.timeout).await?;
    r.sent = Some(crate::engine::http::Sent::from_request(
        &out.prepared.method,
        out.url,
        out.headers,
        out.prepared.body.as_deref(),
    ));
    Ok(r)
}

/// What the actor keeps from a response (cookies, the bearer token of a token operation) and
/// the secrets it reveals; returns its body as JSON, if it is JSON.
fn learn_from_response(
    step: &Step,
    resp: &crate::engine::http::Response,
    url: &url::Url,
    st: &mut RunState<'_>,
) -> Option<Value> {
    let actor = st.actors.entry(step.actor.clone()).or_default();
    let set_cookies = resp.set_cookies();
    for c in set_cookies.iter().filter_map(|l| SetCookie::parse(l)) {
        st.redactor.add(&c.value);
    }
    actor.store(&set_cookies, url);
    let json = crate::engine::check::body_json(resp);
    if let Some(field) = step.op.keeps_bearer()
        && (200..300).contains(&resp.status)
        && let Some(t) = json
            .as_ref()
            .and_then(|j| j.get(field))
            .and_then(Value::as_str)
    {
        st.redactor.add(t);
        actor.token = Some(t.to_string());
    }
    // Anything that looks like a credential in a JSON response is masked too.
    if let Some(j) = &json {
        let mut found = Vec::new();
        crate::lang::template::JsonTemplate::secret_strings(j, &mut found);
        found.iter().for_each(|s| st.redactor.add(s));
    }
    json
}

/// Records the response and the failures, masked; the body is cut after masking, so a cut
/// never leaves half a secret behind.
fn record_outcome(
    rep: &mut StepReport,
    resp: &crate::engine::http::Response,
    failures: StepFailures,
    redactor: &Redactor,
) {
    let (body, truncated) = cut(&redactor.text(&resp.text()), REPORT_BODY);
    rep.response = Some(ResponseRecord {
        status: resp.status,
        reason: resp.reason.clone(),
        headers: resp
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), redactor.header(k, v).into_owned()))
            .collect(),
        body,
        truncated: truncated || resp.truncated,
    });
    rep.failures = failures
        .into_iter()
        .map(|(span, f)| CheckFailure {
            check: f.check,
            position: span.position(),
            message: redactor.text(&f.message),
            diff: f.diff.iter().map(|d| redactor.text(d)).collect(),
            violations: f.violations,
            span: Some(span),
        })
        .collect();
    if !rep.failures.is_empty() {
        rep.status = StepStatus::Failed;
    }
}

/// `reset_token`: the newest token for the e-mail that this scenario has not been handed yet,
/// from the events file the deployment's notification subscriber writes (one JSON object a line,
/// `{"name":"auth.password_reset","data":{"entity_id","actor_type","token"}}`). The event is
/// emitted after the 201 is sent, so the file is polled for a few seconds. Answered as
/// `200 {"token": …}` (404 when none arrives) so expectations and captures work as for HTTP.
async fn reset_token_step(
    rep: &mut StepReport,
    step: &Step,
    prepared: &crate::engine::operation::Prepared,
    ctx: &Context,
    st: &mut RunState<'_>,
    started: Instant,
    strict: bool,
) -> (crate::engine::http::Response, StepFailures) {
    let args = prepared.client_args.clone().unwrap_or(Value::Null);
    let email = args
        .get("email")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let actor_type = args
        .get("actor_type")
        .and_then(Value::as_str)
        .unwrap_or("customer");
    let path = ctx.events.clone().unwrap_or_default();
    let wait = step.timeout.min(std::time::Duration::from_secs(5));
    let found = newest_reset_token(&path, email, actor_type, &st.reset_tokens, wait).await;
    let (status, body) = match &found {
        Some(t) => {
            st.redactor.add(t);
            st.reset_tokens.push(t.to_string());
            (200, serde_json::json!({ "token": t }))
        }
        None => (
            404,
            serde_json::json!({ "message": "no new reset token for this e-mail" }),
        ),
    };
    let resp = crate::engine::http::Response {
        status,
        reason: if status == 200 { "OK" } else { "Not Found" }.into(),
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.to_string().into_bytes(),
        truncated: false,
        elapsed: started.elapsed(),
        sent: None,
        client_rejected: None,
    };
    rep.request = Some(RequestRecord {
        method: "READ".into(),
        url: format!(
            "file://{} (reset token for {})",
            path.display(),
            st.redactor.text(email)
        ),
        headers: vec![],
        body: None,
    });
    let json = crate::engine::check::body_json(&resp);
    let mut failures = check_expectations(step, &resp, json.as_ref(), st, strict);
    take_captures(step, &resp, json.as_ref(), st, &mut failures);
    (resp, failures)
}

/// Polls the events file for up to `wait` for a reset token of `email` not in `handed_out`.
async fn newest_reset_token(
    path: &std::path::Path,
    email: &str,
    actor_type: &str,
    handed_out: &[String],
    wait: std::time::Duration,
) -> Option<String> {
    let deadline = Instant::now() + wait;
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let newest = text
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|e| {
                e["data"]["entity_id"].as_str() == Some(email)
                    && e["data"]["actor_type"].as_str().unwrap_or("customer") == actor_type
            })
            .filter_map(|e| e["data"]["token"].as_str().map(str::to_string))
            .rfind(|t| !handed_out.contains(t));
        if newest.is_some() || Instant::now() >= deadline {
            return newest;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

fn build_jwt(spec: &crate::plan::JwtSpec, scope: &mut Scope) -> Result<String, String> {
    let obj = |v: RuntimeValue| {
        v.value
            .as_object()
            .cloned()
            .ok_or("must be a map".to_string())
    };
    let b = crate::engine::jwt::Build {
        from: spec
            .from
            .as_ref()
            .map(|t| t.eval(scope))
            .transpose()?
            .map(|v| v.as_text()),
        claims: obj(spec.claims.eval(scope)?)?,
        header: obj(spec.header.eval(scope)?)?,
        alg: spec.alg.clone(),
        secret: spec
            .secret
            .as_ref()
            .map(|t| t.eval(scope))
            .transpose()?
            .map(|v| v.as_text()),
        keep_signature: spec.keep_signature,
        tamper_signature: spec.tamper_signature,
    };
    crate::engine::jwt::build(&b)
}

/// Runs a scenario; never panics on a misbehaving target, never returns unmasked secrets.
pub async fn run_scenario(sc: &Scenario, ctx: &Context, iteration: u32) -> ScenarioReport {
    let started = Instant::now();
    let mut report = empty_report(sc, ctx, iteration);
    if let Some(why) = not_runnable(sc, ctx) {
        match why {
            NotRunnable::Skipped(note) => {
                report.status = Status::Skipped;
                report.note = Some(note);
            }
            NotRunnable::NotApplicable(why) => {
                report.status = Status::NotApplicable;
                report.note = Some(why.to_string());
                report.not_applicable = Some(why);
            }
        }
        return report;
    }
    let mut st = RunState::new(sc, ctx, iteration);
    if let Err(failed) = bind_vars(sc, ctx, &mut st) {
        report.steps.push(*failed);
        report.status = Status::Failed;
        report.bound();
        return report;
    }
    // How many secrets were known when each step started (see the final masking pass).
    let mut known_at: Vec<usize> = Vec::new();
    let mut failed = run_phases(sc, ctx, &mut st, started, &mut report, &mut known_at).await;
    if let Some(d) = &ctx.driver {
        // Frees the actors' client instances (a browser context each for medusa-js).
        for a in st.actors.keys().filter(|a| st.client_actors.contains(*a)) {
            let id = crate::engine::seam::actor_id(&sc.name, iteration, a);
            if let Err(crate::driver::CallError::Fatal(_)) = d.reset(&id).await {
                failed = true;
            }
        }
    }
    report.status = if failed {
        Status::Failed
    } else {
        Status::Passed
    };
    if let Some(k) = known_bug(sc, ctx) {
        judge_known_bug(&mut report, k, sc.strict);
    }
    // Secrets learned late (e.g. a token captured in the last step) are masked everywhere; a
    // step that started after the last new secret was learned is already fully masked and is
    // not redone (one that learns a secret itself is: its request was recorded before).
    let known = st.redactor.len();
    for (s, _) in report
        .steps
        .iter_mut()
        .zip(&known_at)
        .filter(|(_, k)| **k < known)
    {
        s.redact(&st.redactor);
    }
    report.bound();
    report.duration_ms = started.elapsed().as_millis() as u64;
    report
}

/// The report of a scenario before it runs.
fn empty_report(sc: &Scenario, ctx: &Context, iteration: u32) -> ScenarioReport {
    ScenarioReport {
        name: sc.name.clone(),
        title: sc.title.clone(),
        file: sc.file.path.clone(),
        tags: sc.tags.clone(),
        status: Status::Passed,
        duration_ms: 0,
        seed: ctx.seed,
        iteration,
        known_bug: known_bug(sc, ctx).map(|k| KnownBugReport {
            issue: k.issue.clone(),
            url: k.url.clone(),
            reason: k.reason.clone(),
        }),
        note: None,
        not_applicable: None,
        steps: vec![],
    }
}

/// Why a scenario is not run at all.
enum NotRunnable {
    /// An input it needs is missing.
    Skipped(String),
    NotApplicable(NotApplicable),
}

/// The first reason, in this order, for which the scenario cannot run here: its level, its
/// environment, its API, what its operations need, its scheme, the run's mode.
fn not_runnable(sc: &Scenario, ctx: &Context) -> Option<NotRunnable> {
    if sc.level == crate::plan::Level::Exact && !sc.strict {
        return Some(NotRunnable::NotApplicable(NotApplicable::ExactLevel));
    }
    let missing: Vec<&str> = sc
        .requires_env
        .iter()
        .filter(|e| !ctx.env.contains_key(*e))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Some(NotRunnable::Skipped(format!(
            "requires environment variable{} {} (not set)",
            if missing.len() > 1 { "s" } else { "" },
            missing.join(", ")
        )));
    }
    if let Some(api) = Some(ctx.api.unwrap_or(crate::api::DEFAULT_API)).filter(|a| *a != sc.api) {
        return Some(NotRunnable::NotApplicable(NotApplicable::Mode {
            why: format!(
                "not applicable: the scenario speaks {}, this run's target {api} (--api)",
                sc.api
            ),
        }));
    }
    let unmet = all_steps(sc)
        .filter_map(|s| s.op.api_op()?.needs())
        .find(|n| match n {
            crate::api::Needs::PublishableKey => ctx.publishable_key.is_none(),
            crate::api::Needs::Events => ctx.events.is_none(),
        });
    if let Some(n) = unmet {
        return Some(NotRunnable::Skipped(n.reason().to_string()));
    }
    if let Some(scheme) = sc
        .requires_scheme
        .as_ref()
        .filter(|s| ctx.target.scheme() != s.as_str())
    {
        return Some(NotRunnable::NotApplicable(NotApplicable::Scheme {
            required: scheme.clone(),
            target: ctx.target.scheme().to_string(),
        }));
    }
    crate::driver::applicable::verdict(sc, ctx.driver.is_some())
        .or_else(|| unsupported_op(sc, ctx))
        .map(|why| NotRunnable::NotApplicable(NotApplicable::Mode { why }))
}

fn all_steps(sc: &Scenario) -> impl Iterator<Item = &Step> {
    sc.setup.iter().chain(&sc.steps).chain(&sc.teardown)
}

impl<'a> RunState<'a> {
    /// A scenario's fresh state: its own seeded randomness, no actors, nothing secret yet.
    fn new(sc: &Scenario, ctx: &'a Context, iteration: u32) -> Self {
        RunState {
            scope: Scope {
                vars: HashMap::new(),
                env: &ctx.env,
                rng: rand::rngs::StdRng::seed_from_u64(scenario_seed(
                    ctx.seed, &sc.name, iteration,
                )),
            },
            actors: HashMap::new(),
            redactor: Redactor::default(),
            run_id: (sc.name.clone(), iteration),
            reset_tokens: Vec::new(),
            client_actors: sc.steps.iter().map(|s| s.actor.clone()).collect(),
        }
    }
}

/// Binds the built-in variables, the `--var`s and the scenario's `vars:` in order; a
/// variable that cannot be evaluated is reported as a failed setup step.
fn bind_vars(sc: &Scenario, ctx: &Context, st: &mut RunState<'_>) -> Result<(), Box<StepReport>> {
    let builtin = [
        (
            "publishable_key",
            Value::from(ctx.publishable_key.clone().unwrap_or_default()),
        ),
        ("target_url", Value::from(ctx.target.as_str())),
        ("target_https", Value::from(ctx.target.scheme() == "https")),
    ];
    for (k, v) in builtin {
        st.scope.vars.insert(k.into(), RuntimeValue::plain(v));
    }
    for (k, v) in &ctx.cli_vars {
        let val = RuntimeValue {
            value: Value::String(v.clone()),
            secret: is_secret_name(k),
        };
        st.secret(&val);
        st.scope.vars.insert(k.clone(), val);
    }
    for (name, t, secret) in &sc.vars {
        match t.eval(&mut st.scope) {
            Ok(mut v) => {
                v.secret |= *secret;
                st.secret(&v);
                st.scope.vars.insert(name.clone(), v);
            }
            Err(e) => {
                let mut s = StepReport::new(
                    Phase::Setup,
                    format!("vars.{name}"),
                    String::new(),
                    sc.file.path.clone(),
                );
                s.status = StepStatus::Error;
                s.error = Some(format!("variable `{name}`: {}", st.redactor.text(&e)));
                return Err(Box::new(s));
            }
        }
    }
    Ok(())
}

/// Setup and steps (stopping at the first failure; the rest are recorded as not run), then
/// teardown (always). Returns whether any step failed.
async fn run_phases(
    sc: &Scenario,
    ctx: &Context,
    st: &mut RunState<'_>,
    started: Instant,
    report: &mut ScenarioReport,
    known_at: &mut Vec<usize>,
) -> bool {
    let deadline = started + sc.timeout;
    let mut failed = false;
    for (phase, steps) in [(Phase::Setup, &sc.setup), (Phase::Steps, &sc.steps)] {
        for step in steps.iter() {
            let known_before = st.redactor.len();
            let r = if failed {
                step_report(step, phase, StepStatus::NotRun)
            } else if Instant::now() >= deadline {
                let mut r = step_report(step, phase, StepStatus::Error);
                r.error = Some(format!(
                    "scenario timeout ({:?}) reached before this step",
                    sc.timeout
                ));
                r
            } else {
                exec(step, phase, ctx, st, sc.strict).await
            };
            failed |= r.status != StepStatus::Passed;
            known_at.push(known_before);
            report.steps.push(r);
        }
    }
    for step in &sc.teardown {
        let known_before = st.redactor.len();
        let r = exec(step, Phase::Teardown, ctx, st, sc.strict).await;
        failed |= r.status != StepStatus::Passed;
        known_at.push(known_before);
        report.steps.push(r);
    }
    failed
}

/// The scenario's known bug, if it applies to this run: a client library's bug only through a
/// driver for that client.
fn known_bug<'a>(sc: &'a Scenario, ctx: &Context) -> Option<&'a crate::plan::KnownBug> {
    sc.known_bug.as_ref().filter(|k| match &k.client {
        None => true,
        Some(c) => ctx
            .driver
            .as_ref()
            .is_some_and(|d| d.hello.client.name == *c),
    })
}

/// Driver mode: a driver that does not offer an operation the scenario uses cannot run it.
fn unsupported_op(sc: &Scenario, ctx: &Context) -> Option<String> {
    let d = ctx.driver.as_ref()?;
    let op = all_steps(sc)
        .filter_map(|s| s.op.client_op())
        .find(|op| !d.supports(op))?;
    Some(format!(
        "not applicable through this client: driver {} does not offer `{op}`",
        d.hello.driver.name
    ))
}

/// A known bug "reproduces" when an expectation in `steps` (or in its named step) fails while
/// setup passed. When everything passes the server now does what the scenario states as
/// correct: under `--strict` (fidelity to 1.20.11, where the bug is) that fails loudly; the
/// default, contract-level run passes it with the same note, since a server that behaves
/// correctly is conformant (docs/levels.md).
fn judge_known_bug(report: &mut ScenarioReport, k: &crate::plan::KnownBug, strict: bool) {
    let first_bad = report.failed_steps().next().cloned();
    match first_bad {
        None => {
            report.status = if strict {
                Status::Failed
            } else {
                Status::Passed
            };
            report.note = Some(format!(
                "known bug {} no longer reproduces: the scenario now passes; remove known_bug or update it ({}){}",
                k.issue,
                k.url,
                if strict {
                    ""
                } else {
                    " [passed: the server behaves correctly here; --strict fails on this]"
                }
            ));
        }
        Some(s)
            if s.phase == Phase::Steps
                && s.status == StepStatus::Failed
                && k.step.as_ref().is_none_or(|n| *n == s.name)
                && !report
                    .steps
                    .iter()
                    .any(|t| t.phase == Phase::Teardown && t.status != StepStatus::Passed) =>
        {
            report.status = Status::KnownBug;
            report.note = Some(format!(
                "known bug {} reproduces at step `{}`: {} ({})",
                k.issue, s.name, k.reason, k.url
            ));
        }
        Some(s) => {
            report.note = Some(format!(
                "known bug {}: the scenario failed at step `{}` ({:?} phase), not where the bug shows; this is a real failure",
                k.issue, s.name, s.phase
            ));
        }
    }
}

type StepFailures = Vec<(crate::scenario::source::Span, crate::engine::check::Failure)>;

/// The step's expectations that apply at this level (`exact:` ones only under `--strict`).
fn check_expectations(
    step: &Step,
    resp: &crate::engine::http::Response,
    json: Option<&Value>,
    st: &mut RunState<'_>,
    strict: bool,
) -> StepFailures {
    let mut failures = Vec::new();
    for e in step.expects.iter().filter(|e| strict || !e.exact) {
        if let Err(f) = crate::engine::check::check(e, resp, json, &mut st.scope, strict) {
            failures.push((e.span.clone(), f));
        }
    }
    failures
}

/// Captures run only when every expectation held; a capture that finds nothing is a failure.
fn take_captures(
    step: &Step,
    resp: &crate::engine::http::Response,
    json: Option<&Value>,
    st: &mut RunState<'_>,
    failures: &mut StepFailures,
) {
    if !failures.is_empty() {
        return;
    }
    for c in &step.captures {
        let actor = st.actors.entry(step.actor.clone()).or_default();
        match crate::engine::capture::take(c, resp, json, actor) {
            Ok(v) => {
                st.secret(&v);
                st.scope.vars.insert(c.name.clone(), v);
            }
            Err(m) => failures.push((
                c.span.clone(),
                crate::engine::check::Failure {
                    check: format!("capture {}", c.name),
                    message: m,
                    diff: vec![],
                    violations: vec![],
                },
            )),
        }
    }
}
