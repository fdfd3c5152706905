-- gwkit.mime.date: the Date field (RFC 5322 3.3 date-time), with fixed
-- English day and month names whatever the C locale.

local format = string.format
local floor = math.floor

local M = {}

local DAYS = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" }
local MONTHS = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" }

--- Offset of the local time zone from UTC at time t, in seconds (east
-- positive), computed portably from os.date/os.time.
function M.utc_offset(t)
  t = t or os.time()
  local l = os.date("*t", t)
  local u = os.date("!*t", t)
  u.isdst = l.isdst     -- read the UTC wall clock as local time in the same DST state
  return floor(os.difftime(t, os.time(u)) + 0.5)
end

--- Formats time t (os.time value, default now) as an RFC 5322 date-time.
-- offset is the zone offset in seconds east of UTC; by default the local
-- zone's at t.
function M.format(t, offset)
  t = t or os.time()
  offset = offset or M.utc_offset(t)
  local w = os.date("!*t", t + offset)
  local sign, a = "+", offset
  if a < 0 then sign, a = "-", -a end
  local minutes = floor(a / 60 + 0.5)
  return format("%s, %02d %s %04d %02d:%02d:%02d %s%02d%02d",
    DAYS[w.wday], w.day, MONTHS[w.month], w.year, w.hour, w.min, w.sec,
    sign, floor(minutes / 60), minutes % 60)
end

return M
