-- gwkit.mime.header: header fields, folded and encoded.
--
-- RFC 5322 (field names 3.6.8, line length 2.1.1, folding 2.2.3, quoted
-- strings 3.2.4), RFC 2047 (B encoded words in unstructured text and
-- display names), RFC 2045 5.1 and RFC 2231 (parameters; a non-ASCII value
-- as UTF-8 percent-encoding, split into continuations).
--
-- A header is built from pieces: strings that each begin with white space
-- and are never split. fold() puts a line break before a piece that would
-- make the line too long. Results carry no final CRLF.

local core = require "gwkit.core"
local chars = require "gwkit.mime.chars"

local byte, find, format, gmatch, gsub, sub =
  string.byte, string.find, string.format, string.gmatch, string.gsub, string.sub
local concat = table.concat
local floor = math.floor
local type, ipairs, error = type, ipairs, error
local is_8bit, has_crlfnul, has_ctl, charlen, utf8_problem =
  chars.is_8bit, chars.has_crlfnul, chars.has_ctl, chars.charlen, chars.utf8_problem

local M = {}

local CRLF = "\r\n"
M.LINE_MAX = 78              -- RFC 5322 2.1.1: SHOULD not exceed 78 characters
M.EW_LINE_MAX = 76           -- RFC 2047 2: a line holding encoded words <= 76
local LINE_MAX, EW_LINE_MAX = M.LINE_MAX, M.EW_LINE_MAX
local EW_MAX = 75            -- RFC 2047 2: one encoded word <= 75 characters
local EW_OVERHEAD = 12       -- "=?UTF-8?B?" .. "?="

------------------------------------------------------------------------------
-- Names and values
------------------------------------------------------------------------------

--- True when name is a field name: printable US-ASCII except ':'.
function M.valid_name(name)
  return type(name) == "string" and find(name, "^[!-9;-~]+$") ~= nil
end

--- Checks that a header field can carry v: true, or nil and a message.
-- name must be a valid field name; v must contain no CR, LF or NUL.
function M.check_value(name, v)
  if not M.valid_name(name) then
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

--- s as a quoted-string: '"' and '\' escaped with '\'.
function M.quote(s)
  return '"' .. gsub(s, '[\\"]', "\\%0") .. '"'
end

------------------------------------------------------------------------------
-- RFC 2047 encoded words
------------------------------------------------------------------------------

--- True when text (already free of CR, LF and NUL) must be written as
-- encoded words: it is 8-bit, holds a control character, or would read as
-- an encoded word.
function M.needs_words(s)
  return is_8bit(s) or find(s, "=?", 1, true) ~= nil or has_ctl(s)
end

--- Splits UTF-8 s into B-encoded words without splitting a character; the
-- first word is at most first_room characters long, every other at most
-- 75. The second result is true when not even one character fitted in
-- first_room, so that the first word needs a line of its own.
function M.words(s, first_room)
  local words, bumped = {}, false
  local i, n = 1, #s
  local room = first_room
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
  local problem = utf8_problem(s)
  if problem then return nil, "mime: value " .. problem end
  local words, bumped = M.words(s, EW_LINE_MAX - (used or 0))
  return (bumped and CRLF .. " " or "") .. concat(words, CRLF .. " ")
end

------------------------------------------------------------------------------
-- Folding
------------------------------------------------------------------------------

--- "Name:" followed by the pieces, with a fold (CRLF) before each piece that
-- would make its line longer than limit; a piece longer than a line stays
-- whole on its own line.
function M.fold(name, pieces, limit)
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

-- Pieces of printable ASCII text, folded at white space (the white space
-- after the last word stays with it), or nil when a word is too long for a
-- line.
local function ascii_pieces(value)
  local pieces, last = {}, 1
  for piece, e in gmatch(value, "([ \t]*[^ \t]+)()") do
    if #pieces == 0 then piece = " " .. piece end
    if #piece > LINE_MAX - 1 then return nil end
    pieces[#pieces + 1] = piece
    last = e
  end
  local tail = sub(value, last)
  if tail ~= "" then
    if #pieces == 0 then
      pieces[1] = " " .. tail
    else
      pieces[#pieces] = pieces[#pieces] .. tail
    end
  end
  return pieces
end

--- Formats an unstructured field (Subject, caller headers): ASCII kept as
-- is and folded at white space; anything else (8-bit, controls, text that
-- would read as an encoded word, a word too long to fold) becomes encoded
-- words. Returns the folded field, or nil and the problem with the value
-- ("contains CR, LF or NUL", "is not valid UTF-8 (byte N)").
function M.unstructured(name, value)
  if has_crlfnul(value) then return nil, "contains CR, LF or NUL" end
  local problem = utf8_problem(value)
  if problem then return nil, problem end
  local pieces = not M.needs_words(value) and ascii_pieces(value)
  if pieces then return M.fold(name, pieces, LINE_MAX) end
  pieces = {}
  for _, w in ipairs(M.words(value, EW_LINE_MAX - #name - 2)) do
    pieces[#pieces + 1] = " " .. w
  end
  return M.fold(name, pieces, EW_LINE_MAX)
end

--- Formats an unstructured header field (no trailing CRLF), folded, with
-- non-ASCII text as encoded words. Returns the string or nil, message.
function M.format(name, value)
  local ok, err = M.check_value(name, value)
  if not ok then return nil, err end
  local line, problem = M.unstructured(name, value)
  if not line then return nil, "mime: header " .. name .. ": " .. problem end
  return line
end

------------------------------------------------------------------------------
-- Parameters (RFC 2045 5.1, RFC 2231)
------------------------------------------------------------------------------

-- RFC 2231 attribute-char: ALPHA / DIGIT / "!#$&+-.^_`|~"; others as %XX
local function pct_char(c)
  return format("%%%02X", byte(c))
end

local function pct_encode(s)
  return (gsub(s, "[^%w!#$&%+%-%.%^_`|~]", pct_char))
end

-- Appends the pieces for pname=value to pieces: a quoted string when the
-- value is printable ASCII, else RFC 2231 UTF-8 percent-encoding, split
-- into continuations (name*0*=, name*1*=, ...) so that no line passes 78
-- characters and no UTF-8 character is split.
local function add_param(pieces, pname, value)
  if not is_8bit(value) and not has_ctl(value) then
    pieces[#pieces + 1] = " " .. pname .. "=" .. M.quote(value)
    return
  end
  local single = " " .. pname .. "*=UTF-8''" .. pct_encode(value)
  if #single <= LINE_MAX - 1 then
    pieces[#pieces + 1] = single
    return
  end
  local i, n, k = 1, #value, 0
  while i <= n do
    local head = " " .. pname .. "*" .. k .. "*=" .. (k == 0 and "UTF-8''" or "")
    local room = LINE_MAX - 1 - #head - 1
    local chunk, len = {}, 0
    while i <= n do
      local l = charlen(byte(value, i))
      local enc = pct_encode(sub(value, i, i + l - 1))
      if len + #enc > room and len > 0 then break end
      chunk[#chunk + 1] = enc
      len = len + #enc
      i = i + l
    end
    pieces[#pieces + 1] = head .. concat(chunk) .. (i <= n and ";" or "")
    k = k + 1
  end
end

--- "Name: value; pname=pvalue", folded; pvalue is quoted or, when it is
-- not printable ASCII, RFC 2231-encoded.
function M.with_param(name, value, pname, pvalue)
  local pieces = { " " .. value .. ";" }
  add_param(pieces, pname, pvalue)
  return M.fold(name, pieces, LINE_MAX)
end

return M
