-- COUNT Digest-protected GETs with gwkit: one http.session (COUNT > 1) or
-- one http.request. Usage: lua5.1 gwkit_http.lua URL USER PASSWORD COUNT
local http = require "gwkit.http"
local url, user, pass, count = arg[1], arg[2], arg[3], tonumber(arg[4])
if count == 1 then
  local r = assert(http.request{ url = url, user = user, password = pass })
  assert(r.status == 200, r.status)
else
  local s = http.session{ user = user, password = pass }
  for _ = 1, count do
    local r = assert(s:request{ url = url })
    assert(r.status == 200, r.status)
  end
  s:close()
end
