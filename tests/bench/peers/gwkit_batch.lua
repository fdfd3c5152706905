-- COUNT alerts with gwkit: one smtp.send per alert (a connection each), or
-- all in one smtp.session. Usage:
--   lua5.1 gwkit_batch.lua conn|session starttls|tls HOST PORT CAFILE USER PASSWORD FROM TO COUNT [MECH]
local smtp = require "gwkit.smtp"
local how, tls, host, port, cafile, user, pass, from, to, count, mech = unpack(arg)
local base = { server = host, port = tonumber(port), tls = tls, cafile = cafile,
               user = user, password = pass, mechanisms = mech and { mech } or nil }
local function alert(i)
  return { from = from, to = { to }, subject = "alert " .. i,
           text = "gwkit bench alert " .. i .. ": PD prefix changed\n" }
end
if how == "session" then
  local s = assert(smtp.session(base))
  for i = 1, tonumber(count) do assert(s:send(alert(i))) end
  s:close()
else
  for i = 1, tonumber(count) do
    local o = alert(i)
    for k, v in pairs(base) do o[k] = v end
    assert(smtp.send(o))
  end
end
