#!/usr/bin/env bash
# What authorisation costs per request: GET of one public report, without a
# token and with a citizen's bearer token (JWT checked, then its sign-in
# looked up: in SQLite, or in Redis when REDIS_URL is given), and what one
# sign-in costs end to end (argon2id at the server's parameters).
#
#   bench/auth-overhead.sh
#   REDIS_URL=redis://127.0.0.1:6390 bench/auth-overhead.sh
#
# Needs wrk, curl and jq. Starts a release build of the server on
# 127.0.0.1:18081 over a temporary data directory (loopback only).
set -euo pipefail
cd "$(dirname "$0")/.."

THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-16}
DURATION=${DURATION:-20s}
ADDR=127.0.0.1:18081
API=http://$ADDR/api/v1

cargo build --release -q -p sinmungo-server
BIN=${CARGO_TARGET_DIR:-target}/release/sinmungo-server
DATA=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$DATA"' EXIT

EXTRA=()
if [ -n "${REDIS_URL:-}" ]; then EXTRA=(--redis-url "$REDIS_URL"); fi
SINMUNGO_LOG=warn SINMUNGO_RATE_LOGIN_PER_IP=100000/1h "$BIN" --listen $ADDR --data-dir "$DATA" \
  --database-url "sqlite://$DATA/sinmungo.db" "${EXTRA[@]}" &
SERVER=$!
for _ in $(seq 50); do curl -sf http://$ADDR/ready >/dev/null && break; sleep 0.2; done

SESSION=$(curl -sf -X POST $API/auth/register -H 'content-type: application/json' \
  -d '{"email":"bench@example.kr","password":"bench-pass-2026","display_name":"부하시험"}')
TOKEN=$(jq -r .access_token <<<"$SESSION")
REPORT=$(curl -sf -X POST $API/reports -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
  -d '{"title":"포트홀","description":"도로에 포트홀","location":{"lat":35.8242,"lng":127.1480},"visibility":"public"}' | jq -r .id)

echo "== machine: $(nproc) cores; $(rustc --version); sessions in $([ -n "${REDIS_URL:-}" ] && echo Redis || echo SQLite)"
echo "== GET /api/v1/reports/$REPORT without a token ($THREADS threads, $CONNECTIONS connections, $DURATION)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$API/reports/$REPORT" | grep -E 'Requests/sec|Latency|50%|99%|non-2xx'
echo "== the same with a citizen's bearer token"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "authorization: Bearer $TOKEN" "$API/reports/$REPORT" | grep -E 'Requests/sec|Latency|50%|99%|non-2xx'

echo "== one sign-in end to end: POST /api/v1/auth/login, 1 connection, 10s"
cat > "$DATA/login.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"email":"bench@example.kr","password":"bench-pass-2026"}'
wrk.headers["content-type"] = "application/json"
LUA
wrk -t1 -c1 -d10s --latency -s "$DATA/login.lua" "$API/auth/login" | grep -E 'Requests/sec|Latency|50%|99%|non-2xx'
echo "== sign-ins with both cores busy: 4 connections, 10s"
wrk -t2 -c4 -d10s --latency -s "$DATA/login.lua" "$API/auth/login" | grep -E 'Requests/sec|Latency|50%|99%|non-2xx'
