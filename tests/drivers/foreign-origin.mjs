#!/usr/bin/env node
// Proves the medusa-js driver works against a non-loopback API host through the real CORS path:
// Chromium resolves api.shop.test to 127.0.0.1 (--host-resolver-rules, via
// MEDUSA_CONFORM_CHROMIUM_ARGS), the driver picks the page origin http://storefront.shop.test on
// the API's own site, and the store flow must pass with cookies and bearer; a page origin the
// server's CORS does not allow must fail every call.
//
// The server under test only allows the origin it was configured with (the project's Medusa target:
// http://localhost), so a small relay in this script stands in for a deployment whose store_cors
// lists http://storefront.shop.test: it rewrites that Origin to the allowed one on the way in and
// the Access-Control-Allow-Origin back on the way out. Everything else (preflights, credentials,
// Set-Cookie, Vary) is the real server's.
//
//   node tests/drivers/foreign-origin.mjs [--upstream http://127.0.0.1:9000] [--allowed http://localhost]
// Exit 0 when both checks pass.

import http from "node:http";
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const argv = process.argv.slice(2);
let upstream = new URL(process.env.MEDUSA_URL || "http://127.0.0.1:9000");
let allowed = "http://localhost";
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === "--upstream") upstream = new URL(argv[++i]);
  else if (argv[i] === "--allowed") allowed = argv[++i];
  else {
    process.stderr.write(`foreign-origin: unknown argument ${argv[i]}\n`);
    process.exit(2);
  }
}
const STOREFRONT = "http://storefront.shop.test";

const relay = http.createServer((req, res) => {
  const h = { ...req.headers, host: upstream.host };
  if (h.origin === STOREFRONT) h.origin = allowed;
  const up = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: h }, (r) => {
    const rh = { ...r.headers };
    if (rh["access-control-allow-origin"] === allowed) rh["access-control-allow-origin"] = STOREFRONT;
    res.writeHead(r.statusCode, rh);
    r.pipe(res);
  });
  up.on("error", () => res.destroy());
  req.pipe(up);
});
await new Promise((res) => relay.listen(0, "127.0.0.1", res));
const port = relay.address().port;
const env = { ...process.env, MEDUSA_CONFORM_CHROMIUM_ARGS: JSON.stringify(["--host-resolver-rules=MAP api.shop.test 127.0.0.1"]) };
// Asynchronous: the relay runs in this process and must keep serving while the smoke runs.
const smoke = (extra) =>
  new Promise((resolve) => {
    const c = spawn(process.execPath, [join(ROOT, "tests/drivers/smoke.mjs"), "--driver", `medusa-js=node ${join(ROOT, "drivers/medusa-js/driver.mjs")}`, "--target", `http://api.shop.test:${port}`, ...extra], {
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
    let stdout = "";
    c.stdout.on("data", (d) => (stdout += d));
    c.on("exit", (status) => resolve({ status, stdout }));
  });
let ok = true;
for (const [label, extra] of [
  ["page on the API's site (storefront.shop.test), allowed by CORS: the flow passes", []],
  ["page origin not allowed by CORS (www.shop.test:8000): every call fails", ["--page-origin", "http://www.shop.test:8000", "--expect-cors-failure"]],
]) {
  const r = await smoke(extra);
  ok &&= r.status === 0;
  process.stdout.write(`${r.status === 0 ? "ok  " : "FAIL"} ${label}\n${r.stdout.replace(/^/gm, "     ")}`);
}
relay.close();
process.exit(ok ? 0 : 1);
