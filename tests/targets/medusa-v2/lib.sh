# shellcheck shell=bash
# Settings for `up` and `down` (the provisioning itself is ../lib/common.sh).
# Sourced, not executed.
# Every knob is a MEDUSA_V2_* variable, so a shell that already holds v1's
# MEDUSA_* exports (tests/targets/medusa-v1) can drive both targets.

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TARGET=medusa-v2

STATE_DIR="${MEDUSA_V2_STATE_DIR:-$HERE/.state}"
MEDUSA_PORT="${MEDUSA_V2_PORT:-9200}"
PG_PORT="${MEDUSA_V2_PG_PORT:-54339}"
DB_NAME="${MEDUSA_V2_DB_NAME:-medusa_conform_v2}"
JWT_SECRET="${MEDUSA_V2_JWT_SECRET:-medusa-conform-v2-jwt-secret}"
COOKIE_SECRET="${MEDUSA_V2_COOKIE_SECRET:-medusa-conform-v2-cookie-secret}"
ADMIN_EMAIL="${MEDUSA_V2_ADMIN_EMAIL:-admin@medusa-test.local}"
ADMIN_PASSWORD="${MEDUSA_V2_ADMIN_PASSWORD:-supersecret-admin}"
CORS="${MEDUSA_V2_CORS:-http://localhost:8000}"
HEALTH_TIMEOUT="${MEDUSA_V2_HEALTH_TIMEOUT:-180}"
SERVER_NODE_ENV="${MEDUSA_V2_NODE_ENV:-development}"

# One JSON line per `auth.password_reset` event (src/subscribers/capture-auth-events.ts).
EVENTS_FILE="$STATE_DIR/events.jsonl"
# The server is started through this script (exact path in its command line).
MEDUSA_CLI="$HERE/node_modules/@medusajs/cli/cli.js"

PORT_VAR=MEDUSA_V2_PORT
MEDUSA_CMDLINE="$MEDUSA_CLI start"
PG_TMP_PREFIX=medusa-conform-v2-pg-
MEDUSA_ENV=(DATABASE_URL="postgres://postgres@127.0.0.1:${PG_PORT}/${DB_NAME}"
  JWT_SECRET="$JWT_SECRET" COOKIE_SECRET="$COOKIE_SECRET"
  MEDUSA_CORS="$CORS" MEDUSA_V2_EVENTS="$EVENTS_FILE"
  MEDUSA_DISABLE_TELEMETRY=true DO_NOT_TRACK=1 NODE_ENV="$SERVER_NODE_ENV")
MEDUSA_BIN=(node "$MEDUSA_CLI")
MIGRATE_ARGS=(db:migrate)
NPM_CI_NOTE="about 2 min and 730 MB; ~1100 packages"
NODE_MODULES_PROBE="$MEDUSA_CLI"
# @medusajs/auth-emailpass's hashing.
SCRYPT_FROM="$HERE/node_modules/@medusajs/auth-emailpass"
SCRYPT_PARAMS="logN: 15, r: 8, p: 1"

# shellcheck source=../lib/common.sh
. "$HERE/../lib/common.sh"
