#!/usr/bin/env bash
# Runs every check and test of rosync. This is the README's test command and
# what CI runs (.ci/run calls exactly this).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  printf 'gofmt would change:\n%s\n' "$unformatted"
  exit 1
fi

echo "== go vet"
go vet ./...

echo "== staticcheck (pinned in go.mod as a tool; configuration in staticcheck.conf)"
go tool staticcheck ./...

# start_postgres starts a throwaway PostgreSQL server for the storage/postgres
# and tests/replicas tests, unless ROSYNC_TEST_POSTGRES_DSN already names one.
# It runs the highest installed /usr/lib/postgresql/*/bin, as the postgres
# system user when this script runs as root (initdb refuses root), listening
# on 127.0.0.1 and a free port, with its data and socket in a temporary
# directory that the EXIT trap removes after stopping the server.
start_postgres() {
  if [ -n "${ROSYNC_TEST_POSTGRES_DSN:-}" ]; then
    echo "PostgreSQL tests use ROSYNC_TEST_POSTGRES_DSN from the environment"
    return
  fi
  local bin="" d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then bin=$d; fi
  done
  if [ -z "$bin" ]; then
    if [ "${CI:-}" = "true" ]; then
      echo "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin: CI must run the PostgreSQL tests" >&2
      echo "(install postgresql, or set ROSYNC_TEST_POSTGRES_DSN to a server's URL)" >&2
      exit 1
    fi
    echo "no PostgreSQL server found (/usr/lib/postgresql/*/bin): the PostgreSQL tests will skip"
    echo "(install postgresql, or set ROSYNC_TEST_POSTGRES_DSN=postgres://user@host:port/db?sslmode=disable)"
    return
  fi
  pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/rosync-pg.XXXXXX")
  chmod 0700 "$pg_dir"
  pg_as=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$pg_dir"
    pg_as=(runuser -u postgres --)
  fi
  pg_bin=$bin
  trap stop_postgres EXIT
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  "${pg_as[@]}" "$bin/initdb" -D "$pg_dir/data" -U postgres -A trust -E UTF8 --no-locale >"$pg_dir/initdb.log" 2>&1 ||
    { cat "$pg_dir/initdb.log" >&2; exit 1; }
  "${pg_as[@]}" "$bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $pg_dir -c max_connections=300 -c fsync=off" start >/dev/null ||
    { cat "$pg_dir/server.log" >&2; exit 1; }
  local i
  for i in $(seq 1 60); do
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" && break
    sleep 0.5
  done
  "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres rosync
  export ROSYNC_TEST_POSTGRES_DSN="postgres://postgres@127.0.0.1:$port/rosync?sslmode=disable"
  echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port for the PostgreSQL tests"
}

stop_postgres() {
  if [ -n "${pg_bin:-}" ]; then
    "${pg_as[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$pg_dir"
}

echo "== PostgreSQL for the storage/postgres and tests/replicas tests"
start_postgres

echo "== go test -race (all packages; the engine, stores and clients are concurrent)"
# -v so that the reliability tests' figure lines (soak:, late:, crash:, replicas=)
# reach the output; the per-test lines are filtered out again below.
log=$(mktemp "${TMPDIR:-/tmp}/rosync-test.XXXXXX")
if ! go test -race -count=1 -timeout 30m -v ./... >"$log" 2>&1; then
  grep -vE '^(=== (RUN|PAUSE|CONT|NAME) |\s*--- PASS: )' "$log" | tail -n 400
  rm -f "$log"
  exit 1
fi
grep -E '^(ok|FAIL|\?|soak:|late:|crash:|replicas=)' "$log"
rm -f "$log"

echo "== replay demo shops"
for f in testdata/replay/*-demo.json; do
  go run ./examples/replay -shop "$f" >/dev/null
done
echo "== benchmark, short mode (the full figures are in the README)"
go run ./examples/bench -orders 300 | tail -n 1
echo "all checks passed"
