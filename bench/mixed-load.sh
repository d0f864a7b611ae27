#!/usr/bin/env bash
# The sustained mixed load of docs/benchmarks.md ("A sustained mixed load"):
# submits, map lists, report reads, comments and status changes at a fixed
# arrival rate against the release server, per-operation p50/p99, errors and
# the server's memory every 10 s. The load itself is
# apps/server/benches/mixed.rs (it sets the rate limits it needs and fails on
# any answer that is not 2xx, and on any report or event lost); this runs it
# in its three settings:
#
#   sqlite    over a SQLite file in a temporary directory
#   postgres  over a fresh PostgreSQL database
#   outage    the same, with the database restarted at half time and every
#             Kafka broker (librdkafka's mock cluster) down at three quarters
#
#   bench/mixed-load.sh                        # all three, 500/s for 10 minutes each
#   RUNS=sqlite SECS=1800 bench/mixed-load.sh  # one, for 30 minutes
#
# Settings: RUNS (default "sqlite postgres outage"), RATE (500), SECS (600),
# OUTAGE_SECS (30), PG (postgres://postgres:postgres@127.0.0.1:5432),
# RESTART (pg_ctlcluster 15 main restart; must restart the server PG names).
# PostgreSQL runs need psql and a running server; the database `bench_mixed`
# is dropped and created before each. Nothing else runs on the machine meanwhile,
# or the figures are not the server's.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-sqlite postgres outage}
RATE=${RATE:-500}
SECS=${SECS:-600}
OUTAGE_SECS=${OUTAGE_SECS:-30}
PG=${PG:-postgres://postgres:postgres@127.0.0.1:5432}
RESTART=${RESTART:-pg_ctlcluster 15 main restart}

# Built before any run starts: no compiling while a run measures.
cargo bench -q -p sinmungo-server --bench mixed --no-run

fresh_database() {
  psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS bench_mixed" -c "CREATE DATABASE bench_mixed"
}

for run in $RUNS; do
  echo "== $run: $RATE requests/s for $SECS s ($(git rev-parse --short HEAD), $(date -u +%FT%TZ))"
  case $run in
    sqlite)
      BENCH_RATE=$RATE BENCH_SECS=$SECS cargo bench -q -p sinmungo-server --bench mixed
      ;;
    postgres)
      fresh_database
      BENCH_RATE=$RATE BENCH_SECS=$SECS BENCH_DATABASE_URL=$PG/bench_mixed \
        cargo bench -q -p sinmungo-server --bench mixed
      ;;
    outage)
      fresh_database
      BENCH_RATE=$RATE BENCH_SECS=$SECS BENCH_DATABASE_URL=$PG/bench_mixed \
        BENCH_KAFKA_OUTAGE_SECS=$OUTAGE_SECS BENCH_RESTART_CMD=$RESTART \
        cargo bench -q -p sinmungo-server --bench mixed
      ;;
    *)
      echo "unknown run '$run' (sqlite, postgres, outage)" >&2
      exit 2
      ;;
  esac
done
