-- wrk script: POST one realistic chat request (~300 bytes) with a bearer key, and print a summary.
--
--   wrk -t1 -c16 -d10s -s bench/chat.lua URL/v1/chat/completions -- KEY MODEL [stream] [window=S]
--
-- done() prints one line, "BENCH_JSON {...}", that bench/run.py reads: requests, non-2xx/3xx
-- responses, socket errors, and latency percentiles in microseconds (wrk's own histogram).
--
-- window=S measures the steady state on warm connections, in the same run: every request gets
-- an X-Request-ID (which the gateway, the floor and the fake upstream echo), its latency is
-- timed here, and only requests sent S seconds or more after the first are counted in the
-- "steady" part of the summary. Without it, a run's first requests are a burst that the steady
-- state never sees again: wrk opens all connections at once and each sends its first request
-- at the same instant. Without window=S the script defines no response() callback on purpose:
-- one makes wrk parse every header into Lua.

local ffi = require("ffi")
ffi.cdef [[
struct bench_timespec { long tv_sec; long tv_nsec; };
int clock_gettime(int clock_id, struct bench_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local clock = ffi.new("struct bench_timespec")

local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
  return tonumber(clock.tv_sec) * 1000000 + tonumber(clock.tv_nsec) / 1000
end

local body_format = '{"model":"%s","messages":['
  .. '{"role":"system","content":"You are a concise support assistant for an online shop."},'
  .. '{"role":"user","content":"My order 10482 arrived with a cracked screen protector. '
  .. 'How do I request a replacement, and how long does it usually take?"}],'
  .. '"temperature":0.2,"max_tokens":200%s}'

-- main state: the threads, to collect their steady-state samples in done()
local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
  thread:set("thread_number", #threads)
end

-- thread state (globals, so that done() can read them with thread:get)
steady_latencies = {}   -- µs, of the requests sent inside the window
steady_completed = 0    -- responses that arrived inside the window
steady_unmatched = 0    -- responses without a known X-Request-ID: the server did not echo it
steady_from_us = nil    -- the window's start
steady_last_us = nil    -- the last response's arrival
local window_us = nil
local id_prefix = ""
local sent = 0
local started = {}

local function timed_request()
  local now = now_us()
  if steady_from_us == nil then
    steady_from_us = now + window_us
  end
  sent = sent + 1
  local id = id_prefix .. sent
  started[id] = now
  wrk.headers["X-Request-ID"] = id
  return wrk.format()
end

local function timed_response(status, headers, body)
  local now = now_us()
  local id = headers["X-Request-ID"] or headers["x-request-id"]
  local start = id and started[id]
  if start == nil then
    steady_unmatched = steady_unmatched + 1
    return
  end
  started[id] = nil
  if now >= steady_from_us then
    steady_completed = steady_completed + 1
    steady_last_us = now
  end
  if start >= steady_from_us then
    steady_latencies[#steady_latencies + 1] = now - start
  end
end

function init(args)
  local key = args[1] or "sk-bench"
  local model = args[2] or "gpt-4o-mini"
  local stream = ""
  for i = 3, #args do
    if args[i] == "stream" then
      stream = ',"stream":true,"stream_options":{"include_usage":true}'
    elseif args[i]:sub(1, 7) == "window=" then
      window_us = tonumber(args[i]:sub(8)) * 1000000
    end
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. key
  wrk.body = string.format(body_format, model, stream)
  if window_us ~= nil then
    -- unique across runs and threads: the gateway keeps client ids as correlation ids
    id_prefix = string.format("bench-%d-%d-", math.floor(now_us()), thread_number or 0)
    request = timed_request
    response = timed_response
  end
end

local function percentile(sorted, p)
  if #sorted == 0 then
    return 0
  end
  return sorted[math.max(1, math.ceil(#sorted * p / 100))]
end

local function steady_summary()
  local latencies, completed, unmatched = {}, 0, 0
  local from_us, last_us = nil, nil
  for _, thread in ipairs(threads) do
    for _, value in ipairs(thread:get("steady_latencies")) do
      latencies[#latencies + 1] = value
    end
    completed = completed + thread:get("steady_completed")
    unmatched = unmatched + thread:get("steady_unmatched")
    local from, last = thread:get("steady_from_us"), thread:get("steady_last_us")
    if from ~= nil and (from_us == nil or from < from_us) then from_us = from end
    if last ~= nil and (last_us == nil or last > last_us) then last_us = last end
  end
  table.sort(latencies)
  local sum = 0
  for _, value in ipairs(latencies) do
    sum = sum + value
  end
  local duration = (from_us and last_us and last_us > from_us) and (last_us - from_us) or 0
  return string.format(
    '{"requests":%d,"duration_us":%d,"timed":%d,"unmatched":%d,"mean_us":%.1f,"max_us":%d,'
      .. '"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d}',
    completed, duration, #latencies, unmatched, #latencies > 0 and sum / #latencies or 0,
    latencies[#latencies] or 0, percentile(latencies, 50), percentile(latencies, 90),
    percentile(latencies, 99), percentile(latencies, 99.9))
end

function done(summary, latency, requests)
  local e = summary.errors
  local steady = "null"
  if threads[1] ~= nil and threads[1]:get("steady_from_us") ~= nil then
    steady = steady_summary()
  end
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"non_2xx":%d,'
      .. '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,'
      .. '"mean_us":%.1f,"max_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d,'
      .. '"steady":%s}\n',
    summary.requests, summary.duration, summary.bytes, e.status,
    e.connect, e.read, e.write, e.timeout,
    latency.mean, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), steady))
end
