-- GET /health: the framework floor (one round trip to the database).
local common = require("common")
wrk.method = "GET"
wrk.path = "/health"
done = common.done
