-- The one wrk script of the benchmark. WRK_MODE picks what each request is:
--   post (default)  POST the record JSON with Content-Type: application/json (URL ends in /store_data/)
--   get             GET the URL as given (/status, /healthz)
--   put             PUT a small record object to URL/<WRK_PUT_PREFIX>-<thread>-<n>.json (S3 server probe)
-- Every response's status is counted, and done() prints one line, `BENCH_RESULT {json}`, that run.sh reads:
-- request count, req/s, p50/p99/max latency (µs), wrk's socket errors and the count of each status code.

local mode = os.getenv("WRK_MODE") or "post"
local record = '{"nombre":"Ana María Pérez","edad":34,"profesion":"Ingeniera de datos"}'

local threads = {}

function setup(thread)
   thread:set("thread_id", #threads + 1)
   table.insert(threads, thread)
end

if mode == "post" then
   wrk.method = "POST"
   wrk.body = record
   wrk.headers["Content-Type"] = "application/json"
elseif mode == "put" then
   local prefix = os.getenv("WRK_PUT_PREFIX") or "probe"
   local body = '{"id":"019ad3c4-2e0b-7c3a-9f00-5d2c1e0a4b11","receivedAt":"2026-11-28T23:41:05.831+00:00",'
      .. '"nombre":"Ana María Pérez","edad":34,"profesion":"Ingeniera de datos"}'
   local headers = {
      ["Content-Type"] = "application/json",
      -- S3 test servers here check no signature, but s3rver wants its access key named.
      -- (The date must be current: servers refuse requests more than 15 minutes off.)
      ["Authorization"] = "AWS4-HMAC-SHA256 Credential=" .. (os.getenv("WRK_ACCESS_KEY") or "test")
         .. "/" .. os.date("!%Y%m%d") .. "/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=0000",
      ["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD",
      ["x-amz-date"] = os.date("!%Y%m%dT%H%M%SZ"),
   }
   local base = wrk.path
   if base:sub(-1) ~= "/" then base = base .. "/" end
   local n = 0
   function request()
      n = n + 1
      return wrk.format("PUT", base .. prefix .. "-" .. thread_id .. "-" .. n .. ".json", headers, body)
   end
end

statuses = {}

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
   local all = {}
   for _, thread in ipairs(threads) do
      for status, count in pairs(thread:get("statuses")) do
         all[status] = (all[status] or 0) + count
      end
   end
   local parts = {}
   for status, count in pairs(all) do
      table.insert(parts, string.format('"%d":%d', status, count))
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH_RESULT {"requests":%d,"duration_us":%d,"rps":%.1f,"p50_us":%d,"p99_us":%d,"max_us":%d,'
         .. '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},"status":{%s}}\n',
      summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
      latency:percentile(50), latency:percentile(99), latency.max,
      e.connect, e.read, e.write, e.timeout, table.concat(parts, ",")))
end
