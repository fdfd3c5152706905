-- COUNT alerts with gwkit: one smtp.send per alert (a connection each), all
-- in one smtp.session (s:send for each), or all in one s:send_batch (up to
-- 32 in one pipelined flight). Usage:
--   lua5.1 gwkit_batch.lua conn|session|batch starttls|tls HOST PORT CAFILE USER PASSWORD FROM TO COUNT [MECH]
local smtp = require "gwkit.smtp"
local how, tls, host, port, cafile, user, pass, from, to, count, mech = unpack(arg)
local base = { server = host, port = tonumber(port), tls = tls, cafile = cafile,
               user = user, password = pass, mechanisms = mech and { mech } or nil }
local function alert(i)
  return { from = from, to = { to }, subject = "alert " .. i,
           text = "gwkit bench alert " .. i .. ": PD prefix changed\n" }
end
if how == "batch" then
  local s = assert(smtp.session(base))
  local list = {}
  for i = 1, tonumber(count) do list[i] = alert(i) end
  for i, r in ipairs(s:send_batch(list)) do
    if r.error then error("alert " .. i .. ": " .. r.error) end
  end
  s:close()
elseif how == "session" then
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
