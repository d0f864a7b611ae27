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

# The generated values, one row per report (the same in both dialects).
hashes() { # $1: the row source of `i`
  cat <<SQL
h1 AS (SELECT i, (i * 48271) % 2147483647 AS a FROM $1),
h2 AS (SELECT i, a, (a * 48271) % 2147483647 AS b FROM h1),
h3 AS (SELECT i, a, b, (b * 48271) % 2147483647 AS c FROM h2),
h4 AS (SELECT i, a, b, c, (c * 48271) % 2147483647 AS d FROM h3),
h5 AS (SELECT i, a, b, c, d, (d * 48271) % 2147483647 AS e FROM h4),
g AS (SELECT i,
  CASE WHEN a % 100 < 10 THEN 'received' WHEN a % 100 < 15 THEN 'assigned'
       WHEN a % 100 < 25 THEN 'in_progress' WHEN a % 100 < 55 THEN 'resolved'
       WHEN a % 100 < 90 THEN 'closed' WHEN a % 100 < 95 THEN 'rejected' ELSE 'duplicate' END AS status,
  b % 8 AS kind, c % 15 AS place,
  $NOW - d % 31536000 AS created, a % 1000000 AS micros,
  60 + e % 259140 AS respond_after, 3600 + (e / 7) % 860400 AS resolve_after
  FROM h5),
kinds (kind, category, department) AS (VALUES
  (0, 'road_damage', 'road_management'), (1, 'safety_hazard', 'safety_management'),
  (2, 'streetlight', 'streetlight_management'), (3, 'traffic_facility', 'traffic_facilities'),
  (4, 'illegal_parking', 'parking_enforcement'), (5, 'illegal_dumping', 'sanitation'),
  (6, 'illegal_signage', 'outdoor_advertising'), (7, 'pollution', 'environmental_protection')),
places (place, code, name) AS (VALUES
  (0, '35011', '전주시완산구'), (1, '35012', '전주시덕진구'), (2, '35020', '군산시'), (3, '35030', '익산시'),
  (4, '35040', '정읍시'), (5, '35050', '남원시'), (6, '35060', '김제시'), (7, '35310', '완주군'),
  (8, '35320', '진안군'), (9, '35330', '무주군'), (10, '35340', '장수군'), (11, '35350', '임실군'),
  (12, '35360', '순창군'), (13, '35370', '고창군'), (14, '35380', '부안군'))
SQL
}

# The INSERT … SELECT filling the table: every column of the template row
# `t`, but those the map names ($1: "column=expression" lines).
fill_sql() { # $1 overrides, $2 columns (one a line), $3 the CTE head
  local list="" select="" column expr
  while read -r column; do
    [ -z "$column" ] && continue
    expr=$(printf '%s\n' "$1" | awk -F'=' -v c="$column" '$1 == c { sub(/^[^=]*=/, ""); print; exit }')
    list+="${list:+, }$column"
    select+="${select:+, }${expr:-t.$column}"
  done <<< "$2"
  printf '%s\n%s\nINSERT INTO reports (%s)\nSELECT %s\nFROM g JOIN kinds AS k USING (kind) JOIN places AS p USING (place) CROSS JOIN reports AS t\nWHERE t.id = %s;\n' \
    "$3" "$(hashes "${4:-n}")" "$list" "$select" "'$TEMPLATE'"
}

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
    columns=$(sqlite3 "$FILE" "SELECT name FROM pragma_table_info('reports') WHERE name <> 'seq'")
    ts() { echo "strftime('%Y-%m-%dT%H:%M:%S', $1, 'unixepoch') || printf('.%06dZ', micros)"; }
    overrides="id=printf('00000000-0000-7000-8000-%012x', i)
number=printf('JB-2000-%07d', i)
status=g.status
category=k.category
department=k.department
jurisdiction_code=p.code
jurisdiction_name=p.name
created_at=$(ts created)
updated_at=$(ts created)
status_changed_at=$(ts created)
respond_by=$(ts 'created + 86400')
due_at=$(ts 'created + 604800')
responded_at=CASE WHEN g.status <> 'received' THEN $(ts 'created + respond_after') END
resolved_at=CASE WHEN g.status IN ('resolved', 'closed') THEN $(ts 'created + resolve_after') END"
    echo "== sqlite: filling to $ROWS reports"
    start=$(date +%s)
    { echo ".timeout 60000"
      fill_sql "$overrides" "$columns" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $((ROWS - 1))),"
      echo "ANALYZE;"; } | sqlite3 "$FILE"
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
    columns=$(psql -qAt "$URL" -c "SELECT column_name FROM information_schema.columns WHERE table_name = 'reports' AND is_generated = 'NEVER' ORDER BY ordinal_position")
    ts() { echo "to_timestamp(($1) + micros / 1000000.0)"; }
    overrides="id=('00000000-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid
number='JB-2000-' || lpad(i::text, 7, '0')
status=g.status
category=k.category
department=k.department
jurisdiction_code=p.code
jurisdiction_name=p.name
created_at=$(ts created)
updated_at=$(ts created)
status_changed_at=$(ts created)
respond_by=$(ts 'created + 86400')
due_at=$(ts 'created + 604800')
responded_at=CASE WHEN g.status <> 'received' THEN $(ts 'created + respond_after') END
resolved_at=CASE WHEN g.status IN ('resolved', 'closed') THEN $(ts 'created + resolve_after') END"
    echo "== postgres: filling to $ROWS reports"
    start=$(date +%s)
    fill_sql "$overrides" "$columns" "WITH n AS (SELECT generate_series(1::bigint, $((ROWS - 1))) AS i)," |
      psql -q -v ON_ERROR_STOP=1 "$URL"
    psql -q "$URL" -c "VACUUM ANALYZE reports"
    echo "   $(psql -qAt "$URL" -c 'SELECT count(*) FROM reports') reports in $(( $(date +%s) - start )) s; table $(psql -qAt "$URL" -c "SELECT pg_size_pretty(pg_total_relation_size('reports'))")"
    measure_all postgres
    stop_server
    psql -q "$PG/postgres" -c "DROP DATABASE $DB"
    ;;
  *) echo "unknown store $store (sqlite, postgres)" >&2; exit 1 ;;
  esac
done
