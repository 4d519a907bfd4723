#!/usr/bin/env python3
"""Validate the responses captured by capture.py against specs/medusa-v2/*.json.

    tests/targets/medusa-v2/capture.py && tests/targets/medusa-v2/check-specs.py

Reads .state/samples-raw/ (unredacted bodies + index.json: sample -> schema),
compiles every schema of specs/medusa-v2 offline (relative $refs resolve inside
that folder; nothing is fetched), with format checking, and requires:
  - every sample is valid against its schema;
  - every schema is used by a sample, directly or through a $ref (Defs excepted);
  - every schema can fail: each sample with an extra top-level key, and each
    sample with its first required key removed, must be rejected.
Needs the `jsonschema` PyPI package (>= 4.18): system python3, or
  python3 -m venv .state/venv && .state/venv/bin/pip install jsonschema
Exit 0 when all holds, 1 otherwise.
"""
import json
import os
import sys

try:
    import jsonschema
    from referencing import Registry, Resource
except ImportError:
    sys.exit("check-specs: needs the jsonschema package (python3 -m venv .state/venv && .state/venv/bin/pip install jsonschema)")

HERE = os.path.dirname(os.path.abspath(__file__))
SPECS = os.path.normpath(os.path.join(HERE, "..", "..", "..", "specs", "medusa-v2"))
RAW = os.path.join(os.environ.get("MEDUSA_V2_STATE_DIR", os.path.join(HERE, ".state")), "samples-raw")
BASE = "file:///medusa-conform/specs/medusa-v2/"

schemas = {}
for f in sorted(os.listdir(SPECS)):
    if f.endswith(".json"):
        with open(os.path.join(SPECS, f)) as fh:
            schemas[f[:-5]] = json.load(fh)
registry = Registry().with_resources(
    (BASE + name + ".json", Resource.from_contents(doc)) for name, doc in schemas.items()
)
validators = {}
for name, doc in schemas.items():
    cls = jsonschema.validators.validator_for(doc)
    cls.check_schema(doc)
    validators[name] = cls({"$ref": BASE + name + ".json"}, registry=registry, format_checker=cls.FORMAT_CHECKER)

with open(os.path.join(RAW, "index.json")) as fh:
    index = json.load(fh)

failures = 0
used = set()
for sample, schema in sorted(index.items()):
    if schema not in validators:
        print(f"FAIL {sample}: no schema specs/medusa-v2/{schema}.json")
        failures += 1
        continue
    used.add(schema)
    with open(os.path.join(RAW, sample + ".json")) as fh:
        body = json.load(fh)
    v = validators[schema]
    errs = [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:120]}" for e in v.iter_errors(body)]
    if errs:
        failures += 1
        print(f"FAIL {sample} !~ {schema}: " + "; ".join(errs[:3]))
        continue
    mutants = [("extra key", {**body, "__unexpected": 1})]
    req = schemas[schema].get("required") or []
    if req:
        mutants.append((f"without {req[0]}", {k: x for k, x in body.items() if k != req[0]}))
    for what, m in mutants:
        if v.is_valid(m):
            failures += 1
            print(f"FAIL {sample}: {schema} accepts the sample with {what}")
    print(f"ok   {sample} ~ {schema}")

# Component schemas (Customer, Address, AuthContext) count as used through a $ref.
referenced, frontier = set(), set(used)
while frontier:
    frontier = {n for n in schemas for o in frontier if f'"{n}.json' in json.dumps(schemas[o])} - referenced - used
    referenced |= frontier
for name in sorted(set(schemas) - used - referenced - {"Defs"}):
    failures += 1
    print(f"FAIL schema {name} has no sample")
if validators["Defs"].is_valid({}):
    failures += 1
    print("FAIL Defs accepts an instance")

print(f"{len(index)} samples, {len(schemas)} schemas, {failures} failure(s)")
sys.exit(1 if failures else 0)
