#!/usr/bin/env bash
# The CI recipe's run step (docs/ci.md): runs the suite against $MEDUSA_URL and writes every
# report into OUT_DIR: junit.xml, report.json, report.html, summary.md; appends the summary to
# $GITHUB_STEP_SUMMARY when it is set (GitHub Actions). Exits with medusa-conform's exit code
# (0 pass, 1 failures, see README "Exit codes"), after the reports are written.
# .ci/run runs this very script against `medusa-conform serve`.
#
# Usage: docs/ci-recipe.sh OUT_DIR [run options and paths…]
#   MEDUSA_CONFORM   the binary (default: medusa-conform on PATH)
#   MEDUSA_URL       the target (required: a recipe always names what it tests)
set -euo pipefail
out="${1:?usage: docs/ci-recipe.sh OUT_DIR [run options…]}"
shift
bin="${MEDUSA_CONFORM:-medusa-conform}"
: "${MEDUSA_URL:?set MEDUSA_URL to the deployment under test}"
mkdir -p "$out"
status=0
"$bin" run --target "$MEDUSA_URL" \
  --junit "$out/junit.xml" --json "$out/report.json" \
  --html "$out/report.html" --summary "$out/summary.md" "$@" || status=$?
if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$out/summary.md" ]; then
  cat "$out/summary.md" >>"$GITHUB_STEP_SUMMARY"
fi
exit "$status"
