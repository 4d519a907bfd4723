# shellcheck shell=bash
# Settings for `up` and `down` (the provisioning itself is ../lib/common.sh).
# Sourced, not executed.

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TARGET=medusa-v1

STATE_DIR="${MEDUSA_STATE_DIR:-$HERE/.state}"
MEDUSA_PORT="${MEDUSA_PORT:-9000}"
PG_PORT="${MEDUSA_PG_PORT:-54329}"
DB_NAME="${MEDUSA_DB_NAME:-medusa_conform}"
JWT_SECRET="${MEDUSA_JWT_SECRET:-medusa-conform-jwt-secret}"
COOKIE_SECRET="${MEDUSA_COOKIE_SECRET:-medusa-conform-cookie-secret}"
ADMIN_EMAIL="${MEDUSA_ADMIN_EMAIL:-admin@medusa-test.local}"
ADMIN_PASSWORD="${MEDUSA_ADMIN_PASSWORD:-supersecret-admin}"
HEALTH_TIMEOUT="${MEDUSA_HEALTH_TIMEOUT:-180}"
SERVER_NODE_ENV="${MEDUSA_NODE_ENV:-development}"

PORT_VAR=MEDUSA_PORT
MEDUSA_CMDLINE="$HERE/server.js"
PG_TMP_PREFIX=medusa-conform-pg-
MEDUSA_ENV=(DATABASE_URL="postgres://postgres@127.0.0.1:${PG_PORT}/${DB_NAME}"
  JWT_SECRET="$JWT_SECRET" COOKIE_SECRET="$COOKIE_SECRET" PORT="$MEDUSA_PORT"
  MEDUSA_DISABLE_TELEMETRY=true DO_NOT_TRACK=1 NODE_ENV="$SERVER_NODE_ENV")
MEDUSA_BIN=(./node_modules/.bin/medusa)
MIGRATE_ARGS=(migrations run)
NPM_CI_NOTE="about 40 s with a warm npm cache"
NODE_MODULES_PROBE="$HERE/node_modules/@medusajs/medusa"
# Medusa 1.20's UserService.hashPassword_.
SCRYPT_FROM="$HERE/node_modules/@medusajs/medusa"
SCRYPT_PARAMS="logN: 1, r: 1, p: 1"

# shellcheck source=../lib/common.sh
. "$HERE/../lib/common.sh"
