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

echo "== go test -race (all packages; the engine, stores and clients are concurrent)"
go test -race -count=1 -timeout 20m ./...

echo "== replay demo shops"
for f in testdata/replay/*-demo.json; do
  go run ./examples/replay -shop "$f" >/dev/null
done
echo "all checks passed"
