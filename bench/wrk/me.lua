-- GET /me: JWT verification plus a user lookup; the token is issued once before the run.
local common = require("common")
wrk.method = "GET"
wrk.path = "/me"

function init(args)
  wrk.headers["Authorization"] = "Bearer " .. args[1]
end

done = common.done
