-- wrk script for the bench harness (bench/ratios.py): RPC GETs built from a template path.
--   PATH_TMPL  the request path with its query string; placeholders:
--                {n}  a value unique to each request (RUN_TAG, thread, counter)
--                {i}  the next line of IDS_FILE, in order, each used once per thread (wraps around)
--   IDS_FILE   one ID per line; thread t of T takes lines t, t+T, t+2T, ...
--   RUN_TAG    makes {n} unique across runs
-- done() prints one line "RESULT {json}" with the throughput, latency percentiles and errors.
local tmpl = os.getenv("PATH_TMPL") or "/"
local tag = os.getenv("RUN_TAG") or tostring(os.time())
local ids_file = os.getenv("IDS_FILE")
local dynamic = tmpl:find("{n}", 1, true) or tmpl:find("{i}", 1, true)
local threads, count = {}, 0
function setup(thread)
  count = count + 1
  thread:set("tid", count)
  table.insert(threads, thread)
end
function init(args)
  tid = tid or 1
  counter = 0
  ids = {}
  if ids_file and tmpl:find("{i}", 1, true) then
    local line_no, nthreads = 0, tonumber(os.getenv("THREADS") or "1")
    for line in io.lines(ids_file) do
      line_no = line_no + 1
      if #line > 0 and (line_no - 1) % nthreads == tid - 1 then ids[#ids + 1] = line end
    end
  end
  if not dynamic then wrk.path = tmpl end
end
if dynamic then
  request = function()
    counter = counter + 1
    local p = tmpl:gsub("{n}", tag .. "x" .. tid .. "x" .. counter)
    if #ids > 0 then p = p:gsub("{i}", ids[(counter - 1) % #ids + 1]) end
    return wrk.format("GET", p)
  end
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('RESULT {"requests":%d,"rps":%.1f,"p50_us":%d,"p99_us":%d,"err_status":%d,"err_other":%d}\n',
    summary.requests, summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
