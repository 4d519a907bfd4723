#!/usr/bin/env python3
"""Walk the Medusa v2 customer-auth contract against the server started by `up`
and record every exchange (stdlib only; no network beyond MEDUSA_V2_URL).

    eval "$(tests/targets/medusa-v2/up)" && tests/targets/medusa-v2/capture.py

Writes (into $MEDUSA_V2_SAMPLES_DIR, default samples/)
  samples/transcript.json  every request/response pair, secrets replaced by `***`
  samples/transcript.md    the same, readable, one section per contract clause
  samples/<name>.json      the redacted JSON body of each exchange that has a schema
  .state/samples-raw/      the unredacted bodies + index.json (name -> schema), for
                           check-specs.py; gitignored, as it holds live tokens
Each exchange carries the clause id of medusa-v2-observed.md §4 (R1, C7, ...), the
status it must have, and the schema (specs/medusa-v2/<Name>.json) its body must
match. Any status other than the expected one stops the capture with exit 1.
"""
import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
URL = urllib.parse.urlsplit(os.environ.get("MEDUSA_V2_URL", "http://127.0.0.1:9200"))
PK = os.environ["MEDUSA_V2_PUBLISHABLE_KEY"]
SECRET = os.environ["MEDUSA_V2_JWT_SECRET"].encode()
EVENTS = os.environ["MEDUSA_V2_EVENTS"]
ADMIN_EMAIL = os.environ["MEDUSA_V2_ADMIN_EMAIL"]
ADMIN_PASSWORD = os.environ["MEDUSA_V2_ADMIN_PASSWORD"]
RAW = os.path.join(os.environ.get("MEDUSA_V2_STATE_DIR", os.path.join(HERE, ".state")), "samples-raw")
# MEDUSA_V2_SAMPLES_DIR: write elsewhere (e.g. in CI, to leave the committed samples alone).
OUT = os.environ.get("MEDUSA_V2_SAMPLES_DIR", os.path.join(HERE, "samples"))

STAMP = time.strftime("%Y%m%d%H%M%S", time.gmtime())
PASSWORD = "sample-password-1"
SECRETS = {PK: "pk_***", PASSWORD: "***", ADMIN_PASSWORD: "***", "n3w-password-2": "***", "other-password": "***"}
JWT = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")
SID = re.compile(r"(connect\.sid=)[^;,\s]+")
DROP = {"date", "etag", "keep-alive", "connection"}

exchanges = []
section = None


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(token):
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def forge(payload, alg="HS256", secret=SECRET):
    head = b64u(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode())
    body = b64u(json.dumps(payload, separators=(",", ":")).encode())
    if alg == "none":
        return f"{head}.{body}."
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    sig = b64u(hmac.new(secret, f"{head}.{body}".encode(), digest).digest())
    return f"{head}.{body}.{sig}"


def redact(text):
    if text is None:
        return None
    text = JWT.sub("***", text)
    text = SID.sub(r"\1***", text)
    for k, v in SECRETS.items():
        text = text.replace(k, v)
    return text


def call(clause, name, method, path, want, body=None, headers=None, schema=None, raw=None, note=None):
    """One exchange. `body` is JSON-encoded unless `raw` (bytes, sent as is) is given."""
    headers = dict(headers or {})
    data = None
    if raw is not None:
        data = raw
    elif body is not None:
        data = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    conn = http.client.HTTPConnection(URL.hostname, URL.port, timeout=30)
    t0 = time.monotonic()
    conn.request(method, path, body=data, headers=headers)
    res = conn.getresponse()
    payload = res.read()
    ms = round((time.monotonic() - t0) * 1000)
    conn.close()
    text = payload.decode("utf-8", "replace")
    rec = {
        "clause": clause,
        "name": name,
        "section": section,
        "note": note,
        "request": {
            "method": method,
            "path": path,
            "headers": {k: redact(v) for k, v in headers.items()},
            "body": redact(data.decode("utf-8", "replace")) if data is not None else None,
        },
        "response": {
            "status": res.status,
            "headers": [[k, redact(v)] for k, v in res.getheaders() if k.lower() not in DROP],
            "body": redact(text),
        },
        "ms": ms,
        "schema": schema,
    }
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and isinstance(parsed.get("token"), str) and parsed["token"].count(".") == 2:
        rec["token_claims"] = claims(parsed["token"])
    exchanges.append(rec)
    mark = "ok" if res.status == want else f"UNEXPECTED (wanted {want})"
    print(f"{clause:4} {name:45} {res.status} {ms:5} ms {mark}", file=sys.stderr)
    if res.status != want:
        print(redact(text)[:400], file=sys.stderr)
        finish()
        sys.exit(1)
    if schema:
        if parsed is None:
            sys.exit(f"{name}: schema {schema} but the body is not JSON")
        with open(os.path.join(RAW, name + ".json"), "w") as f:
            f.write(text)
        with open(os.path.join(OUT, name + ".json"), "w") as f:
            f.write(redact(text))
    return res, parsed, text


def J(extra=None):
    h = {}
    h.update(extra or {})
    return h


def pkh(token=None, **more):
    h = {"x-publishable-api-key": PK}
    if token:
        h["Authorization"] = f"Bearer {token}"
    h.update(more)
    return h


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def events_for(email):
    try:
        with open(EVENTS) as f:
            lines = [json.loads(l) for l in f if l.strip()]
    except FileNotFoundError:
        return []
    return [e for e in lines if e.get("name") == "auth.password_reset" and e["data"].get("entity_id") == email]


def reset_token(email, before):
    """Newest event for `email` beyond the `before` first ones; polls up to 5 s."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < 5:
        ev = events_for(email)
        if len(ev) > before:
            return ev[-1]["data"]["token"], round((time.monotonic() - t0) * 1000)
        time.sleep(0.02)
    sys.exit(f"no auth.password_reset event for {email} in {EVENTS} within 5 s")


def cookie_of(res):
    for k, v in res.getheaders():
        if k.lower() == "set-cookie" and v.startswith("connect.sid="):
            return v.split(";")[0]
    return None


def finish():
    with open(os.path.join(OUT, "transcript.json"), "w") as f:
        json.dump({"server": "Medusa 2.21.2", "node_env": "development", "stamp": STAMP, "exchanges": exchanges}, f, indent=1)
        f.write("\n")
    index = {e["name"]: e["schema"] for e in exchanges if e["schema"]}
    with open(os.path.join(RAW, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
    with open(os.path.join(OUT, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")
    md = ["# Medusa 2.21.2 customer auth: captured transcript", "",
          f"Made by `capture.py` against the server started by `up` (NODE_ENV=development), stamp {STAMP}.",
          "Secrets (JWTs, `connect.sid` values, passwords, the publishable key) are replaced by `***`;",
          "`Date`, `ETag`, `Connection` and `Keep-Alive` headers are dropped. Clause ids are those of",
          "`medusa-v2-observed.md` §4. `token claims` is the decoded payload of a returned token.", ""]
    last = None
    for e in exchanges:
        if e["section"] != last:
            md += [f"## {e['section']}", ""]
            last = e["section"]
        r, s = e["request"], e["response"]
        title = f"### {e['clause']} `{e['name']}`"
        if e["schema"]:
            title += f" (schema `medusa-v2/{e['schema']}`)"
        md += [title, ""]
        if e["note"]:
            md += [e["note"], ""]
        md.append("```")
        md.append(f"{r['method']} {r['path']}")
        md += [f"{k}: {v}" for k, v in r["headers"].items()]
        if r["body"] is not None:
            md += ["", r["body"]]
        md += ["", f"HTTP/1.1 {s['status']}  ({e['ms']} ms)"]
        md += [f"{k}: {v}" for k, v in s["headers"]]
        if s["body"]:
            md += ["", s["body"]]
        md.append("```")
        if "token_claims" in e:
            md += ["", "token claims: `" + json.dumps(e["token_claims"]) + "`"]
        md.append("")
    with open(os.path.join(OUT, "transcript.md"), "w") as f:
        f.write("\n".join(md))


def main():
    global section
    os.makedirs(RAW, exist_ok=True)
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith(".json"):
            os.remove(os.path.join(OUT, f))
    email = f"ada.{STAMP}@example.com"
    cred = {"email": email, "password": PASSWORD}
    REG = "/auth/customer/emailpass/register"
    LOGIN = "/auth/customer/emailpass"
    ME = "/store/customers/me"

    section = "Register an identity"
    _, b, _ = call("R1", "register-200", "POST", REG, 200, cred, schema="AuthTokenRes")
    reg = b["token"]
    _, b, _ = call("R2", "register-same-password-200", "POST", REG, 200, cred, schema="AuthTokenRes",
                   note="Same e-mail and password again before the customer exists: idempotent.")
    assert claims(b["token"])["auth_identity_id"] == claims(reg)["auth_identity_id"]
    call("R3", "register-other-password-401", "POST", REG, 401, {"email": email, "password": "other-password"}, schema="Error")
    call("R4", "register-missing-password-401", "POST", REG, 401, {"email": f"x.{STAMP}@example.com"}, schema="Error")
    call("R4", "register-password-number-401", "POST", REG, 401, {"email": f"x.{STAMP}@example.com", "password": 42}, schema="Error")
    call("R4", "register-missing-email-401", "POST", REG, 401, {"password": PASSWORD}, schema="Error")
    call("R5", "register-not-an-email-200", "POST", REG, 200, {"email": f"not-an-email-{STAMP}", "password": "x"}, schema="AuthTokenRes")
    call("R6", "register-malformed-json-400", "POST", REG, 400, raw=b'{"email": "a@b.c", password: 1}',
         headers={"Content-Type": "application/json"}, schema="Error")
    call("R7", "register-urlencoded-200", "POST", REG, 200,
         raw=urllib.parse.urlencode({"email": f"form.{STAMP}@example.com", "password": PASSWORD}).encode(),
         headers={"Content-Type": "application/x-www-form-urlencoded"}, schema="AuthTokenRes")
    call("R8", "register-unknown-provider-401", "POST", "/auth/customer/nope/register", 401, cred, schema="Error")
    call("R9", "register-arbitrary-actor-200", "POST", "/auth/foo/emailpass/register", 200,
         {"email": f"foo.{STAMP}@example.com", "password": PASSWORD}, schema="AuthTokenRes")
    call("V1", "v1-store-auth-no-pk-400", "POST", "/store/auth", 400, cred, schema="Error",
         note="v1's route, without a publishable key: the key check runs on every /store path, before routing.")
    call("V1", "v1-store-auth-404", "POST", "/store/auth", 404, cred, headers=pkh(), note="v1's route is gone (HTML 404).")

    section = "Create the customer (registration token + publishable key)"
    cust = {"email": email, "first_name": "Ada", "last_name": "Lovelace"}
    call("C1", "customer-create-no-pk-400", "POST", "/store/customers", 400, cust, headers=bearer(reg), schema="Error")
    call("C2", "customer-create-bogus-pk-400", "POST", "/store/customers", 400, cust,
         headers={"x-publishable-api-key": "pk_bogus", **bearer(reg)}, schema="Error")
    call("C2", "customer-create-bogus-pk-no-token-400", "POST", "/store/customers", 400, cust,
         headers={"x-publishable-api-key": "pk_bogus"}, schema="Error", note="Order: the key is checked before auth.")
    call("C3", "customer-create-no-token-401", "POST", "/store/customers", 401, cust, headers=pkh(), schema="Unauthorized")
    call("C4", "customer-create-invalid-email-400", "POST", "/store/customers", 400, {**cust, "email": "not-an-email"},
         headers=pkh(reg), schema="Error")
    call("C5", "customer-create-password-field-400", "POST", "/store/customers", 400, {**cust, "password": PASSWORD},
         headers=pkh(reg), schema="Error")
    call("C6", "customer-create-no-email-400", "POST", "/store/customers", 400, {"first_name": "Ada"},
         headers=pkh(reg), schema="Error")
    call("C7", "customer-create-200", "POST", "/store/customers", 200, cust, headers=pkh(reg), schema="StoreCustomerRes")
    call("C8", "customer-create-again-422", "POST", "/store/customers", 422, cust, headers=pkh(reg), schema="Error")
    call("R3", "register-after-customer-401", "POST", REG, 401, cred, schema="Error",
         note="Same e-mail and the same password once the customer exists.")
    other = f"grace.{STAMP}@example.com"
    _, b, _ = call("C9", "register-for-c9-200", "POST", REG, 200, {"email": other, "password": PASSWORD}, schema="AuthTokenRes")
    call("C9", "customer-create-other-email-200", "POST", "/store/customers", 200,
         {"email": f"someone-else.{STAMP}@example.com"}, headers=pkh(b["token"]), schema="StoreCustomerRes",
         note="The body's e-mail differs from the identity's: accepted.")

    section = "Log in"
    _, b, _ = call("L1", "login-200", "POST", LOGIN, 200, cred, schema="AuthTokenRes")
    tok = b["token"]
    call("L2", "login-wrong-password-401", "POST", LOGIN, 401, {"email": email, "password": "other-password"}, schema="Error")
    call("L2", "login-unknown-email-401", "POST", LOGIN, 401, {"email": f"nobody.{STAMP}@example.com", "password": PASSWORD}, schema="Error")
    call("L2", "login-upper-case-email-401", "POST", LOGIN, 401, {"email": email.upper(), "password": PASSWORD}, schema="Error")
    call("L3", "login-missing-password-401", "POST", LOGIN, 401, {"email": email}, schema="Error")
    call("L3", "login-empty-401", "POST", LOGIN, 401, {}, schema="Error")
    call("L3", "login-missing-email-401", "POST", LOGIN, 401, {"password": PASSWORD}, schema="Error")
    call("L4", "login-get-200", "GET", LOGIN, 200, cred, schema="AuthTokenRes")
    _, b, _ = call("L5", "login-admin-as-customer-200", "POST", LOGIN, 200,
                   {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}, schema="AuthTokenRes")
    call("L5", "me-admin-customer-token-401", "GET", ME, 401, headers=pkh(b["token"]), schema="Unauthorized")
    _, b, _ = call("L6", "login-user-with-customer-creds-200", "POST", "/auth/user/emailpass", 200, cred, schema="AuthTokenRes")
    call("L6", "admin-me-actorless-user-token-401", "GET", "/admin/users/me", 401, headers=bearer(b["token"]), schema="Unauthorized")

    section = "Retrieve me (bearer)"
    call("M1", "me-bearer-200", "GET", ME, 200, headers=pkh(tok), schema="StoreCustomerRes")
    call("M1", "me-fields-200", "GET", ME + "?fields=id,email", 200, headers=pkh(tok))
    call("M2", "me-bearer-no-pk-400", "GET", ME, 400, headers=bearer(tok), schema="Error")
    call("M2", "me-bearer-bogus-pk-400", "GET", ME, 400, headers={"x-publishable-api-key": "pk_bogus", **bearer(tok)}, schema="Error")
    call("M3", "me-pk-only-401", "GET", ME, 401, headers=pkh(), schema="Unauthorized")
    call("M3", "me-registration-token-401", "GET", ME, 401, headers=pkh(reg), schema="Unauthorized")
    call("M3", "me-token-scheme-401", "GET", ME, 401, headers=pkh(Authorization=f"Token {tok}"), schema="Unauthorized")
    call("M4", "me-lowercase-bearer-200", "GET", ME, 200, headers=pkh(Authorization=f"bearer {tok}"), schema="StoreCustomerRes")
    c = claims(tok)
    h, p, s = tok.split(".")
    now = int(time.time())
    flip = s[:-2] + ("AA" if s[-2:] != "AA" else "BB")
    call("M5", "me-tampered-signature-401", "GET", ME, 401, headers=pkh(f"{h}.{p}.{flip}"), schema="Unauthorized")
    evil = b64u(json.dumps({**c, "actor_id": "cus_SOMEONEELSE"}, separators=(",", ":")).encode())
    call("M5", "me-tampered-payload-401", "GET", ME, 401, headers=pkh(f"{h}.{evil}.{s}"), schema="Unauthorized")
    call("M5", "me-alg-none-401", "GET", ME, 401, headers=pkh(forge(c, "none")), schema="Unauthorized")
    call("M5", "me-expired-401", "GET", ME, 401, headers=pkh(forge({**c, "iat": now - 7200, "exp": now - 3600})), schema="Unauthorized")
    call("M5", "me-wrong-secret-401", "GET", ME, 401, headers=pkh(forge(c, secret=b"not-the-secret")), schema="Unauthorized")
    call("M5", "me-actor-type-user-401", "GET", ME, 401, headers=pkh(forge({**c, "actor_type": "user"})), schema="Unauthorized")
    call("M6", "me-hs512-200", "GET", ME, 200, headers=pkh(forge(c, "HS512")), schema="StoreCustomerRes")
    call("M6", "me-hs384-200", "GET", ME, 200, headers=pkh(forge(c, "HS384")), schema="StoreCustomerRes")
    noexp = {k: v for k, v in c.items() if k != "exp"}
    call("M6", "me-no-exp-200", "GET", ME, 200, headers=pkh(forge(noexp)), schema="StoreCustomerRes")
    call("M6", "me-minimal-claims-200", "GET", ME, 200,
         headers=pkh(forge({"actor_id": c["actor_id"], "actor_type": "customer"})), schema="StoreCustomerRes")
    call("M7", "me-unknown-actor-404", "GET", ME, 404, headers=pkh(forge({**c, "actor_id": "cus_DOESNOTEXIST"})), schema="Error")

    section = "Cookie session"
    res, _, _ = call("S1", "session-create-200", "POST", "/auth/session", 200, headers=bearer(tok), schema="AuthSessionRes")
    ck = cookie_of(res)
    assert ck, "no connect.sid from POST /auth/session"
    call("S2", "me-cookie-200", "GET", ME, 200, headers=pkh(Cookie=ck), schema="StoreCustomerRes")
    call("S2", "me-cookie-no-pk-400", "GET", ME, 400, headers={"Cookie": ck}, schema="Error")
    call("S3", "session-create-no-auth-401", "POST", "/auth/session", 401, schema="Unauthorized")
    call("S3", "session-create-cookie-only-401", "POST", "/auth/session", 401, headers={"Cookie": ck}, schema="Unauthorized")
    call("S3", "session-create-expired-401", "POST", "/auth/session", 401,
         headers=bearer(forge({**c, "iat": now - 7200, "exp": now - 3600})), schema="Unauthorized")
    bad = ck[:-3] + ("AAA" if not ck.endswith("AAA") else "BBB")
    call("S4", "me-tampered-cookie-401", "GET", ME, 401, headers=pkh(Cookie=bad), schema="Unauthorized")
    call("S6", "session-delete-bearer-401", "DELETE", "/auth/session", 401, headers=bearer(tok), schema="Unauthorized")
    call("S6", "session-delete-no-auth-401", "DELETE", "/auth/session", 401, schema="Unauthorized")
    call("S5", "session-delete-200", "DELETE", "/auth/session", 200, headers={"Cookie": ck}, schema="SuccessRes")
    call("S6", "session-delete-again-401", "DELETE", "/auth/session", 401, headers={"Cookie": ck}, schema="Unauthorized")
    call("S7", "me-cookie-after-logout-401", "GET", ME, 401, headers=pkh(Cookie=ck), schema="Unauthorized")
    call("S7", "me-bearer-after-logout-200", "GET", ME, 200, headers=pkh(tok), schema="StoreCustomerRes",
         note="The JWT survives logout.")
    short = forge({**c, "iat": int(time.time()), "exp": int(time.time()) + 3})
    res, _, _ = call("S8", "session-create-short-token-200", "POST", "/auth/session", 200, headers=bearer(short), schema="AuthSessionRes")
    ck2 = cookie_of(res)
    time.sleep(4.5)
    call("S8", "me-short-token-expired-401", "GET", ME, 401, headers=pkh(short), schema="Unauthorized")
    call("S8", "me-cookie-outlives-token-200", "GET", ME, 200, headers=pkh(Cookie=ck2), schema="StoreCustomerRes",
         note="Used 4.5 s after its JWT expired.")
    res, _, _ = call("S9", "session-create-registration-token-200", "POST", "/auth/session", 200, headers=bearer(reg),
                     schema="AuthSessionRes")
    call("S9", "me-cookie-actorless-401", "GET", ME, 401, headers=pkh(Cookie=cookie_of(res)), schema="Unauthorized")

    section = "Refresh"
    _, b, _ = call("T1", "refresh-200", "POST", "/auth/token/refresh", 200, headers=bearer(tok), schema="AuthTokenRes")
    call("T1", "me-old-token-after-refresh-200", "GET", ME, 200, headers=pkh(tok), schema="StoreCustomerRes")
    _, b, _ = call("T2", "refresh-registration-token-200", "POST", "/auth/token/refresh", 200, headers=bearer(reg),
                   schema="AuthTokenRes", note="After the customer exists: the new token carries the actor_id.")
    assert claims(b["token"])["actor_id"].startswith("cus_")
    call("T3", "refresh-no-auth-401", "POST", "/auth/token/refresh", 401, schema="Unauthorized")
    call("T3", "refresh-expired-401", "POST", "/auth/token/refresh", 401,
         headers=bearer(forge({**c, "iat": now - 7200, "exp": now - 3600})), schema="Unauthorized")
    call("T4", "refresh-no-auth-provider-401", "POST", "/auth/token/refresh", 401,
         headers=bearer(forge({k: v for k, v in c.items() if k != "auth_provider"})), schema="Error")

    section = "Reset password and update"
    RESET = "/auth/customer/emailpass/reset-password"
    UPDATE = "/auth/customer/emailpass/update"
    n = len(events_for(email))
    call("P1", "reset-password-201", "POST", RESET, 201, {"identifier": email})
    t1, waited = reset_token(email, n)
    exchanges[-1]["note"] = f"The `auth.password_reset` event line appeared in MEDUSA_V2_EVENTS {waited} ms after the response."
    unknown = f"nobody.{STAMP}@example.com"
    call("P1", "reset-password-unknown-201", "POST", RESET, 201, {"identifier": unknown})
    time.sleep(0.5)
    assert not events_for(unknown), "an event for an unknown identifier"
    exchanges[-1]["note"] = "No event is emitted for an unknown identifier (checked 0.5 s later)."
    call("P2", "reset-password-empty-400", "POST", RESET, 400, {}, schema="Error")
    call("P2", "reset-password-number-400", "POST", RESET, 400, {"identifier": 42}, schema="Error")
    n = len(events_for(email))
    call("P1", "reset-password-again-201", "POST", RESET, 201, {"identifier": email})
    t2, _ = reset_token(email, n)
    call("U2", "update-older-token-401", "POST", UPDATE, 401, {"password": "n3w-password-2"}, headers=bearer(t1), schema="Error",
         note="The first reset token, after a second one was issued.")
    call("U2", "update-no-token-401", "POST", UPDATE, 401, {"password": "n3w-password-2"}, schema="Error")
    call("U2", "update-login-token-401", "POST", UPDATE, 401, {"password": "n3w-password-2"}, headers=bearer(tok), schema="Error")
    forged = forge({**claims(t2), "jti": "00000000-0000-4000-8000-000000000000"})
    call("U2", "update-forged-jti-401", "POST", UPDATE, 401, {"password": "n3w-password-2"}, headers=bearer(forged), schema="Error")
    call("U2", "update-user-route-customer-token-401", "POST", "/auth/user/emailpass/update", 401,
         {"password": "n3w-password-2"}, headers=bearer(t2), schema="Error")
    call("U1", "update-200", "POST", UPDATE, 200, {"password": "n3w-password-2"}, headers=bearer(t2), schema="SuccessRes")
    call("U2", "update-same-token-again-401", "POST", UPDATE, 401, {"password": "n3w-password-2"}, headers=bearer(t2), schema="Error")
    call("U1", "login-old-password-401", "POST", LOGIN, 401, cred, schema="Error")
    call("U1", "login-new-password-200", "POST", LOGIN, 200, {"email": email, "password": "n3w-password-2"}, schema="AuthTokenRes")
    call("U4", "me-token-from-before-reset-200", "GET", ME, 200, headers=pkh(tok), schema="StoreCustomerRes")
    n = len(events_for(email))
    call("P1", "reset-password-third-201", "POST", RESET, 201, {"identifier": email})
    t3, _ = reset_token(email, n)
    call("U3", "update-empty-body-401", "POST", UPDATE, 401, {}, headers=bearer(t3), schema="Error")
    call("U3", "update-after-empty-body-401", "POST", UPDATE, 401, {"password": "other-password"}, headers=bearer(t3), schema="Error",
         note="The token was burnt by the failed update.")

    section = "E-mail case"
    mixed = f"Mixed.Case.{STAMP}@Example.COM"
    _, b, _ = call("E1", "register-mixed-case-200", "POST", REG, 200, {"email": mixed, "password": PASSWORD}, schema="AuthTokenRes")
    call("E1", "customer-create-mixed-case-200", "POST", "/store/customers", 200, {"email": mixed}, headers=pkh(b["token"]),
         schema="StoreCustomerRes", note="Stored as written.")
    call("E1", "login-mixed-lowercased-401", "POST", LOGIN, 401, {"email": mixed.lower(), "password": PASSWORD}, schema="Error")
    call("E1", "login-mixed-as-written-200", "POST", LOGIN, 200, {"email": mixed, "password": PASSWORD}, schema="AuthTokenRes")
    _, b, _ = call("E2", "register-upper-case-twin-200", "POST", REG, 200, {"email": email.upper(), "password": PASSWORD},
                   schema="AuthTokenRes", note="The upper-cased address of an existing customer is a new identity.")
    call("E2", "customer-create-upper-case-twin-200", "POST", "/store/customers", 200, {"email": email.upper()},
         headers=pkh(b["token"]), schema="StoreCustomerRes", note="A second customer next to the lower-case one.")

    _, b, _ = call("A1", "login-for-address-200", "POST", LOGIN, 200, {"email": mixed, "password": PASSWORD}, schema="AuthTokenRes")
    call("A1", "address-create-200", "POST", ME + "/addresses", 200,
         {"first_name": "Ada", "last_name": "Lovelace", "address_1": "12 St James's Square", "city": "London",
          "postal_code": "SW1Y 4JH", "country_code": "gb"},
         headers=pkh(b["token"]), schema="StoreCustomerRes", note="Shows the shape of `addresses[]`.")
    call("A1", "me-with-address-200", "GET", ME, 200, headers=pkh(b["token"]), schema="StoreCustomerRes")

    section = "Providers, CORS, MFA"
    call("X2", "providers-200", "GET", "/auth/customer/providers", 200, schema="AuthProvidersRes")
    call("X1", "cors-preflight-allowed-204", "OPTIONS", LOGIN, 204,
         headers={"Origin": "http://localhost:8000", "Access-Control-Request-Method": "POST",
                  "Access-Control-Request-Headers": "content-type"})
    call("X1", "cors-preflight-foreign-204", "OPTIONS", LOGIN, 204,
         headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
    call("X3", "mfa-factors-200", "GET", "/auth/mfa/factors", 200, headers=bearer(tok))
    call("H1", "health-200", "GET", "/health", 200, note="No Set-Cookie (saveUninitialized: false).")
    finish()
    print(f"{len(exchanges)} exchanges -> {OUT}/transcript.md", file=sys.stderr)


if __name__ == "__main__":
    main()
