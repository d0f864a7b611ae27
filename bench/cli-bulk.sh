#!/usr/bin/env bash
# The staff CLI's bulk paths next to the database's own, in the same run:
#   export  `sinmungo reports export --format csv` of ROWS reports
#           vs sqlite3 -csv "SELECT * FROM reports" / psql \copy reports TO … CSV
#   import  `sinmungo reports import FILE --commit` of IMPORT_ROWS legacy rows
#           vs sqlite3 .import --csv / psql \copy … FROM … CSV into a plain table
# with the wall time, rows per second and peak memory (GNU time's maximum
# resident set size) of each.
#
#   bench/cli-bulk.sh
#   STORES="sqlite postgres" ROWS=1000000 IMPORT_ROWS=100000 PG=postgres://postgres:postgres@127.0.0.1:5432 bench/cli-bulk.sh
#
# Needs sqlite3, psql (and a running PostgreSQL for that store), GNU time
# (/usr/bin/time), curl and jq; only loopback traffic. For each store: a fresh
# database migrated by a release server (127.0.0.1:18083), which also takes
# one report over HTTP (the template row) and is then stopped; an admin made
# with `create-user`; the table filled to ROWS reports by SQL (bench/fill.sh).
# The import file is IMPORT_ROWS of those reports as a legacy system would
# hand them over (external_id, title, description, lat, lng, address,
# created_at), imported into a second fresh database: every row is checked,
# then located, routed, classified and written through the use cases with its
# timeline and outbox event, one transaction a report. The database's own
# paths copy bytes into a table with no checks at all — the ratio says what
# the checks and the use cases cost. The run fails when a count is wrong.
set -euo pipefail
cd "$(dirname "$0")/.."

PG=${PG:-postgres://postgres:postgres@127.0.0.1:5432}
ROWS=${ROWS:-1000000}
IMPORT_ROWS=${IMPORT_ROWS:-100000}
STORES=${STORES:-sqlite postgres}
ADDR=127.0.0.1:18083
API=http://$ADDR/api/v1
ADMIN=bulk-admin@jeonbuk.go.kr
export SINMUNGO_PASSWORD=bulk-bench-2026 SINMUNGO_LOG=warn \
  SINMUNGO_RATE_REGISTER_PER_IP=100000/1m SINMUNGO_RATE_SUBMIT_PER_IP=100000/1m \
  SINMUNGO_RATE_SUBMIT_PER_ACCOUNT=100000/1m

if [ -z "${BIN:-}" ]; then # BIN, CLI: already built binaries
  cargo build --release -q -p sinmungo-server -p sinmungo
  BIN=${CARGO_TARGET_DIR:-target}/release/sinmungo-server
  CLI=${CARGO_TARGET_DIR:-target}/release/sinmungo
fi
WORK=$(mktemp -d)
SERVER=
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

NOW=$(date +%s)
. bench/fill.sh

# A fresh, migrated database at $1 with the admin, its data dir $2; with
# `template`, one report submitted over HTTP whose id lands in $TEMPLATE.
prepare() { # $1 database URL, $2 data dir, $3 "template" or ""
  mkdir -p "$2"
  SINMUNGO_DATA_DIR=$2 SINMUNGO_DATABASE_URL=$1 "$BIN" --listen $ADDR &
  SERVER=$!
  for _ in $(seq 150); do curl -sf http://$ADDR/ready >/dev/null && break; sleep 0.2; done
  if [ "$3" = template ]; then
    local citizen
    citizen=$(curl -sf -X POST $API/auth/register -H 'content-type: application/json' \
      -d '{"email":"bulk@example.kr","password":"bulk-bench-2026","display_name":"대량시험"}' | jq -r .access_token)
    TEMPLATE=$(curl -sf -X POST $API/reports -H "authorization: Bearer $citizen" -H 'content-type: application/json' \
      -d '{"title":"도로 파손","description":"집 앞 도로에 큰 포트홀이 생겼어요","location":{"lat":35.8242,"lng":127.148}}' | jq -r .id)
  fi
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=
  SINMUNGO_DATA_DIR=$2 SINMUNGO_DATABASE_URL=$1 SINMUNGO_NEW_USER_PASSWORD=$SINMUNGO_PASSWORD \
    "$BIN" create-user --email $ADMIN --display-name "대량 작업" --role admin >/dev/null
}

# Runs a command under GNU time; prints "name  seconds  rows/s  peak MiB"
# and leaves the seconds in $SECS.
timed() { # $1 name, $2 rows, then the command
  local name=$1 rows=$2 kib
  shift 2
  if ! /usr/bin/time -f '%e %M' -o "$WORK/time" "$@" >/dev/null 2>"$WORK/err"; then
    cat "$WORK/err" >&2
    echo "FAILED: $name" >&2
    exit 1
  fi
  read -r SECS kib < "$WORK/time"
  awk -v n="$name" -v r="$rows" -v s="$SECS" -v k="$kib" \
    'BEGIN { printf "   %-58s %8.1f s  %9.0f rows/s  peak %6.1f MiB\n", n, s, r / s, k / 1024 }'
}

ratio() { # $1 ours (s), $2 theirs (s): how the database's own rate divides into ours
  awk -v a="$1" -v b="$2" 'BEGIN { printf "   ratio (ours / the database'"'"'s own, rows per second): %.3g\n", b / a }'
}

# IMPORT_ROWS of the filled reports, as a legacy system's CSV.
legacy() { # $1 how created_at reads as RFC 3339 text
  echo "SELECT id AS external_id, title, description, lat, lng, address, $1 AS created_at
        FROM reports ORDER BY id LIMIT $IMPORT_ROWS"
}

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(rustc --version); sqlite3 $(sqlite3 --version | cut -d' ' -f1); $(psql --version)"
echo "== commit $(git rev-parse --short HEAD), export $ROWS reports, import $IMPORT_ROWS"

for store in $STORES; do
  case $store in
  sqlite)
    FILE=$WORK/sqlite/sinmungo.db
    URL="sqlite://$FILE"
    prepare "$URL" "$WORK/sqlite" template
    echo "== sqlite: filling to $ROWS reports"
    fill_sqlite "$FILE" "$ROWS"
    EXPORT_NATIVE="sqlite3 -csv -header '$FILE' 'SELECT * FROM reports' > '$WORK/native.csv'"
    IMPORT_FILE=$WORK/sqlite/sinmungo-import.db
    IMPORT_URL="sqlite://$IMPORT_FILE"
    IMPORT_NATIVE="sqlite3 '$WORK/native-import.db' '.import --csv $WORK/legacy.csv legacy'"
    imported() { sqlite3 "$IMPORT_FILE" "SELECT count(*) FROM reports"; }
    native_imported() { sqlite3 "$WORK/native-import.db" "SELECT count(*) FROM legacy"; }
    sqlite3 -csv -header "$FILE" "$(legacy created_at)" > "$WORK/legacy.csv"
    ;;
  postgres)
    for db in sinmungo_bulk sinmungo_bulk_import sinmungo_bulk_native; do
      psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
    done
    URL="$PG/sinmungo_bulk"
    prepare "$URL" "$WORK/postgres" template
    echo "== postgres: filling to $ROWS reports"
    fill_postgres "$URL" "$ROWS"
    psql -q "$URL" -c "VACUUM ANALYZE reports"
    EXPORT_NATIVE="psql -q '$URL' -c \"\\\\copy reports TO '$WORK/native.csv' CSV HEADER\""
    IMPORT_URL="$PG/sinmungo_bulk_import"
    psql -q "$PG/sinmungo_bulk_native" -c "CREATE TABLE legacy (external_id text, title text,
      description text, lat double precision, lng double precision, address text, created_at timestamptz)"
    IMPORT_NATIVE="psql -q '$PG/sinmungo_bulk_native' -c \"\\\\copy legacy FROM '$WORK/legacy.csv' CSV HEADER\""
    imported() { psql -qAt "$IMPORT_URL" -c "SELECT count(*) FROM reports"; }
    native_imported() { psql -qAt "$PG/sinmungo_bulk_native" -c "SELECT count(*) FROM legacy"; }
    psql -q "$URL" -c "COPY ($(legacy "to_json(created_at) #>> '{}'")) TO STDOUT CSV HEADER" > "$WORK/legacy.csv"
    ;;
  *) echo "unknown store $store" >&2; exit 2 ;;
  esac

  echo "== $store: export of $ROWS reports (CSV)"
  timed "sinmungo reports export --format csv" "$ROWS" \
    env SINMUNGO_DATA_DIR="$WORK/$store" SINMUNGO_DATABASE_URL="$URL" \
    "$CLI" --as $ADMIN reports export --format csv --output "$WORK/export.csv"
  ours=$SECS
  lines=$(($(wc -l < "$WORK/export.csv") - 1))
  [ "$lines" -ge "$ROWS" ] || { echo "FAILED: the export holds $lines rows, not $ROWS" >&2; exit 1; }
  timed "the database's own CSV export (all columns)" "$ROWS" bash -c "$EXPORT_NATIVE"
  ratio "$ours" "$SECS"

  echo "== $store: import of $IMPORT_ROWS legacy rows (CSV: external_id, title, description, lat, lng, address, created_at)"
  prepare "$IMPORT_URL" "$WORK/$store-import" ""
  timed "sinmungo reports import --commit" "$IMPORT_ROWS" \
    env SINMUNGO_DATA_DIR="$WORK/$store-import" SINMUNGO_DATABASE_URL="$IMPORT_URL" \
    "$CLI" --as $ADMIN reports import "$WORK/legacy.csv" --commit
  ours=$SECS
  [ "$(imported)" -eq "$IMPORT_ROWS" ] || { echo "FAILED: $(imported) reports imported, not $IMPORT_ROWS" >&2; exit 1; }
  timed "the database's own CSV import (a plain table, no checks)" "$IMPORT_ROWS" bash -c "$IMPORT_NATIVE"
  [ "$(native_imported)" -eq "$IMPORT_ROWS" ] || { echo "FAILED: $(native_imported) rows copied" >&2; exit 1; }
  ratio "$ours" "$SECS"
  rm -f "$WORK/export.csv" "$WORK/native.csv" "$WORK/native-import.db"
done
