-- wrk script for bench/read-path: POST the JSON body in the file named after the
-- URL (wrk -s bench/post.lua URL -- BODY_FILE), as a GraphQL client sends a query.
-- The request is formatted once per thread, so the client costs no Lua per request.
function init(args)
  local file = assert(io.open(args[1], "rb"))
  wrk.body = file:read("*a")
  file:close()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end
