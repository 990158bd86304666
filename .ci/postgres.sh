#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback for the tests, shared by .ci/run and the vitest global setup
# (test/support/postgres-setup.ts).
#   bash .ci/postgres.sh find           prints the directory holding initdb and pg_ctl (exit 1: none)
#   bash .ci/postgres.sh install        installs Debian's postgresql (root, or sudo)
#   bash .ci/postgres.sh start          starts a cluster; prints its URL, its directory and the binaries' directory
#   bash .ci/postgres.sh stop DIR BIN   stops the cluster in DIR and removes DIR
set -euo pipefail

# --- PostgreSQL ------------------------------------------------------------------------------------------------------

pg_bin=""
pg_tmp=""
pg_started=0

# The directory holding initdb and pg_ctl: from PATH (symlinks resolved, so `postgres` is found next to them), else the
# newest /usr/lib/postgresql/<version>/bin (Debian keeps them off PATH).
find_pg_bin() {
  local initdb pg_ctl dir
  initdb="$(command -v initdb || true)"
  pg_ctl="$(command -v pg_ctl || true)"
  if [ -n "$initdb" ] && [ -n "$pg_ctl" ]; then
    dir="$(dirname "$(readlink -f "$pg_ctl")")"
    if [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ]; then
      echo "$dir"
      return 0
    fi
  fi
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
    echo "$dir"
    return 0
  fi
  return 1
}

# Debian's postgresql package (CI runs as root; sudo otherwise).
install_postgres() {
  local as_root=()
  if [ "$(id -u)" -ne 0 ]; then as_root=(sudo); fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "PostgreSQL is not installed and apt-get is not available to install it" >&2
    return 1
  fi
  echo "Installing Debian's postgresql"
  ${as_root[@]+"${as_root[@]}"} apt-get update -qq &&
    ${as_root[@]+"${as_root[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
}

# Runs a command as the cluster's owner: postgres refuses to run as root, so root hands it to the `postgres` user.
as_pg() {
  if [ "$(id -u)" -ne 0 ]; then
    "$@"
  elif command -v runuser >/dev/null 2>&1; then
    runuser -u postgres -- "$@"
  else
    su -s /bin/bash postgres -c "$(printf '%q ' "$@")"
  fi
}

stop_postgres() {
  if [ "$pg_started" = 1 ]; then
    as_pg "$pg_bin/pg_ctl" -D "$pg_tmp/data" -m fast -w stop >/dev/null 2>&1 || true
    pg_started=0
  fi
  if [ -n "$pg_tmp" ]; then rm -rf "$pg_tmp"; fi
  pg_tmp=""
}

# Initialises a cluster in a temp dir (trust auth, loopback only, a free port), starts it, creates a database and
# sets TEST_DATABASE_URL.
start_postgres() {
  pg_bin="$(find_pg_bin)" || return 1
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --user-group --no-create-home --shell /bin/bash postgres || return 1
  fi
  pg_tmp="$(mktemp -d "${TMPDIR:-/tmp}/chatops-pg.XXXXXX")" || return 1
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$pg_tmp" || return 1; fi
  as_pg "$pg_bin/initdb" -D "$pg_tmp/data" -U postgres --auth=trust --encoding=UTF8 --no-locale --no-sync >"$pg_tmp/initdb.log" 2>&1 || {
    cat "$pg_tmp/initdb.log" >&2
    return 1
  }
  local port
  port="$(node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')" || return 1
  as_pg "$pg_bin/pg_ctl" -D "$pg_tmp/data" -l "$pg_tmp/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $pg_tmp -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null || {
    cat "$pg_tmp/server.log" >&2 || true
    return 1
  }
  pg_started=1
  local psql="$pg_bin/psql"
  if [ ! -x "$psql" ]; then psql="$(command -v psql)" || return 1; fi
  "$psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -c 'CREATE DATABASE chatops_test' || return 1
  TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/chatops_test"
  echo "PostgreSQL $("$pg_bin/postgres" --version | sed "s/^postgres (PostgreSQL) //") on 127.0.0.1:$port for the tests" >&2
}

case "${1:-}" in
  find) find_pg_bin ;;
  install) install_postgres ;;
  start)
    start_postgres || { stop_postgres; exit 1; }
    printf '%s\n%s\n%s\n' "$TEST_DATABASE_URL" "$pg_tmp" "$pg_bin"
    ;;
  stop)
    pg_tmp="${2:?cluster directory}" pg_bin="${3:?binaries directory}" pg_started=1
    stop_postgres
    ;;
  *)
    echo "usage: bash .ci/postgres.sh find|install|start|stop DIR BIN" >&2
    exit 2
    ;;
esac
