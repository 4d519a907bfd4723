// Records a real browser session as a HAR: headless Chromium (Debian's, via playwright-core's
// `recordHar`) runs register → login → session → token → session by bearer → logout with
// plain fetch() from a page served on the API's own origin (route interception answers the page
// itself, so no CORS is involved and every API call goes to the real server).
//
// Usage: node tests/har/record.mjs BASE_URL OUT.har EMAIL PASSWORD [--scrub]
// --scrub: replace the password, every cookie value and every access token in the HAR by
// consistent stand-ins (`scrubbed-cookie-1`, …), for a fixture that can be checked in.
// playwright-core comes from drivers/medusa-js/node_modules (drivers/medusa-js/install).
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { readFileSync, writeFileSync } from "node:fs";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "../../drivers/medusa-js/package.json"));
const { chromium } = require("playwright-core");

const [base, out, email, password, scrub] = process.argv.slice(2);
if (!base || !out || !email || !password) {
  console.error("usage: node tests/har/record.mjs BASE_URL OUT.har EMAIL PASSWORD");
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-features=LocalNetworkAccessChecks"],
});
try {
  const context = await browser.newContext({ recordHar: { path: out, content: "embed" } });
  const page = await context.newPage();
  await page.route(`${base}/__har_page`, (route) =>
    route.fulfill({ status: 200, contentType: "text/html", body: "<!doctype html><title>store</title>" }),
  );
  await page.goto(`${base}/__har_page`);
  const result = await page.evaluate(
    async ({ email, password }) => {
      const json = (method, path, body, headers = {}) =>
        fetch(path, {
          method,
          credentials: "include",
          headers: body ? { "content-type": "application/json", ...headers } : headers,
          body: body ? JSON.stringify(body) : undefined,
        });
      const statuses = [];
      let r = await json("POST", "/store/customers", { email, password, first_name: "Har", last_name: "Test" });
      statuses.push(r.status);
      r = await json("POST", "/store/auth", { email, password });
      statuses.push(r.status);
      r = await json("GET", "/store/auth");
      statuses.push(r.status);
      r = await json("GET", `/store/auth/${encodeURIComponent(email)}`);
      statuses.push(r.status);
      r = await json("POST", "/store/auth/token", { email, password });
      statuses.push(r.status);
      const { access_token } = await r.json();
      r = await fetch("/store/auth", { credentials: "omit", headers: { authorization: `Bearer ${access_token}` } });
      statuses.push(r.status);
      r = await json("DELETE", "/store/auth");
      statuses.push(r.status);
      r = await fetch("/store/auth", { credentials: "include" });
      statuses.push(r.status);
      return statuses;
    },
    { email, password },
  );
  console.log(JSON.stringify(result));
  await context.close(); // writes the HAR
} finally {
  await browser.close();
}

if (scrub === "--scrub") {
  const har = JSON.parse(readFileSync(out, "utf8"));
  const secrets = new Map([[password, "scrubbed-password-1"]]);
  const add = (kind, v) => {
    if (v && v.length >= 4 && !secrets.has(v)) secrets.set(v, `scrubbed-${kind}-${secrets.size + 1}`);
  };
  for (const e of har.log.entries) {
    for (const c of [...(e.request.cookies || []), ...(e.response.cookies || [])]) add("cookie", c.value);
    for (const h of [...e.request.headers, ...e.response.headers]) {
      const n = h.name.toLowerCase();
      if (n === "cookie") for (const p of h.value.split(";")) add("cookie", p.split("=").slice(1).join("="));
      if (n === "set-cookie") add("cookie", h.value.split(";")[0].split("=").slice(1).join("="));
      if (n === "authorization") add("token", h.value.replace(/^Bearer /, ""));
    }
    const text = e.response.content && e.response.content.text;
    if (text && text.includes("access_token")) add("token", JSON.parse(text).access_token);
  }
  let text = JSON.stringify(har, null, 2);
  for (const [v, s] of [...secrets].sort((a, b) => b[0].length - a[0].length)) {
    for (const form of [v, encodeURIComponent(v), JSON.stringify(v).slice(1, -1)]) text = text.split(form).join(s);
  }
  writeFileSync(out, text + "\n");
}
