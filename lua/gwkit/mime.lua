-- gwkit.mime: builds Internet messages for SMTP submission.
--
-- RFC 5322 (message format, folding, Date, Message-ID), RFC 2045 (MIME
-- headers, quoted-printable, base64), RFC 2046 (multipart), RFC 2047
-- (encoded words in Subject and display names), RFC 2231 (non-ASCII
-- attachment file names), RFC 6532 (an address that is itself UTF-8 is
-- written as is; the SMTP layer must then use SMTPUTF8).
--
-- Every line of the output ends in CRLF; no bare CR or LF is ever produced.
-- Input problems (a missing From, CR/LF/NUL in a header value, a bad
-- address, invalid UTF-8, an unreadable attachment) return
-- nil, "mime: <field>: <problem>". Misuse (a field of the wrong type, an
-- unknown field name) raises an error naming the field.
--
-- Base64 and randomness come from gwkit.core (OpenSSL), never from Lua.

local core = require "gwkit.core"

local byte, char, find, format, gsub, sub, lower =
  string.byte, string.char, string.find, string.format, string.gsub,
  string.sub, string.lower
local concat, sort = table.concat, table.sort
local floor = math.floor
local type, ipairs, pairs, tostring, error = type, ipairs, pairs, tostring, error

local M = {}

local CRLF = "\r\n"
local LINE_MAX = 78          -- RFC 5322 2.1.1: SHOULD not exceed 78 characters
local EW_LINE_MAX = 76       -- RFC 2047 2: a line holding encoded words <= 76
local EW_MAX = 75            -- RFC 2047 2: one encoded word <= 75 characters
local EW_OVERHEAD = 12       -- "=?UTF-8?B?" .. "?="
local SMTP_LINE_MAX = 998    -- RFC 5322 2.1.1 / RFC 5321 4.5.3.1.6
local B64_LINE = 76          -- RFC 2045 6.8
local QP_LINE = 76           -- RFC 2045 6.7 (5)

------------------------------------------------------------------------------
-- Byte-level predicates
------------------------------------------------------------------------------

--- True when s holds any byte >= 0x80.
function M.is_8bit(s)
  return find(s, "[\128-\255]") ~= nil
end

local is_8bit = M.is_8bit

-- Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, <= U+10FFFF.
-- Returns true, or nil and the position of the first bad byte.
local function utf8_check(s)
  local i, n = 1, #s
  while true do
    local p = find(s, "[\128-\255]", i)
    if not p then return true end
    local c = byte(s, p)
    local len
    if c >= 0xC2 and c <= 0xDF then len = 2
    elseif c >= 0xE0 and c <= 0xEF then len = 3
    elseif c >= 0xF0 and c <= 0xF4 then len = 4
    else return nil, p end
    if p + len - 1 > n then return nil, p end
    local c2 = byte(s, p + 1)
    local lo, hi = 0x80, 0xBF
    if c == 0xE0 then lo = 0xA0
    elseif c == 0xED then hi = 0x9F
    elseif c == 0xF0 then lo = 0x90
    elseif c == 0xF4 then hi = 0x8F end
    if c2 < lo or c2 > hi then return nil, p end
    for k = 2, len - 1 do
      local cc = byte(s, p + k)
      if cc < 0x80 or cc > 0xBF then return nil, p end
    end
    i = p + len
  end
end

--- True when s is valid UTF-8; otherwise nil and the offset of the first bad byte.
M.is_utf8 = utf8_check

-- Length of the UTF-8 sequence that starts with byte c (input already valid).
local function charlen(c)
  if c < 0x80 then return 1 elseif c < 0xE0 then return 2
  elseif c < 0xF0 then return 3 else return 4 end
end

local function has_crlfnul(s)
  return find(s, "[%z\r\n]") ~= nil
end

local function has_ctl(s)
  return find(s, "[%z\1-\8\10-\31\127]") ~= nil
end

------------------------------------------------------------------------------
-- Header values and names
------------------------------------------------------------------------------

local function valid_field_name(name)
  -- RFC 5322 3.6.8: printable US-ASCII except ':'
  return type(name) == "string" and find(name, "^[!-9;-~]+$") ~= nil
end

--- Checks that a header field can carry v: true, or nil and a message.
-- name must be a valid field name; v must contain no CR, LF or NUL.
function M.check_header_value(name, v)
  if not valid_field_name(name) then
    return nil, "mime: header name is not a valid field name"
  end
  if type(v) ~= "string" then
    return nil, "mime: header " .. name .. ": value is not a string"
  end
  if has_crlfnul(v) then
    return nil, "mime: header " .. name .. ": value contains CR, LF or NUL"
  end
  return true
end

------------------------------------------------------------------------------
-- RFC 2047 encoded words
------------------------------------------------------------------------------

-- Splits UTF-8 s into B-encoded words without splitting a character; the
-- first word is at most first_room characters long, every other at most
-- EW_MAX. The second result is true when not even one character fitted in
-- first_room, so that the first word needs a line of its own.
local function encoded_words(s, first_room)
  local words, bumped = {}, false
  local i, n = 1, #s
  local room = first_room or EW_MAX
  if room > EW_MAX then room = EW_MAX end
  while i <= n do
    local maxbytes = floor((room - EW_OVERHEAD) / 4) * 3
    local j = i
    while j <= n do
      local l = charlen(byte(s, j))
      if j + l - i > maxbytes then break end
      j = j + l
    end
    if j == i then
      -- not even one character fits in what is left of the first line:
      -- this word goes on a line of its own
      if room >= EW_MAX then
        error("mime: internal: character does not fit in an encoded word")
      end
      room, bumped = EW_MAX, true
    else
      words[#words + 1] = "=?UTF-8?B?" .. core.b64encode(sub(s, i, j - 1)) .. "?="
      i = j
      room = EW_MAX
    end
  end
  return words, bumped
end

--- Encodes one header value (UTF-8) as RFC 2047 B encoded words.
-- Each word is at most 75 characters and holds whole UTF-8 characters; the
-- words are joined by CRLF SP so that "Name: " .. result is a folded header
-- whose lines are at most 76 characters when used is #"Name: " (default 0).
-- Returns the string, or nil and a message for invalid UTF-8 or CR/LF/NUL.
function M.encode_word(s, used)
  if type(s) ~= "string" then error("mime.encode_word: string expected", 2) end
  if has_crlfnul(s) then return nil, "mime: value contains CR, LF or NUL" end
  local ok, pos = utf8_check(s)
  if not ok then return nil, "mime: value is not valid UTF-8 (byte " .. pos .. ")" end
  local words, bumped = encoded_words(s, EW_LINE_MAX - (used or 0))
  return (bumped and CRLF .. " " or "") .. concat(words, CRLF .. " ")
end

------------------------------------------------------------------------------
-- Folding (RFC 5322 2.2.3)
------------------------------------------------------------------------------

-- pieces: strings that each begin with white space and are never split.
-- A fold (CRLF) goes before a piece that would make the line longer than
-- limit; a piece longer than a line stays whole on its own line.
local function fold(name, pieces, limit)
  local out = {}
  local line = name .. ":"
  for _, p in ipairs(pieces) do
    if #line + #p > limit then
      out[#out + 1] = line
      line = p
    else
      line = line .. p
    end
  end
  out[#out + 1] = line
  return concat(out, CRLF)
end

-- Pieces for an unstructured value (Subject, caller headers): ASCII kept as
-- is and folded at white space; anything else (8-bit, controls, text that
-- would read as an encoded word, a word too long to fold) becomes encoded
-- words. Returns pieces, limit or nil, problem.
local function unstructured_pieces(name, value)
  if has_crlfnul(value) then return nil, "contains CR, LF or NUL" end
  local ok, pos = utf8_check(value)
  if not ok then return nil, "is not valid UTF-8 (byte " .. pos .. ")" end
  local encode = is_8bit(value) or find(value, "=?", 1, true)
    or find(value, "[\1-\8\11-\31\127]")
  local pieces = {}
  if not encode then
    local last = 0
    for ws, word, e in value:gmatch("([ \t]*)([^ \t]+)()") do
      local piece = ws .. word
      if #pieces == 0 then piece = " " .. piece end
      if #piece > LINE_MAX - 1 then encode = true break end
      pieces[#pieces + 1] = piece
      last = e
    end
    if not encode and last <= #value then
      local tail = sub(value, last > 0 and last or 1)
      if #pieces == 0 then
        if tail ~= "" then pieces[1] = " " .. tail end
      else
        pieces[#pieces] = pieces[#pieces] .. tail
      end
    end
    if not encode then return pieces, LINE_MAX end
  end
  pieces = {}
  for _, w in ipairs(encoded_words(value, EW_LINE_MAX - #name - 2)) do
    pieces[#pieces + 1] = " " .. w
  end
  return pieces, EW_LINE_MAX
end

--- Formats an unstructured header field (no trailing CRLF), folded, with
-- non-ASCII text as encoded words. Returns the string or nil, message.
function M.format_header(name, value)
  local ok, err = M.check_header_value(name, value)
  if not ok then return nil, err end
  local pieces, limit = unstructured_pieces(name, value)
  if not pieces then return nil, "mime: header " .. name .. ": " .. limit end
  return fold(name, pieces, limit)
end

------------------------------------------------------------------------------
-- Addresses (RFC 5322 3.4)
------------------------------------------------------------------------------

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
  if is_8bit(a) and not utf8_check(a) then return "address is not valid UTF-8" end
  return nil
end

local function display_problem(d)
  if has_crlfnul(d) then return "display name contains CR, LF or NUL" end
  if not utf8_check(d) then return "display name is not valid UTF-8" end
  return nil
end

local function unquote(d)
  local inner = d:match('^"(.*)"$')
  if not inner then return d end
  return (gsub(inner, "\\(.)", "%1"))
end

-- addr, display or nil, problem (problem without the "mime: " prefix)
local function parse_address(s)
  if has_crlfnul(s) then return nil, "address contains CR, LF or NUL" end
  s = trim(s)
  local addr, display
  if find(s, ">$") then
    local lt
    local p = 0
    while true do
      local q = find(s, "<", p + 1, true)
      if not q then break end
      lt, p = q, q
    end
    if not lt then return nil, "address has '>' without '<'" end
    addr = sub(s, lt + 1, -2)
    display = trim(sub(s, 1, lt - 1))
    display = unquote(display)
    if display == "" then display = nil end
  else
    addr = s
  end
  local problem = addr_problem(addr)
  if problem then return nil, problem end
  if display then
    problem = display_problem(display)
    if problem then return nil, problem end
  end
  return addr, display
end

--- Parses "addr@x" or "Display Name <addr@x>" (the display name may be a
-- quoted string). Returns addr, display (display may be nil) or nil, message.
function M.parse_address(s)
  if type(s) ~= "string" then error("mime.parse_address: string expected", 2) end
  local addr, display = parse_address(s)
  if not addr then return nil, "mime: " .. display end
  return addr, display
end

-- Splits s at commas that are outside quotes and angle brackets.
local function split_list(s)
  local items, start, inq, ina = {}, 1, false, false
  local i, n = 1, #s
  while i <= n do
    local c = sub(s, i, i)
    if inq then
      if c == "\\" then i = i + 1 elseif c == '"' then inq = false end
    elseif c == '"' then inq = true
    elseif c == "<" then ina = true
    elseif c == ">" then ina = false
    elseif c == "," and not ina then
      items[#items + 1] = sub(s, start, i - 1)
      start = i + 1
    end
    i = i + 1
  end
  items[#items + 1] = sub(s, start)
  local out = {}
  for _, it in ipairs(items) do
    if trim(it) ~= "" then out[#out + 1] = it end
  end
  return out
end

--- Parses a comma-separated address list (commas inside quotes or angle
-- brackets do not separate). Returns a list of {addr=, name=, text=} (text:
-- the item as written, trimmed) or nil, message.
function M.parse_address_list(s)
  if type(s) ~= "string" then error("mime.parse_address_list: string expected", 2) end
  local out = {}
  for _, item in ipairs(split_list(s)) do
    local addr, display = parse_address(item)
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
  local addr = parse_address(a)
  return is_8bit(addr or a)
end

-- One address given as a string or {name=, addr=}: {addr=, name=} or nil, problem.
local function normalise_address(v)
  if type(v) == "table" then
    if type(v.addr) ~= "string" then return nil, "address table needs a string addr" end
    if v.name ~= nil and type(v.name) ~= "string" then
      return nil, "address table name must be a string"
    end
    local problem = addr_problem(v.addr)
    if problem then return nil, problem end
    local name = v.name
    if name == "" then name = nil end
    if name then
      problem = display_problem(name)
      if problem then return nil, problem end
    end
    return { addr = v.addr, name = name }
  elseif type(v) == "string" then
    local addr, display = parse_address(v)
    if not addr then return nil, display end
    return { addr = addr, name = display }
  end
  return nil, "address must be a string or a table"
end

-- A field that holds one address or a list: a list of {addr=, name=} or
-- nil, problem and (when there are several) the index of the bad one.
local function address_list(v)
  local items = {}
  if type(v) == "string" then
    if has_crlfnul(v) then return nil, "address contains CR, LF or NUL" end
    for _, s in ipairs(split_list(v)) do items[#items + 1] = s end
  elseif type(v) == "table" and v.addr ~= nil then
    items[1] = v
  elseif type(v) == "table" then
    for _, it in ipairs(v) do items[#items + 1] = it end
  else
    return nil, "must be a string or a table"
  end
  if #items == 0 then return nil, "no address given" end
  local out = {}
  for k, it in ipairs(items) do
    local a, problem = normalise_address(it)
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

-- Header pieces for an address list (To, Cc, From, Reply-To).
local function address_pieces(name, list)
  local pieces, limit = {}, LINE_MAX
  for k, a in ipairs(list) do
    local tokens = {}
    if a.name then
      if is_8bit(a.name) or find(a.name, "=?", 1, true) or has_ctl(a.name) then
        local room = EW_LINE_MAX - 1
        if k == 1 then room = EW_LINE_MAX - #name - 2 end
        for _, w in ipairs(encoded_words(a.name, room)) do tokens[#tokens + 1] = w end
        limit = EW_LINE_MAX
      elseif phrase_needs_quotes(a.name) then
        tokens[1] = '"' .. gsub(a.name, '[\\"]', "\\%0") .. '"'
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

------------------------------------------------------------------------------
-- Date (RFC 5322 3.3)
------------------------------------------------------------------------------

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

--- Formats time t (os.time value) as an RFC 5322 date-time. offset is the
-- zone offset in seconds east of UTC; by default the local zone's at t.
-- Day and month names are fixed English, whatever the C locale.
function M.format_date(t, offset)
  t = t or os.time()
  offset = offset or M.utc_offset(t)
  local w = os.date("!*t", t + offset)
  local sign = "+"
  local a = offset
  if a < 0 then sign, a = "-", -a end
  local minutes = floor(a / 60 + 0.5)
  local hh = floor(minutes / 60)
  local mm = minutes - hh * 60
  return format("%s, %02d %s %04d %02d:%02d:%02d %s%02d%02d",
    DAYS[w.wday], w.day, MONTHS[w.month], w.year, w.hour, w.min, w.sec, sign, hh, mm)
end

------------------------------------------------------------------------------
-- Bodies (RFC 2045 section 6)
------------------------------------------------------------------------------

local function normalise_eol(s)
  s = gsub(s, "\r\n", "\n"):gsub("\r", "\n")
  return (gsub(s, "\n", CRLF))
end

local function lines_fit(s, max)
  local pos, n = 1, #s
  while pos <= n do
    local e = find(s, CRLF, pos, true)
    local stop = e and e - 1 or n
    if stop - pos + 1 > max then return false end
    if not e then break end
    pos = e + 2
  end
  return true
end

local function wrap_b64(s)
  local e = core.b64encode(s)
  local out = {}
  for i = 1, #e, B64_LINE do out[#out + 1] = sub(e, i, i + B64_LINE - 1) end
  return concat(out, CRLF)
end

-- Quoted-printable token for each byte value: '=', controls and 8-bit
-- bytes are encoded; space and tab are literal except at the end of a line.
local QP = {}
for c = 0, 255 do
  if c == 61 or c > 126 or (c < 32 and c ~= 9) then
    QP[c] = format("=%02X", c)
  else
    QP[c] = char(c)
  end
end

-- RFC 2045 6.7: soft line breaks keep every encoded line within 76
-- characters (the '=' included); trailing white space is encoded. A '.' at
-- the start of an encoded line is written =2E: SMTP dot-stuffing already
-- makes a leading dot safe, but some broken relays mangle such lines.
local function qp_encode(s)
  local out = {}
  local pos, n = 1, #s
  while pos <= n + 1 do
    local e = find(s, CRLF, pos, true)
    local line = sub(s, pos, (e or n + 1) - 1)
    local buf, len = {}, 0
    local ln = #line
    for i = 1, ln do
      local c = byte(line, i)
      local t = QP[c]
      if i == ln and (c == 32 or c == 9) then t = format("=%02X", c) end
      if len == 0 and c == 46 then t = "=2E" end
      local lim = (i == ln) and QP_LINE or QP_LINE - 1
      if len + #t > lim then
        out[#out + 1] = concat(buf) .. "="
        buf, len = {}, 0
        if c == 46 then t = "=2E" end
      end
      buf[#buf + 1] = t
      len = len + #t
    end
    out[#out + 1] = concat(buf)
    if not e then break end
    pos = e + 2
  end
  return concat(out, CRLF)
end

-- Chooses the transfer encoding of a UTF-8 text body (line ends already CRLF):
--   7bit             every byte is ASCII, no NUL, and every line is at most
--                    998 octets (RFC 5322 2.1.1);
--   quoted-printable otherwise, when at most one byte in six is 8-bit or a
--                    control: each such byte costs 3 octets in QP while base64
--                    costs 4/3 on every byte, so QP is then no larger and the
--                    text stays readable (e.g. English with an accent, or an
--                    ASCII log with over-long lines);
--   base64           otherwise (e.g. Japanese, where nearly every byte is 8-bit).
-- Returns the encoding name and the encoded body (without a final CRLF
-- unless the text ends with a line break).
local function encode_text(s)
  if not is_8bit(s) and not find(s, "%z") and lines_fit(s, SMTP_LINE_MAX) then
    return "7bit", s
  end
  local _, special = gsub(s, "[%z\1-\8\11\12\14-\31\127-\255]", "")
  if special * 6 <= #s then
    return "quoted-printable", qp_encode(s)
  end
  return "base64", wrap_b64(s)
end

M._qp_encode = qp_encode      -- exposed for the specs
M._encode_text = encode_text

------------------------------------------------------------------------------
-- Parameters (RFC 2045 5.1, RFC 2231)
------------------------------------------------------------------------------

local function quote_param(v)
  return '"' .. gsub(v, '[\\"]', "\\%0") .. '"'
end

-- RFC 2231 attribute-char: ALPHA / DIGIT / "!#$&+-.^_`|~"
local function pct_char(c)
  return format("%%%02X", byte(c))
end

local function pct_encode(s)
  return (gsub(s, "[^%w!#$&%+%-%.%^_`|~]", pct_char))
end

-- Pieces for name=value: a quoted string when the value is printable
-- ASCII, else RFC 2231 UTF-8 percent-encoding, split into continuations
-- (name*0*=, name*1*=, ...) so that no line passes 78 characters and no
-- UTF-8 character is split.
local function param_pieces(pname, value, last)
  local sep = last and "" or ";"
  if not is_8bit(value) and not has_ctl(value) then
    return { " " .. pname .. "=" .. quote_param(value) .. sep }
  end
  local single = " " .. pname .. "*=UTF-8''" .. pct_encode(value) .. sep
  if #single <= LINE_MAX - 1 then return { single } end
  local pieces = {}
  local i, n, k = 1, #value, 0
  while i <= n do
    local head = " " .. pname .. "*" .. k .. "*=" .. (k == 0 and "UTF-8''" or "")
    local room = LINE_MAX - 1 - #head - 1
    local chunk = {}
    local len = 0
    while i <= n do
      local l = charlen(byte(value, i))
      local enc = pct_encode(sub(value, i, i + l - 1))
      if len + #enc > room and len > 0 then break end
      chunk[#chunk + 1] = enc
      len = len + #enc
      i = i + l
    end
    pieces[#pieces + 1] = head .. concat(chunk) .. ((i <= n) and ";" or sep)
    k = k + 1
  end
  return pieces
end

------------------------------------------------------------------------------
-- Parts and multiparts
------------------------------------------------------------------------------

-- A part is { headers = { "Name: value" lines (folded) }, body = "..." }.
local function serialize_part(p)
  return concat(p.headers, CRLF) .. CRLF .. CRLF .. p.body
end

local function text_part(text, subtype)
  local cte, body = encode_text(text)
  return {
    headers = {
      "Content-Type: text/" .. subtype .. "; charset=UTF-8",
      "Content-Transfer-Encoding: " .. cte,
    },
    body = body,
  }
end

local function new_boundary()
  return "=_gwkit_" .. core.hex(core.random(16))
end

-- RFC 2046 5.1.1: the boundary must not occur in any enclosed part.
local function multipart(subtype, parts)
  local texts = {}
  for i, p in ipairs(parts) do texts[i] = serialize_part(p) end
  for _ = 1, 8 do
    local b = new_boundary()
    local clash = false
    for _, t in ipairs(texts) do
      if find(t, b, 1, true) then clash = true break end
    end
    if not clash then
      local out = {}
      for _, t in ipairs(texts) do
        out[#out + 1] = "--" .. b .. CRLF .. t .. CRLF
      end
      out[#out + 1] = "--" .. b .. "--" .. CRLF
      return {
        headers = { fold("Content-Type", { " multipart/" .. subtype .. ";",
                                           " boundary=" .. quote_param(b) }, LINE_MAX) },
        body = concat(out),
        boundary = b,
      }
    end
  end
  return nil, "could not find a boundary absent from the content"
end

local EXT_TYPES = {
  txt = "text/plain", log = "text/plain", csv = "text/csv",
  json = "application/json", xml = "application/xml", pdf = "application/pdf",
  gz = "application/gzip", zip = "application/zip", png = "image/png",
  jpg = "image/jpeg", jpeg = "image/jpeg",
}

local function basename(path)
  return path:match("([^/\\]+)$") or path
end

local function attachment_part(a, k)
  local field = "attachments[" .. k .. "]"
  if type(a) ~= "table" then error("mime.build: '" .. field .. "' must be a table", 3) end
  for key in pairs(a) do
    if key ~= "filename" and key ~= "content_type" and key ~= "data" and key ~= "path" then
      error("mime.build: unknown field '" .. tostring(key) .. "' in " .. field, 3)
    end
  end
  for _, key in ipairs({ "filename", "content_type", "data", "path" }) do
    if a[key] ~= nil and type(a[key]) ~= "string" then
      error("mime.build: '" .. field .. "." .. key .. "' must be a string", 3)
    end
  end
  local data = a.data
  if data and a.path then return nil, field .. ": give data or path, not both" end
  if not data and not a.path then return nil, field .. ": data or path is required" end
  if a.path then
    if has_crlfnul(a.path) then return nil, field .. ".path: contains CR, LF or NUL" end
    local f, err = io.open(a.path, "rb")
    if not f then return nil, field .. ".path: cannot read: " .. tostring(err) end
    data, err = f:read("*a")
    f:close()
    if not data then return nil, field .. ".path: cannot read: " .. tostring(err) end
  end
  local filename = a.filename or (a.path and basename(a.path))
  if not filename or filename == "" then return nil, field .. ".filename: is required" end
  if has_crlfnul(filename) then return nil, field .. ".filename: contains CR, LF or NUL" end
  if has_ctl(filename) then return nil, field .. ".filename: contains a control character" end
  if not utf8_check(filename) then return nil, field .. ".filename: is not valid UTF-8" end
  local ctype = a.content_type
  if ctype then
    if has_crlfnul(ctype) then return nil, field .. ".content_type: contains CR, LF or NUL" end
    if is_8bit(ctype) or has_ctl(ctype)
      or not find(ctype, "^[%w!#$&%^_%.%+%-]+/[%w!#$&%^_%.%+%-]+%s*;?") then
      return nil, field .. ".content_type: is not a valid media type"
    end
    ctype = gsub(ctype, "[;%s]+$", "")
  else
    local ext = filename:match("%.([^%.]+)$")
    ctype = EXT_TYPES[ext and lower(ext) or ""] or "application/octet-stream"
    if ctype == "text/plain" and is_8bit(data) and utf8_check(data) then
      ctype = ctype .. "; charset=UTF-8"
    end
  end
  local ct_pieces = { " " .. ctype .. ";" }
  for _, p in ipairs(param_pieces("name", filename, true)) do ct_pieces[#ct_pieces + 1] = p end
  local cd_pieces = { " attachment;" }
  for _, p in ipairs(param_pieces("filename", filename, true)) do cd_pieces[#cd_pieces + 1] = p end
  return {
    headers = {
      fold("Content-Type", ct_pieces, LINE_MAX),
      fold("Content-Disposition", cd_pieces, LINE_MAX),
      "Content-Transfer-Encoding: base64",
    },
    body = wrap_b64(data),
  }
end

------------------------------------------------------------------------------
-- The message
------------------------------------------------------------------------------

local KNOWN = {
  from = true, to = true, cc = true, reply_to = true, subject = true, text = true,
  html = true, headers = true, attachments = true, date = true, message_id = true,
  domain = true,
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

local function check_type(m, key, want)
  local v = m[key]
  if v ~= nil and type(v) ~= want then
    error("mime.build: '" .. key .. "' must be a " .. want, 3)
  end
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
    check_type(m, key, "string")
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

  -- Date
  local date = m.date
  if type(date) == "string" then
    if has_crlfnul(date) then return fail("date", "contains CR, LF or NUL") end
    if is_8bit(date) or has_ctl(date) then return fail("date", "is not ASCII text") end
  else
    date = M.format_date(date)
  end
  add("Date: " .. date)

  -- From (exactly one address), To, Cc, Reply-To
  if m.from == nil then return fail("from", "is required") end
  local from, problem, index = address_list(m.from)
  if not from then return fail("from", problem, index) end
  if #from ~= 1 then return fail("from", "must be exactly one address") end
  add(fold("From", address_pieces("From", from)))

  if m.to == nil then return fail("to", "is required") end
  local to
  to, problem, index = address_list(m.to)
  if not to then return fail("to", problem, index) end
  add(fold("To", address_pieces("To", to)))

  for _, f in ipairs({ { "cc", "Cc" }, { "reply_to", "Reply-To" } }) do
    if m[f[1]] ~= nil then
      local list
      list, problem, index = address_list(m[f[1]])
      if not list then return fail(f[1], problem, index) end
      add(fold(f[2], address_pieces(f[2], list)))
    end
  end

  -- Subject
  local pieces, limit = unstructured_pieces("Subject", m.subject or "")
  if not pieces then return fail("subject", limit) end
  add(fold("Subject", pieces, limit))

  -- Message-ID
  local mid = m.message_id
  if mid then
    if has_crlfnul(mid) then return fail("message_id", "contains CR, LF or NUL") end
    if find(mid, "^<") then mid = sub(mid, 2) end
    if find(mid, ">$") then mid = sub(mid, 1, -2) end
    if mid == "" or find(mid, "[%s<>%c\128-\255]") or not find(mid, "@", 1, true) then
      return fail("message_id", "must look like id@domain")
    end
  else
    local domain = m.domain
    if domain then
      if has_crlfnul(domain) then return fail("domain", "contains CR, LF or NUL") end
      if domain == "" or find(domain, "[^%w%.%-%[%]:_]") then
        return fail("domain", "is not a domain name")
      end
    else
      domain = from[1].addr:match("@(.*)$")
      if find(domain, "[^%w%.%-%[%]:_]") then domain = "localhost" end
    end
    mid = core.hex(core.random(16)) .. "@" .. domain
  end
  add("Message-ID: <" .. mid .. ">")
  add("MIME-Version: 1.0")

  -- Caller headers
  for i, h in ipairs(caller_headers(m.headers)) do
    local name, value = h[1], h[2]
    local field = "headers[" .. (valid_field_name(name) and name or tostring(i)) .. "]"
    if not valid_field_name(name) then return fail(field, "name is not a valid field name") end
    local why = OWNED[lower(name)]
    if why then return fail(field, name .. " cannot be set here: " .. why) end
    pieces, limit = unstructured_pieces(name, value)
    if not pieces then return fail(field, "value " .. limit) end
    add(fold(name, pieces, limit))
  end

  -- Body
  local text = m.text or ""
  for _, key in ipairs({ "text", "html" }) do
    local v = m[key]
    if v then
      local ok, pos = utf8_check(v)
      if not ok then return fail(key, "is not valid UTF-8 (byte " .. pos .. ")") end
    end
  end
  local part = text_part(normalise_eol(text), "plain")
  if m.html then
    local err
    part, err = multipart("alternative", { part, text_part(normalise_eol(m.html), "html") })
    if not part then return fail("html", err) end
  end
  if m.attachments and #m.attachments > 0 then
    local parts = { part }
    for k, a in ipairs(m.attachments) do
      local p, err = attachment_part(a, k)
      if not p then return nil, "mime: " .. err end
      parts[#parts + 1] = p
    end
    local err
    part, err = multipart("mixed", parts)
    if not part then return fail("attachments", err) end
  end
  for _, h in ipairs(part.headers) do add(h) end

  local body = part.body
  if body ~= "" and sub(body, -2) ~= CRLF then body = body .. CRLF end
  return concat(lines, CRLF) .. CRLF .. CRLF .. body
end

return M
