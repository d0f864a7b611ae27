#!/usr/bin/env bash
# The cost of the request log: the same server and load with SINMUNGO_LOG=warn
# (no request lines) and =info (one line per request, written to a file).
#
#   bench/request-log.sh
#
# Needs wrk and curl; only loopback traffic. A release server on a fresh
# SQLite data directory at 127.0.0.1:18084; wrk -t2 -c32 -d20s on
# GET /api/v1/categories (a cheap route, so the log's share is the largest it
# can be), once per level. Any non-2xx answer fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

ADDR=127.0.0.1:18084
if [ -z "${BIN:-}" ]; then # BIN: an already built server
  cargo build --release -q -p sinmungo-server
  BIN=${CARGO_TARGET_DIR:-target}/release/sinmungo-server
fi
DATA=$(mktemp -d)
SERVER=
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  rm -rf "$DATA"
}
trap cleanup EXIT

cat > "$DATA/get.lua" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("non-2xx responses: %d, socket errors: %d\n", summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA

echo "== machine: $(nproc) cores; commit $(git rev-parse --short HEAD)"
for level in warn info; do
  SINMUNGO_LOG=$level SINMUNGO_DATA_DIR=$DATA "$BIN" --listen $ADDR >"$DATA/log-$level.txt" 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do curl -sf http://$ADDR/ready >/dev/null && break; sleep 0.2; done
  echo "== SINMUNGO_LOG=$level: wrk -t2 -c32 -d20s GET /api/v1/categories"
  wrk_2xx -t2 -c32 -d20s --latency -s "$DATA/get.lua" "http://$ADDR/api/v1/categories"
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=
  echo "   request lines logged: $(grep -c 'finished processing request' "$DATA/log-$level.txt" || true)"
done
