-- gwkit.logtext: the time of a log line and log text shown in a mail --
-- shared by gwkit.rules, its built-in rules and scripts/auth-audit.
--
--   logtext.time_of(entry, now) -> seconds, timed (the line's own timestamp?)
--   logtext.printable(s [, keep_newlines]) -> valid UTF-8, \xNN for the rest
--   logtext.format_time(t) -> "2023-09-18 15:45:28" (local time)
--
-- A syslog line without a year (RFC 3164, BSD files) gets the year that
-- makes it the most recent past date; a zone offset is honoured; without
-- one the line is local time.
local M = {}
-- The length of the valid UTF-8 sequence (RFC 3629) starting at byte p
-- of s (a byte >= 0x80), or nil.
local function utf8_len_at(s, p)
  local c = s:byte(p)
  local len
  if c >= 0xC2 and c <= 0xDF then len = 2
  elseif c >= 0xE0 and c <= 0xEF then len = 3
  elseif c >= 0xF0 and c <= 0xF4 then len = 4
  else return nil end
  if p + len - 1 > #s then return nil end
  local c2, lo, hi = s:byte(p + 1), 0x80, 0xBF
  if c == 0xE0 then lo = 0xA0 elseif c == 0xED then hi = 0x9F
  elseif c == 0xF0 then lo = 0x90 elseif c == 0xF4 then hi = 0x8F end
  if c2 < lo or c2 > hi then return nil end
  for k = 2, len - 1 do
    local cc = s:byte(p + k)
    if cc < 0x80 or cc > 0xBF then return nil end
  end
  return len
end

-- Printable text: control characters (but tab, and newline when
-- keep_newlines) and bytes that are not UTF-8 shown as \xNN, so that any
-- log line can go into a mail. Linear in the length of s.
local function printable(s, keep_newlines)
  local ctl = keep_newlines and "[%z\1-\8\11-\31\127]" or "[%z\1-\8\10-\31\127]"
  s = s:gsub(ctl, function(c) return ("\\x%02x"):format(c:byte()) end)
  if not s:find("[\128-\255]") then return s end
  local out, i = {}, 1
  for _ = 1, #s + 1 do
    local p = s:find("[\128-\255]", i)
    if not p then out[#out + 1] = s:sub(i); break end
    local len = utf8_len_at(s, p)
    if len then
      out[#out + 1] = s:sub(i, p + len - 1)
    else
      out[#out + 1] = s:sub(i, p - 1) .. ("\\x%02x"):format(s:byte(p))
      len = 1
    end
    i = p + len
  end
  return table.concat(out)
end
M.printable = printable

-- One line of at most n bytes, not cut inside a UTF-8 sequence.
function M.one_line(s, n)
  s = printable(s)
  if #s <= n then return s end
  local cut = n
  while cut > 0 and s:byte(cut + 1) and s:byte(cut + 1) >= 0x80 and s:byte(cut + 1) < 0xC0 do
    cut = cut - 1
  end
  return s:sub(1, cut)
end

-- Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = math.floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

function M.timegm(y, mo, d, h, mi, s)
  return days_from_civil(y, mo, d) * 86400 + (h or 0) * 3600 + (mi or 0) * 60 + (s or 0)
end

-- Local time -> epoch: os.time (mktime) once per hour of a log, cached
-- (zone changes fall on hour boundaries).
local hour_cache, hour_cached = {}, 0
local function local_epoch(y, mo, d, h)
  local k = ((y * 100 + mo) * 100 + d) * 100 + h
  local t = hour_cache[k]
  if not t then
    if hour_cached >= 256 then hour_cache, hour_cached = {}, 0 end
    t = os.time{ year = y, month = mo, day = d, hour = h, min = 0, sec = 0 }
    hour_cache[k], hour_cached = t, hour_cached + 1
  end
  return t
end

local function epoch(p, year)
  local sec = math.floor(tonumber(p.sec) or 0)
  if p.tzoff then
    return M.timegm(year, p.month, p.day, p.hour, p.min, sec) - p.tzoff * 60   -- minutes east
  end
  return local_epoch(year, p.month, p.day, p.hour or 0) + (p.min or 0) * 60 + sec
end

local year_now, year_of = nil, nil
-- The time of an entry (see the top); `now` is the current time. Second
-- result: true when the time is the entry's own timestamp.
function M.time_of(entry, now)
  local p = entry.parsed
  if type(p) == "table" and p.month and p.day and p.hour then
    if p.year then return epoch(p, p.year), true end
    if now ~= year_now then year_now, year_of = now, tonumber(os.date("%Y", now)) end
    local t = epoch(p, year_of)
    if t > now + 86400 then t = epoch(p, year_of - 1) end
    return t, true
  end
  return entry.at or now, false
end

function M.format_time(t)
  return os.date("%Y-%m-%d %H:%M:%S", t)
end

---------------------------------------------------------------- alert text

function M.expand(template, alert)
  return (template:gsub("%%([%w_]+)%%", function(name)
    local v = alert[name]
    if v == nil or type(v) == "table" then v = alert.fields[name] end
    if v == nil and name:match("^%d+$") then v = alert.fields[tonumber(name)] end
    if v == nil and alert.entry_parsed then v = alert.entry_parsed[name] end
    if v == nil then return "?" end
    if name == "first" or name == "last" then return M.format_time(v) end
    return tostring(v)
  end))
end

-- The lines that tell what the rate limit and deduplication held back
-- before an alert (for the text of built-in rules too).
function M.notes(a)
  local out = {}
  if a.suppressed > 0 then
    out[#out + 1] = ("%d earlier alert(s) of this rule were held back by its rate limit."):format(a.suppressed)
  end
  if a.repeats > 0 then
    out[#out + 1] = ("%d repeated alert(s) of this rule were left out as duplicates."):format(a.repeats)
  end
  return out
end

-- Appends the notes of alert a (above) to the list of lines t.
function M.add_notes(t, a)
  for _, l in ipairs(M.notes(a)) do t[#t + 1] = l end
  return t
end

-- Appends a blank line, a heading and the lines, indented by two spaces.
function M.add_lines(t, heading, lines)
  t[#t + 1] = ""
  t[#t + 1] = heading
  for _, l in ipairs(lines) do t[#t + 1] = "  " .. l end
  return t
end

-- A built-in rule's alert text: its lines t, the notes, then the alert's
-- log lines under heading; one string ending in a newline.
function M.rule_text(t, a, heading)
  M.add_lines(M.add_notes(t, a), heading, a.lines)
  return table.concat(t, "\n") .. "\n"
end

function M.default_text(a)
  local out = { a.subject, "", ("Rule: %s (%s)"):format(a.rule, a.severity) }
  if a.count == 1 then
    out[#out + 1] = "Matched once at " .. M.format_time(a.first)
  else
    out[#out + 1] = ("Matched %d times between %s and %s"):format(a.count, M.format_time(a.first),
      M.format_time(a.last))
  end
  M.add_notes(out, a)
  if #a.context > 0 then M.add_lines(out, "Lines before the first match:", a.context) end
  M.add_lines(out, "Matching lines:", a.lines)
  if a.more > 0 then out[#out + 1] = ("  (%d more not shown)"):format(a.more) end
  return out
end

return M
