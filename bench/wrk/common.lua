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

function common.done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'ARENA_WRK {"requests":%d,"duration_us":%d,"bytes":%d,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"latency_us":{"min":%d,"mean":%.1f,"stdev":%.1f,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.stdev,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max))
end

return common
