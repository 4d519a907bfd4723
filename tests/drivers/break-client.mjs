#!/usr/bin/env node
// Makes deliberately broken copies of the pinned @medusajs/medusa-js (patching the ESM build the
// medusa-js driver bundles, dist/index.mjs), one package directory per breakage, usable as
// `--client-package DIR`, plus a pristine copy, and an index.json describing them.
//
//   node tests/drivers/break-client.mjs [--out DIR] [--verify] [--target URL] [--only NAME,...]
//
// --out DIR   where to write (default: a fresh temp dir); prints the index path on stdout.
// --verify    runs tests/drivers/smoke.mjs through the medusa-js driver for every copy and shows
//             that the pristine copy passes and each broken copy fails (exit 1 otherwise).
//
// index.json: {"source": "<pinned package dir>", "version": "6.1.10", "copies": [
//   {"name": "pristine", "broken": false, "description": "...", "dir": "/abs/pristine"},
//   {"name": "token-not-attached", "broken": true, "description": "...", "dir": "/abs/token-not-attached"}, ...]}
// Every patch must match the pinned build exactly once; if the pinned version changes and a pattern
// no longer matches, the script stops with an error naming the breakage (never a silent no-op copy).

import { cpSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync, existsSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";
import { spawnSync } from "node:child_process";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const SOURCE = join(ROOT, "drivers/medusa-js/node_modules/@medusajs/medusa-js");
const FILE = "dist/index.mjs";

/** name, description, [find, replace] pairs applied to dist/index.mjs (each must match exactly once). */
export const BREAKAGES = [
  {
    name: "token-not-attached",
    description: "getToken stores the JWT but requests never carry `Authorization: Bearer` (setHeaders skips it)",
    patches: [["u.getJwt(a)&&(n={...n,Authorization:`Bearer ${u.getJwt(a)}`});", ""]],
  },
  {
    name: "token-not-stored",
    description: "auth.getToken resolves with the token but does not register it, so later store calls carry no bearer",
    patches: [['.then(r=>(u.registerJwt(r.access_token,"store"),r))', ".then(r=>r)"]],
  },
  {
    name: "token-wrong-domain",
    description: "auth.getToken registers the JWT for the admin domain: store calls carry no bearer",
    patches: [['.then(r=>(u.registerJwt(r.access_token,"store"),r))', '.then(r=>(u.registerJwt(r.access_token,"admin"),r))']],
  },
  {
    name: "cookie-not-kept",
    description: "requests go out with withCredentials:false: the browser neither stores nor sends the session cookie",
    patches: [["withCredentials:!0", "withCredentials:!1"]],
  },
  {
    name: "authenticate-drops-customer",
    description: "auth.authenticate resolves without `customer` (only the transport response)",
    patches: [
      [
        'authenticate(e,s={}){let t="/store/auth";return this.client.request("POST",t,e,{},s)}',
        'authenticate(e,s={}){let t="/store/auth";return this.client.request("POST",t,e,{},s).then(({customer:_c,...r})=>r)}',
      ],
    ],
  },
  {
    name: "authenticate-renames-password",
    description: "auth.authenticate sends {email, pass} instead of {email, password}",
    patches: [
      [
        'authenticate(e,s={}){let t="/store/auth";return this.client.request("POST",t,e,{},s)}',
        'authenticate(e,s={}){let t="/store/auth";return this.client.request("POST",t,{email:e.email,pass:e.password},{},s)}',
      ],
    ],
  },
  {
    name: "get-session-wrong-route",
    description: "auth.getSession calls GET /store/customers/me (answers {customer} too: only the wire record shows it)",
    patches: [['getSession(e={}){let s="/store/auth";', 'getSession(e={}){let s="/store/customers/me";']],
  },
  {
    name: "get-session-wrong-method",
    description: "auth.getSession sends POST /store/auth instead of GET",
    patches: [['getSession(e={}){let s="/store/auth";return this.client.request("GET"', 'getSession(e={}){let s="/store/auth";return this.client.request("POST"']],
  },
  {
    name: "delete-session-wrong-method",
    description: "auth.deleteSession sends POST /store/auth instead of DELETE (a login attempt without credentials)",
    patches: [['deleteSession(e={}){let s="/store/auth";return this.client.request("DELETE"', 'deleteSession(e={}){let s="/store/auth";return this.client.request("POST"']],
  },
  {
    name: "delete-session-wrong-route",
    description: "auth.deleteSession sends DELETE /store/auth/session",
    patches: [['deleteSession(e={}){let s="/store/auth";', 'deleteSession(e={}){let s="/store/auth/session";']],
  },
  {
    name: "delete-session-noop",
    description: "auth.deleteSession resolves without calling the server: the session survives",
    patches: [
      [
        'deleteSession(e={}){let s="/store/auth";return this.client.request("DELETE",s,{},{},e)}',
        'deleteSession(e={}){return Promise.resolve({response:{status:200,headers:{}}})}',
      ],
    ],
  },
  {
    name: "exists-drops-domain",
    description: "auth.exists mangles the e-mail: GET /store/auth/{local part} (the domain dropped)",
    patches: [["exists(e,s={}){let t=`/store/auth/${e}`;", 'exists(e,s={}){let t=`/store/auth/${String(e).split("@")[0]}`;']],
  },
  {
    name: "exists-plus-as-space",
    description: "auth.exists mangles the e-mail: a \"+\" becomes a space (form-encoding confusion), so a+tag@x.com is not found",
    patches: [["exists(e,s={}){let t=`/store/auth/${e}`;", 'exists(e,s={}){let t=`/store/auth/${String(e).replace(/\\+/g," ")}`;']],
  },
  {
    name: "get-token-wrong-route",
    description: "auth.getToken posts to /store/token",
    patches: [['getToken(e,s={}){let t="/store/auth/token";', 'getToken(e,s={}){let t="/store/token";']],
  },
  {
    name: "errors-resolve",
    description: "every HTTP error resolves (with the error's response) instead of rejecting",
    patches: [
      [
        "let{data:d,...Qs}=await this.axiosClient(a);return{...d,response:Qs}",
        "let{data:d,...Qs}=await this.axiosClient(a).catch(x=>{if(x&&x.response)return x.response;throw x});return{...d,response:Qs}",
      ],
    ],
  },
];

function count(hay, needle) {
  let n = 0;
  for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + 1)) n++;
  return n;
}

export function makeCopies(out) {
  if (!existsSync(join(SOURCE, FILE))) {
    process.stderr.write(`break-client: ${SOURCE} is missing; run: npm ci --prefix drivers/medusa-js\n`);
    process.exit(2);
  }
  const meta = JSON.parse(readFileSync(join(SOURCE, "package.json"), "utf8"));
  const original = readFileSync(join(SOURCE, FILE), "utf8");
  const copy = (name) => {
    const dir = join(out, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    // The package without its node_modules: the driver resolves dependencies from the pinned copy.
    cpSync(join(SOURCE, "package.json"), join(dir, "package.json"));
    cpSync(join(SOURCE, "dist"), join(dir, "dist"), { recursive: true });
    return dir;
  };
  const copies = [];
  copies.push({ name: "pristine", broken: false, description: `unmodified ${meta.name}@${meta.version}`, dir: copy("pristine") });
  for (const b of BREAKAGES) {
    let text = original;
    for (const [find, repl] of b.patches) {
      const n = count(text, find);
      if (n !== 1) {
        process.stderr.write(`break-client: breakage ${b.name}: the pattern matches ${n} times in ${FILE} of ${meta.name}@${meta.version} (expected once): ${find}\n`);
        process.exit(2);
      }
      text = text.replace(find, () => repl);
    }
    const dir = copy(b.name);
    writeFileSync(join(dir, FILE), text);
    // Build metadata in the version, so reports name the broken copy.
    const m = { ...meta, version: `${meta.version}+broken.${b.name}` };
    writeFileSync(join(dir, "package.json"), JSON.stringify(m, null, 2) + "\n");
    copies.push({ name: b.name, broken: true, description: b.description, dir });
  }
  const index = { source: SOURCE, version: meta.version, patched_file: FILE, copies };
  writeFileSync(join(out, "index.json"), JSON.stringify(index, null, 2) + "\n");
  return index;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  let out = null;
  let verify = false;
  let target = null;
  let only = null;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out") out = resolve(argv[++i]);
    else if (argv[i] === "--verify") verify = true;
    else if (argv[i] === "--target") target = argv[++i];
    else if (argv[i] === "--only") only = new Set(argv[++i].split(","));
    else {
      process.stderr.write(`break-client: unknown argument ${argv[i]}\n`);
      process.exit(2);
    }
  }
  out ||= mkdtempSync(join(tmpdir(), "medusa-js-broken-"));
  mkdirSync(out, { recursive: true });
  const index = makeCopies(out);
  process.stdout.write(`${join(out, "index.json")}\n`);
  if (!verify) process.exit(0);
  let good = true;
  for (const c of index.copies) {
    if (only && !only.has(c.name) && c.name !== "pristine") continue;
    const args = [join(ROOT, "tests/drivers/smoke.mjs"), "--json", "--client-package", c.dir];
    if (target) args.push("--target", target);
    const t = performance.now();
    const r = spawnSync(process.execPath, args, { encoding: "utf8", timeout: 180000 });
    let res;
    try {
      res = JSON.parse(r.stdout.trim().split("\n")[0]);
    } catch {
      res = { ok: false, failures: [`smoke printed no result (exit ${r.status}): ${r.stderr.slice(-300)}`] };
    }
    const asExpected = c.broken ? !res.ok : res.ok;
    good &&= asExpected;
    const secs = ((performance.now() - t) / 1000).toFixed(1);
    process.stdout.write(`${asExpected ? "ok  " : "FAIL"} ${c.name.padEnd(30)} ${c.broken ? (res.ok ? "NOT CAUGHT" : "caught    ") : res.ok ? "passes    " : "FAILS     "} ${secs}s  ${res.ok ? "" : res.failures[0]}\n`);
    if (!asExpected && !c.broken) for (const f of res.failures) process.stdout.write(`       - ${f}\n`);
  }
  process.exit(good ? 0 : 1);
}
