#!/usr/bin/env bash
# GET /api/v1/stats over ROWS reports, on SQLite and on PostgreSQL.
#
#   bench/stats-load.sh
#   STORES="sqlite postgres" ROWS=1000000 REQUESTS=50 PG=postgres://postgres:postgres@127.0.0.1:5432 bench/stats-load.sh
#
# Needs sqlite3, psql (and a running PostgreSQL for that store), curl and jq;
# only loopback traffic. For each store: a fresh database and a release
# server on 127.0.0.1:18082 (every rate limit it applies raised, so that
# no request of the run is refused), one citizen who submits one report over
# HTTP (the template row), one staff member (`create-user`); then the table
# is filled to ROWS reports by SQL (a recursive CTE in SQLite,
# generate_series in PostgreSQL): created over the last 365 days, 7
# statuses (10 % received, 5 % assigned, 10 % in progress, 30 % resolved,
# 35 % closed, 5 % rejected, 5 % duplicate), 8 categories with their
# departments, the 15 districts of the 14 cities and counties, first
# responses 1 minute–3 days and resolutions 1 hour–10 days after
# submission, resolution due after 7 days. The values come from a Lehmer
# generator over the row number, so both stores hold the same data.
# After ANALYZE it times REQUESTS sequential requests (curl's time_total) of:
#   all      GET /api/v1/stats                                 (every report), as staff and anonymous;
#   filtered GET /api/v1/stats?jurisdiction=35010&since=…      (전주시, the last 90 days), as staff;
#   csv      GET /api/v1/stats?format=csv                      as staff;
# and prints p50 and p99. Any answer but 200 stops the run.
set -euo pipefail
cd "$(dirname "$0")/.."

PG=${PG:-postgres://postgres:postgres@127.0.0.1:5432}
ROWS=${ROWS:-1000000}
REQUESTS=${REQUESTS:-50}
STORES=${STORES:-sqlite postgres}
DB=sinmungo_stats_bench
ADDR=127.0.0.1:18082
API=http://$ADDR/api/v1

if [ -z "${BIN:-}" ]; then # BIN: an already built server (to try the script on a debug build)
  cargo build --release -q -p sinmungo-server
  BIN=${CARGO_TARGET_DIR:-target}/release/sinmungo-server
fi
SERVER=
DATA=
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  if [ -n "$DATA" ]; then rm -rf "$DATA"; fi
}
trap cleanup EXIT

# Every limit the server applies, out of the way of the run.
export SINMUNGO_RATE_LOGIN_PER_IP=100000/1m SINMUNGO_RATE_LOGIN_FAILURES=100000/1m \
  SINMUNGO_RATE_REGISTER_PER_IP=100000/1m SINMUNGO_RATE_SUBMIT_PER_IP=100000/1m \
  SINMUNGO_RATE_SUBMIT_PER_ACCOUNT=100000/1m SINMUNGO_LOG=warn

NOW=$(date +%s)
SINCE=$(TZ=Asia/Seoul date -d "@$((NOW - 90 * 86400))" +%F)

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(rustc --version); sqlite3 $(sqlite3 --version | cut -d' ' -f1); $(psql --version)"
echo "== commit $(git rev-parse --short HEAD), $ROWS reports, $REQUESTS requests per measurement"

. bench/fill.sh

start_server() { # $1 database URL (in $DATA, a fresh directory)
  SINMUNGO_DATA_DIR=$DATA SINMUNGO_DATABASE_URL=$1 "$BIN" --listen $ADDR &
  SERVER=$!
  for _ in $(seq 150); do curl -sf http://$ADDR/ready >/dev/null && return; sleep 0.2; done
  echo "the server did not become ready" >&2
  exit 1
}

stop_server() {
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=
  rm -rf "$DATA"; DATA=
}

# One citizen's report (the template) and a staff member's token.
people() { # $1 database URL
  local citizen
  citizen=$(curl -sf -X POST $API/auth/register -H 'content-type: application/json' \
    -d '{"email":"stats@example.kr","password":"stats-bench-2026","display_name":"통계시험"}' | jq -r .access_token)
  TEMPLATE=$(curl -sf -X POST $API/reports -H "authorization: Bearer $citizen" -H 'content-type: application/json' \
    -d '{"title":"도로 파손","description":"집 앞 도로에 큰 포트홀이 생겼어요","location":{"lat":35.8242,"lng":127.148}}' | jq -r .id)
  SINMUNGO_DATA_DIR=$DATA SINMUNGO_DATABASE_URL=$1 SINMUNGO_NEW_USER_PASSWORD=staff-bench-2026 \
    "$BIN" create-user --email staff@jeonbuk.go.kr --display-name "통계 담당" --role staff --department road_management >/dev/null
  STAFF=$(curl -sf -X POST $API/auth/login -H 'content-type: application/json' \
    -d '{"email":"staff@jeonbuk.go.kr","password":"staff-bench-2026"}' | jq -r .access_token)
}

# REQUESTS timed requests of $2 (a path under /api/v1) with token $3 (or none); $1 names the line.
measure() {
  local name=$1 path=$2 token=${3:-} times=() out code secs
  local auth=()
  [ -n "$token" ] && auth=(-H "authorization: Bearer $token")
  curl -sf "${auth[@]}" -o /dev/null "$API$path" # warm-up
  for _ in $(seq "$REQUESTS"); do
    out=$(curl -s "${auth[@]}" -o /dev/null -w '%{http_code} %{time_total}' "$API$path")
    code=${out% *}; secs=${out#* }
    if [ "$code" != 200 ]; then echo "$name: HTTP $code on $path" >&2; exit 1; fi
    times+=("$secs")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v name="$name" -v n="$REQUESTS" '
    { t[NR] = $1 * 1000 }
    END {
      p50 = t[int((n * 50 + 99) / 100)]; p99 = t[int((n * 99 + 99) / 100)]
      printf "   %-34s p50 %8.1f ms   p99 %8.1f ms   (%d requests, all 200)\n", name, p50, p99, n
    }'
}

measure_all() { # $1 store name
  echo "== $1: GET /api/v1/stats latency"
  measure "all reports, staff" "/stats" "$STAFF"
  measure "all reports, anonymous (public)" "/stats"
  measure "Jeonju (35010), last 90 days, staff" "/stats?jurisdiction=35010&since=$SINCE" "$STAFF"
  measure "all reports, CSV, staff" "/stats?format=csv" "$STAFF"
  curl -sf -H "authorization: Bearer $STAFF" "$API/stats" |
    jq -c '{total, resolution: .resolution, first_response: .first_response, sla: .sla_compliance, backlog: [.backlog[].count]}'
}

for store in $STORES; do
  case $store in
  sqlite)
    DATA=$(mktemp -d)
    FILE=$DATA/sinmungo.db
    URL="sqlite://$FILE"
    start_server "$URL"
    people "$URL"
    echo "== sqlite: filling to $ROWS reports"
    start=$(date +%s)
    fill_sqlite "$FILE" "$ROWS"
    echo "   $(sqlite3 "$FILE" 'SELECT count(*) FROM reports') reports in $(( $(date +%s) - start )) s; files $(du -ch "$FILE"* | tail -1 | cut -f1)"
    measure_all sqlite
    stop_server
    ;;
  postgres)
    psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
    URL="$PG/$DB"
    DATA=$(mktemp -d)
    start_server "$URL"
    people "$URL"
    echo "== postgres: filling to $ROWS reports"
    start=$(date +%s)
    fill_postgres "$URL" "$ROWS"
    psql -q "$URL" -c "VACUUM ANALYZE reports"
    echo "   $(psql -qAt "$URL" -c 'SELECT count(*) FROM reports') reports in $(( $(date +%s) - start )) s; table $(psql -qAt "$URL" -c "SELECT pg_size_pretty(pg_total_relation_size('reports'))")"
    measure_all postgres
    stop_server
    psql -q "$PG/postgres" -c "DROP DATABASE $DB"
    ;;
  *) echo "unknown store $store (sqlite, postgres)" >&2; exit 1 ;;
  esac
done
