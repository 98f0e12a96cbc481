-- GET of one fixed path (the first script argument): used by the footgun exhibit.
local common = require("common")

function init(args)
  wrk.path = args[1]
end

done = common.done
