-- wrk script of the month-end benchmark: sends each request of a pre-generated file once.
--
--   wrk -t2 -c16 -d600s -s bench/requests.lua http://127.0.0.1:PORT -- FILE THREADS DONE_DIR
--
-- FILE has one request a line: METHOD <TAB> PATH <TAB> TOKEN (may be empty) <TAB> JSON BODY.
-- Thread i sends the lines i, i+THREADS, ...; once all of its lines have been answered it
-- writes DONE_DIR/done.<i> and stops (the caller then sends wrk SIGINT, which makes it print
-- the summary). Connections that ask for more after the lines are used up get GET /healthz
-- (at most one per connection), so no form is ever sent twice. done() prints one line:
-- WRKJSON {"sent":..,"s2xx":..,"s4xx":..,"s5xx":..,"p50_us":..,...}.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local file, nthreads = args[1], tonumber(args[2])
  done_dir = args[3]
  reqs = {}
  local i = 0
  for line in io.lines(file) do
    if i % nthreads == id then
      local method, path, token, body = line:match("^(%S+)\t(%S+)\t(%S*)\t(.*)$")
      local headers = { ["Content-Type"] = "application/json" }
      if token ~= "" then
        headers["Authorization"] = "Bearer " .. token
      end
      if body == "" then
        body = nil
      end
      table.insert(reqs, wrk.format(method, path, headers, body))
    end
    i = i + 1
  end
  filler = wrk.format("GET", "/healthz")
  idx, answered, s2xx, s4xx, s5xx, marked = 0, 0, 0, 0, 0, false
end

function request()
  idx = idx + 1
  if idx > #reqs then
    return filler
  end
  return reqs[idx]
end

function response(status, headers, body)
  answered = answered + 1
  if answered <= #reqs then
    if status < 300 then
      s2xx = s2xx + 1
    elseif status < 500 then
      s4xx = s4xx + 1
    else
      s5xx = s5xx + 1
    end
  end
  if answered >= #reqs and not marked then
    marked = true
    local f = io.open(done_dir .. "/done." .. id, "w")
    f:write(tostring(answered))
    f:close()
  end
end

function done(summary, latency, requests)
  local sent, ok, c4, c5 = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    sent = sent + t:get("answered")
    ok = ok + t:get("s2xx")
    c4 = c4 + t:get("s4xx")
    c5 = c5 + t:get("s5xx")
  end
  io.write(string.format(
    'WRKJSON {"answered":%d,"s2xx":%d,"s4xx":%d,"s5xx":%d,"duration_us":%d,' ..
    '"requests":%d,"socket_errors":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d}\n',
    sent, ok, c4, c5, summary.duration, summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
