#!/usr/bin/env bash
# The cost of `possible_duplicates` at submit: submit throughput over HTTP on
# PostgreSQL holding ROWS reports, with the duplicate search on, off, and on
# again (to bracket any drift as the table grows), in one run.
#
#   bench/duplicates.sh
#   PG=postgres://postgres:postgres@127.0.0.1:5432 ROWS=1000000 SECS=30 bench/duplicates.sh
#
# Needs a running PostgreSQL, wrk, psql, curl and jq. Creates the database
# `sinmungo_bench_dups` (dropped first), starts a release server on it at
# 127.0.0.1:18082 (rate limits raised out of the way), then:
#   1. fills the table to ROWS reports by SQL: spread over Jeonbuk (35.3–36.2 N,
#      126.4–127.9 E), four categories, submitted over the last 60 days, open;
#      so a 250 m circle in central Jeonju holds ~14 reports, ~2 of them
#      candidates (same category, within 30 days) before the submits add more;
#   2. prints EXPLAIN ANALYZE of the candidates query at one submitted point;
#   3. wrk -t2 -c32 POST /api/v1/reports (bench/submit.lua, central Jeonju)
#      for SECS seconds each: suggestions on, off (SINMUNGO_DUPLICATE_SUGGESTIONS
#      =false, the same server restarted), on again. Any non-2xx fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

PG=${PG:-postgres://postgres:postgres@127.0.0.1:5432}
ROWS=${ROWS:-1000000}
SECS=${SECS:-30}
CONNECTIONS=${CONNECTIONS:-32}
DB=sinmungo_bench_dups
ADDR=127.0.0.1:18082
API=http://$ADDR/api/v1

if [ -z "${BIN:-}" ]; then # BIN: another build of the server (a dry run of this script)
  cargo build --release -q -p sinmungo-server
  BIN=${CARGO_TARGET_DIR:-target}/release/sinmungo-server
fi
DATA=$(mktemp -d)
SERVER=
stop() { if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi; SERVER=; }
trap 'stop; rm -rf "$DATA"' EXIT

start() { # $1: true or false (duplicate suggestions)
  SINMUNGO_LOG=warn SINMUNGO_DUPLICATE_SUGGESTIONS=$1 \
  SINMUNGO_RATE_SUBMIT_PER_ACCOUNT=1000000000/1h SINMUNGO_RATE_SUBMIT_PER_IP=1000000000/1h \
    "$BIN" --listen $ADDR --data-dir "$DATA" --database-url "$PG/$DB" &
  SERVER=$!
  for _ in $(seq 150); do curl -sf http://$ADDR/ready >/dev/null && return; sleep 0.2; done
  echo "the server did not become ready" >&2; exit 1
}

psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
start true
sql() { psql -qAt "$PG/$DB" -c "$1"; }
TOKEN=$(curl -sf -X POST $API/auth/register -H 'content-type: application/json' \
  -d '{"email":"load@example.kr","password":"load-test-2026","display_name":"부하시험"}' | jq -r .access_token)
export TOKEN
TEMPLATE=$(curl -sf -X POST $API/reports -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" \
  -d '{"title":"도로 파손","description":"집 앞 도로에 큰 포트홀이 생겼어요","location":{"lat":35.8242,"lng":127.148}}' | jq -r .id)

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(rustc --version); $(psql -qAt "$PG/postgres" -c 'SHOW server_version')"
echo "== filling to $ROWS reports spread over Jeonbuk"
# Every stored column copied from the submitted template (jsonb_populate_record
# keeps this independent of the column list; generated columns are computed),
# with its own id, number, place, category and time. Ids are UUIDv7-shaped
# and older than any submitted one.
COLUMNS=$(sql "SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position)
               FROM information_schema.columns WHERE table_name = 'reports' AND is_generated = 'NEVER'")
sql "INSERT INTO reports ($COLUMNS)
     SELECT $COLUMNS FROM (SELECT (jsonb_populate_record(t, jsonb_build_object(
       'id', lpad(to_hex((extract(epoch FROM now()) * 1000)::bigint - i), 12, '0') || '7000' || '8000' || lpad(to_hex(i), 12, '0'),
       'number', 'JB-2000-' || lpad(i::text, 7, '0'),
       'lat', 35.3 + random() * 0.9,
       'lng', 126.4 + random() * 1.5,
       'category', (ARRAY['road_damage','streetlight','illegal_dumping','illegal_parking'])[1 + i % 4],
       'created_at', now() - random() * interval '60 days'))).*
     FROM reports AS t, generate_series(1, $ROWS - 1) AS i
     WHERE t.id = '$TEMPLATE') AS r"
sql "VACUUM ANALYZE reports"
echo "   reports: $(sql 'SELECT count(*) FROM reports')"

# The duplicate search's sketch query as adapters/postgres/src/report_query.rs builds it for
# a submission at 35.83, 127.14 (road_damage, 250 m, 30 days, scope All).
echo "== EXPLAIN ANALYZE of the candidates query (250 m, road_damage, open, 30 days)"
psql -qAt "$PG/$DB" -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
  SELECT r.id, r.lat, r.lng, r.created_at, r.title_folded, r.description_folded
  FROM (SELECT * FROM reports AS r
        WHERE point(r.lng, r.lat) <@ box(point(127.13723, 35.82775), point(127.14277, 35.83225)) OFFSET 0) AS r
  WHERE r.category = 'road_damage' AND r.status IN ('received', 'assigned', 'in_progress')
    AND r.created_at >= now() - interval '30 days'
    AND (r.lat - 35.83) * (r.lat - 35.83) + ((r.lng - 127.14) * 0.8107) * ((r.lng - 127.14) * 0.8107) <= 5.04e-6
  ORDER BY r.id DESC LIMIT 101"

run() { # $1: label
  echo "== submit, $1: wrk -t2 -c$CONNECTIONS -d${SECS}s POST /api/v1/reports"
  out=$(wrk -t2 -c"$CONNECTIONS" -d"${SECS}s" --latency -s bench/submit.lua "$API/reports")
  echo "$out" | grep -E 'Requests/sec|Latency  |50%|99%|non-2xx'
  if ! echo "$out" | grep -q 'non-2xx responses: 0, socket errors: 0'; then
    echo "FAILED: non-2xx responses or socket errors" >&2; exit 1
  fi
  echo "   reports: $(sql 'SELECT count(*) FROM reports')"
}

# A sample answer, to show what the search finds at this density.
curl -sf -X POST $API/reports -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" \
  -d '{"title":"도로 파손","description":"도로에 포트홀","location":{"lat":35.83,"lng":127.14}}' \
  | jq -c '{possible_duplicates: [.possible_duplicates[] | {distance_m, score}]}'

run "suggestions on"
stop; start false
run "suggestions off (SINMUNGO_DUPLICATE_SUGGESTIONS=false)"
stop; start true
run "suggestions on again"
curl -sf -X POST $API/reports -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" \
  -d '{"title":"도로 파손","description":"도로에 포트홀","location":{"lat":35.83,"lng":127.14}}' \
  | jq -c '{possible_duplicates: [.possible_duplicates[] | {distance_m, score}]}'
