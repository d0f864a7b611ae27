#!/usr/bin/env bash
# What a burst of sign-ups costs the server's memory: N accounts registered
# at once (each an argon2id hash of 19 MiB), then N one after another; the
# server's peak resident memory (VmHWM) and what it still holds afterwards.
#
#   bench/signups.sh
#   N=100 BIN=/tmp/sinmungo-server-before bench/signups.sh   # another build
#
# Needs curl; only loopback traffic. Fails when any sign-up is not 201.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

N=${N:-100}
ADDR=127.0.0.1:18089
if [ -z "${BIN:-}" ]; then # BIN: an already built server
  cargo build --release -q -p sinmungo-server
  BIN=${CARGO_TARGET_DIR:-target}/release/sinmungo-server
fi
DATA=$(mktemp -d)
SINMUNGO_LOG=warn "$BIN" --listen $ADDR --data-dir "$DATA" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 100); do curl -sf http://$ADDR/ready >/dev/null && break; sleep 0.1; done

memory() { # peak and current resident memory, and the anonymous part
  awk '/^VmHWM|^VmRSS|^RssAnon/ {printf "%s %.1f MiB  ", $1, $2 / 1024}' "/proc/$SERVER/status"
  echo
}
sign_up() { # sign_up NAME — prints the status code
  curl -s -o /dev/null -w '%{http_code}\n' -H 'content-type: application/json' \
    -d "{\"email\":\"$1@example.kr\",\"password\":\"jeonbuk2026!\",\"display_name\":\"시민\"}" \
    "http://$ADDR/api/v1/auth/register"
}
check() { # check FILE — every line 201
  if grep -qv '^201$' "$1"; then
    echo "FAILED: a sign-up answered $(grep -v '^201$' "$1" | sort | uniq -c | tr '\n' ' ')" >&2
    exit 1
  fi
}

echo "== started: $(memory)"
started=$(date +%s%N)
for i in $(seq "$N"); do sign_up "burst-$i" & done >"$DATA/burst.txt"
wait $(jobs -p | grep -v "^$SERVER$")
check "$DATA/burst.txt"
echo "== $N sign-ups at once, all 201 in $(( ($(date +%s%N) - started) / 1000000 )) ms: $(memory)"
sleep 3
echo "== 3 s later: $(memory)"
for i in $(seq "$N"); do sign_up "one-$i"; done >"$DATA/one.txt"
check "$DATA/one.txt"
echo "== $N more one after another: $(memory)"
