-- GET /items?limit=20: a page of items plus the total count.
local common = require("common")
wrk.method = "GET"
wrk.path = "/items?limit=20"
done = common.done
