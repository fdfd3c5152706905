-- Built-in rule send_burst: more than `max` messages from one sender within
-- `within` seconds -- stolen SMTP AUTH credentials or an open relay at
-- work. A message is a Postfix smtpd queue line
--   postfix/smtpd[913]: F15DDC0073: client=PC[192.0.2.11], sasl_method=PLAIN, sasl_username=USER-1
-- (counted per sasl_username, or per client address without one), or a
-- line of the relay-abuse form
--   Fri, 13 Feb 2004 01:45:30 +0900 220.86.126.77 Message received OK (57065 bytes)
-- (counted per the address before "Message received OK"). A burst gives ONE
-- alert with the count and the first and last lines: after the threshold
-- is crossed, matches are collected for `batch` seconds (default: within).
--
--   { builtin = "send_burst", max = 20, within = 300, by = "auto" }
--
-- Parameters: max (default 20: the 21st message within the window fires),
-- within (seconds, default 300), by ("auto": the user when the line names
-- one, else the client; "user": only lines with a user; "client": the
-- client address always). Defaults: batch = within, rate limit 10 per
-- hour, severity "crit".
local logtext = require "gwkit.logtext"

local M = {}

M.description = "more than N messages from one user or client within T seconds"

local function positive_int(v)
  if type(v) == "number" and v % 1 == 0 and v >= 1 and v <= 100000 then return true end
  return false, "an integer 1..100000 expected"
end

M.params = {
  max = positive_int,
  within = function(v)
    if type(v) == "number" and v > 0 then return true end
    return false, "seconds > 0 expected"
  end,
  by = function(v)
    if v == "auto" or v == "user" or v == "client" then return true end
    return false, '"auto", "user" or "client" expected'
  end,
}

M.defaults = { rate_limit = { count = 10, per = 3600 }, severity = "crit" }

-- {user =, client = address, kind = "postfix" | "relay"} of a message line, or nil.
function M.message(entry)
  local p = entry.parsed
  local msg = type(p) == "table" and p.msg or entry.line
  local app = type(p) == "table" and p.app or ""
  if app:find("smtpd$") then
    local client = msg:match("^%w+: client=([^,]*)")
    if client then
      return { kind = "postfix", client = client:match("%[([^%]]*)%]") or client,
               user = msg:match("sasl_username=([^,]*)") }
    end
    return nil
  end
  local addr = entry.line:match("([%x%.:]+) Message received OK")
  if addr then return { kind = "relay", client = addr } end
  return nil
end

local function format(a)
  local f = a.fields
  local who = f.user and ("user " .. f.user) or ("client " .. (f.client or "?"))
  local span = a.last - a.first
  local subject = ("send burst: %s sent %d messages in %d s"):format(who, a.count, span)
  local t = { subject, "",
    ("%d messages from %s between %s and %s (more than %d within %d s)."):format(a.count, who,
      logtext.format_time(a.first), logtext.format_time(a.last), f.max, f.within) }
  if f.user and f.client then t[#t + 1] = "First client address: " .. f.client end
  logtext.add_notes(t, a)
  t[#t + 1] = ""
  t[#t + 1] = "First message:"
  t[#t + 1] = "  " .. a.matches[1].line
  t[#t + 1] = "Last message:"
  t[#t + 1] = "  " .. a.tail.line
  return subject, table.concat(t, "\n") .. "\n"
end

function M.new(params)
  local max, within, by = params.max or 20, params.within or 300, params.by or "auto"
  return {
    threshold = { count = max + 1, window = within },
    batch = within,
    match = function(entry)
      local m = M.message(entry)
      if not m then return nil end
      local key
      if by == "client" then key = "client " .. m.client
      elseif m.user and m.user ~= "" then key = "user " .. m.user
      elseif by == "user" then return nil
      else key = "client " .. m.client end
      return { user = by ~= "client" and m.user or nil, client = m.client, group = key,
               key = key, max = max, within = within }
    end,
    format = format,
  }
end

return M
