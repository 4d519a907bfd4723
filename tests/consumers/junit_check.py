"""Checks a JUnit report with real consumers: validates it against the Jenkins xunit-plugin
JUnit schema (xmlschema) and reads it with junitparser. Prints one JSON line with what the
reader saw, for the Rust test to compare with the run; exits 1 on a schema violation.
Usage: python junit_check.py SCHEMA.xsd REPORT.xml"""
import json, sys

import junitparser
import xmlschema

schema_path, report_path = sys.argv[1], sys.argv[2]
schema = xmlschema.XMLSchema(schema_path)
errors = [str(e.reason) + " at " + str(e.path) for e in schema.iter_errors(report_path)]
if errors:
    print("\n".join(errors), file=sys.stderr)
    sys.exit(1)

xml = junitparser.JUnitXml.fromfile(report_path)
cases = []
for suite in xml:
    for case in suite:
        kinds = [type(r).__name__ for r in case.result]
        message = next((r.message for r in case.result if r.message), None)
        cases.append({"suite": suite.name, "name": case.name, "results": kinds, "message": message})
print(json.dumps({"tests": xml.tests, "failures": xml.failures, "skipped": xml.skipped, "cases": cases}))
