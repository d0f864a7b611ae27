#!/usr/bin/env bash
# The cost of the request metrics over HTTP: the same load on a server built
# without them (BEFORE) and on one with them (AFTER), rounds alternating so a
# busy machine slows both alike.
#
#   bench/metrics.sh                        # BEFORE built from BASE (default: main), AFTER from this tree
#   BASE=ed15eb2 bench/metrics.sh
#   BEFORE=/tmp/old-server AFTER=target/release/sinmungo-server bench/metrics.sh
#
# Needs wrk and curl; only loopback traffic. Each round: a fresh SQLite data
# directory, the server at 127.0.0.1:18085 with SINMUNGO_LOG=warn (no request
# log), /metrics scraped every 5 s as Prometheus would (a 404 before), and
# wrk -t2 -c32 -d20s on GET /api/v1/categories — a cheap route, so the
# metrics' share is as large as it gets. Any non-2xx answer fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

ADDR=127.0.0.1:18085
ROUNDS=${ROUNDS:-3}
TARGET=${CARGO_TARGET_DIR:-target}
WORK=$(mktemp -d)
SERVER=
SCRAPER=
cleanup() {
  if [ -n "$SCRAPER" ]; then kill "$SCRAPER" 2>/dev/null || true; fi
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

if [ -z "${BEFORE:-}" ]; then
  BASE=${BASE:-main}
  echo "== building the server at $BASE ($(git rev-parse --short "$BASE"))"
  mkdir -p "$WORK/base"
  git archive "$BASE" | tar -x -C "$WORK/base"
  # Cargo's fingerprints of workspace crates do not depend on where the
  # workspace is, only on the sources' times: the archive's files (dated
  # from the commit) would pass for the artifacts built here. Newer times
  # make it build them; this tree's are touched for the same reason below.
  find "$WORK/base" -type f -exec touch {} +
  (cd "$WORK/base" && CARGO_TARGET_DIR=$(realpath -m "$TARGET") cargo build --release -q -p sinmungo-server)
  cp "$TARGET/release/sinmungo-server" "$WORK/before"
  BEFORE=$WORK/before
  git ls-files -z -- '*.rs' '*.toml' | xargs -0 touch
fi
if [ -z "${AFTER:-}" ]; then
  cargo build --release -q -p sinmungo-server
  AFTER=$TARGET/release/sinmungo-server
fi

cat > "$WORK/get.lua" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("non-2xx responses: %d, socket errors: %d\n", summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA

run() { # run NAME BINARY
  local data="$WORK/data-$1"
  rm -rf "$data"; mkdir -p "$data"
  SINMUNGO_LOG=warn SINMUNGO_DATA_DIR=$data "$2" --listen $ADDR >"$WORK/log-$1.txt" 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do curl -sf http://$ADDR/ready >/dev/null && break; sleep 0.2; done
  (while sleep 5; do curl -s -o /dev/null http://$ADDR/metrics; done) &
  SCRAPER=$!
  echo "== $1: wrk -t2 -c32 -d20s GET /api/v1/categories"
  wrk_2xx -t2 -c32 -d20s --latency -s "$WORK/get.lua" "http://$ADDR/api/v1/categories"
  kill "$SCRAPER"; SCRAPER=
  if [ "$1" = after ]; then
    echo "   $(curl -s http://$ADDR/metrics | grep -c '^sinmungo_') series lines in a scrape, $(curl -s http://$ADDR/metrics | wc -c) bytes"
  fi
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=
}

echo "== machine: $(nproc) cores; commit $(git rev-parse --short HEAD)"
for round in $(seq "$ROUNDS"); do
  echo "-- round $round"
  run before "$BEFORE"
  run after "$AFTER"
done
