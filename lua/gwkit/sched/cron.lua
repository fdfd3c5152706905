-- gwkit.sched.cron: cron specs and times of day for gwkit.sched (pure: no
-- I/O, local time through os.date / os.time).
--
--   local cron = require "gwkit.sched.cron"
--   local c, err = cron.parse("*/5 * * * *")  -- nil, 'sched: cron spec "...": hour: ...'
--   local c = cron.parse_at("03:00")
--   local t = cron.next_time(c, os.time())     -- the first matching minute at or after
--
-- A spec is "minute hour day month weekday", each field *, a number, a
-- range a-b, a list a,b,c, a step */n or a-b/n (n/step: n to the end);
-- month and weekday names (jan, mon); weekday 0 or 7 is Sunday. When both
-- day and weekday are restricted, either matching is enough (as in cron).
-- Shortcuts: @hourly, @daily (@midnight), @weekly, @monthly, @yearly
-- (@annually).

local M = {}

local type, ipairs, tostring, tonumber = type, ipairs, tostring, tonumber
local format = string.format

local NEXT_STEPS = 20000      -- bound of the search for the next cron time (~8 years)

local FIELDS = {
  { name = "minute", lo = 0, hi = 59 },
  { name = "hour", lo = 0, hi = 23 },
  { name = "day", lo = 1, hi = 31 },
  { name = "month", lo = 1, hi = 12,
    names = { jan = 1, feb = 2, mar = 3, apr = 4, may = 5, jun = 6, jul = 7, aug = 8,
              sep = 9, oct = 10, nov = 11, dec = 12 } },
  { name = "weekday", lo = 0, hi = 7,
    names = { sun = 0, mon = 1, tue = 2, wed = 3, thu = 4, fri = 5, sat = 6 } },
}

local SHORTCUTS = {
  ["@hourly"] = "0 * * * *", ["@daily"] = "0 0 * * *", ["@midnight"] = "0 0 * * *",
  ["@weekly"] = "0 0 * * 0", ["@monthly"] = "0 0 1 * *", ["@yearly"] = "0 0 1 1 *",
  ["@annually"] = "0 0 1 1 *",
}

local DAYS_IN_MONTH = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }

local function field_value(f, s)
  local n = tonumber(s)
  if not n and f.names then n = f.names[s:lower()] end
  if not n or n % 1 ~= 0 then return nil, format("%q is not a number", s) end
  if n < f.lo or n > f.hi then
    return nil, format("%d is out of range %d-%d", n, f.lo, f.hi)
  end
  return n
end

local function parse_field(f, text)
  local set, any = {}, text == "*"
  for item in (text .. ","):gmatch("([^,]*),") do
    if item == "" then return nil, "empty list item" end
    local range, step = item:match("^([^/]+)/(.+)$")
    range = range or item
    local st = 1
    if step then
      st = tonumber(step)
      if not st or st % 1 ~= 0 or st < 1 then return nil, format("step %q is not a positive number", step) end
    end
    local a, b
    if range == "*" then
      a, b = f.lo, f.hi
      if f.name == "weekday" then b = 6 end
    else
      local x, y = range:match("^([^%-]+)%-([^%-]+)$")
      local err
      if x then
        a, err = field_value(f, x)
        if not a then return nil, err end
        b, err = field_value(f, y)
        if not b then return nil, err end
        if b < a then return nil, format("range %s is backwards", range) end
      else
        a, err = field_value(f, range)
        if not a then return nil, err end
        b = step and f.hi or a
      end
    end
    for v = a, b, st do set[v] = true end
  end
  if f.name == "weekday" and set[7] then set[0] = true end
  return set, nil, any
end

--- cron.parse(spec) -> parsed | nil, "sched: cron spec \"...\": hour: 25 is out of range 0-23"
function M.parse(spec)
  if type(spec) ~= "string" then return nil, "sched: cron spec must be a string" end
  local text = SHORTCUTS[spec:lower()] or spec
  local parts = {}
  for w in text:gmatch("%S+") do parts[#parts + 1] = w end
  if #parts ~= 5 then
    return nil, format("sched: cron spec %q: expected 5 fields (minute hour day month weekday), got %d",
      spec, #parts)
  end
  local c = { text = spec }
  for i, f in ipairs(FIELDS) do
    local set, err, any = parse_field(f, parts[i])
    if not set then return nil, format("sched: cron spec %q: %s: %s", spec, f.name, err) end
    c[f.name] = set
    c[f.name .. "_any"] = any
  end
  -- A day that no chosen month has (31 in February only) never comes.
  if c.weekday_any then
    local possible = false
    for m = 1, 12 do
      if c.month[m] then
        for d = 1, DAYS_IN_MONTH[m] do
          if c.day[d] then possible = true break end
        end
      end
    end
    if not possible then
      return nil, format("sched: cron spec %q: day: no chosen month has such a day", spec)
    end
  end
  return c
end

--- cron.parse_at("HH:MM") -> parsed cron | nil, message
function M.parse_at(hhmm)
  local h, m
  if type(hhmm) == "string" then h, m = hhmm:match("^(%d%d?):(%d%d)$") end
  h, m = tonumber(h), tonumber(m)
  if not h or h > 23 or m > 59 then
    return nil, format("sched: time of day %q: expected HH:MM (00:00 to 23:59)", tostring(hhmm))
  end
  local c = M.parse(format("%d %d * * *", m, h))
  c.text = hhmm
  return c
end

local function day_ok(c, d)
  local dom, dow = c.day[d.day], c.weekday[d.wday - 1]
  if c.day_any and c.weekday_any then return true end
  if c.day_any then return dow end
  if c.weekday_any then return dom end
  return dom or dow
end

local function later(old, new)
  if not new or new <= old then return old + 60 end
  return new
end

--- cron.next_time(parsed, t) -> the first minute at or after t (epoch
-- seconds) that the spec matches in local time, or nil when none comes
-- within the search bound.
function M.next_time(c, t)
  local m = math.ceil(t / 60) * 60
  for _ = 1, NEXT_STEPS do
    local d = os.date("*t", m)
    if not c.month[d.month] then
      m = later(m, os.time{ year = d.year, month = d.month + 1, day = 1, hour = 0, min = 0, sec = 0 })
    elseif not day_ok(c, d) then
      m = later(m, os.time{ year = d.year, month = d.month, day = d.day + 1, hour = 0, min = 0, sec = 0 })
    elseif not c.hour[d.hour] then
      m = m + (60 - d.min) * 60
    elseif not c.minute[d.min] then
      m = m + 60
    else
      return m
    end
    m = math.ceil(m / 60) * 60
  end
  return nil
end

M.FIELDS = FIELDS
return M
