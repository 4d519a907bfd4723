#!/usr/bin/env python3
"""medusa-conform driver protocol v1 (docs/driver-protocol.md) for a minimal Python Medusa client.

A template for client authors: the `StoreAuthClient` class below stands in for *your* client
library (here ~60 lines over http.client + http.cookiejar: a cookie jar per instance, the token
from get_token kept and sent as `Authorization: Bearer`, the e-mail percent-encoded in `exists`).
Replace it with calls into your library; keep the protocol part (`Driver`) as it is.

Python 3.11, standard library only. Usage:  python3 drivers/python/driver.py
The harness writes one JSON object per line on stdin and reads our answers on stdout; stderr is
a free-form log that must never hold a secret (password, token, cookie value).
"""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import signal
import sys
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

PROTOCOL = 1
DRIVER = {"name": "python-http-template", "version": "0.1.0"}
CLIENT = {"name": "medusa-conform-python-template", "version": "0.1.0"}
OPERATIONS = ["register", "authenticate", "get_session", "exists", "get_token", "delete_session"]


def log(msg: str) -> None:
    sys.stderr.write(f"python driver: {msg}\n")
    sys.stderr.flush()


# --------------------------------------------------------------------------------------------
# The client under test. In your own driver this is your library; the driver only needs, per
# call, what the client surfaced (resolved/rejected, status, headers, body) and what went over
# the wire (recorded here by the transport; a real library can expose a hook or a transport).
# --------------------------------------------------------------------------------------------


class ClientError(Exception):
    """Raised like a client library would: with the response when there was one."""

    def __init__(self, status, headers, body, message=None):
        super().__init__(message or f"HTTP {status}")
        self.status, self.headers, self.body = status, headers, body


class StoreAuthClient:
    """A minimal Medusa v1 store-auth client: cookie session + bearer token."""

    def __init__(self, base_url: str, timeout: float):
        self.base = base_url.rstrip("/")
        self.timeout = timeout
        self.jar = http.cookiejar.CookieJar()
        self.token: str | None = None
        self.wire: list[dict] = []  # filled by _request; the driver drains it per call

    # -- the public API (what a storefront would call) --
    def register(self, data):
        return self._request("POST", "/store/customers", data)

    def authenticate(self, data):
        return self._request("POST", "/store/auth", data)

    def get_session(self):
        return self._request("GET", "/store/auth")

    def exists(self, email):
        return self._request("GET", "/store/auth/" + urllib.parse.quote(str(email), safe=""))

    def get_token(self, data):
        body = self._request("POST", "/store/auth/token", data)
        if isinstance(body, dict) and isinstance(body.get("access_token"), str):
            self.token = body["access_token"]
        return body

    def delete_session(self):
        return self._request("DELETE", "/store/auth")

    # -- transport --
    def _request(self, method: str, path: str, data=None):
        url = self.base + path
        headers = {"Accept": "application/json"}
        payload = None
        if data is not None:
            payload = json.dumps(data).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        # Let http.cookiejar decide which cookies go out (domain, path, secure, expiry).
        probe = urllib.request.Request(url, method=method)
        self.jar.add_cookie_header(probe)
        cookie = probe.get_header("Cookie")
        if cookie:
            headers["Cookie"] = cookie
        rec = {
            "method": method,
            "url": url,
            "cookie_sent": bool(cookie),
            "cookie_names": [c.split("=", 1)[0].strip() for c in cookie.split(";")] if cookie else [],
            "bearer_sent": "Authorization" in headers,
            "authorization_sent": "Authorization" in headers,
            "body_keys": list(data.keys()) if isinstance(data, dict) else None,
            "status": None,
            "response_headers": {},
            "set_cookie": [],
        }
        self.wire.append(rec)
        u = urllib.parse.urlsplit(url)
        conn_cls = http.client.HTTPSConnection if u.scheme == "https" else http.client.HTTPConnection
        conn = conn_cls(u.hostname, u.port, timeout=self.timeout)
        try:
            target = u.path + ("?" + u.query if u.query else "")
            conn.request(method, target, body=payload, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
        except (OSError, http.client.HTTPException) as e:
            rec["failure"] = type(e).__name__
            raise ClientError(None, {}, None, message=f"network error: {type(e).__name__}") from None
        finally:
            conn.close()
        self.jar.extract_cookies(resp, probe)
        rec["status"] = resp.status
        seen = {}
        for name, value in resp.getheaders():
            n = name.lower()
            if n == "set-cookie":
                rec["set_cookie"].append(parse_set_cookie(value))
            else:
                seen[n] = f"{seen[n]}, {value}" if n in seen else value
        rec["response_headers"] = seen
        text = raw.decode("utf-8", "replace")
        try:
            body = json.loads(text) if "json" in (resp.getheader("content-type") or "") else text
        except ValueError:
            body = text
        if not 200 <= resp.status < 300:
            raise ClientError(resp.status, dict(seen), body)
        self.last_status, self.last_headers = resp.status, dict(seen)
        return body


def parse_set_cookie(line: str) -> dict:
    """Names and attributes of one Set-Cookie line; never its value."""
    parts = [p.strip() for p in line.split(";")]
    c = {"name": parts[0].split("=", 1)[0].strip(), "path": None, "expires": None, "max_age": None,
         "domain": None, "http_only": False, "secure": False, "same_site": None}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        k = k.strip().lower()
        v = v.strip() if _ else None
        if k == "path":
            c["path"] = v
        elif k == "expires":
            c["expires"] = v
        elif k == "max-age":
            c["max_age"] = int(v) if v and v.lstrip("-").isdigit() else v
        elif k == "domain":
            c["domain"] = v
        elif k == "httponly":
            c["http_only"] = True
        elif k == "secure":
            c["secure"] = True
        elif k == "samesite":
            c["same_site"] = v
    return c


# --------------------------------------------------------------------------------------------
# The protocol side: keep this part when you adapt the template.
# --------------------------------------------------------------------------------------------

CALLS = {
    "register": lambda c, a: c.register(a),
    "authenticate": lambda c, a: c.authenticate(a),
    "get_session": lambda c, a: c.get_session(),
    "exists": lambda c, a: c.exists(a.get("email")),
    "get_token": lambda c, a: c.get_token(a),
    "delete_session": lambda c, a: c.delete_session(),
}


class Driver:
    def __init__(self):
        self.out_lock = threading.Lock()
        self.actors: dict[str, StoreAuthClient] = {}
        self.actor_locks: dict[str, threading.Lock] = {}
        self.locks_lock = threading.Lock()
        self.pool = ThreadPoolExecutor(max_workers=16)
        self.target = None
        self.timeout = 29.0

    def send(self, msg: dict) -> None:
        line = json.dumps(msg, separators=(",", ":")) + "\n"
        with self.out_lock:
            sys.stdout.write(line)
            sys.stdout.flush()

    def error(self, id_, kind, message):
        self.send({"type": "error", "id": id_, "kind": kind, "message": message})

    def actor_lock(self, name):
        with self.locks_lock:
            return self.actor_locks.setdefault(name, threading.Lock())

    def hello(self, msg):
        self.target = msg.get("target")
        opts = msg.get("options") or {}
        if isinstance(opts.get("call_timeout_ms"), int) and opts["call_timeout_ms"] > 1000:
            self.timeout = opts["call_timeout_ms"] / 1000 - 1
        u = urllib.parse.urlsplit(self.target or "")
        if u.scheme not in ("http", "https") or not u.hostname:
            self.error(None, "bad_request", f"the hello's target {self.target!r} is not an http(s) URL")
            return False
        if msg.get("protocol") != PROTOCOL:
            log(f"the harness speaks protocol {msg.get('protocol')!r}, this driver speaks {PROTOCOL}")
        self.send({"type": "hello", "protocol": PROTOCOL, "driver": DRIVER, "client": CLIENT,
                   "operations": OPERATIONS})
        return True

    def handle(self, msg):
        with self.actor_lock(msg["actor"]):
            try:
                if msg["type"] == "call":
                    self.send(self.call(msg))
                elif msg["type"] == "reset":
                    self.actors.pop(msg["actor"], None)
                    self.send({"type": "result", "id": msg["id"], "outcome": "resolved"})
                elif msg["type"] == "jar":
                    c = self.actors.get(msg["actor"])
                    cookies = [] if c is None else [
                        {"name": k.name, "domain": k.domain, "path": k.path,
                         "http_only": k.has_nonstandard_attr("HttpOnly"), "secure": bool(k.secure),
                         "same_site": k.get_nonstandard_attr("SameSite"), "expires": k.expires}
                        for k in c.jar]
                    self.send({"type": "result", "id": msg["id"], "outcome": "resolved", "cookies": cookies})
            except Exception as e:  # a driver bug, not a client outcome
                self.error(msg["id"], "driver", f"{msg['type']} for actor {msg['actor']}: {type(e).__name__}")

    def call(self, msg):
        fresh = msg["actor"] not in self.actors
        t_start = time.perf_counter()
        client = self.actors.setdefault(msg["actor"], StoreAuthClient(self.target, self.timeout))
        start_ms = round((time.perf_counter() - t_start) * 1000, 2)
        client.wire = []
        t = time.perf_counter()
        out = {"type": "result", "id": msg["id"]}
        try:
            body = CALLS[msg["op"]](client, msg["args"])
            out.update(outcome="resolved", status=client.last_status, headers=client.last_headers, body=body)
        except ClientError as e:
            out.update(outcome="rejected", status=e.status, headers=e.headers, body=e.body)
            if e.status is None:
                out["error"] = str(e)
        out["wire"] = client.wire
        out["ms"] = round((time.perf_counter() - t) * 1000, 2)
        if fresh:
            out["actor_start_ms"] = start_ms
        return out

    def run(self):
        said_hello = False
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                msg = json.loads(line)
            except ValueError:
                self.error(None, "bad_request", "the line is not JSON")
                continue
            if not isinstance(msg, dict):
                self.error(None, "bad_request", "a message must be a JSON object")
                continue
            mid = msg.get("id") if isinstance(msg.get("id"), int) and not isinstance(msg.get("id"), bool) else None
            if not said_hello:
                if msg.get("type") != "hello":
                    self.error(mid, "bad_request", "the first message must be the hello")
                    continue
                if not self.hello(msg):
                    return 2
                said_hello = True
                continue
            kind = msg.get("type")
            if kind == "shutdown":
                break
            if kind not in ("call", "reset", "jar"):
                self.error(mid, "bad_request", f"unknown message type {kind!r}")
                continue
            if mid is None or not isinstance(msg.get("actor"), str) or not msg["actor"]:
                self.error(mid, "bad_request", "an integer `id` and a non-empty string `actor` are required")
                continue
            if kind == "call":
                if msg.get("op") not in CALLS:
                    self.error(mid, "unknown_op", f"unknown op {msg.get('op')!r} (this driver knows {', '.join(OPERATIONS)})")
                    continue
                msg.setdefault("args", {})
                if not isinstance(msg["args"], dict):
                    self.error(mid, "bad_request", "`args` must be a JSON object")
                    continue
            self.pool.submit(self.handle, msg)
        self.pool.shutdown(wait=True, cancel_futures=True)
        return 0


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        sys.exit(Driver().run())
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(1)


if __name__ == "__main__":
    main()
