-- wrk script: map queries — a ~1 km box at a random place in central Jeonju, 20 reports a page.
request = function()
  local lat = 35.80 + math.random() * 0.05
  local lng = 127.10 + math.random() * 0.07
  local path = string.format("/api/v1/reports?bbox=%.5f,%.5f,%.5f,%.5f&limit=20", lng, lat, lng + 0.011, lat + 0.009)
  return wrk.format("GET", path)
end

done = function(summary, latency, requests)
  io.write(string.format("non-2xx responses: %d, socket errors: %d\n", summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
  io.write(string.format("p50 %.2f ms, p99 %.2f ms\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
