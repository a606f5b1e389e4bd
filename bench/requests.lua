-- wrk script of the month-end benchmark: sends each request of a pre-generated file once.
--
--   wrk -t1 -c16 -d3600s -s bench/requests.lua http://127.0.0.1:PORT -- FILE DONE_DIR IDLE_PATH
--
-- FILE has one request a line: METHOD <TAB> PATH <TAB> TOKEN (may be empty) <TAB> JSON BODY;
-- every one of them creates something, so it is answered 201 (or an error status).
-- Once all lines are sent, a connection that asks for more gets GET IDLE_PATH (the health
-- check, answered 200): a connection cannot simply wait, since a sync gunicorn worker
-- would sit on it reading. Those fillers are neither counted nor timed.
--
-- Latency: wrk's own histogram takes every answer, fillers included, so this script
-- times the requests itself. Each request carries its own X-Request-ID ("r<line>.<run>",
-- "f<n>.<run>" for a filler), which the services echo (and the bare endpoint's wrapper,
-- bench/bare_app.py); request() stamps the send, response() the answer, both with
-- CLOCK_MONOTONIC in microseconds. The latency of every answered line goes to
-- DONE_DIR/latency, one number a line; wrk's histogram (fillers included) is printed too.
--
-- When every line is answered, DONE_DIR/done is written (DONE_DIR/progress every 100
-- answers, so that the caller sees a stall); the caller then sends wrk SIGINT, which makes
-- it print one line: WRKJSON {"answered":..,"s2xx":..,"s4xx":..,"s5xx":..,"p50_us":..,...}.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")

local function now_us()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000000 + math.floor(tonumber(ts.tv_nsec) / 1000)
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local file = args[1]
  done_dir = args[2]
  idle_path = args[3]
  -- the run's name (its folder's), so that request ids differ between the runs of a stack
  tag = "." .. done_dir:match("([^/]+)/*$"):gsub("[^%w._-]", "")
  reqs = {}
  for line in io.lines(file) do
    local method, path, token, body = line:match("^(%S+)\t(%S+)\t(%S*)\t(.*)$")
    local headers = {
      ["Content-Type"] = "application/json",
      ["X-Request-ID"] = "r" .. (#reqs + 1) .. tag,
    }
    if token ~= "" then
      headers["Authorization"] = "Bearer " .. token
    end
    if body == "" then
      body = nil
    end
    table.insert(reqs, wrk.format(method, path, headers, body))
  end
  idx, answered, s2xx, s4xx, s5xx, fillers, unpaired, marked = 0, 0, 0, 0, 0, 0, 0, false
  sent, latencies = {}, {}
  verified = false
end

local function filler()
  fillers_sent = (fillers_sent or 0) + 1
  return wrk.format("GET", idle_path, { ["X-Request-ID"] = "f" .. fillers_sent .. tag })
end

function request()
  -- wrk calls request() once before the run to check it (script_verify_request): that
  -- call must not use up a line
  if not verified then
    verified = true
    return reqs[1] or filler()
  end
  idx = idx + 1
  if idx > #reqs then
    return filler()
  end
  sent["r" .. idx .. tag] = now_us()
  return reqs[idx]
end

local function mark(name, text)
  local f = io.open(done_dir .. "/" .. name, "w")
  f:write(text)
  f:close()
end

function response(status, headers, body)
  local id = headers["X-Request-ID"] or headers["x-request-id"]
  if id and id:sub(1, 1) == "f" then
    fillers = fillers + 1
    return
  end
  local started = id and sent[id]
  if started then
    latencies[#latencies + 1] = now_us() - started
    sent[id] = nil
  else
    unpaired = unpaired + 1 -- an answer without our id (not from the app): not timed
  end
  answered = answered + 1
  if status < 300 then
    s2xx = s2xx + 1
  elseif status < 500 then
    s4xx = s4xx + 1
  else
    s5xx = s5xx + 1
  end
  if answered % 100 == 0 then
    mark("progress", tostring(answered))
  end
  if answered >= #reqs and not marked then
    marked = true
    local f = io.open(done_dir .. "/latency", "w")
    f:write(table.concat(latencies, "\n"), "\n")
    f:close()
    mark("done", tostring(answered))
  end
end

function done(summary, latency, requests)
  -- the counters live in the threads' Lua states
  local answered, s2xx, s4xx, s5xx, fillers, unpaired = 0, 0, 0, 0, 0, 0
  for _, t in ipairs(threads) do
    answered = answered + t:get("answered")
    s2xx = s2xx + t:get("s2xx")
    s4xx = s4xx + t:get("s4xx")
    s5xx = s5xx + t:get("s5xx")
    fillers = fillers + t:get("fillers")
    unpaired = unpaired + t:get("unpaired")
  end
  io.write(string.format(
    'WRKJSON {"answered":%d,"s2xx":%d,"s4xx":%d,"s5xx":%d,"fillers":%d,"unpaired":%d,' ..
    '"duration_us":%d,"requests":%d,"socket_errors":%d,"p50_us":%d,"p95_us":%d,' ..
    '"p99_us":%d,"max_us":%d}\n',
    answered, s2xx, s4xx, s5xx, fillers, unpaired, summary.duration, summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
