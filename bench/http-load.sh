#!/usr/bin/env bash
# Load benchmark of the embedded profile (SQLite) through HTTP, with wrk.
#
#   bench/http-load.sh            # 100,000 reports, then map queries
#   REPORTS=20000 bench/http-load.sh
#   BASE_BIN=/path/to/an/older/sinmungo-server bench/http-load.sh
#
# Needs wrk (Debian: apt-get install wrk), curl and jq. Starts a release build
# of the server on 127.0.0.1:18080 over a temporary data directory, submits
# reports until REPORTS exist (measuring submit throughput), then measures
# bbox-list latency. Only loopback traffic; every wrk run is bounded in time.
# With BASE_BIN (another build of the server, same schema), the map queries
# are measured again by that build on the same database, right after: a
# before/after of a query change on identical data (the base build starts
# with SINMUNGO_NO_MIGRATE, so a migration this build added stays applied —
# an extra index the base build does not use).
set -euo pipefail
cd "$(dirname "$0")/.."
# Rate limits raised, wrk runs checked for non-2xx answers.
. bench/lib.sh

REPORTS=${REPORTS:-100000}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
ADDR=127.0.0.1:18080
API=http://$ADDR/api/v1

if [ -z "${BIN:-}" ]; then # BIN: an already built server
  cargo build --release -q -p sinmungo-server
  BIN=${CARGO_TARGET_DIR:-target}/release/sinmungo-server
fi
DATA=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$DATA"' EXIT

SINMUNGO_LOG=warn "$BIN" --listen $ADDR --data-dir "$DATA" --database-url "sqlite://$DATA/sinmungo.db" &
SERVER=$!
for _ in $(seq 50); do curl -sf http://$ADDR/ready >/dev/null && break; sleep 0.2; done

TOKEN=$(curl -sf -X POST $API/auth/register -H 'content-type: application/json' \
  -d '{"email":"load@example.kr","password":"load-test-2026","display_name":"부하시험"}' | jq -r .access_token)
export TOKEN

count() { curl -sf "$API/reports?limit=1" | jq -r '.items[0].number // "JB-0000-000000"' | cut -d- -f3 | sed 's/^0*//;s/^$/0/'; }

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(rustc --version)"
echo "== submit: POST /api/v1/reports until $REPORTS reports ($THREADS threads, $CONNECTIONS connections)"
round=0
while [ "$(count)" -lt "$REPORTS" ]; do
  round=$((round + 1))
  have=$(count)
  echo "-- round $round, starting at $have reports"
  wrk_2xx -t"$THREADS" -c"$CONNECTIONS" -d30s --latency -s bench/submit.lua "$API/reports"
done
echo "== reports stored: $(count)"

bbox_runs() { # $1 names the build
  for c in 1 "$CONNECTIONS"; do
    t=$(( c < THREADS ? c : THREADS ))
    echo "== bbox list ($1): GET /api/v1/reports?bbox=…(~1 km²)&limit=20 over $(count) reports, $c connection(s)"
    wrk_2xx -t"$t" -c"$c" -d20s --latency -s bench/bbox.lua "http://$ADDR"
  done
}
# The submits' events are handled in the server after their answers: let
# the outbox drain so that the map queries have the machine to themselves.
pending() { curl -sf http://$ADDR/metrics | awk '/^sinmungo_outbox_pending_events / { print $2 }'; }
while [ "$(pending)" != 0 ]; do sleep 1; done
restart_with() { # $1 a server build; the database stays as this build migrated it
  kill $SERVER; wait $SERVER 2>/dev/null || true
  SINMUNGO_NO_MIGRATE=true SINMUNGO_LOG=warn "$1" --listen $ADDR --data-dir "$DATA" --database-url "sqlite://$DATA/sinmungo.db" &
  SERVER=$!
  for _ in $(seq 50); do curl -sf http://$ADDR/ready >/dev/null && break; sleep 0.2; done
}
bbox_runs "$BIN"
if [ -n "${BASE_BIN:-}" ]; then # base, then this build again: neither gains from going second
  restart_with "$BASE_BIN"
  bbox_runs "$BASE_BIN"
  restart_with "$BIN"
  bbox_runs "$BIN"
fi
