# Shared by the load scripts (source it): the settings a run depends on, and
# wrk runs that fail the script when any answer is not 2xx — a figure made of
# 429s is not a figure.

# Every rate limit the server applies, out of the way of the run.
export SINMUNGO_RATE_LOGIN_PER_IP=1000000000/1h SINMUNGO_RATE_LOGIN_FAILURES=1000000000/1h \
  SINMUNGO_RATE_REGISTER_PER_IP=1000000000/1h SINMUNGO_RATE_SUBMIT_PER_IP=1000000000/1h \
  SINMUNGO_RATE_SUBMIT_PER_ACCOUNT=1000000000/1h
# Every connection of a load tool comes from one address.
export SINMUNGO_MAX_CONNECTIONS_PER_ADDRESS=0

# wrk with the given arguments (its Lua script must print
# "non-2xx responses: N, socket errors: M", as bench/submit.lua and
# bench/bbox.lua do); prints the figures, exits 1 unless both are 0.
wrk_2xx() {
  local out
  out=$(wrk "$@")
  echo "$out" | grep -E 'Requests/sec|Latency  |50%|99%|non-2xx|p50'
  if ! echo "$out" | grep -q 'non-2xx responses: 0, socket errors: 0'; then
    echo "FAILED: non-2xx responses or socket errors (wrk $*)" >&2
    exit 1
  fi
}
