#!/usr/bin/env node
// Driver-mode benchmark: prints figures, asserts nothing (speed lives in benchmarks, not tests).
//
//   node tests/drivers/bench.mjs [--bin target/release/medusa-conform] [--json] [--skip-suite]
//
// Starts the embedded reference server (`medusa-conform serve` on a free loopback port) and
// measures, through the medusa-js driver (drivers/medusa-js, installed by its `install`):
//   - actor start-up: a new browser context + page + client load (warm pool off), and a recycled
//     one (a reset actor wiped and reloaded, what the pool hands out during a run);
//   - per-call overhead: the same GET /store/auth (logged in) and GET /store/auth/{email} through
//     the driver (round trip on its stdin/stdout) against direct HTTP from Node (fetch);
//   - the store-auth suite: `medusa-conform run --client medusa-js scenarios/store-auth`, its wall
//     time and the peak memory of the browser (sum of PSS of every chromium process the run
//     started, sampled every 100 ms).
// --json prints one JSON object on stdout (benches/engine.rs reads it); otherwise a table.

import { spawn } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const BIN = opt("--bin", join(ROOT, "target/release/medusa-conform"));
const JSON_OUT = args.includes("--json");
const log = (m) => process.stderr.write(`bench: ${m}\n`);

const freePort = () =>
  new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });

async function startServer() {
  const port = await freePort();
  const proc = spawn(BIN, ["serve", "--port", String(port)], { stdio: ["ignore", "ignore", "pipe"] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`${url}/store/auth`);
      return { url, proc };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  proc.kill();
  throw new Error(`${BIN} serve did not answer on ${url}`);
}

class Driver {
  constructor(env) {
    this.proc = spawn("node", [join(ROOT, "drivers/medusa-js/driver.mjs")], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, ...env },
      detached: true,
    });
    this.waiters = new Map();
    this.id = 1;
    this.proc.stderr.on("data", () => {});
    createInterface({ input: this.proc.stdout }).on("line", (l) => {
      const m = JSON.parse(l);
      const k = m.type === "hello" ? "hello" : m.id;
      this.waiters.get(k)?.(m);
      this.waiters.delete(k);
    });
  }
  send(m, key) {
    return new Promise((res) => {
      this.waiters.set(key, res);
      this.proc.stdin.write(JSON.stringify(m) + "\n");
    });
  }
  hello(target, options = {}) {
    return this.send({ type: "hello", protocol: 1, target, options }, "hello");
  }
  async req(type, actor, op, a) {
    const id = this.id++;
    const t = performance.now();
    const r = await this.send({ type, id, actor, op, args: a }, id);
    r.rtt = performance.now() - t;
    if (r.type !== "result") throw new Error(`${type} ${op || ""}: ${JSON.stringify(r)}`);
    return r;
  }
  async close() {
    this.proc.stdin.end();
    await new Promise((r) => this.proc.on("close", r));
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};
const ms = (x) => Math.round(x * 10) / 10;

/** PSS (kB) of every chromium process in the process tree under `pid`. */
function browserPssKb(pid) {
  const kids = new Map();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (!kids.has(ppid)) kids.set(ppid, []);
      kids.get(ppid).push(Number(d));
    } catch {}
  }
  let total = 0;
  const walk = (p) => {
    for (const c of kids.get(p) || []) {
      try {
        if (readFileSync(`/proc/${c}/comm`, "utf8").trim().startsWith("chrom")) {
          const m = /^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${c}/smaps_rollup`, "utf8"));
          if (m) total += Number(m[1]);
        }
      } catch {}
      walk(c);
    }
  };
  walk(pid);
  return total;
}

async function actorsAndCalls(target) {
  const out = {};
  // Cold start: no warm pool, every new actor is a new context + page + client load.
  const d = new Driver({ MEDUSA_CONFORM_WARM_ACTORS: "0" });
  await d.hello(target);
  const cold = [];
  const recycled = [];
  for (let i = 0; i < 6; i++) {
    const r = await d.req("call", `cold${i}`, "exists", { email: "nobody@bench.local" });
    cold.push(r.actor_start_ms);
  }
  // Recycled: a reset actor goes back to the pool wiped and reloaded; the next new actor takes it
  // at once and waits for that wipe + reload, so its wait is the recycling cost.
  for (let i = 0; i < 6; i++) {
    await d.req("reset", `cold${i}`);
    const r = await d.req("call", `rec${i}`, "exists", { email: "nobody@bench.local" });
    recycled.push(r.actor_start_ms);
  }
  out.actor_start_cold_ms = ms(median(cold));
  out.actor_start_recycled_ms = ms(median(recycled));

  // Per call: a logged-in session read and an exists, 30 each, driver vs direct HTTP.
  const email = `bench-${Date.now().toString(36)}@bench.local`;
  const password = "bench-password-1";
  await d.req("call", "u", "register", { email, password, first_name: "B", last_name: "B" });
  await d.req("call", "u", "authenticate", { email, password });
  const driverMs = { get_session: [], exists: [] };
  for (let i = 0; i < 30; i++) {
    driverMs.get_session.push((await d.req("call", "u", "get_session", {})).rtt);
    driverMs.exists.push((await d.req("call", "u", "exists", { email })).rtt);
  }
  await d.close();
  const login = await fetch(`${target}/store/auth`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  const cookie = (login.headers.get("set-cookie") || "").split(";")[0];
  const httpMs = { get_session: [], exists: [] };
  for (let i = 0; i < 30; i++) {
    let t = performance.now();
    await (await fetch(`${target}/store/auth`, { headers: { cookie } })).text();
    httpMs.get_session.push(performance.now() - t);
    t = performance.now();
    await (await fetch(`${target}/store/auth/${encodeURIComponent(email)}`)).text();
    httpMs.exists.push(performance.now() - t);
  }
  for (const op of ["get_session", "exists"]) {
    out[`call_${op}_driver_ms`] = ms(median(driverMs[op]));
    out[`call_${op}_http_ms`] = ms(median(httpMs[op]));
  }
  out.call_overhead_ms = ms(
    (median(driverMs.get_session) - median(httpMs.get_session) + median(driverMs.exists) - median(httpMs.exists)) / 2,
  );
  return out;
}

async function suite(extraEnv = {}) {
  const env = { ...process.env, ...extraEnv };
  delete env.MEDUSA_URL;
  delete env.CI;
  const t = performance.now();
  const proc = spawn(BIN, ["run", "--client", "medusa-js", "--no-fail-on-skip", "scenarios/store-auth"], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  proc.stdout.on("data", (c) => (stdout += c));
  proc.stderr.on("data", () => {});
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, browserPssKb(proc.pid))), 100);
  const code = await new Promise((r) => proc.on("close", r));
  clearInterval(sampler);
  const wall = (performance.now() - t) / 1000;
  const closing = stdout.trim().split("\n").pop();
  return { suite_wall_s: Math.round(wall * 10) / 10, suite_exit: code, suite_summary: closing, browser_peak_pss_mb: Math.round(peak / 1024) };
}

const server = await startServer();
let results = {};
try {
  log(`reference server at ${server.url}`);
  Object.assign(results, await actorsAndCalls(server.url));
  if (!args.includes("--skip-suite")) Object.assign(results, await suite());
} finally {
  server.proc.kill();
}
if (JSON_OUT) console.log(JSON.stringify(results));
else {
  const rows = [
    ["actor start-up, new context + page + client", `${results.actor_start_cold_ms} ms`],
    ["actor start-up, recycled (cookies + storage wiped, reload)", `${results.actor_start_recycled_ms} ms`],
    ["GET /store/auth via driver / direct HTTP", `${results.call_get_session_driver_ms} / ${results.call_get_session_http_ms} ms`],
    ["GET /store/auth/{email} via driver / direct HTTP", `${results.call_exists_driver_ms} / ${results.call_exists_http_ms} ms`],
    ["per-call overhead of the driver", `${results.call_overhead_ms} ms`],
  ];
  if (results.suite_wall_s !== undefined) {
    rows.push(["store-auth suite through medusa-js, wall", `${results.suite_wall_s} s (exit ${results.suite_exit})`]);
    rows.push(["  its closing line", results.suite_summary]);
    rows.push(["browser memory, peak PSS (all chromium processes)", `${results.browser_peak_pss_mb} MB`]);
  }
  for (const [a, b] of rows) console.log(`${a.padEnd(52)} ${b}`);
}
