#!/usr/bin/env bash
# The officers' console's queue page (GET /admin) with 1,000 open reports:
# time to first byte and total time over REQUESTS sequential requests, and
# the bytes transferred.
#
#   bench/console-queue.sh
#   REPORTS=1000 REQUESTS=200 bench/console-queue.sh
#
# Needs curl and jq; only loopback traffic. A fresh SQLite database and a
# release server on 127.0.0.1:18083 (every rate limit it applies raised, so
# that no request of the run is refused); one staff member of the road
# department (`create-user`), one citizen who submits REPORTS road reports
# over HTTP around Jeonju City Hall (each routed to the road department by
# the rules, as a real submission is); the staff member signs in to the
# console with the form (a cookie jar, as a browser). Then REQUESTS timed
# requests of the queue page (50 reports a page, the counts of all) as that
# officer. Any answer but the expected one stops the run.
set -euo pipefail
cd "$(dirname "$0")/.."

REPORTS=${REPORTS:-1000}
REQUESTS=${REQUESTS:-200}
ADDR=127.0.0.1:18083
BASE=http://$ADDR
API=$BASE/api/v1

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

# Every limit the server applies, out of the way of the run.
export SINMUNGO_RATE_LOGIN_PER_IP=100000/1m SINMUNGO_RATE_LOGIN_FAILURES=100000/1m \
  SINMUNGO_RATE_REGISTER_PER_IP=100000/1m SINMUNGO_RATE_SUBMIT_PER_IP=100000/1m \
  SINMUNGO_RATE_SUBMIT_PER_ACCOUNT=100000/1m SINMUNGO_LOG=warn
export SINMUNGO_DATA_DIR=$DATA SINMUNGO_DATABASE_URL=sqlite://$DATA/sinmungo.db

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(rustc --version)"
echo "== commit $(git rev-parse --short HEAD), $REPORTS open reports, $REQUESTS requests"

"$BIN" --listen $ADDR &
SERVER=$!
for _ in $(seq 150); do curl -sf $BASE/ready >/dev/null && break; sleep 0.2; done
curl -sf $BASE/ready >/dev/null || { echo "the server did not become ready" >&2; exit 1; }

SINMUNGO_NEW_USER_PASSWORD=queue-bench-2026 "$BIN" create-user --email staff@jeonbuk.go.kr \
  --display-name "대기열 담당" --role staff --department road_management >/dev/null
CITIZEN=$(curl -sf -X POST $API/auth/register -H 'content-type: application/json' \
  -d '{"email":"queue@example.kr","password":"queue-bench-2026","display_name":"대기열시험"}' | jq -r .access_token)

start=$(date +%s)
for i in $(seq "$REPORTS"); do
  lat=$(awk -v i="$i" 'BEGIN { printf "%.6f", 35.8242 + (i % 40 - 20) * 0.0004 }')
  lng=$(awk -v i="$i" 'BEGIN { printf "%.6f", 127.148 + (int(i / 40) % 40 - 20) * 0.0005 }')
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST $API/reports -H "authorization: Bearer $CITIZEN" \
    -H 'content-type: application/json' \
    -d "{\"title\":\"도로 파손 $i\",\"description\":\"$i번째 신고: 도로에 포트홀이 생겼어요\",\"location\":{\"lat\":$lat,\"lng\":$lng}}")
  if [ "$code" != 201 ]; then echo "submission $i: HTTP $code" >&2; exit 1; fi
done
echo "   $REPORTS reports submitted over HTTP in $(( $(date +%s) - start )) s"

JAR=$DATA/cookies
code=$(curl -s -o /dev/null -w '%{http_code}' -c "$JAR" -X POST $BASE/admin/login \
  --data-urlencode email=staff@jeonbuk.go.kr --data-urlencode password=queue-bench-2026)
if [ "$code" != 303 ]; then echo "console sign-in: HTTP $code" >&2; exit 1; fi

page=$(curl -sf -b "$JAR" $BASE/admin)
open=$(printf '%s' "$page" | grep -o 'data-status="received">[0-9]*' | head -1 | cut -d'>' -f2)
if [ "$open" != "$REPORTS" ]; then echo "the queue counts $open received reports, not $REPORTS" >&2; exit 1; fi
rows=$(printf '%s' "$page" | grep -o '<tr[^>]*data-report=' | wc -l)
echo "   the queue shows $rows rows of $open received reports"

times=()
for _ in $(seq "$REQUESTS"); do
  out=$(curl -s -b "$JAR" -o /dev/null -w '%{http_code} %{time_starttransfer} %{time_total} %{size_download}' $BASE/admin)
  read -r code ttfb total size <<< "$out"
  if [ "$code" != 200 ]; then echo "GET /admin: HTTP $code" >&2; exit 1; fi
  times+=("$ttfb $total $size")
done
# p50 and p99 of column $1 of the samples, in milliseconds.
percentiles() {
  printf '%s\n' "${times[@]}" | awk -v c="$1" '{ print $c * 1000 }' | sort -n | awk -v n="$REQUESTS" '
    { t[NR] = $1 } END { printf "p50 %6.2f ms   p99 %6.2f ms", t[int((n * 50 + 99) / 100)], t[int((n * 99 + 99) / 100)] }'
}
echo "== GET /admin (the queue), $REQUESTS requests, all 200"
echo "   time to first byte  $(percentiles 1)"
echo "   total               $(percentiles 2)"
echo "   transferred         ${times[0]##* } bytes of HTML (no compression)"
