-- GET /items/{id}/enriched?fanout=N (level io): ids at random; answers counted per status.
--   wrk ... -s enriched.lua URL -- TOKEN IDS_FILE FANOUT
local common = require("common")
local ids, fanout

setup = common.setup

function init(args)
  wrk.headers["Authorization"] = "Bearer " .. args[1]
  ids = common.read_ids(args[2])
  fanout = args[3]
  common.seed_random()
end

function request()
  return wrk.format("GET", "/items/" .. ids[math.random(#ids)] .. "/enriched?fanout=" .. fanout)
end

function response(status, headers, body)
  common.count(status)
end

done = common.done
