-- gwkit.mime.part: MIME entities — text parts, attachments and the
-- multiparts that hold them (RFC 2045, RFC 2046 5.1, RFC 2183
-- Content-Disposition, RFC 2231 non-ASCII file names).
--
-- A part is { headers = { folded "Name: value" fields }, body = "..." }.

local core = require "gwkit.core"
local chars = require "gwkit.mime.chars"
local header = require "gwkit.mime.header"
local body = require "gwkit.mime.body"

local find, gsub, lower, match = string.find, string.gsub, string.lower, string.match
local concat = table.concat
local type, ipairs, pairs, tostring, error = type, ipairs, pairs, tostring, error
local is_8bit, has_crlfnul, has_ctl, is_utf8 =
  chars.is_8bit, chars.has_crlfnul, chars.has_ctl, chars.is_utf8

local M = {}

local CRLF = "\r\n"

--- A text/<subtype> part in UTF-8 for text s (any line ends).
function M.text(s, subtype)
  local cte, encoded = body.encode_text(body.normalise_eol(s))
  return {
    headers = {
      "Content-Type: text/" .. subtype .. "; charset=UTF-8",
      "Content-Transfer-Encoding: " .. cte,
    },
    body = encoded,
  }
end

local function serialize(p)
  return concat(p.headers, CRLF) .. CRLF .. CRLF .. p.body
end

--- A multipart/<subtype> part holding parts, with a random boundary that
-- occurs in none of them (RFC 2046 5.1.1); or nil, problem.
function M.multipart(subtype, parts)
  local texts = {}
  for i, p in ipairs(parts) do texts[i] = serialize(p) end
  for _ = 1, 8 do
    local b = "=_gwkit_" .. core.hex(core.random(16))
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
        headers = { header.with_param("Content-Type", "multipart/" .. subtype, "boundary", b) },
        body = concat(out),
        boundary = b,
      }
    end
  end
  return nil, "could not find a boundary absent from the content"
end

------------------------------------------------------------------------------
-- Attachments
------------------------------------------------------------------------------

local FIELDS = { "filename", "content_type", "data", "path" }
local IS_FIELD = {}
for _, key in ipairs(FIELDS) do IS_FIELD[key] = true end

local EXT_TYPES = {
  txt = "text/plain", log = "text/plain", csv = "text/csv",
  json = "application/json", xml = "application/xml", pdf = "application/pdf",
  gz = "application/gzip", zip = "application/zip", png = "image/png",
  jpg = "image/jpeg", jpeg = "image/jpeg",
}

local function basename(path)
  return match(path, "([^/\\]+)$") or path
end

local function read_file(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  local data
  data, err = f:read("*a")
  f:close()
  return data, err
end

--- The part for attachments[k] = a ({filename=, content_type=, data= | path=}),
-- base64-encoded; or nil and the problem ("attachments[k].field: ...").
-- Misuse (a wrong type, an unknown field) raises an error on behalf of the
-- caller of mime.build, two levels up.
function M.attachment(a, k)
  local field = "attachments[" .. k .. "]"
  if type(a) ~= "table" then error("mime.build: '" .. field .. "' must be a table", 3) end
  for key in pairs(a) do
    if not IS_FIELD[key] then
      error("mime.build: unknown field '" .. tostring(key) .. "' in " .. field, 3)
    end
  end
  for _, key in ipairs(FIELDS) do
    if a[key] ~= nil and type(a[key]) ~= "string" then
      error("mime.build: '" .. field .. "." .. key .. "' must be a string", 3)
    end
  end
  local data = a.data
  if data and a.path then return nil, field .. ": give data or path, not both" end
  if not data and not a.path then return nil, field .. ": data or path is required" end
  if a.path then
    if has_crlfnul(a.path) then return nil, field .. ".path: contains CR, LF or NUL" end
    local err
    data, err = read_file(a.path)
    if not data then return nil, field .. ".path: cannot read: " .. tostring(err) end
  end
  local filename = a.filename or (a.path and basename(a.path))
  if not filename or filename == "" then return nil, field .. ".filename: is required" end
  if has_crlfnul(filename) then return nil, field .. ".filename: contains CR, LF or NUL" end
  if has_ctl(filename) then return nil, field .. ".filename: contains a control character" end
  if not is_utf8(filename) then return nil, field .. ".filename: is not valid UTF-8" end
  local ctype = a.content_type
  if ctype then
    if has_crlfnul(ctype) then return nil, field .. ".content_type: contains CR, LF or NUL" end
    if is_8bit(ctype) or has_ctl(ctype)
      or not find(ctype, "^[%w!#$&%^_%.%+%-]+/[%w!#$&%^_%.%+%-]+%s*;?") then
      return nil, field .. ".content_type: is not a valid media type"
    end
    ctype = gsub(ctype, "[;%s]+$", "")
  else
    local ext = match(filename, "%.([^%.]+)$")
    ctype = EXT_TYPES[ext and lower(ext) or ""] or "application/octet-stream"
    if ctype == "text/plain" and is_8bit(data) and is_utf8(data) then
      ctype = ctype .. "; charset=UTF-8"
    end
  end
  return {
    headers = {
      header.with_param("Content-Type", ctype, "name", filename),
      header.with_param("Content-Disposition", "attachment", "filename", filename),
      "Content-Transfer-Encoding: base64",
    },
    body = body.base64(data),
  }
end

return M
