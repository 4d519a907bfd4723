# shellcheck shell=bash
# Shared settings for `up` and `down`. Sourced, not executed.

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

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

DATABASE_URL="postgres://postgres@127.0.0.1:${PG_PORT}/${DB_NAME}"
MEDUSA_URL="http://127.0.0.1:${MEDUSA_PORT}"

MEDUSA_PID_FILE="$STATE_DIR/medusa.pid"
MEDUSA_LOG="$STATE_DIR/medusa.log"
MEDUSA_FINGERPRINT_FILE="$STATE_DIR/medusa.fingerprint"
# Holds the directory of the PostgreSQL cluster (data/ and postgres.log inside).
PG_ROOT_FILE="$STATE_DIR/pgroot.path"

# bash -c snippet: close every inherited fd above 2, then exec "$@". Used for
# the daemons (postgres, node) so they never hold the caller's pipes open
# (otherwise `eval "$(up)"` or `up | tee` would wait for them forever).
CLOSE_FDS_EXEC='for f in /proc/$$/fd/*; do n=${f##*/}; if [ "$n" -gt 2 ] 2>/dev/null; then eval "exec $n>&-"; fi; done; exec "$@"'

log() { printf '[medusa-v1 +%ss] %s\n' "$SECONDS" "$*" >&2; }
die() { printf '[medusa-v1] ERROR: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# Run a command as the OS user that owns the PostgreSQL cluster
# (`postgres` when we are root, since the server refuses to run as root).
as_pg() {
  if is_root; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

pg_bin_dir() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
    printf '%s\n' "$d"
  fi
}

# Medusa server PID from the PID file, if that process is alive and is our server.js.
medusa_pid() {
  local pid
  [ -f "$MEDUSA_PID_FILE" ] || return 1
  pid="$(cat "$MEDUSA_PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$HERE/server.js" || return 1
  printf '%s\n' "$pid"
}

medusa_healthy() {
  curl -fsS -m 5 -o /dev/null "$MEDUSA_URL/health" 2>/dev/null
}

# Serialise concurrent up/down runs of this checkout (they share node_modules,
# and usually the state dir). The daemons never inherit fd 9 (CLOSE_FDS_EXEC).
take_lock() {
  exec 9>>"$HERE/.up.lock"
  if ! flock -n 9; then
    log "another up/down is running in $HERE; waiting for it"
    flock -w 900 9 || die "could not take $HERE/.up.lock within 900 s"
  fi
}
