-- POST /items: a validated, authenticated write (the harness deletes these rows afterwards).
local common = require("common")
wrk.method = "POST"
wrk.path = "/items"
wrk.body = '{"name": "bench item", "price_cents": 1999}'
wrk.headers["Content-Type"] = "application/json"

function init(args)
  wrk.headers["Authorization"] = "Bearer " .. args[1]
end

done = common.done
