-- GET /work?ms=L straight at the downstream simulator: its own capacity at a delay.
--   wrk ... -s downstream.lua URL -- MS
local common = require("common")
local path

setup = common.setup

function init(args)
  path = "/work?bytes=512&ms=" .. args[1]
end

function request()
  return wrk.format("GET", path)
end

function response(status, headers, body)
  common.count(status)
end

done = common.done
