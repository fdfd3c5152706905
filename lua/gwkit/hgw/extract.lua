-- gwkit.hgw.extract: finds values in a gateway's page by their labels,
-- never by row position. A page comes as rows (core.html_rows: an array
-- of arrays of cell texts; text outside tables, such as an "<h2>[ WAN ]</h2>"
-- heading, as one-cell rows). A field is found by its label in a cell and
-- its value is the next cell of that row; `section` limits the search to
-- the rows after a one-cell heading row containing that text (up to the
-- next one-cell row), since "MACアドレス" appears under both WAN and LAN.
-- A lease table is found by its header row (the labels of its columns).
-- Pure functions: no I/O.
local ipv6 = require "gwkit.ipv6"

local M = {}

local MAX_ADDRESSES = 16

local function trim(s)
  s = s:gsub("\194\160", " "):gsub("\227\128\128", " ")   -- NBSP, ideographic space
  return (s:gsub("^%s+", ""):gsub("%s+$", ""):gsub("%s+", " "))
end
M.trim = trim

-- A label cell: the label itself, perhaps with a trailing colon (ASCII or
-- full-width) and spaces around it; with loose labels (the generic
-- profile) a cell that starts with the label ("MACアドレス(LAN)") too.
local function label_is(cell, label, loose)
  local c = trim((trim(cell):gsub("：$", ""):gsub(":$", "")))
  return c == label or (loose and c:sub(1, #label) == label) or false
end

local function labels_of(spec)
  return type(spec.label) == "table" and spec.label or { spec.label }
end
M.labels_of = labels_of

local function ipv4(s)
  for a, b, c, d in s:gmatch("(%d+)%.(%d+)%.(%d+)%.(%d+)") do
    if tonumber(a) < 256 and tonumber(b) < 256 and tonumber(c) < 256 and tonumber(d) < 256 then
      return ("%d.%d.%d.%d"):format(a, b, c, d)
    end
  end
end

-- Value converters by field type: text -> value, or nil when the text is
-- no such value ("-" for a prefix while IPv6 is down).
local TYPES = {}
function TYPES.text(s) return s ~= "" and s or nil end
function TYPES.mac(s)
  for tok in s:gmatch("[%x:%-%.]+") do
    local m = #tok >= 12 and ipv6.mac(tok)
    if m then return m end
  end
end
function TYPES.ipv4(s) return ipv4(s) end
function TYPES.prefix(s)
  for tok in s:gmatch("[%x:%.]+/%d+") do
    local p = ipv6.prefix(tok)
    if p then return tostring(p) end
  end
end
function TYPES.addresses(s)
  local out = {}
  for tok in s:gmatch("[^%s/,;]+") do
    local a = ipv4(tok)
    if not a and tok:find(":") then
      local p = ipv6.parse(tok)
      a = p and not p.len and tostring(p) or nil
    end
    if a and #out < MAX_ADDRESSES then out[#out + 1] = a end
  end
  return #out > 0 and out or nil
end
function TYPES.integer(s)
  local n = s:match("%d+")
  return n and tonumber(n) or nil
end
M.TYPES = TYPES

-- Connection state words -> "connected" | "disconnected" | "connecting" |
-- "unknown". The profile may add its own words (profile.states).
local STATES = {
  { "connecting", { "接続処理中", "接続中です", "connecting" } },
  { "disconnected", { "未接続", "切断", "disconnected", "not connected" } },
  { "connected", { "接続中", "接続済", "connected", "online" } },
}
function M.state(s, extra)
  local low = s:lower()
  for _, st in ipairs(extra or {}) do
    for _, w in ipairs(st[2]) do
      if low:find(w:lower(), 1, true) then return st[1] end
    end
  end
  for _, st in ipairs(STATES) do
    for _, w in ipairs(st[2]) do
      if low:find(w:lower(), 1, true) then return st[1] end
    end
  end
  return "unknown"
end

local function convert(spec, raw, opts)
  local s = trim(raw)
  if spec.pattern then s = s:match(spec.pattern) or "" end
  if spec.type == "state" then return s ~= "" and M.state(s, opts.states) or nil end
  return TYPES[spec.type or "text"](s)
end

-- Every value cell after a matching label in the rows of the section
-- (section nil: anywhere). Returns a list of raw value texts.
local function candidates(rows, labels, section, loose)
  local out, inside = {}, section == nil
  for _, row in ipairs(rows) do
    if #row == 1 then
      if section then inside = row[1]:find(section, 1, true) ~= nil end
    elseif inside then
      for i = 1, #row - 1 do
        for _, label in ipairs(labels) do
          if label_is(row[i], label, loose) then out[#out + 1] = row[i + 1] end
        end
      end
    end
  end
  return out
end

-- Finds one field. opts: { states = extra state words, loose = labels
-- may be followed by more text }. Returns found (the label is on the
-- page), value (nil when no value cell converts), raw text.
function M.field(rows, spec, opts)
  opts = opts or {}
  local labels = labels_of(spec)
  local list = candidates(rows, labels, spec.section, opts.loose)
  if #list == 0 and spec.section and spec.section_optional then
    list = candidates(rows, labels, nil, opts.loose)
  end
  for _, raw in ipairs(list) do
    local v = convert(spec, raw, opts)
    if v ~= nil then return true, v, trim(raw) end
  end
  return #list > 0, nil, list[1] and trim(list[1])
end

local function describe(spec)
  local l = labels_of(spec)[1]
  return ("label '%s' not found%s"):format(l, spec.section and (" in section '%s'"):format(spec.section) or "")
end

-- All fields of a page spec: values (a table), raw texts; or nil and
-- "label '...' not found [in section '...']" for the first required field whose label is
-- missing (fields checked in name order, so the message is stable).
function M.fields(rows, fields, opts)
  local names = {}
  for name in pairs(fields) do names[#names + 1] = name end
  table.sort(names)
  local values, raws = {}, {}
  for _, name in ipairs(names) do
    local spec = fields[name]
    local found, v, raw = M.field(rows, spec, opts)
    if not found and spec.required then
      return nil, describe(spec)
    end
    values[name], raws[name] = v, raw
  end
  return values, raws
end

-- A table by its header row: spec.columns = { key = label | {labels} },
-- spec.required = { key, ... } (columns that must be in the header). The
-- data rows follow the header until a row with fewer cells (a heading,
-- "no entries", the end). Returns a list of { key = raw text } or nil, msg.
function M.table(rows, spec)
  local need = spec.required or {}
  for h, row in ipairs(rows) do
    local col = {}
    for key, label in pairs(spec.columns) do
      local labels = type(label) == "table" and label or { label }
      for i, cell in ipairs(row) do
        for _, l in ipairs(labels) do
          if not col[key] and trim(cell):find(l, 1, true) == 1 then col[key] = i end
        end
      end
    end
    local complete = #row > 1
    for _, key in ipairs(need) do complete = complete and col[key] ~= nil end
    if complete then
      local out = {}
      for r = h + 1, #rows do
        local data = rows[r]
        if #data < #row then break end
        local item = {}
        for key, i in pairs(col) do item[key] = trim(data[i] or "") end
        out[#out + 1] = item
      end
      return out
    end
  end
  local first = spec.columns[need[1]]
  return nil, ("table label '%s' not found"):format(type(first) == "table" and first[1] or tostring(first))
end

return M
