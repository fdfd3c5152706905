-- gwkit.mime: builds Internet messages for SMTP submission.
--
-- RFC 5322 (message format, Date, Message-ID), RFC 2045-2047 (MIME), RFC
-- 2231, RFC 6532; the work is done by the modules under gwkit.mime:
--   chars    8-bit, control characters, strict UTF-8
--   header   field names, RFC 2047 encoded words, folding, parameters
--   address  address parsing and address-list fields
--   date     the Date field
--   body     7bit / quoted-printable / base64 and the choice among them
--   part     text parts, attachments, multiparts
--
-- Every line of the output ends in CRLF; no bare CR or LF is ever produced.
-- Input problems (a missing From, CR/LF/NUL in a header value, a bad
-- address, invalid UTF-8, an unreadable attachment) return
-- nil, "mime: <field>: <problem>". Misuse (a field of the wrong type, an
-- unknown field name) raises an error naming the field.
--
-- Base64 and randomness come from gwkit.core (OpenSSL), never from Lua.

local core = require "gwkit.core"
local chars = require "gwkit.mime.chars"
local header = require "gwkit.mime.header"
local address = require "gwkit.mime.address"
local date = require "gwkit.mime.date"
local body = require "gwkit.mime.body"
local part = require "gwkit.mime.part"

local find, sub, lower = string.find, string.sub, string.lower
local concat, sort = table.concat, table.sort
local floor = math.floor
local type, ipairs, pairs, tostring, error = type, ipairs, pairs, tostring, error
local is_8bit, has_crlfnul, has_ctl = chars.is_8bit, chars.has_crlfnul, chars.has_ctl

local M = {
  is_8bit = chars.is_8bit,
  is_utf8 = chars.is_utf8,                  -- true, or nil and the bad byte's offset
  check_header_value = header.check_value,
  encode_word = header.encode_word,
  format_header = header.format,
  parse_address = address.parse,
  parse_address_list = address.parse_list,
  needs_smtputf8 = address.needs_smtputf8,
  utc_offset = date.utc_offset,
  format_date = date.format,
  _qp_encode = body.quoted_printable,       -- exposed for the specs
  _encode_text = body.encode_text,
}

local CRLF = "\r\n"
local NOT_DOMAIN = "[^%w%.%-%[%]:_]"        -- a byte no domain (or literal) holds

local KNOWN = {
  from = true, to = true, cc = true, reply_to = true, subject = true, text = true,
  html = true, headers = true, attachments = true, date = true, message_id = true,
  domain = true,
}

-- The address fields in the order they are written, and their header names.
local ADDRESS_FIELDS = {
  { "from", "From" }, { "to", "To" }, { "cc", "Cc" }, { "reply_to", "Reply-To" },
}

-- Header names the builder writes itself (lower case) and what to say when
-- a caller header tries to set one.
local OWNED = {
  ["from"] = "use the from field", ["to"] = "use the to field",
  ["cc"] = "use the cc field", ["reply-to"] = "use the reply_to field",
  ["subject"] = "use the subject field", ["date"] = "use the date field",
  ["message-id"] = "use the message_id field", ["mime-version"] = "set by the builder",
  ["content-type"] = "set by the builder",
  ["content-transfer-encoding"] = "set by the builder",
  ["bcc"] = "would show every blind copy to all recipients: give those recipients to the SMTP envelope only",
}

-- The caller's headers as a list of {name, value}: the list part in order,
-- then the map entries in name order. Raises on a malformed table.
local function caller_headers(h)
  local list = {}
  if h == nil then return list end
  if type(h) ~= "table" then error("mime.build: 'headers' must be a table", 3) end
  local n = #h
  for i = 1, n do
    local e = h[i]
    if type(e) ~= "table" or type(e[1]) ~= "string" or type(e[2]) ~= "string" then
      error("mime.build: 'headers[" .. i .. "]' must be {name, value} strings", 3)
    end
    list[#list + 1] = { e[1], e[2] }
  end
  local names = {}
  for k, v in pairs(h) do
    if type(k) ~= "number" or k < 1 or k > n or k ~= floor(k) then
      if type(k) ~= "string" or type(v) ~= "string" then
        error("mime.build: 'headers' map entries must be name = value strings", 3)
      end
      names[#names + 1] = k
    end
  end
  sort(names)
  for _, k in ipairs(names) do list[#list + 1] = { k, h[k] } end
  return list
end

-- The value of the Date field: m.date formatted, or checked when a string;
-- or nil, problem.
local function date_value(d)
  if type(d) ~= "string" then return M.format_date(d) end
  if has_crlfnul(d) then return nil, "contains CR, LF or NUL" end
  if is_8bit(d) or has_ctl(d) then return nil, "is not ASCII text" end
  return d
end

-- The Message-ID (without <>): m.message_id checked, or random hex @ the
-- domain (m.domain, else the From domain); or nil, field, problem.
local function message_id(m, from)
  local mid = m.message_id
  if mid then
    if has_crlfnul(mid) then return nil, "message_id", "contains CR, LF or NUL" end
    if find(mid, "^<") then mid = sub(mid, 2) end
    if find(mid, ">$") then mid = sub(mid, 1, -2) end
    if mid == "" or find(mid, "[%s<>%c\128-\255]") or not find(mid, "@", 1, true) then
      return nil, "message_id", "must look like id@domain"
    end
    return mid
  end
  local domain = m.domain
  if domain then
    if has_crlfnul(domain) then return nil, "domain", "contains CR, LF or NUL" end
    if domain == "" or find(domain, NOT_DOMAIN) then
      return nil, "domain", "is not a domain name"
    end
  else
    domain = from.addr:match("@(.*)$")
    if find(domain, NOT_DOMAIN) then domain = "localhost" end
  end
  return core.hex(core.random(16)) .. "@" .. domain
end

--- Builds a message.
--   from         one address: "addr", "Name <addr>" or {name=, addr=} (required)
--   to           one address or a list; a string may be comma-separated (required)
--   cc, reply_to like to (optional)
--   subject      UTF-8 text; non-ASCII becomes RFC 2047 encoded words
--   text, html   UTF-8 bodies (text defaults to ""); with html the two go
--                in multipart/alternative
--   headers      { {name, value}, ... } and/or { [name] = value } (map entries
--                after the list, in name order); the builder's own headers
--                cannot be set here (Date and Message-ID: use the fields)
--   attachments  { {filename=, content_type=, data= | path=}, ... }
--   date         os.time value (formatted in the local zone) or a string
--   message_id   "id@domain" with or without <>; default random hex @ domain
--   domain       for the default Message-ID; default the From domain
-- Returns the message (CRLF line ends, ending in CRLF) or nil, message.
function M.build(m)
  if type(m) ~= "table" then error("mime.build: table expected", 2) end
  for k in pairs(m) do
    if not KNOWN[k] then error("mime.build: unknown field '" .. tostring(k) .. "'", 2) end
  end
  for _, key in ipairs({ "subject", "text", "html", "message_id", "domain" }) do
    if m[key] ~= nil and type(m[key]) ~= "string" then
      error("mime.build: '" .. key .. "' must be a string", 2)
    end
  end
  if m.attachments ~= nil and type(m.attachments) ~= "table" then
    error("mime.build: 'attachments' must be a table", 2)
  end
  if m.date ~= nil and type(m.date) ~= "number" and type(m.date) ~= "string" then
    error("mime.build: 'date' must be an os.time value or a string", 2)
  end

  local lines = {}
  local function add(line) lines[#lines + 1] = line end
  local function fail(field, problem, index)
    if index then field = field .. "[" .. index .. "]" end
    return nil, "mime: " .. field .. ": " .. problem
  end

  local value, problem = date_value(m.date)
  if not value then return fail("date", problem) end
  add("Date: " .. value)

  -- From (exactly one address, required), To (required), Cc, Reply-To
  local from
  for _, f in ipairs(ADDRESS_FIELDS) do
    local key, name = f[1], f[2]
    if m[key] ~= nil then
      local line, list, index = address.field(name, m[key])
      if not line then return fail(key, list, index) end
      if key == "from" then
        if #list ~= 1 then return fail("from", "must be exactly one address") end
        from = list[1]
      end
      add(line)
    elseif key == "from" or key == "to" then
      return fail(key, "is required")
    end
  end

  local line
  line, problem = header.unstructured("Subject", m.subject or "")
  if not line then return fail("subject", problem) end
  add(line)

  local field
  value, field, problem = message_id(m, from)
  if not value then return fail(field, problem) end
  add("Message-ID: <" .. value .. ">")
  add("MIME-Version: 1.0")

  for i, h in ipairs(caller_headers(m.headers)) do
    local name = h[1]
    if not header.valid_name(name) then
      return fail("headers[" .. i .. "]", "name is not a valid field name")
    end
    field = "headers[" .. name .. "]"
    local why = OWNED[lower(name)]
    if why then return fail(field, name .. " cannot be set here: " .. why) end
    line, problem = header.unstructured(name, h[2])
    if not line then return fail(field, "value " .. problem) end
    add(line)
  end

  -- Body
  for _, key in ipairs({ "text", "html" }) do
    problem = m[key] and chars.utf8_problem(m[key])
    if problem then return fail(key, problem) end
  end
  local p = part.text(m.text or "", "plain")
  if m.html then
    p, problem = part.multipart("alternative", { p, part.text(m.html, "html") })
    if not p then return fail("html", problem) end
  end
  if m.attachments and #m.attachments > 0 then
    local parts = { p }
    for k, a in ipairs(m.attachments) do
      local ap
      ap, problem = part.attachment(a, k)
      if not ap then return nil, "mime: " .. problem end
      parts[#parts + 1] = ap
    end
    p, problem = part.multipart("mixed", parts)
    if not p then return fail("attachments", problem) end
  end
  for _, h in ipairs(p.headers) do add(h) end

  local text = p.body
  if text ~= "" and sub(text, -2) ~= CRLF then text = text .. CRLF end
  return concat(lines, CRLF) .. CRLF .. CRLF .. text
end

return M
