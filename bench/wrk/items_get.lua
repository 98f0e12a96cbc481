-- GET /items/{id}: one query; ids drawn at random from the seeded items.
local common = require("common")
local ids

function init(args)
  ids = common.read_ids(args[2])
  common.seed_random()
end

function request()
  return wrk.format("GET", "/items/" .. ids[math.random(#ids)])
end

done = common.done
