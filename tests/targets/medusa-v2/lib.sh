# shellcheck shell=bash
# Shared settings for `up` and `down`. Sourced, not executed.
# Every knob is a MEDUSA_V2_* variable, so a shell that already holds v1's
# MEDUSA_* exports (tests/targets/medusa-v1) can drive both targets.

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

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

DATABASE_URL="postgres://postgres@127.0.0.1:${PG_PORT}/${DB_NAME}"
MEDUSA_URL="http://127.0.0.1:${MEDUSA_PORT}"

MEDUSA_PID_FILE="$STATE_DIR/medusa.pid"
MEDUSA_LOG="$STATE_DIR/medusa.log"
MEDUSA_FINGERPRINT_FILE="$STATE_DIR/medusa.fingerprint"
# One JSON line per `auth.password_reset` event (src/subscribers/capture-auth-events.ts).
EVENTS_FILE="$STATE_DIR/events.jsonl"
# Holds the directory of the PostgreSQL cluster (data/ and postgres.log inside).
PG_ROOT_FILE="$STATE_DIR/pgroot.path"
# The server is started through this script (exact path in its command line).
MEDUSA_CLI="$HERE/node_modules/@medusajs/cli/cli.js"

# bash -c snippet: close every inherited fd above 2, then exec "$@". Used for
# the daemons (postgres, node) so they never hold the caller's pipes open
# (otherwise `eval "$(up)"` or `up | tee` would wait for them forever).
CLOSE_FDS_EXEC='for f in /proc/$$/fd/*; do n=${f##*/}; if [ "$n" -gt 2 ] 2>/dev/null; then eval "exec $n>&-"; fi; done; exec "$@"'

log() { printf '[medusa-v2 +%ss] %s\n' "$SECONDS" "$*" >&2; }
die() { printf '[medusa-v2] ERROR: %s\n' "$*" >&2; exit 1; }

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

# Medusa server PID from the PID file, if that process is alive and is our
# `medusa start` (it leads its own process group: setsid).
medusa_pid() {
  local pid
  [ -f "$MEDUSA_PID_FILE" ] || return 1
  pid="$(cat "$MEDUSA_PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$MEDUSA_CLI start" || return 1
  printf '%s\n' "$pid"
}

medusa_healthy() {
  curl -fsS -m 5 -o /dev/null "$MEDUSA_URL/health" 2>/dev/null
}

# Stops the server's whole process group (medusa may start helpers), SIGTERM
# then SIGKILL after 10 s.
stop_medusa() {
  local pid
  if ! pid="$(medusa_pid)"; then
    rm -f "$MEDUSA_PID_FILE"
    return 0
  fi
  log "stopping Medusa (pid $pid)"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    log "Medusa did not stop in 10 s; sending SIGKILL"
  fi
  # Also reaps any straggler left in the group after the leader exited.
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$MEDUSA_PID_FILE"
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
