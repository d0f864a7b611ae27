#!/usr/bin/env bash
# The production store (PostgreSQL) over HTTP, next to bare SQL on the same
# database in the same run: the ratio is the figure that matters.
#
#   bench/pg-load.sh
#   PG=postgres://postgres:postgres@127.0.0.1:5432 ROWS=1000000 bench/pg-load.sh
#
# Needs a running PostgreSQL (Debian's package), wrk, pgbench (postgresql-contrib
# / postgresql-client), psql, curl and jq. Creates the database `sinmungo_bench`
# (dropped first), starts a release server on it at 127.0.0.1:18081, then:
#   1. submit over HTTP (wrk, 30 s) vs a plain INSERT of one report row (pgbench, 30 s);
#   2. fills the table to ROWS reports spread over Jeonbuk (SQL), ANALYZE;
#   3. prints EXPLAIN ANALYZE of the bbox list query (the server's own SQL);
#   4. bbox list over HTTP (wrk, 1 connection, 20 s) vs the same SELECT (pgbench, 1 client, 20 s).
set -euo pipefail
cd "$(dirname "$0")/.."
# Rate limits raised, wrk runs checked for non-2xx answers.
. bench/lib.sh

PG=${PG:-postgres://postgres:postgres@127.0.0.1:5432}
ROWS=${ROWS:-1000000}
CONNECTIONS=${CONNECTIONS:-32}
DB=sinmungo_bench
ADDR=127.0.0.1:18081
API=http://$ADDR/api/v1

if [ -z "${BIN:-}" ]; then # BIN: an already built server
  cargo build --release -q -p sinmungo-server
  BIN=${CARGO_TARGET_DIR:-target}/release/sinmungo-server
fi
DATA=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$DATA"' EXIT

psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
SINMUNGO_LOG=warn "$BIN" --listen $ADDR --data-dir "$DATA" --database-url "$PG/$DB" &
SERVER=$!
for _ in $(seq 100); do curl -sf http://$ADDR/ready >/dev/null && break; sleep 0.2; done

TOKEN=$(curl -sf -X POST $API/auth/register -H 'content-type: application/json' \
  -d '{"email":"load@example.kr","password":"load-test-2026","display_name":"부하시험"}' | jq -r .access_token)
export TOKEN
sql() { psql -qAt "$PG/$DB" -c "$1"; }

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(rustc --version); $(psql -qAt "$PG/postgres" -c 'SHOW server_version')"

echo "== submit over HTTP: wrk -t2 -c$CONNECTIONS -d30s POST /api/v1/reports"
wrk_2xx -t2 -c"$CONNECTIONS" -d30s --latency -s bench/submit.lua "$API/reports"
echo "   reports: $(sql 'SELECT count(*) FROM reports'), outbox events: $(sql 'SELECT count(*) FROM outbox')"

# A plain INSERT of one report row (a copy of a submitted one with a new id,
# place and a valid receipt number of a year no real report has): what the
# database alone costs for the row itself.
TEMPLATE=$(sql "SELECT id FROM reports LIMIT 1")
# Every stored column of the table (generated ones are computed), with some
# replaced: the list follows the migrations, so the copy stays a whole, valid row.
copy_of() { # copy_of COLUMN=EXPR… — the template row's columns, some replaced
  local list cols
  cols=$(sql "SELECT string_agg(column_name, ' ' ORDER BY ordinal_position)
              FROM information_schema.columns WHERE table_name = 'reports' AND is_generated = 'NEVER'")
  for col in $cols; do
    local expr=$col
    for pair in "$@"; do [ "${pair%%=*}" = "$col" ] && expr=${pair#*=}; done
    list="${list:+$list, }$expr"
  done
  echo "INSERT INTO reports (${cols// /, }) SELECT $list FROM reports"
}
cat > "$DATA/insert.sql" <<SQL
\set lat random(3580000, 3586000)
\set lng random(12710000, 12718000)
$(copy_of id=gen_random_uuid\(\) "number='JB-1999-' || lpad(nextval('bench_numbers')::text, 7, '0')" \
  lat=:lat/100000.0 lng=:lng/100000.0 created_at='now()' updated_at='now()' status_changed_at='now()' version=1) WHERE id = '$TEMPLATE';
SQL
sql "CREATE SEQUENCE bench_numbers"
echo "== plain INSERT: pgbench -c$CONNECTIONS -j2 -T30 (one report row per transaction)"
pgbench -n -c"$CONNECTIONS" -j2 -T30 -r -f "$DATA/insert.sql" "$PG/$DB" 2>&1 | grep -E 'tps|latency average|number of transactions actually'

echo "== filling to $ROWS reports spread over Jeonbuk (35.3–36.2 N, 126.4–127.9 E)"
have=$(sql 'SELECT count(*) FROM reports')
sql "$(copy_of \
  "id=(lpad(to_hex((extract(epoch FROM now()) * 1000)::bigint - i), 12, '0') || '7000' || '8000' || lpad(to_hex(i), 12, '0'))::uuid" \
  "number='JB-2000-' || lpad(i::text, 7, '0')" 'lat=35.3 + random() * 0.9' 'lng=126.4 + random() * 1.5' version=1) \
     , generate_series(1, $ROWS - $have) AS i WHERE reports.id = '$TEMPLATE'"
sql "VACUUM ANALYZE reports"
echo "   reports: $(sql 'SELECT count(*) FROM reports')"

# The server's bbox list queries, as adapters/postgres/src/report_query.rs builds
# them for the public: first the newest 2,100 reports (the primary key read
# backwards) tested against the box; when that does not fill the page — as
# here, a small box over a province-wide table — the area query: index
# pre-filter, exact edges, newest first, one page + 1.
BOX="point(r.lng, r.lat) <@ box(point(:w, :s), point(:e, :n)) AND r.visibility = 'public' AND r.lat BETWEEN :s AND :n AND r.lng BETWEEN :w AND :e"
cat > "$DATA/bbox.sql" <<SQL
\set s1 random(358000, 358500)
\set w1 random(1271000, 1271600)
\set s :s1 / 10000.0
\set w :w1 / 10000.0
\set n (:s1 + 90) / 10000.0
\set e (:w1 + 110) / 10000.0
\set got 0
SELECT w.*, count(*) OVER () AS got FROM (SELECT r.* FROM (SELECT * FROM reports ORDER BY id DESC LIMIT 2100) AS r
  WHERE $BOX ORDER BY r.id DESC LIMIT 21) AS w \aset
\if :got < 21
SELECT r.* FROM reports AS r WHERE $BOX ORDER BY r.id DESC LIMIT 21;
\endif
SQL
echo "== EXPLAIN ANALYZE of the bbox list query (~1 km² in central Jeonju)"
psql -qAt "$PG/$DB" -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT r.* FROM reports AS r WHERE $(echo "$BOX" | sed 's/:w/127.13/g; s/:s/35.82/g; s/:e/127.141/g; s/:n/35.829/g') ORDER BY r.id DESC LIMIT 21"

echo "== bbox list over HTTP: wrk -t1 -c1 -d20s"
wrk_2xx -t1 -c1 -d20s --latency -s bench/bbox.lua "http://$ADDR"
echo "== the same SELECTs: pgbench -c1 -T20 (the window; the area query when it is short)"
pgbench -n -c1 -T20 -r -f "$DATA/bbox.sql" "$PG/$DB" 2>&1 | grep -E 'tps|latency average'
