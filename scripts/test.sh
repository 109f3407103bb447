#!/usr/bin/env bash
# Runs every check and test of rosync. This is the README's test command and
# what CI runs (.ci/run calls exactly this).
#
#   scripts/test.sh                     every check and test
#   scripts/test.sh -stress             the same with a CPU hog in the background
#   scripts/test.sh -stress ./replay    only go test -race of these packages, hogged
#
# -stress (or ROSYNC_TEST_STRESS=1) runs one busy loop per CPU (yes >/dev/null)
# for the whole run and kills them at exit: the tests must hold on a loaded
# machine (no test may depend on wall-clock timing that load breaks). With
# package arguments only the go test step runs (no gofmt, vet, staticcheck,
# replay of the demo shops or benchmark).
set -euo pipefail
cd "$(dirname "$0")/.."

stress=${ROSYNC_TEST_STRESS:-}
if [ "${1:-}" = "-stress" ]; then
  stress=1
  shift
fi
pkgs=("$@")

# cleanup runs at exit: it stops the CPU hog and the throwaway PostgreSQL.
hog_pids=()
cleanup() {
  local p
  for p in "${hog_pids[@]}"; do
    kill "$p" 2>/dev/null || true
  done
  if declare -F stop_postgres >/dev/null; then stop_postgres; fi
}
trap cleanup EXIT

if [ -n "$stress" ]; then
  n=$(nproc 2>/dev/null || echo 2)
  for _ in $(seq 1 "$n"); do
    yes >/dev/null &
    hog_pids+=($!)
  done
  echo "== stress: $n busy loops in the background (pids ${hog_pids[*]})"
fi

if [ ${#pkgs[@]} -eq 0 ]; then
echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  printf 'gofmt would change:\n%s\n' "$unformatted"
  exit 1
fi

echo "== go vet"
go vet ./...

echo "== go mod tidy (go.mod and go.sum list exactly what rosync needs)"
go mod tidy -diff
(cd tools && go mod tidy -diff)

echo "== the library's import graph holds none of the examples' dependencies"
# Metrics (client_golang), the progress bar and the job queue (River and its
# UI) are the service's choices (package service, which may import them,
# examples/server, and package rosyncriver for River): the root package, the
# adapters, the RO App client and the stores must not pull them into an
# embedder's build.
if example_deps=$(go list -deps . ./platforms/... ./roapp/... ./storage/... | grep -E '^(github\.com/(prometheus|schollz|riverqueue)/|riverqueue\.com/)'); then
  printf 'the library imports what only the examples may:\n%s\n' "$example_deps"
  exit 1
fi

echo "== staticcheck (pinned in tools/go.mod, apart from rosync's own modules; configuration in staticcheck.conf)"
go tool -modfile=tools/go.mod staticcheck ./...
fi

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
  if [ -n "${pg_dir:-}" ]; then rm -rf "$pg_dir"; fi
}

echo "== PostgreSQL for the storage/postgres and tests/replicas tests"
start_postgres

echo "== Chromium for the status page's browser test (service: TestAdminPageInBrowser)"
# The test skips without /usr/bin/chromium, except under CI=true, where it
# fails: so CI installs Debian's chromium here when it is missing. Should
# the install itself fail (no route to Debian's mirrors), the test is
# skipped with that reason in ROSYNC_BROWSER_UNAVAILABLE and the failure is
# printed here and in the summary, rather than blocking every other check.
browser_note=""
if [ ! -x /usr/bin/chromium ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "CI=true and /usr/bin/chromium is missing: installing Debian's chromium with apt-get"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; then
      browser_note="installing Debian's chromium with apt-get failed on this machine"
      export ROSYNC_BROWSER_UNAVAILABLE="$browser_note"
      echo "WARNING: $browser_note: TestAdminPageInBrowser will be SKIPPED" >&2
    fi
  else
    echo "no /usr/bin/chromium: the browser test will skip (apt-get install chromium to run it)"
  fi
else
  echo "$(/usr/bin/chromium --version 2>/dev/null || echo chromium) at /usr/bin/chromium"
fi

echo "== go test -race (all packages; the engine, stores and clients are concurrent)"
# -v so that the reliability tests' figure lines (soak:, late:, crash:, replicas=, river_sqlite:)
# reach the output; the per-test lines are filtered out again below.
log=$(mktemp "${TMPDIR:-/tmp}/rosync-test.XXXXXX")
if [ ${#pkgs[@]} -eq 0 ]; then pkgs=(./...); fi
if ! go test -race -count=1 -timeout 30m -v "${pkgs[@]}" >"$log" 2>&1; then
  # The failures first, each with what it printed (verbose packages would
  # push them out of a plain tail), then the summary lines.
  grep -vE '^(=== (RUN|PAUSE|CONT|NAME) |\s*--- PASS: )' "$log" |
    grep -E -B30 -A40 -- '--- FAIL|^panic:|^FAIL|DATA RACE' | head -n 800
  echo "== summary"
  grep -E '^(ok|FAIL|\?|soak:|crash:|replicas=|late:|river_sqlite:)' "$log"
  # The excerpt above may cut a long failure (a snapshot diff is printed
  # before its --- FAIL line): the whole verbose output stays for reading.
  kept="${TMPDIR:-/tmp}/rosync-test-failed.$(date -u +%Y%m%dT%H%M%S).log"
  mv "$log" "$kept"
  echo "the whole go test -v output: $kept"
  exit 1
fi
grep -E '^(ok|FAIL|\?|soak:|crash:|replicas=|late:|river_sqlite:)' "$log"
rm -f "$log"
if [ "${pkgs[*]}" != "./..." ]; then
  echo "packages passed: ${pkgs[*]}"
  exit 0
fi

echo "== examples/externaladapter (its own module: an adapter outside rosync, public packages only)"
# The replace directive makes rosync itself local; its other modules are
# rosync's own dependencies (go.sum), so only the Go module proxy, if
# anything, is reached. If this fails, the public path for outside
# adapters is closed: fix rosync, not the example.
(cd examples/externaladapter && go vet ./... && go test -race -count=1 ./...)
if go list -deps -test ./platforms/... | grep -E '^github\.com/rosync/rosync/(.+/)?internal(/|$)'; then
  echo "platforms/... imports an internal rosync package (above): adapters must use public packages only" >&2
  exit 1
fi

echo "== replay demo shops"
for f in testdata/replay/*-demo.json; do
  go run ./examples/replay -shop "$f" >/dev/null
done
echo "== benchmark, short mode (the full figures are in the README)"
go run ./examples/bench -orders 300 | tail -n 1
if [ -n "${ROSYNC_TEST_POSTGRES_DSN:-}" ]; then
  # Four replicas sharing the RO App account's limit through PostgreSQL
  # (storage/postgres AccountSlots): the account's aggregate figures.
  echo "== benchmark, 4 replicas on PostgreSQL, short mode"
  go run ./examples/bench -orders 300 -replicas 4 | tail -n 1
fi
if [ -n "$browser_note" ]; then
  echo "NOTE: the status page's browser test did not run: $browser_note"
fi
echo "all checks passed"
