# shellcheck shell=bash
# What tests/targets/medusa-v1 and tests/targets/medusa-v2 provision alike: a
# private PostgreSQL cluster, node_modules from the lock, migrations, the admin
# user, a detached Medusa waited for on /health, a fingerprint that makes `up`
# a no-op when nothing changed, and `down`. Sourced (by each target's lib.sh),
# not executed.
#
# The target's lib.sh sets, before sourcing this file:
#   HERE TARGET STATE_DIR MEDUSA_PORT PG_PORT DB_NAME JWT_SECRET COOKIE_SECRET
#   ADMIN_EMAIL ADMIN_PASSWORD HEALTH_TIMEOUT SERVER_NODE_ENV
#   PORT_VAR          the variable a user sets to move the server (for messages)
#   MEDUSA_CMDLINE    text the server's command line contains (to know it is ours)
#   PG_TMP_PREFIX     /var/tmp/<prefix><hash>: the cluster when postgres cannot reach STATE_DIR
#   MEDUSA_ENV        array of NAME=value the Medusa CLI and server run with
#   MEDUSA_BIN        array: how to run the Medusa CLI (migrations, `user`)
#   MIGRATE_ARGS      array: the CLI's migration command
#   NPM_CI_NOTE       what `npm ci` costs (a log line)
#   NODE_MODULES_PROBE  a path that exists once node_modules is installed
#   SCRYPT_FROM       node_modules directory whose scrypt-kdf hashes admin passwords
#   SCRYPT_PARAMS     its parameters, as a JS object body (`logN: 15, r: 8, p: 1`)
# and its `up` defines print_exports, fingerprint, ensure_tools (calling
# install_missing), admin_hash, set_admin_hash HASH and start (calling
# start_medusa CMD...), then calls run_up; its `down` calls run_down.

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

log() { printf '[%s +%ss] %s\n' "$TARGET" "$SECONDS" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$TARGET" "$*" >&2; exit 1; }

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

psql_q() {
  psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@"
}

lock_hash() {
  cat "$HERE/package.json" "$HERE/package-lock.json" | sha256sum | cut -d' ' -f1
}

# Medusa server PID from the PID file, if that process is alive and is our
# server (it leads its own process group: setsid).
medusa_pid() {
  local pid
  [ -f "$MEDUSA_PID_FILE" ] || return 1
  pid="$(cat "$MEDUSA_PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$MEDUSA_CMDLINE" || return 1
  printf '%s\n' "$pid"
}

medusa_healthy() {
  curl -fsS -m 5 -o /dev/null "$MEDUSA_URL/health" 2>/dev/null
}

medusa_env() { env "${MEDUSA_ENV[@]}" "$@"; }

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

# ---------------------------------------------------------------- prerequisites
# apt-installs (as root) what is missing of curl, psql, flock, PostgreSQL and
# the Debian packages named in "$@".
install_missing() {
  local missing=("$@")
  command -v curl >/dev/null || missing+=(curl)
  command -v psql >/dev/null || missing+=(postgresql-client)
  command -v flock >/dev/null || missing+=(util-linux)
  [ -n "$(pg_bin_dir)" ] || missing+=(postgresql)
  if [ "${#missing[@]}" -gt 0 ]; then
    is_root || die "missing: ${missing[*]} (install them, or run as root so up can apt-get them)"
    command -v apt-get >/dev/null || die "missing: ${missing[*]} and no apt-get"
    log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
  [ -n "$(pg_bin_dir)" ] || die "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin"
}

# ------------------------------------------------------------------- PostgreSQL
pg_root() {
  if [ -s "$PG_ROOT_FILE" ]; then
    cat "$PG_ROOT_FILE"
    return
  fi
  local root
  root="$STATE_DIR/pg"
  if is_root && ! runuser -u postgres -- test -x "$STATE_DIR" 2>/dev/null; then
    # The postgres user cannot reach the state dir (e.g. a clone under /root):
    # keep the cluster under /var/tmp, keyed by the state dir path.
    root="/var/tmp/${PG_TMP_PREFIX}$(printf '%s' "$STATE_DIR" | sha256sum | cut -c1-12)"
  fi
  printf '%s\n' "$root" >"$PG_ROOT_FILE"
  printf '%s\n' "$root"
}

ensure_postgres() {
  local bin root data pglog
  bin="$(pg_bin_dir)"
  root="$(pg_root)"
  data="$root/data"
  pglog="$root/postgres.log"

  if [ ! -f "$data/PG_VERSION" ]; then
    log "creating PostgreSQL cluster in $data"
    mkdir -p "$root"
    is_root && chown postgres: "$root"
    chmod 700 "$root"
    as_pg "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null \
      || die "initdb failed"
  fi

  if as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    # Line 4 of postmaster.pid is the port it listens on.
    if [ "$(sed -n 4p "$data/postmaster.pid" 2>/dev/null)" != "$PG_PORT" ]; then
      log "PostgreSQL running on another port; restarting it on $PG_PORT"
      as_pg "$bin/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null
    else
      log "PostgreSQL already running ($data)"
    fi
  fi
  if ! as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    # unix_socket_directories='' : TCP only, no dependency on /var/run/postgresql.
    if ! as_pg bash -c "$CLOSE_FDS_EXEC" close-fds "$bin/pg_ctl" -D "$data" -l "$pglog" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null; then
      tail -n 30 "$pglog" >&2 || true
      die "PostgreSQL failed to start (log: $pglog)"
    fi
  fi

  local i
  for i in $(seq 1 60); do
    pg_isready -q -h 127.0.0.1 -p "$PG_PORT" -U postgres && break
    [ "$i" -eq 60 ] && die "PostgreSQL not ready on 127.0.0.1:$PG_PORT (log: $pglog)"
    sleep 0.5
  done

  if [ "$(psql_q -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != 1 ]; then
    log "creating database $DB_NAME"
    psql_q -d postgres -c "CREATE DATABASE \"$DB_NAME\""
  fi
}

# Stops the cluster `up` recorded in the state dir, if it runs.
stop_postgres() {
  local bin data
  bin="$(pg_bin_dir)"
  if [ -s "$PG_ROOT_FILE" ] && [ -n "$bin" ]; then
    data="$(cat "$PG_ROOT_FILE")/data"
    if [ -f "$data/PG_VERSION" ] && as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      log "stopping PostgreSQL ($data)"
      as_pg "$bin/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null
    else
      log "PostgreSQL not running"
    fi
  else
    log "no PostgreSQL cluster recorded in $STATE_DIR"
  fi
}

# -------------------------------------------------------------------------- npm
ensure_node_modules() {
  local want have=""
  want="$(lock_hash)"
  [ -f "$HERE/node_modules/.medusa-conform-lock" ] && have="$(cat "$HERE/node_modules/.medusa-conform-lock")"
  if [ "$want" = "$have" ] && [ -e "$NODE_MODULES_PROBE" ]; then
    log "node_modules up to date"
    return
  fi
  log "npm ci ($NPM_CI_NOTE)"
  (cd "$HERE" && DO_NOT_TRACK=1 MEDUSA_DISABLE_TELEMETRY=true \
    npm ci --no-audit --no-fund --no-update-notifier --loglevel=error) >&2 || die "npm ci failed"
  printf '%s\n' "$want" >"$HERE/node_modules/.medusa-conform-lock"
}

# ------------------------------------------------------------------- migrations
ensure_migrations() {
  # Migrations cost seconds (v2: 12-29 s) even with nothing to do: re-run them
  # only when the lock changes, or the cluster/database was re-created.
  local want have=""
  want="$(lock_hash) $(psql_q -d "$DB_NAME" -tAc \
    "SELECT (SELECT system_identifier FROM pg_control_system()) || '/' || (SELECT oid FROM pg_database WHERE datname = current_database())")"
  [ -f "$STATE_DIR/migrated" ] && have="$(cat "$STATE_DIR/migrated")"
  if [ "$want" = "$have" ]; then
    log "migrations already applied"
    return
  fi
  log "running medusa ${MIGRATE_ARGS[*]}"
  (cd "$HERE" && medusa_env "${MEDUSA_BIN[@]}" "${MIGRATE_ARGS[@]}") </dev/null >"$STATE_DIR/migrations.log" 2>&1 || {
    tail -n 40 "$STATE_DIR/migrations.log" >&2
    die "migrations failed (log: $STATE_DIR/migrations.log)"
  }
  printf '%s\n' "$want" >"$STATE_DIR/migrated"
}

# ------------------------------------------------------------------- admin user
# Creates the admin with `medusa user`, or makes its password ADMIN_PASSWORD
# (hashed as Medusa hashes it: scrypt-kdf with SCRYPT_PARAMS).
ensure_admin() {
  local hash
  hash="$(admin_hash)"
  if [ -z "$hash" ]; then
    log "creating admin user $ADMIN_EMAIL"
    (cd "$HERE" && medusa_env "${MEDUSA_BIN[@]}" user -e "$ADMIN_EMAIL" -p "$ADMIN_PASSWORD") \
      </dev/null >"$STATE_DIR/admin-user.log" 2>&1 || {
      tail -n 40 "$STATE_DIR/admin-user.log" >&2
      die "creating the admin user failed"
    }
    [ -n "$(admin_hash)" ] || { tail -n 40 "$STATE_DIR/admin-user.log" >&2; die "the admin user was not created"; }
    return
  fi
  local newhash
  newhash="$(cd "$HERE" && HASH="$hash" PW="$ADMIN_PASSWORD" FROM="$SCRYPT_FROM" node -e '
    const S = require(require.resolve("scrypt-kdf", { paths: [process.env.FROM] }));
    (async () => {
      const ok = await S.verify(Buffer.from(process.env.HASH, "base64"), process.env.PW).catch(() => false);
      if (!ok) process.stdout.write((await S.kdf(process.env.PW, { '"$SCRYPT_PARAMS"' })).toString("base64"));
    })();')"
  if [ -n "$newhash" ]; then
    log "updating password of admin user $ADMIN_EMAIL"
    set_admin_hash "$newhash"
  else
    log "admin user $ADMIN_EMAIL present"
  fi
}

# ----------------------------------------------------------------------- server
# Starts "$@" (with MEDUSA_ENV) detached and waits for /health.
start_medusa() {
  if medusa_healthy; then
    die "something else already answers on $MEDUSA_URL (not the server started by up); stop it or set $PORT_VAR"
  fi
  log "starting Medusa on $MEDUSA_URL (log: $MEDUSA_LOG)"
  printf '\n==== %s up: %s ====\n' "$(date -u +%FT%TZ)" "$*" >>"$MEDUSA_LOG"
  rm -f "$MEDUSA_PID_FILE"
  # New session (so `down` can signal the whole group), stdin/stdout/stderr on
  # /dev/null and the log, every other fd closed: `eval "$(up)"` must not wait
  # for the server. The inner bash writes its own PID (= node's, after exec).
  (
    cd "$HERE"
    exec env "${MEDUSA_ENV[@]}" PIDFILE="$MEDUSA_PID_FILE" \
      setsid nohup bash -c 'echo $$ >"$PIDFILE"; '"$CLOSE_FDS_EXEC" medusa-server "$@"
  ) </dev/null >>"$MEDUSA_LOG" 2>&1 &
  local t0=$SECONDS pid=""
  while :; do
    pid="$(medusa_pid || true)"
    if [ -n "$pid" ] && medusa_healthy; then
      break
    fi
    if [ $((SECONDS - t0)) -ge 3 ] && [ -z "$pid" ]; then
      tail -n 60 "$MEDUSA_LOG" >&2 || true
      die "Medusa exited during start-up (log: $MEDUSA_LOG)"
    fi
    if [ $((SECONDS - t0)) -ge "$HEALTH_TIMEOUT" ]; then
      tail -n 60 "$MEDUSA_LOG" >&2 || true
      stop_medusa
      die "Medusa not healthy after ${HEALTH_TIMEOUT}s (log: $MEDUSA_LOG)"
    fi
    sleep 0.25
  done
  log "Medusa healthy after $((SECONDS - t0)) s (pid $pid)"
}

# ------------------------------------------------------------------ up and down
up_main() {
  take_lock
  mkdir -p "$STATE_DIR"
  local fp
  fp="$(fingerprint)"

  if medusa_pid >/dev/null && medusa_healthy && [ -f "$MEDUSA_FINGERPRINT_FILE" ] \
      && [ "$(cat "$MEDUSA_FINGERPRINT_FILE")" = "$fp" ]; then
    log "Medusa already running and healthy at $MEDUSA_URL (pid $(medusa_pid))"
    return
  fi
  # Running, but with another configuration (or unhealthy): restart it.
  stop_medusa
  rm -f "$MEDUSA_FINGERPRINT_FILE"

  ensure_tools
  ensure_postgres
  ensure_node_modules
  ensure_migrations
  ensure_admin
  start
  printf '%s\n' "$fp" >"$MEDUSA_FINGERPRINT_FILE"
}

# The whole of `up`: provisioning on stderr, then only the exports on stdout.
run_up() {
  local t_start=$SECONDS
  up_main >&2
  log "ready in $((SECONDS - t_start)) s"
  print_exports
}

# The whole of `down`: Medusa, then PostgreSQL; idempotent, keeps the data.
run_down() {
  take_lock
  if medusa_pid >/dev/null; then
    stop_medusa
  else
    log "Medusa not running"
    rm -f "$MEDUSA_PID_FILE"
  fi
  rm -f "$MEDUSA_FINGERPRINT_FILE"
  stop_postgres
}
