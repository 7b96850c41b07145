-- wrk script: POST one realistic chat request (~300 bytes) with a bearer key, and print a summary.
--
--   wrk -t1 -c16 -d10s -s bench/chat.lua http://127.0.0.1:8080/v1/chat/completions -- KEY MODEL [stream]
--
-- done() prints one line, "BENCH_JSON {...}", that bench/run.py reads: requests, non-2xx/3xx
-- responses, socket errors, and latency percentiles in microseconds (wrk's own histogram).
-- No response() callback on purpose: defining one makes wrk parse every header into Lua.

local body_format = '{"model":"%s","messages":['
  .. '{"role":"system","content":"You are a concise support assistant for an online shop."},'
  .. '{"role":"user","content":"My order 10482 arrived with a cracked screen protector. '
  .. 'How do I request a replacement, and how long does it usually take?"}],'
  .. '"temperature":0.2,"max_tokens":200%s}'

function init(args)
  local key = args[1] or "sk-bench"
  local model = args[2] or "gpt-4o-mini"
  local stream = ""
  if args[3] == "stream" then
    stream = ',"stream":true,"stream_options":{"include_usage":true}'
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. key
  wrk.body = string.format(body_format, model, stream)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"non_2xx":%d,'
      .. '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,'
      .. '"mean_us":%.1f,"max_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.status,
    e.connect, e.read, e.write, e.timeout,
    latency.mean, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9)))
end
