-- gwkit.mime.address: mailboxes and address-list header fields.
--
-- RFC 5322 3.4 (addr-spec, display names, address lists), RFC 2047
-- (non-ASCII display names as encoded words), RFC 6532 (an address that
-- is itself UTF-8 is written as is; the SMTP layer must then use SMTPUTF8).
--
-- Problems are returned without the "mime: " prefix by the local functions
-- and with it by the exported parsers.

local chars = require "gwkit.mime.chars"
-- The header writer is needed only to write a field (M.field); parsing an
-- address for the SMTP envelope does without it.
local header

local find, gsub, match, sub = string.find, string.gsub, string.match, string.sub
local type, ipairs, error = type, ipairs, error
local is_8bit, has_crlfnul, has_ctl, is_utf8 =
  chars.is_8bit, chars.has_crlfnul, chars.has_ctl, chars.is_utf8

local M = {}

local function trim(s)
  return (gsub(s, "^[ \t]+", ""):gsub("[ \t]+$", ""))
end

-- Problem with an addr-spec, or nil when it is acceptable.
local function addr_problem(a)
  if a == "" then return "address is empty" end
  if has_crlfnul(a) then return "address contains CR, LF or NUL" end
  if find(a, "[ \t]") then return "address contains a space" end
  if find(a, "[<>]") then return "address contains '<' or '>'" end
  if has_ctl(a) then return "address contains a control character" end
  local _, ats = gsub(a, "@", "")
  if ats ~= 1 then return "address must contain exactly one '@'" end
  if find(a, "^@") or find(a, "@$") then return "address has an empty local part or domain" end
  if is_8bit(a) and not is_utf8(a) then return "address is not valid UTF-8" end
  return nil
end

local function display_problem(d)
  if has_crlfnul(d) then return "display name contains CR, LF or NUL" end
  if not is_utf8(d) then return "display name is not valid UTF-8" end
  return nil
end

local function unquote(d)
  local inner = match(d, '^"(.*)"$')
  if not inner then return d end
  return (gsub(inner, "\\(.)", "%1"))
end

-- "addr" or "Display <addr>": addr, display (or nil) or nil, problem.
local function parse(s)
  if has_crlfnul(s) then return nil, "address contains CR, LF or NUL" end
  s = trim(s)
  local addr, display
  if find(s, ">$") then
    local lt = match(s, "^.*()<")          -- the last '<'
    if not lt then return nil, "address has '>' without '<'" end
    addr = sub(s, lt + 1, -2)
    display = unquote(trim(sub(s, 1, lt - 1)))
    if display == "" then display = nil end
  else
    addr = s
  end
  local problem = addr_problem(addr) or (display and display_problem(display))
  if problem then return nil, problem end
  return addr, display
end

--- Parses "addr@x" or "Display Name <addr@x>" (the display name may be a
-- quoted string). Returns addr, display (display may be nil) or nil, message.
function M.parse(s)
  if type(s) ~= "string" then error("mime.parse_address: string expected", 2) end
  local addr, display = parse(s)
  if not addr then return nil, "mime: " .. display end
  return addr, display
end

-- Splits s at commas that are outside quotes and angle brackets; items
-- that are only white space are dropped.
local function split_list(s)
  local items, start, inq, ina = {}, 1, false, false
  local function add(item)
    if trim(item) ~= "" then items[#items + 1] = item end
  end
  local i, n = 1, #s
  while i <= n do
    local c = sub(s, i, i)
    if inq then
      if c == "\\" then i = i + 1 elseif c == '"' then inq = false end
    elseif c == '"' then inq = true
    elseif c == "<" then ina = true
    elseif c == ">" then ina = false
    elseif c == "," and not ina then
      add(sub(s, start, i - 1))
      start = i + 1
    end
    i = i + 1
  end
  add(sub(s, start))
  return items
end

--- Parses a comma-separated address list (commas inside quotes or angle
-- brackets do not separate). Returns a list of {addr=, name=, text=} (text:
-- the item as written, trimmed) or nil, message.
function M.parse_list(s)
  if type(s) ~= "string" then error("mime.parse_address_list: string expected", 2) end
  local out = {}
  for _, item in ipairs(split_list(s)) do
    local addr, display = parse(item)
    if not addr then return nil, "mime: " .. display end
    out[#out + 1] = { addr = addr, name = display, text = trim(item) }
  end
  if #out == 0 then return nil, "mime: address list is empty" end
  return out
end

--- True when the address itself (not its display name) is not ASCII, so
-- that the message can only be sent with SMTPUTF8 (RFC 6531).
function M.needs_smtputf8(a)
  if type(a) == "table" then a = a.addr end
  if type(a) ~= "string" then return false end
  return is_8bit(parse(a) or a)
end

-- One address given as a string or {name=, addr=}: {addr=, name=} or nil, problem.
local function mailbox(v)
  if type(v) == "string" then
    local addr, display = parse(v)
    if not addr then return nil, display end
    return { addr = addr, name = display }
  elseif type(v) ~= "table" then
    return nil, "address must be a string or a table"
  end
  if type(v.addr) ~= "string" then return nil, "address table needs a string addr" end
  if v.name ~= nil and type(v.name) ~= "string" then
    return nil, "address table name must be a string"
  end
  local name = v.name
  if name == "" then name = nil end
  local problem = addr_problem(v.addr) or (name and display_problem(name))
  if problem then return nil, problem end
  return { addr = v.addr, name = name }
end

-- A field that holds one address or a list: a list of {addr=, name=} or
-- nil, problem and (when there are several) the index of the bad one.
local function address_list(v)
  local items
  if type(v) == "string" then
    if has_crlfnul(v) then return nil, "address contains CR, LF or NUL" end
    items = split_list(v)
  elseif type(v) == "table" and v.addr ~= nil then
    items = { v }
  elseif type(v) == "table" then
    items = {}
    for _, it in ipairs(v) do items[#items + 1] = it end
  else
    return nil, "must be a string or a table"
  end
  if #items == 0 then return nil, "no address given" end
  local out = {}
  for k, it in ipairs(items) do
    local a, problem = mailbox(it)
    if not a then return nil, problem, (#items > 1) and k or nil end
    out[#out + 1] = a
  end
  return out
end

-- RFC 5322 3.2.3 atext, plus the space between words of a phrase
local function phrase_needs_quotes(name)
  return find(name, "[^%w!#$%%&'%*%+%-/=%?%^_`{|}~ ]") ~= nil
    or find(name, "^ ") ~= nil or find(name, " $") ~= nil or find(name, "  ", 1, true) ~= nil
end

-- Header pieces for an address list, and the line limit to fold them at.
local function address_pieces(name, list)
  header = header or require "gwkit.mime.header"
  local pieces, limit = {}, header.LINE_MAX
  for k, a in ipairs(list) do
    local tokens = {}
    if a.name then
      if header.needs_words(a.name) then
        local room = header.EW_LINE_MAX - 1
        if k == 1 then room = header.EW_LINE_MAX - #name - 2 end
        tokens = header.words(a.name, room)
        limit = header.EW_LINE_MAX
      elseif phrase_needs_quotes(a.name) then
        tokens[1] = header.quote(a.name)
      else
        for w in a.name:gmatch("%S+") do tokens[#tokens + 1] = w end
      end
      tokens[#tokens + 1] = "<" .. a.addr .. ">"
    else
      tokens[1] = a.addr
    end
    if k < #list then tokens[#tokens] = tokens[#tokens] .. "," end
    for _, t in ipairs(tokens) do pieces[#pieces + 1] = " " .. t end
  end
  return pieces, limit
end

--- The folded field "Name: address, ..." for v: one address ("addr",
-- "Name <addr>" or {name=, addr=}), a comma-separated string or a list of
-- those. Returns the field and the list of {addr=, name=}, or nil, the
-- problem and (when there are several addresses) the index of the bad one.
function M.field(name, v)
  local list, problem, index = address_list(v)
  if not list then return nil, problem, index end
  local pieces, limit = address_pieces(name, list)
  return header.fold(name, pieces, limit), list
end

return M
