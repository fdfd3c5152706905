-- Built-in rule router_mail_failure: a Yamaha router's mailer gave up
-- (`[MAIL] ... Error` in its log: "Read Error(535 ...)", "Mail SMTP Service
-- Receive Error(28)", "End Mail SMTP Process for Error"). One alert per
-- burst, with the failing lines and the SMTP exchange that preceded them
-- (credentials the router sent are shown as <redacted>).
--
--   { builtin = "router_mail_failure", context = 40 }
--
-- Parameters: context (lines of the [MAIL] exchange kept before the first
-- error, 1..200, default 40). Defaults: batch 60 s per router (host, or
-- source), rate limit 6 per hour, severity "err".
local logtext = require "gwkit.logtext"

local M = {}

M.description = "a Yamaha router's mailer failed ([MAIL] ... Error)"

M.params = {
  context = function(v)
    if type(v) == "number" and v % 1 == 0 and v >= 1 and v <= 200 then return true end
    return false, "an integer 1..200 expected"
  end,
}

M.defaults = {
  threshold = { count = 1, window = 60 }, batch = 60,
  rate_limit = { count = 6, per = 3600 }, severity = "err",
}

-- SMTP commands a router sends; any other "Send Msg" (an AUTH response,
-- message text) is not shown.
local VERBS = { EHLO = true, HELO = true, MAIL = true, RCPT = true, DATA = true, QUIT = true,
                RSET = true, NOOP = true, STARTTLS = true, VRFY = true, EXPN = true,
                HELP = true, BDAT = true }

-- A [MAIL] line with what the router sent for authentication redacted.
function M.redact(line)
  local pre, body, post = line:match('^(.-Send Msg: ")(.*)("%s*)$')
  if not pre then return line end
  local verb, rest = body:match("^(%a+)(.*)$")
  verb = verb and verb:upper()
  if verb == "AUTH" then
    local mech = rest:match("^%s+(%S+)%s+%S")
    if mech then return pre .. "AUTH " .. mech .. " <redacted>" .. post end
    return line
  end
  if verb and VERBS[verb] then return line end
  return pre .. "<redacted>" .. post
end

local function match(entry)
  local line = entry.line
  local at = line:find("[MAIL]", 1, true)
  if not at then return nil end
  if line:find("Send Msg:", at, true) or line:find("Recv Msg:", at, true) then return nil end
  if not line:find("Error", at, true) then return nil end
  local what = line:sub(at + 6):gsub("^%s*%[%d+%]", ""):gsub("^%s+", "")
  return { error = what, reply = line:match("Read Error%((.*)%)%s*$"),
           host = type(entry.parsed) == "table" and entry.parsed.host or nil }
end

local function group(entry)
  local p = entry.parsed
  return type(p) == "table" and p.host or entry.source or ""
end

local function format(a)
  local reason
  for _, m in ipairs(a.matches) do
    if m.fields.reply then reason = m.fields.reply; break end
  end
  reason = reason or a.fields.error or "error"
  local host = a.fields.host
  local subject = ("router mail failure%s: %s"):format(host and (" on " .. host) or "", reason)
  local t = { subject, "",
    ("The router's mailer reported %d error line(s) between %s and %s%s."):format(a.count,
      logtext.format_time(a.first), logtext.format_time(a.last),
      a.source and (" (" .. a.source .. ")") or ""),
    "Reason: " .. reason }
  logtext.add_lines(logtext.add_notes(t, a), "Error lines:", a.lines)
  if a.more > 0 then t[#t + 1] = ("  (%d more not shown)"):format(a.more) end
  if #a.context > 0 then logtext.add_lines(t, "The exchange before the first error:", a.context) end
  return subject, table.concat(t, "\n") .. "\n"
end

function M.new(params)
  return {
    match = match, group_by = group, format = format,
    context = { lines = params.context or 40, match = "%[MAIL%]", filter = M.redact },
  }
end

return M
