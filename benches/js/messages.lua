-- wrk script for benches/js/messages.js: cycles pre-built, encrypted and
-- signed deliveries read from a file (one "path<TAB>body" per line), so the
-- load generator does no crypto and costs both servers alike.
-- Usage: wrk -t1 -c32 -d4s -s messages.lua http://127.0.0.1:PORT -- FILE
local reqs, n, i = {}, 0, 0

function init(args)
  local f = assert(io.open(args[1], "r"))
  for line in f:lines() do
    local path, body = line:match("^(%S+)\t(.*)$")
    n = n + 1
    reqs[n] = wrk.format("POST", path, { ["Content-Type"] = "text/xml" }, body)
  end
  f:close()
end

function request()
  i = i + 1
  if i > n then i = 1 end
  return reqs[i]
end
