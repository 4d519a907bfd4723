#!/usr/bin/env node
// medusa-conform driver for @medusajs/medusa-js in headless Chromium (driver protocol v1,
// docs/driver-protocol.md). The harness writes JSON lines on our stdin, we answer on stdout;
// stderr is a free-form log that never holds a secret.
//
// Why a browser: medusa-js keeps the session cookie (axios withCredentials) and the JWT
// (a page-global singleton) only in a browser; under Node it keeps neither. One Chromium per run,
// one browser context + page per actor (own cookie jar, own JWT), actors in parallel.
//
// Why the page is routed: the page must be same-site with the API or Chromium silently refuses
// the SameSite=Lax session cookie (shared/reference/medusa-js-in-browser.md). The page origin is
// chosen on the target's own site and fulfilled by context.route(), so it needs no server, no
// port and no DNS, and works for any target (loopback or https://api.shop.example). A routed page
// has no IP address space, so Chromium's Local Network Access checks would block its requests to a
// loopback target: we launch with --disable-features=LocalNetworkAccessChecks (always; it only
// lifts a restriction a storefront on a real site never meets for a public API).

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync, renameSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { execFileSync } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";

const PROTOCOL = 1;
const DRIVER = { name: "medusa-js-playwright", version: "0.1.0" };
const OPERATIONS = ["register", "authenticate", "get_session", "exists", "get_token", "delete_session"];
const HERE = dirname(fileURLToPath(import.meta.url));
const PAGE_PATH = "/__medusa-conform__/driver.html";
const BUNDLE_PATH = "/__medusa-conform__/client.js";
// The bundle format; bump to invalidate cached bundles when the entry below changes.
const ENTRY_VERSION = "1";
const WIRE_WAIT_MS = 1000;

const log = (msg) => process.stderr.write(`medusa-js driver: ${msg}\n`);
const t0 = performance.now();

// ---------- arguments ----------
function parseArgs(argv) {
  const o = {
    clientPackage: process.env.MEDUSA_CONFORM_CLIENT_PACKAGE || null,
    pageOrigin: process.env.MEDUSA_CONFORM_PAGE_ORIGIN || null,
    chromium: process.env.CHROMIUM || "/usr/bin/chromium",
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) fail(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--client-package") o.clientPackage = val();
    else if (a.startsWith("--client-package=")) o.clientPackage = a.slice(17);
    else if (a === "--page-origin") o.pageOrigin = val();
    else if (a.startsWith("--page-origin=")) o.pageOrigin = a.slice(14);
    else if (a === "--chromium") o.chromium = val();
    else if (a === "--help" || a === "-h") {
      process.stderr.write(
        "usage: node drivers/medusa-js/driver.mjs [--client-package DIR|TGZ] [--page-origin URL] [--chromium PATH]\n" +
          "Speaks medusa-conform driver protocol v1 on stdin/stdout (docs/driver-protocol.md).\n",
      );
      process.exit(0);
    } else fail(`unknown argument ${a} (see --help)`);
  }
  return o;
}

function fail(msg, help) {
  log(msg);
  if (help) log(help);
  process.exit(2);
}

const opts = parseArgs(process.argv.slice(2));

// ---------- prerequisites (before the hello: a missing piece names its install command) ----------
const require = createRequire(import.meta.url);
let chromium, esbuild;
try {
  ({ chromium } = require("playwright-core"));
  esbuild = require("esbuild");
} catch (e) {
  fail(
    `the driver's npm dependencies are missing (${e.code || e.message})`,
    "install them with: npm ci --prefix drivers/medusa-js   (or run drivers/medusa-js/install)",
  );
}
if (!existsSync(opts.chromium)) {
  fail(
    `Chromium not found at ${opts.chromium}`,
    "install Debian's chromium with: apt-get install -y chromium   (or run drivers/medusa-js/install; or set CHROMIUM=/path/to/chromium)",
  );
}

// ---------- the client build under test ----------
function cacheRoot() {
  for (const d of [join(HERE, ".bundle-cache"), join(tmpdir(), "medusa-conform-bundle-cache")]) {
    try {
      mkdirSync(d, { recursive: true });
      const probe = join(d, `.w${process.pid}`);
      writeFileSync(probe, "");
      execFileSync("rm", ["-f", probe]);
      return d;
    } catch {}
  }
  fail("no writable cache directory for the client bundle");
}

function hashTree(dir) {
  const h = createHash("sha256");
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      if (name === "node_modules" || name === ".git") continue;
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) {
        h.update(relative(dir, p) + "\0");
        h.update(readFileSync(p));
        h.update("\0");
      }
    }
  };
  walk(dir);
  return h.digest("hex");
}

/** Resolves --client-package (directory or npm-pack tarball) to {dir, hash}. */
function resolvePackage(cache) {
  const spec = opts.clientPackage;
  if (!spec) {
    const dir = join(HERE, "node_modules", "@medusajs", "medusa-js");
    if (!existsSync(join(dir, "package.json")))
      fail("the pinned @medusajs/medusa-js is missing", "install it with: npm ci --prefix drivers/medusa-js");
    return { dir, hash: hashTree(dir) };
  }
  const p = resolve(spec);
  if (!existsSync(p)) fail(`--client-package ${spec}: no such file or directory`, "give a package directory or an `npm pack` .tgz");
  if (statSync(p).isDirectory()) {
    if (!existsSync(join(p, "package.json"))) fail(`--client-package ${spec}: no package.json in that directory`);
    return { dir: p, hash: hashTree(p) };
  }
  const hash = createHash("sha256").update(readFileSync(p)).digest("hex");
  const out = join(cache, `pkg-${hash.slice(0, 32)}`);
  if (!existsSync(join(out, "package", "package.json"))) {
    const tmp = `${out}.tmp${process.pid}`;
    mkdirSync(tmp, { recursive: true });
    try {
      execFileSync("tar", ["-xzf", p, "-C", tmp], { stdio: ["ignore", "ignore", "pipe"] });
    } catch (e) {
      fail(`--client-package ${spec}: not a readable npm pack tarball (${String(e.stderr || e.message).trim()})`);
    }
    if (!existsSync(join(tmp, "package", "package.json"))) fail(`--client-package ${spec}: the tarball has no package/package.json`);
    try {
      renameSync(tmp, out);
    } catch {
      execFileSync("rm", ["-rf", tmp]);
    }
  }
  return { dir: join(out, "package"), hash };
}

async function buildBundle() {
  const cache = cacheRoot();
  const pkg = resolvePackage(cache);
  let meta;
  try {
    meta = JSON.parse(readFileSync(join(pkg.dir, "package.json"), "utf8"));
  } catch (e) {
    fail(`${join(pkg.dir, "package.json")}: unreadable (${e.message})`);
  }
  const key = createHash("sha256").update(`${ENTRY_VERSION}\0${esbuild.version}\0${pkg.hash}`).digest("hex").slice(0, 32);
  const file = join(cache, `bundle-${key}.js`);
  let built = false;
  if (!existsSync(file)) {
    // Dependencies resolve from the package's own node_modules first, then from the pinned
    // medusa-js's nested ones (axios 0.24, as the real package bundles it), then the driver's.
    const nodePaths = [
      join(pkg.dir, "node_modules"),
      join(HERE, "node_modules", "@medusajs", "medusa-js", "node_modules"),
      join(HERE, "node_modules"),
    ];
    try {
      const r = await esbuild.build({
        stdin: {
          contents: `import * as M from ${JSON.stringify(pkg.dir)};\nwindow.__MedusaModule = M;\n`,
          resolveDir: HERE,
          loader: "js",
        },
        bundle: true,
        format: "iife",
        platform: "browser",
        nodePaths,
        write: false,
        logLevel: "silent",
        define: { "process.env.NODE_ENV": '"production"' },
      });
      const tmp = `${file}.tmp${process.pid}`;
      writeFileSync(tmp, r.outputFiles[0].contents);
      renameSync(tmp, file);
      built = true;
    } catch (e) {
      const first = (e.errors || []).slice(0, 3).map((x) => `${x.location ? `${x.location.file}:${x.location.line}: ` : ""}${x.text}`);
      fail(`cannot bundle the client package ${pkg.dir} for the browser: ${first.join("; ") || e.message}`);
    }
  }
  return { js: readFileSync(file), name: String(meta.name || "unknown"), version: String(meta.version || "unknown"), dir: pkg.dir, built };
}

// ---------- origins ----------
const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);
const isLoopback = (h) => LOOPBACK.has(h) || /^127\.\d+\.\d+\.\d+$/.test(h);
const isIp = (h) => /^\d+\.\d+\.\d+\.\d+$/.test(h) || h.startsWith("[");

/**
 * Picks the page origin and the baseUrl handed to medusa-js. Loopback targets: page on
 * http(s)://localhost, baseUrl rewritten to localhost (localhost and 127.0.0.1 are different sites).
 * Other hosts: a storefront host beside the API host (api.shop.example -> storefront.shop.example).
 * That guess ignores the public-suffix list (shop.co.uk would give storefront.co.uk): give
 * page_origin then.
 */
function origins(target, pageOriginOpt) {
  let t;
  try {
    t = new URL(target);
  } catch {
    throw new Error(`the hello's target ${JSON.stringify(target)} is not a URL`);
  }
  if (t.protocol !== "http:" && t.protocol !== "https:") throw new Error(`the hello's target must be http(s), got ${t.protocol}`);
  const base = new URL(t.href);
  let page;
  if (pageOriginOpt) {
    try {
      page = new URL(pageOriginOpt);
    } catch {
      throw new Error(`page_origin ${JSON.stringify(pageOriginOpt)} is not a URL`);
    }
    if (isLoopback(t.hostname) && isLoopback(page.hostname)) base.hostname = page.hostname;
  } else if (isLoopback(t.hostname)) {
    page = new URL(`${t.protocol}//localhost`);
    base.hostname = "localhost";
  } else if (isIp(t.hostname)) {
    page = new URL(`${t.protocol}//${t.hostname}`);
  } else {
    const labels = t.hostname.split(".");
    const parent = labels.length >= 3 ? labels.slice(1).join(".") : t.hostname;
    page = new URL(`${t.protocol}//storefront.${parent}`);
  }
  return { pageOrigin: page.origin, baseUrl: base.href.replace(/\/+$/, "") };
}

// ---------- the page ----------
function pageHtml() {
  // The dispatcher runs inside the page: it calls the client exactly as a storefront would and
  // splits what the client surfaced into outcome/status/headers/body (the axios `response` object
  // itself is not JSON).
  return `<!doctype html><meta charset="utf-8"><title>medusa-conform driver</title>
<script src="${BUNDLE_PATH}"></script>
<script>
(() => {
  const mod = window.__MedusaModule || {};
  const Medusa = (mod.default && (mod.default.default || mod.default)) || mod;
  const OPS = {
    register: (m, a) => m.customers.create(a),
    authenticate: (m, a) => m.auth.authenticate(a),
    get_session: (m) => m.auth.getSession(),
    exists: (m, a) => m.auth.exists(a.email),
    get_token: (m, a) => m.auth.getToken(a),
    delete_session: (m) => m.auth.deleteSession(),
  };
  const json = (v) => { if (v === undefined) return null; try { return JSON.parse(JSON.stringify(v)); } catch { return String(v); } };
  const headers = (h) => {
    const out = {};
    if (h && typeof h === "object") for (const [k, v] of Object.entries(h)) { const n = k.toLowerCase(); if (n !== "set-cookie") out[n] = String(v); }
    return out;
  };
  let client = null;
  window.__conform = {
    init(baseUrl) { client = new Medusa({ baseUrl, maxRetries: 0 }); return true; },
    async call(op, args) {
      const t = performance.now();
      const done = (r) => Object.assign(r, { ms: Math.round((performance.now() - t) * 100) / 100 });
      try {
        const v = await OPS[op](client, args);
        if (v && typeof v === "object" && !Array.isArray(v)) {
          const { response, ...data } = v;
          return done({ outcome: "resolved", status: response && typeof response.status === "number" ? response.status : null,
                        headers: headers(response && response.headers), body: json(data) });
        }
        return done({ outcome: "resolved", status: null, headers: {}, body: json(v) });
      } catch (e) {
        if (e && e.response) {
          return done({ outcome: "rejected", status: typeof e.response.status === "number" ? e.response.status : null,
                        headers: headers(e.response.headers), body: json(e.response.data) });
        }
        return done({ outcome: "rejected", status: null, headers: {}, body: null,
                      error: String((e && e.message) || e || "rejected without a value") });
      }
    },
  };
})();
</script>`;
}

// ---------- wire records ----------
function parseSetCookie(line) {
  const parts = line.split(";").map((s) => s.trim());
  const name = parts[0].includes("=") ? parts[0].slice(0, parts[0].indexOf("=")).trim() : parts[0];
  const c = { name, path: null, expires: null, max_age: null, domain: null, http_only: false, secure: false, same_site: null };
  for (const p of parts.slice(1)) {
    const i = p.indexOf("=");
    const k = (i < 0 ? p : p.slice(0, i)).trim().toLowerCase();
    const v = i < 0 ? null : p.slice(i + 1).trim();
    if (k === "path") c.path = v;
    else if (k === "expires") c.expires = v;
    else if (k === "max-age") c.max_age = v !== null && /^-?\d+$/.test(v) ? Number(v) : v;
    else if (k === "domain") c.domain = v;
    else if (k === "httponly") c.http_only = true;
    else if (k === "secure") c.secure = true;
    else if (k === "samesite") c.same_site = v;
  }
  return c;
}

function cookieNames(header) {
  if (!header) return [];
  return header
    .split(/;\s*/)
    .map((p) => p.split("=")[0].trim())
    .filter(Boolean);
}

function bodyKeys(req) {
  let text;
  try {
    text = req.postData();
  } catch {
    return null;
  }
  if (text == null || text === "") return null;
  try {
    const v = JSON.parse(text);
    return v && typeof v === "object" && !Array.isArray(v) ? Object.keys(v) : null;
  } catch {
    return null;
  }
}

async function wireRecord(req, failure) {
  let h = {};
  try {
    h = await req.allHeaders();
  } catch {
    h = req.headers();
  }
  const auth = h["authorization"];
  const rec = {
    method: req.method(),
    url: req.url(),
    cookie_sent: Boolean(h["cookie"]),
    cookie_names: cookieNames(h["cookie"]),
    bearer_sent: typeof auth === "string" && /^bearer\s/i.test(auth),
    authorization_sent: auth !== undefined,
    body_keys: bodyKeys(req),
    status: null,
    response_headers: {},
    set_cookie: [],
  };
  if (failure !== undefined) {
    rec.failure = failure || "failed";
    return rec;
  }
  let res = null;
  try {
    res = await req.response();
  } catch {}
  if (res) {
    rec.status = res.status();
    try {
      for (const { name, value } of await res.headersArray()) {
        const n = name.toLowerCase();
        if (n === "set-cookie") for (const line of value.split("\n")) rec.set_cookie.push(parseSetCookie(line));
        else rec.response_headers[n] = n in rec.response_headers ? `${rec.response_headers[n]}, ${value}` : value;
      }
    } catch {}
  }
  return rec;
}

// ---------- actors ----------
let browser = null;
let bundle = null;
let site = null; // {pageOrigin, baseUrl}
const actors = new Map(); // name -> Promise<Actor>
const queues = new Map(); // name -> tail promise (one request per actor at a time)

/** (Re)loads the page: a new document, so a new JS realm with a new client instance. */
async function loadClient(actor) {
  await actor.page.goto(site.pageOrigin + PAGE_PATH);
  const ok = await actor.page.evaluate((b) => (window.__conform ? window.__conform.init(b) : false), site.baseUrl);
  if (!ok) throw new Error("the client bundle did not load in the page (no default export usable as `new Medusa(...)`?)");
}

async function newActor(name) {
  const started = performance.now();
  const context = await browser.newContext({ serviceWorkers: "block" });
  const actor = { name, context, page: null, current: null, startMs: null };
  const pageUrl = site.pageOrigin + PAGE_PATH;
  const bundleUrl = site.pageOrigin + BUNDLE_PATH;
  await context.route(pageUrl, (r) => r.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body: pageHtml() }));
  await context.route(bundleUrl, (r) => r.fulfill({ status: 200, contentType: "text/javascript; charset=utf-8", body: bundle.js }));
  const own = (u) => u === pageUrl || u === bundleUrl;
  context.on("request", (req) => {
    if (!actor.current || own(req.url())) return;
    if (req.method() === "OPTIONS" && req.headers()["access-control-request-method"]) return; // preflight
    const entry = { req, done: null };
    actor.current.requests.push(entry);
    entry.settled = new Promise((res) => (entry.settle = res));
  });
  const finish = (req, failure) => {
    const call = actor.current;
    if (!call) return;
    const entry = call.requests.find((e) => e.req === req);
    if (!entry || entry.done) return;
    entry.done = wireRecord(req, failure);
    entry.settle();
  };
  context.on("requestfinished", (req) => finish(req, undefined));
  context.on("requestfailed", (req) => finish(req, req.failure()?.errorText ?? "failed"));
  actor.page = await context.newPage();
  actor.page.on("pageerror", (e) => log(`actor ${actor.name}: page error: ${e.message}`));
  await loadClient(actor);
  actor.startMs = Math.round((performance.now() - started) * 100) / 100;
  return actor;
}

// Warm pool. Creating an actor (context + page + loading the client) costs ~0.4-0.7 s of browser
// CPU, most of a short scenario; reusing one is ~5x cheaper (tests/drivers/bench.mjs prints both).
// So a `reset` actor is recycled rather than closed: its cookies, storage and page are wiped and
// the page is navigated again, which gives a new JS realm and so a new medusa-js (whose JWT lives
// in a page-global singleton) with an empty jar - the same fresh client a new context gives (the
// context routes requests, which disables its HTTP cache, so no cache survives either). The pool
// is sized to the harness's concurrency (hello option `concurrency`, one actor per scenario
// running at once; MEDUSA_CONFORM_WARM_ACTORS overrides; 2 without either): that many actors
// are kept ready, and as many idle ones at most; the rest are closed, as each is a renderer
// process of ~50-60 MB (PSS) and the browser must stay under 1 GB.
let WARM = 2;
let IDLE_MAX = 2;
function sizePool(concurrency) {
  const env = Number.parseInt(process.env.MEDUSA_CONFORM_WARM_ACTORS ?? "", 10);
  if (Number.isInteger(env) && env >= 0) WARM = env;
  else if (Number.isInteger(concurrency) && concurrency > 0) WARM = Math.min(concurrency, 32);
  IDLE_MAX = Math.max(2, WARM);
}
const spares = []; // {ready: boolean, promise: Promise<Actor>}: unnamed actors, oldest first

let warming = 0;
// Two at a time (the cores of the machine this is tuned for): more only queue on the CPU and
// delay the calls being made.
function refill() {
  while (warming < 2 && !shuttingDown && browser && spares.length < WARM) {
    warming++;
    const spare = { ready: false, promise: newActor(null) };
    spares.push(spare);
    spare.promise.then(
      () => (spare.ready = true),
      (e) => {
        log(`warming an actor failed: ${e.message.split("\n")[0]}`);
        const i = spares.indexOf(spare);
        if (i >= 0) spares.splice(i, 1);
      },
    ).finally(() => {
      warming--;
      refill();
    });
  }
}

/** Makes a used actor a fresh client again (see the pool comment), or closes it when enough are idle. */
function recycle(a) {
  a.current = null;
  a.name = null;
  if (shuttingDown || spares.length >= IDLE_MAX) {
    a.context.close().catch(() => {});
    return;
  }
  const spare = { ready: false, promise: null };
  spare.promise = (async () => {
    const started = performance.now();
    // Storage first (it belongs to the page's origin, so it is cleared from the page), then the
    // cookies of every site, then a new document: a new realm and a new client.
    await a.page.evaluate(() => {
      try { localStorage.clear(); } catch {}
      try { sessionStorage.clear(); } catch {}
    });
    await a.context.clearCookies();
    await loadClient(a);
    a.startMs = Math.round((performance.now() - started) * 100) / 100;
    return a;
  })();
  spares.push(spare);
  spare.promise.then(
    () => (spare.ready = true),
    () => {
      const i = spares.indexOf(spare);
      if (i >= 0) spares.splice(i, 1);
      a.context.close().catch(() => {});
    },
  );
}

function getActor(name) {
  if (!actors.has(name)) {
    // A ready spare first; else the one that will be ready soonest (the oldest).
    let i = spares.findIndex((s) => s.ready);
    if (i < 0 && spares.length) i = 0;
    const spare = i >= 0 ? spares.splice(i, 1)[0] : null;
    const p = spare
      ? spare.promise.then(
          (a) => Object.assign(a, { name }),
          () => newActor(name),
        )
      : newActor(name);
    actors.set(name, p);
    p.catch(() => actors.delete(name));
    refill();
  }
  return actors.get(name);
}

function withTimeout(promise, ms, what, shown = ms) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, rej) => {
      timer = setTimeout(() => rej(Object.assign(new Error(`${what} did not settle within ${Math.round(shown)} ms`), { kind: "timeout" })), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function doCall(msg, timeoutMs) {
  // Answer (with a timeout error) before the harness gives up on us: keep 2 s of its budget.
  const budget = Math.max(1000, timeoutMs - 2000);
  const t = performance.now();
  const fresh = !actors.has(msg.actor);
  const actor = await withTimeout(getActor(msg.actor), budget, `starting actor ${msg.actor}`, budget);
  const waitedMs = Math.round((performance.now() - t) * 100) / 100;
  const call = { requests: [] };
  actor.current = call;
  try {
    const left = Math.max(1, budget - (performance.now() - t));
    const r = await withTimeout(actor.page.evaluate(([op, args]) => window.__conform.call(op, args), [msg.op, msg.args]), left, `${msg.op} for actor ${msg.actor}`, budget);
    // Wait (bounded) until every request the call started has finished or failed.
    const deadline = performance.now() + WIRE_WAIT_MS;
    for (;;) {
      const pending = call.requests.filter((e) => !e.done);
      if (!pending.length) break;
      const left = deadline - performance.now();
      if (left <= 0) break;
      await Promise.race([Promise.all(pending.map((e) => e.settled)), new Promise((res) => setTimeout(res, left))]);
    }
    const wire = [];
    for (const e of call.requests) {
      if (e.done) wire.push(await e.done);
      else wire.push({ ...(await wireRecord(e.req, "unfinished")), failure: "no response within the wire wait" });
    }
    const out = { type: "result", id: msg.id, outcome: r.outcome, status: r.status, headers: r.headers, body: r.body };
    if (r.error !== undefined) out.error = r.error;
    out.wire = wire;
    out.ms = r.ms;
    if (fresh) out.actor_start_ms = waitedMs; // what this call waited for its actor (0-ish from the warm pool)
    return out;
  } catch (e) {
    // A call that hangs leaves the page in an unknown state: drop the actor.
    if (e.kind === "timeout") await resetActor(msg.actor, true);
    throw e;
  } finally {
    actor.current = null;
  }
}

/** Forgets the actor. A healthy one is recycled into the pool; one that hung is closed. */
async function resetActor(name, broken = false) {
  const p = actors.get(name);
  actors.delete(name);
  if (!p) return;
  let a;
  try {
    a = await p;
  } catch {
    return;
  }
  if (broken) await a.context.close().catch(() => {});
  else recycle(a);
}

async function jar(name) {
  const p = actors.get(name);
  if (!p) return [];
  const a = await p;
  return (await a.context.cookies()).map((c) => ({
    name: c.name,
    domain: c.domain,
    path: c.path,
    http_only: c.httpOnly,
    secure: c.secure,
    same_site: c.sameSite ?? null,
    expires: c.expires === -1 ? null : c.expires,
  }));
}

// ---------- protocol ----------
function send(msg) {
  process.stdout.write(JSON.stringify(msg) + "\n");
}
const errorMsg = (id, kind, message) => ({ type: "error", id, kind, message });

/** Returns null, or [kind, message] for an error answer. */
function validate(msg) {
  if (!Number.isInteger(msg.id)) return ["bad_request", "an integer `id` is required"];
  if (typeof msg.actor !== "string" || msg.actor === "") return ["bad_request", "a non-empty string `actor` is required"];
  if (msg.type === "call") {
    if (!OPERATIONS.includes(msg.op)) return ["unknown_op", `unknown op ${JSON.stringify(msg.op)} (this driver knows ${OPERATIONS.join(", ")})`];
    if (msg.args === undefined) msg.args = {};
    if (msg.args === null || typeof msg.args !== "object" || Array.isArray(msg.args)) return ["bad_request", "`args` must be a JSON object"];
  }
  return null;
}

let callTimeoutMs = 30000;
const inflight = new Set();
let shuttingDown = false;

async function handle(msg) {
  const problem = validate(msg);
  if (problem) {
    send(errorMsg(Number.isInteger(msg.id) ? msg.id : null, problem[0], problem[1]));
    return;
  }
  const prev = queues.get(msg.actor) || ready;
  const run = prev.then(async () => {
    try {
      if (msg.type === "call") send(await doCall(msg, callTimeoutMs));
      else if (msg.type === "reset") {
        await resetActor(msg.actor);
        send({ type: "result", id: msg.id, outcome: "resolved" });
      } else if (msg.type === "jar") send({ type: "result", id: msg.id, outcome: "resolved", cookies: await jar(msg.actor) });
    } catch (e) {
      if (shuttingDown) return;
      const what = e.kind === "timeout" ? e.message : `${msg.type}${msg.op ? ` ${msg.op}` : ""} for actor ${msg.actor}: ${e.message.split("\n")[0]}`;
      send(errorMsg(msg.id, e.kind === "timeout" ? "timeout" : "driver", what));
    }
  });
  queues.set(msg.actor, run);
  inflight.add(run);
  run.finally(() => inflight.delete(run));
  run.finally(() => {
    if (queues.get(msg.actor) === run) queues.delete(msg.actor);
  });
}

let closing = null;
function shutdown(code) {
  if (closing) return closing;
  shuttingDown = true;
  const hard = setTimeout(() => process.exit(code), 4000);
  closing = (async () => {
    try {
      const b = browser || (await launching.catch(() => null));
      if (b) await b.close();
    } catch {}
    clearTimeout(hard);
    process.exit(code);
  })();
  return closing;
}
process.on("SIGTERM", () => shutdown(143));
process.on("SIGINT", () => shutdown(130));
process.on("SIGHUP", () => shutdown(129));
process.stdout.on("error", () => shutdown(1)); // the harness went away

function extraChromiumArgs() {
  const v = (process.env.MEDUSA_CONFORM_CHROMIUM_ARGS || "").trim();
  if (!v.startsWith("[")) return v.split(/\s+/).filter(Boolean);
  try {
    const a = JSON.parse(v);
    if (Array.isArray(a) && a.every((x) => typeof x === "string")) return a;
  } catch {}
  fail("MEDUSA_CONFORM_CHROMIUM_ARGS: not a JSON array of strings");
}

// Start the slow parts at once; the hello is answered when they are ready.
const launchT = performance.now();
const launching = chromium
  .launch({
    executablePath: opts.chromium,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-features=LocalNetworkAccessChecks",
      // Extra flags (a JSON array of strings, or whitespace-separated), e.g.
      // ["--host-resolver-rules=MAP api.shop.test 127.0.0.1"] to point a public name at a test server.
      ...extraChromiumArgs(),
    ],
  })
  .then((b) => {
    log(`Chromium ${b.version()} launched in ${Math.round(performance.now() - launchT)} ms`);
    return b;
  });
launching.catch((e) => fail(`Chromium at ${opts.chromium} did not start: ${e.message.split("\n")[0]}`, "reinstall it with: apt-get install -y chromium"));
const bundling = buildBundle().then((b) => {
  log(`client ${b.name}@${b.version} from ${b.dir} (${b.built ? "bundled" : "cached bundle"}, ${b.js.length} bytes)`);
  return b;
});

let helloDone = false;
let ready = null; // resolves when the hello is answered; requests that arrive earlier wait for it
const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
// Lines are dispatched in order (the hello is answered before anything that follows it); the
// calls themselves then run concurrently.
let lineChain = Promise.resolve();
rl.on("line", (line) => {
  lineChain = lineChain.then(() => onLine(line));
});
async function onLine(line) {
  if (!line.trim()) return;
  let msg;
  try {
    msg = JSON.parse(line);
  } catch {
    send(errorMsg(null, "bad_request", "the line is not JSON"));
    return;
  }
  if (!msg || typeof msg !== "object" || Array.isArray(msg)) {
    send(errorMsg(null, "bad_request", "a message must be a JSON object"));
    return;
  }
  if (!helloDone) {
    if (msg.type !== "hello") {
      send(errorMsg(Number.isInteger(msg.id) ? msg.id : null, "bad_request", "the first message must be the hello"));
      return;
    }
    helloDone = true;
    const o = msg.options && typeof msg.options === "object" ? msg.options : {};
    if (Number.isInteger(o.call_timeout_ms) && o.call_timeout_ms > 0) callTimeoutMs = o.call_timeout_ms;
    sizePool(o.concurrency);
    try {
      site = origins(msg.target, o.page_origin || opts.pageOrigin);
    } catch (e) {
      log(e.message);
      send(errorMsg(null, "bad_request", e.message));
      shutdown(2);
      return;
    }
    ready = Promise.all([launching, bundling]);
    [browser, bundle] = await ready;
    refill();
    if (spares.length) await spares[0].promise.catch(() => {}); // the first actor of the run starts at once
    log(`page origin ${site.pageOrigin}, client baseUrl ${site.baseUrl}; ready ${Math.round(performance.now() - t0)} ms after start`);
    send({
      type: "hello",
      protocol: PROTOCOL,
      driver: { ...DRIVER, browser: `chromium ${browser.version()}` },
      client: { name: bundle.name, version: bundle.version },
      operations: OPERATIONS,
      page_origin: site.pageOrigin,
      base_url: site.baseUrl,
    });
    if (msg.protocol !== PROTOCOL) log(`the harness speaks protocol ${JSON.stringify(msg.protocol)}, this driver speaks ${PROTOCOL}`);
    return;
  }
  switch (msg.type) {
    case "call":
    case "reset":
    case "jar":
      handle(msg);
      break;
    case "shutdown":
      shutdown(0);
      break;
    case "hello":
      send(errorMsg(null, "bad_request", "hello was already received"));
      break;
    default:
      send(errorMsg(Number.isInteger(msg.id) ? msg.id : null, "bad_request", `unknown message type ${JSON.stringify(msg.type)}`));
  }
}
// stdin closed: the harness is done (or gone). Answer what is in flight (at most 5 s more), then
// close the browser and exit: never outlive the harness.
rl.on("close", async () => {
  const hello = ready ? ready.catch(() => {}) : Promise.resolve();
  await Promise.race([lineChain.then(() => hello).then(() => Promise.allSettled([...inflight])), new Promise((res) => setTimeout(res, 5000))]);
  shutdown(0);
});
