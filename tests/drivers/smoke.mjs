#!/usr/bin/env node
// Smoke test of driver protocol v1 drivers against a real Medusa v1 (no Rust needed).
// Starts each driver, does the handshake and runs the store-auth flow through it:
//   register -> authenticate -> get_session (cookie) -> exists -> get_token (new actor, in parallel
//   with another actor's call) -> get_session (bearer) -> delete_session -> get_session (401)
//   -> jar (names only) -> reset -> get_session (401)
// and checks every answer, the wire records and that no password/token/cookie leaks.
//
//   node tests/drivers/smoke.mjs [--driver NAME=CMD]... [--target URL] [--client-package P] [--json]
// Defaults: both shipped drivers (medusa-js, python), target $MEDUSA_URL or http://127.0.0.1:9000.
// Exit 0 when every check of every driver passed, 1 otherwise, 2 on bad usage.
// --json prints one JSON object per driver on stdout ({driver, ok, failures, timings}).

import { spawn } from "node:child_process";
import { appendFileSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const argv = process.argv.slice(2);
let target = process.env.MEDUSA_URL || "http://127.0.0.1:9000";
let clientPackage = null;
let asJson = false;
let pageOrigin = null;
let expectCorsFailure = false; // the page origin is NOT allowed by the server's CORS: every call must fail in the browser
let transcript = null; // --transcript FILE: every line both ways as JSONL {driver, dir, line}
const drivers = [];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--driver") {
    const v = argv[++i] || "";
    const eq = v.indexOf("=");
    drivers.push(eq > 0 ? { name: v.slice(0, eq), cmd: v.slice(eq + 1) } : { name: v, cmd: v });
  } else if (a === "--target") target = argv[++i];
  else if (a === "--client-package") clientPackage = argv[++i];
  else if (a === "--page-origin") pageOrigin = argv[++i];
  else if (a === "--expect-cors-failure") expectCorsFailure = true;
  else if (a === "--json") asJson = true;
  else if (a === "--transcript") transcript = argv[++i];
  else {
    process.stderr.write(`smoke: unknown argument ${a}\n`);
    process.exit(2);
  }
}
const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
if (!drivers.length) {
  drivers.push({
    name: "medusa-js",
    cmd: `node ${q(join(ROOT, "drivers/medusa-js/driver.mjs"))}${clientPackage ? ` --client-package ${q(clientPackage)}` : ""}`,
  });
  if (!clientPackage) drivers.push({ name: "python", cmd: `python3 ${q(join(ROOT, "drivers/python/driver.py"))}` });
}

class Driver {
  constructor(cmd) {
    this.started = performance.now();
    this.proc = spawn("sh", ["-c", `exec ${cmd}`], { stdio: ["pipe", "pipe", "pipe"], detached: true });
    this.lines = [];
    this.sent = [];
    this.stderr = "";
    this.waiters = new Map();
    this.helloWaiter = null;
    this.exited = new Promise((res) => this.proc.on("close", (code, sig) => res({ code, sig }))); // close: after stderr is read
    this.proc.stderr.on("data", (d) => (this.stderr += d));
    this.proc.stdin.on("error", () => {});
    createInterface({ input: this.proc.stdout }).on("line", (line) => {
      this.lines.push(line);
      let m;
      try {
        m = JSON.parse(line);
      } catch {
        m = { type: "garbage", line };
      }
      if (m.type === "hello" && this.helloWaiter) this.helloWaiter(m);
      else if (this.waiters.has(m.id)) {
        this.waiters.get(m.id)(m);
        this.waiters.delete(m.id);
      } else this.stray = m;
    });
    this.nextId = 1;
  }
  send(m) {
    this.sent.push(JSON.stringify(m));
    this.proc.stdin.write(JSON.stringify(m) + "\n");
  }
  answer(id, ms = 30000) {
    return new Promise((res, rej) => {
      const t = setTimeout(() => rej(new Error(`no answer to request ${id} within ${ms} ms`)), ms);
      this.waiters.set(id, (m) => {
        clearTimeout(t);
        res(m);
      });
      this.exited.then(({ code, sig }) => rej(new Error(`driver exited (${code ?? sig}) before answering ${id}`)));
    });
  }
  hello(msg) {
    return new Promise((res, rej) => {
      const t = setTimeout(() => rej(new Error("no hello within 30 s")), 30000);
      this.helloWaiter = (m) => {
        clearTimeout(t);
        res(m);
      };
      this.exited.then(({ code, sig }) => rej(new Error(`driver exited (${code ?? sig}) before its hello`)));
      this.send(msg);
    });
  }
  async req(type, actor, op, args) {
    const id = this.nextId++;
    const m = { type, id, actor };
    if (op) Object.assign(m, { op, args });
    const t = performance.now();
    this.send(m);
    const r = await this.answer(id);
    r._rtt = performance.now() - t;
    return r;
  }
  kill() {
    try {
      process.kill(-this.proc.pid, "SIGKILL");
    } catch {}
  }
}

const path = (u) => {
  try {
    return decodeURIComponent(new URL(u).pathname);
  } catch {
    return null;
  }
};

async function smoke(d) {
  const failures = [];
  const timings = { calls: {} };
  const check = (cond, what) => {
    if (!cond) failures.push(what);
    return cond;
  };
  const tag = Date.now().toString(36) + Math.random().toString(36).slice(2, 6);
  const email = `smoke+${tag}@conform.test`; // a "+" that exists must keep (not a space)
  const password = `pw-${tag}-Secret!`;
  const drv = new Driver(d.cmd);
  const answers = [];
  const step = async (label, type, actor, op, args, expectError = false) => {
    const r = await drv.req(type, actor, op, args);
    answers.push([label, r]);
    // Round trips of calls that did not create their actor (those include the actor start-up).
    if (r.actor_start_ms !== undefined) (timings.actor_start_ms ||= []).push(r.actor_start_ms);
    else (timings.calls[op || type] ||= []).push(Math.round(r._rtt * 10) / 10);
    if (typeof r.ms === "number") (timings.client_ms ||= []).push(r.ms);
    if (r.type === "error" && !expectError) failures.push(`${label}: driver error: ${r.message}`);
    return r;
  };
  const wire1 = (label, r, method, p, more = () => true) => {
    const w = (r.wire || []).find((x) => x.method === method && path(x.url) === p);
    check(w, `${label}: the wire shows no ${method} ${p} (got ${JSON.stringify((r.wire || []).map((x) => `${x.method} ${path(x.url)}`))})`);
    if (w) more(w);
    return w;
  };
  try {
    const hello = await drv.hello({ type: "hello", protocol: 1, target, options: { page_origin: pageOrigin } });
    timings.hello_ms = Math.round(performance.now() - drv.started);
    check(hello.protocol === 1, `hello: protocol ${hello.protocol}, expected 1`);
    check(hello.driver && typeof hello.driver.name === "string" && typeof hello.driver.version === "string", "hello: driver {name, version}");
    check(hello.client && typeof hello.client.name === "string", "hello: client {name, version}");
    for (const op of ["register", "authenticate", "get_session", "exists", "get_token", "delete_session"])
      check((hello.operations || []).includes(op), `hello: operation ${op} missing`);

    if (expectCorsFailure) {
      // A browser client on an origin the server's CORS does not allow must not get through.
      const r = await step("exists (CORS)", "call", "alice", "exists", { email });
      check(r.outcome === "rejected" && r.status === null && typeof r.error === "string", `CORS: a rejected call with no status expected (blocked by CORS), got ${r.outcome} ${r.status}`);
      drv.send({ type: "shutdown" });
      await Promise.race([drv.exited, new Promise((res) => setTimeout(res, 6000))]);
      return { driver: d.name, ok: failures.length === 0, failures, timings };
    }
    let r = await step("register", "call", "reg", "register", { email, password, first_name: "Smoke", last_name: "Test" });
    check(r.outcome === "resolved" && r.status === 200, `register: resolved 200 expected, got ${r.outcome} ${r.status}`);
    check(r.body?.customer?.email === email, "register: body.customer.email is the registered e-mail");
    wire1("register", r, "POST", "/store/customers", (w) =>
      check(["email", "password"].every((k) => (w.body_keys || []).includes(k)), `register: body keys ${JSON.stringify(w.body_keys)}`),
    );

    r = await step("authenticate", "call", "alice", "authenticate", { email, password });
    check(r.outcome === "resolved" && r.status === 200, `authenticate: resolved 200 expected, got ${r.outcome} ${r.status}`);
    check(r.body?.customer?.email === email, "authenticate: body.customer.email (the client must surface `customer`)");
    wire1("authenticate", r, "POST", "/store/auth", (w) => {
      check(JSON.stringify(w.body_keys?.slice().sort()) === '["email","password"]', `authenticate: body keys ${JSON.stringify(w.body_keys)}`);
      check((w.set_cookie || []).some((c) => c.name === "connect.sid"), "authenticate: Set-Cookie connect.sid recorded");
    });

    r = await step("get_session (cookie)", "call", "alice", "get_session", {});
    check(r.outcome === "resolved" && r.status === 200, `get_session after authenticate: resolved 200 expected, got ${r.outcome} ${r.status}`);
    check(r.body?.customer?.email === email, "get_session: body.customer.email");
    wire1("get_session (cookie)", r, "GET", "/store/auth", (w) => check(w.cookie_sent === true, "get_session: the session cookie was not sent"));

    // Two actors at once: bob's get_token while alice asks exists.
    const [ex, tok] = await Promise.all([
      step("exists", "call", "alice", "exists", { email }),
      step("get_token", "call", "bob", "get_token", { email, password }),
    ]);
    check(ex.outcome === "resolved" && ex.status === 200 && ex.body?.exists === true, `exists: resolved 200 {exists:true} expected, got ${ex.outcome} ${ex.status} ${JSON.stringify(ex.body)}`);
    wire1("exists", ex, "GET", `/store/auth/${email}`);
    check(tok.outcome === "resolved" && tok.status === 200 && typeof tok.body?.access_token === "string", `get_token: resolved 200 {access_token} expected, got ${tok.outcome} ${tok.status}`);
    wire1("get_token", tok, "POST", "/store/auth/token");
    const token = tok.body?.access_token;

    r = await step("exists (unknown)", "call", "alice", "exists", { email: `nobody-${tag}@conform.test` });
    check(r.outcome === "resolved" && r.status === 200 && r.body?.exists === false, `exists(unknown): {exists:false} expected, got ${r.status} ${JSON.stringify(r.body)}`);

    r = await step("get_session (bearer)", "call", "bob", "get_session", {});
    check(r.outcome === "resolved" && r.status === 200 && r.body?.customer?.email === email, `get_session by bearer: resolved 200 expected, got ${r.outcome} ${r.status}`);
    wire1("get_session (bearer)", r, "GET", "/store/auth", (w) => check(w.bearer_sent === true, "get_session (bearer): no Bearer sent after get_token"));

    r = await step("delete_session", "call", "alice", "delete_session", {});
    check(r.outcome === "resolved" && r.status === 200, `delete_session: resolved 200 expected, got ${r.outcome} ${r.status}`);
    wire1("delete_session", r, "DELETE", "/store/auth", (w) => check(w.cookie_sent === true, "delete_session: the session cookie was not sent"));

    r = await step("get_session after delete", "call", "alice", "get_session", {});
    check(r.outcome === "rejected" && r.status === 401, `get_session after delete_session: rejected 401 expected, got ${r.outcome} ${r.status}`);
    wire1("get_session after delete", r, "GET", "/store/auth");

    r = await step("jar", "jar", "alice");
    check(r.outcome === "resolved" && Array.isArray(r.cookies) && r.cookies.some((c) => c.name === "connect.sid"), "jar: connect.sid listed");
    check((r.cookies || []).every((c) => !("value" in c)), "jar: a cookie value was reported");

    r = await step("reset", "reset", "bob");
    check(r.type === "result" && r.outcome === "resolved", "reset: resolved");
    r = await step("get_session after reset", "call", "bob", "get_session", {});
    check(r.outcome === "rejected" && r.status === 401, `get_session after reset: rejected 401 expected, got ${r.outcome} ${r.status}`);
    wire1("get_session after reset", r, "GET", "/store/auth", (w) => check(!w.bearer_sent && !w.cookie_sent, "after reset: a bearer or cookie was still sent"));

    r = await step("unknown op", "call", "alice", "no_such_op", {}, true);
    check(r.type === "error" && Number.isInteger(r.id), "unknown op: a protocol error with the request's id expected");

    // Secrets: the password never comes back; the token only in get_token's body; no cookie value.
    drv.send({ type: "shutdown" });
    const ex2 = await Promise.race([drv.exited, new Promise((res) => setTimeout(() => res(null), 6000))]);
    check(ex2 && ex2.code === 0, `shutdown: exit 0 within 5 s expected, got ${JSON.stringify(ex2)}`);
    const out = drv.lines.join("\n");
    check(!out.includes(password) && !drv.stderr.includes(password), "secrets: the password appears in the driver's output");
    if (token) {
      const leaks = drv.lines.filter((l) => l.includes(token)).length;
      check(leaks <= 1 && !drv.stderr.includes(token), `secrets: the token appears ${leaks}x on stdout (only get_token's body may hold it) or on stderr`);
    }
    check(!/connect\.sid=s%3A/.test(out + drv.stderr), "secrets: a cookie value appears in the driver's output");
  } catch (e) {
    failures.push(`aborted: ${e.message}`);
  } finally {
    drv.kill();
    if (transcript) {
      for (const l of drv.sent) appendFileSync(transcript, JSON.stringify({ driver: d.name, dir: "in", line: l }) + "\n");
      for (const l of drv.lines) appendFileSync(transcript, JSON.stringify({ driver: d.name, dir: "out", line: l }) + "\n");
    }
  }
  return { driver: d.name, ok: failures.length === 0, failures, timings, stderr_tail: failures.length ? drv.stderr.split("\n").slice(-8).join("\n") : undefined };
}

if (transcript) writeFileSync(transcript, "");
let allOk = true;
for (const d of drivers) {
  const r = await smoke(d);
  allOk &&= r.ok;
  if (asJson) process.stdout.write(JSON.stringify(r) + "\n");
  else {
    const med = (xs) => (xs.length ? xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)] : null);
    const calls = Object.entries(r.timings.calls)
      .map(([k, xs]) => `${k} ${med(xs)}`)
      .join(", ");
    process.stdout.write(
      `${r.ok ? "ok  " : "FAIL"} ${d.name}: hello ${r.timings.hello_ms} ms, actor start ${JSON.stringify(r.timings.actor_start_ms || [])} ms, ` +
        `client time per call median ${med(r.timings.client_ms || [])} ms; median round trip ms (actor already up): ${calls}\n`,
    );
    for (const f of r.failures) process.stdout.write(`     - ${f}\n`);
    if (r.stderr_tail) process.stdout.write(`     driver stderr tail:\n${r.stderr_tail.replace(/^/gm, "       ")}\n`);
  }
}
process.exit(allOk ? 0 : 1);
