-- wrk script: submit reports at random points in central Jeonju.
-- TOKEN (a citizen's access token) comes from the environment.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")

local texts = {
  { "도로 파손", "집 앞 도로에 큰 포트홀이 생겼어요" },
  { "가로등 고장", "골목 가로등이 며칠째 꺼져 있어요" },
  { "쓰레기 투기", "공터에 쓰레기 무단투기가 심합니다" },
  { "불법 주차", "소화전 앞에 불법주차 차량이 있어요" },
}

request = function()
  local t = texts[math.random(#texts)]
  local lat = 35.80 + math.random() * 0.06
  local lng = 127.10 + math.random() * 0.08
  local body = string.format(
    '{"title":"%s","description":"%s (%d)","location":{"lat":%.6f,"lng":%.6f}}',
    t[1], t[2], math.random(1000000), lat, lng)
  return wrk.format(nil, nil, nil, body)
end

done = function(summary, latency, requests)
  local non2xx = summary.errors.status
  io.write(string.format("non-2xx responses: %d, socket errors: %d\n", non2xx,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
