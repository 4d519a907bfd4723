//! Runs one planned scenario against a target: vars, then setup, steps (stopping at the first
//! failure) and teardown (always), each step sent exactly once unless it asks to `retry`.
//! Produces a `ScenarioReport` whose every string has passed through the scenario's redactor.

use crate::engine::actor::{Actor, SetCookie};
use crate::report::event::*;
use crate::plan::{Bearer, Scenario, Step};
use crate::report::redact::Redactor;
use crate::lang::template::{Scope, Val, is_secret_name};
use rand::SeedableRng;
use serde_json::Value;
use std::collections::HashMap;
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
}

impl RunState<'_> {
    fn secret(&self, v: &Val) {
        if v.secret {
            match &v.value {
                Value::String(s) => self.redactor.add(s),
                other => self.redactor.add(&other.to_string()),
            }
        }
    }
}

fn step_report(step: &Step, phase: Phase, status: StepStatus) -> StepReport {
    StepReport {
        phase,
        name: step.name.clone(),
        actor: step.actor.clone(),
        position: step.span.position(),
        status,
        duration_ms: 0,
        attempts: 0,
        error: None,
        failures: vec![],
        request: None,
        response: None,
        curl: None,
        span: Some(step.span.clone()),
    }
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
    let error = |mut rep: StepReport, msg: String, st: &RunState| {
        rep.status = StepStatus::Error;
        rep.error = Some(st.redactor.text(&msg));
        rep.duration_ms = started.elapsed().as_millis() as u64;
        rep
    };
    let prepared = match step.op.prepare(&mut st.scope) {
        Ok(p) => p,
        Err(e) => return error(rep, format!("cannot build the request: {e}"), st),
    };
    prepared.secrets.iter().for_each(|s| st.redactor.add(s));
    if let Some(t) = &prepared.bearer {
        st.redactor.add(t);
    }
    let api_op = step.op.api_op();
    if api_op.is_some_and(|o| o.local == Some(crate::api::Local::ResetToken)) {
        return reset_token_step(step, rep, &prepared, ctx, st, started, strict).await;
    }
    let url = match url_for(&ctx.target, &prepared.path, &prepared.query) {
        Ok(u) => u,
        Err(e) => return error(rep, e, st),
    };
    let mut headers = prepared.headers.clone();
    if api_op.is_some_and(|o| o.publishable_key)
        && let Some(pk) = &ctx.publishable_key
    {
        headers.push(("x-publishable-api-key".into(), pk.clone()));
    }
    for (k, t) in &step.headers {
        match t.eval(&mut st.scope) {
            Ok(v) => {
                if is_secret_name(k) {
                    st.redactor.add(&v.as_text());
                }
                st.secret(&v);
                let k = k.to_ascii_lowercase();
                headers.retain(|(h, _)| *h != k);
                headers.push((k, v.as_text()));
            }
            Err(e) => return error(rep, format!("header `{k}`: {e}"), st),
        }
    }
    let actor = st.actors.entry(step.actor.clone()).or_default();
    if step.send_cookies
        && !headers.iter().any(|(k, _)| k == "cookie")
        && let Some(c) = actor.cookie_header(&url)
    {
        headers.push(("cookie".into(), c));
    }
    let token = match &step.bearer {
        _ if prepared.bearer.is_some() => prepared.bearer.clone(),
        Bearer::ActorToken => actor.token.clone(),
        Bearer::None => None,
        Bearer::Given(t) => match t.eval(&mut st.scope) {
            Ok(v) => Some(v.as_text()),
            Err(e) => return error(rep, format!("bearer: {e}"), st),
        },
        Bearer::Jwt(spec) => match build_jwt(spec, &mut st.scope) {
            Ok(t) => Some(t),
            Err(e) => return error(rep, format!("bearer jwt: {e}"), st),
        },
    };
    if let Some(t) = &token {
        st.redactor.add(t);
        if !headers.iter().any(|(k, _)| k == "authorization") {
            headers.push(("authorization".into(), format!("Bearer {t}")));
        }
    }
    let body_text = prepared
        .body
        .as_ref()
        .map(|b| String::from_utf8_lossy(b).into_owned());
    let request = RequestRecord {
        method: prepared.method.clone(),
        url: st.redactor.text(url.as_str()),
        headers: headers
            .iter()
            .map(|(k, v)| (k.clone(), st.redactor.header(k, v)))
            .collect(),
        body: body_text
            .as_deref()
            .map(|b| cut(&st.redactor.text(b), REPORT_BODY).0),
    };
    // Through a driver the client builds the request: no curl replays it.
    if ctx.driver.is_none() || step.op.client_op().is_none() {
        rep.curl = Some(crate::report::replay::command(&request));
    }
    rep.request = Some(request);
    let method =
        reqwest::Method::from_bytes(prepared.method.as_bytes()).unwrap_or(reqwest::Method::GET);
    let (times, interval) = step.retry.unwrap_or((0, std::time::Duration::ZERO));
    let mut attempt = 0;
    loop {
        attempt += 1;
        rep.attempts = attempt;
        let mut rb = ctx.client.request(method.clone(), url.clone());
        for (k, v) in &headers {
            rb = rb.header(k.as_str(), v.as_str());
        }
        if let Some(b) = &prepared.body {
            rb = rb.body(b.clone());
        }
        let sent = match (&ctx.driver, step.op.client_op()) {
            (Some(d), Some(op)) => {
                let actor = crate::engine::seam::actor_id(&st.run_id.0, st.run_id.1, &step.actor);
                crate::engine::seam::send(d, &actor, op, &prepared).await
            }
            _ => crate::engine::http::send(rb, step.timeout).await.map(|mut r| {
                r.sent = Some(crate::engine::http::Sent::from_request(
                    &prepared.method,
                    &url,
                    &headers,
                    prepared.body.as_deref(),
                ));
                r
            }),
        };
        let resp = match sent {
            Ok(r) => r,
            Err(e) if attempt <= times => {
                let _ = e;
                tokio::time::sleep(interval).await;
                continue;
            }
            Err(e) => {
                return error(
                    rep,
                    format!(
                        "{} {}: {e}",
                        prepared.method,
                        st.redactor.text(url.as_str())
                    ),
                    st,
                );
            }
        };
        if ctx.driver.is_some()
            && let Some(s) = &resp.sent
        {
            // What the client sent, not what the harness would have sent.
            let mut r = crate::engine::seam::request_record(s);
            r.url = st.redactor.text(&r.url);
            rep.request = Some(r);
            rep.curl = None;
        }
        let actor = st.actors.entry(step.actor.clone()).or_default();
        let set_cookies = resp.set_cookies();
        for c in set_cookies.iter().filter_map(|l| SetCookie::parse(l)) {
            st.redactor.add(&c.value);
        }
        actor.store(&set_cookies, &url);
        let json = crate::engine::check::body_json(&resp);
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
            crate::lang::template::TValue::secret_strings(j, &mut found);
            found.iter().for_each(|s| st.redactor.add(s));
        }
        let mut failures = check_expectations(step, &resp, json.as_ref(), st, strict);
        if !failures.is_empty() && attempt <= times {
            tokio::time::sleep(interval).await;
            continue;
        }
        take_captures(step, &resp, json.as_ref(), st, &mut failures);
        let (body, truncated) = cut(&st.redactor.text(&resp.text()), REPORT_BODY);
        rep.response = Some(ResponseRecord {
            status: resp.status,
            reason: resp.reason.clone(),
            headers: resp
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), st.redactor.header(k, v)))
                .collect(),
            body,
            truncated: truncated || resp.truncated,
        });
        rep.failures = failures
            .into_iter()
            .map(|(span, f)| CheckFailure {
                check: f.check,
                position: span.position(),
                message: st.redactor.text(&f.message),
                diff: f.diff.iter().map(|d| st.redactor.text(d)).collect(),
                violations: f.violations,
                span: Some(span),
            })
            .collect();
        if !rep.failures.is_empty() {
            rep.status = StepStatus::Failed;
        }
        rep.duration_ms = started.elapsed().as_millis() as u64;
        return rep;
    }
}

/// `reset_token`: the newest token for the e-mail that this scenario has not been handed yet,
/// from the events file the deployment's notification subscriber writes (one JSON object a line,
/// `{"name":"auth.password_reset","data":{"entity_id","actor_type","token"}}`). The event is
/// emitted after the 201 is sent, so the file is polled for a few seconds. Answered as
/// `200 {"token": …}` (404 when none arrives) so expectations and captures work as for HTTP.
async fn reset_token_step(
    step: &Step,
    mut rep: StepReport,
    prepared: &crate::engine::operation::Prepared,
    ctx: &Context,
    st: &mut RunState<'_>,
    started: Instant,
    strict: bool,
) -> StepReport {
    let args = prepared.client_args.clone().unwrap_or(Value::Null);
    let email = args
        .get("email")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let actor_type = args
        .get("actor_type")
        .and_then(Value::as_str)
        .unwrap_or("customer")
        .to_string();
    let path = ctx.events.clone().unwrap_or_default();
    let deadline = Instant::now() + step.timeout.min(std::time::Duration::from_secs(5));
    let found = loop {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let newest = text
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|e| {
                e["data"]["entity_id"].as_str() == Some(email.as_str())
                    && e["data"]["actor_type"].as_str().unwrap_or("customer") == actor_type
            })
            .filter_map(|e| e["data"]["token"].as_str().map(str::to_string))
            .rfind(|t| !st.reset_tokens.contains(t));
        if newest.is_some() || Instant::now() >= deadline {
            break newest;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
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
            st.redactor.text(&email)
        ),
        headers: vec![],
        body: None,
    });
    let json = crate::engine::check::body_json(&resp);
    let mut failures = check_expectations(step, &resp, json.as_ref(), st, strict);
    take_captures(step, &resp, json.as_ref(), st, &mut failures);
    rep.response = Some(ResponseRecord {
        status: resp.status,
        reason: resp.reason.clone(),
        headers: resp.headers.clone(),
        body: st.redactor.text(&resp.text()),
        truncated: false,
    });
    rep.failures = failures
        .into_iter()
        .map(|(span, f)| CheckFailure {
            check: f.check,
            position: span.position(),
            message: st.redactor.text(&f.message),
            diff: f.diff.iter().map(|d| st.redactor.text(d)).collect(),
            violations: f.violations,
            span: Some(span),
        })
        .collect();
    if !rep.failures.is_empty() {
        rep.status = StepStatus::Failed;
    }
    rep.attempts = 1;
    rep.duration_ms = started.elapsed().as_millis() as u64;
    rep
}

fn build_jwt(spec: &crate::plan::JwtSpec, scope: &mut Scope) -> Result<String, String> {
    let obj = |v: Val| {
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
    let mut report = ScenarioReport {
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
    };
    if sc.level == crate::plan::Level::Exact && !sc.strict {
        let why = crate::report::event::NotApplicable::ExactLevel;
        report.status = Status::NotApplicable;
        report.note = Some(why.to_string());
        report.not_applicable = Some(why);
        return report;
    }
    let missing: Vec<&str> = sc
        .requires_env
        .iter()
        .filter(|e| !ctx.env.contains_key(*e))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        report.status = Status::Skipped;
        report.note = Some(format!(
            "requires environment variable{} {} (not set)",
            if missing.len() > 1 { "s" } else { "" },
            missing.join(", ")
        ));
        return report;
    }
    if let Some(api) = Some(ctx.api.unwrap_or(crate::api::DEFAULT_API)).filter(|a| *a != sc.api) {
        let why = crate::report::event::NotApplicable::Mode {
            why: format!(
                "not applicable: the scenario speaks {}, this run's target {api} (--api)",
                sc.api
            ),
        };
        report.status = Status::NotApplicable;
        report.note = Some(why.to_string());
        report.not_applicable = Some(why);
        return report;
    }
    let unmet = sc
        .setup
        .iter()
        .chain(&sc.steps)
        .chain(&sc.teardown)
        .filter_map(|s| s.op.api_op()?.needs())
        .find(|n| match n {
            crate::api::Needs::PublishableKey => ctx.publishable_key.is_none(),
            crate::api::Needs::Events => ctx.events.is_none(),
        });
    if let Some(n) = unmet {
        report.status = Status::Skipped;
        report.note = Some(n.reason().to_string());
        return report;
    }
    if let Some(scheme) = sc
        .requires_scheme
        .as_ref()
        .filter(|s| ctx.target.scheme() != s.as_str())
    {
        let why = crate::report::event::NotApplicable::Scheme {
            required: scheme.clone(),
            target: ctx.target.scheme().to_string(),
        };
        report.status = Status::NotApplicable;
        report.note = Some(why.to_string());
        report.not_applicable = Some(why);
        return report;
    }
    if let Some(why) = crate::driver::applicable::verdict(sc, ctx.driver.is_some())
        .or_else(|| unsupported_op(sc, ctx))
    {
        let why = crate::report::event::NotApplicable::Mode { why };
        report.status = Status::NotApplicable;
        report.note = Some(why.to_string());
        report.not_applicable = Some(why);
        return report;
    }
    let mut st = RunState {
        scope: Scope {
            vars: HashMap::new(),
            env: &ctx.env,
            rng: rand::rngs::StdRng::seed_from_u64(scenario_seed(ctx.seed, &sc.name, iteration)),
        },
        actors: HashMap::new(),
        redactor: Redactor::default(),
        run_id: (sc.name.clone(), iteration),
        reset_tokens: Vec::new(),
    };
    st.scope.vars.insert(
        "publishable_key".into(),
        Val::plain(Value::from(ctx.publishable_key.clone().unwrap_or_default())),
    );
    st.scope.vars.insert(
        "target_url".into(),
        Val::plain(Value::from(ctx.target.as_str())),
    );
    st.scope.vars.insert(
        "target_https".into(),
        Val::plain(Value::from(ctx.target.scheme() == "https")),
    );
    for (k, v) in &ctx.cli_vars {
        let val = Val {
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
                let mut s = StepReport {
                    phase: Phase::Setup,
                    name: format!("vars.{name}"),
                    actor: String::new(),
                    position: sc.file.path.clone(),
                    status: StepStatus::Error,
                    duration_ms: 0,
                    attempts: 0,
                    error: Some(st.redactor.text(&e)),
                    failures: vec![],
                    request: None,
                    response: None,
                    curl: None,
                    span: None,
                };
                s.error = Some(format!(
                    "variable `{name}`: {}",
                    s.error.take().unwrap_or_default()
                ));
                report.steps.push(s);
                report.status = Status::Failed;
                report.bound();
                return report;
            }
        }
    }
    let deadline = started + sc.timeout;
    // How many secrets were known when each step was recorded (see the final masking pass).
    let mut known_at: Vec<usize> = Vec::new();
    let mut failed = false;
    for (phase, steps) in [(Phase::Setup, &sc.setup), (Phase::Steps, &sc.steps)] {
        for step in steps.iter() {
            if failed {
                known_at.push(st.redactor.len());
                report
                    .steps
                    .push(step_report(step, phase, StepStatus::NotRun));
                continue;
            }
            let r = if Instant::now() >= deadline {
                let mut r = step_report(step, phase, StepStatus::Error);
                r.error = Some(format!(
                    "scenario timeout ({:?}) reached before this step",
                    sc.timeout
                ));
                r
            } else {
                exec(step, phase, ctx, &mut st, sc.strict).await
            };
            failed = r.status != StepStatus::Passed;
            known_at.push(st.redactor.len());
            report.steps.push(r);
        }
    }
    for step in &sc.teardown {
        let r = exec(step, Phase::Teardown, ctx, &mut st, sc.strict).await;
        failed |= r.status != StepStatus::Passed;
        known_at.push(st.redactor.len());
        report.steps.push(r);
    }
    if let Some(d) = &ctx.driver {
        // Frees the actors' client instances (a browser context each for medusa-js).
        for a in st.actors.keys() {
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
    // step recorded after the last new secret is already fully masked and is not redone.
    let known = st.redactor.len();
    for (s, _) in report
        .steps
        .iter_mut()
        .zip(&known_at)
        .filter(|(_, k)| **k < known)
    {
        s.curl = s.curl.as_deref().map(|c| st.redactor.text(c));
        if let Some(r) = &mut s.request {
            r.url = st.redactor.text(&r.url);
            r.body = r.body.as_deref().map(|b| st.redactor.text(b));
            r.headers
                .iter_mut()
                .for_each(|(k, v)| *v = st.redactor.header(k, v));
        }
        if let Some(r) = &mut s.response {
            r.body = st.redactor.text(&r.body);
            r.headers
                .iter_mut()
                .for_each(|(k, v)| *v = st.redactor.header(k, v));
        }
        s.failures
            .iter_mut()
            .for_each(|f| f.message = st.redactor.text(&f.message));
    }
    report.bound();
    report.duration_ms = started.elapsed().as_millis() as u64;
    report
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
    let op = sc
        .setup
        .iter()
        .chain(&sc.steps)
        .chain(&sc.teardown)
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
