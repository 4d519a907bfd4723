#!/usr/bin/env python3
"""Derives the hand-made HAR edge cases from the recorded one (tests/har/fixtures/
chromium-playwright.har), so each differs from a real recording in exactly the ways real
exporters differ. Run it again after re-recording: python3 tests/har/make-fixtures.py"""
import base64, copy, json, pathlib, random

here = pathlib.Path(__file__).parent / "fixtures"
rec = json.loads((here / "chromium-playwright.har").read_text())

def write(name, har):
    (here / name).write_text(json.dumps(har, indent=2) + "\n")

# Chromium DevTools without "sensitive data": no Cookie/Set-Cookie headers, empty cookie arrays.
chrome = copy.deepcopy(rec)
chrome["log"]["creator"] = {"name": "WebInspector", "version": "537.36"}
for e in chrome["log"]["entries"]:
    for part in (e["request"], e["response"]):
        part["headers"] = [h for h in part["headers"] if h["name"].lower() not in ("cookie", "set-cookie")]
        part["cookies"] = []
write("chrome-devtools-no-cookies.har", chrome)

# Firefox: local-time offsets, Set-Cookie headers joined by newlines and no response cookie
# array, request cookies only in the `cookies` array, base64 response bodies, missing members,
# entries in completion order (shuffled here).
ff = copy.deepcopy(rec)
ff["log"]["creator"] = {"name": "Firefox", "version": "140.0"}
for i, e in enumerate(ff["log"]["entries"]):
    t = e["startedDateTime"]  # 2026-11-29T05:10:19.123Z -> same instant at +01:00
    hh = int(t[11:13]) + 1
    e["startedDateTime"] = f"{t[:11]}{hh:02d}{t[13:23]}+01:00"
    req, resp = e["request"], e["response"]
    req["headers"] = [h for h in req["headers"] if h["name"].lower() != "cookie"]
    sc = [h["value"] for h in resp["headers"] if h["name"].lower() == "set-cookie"]
    resp["headers"] = [h for h in resp["headers"] if h["name"].lower() != "set-cookie"]
    if sc:
        resp["headers"].append({"name": "Set-Cookie", "value": "\n".join(sc)})
    resp["cookies"] = []
    c = resp.get("content") or {}
    if c.get("text"):
        c["text"] = base64.b64encode(c["text"].encode()).decode()
        c["encoding"] = "base64"
    for k in ("timings", "cache", "serverIPAddress", "_resourceType"):
        e.pop(k, None)
    resp.pop("redirectURL", None)
random.Random(7).shuffle(ff["log"]["entries"])
write("firefox.har", ff)

# Truncated mid-file (an interrupted download), and a JSON file that is not a HAR.
text = (here / "chromium-playwright.har").read_text()
(here / "truncated.har").write_text(text[: len(text) // 2])
(here / "not-a-har.har").write_text('{\n  "entries": [\n    {"url": "http://127.0.0.1/store/auth"}\n  ]\n}\n')
