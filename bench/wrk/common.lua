-- Shared by the scenario scripts. Every script is run as
--   wrk ... -s SCRIPT URL -- TOKEN IDS_FILE
-- and prints one machine-readable line from done() (parsed by arena.bench.wrk).
local common = {}

function common.read_ids(path)
  local ids = {}
  for line in io.lines(path) do
    local id = tonumber(line)
    if id then
      ids[#ids + 1] = id
    end
  end
  assert(#ids > 0, "no ids in " .. path)
  return ids
end

function common.seed_random()
  -- Each wrk thread has its own Lua state; give each its own sequence.
  math.randomseed(os.time() + math.floor(os.clock() * 1000000) + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
end

-- Answers per HTTP status, for scripts that define response() (it costs wrk a parse of
-- every answer, so only the scripts that need the split use it). Each wrk thread has
-- its own Lua state: setup() keeps the threads, done() adds their tables up.
local threads = {}

function common.setup(thread)
  table.insert(threads, thread)
end

function common.count(status)
  statuses = statuses or {}
  statuses[status] = (statuses[status] or 0) + 1
end

local function merged_statuses()
  local total, parts = {}, {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses") or {}) do
      total[status] = (total[status] or 0) + n
    end
  end
  for status, n in pairs(total) do
    parts[#parts + 1] = string.format('"%d":%d', status, n)
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

function common.done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'ARENA_WRK {"requests":%d,"duration_us":%d,"bytes":%d,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"statuses":%s,'
      .. '"latency_us":{"min":%d,"mean":%.1f,"stdev":%.1f,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    merged_statuses(),
    latency.min, latency.mean, latency.stdev,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max))
end

return common
