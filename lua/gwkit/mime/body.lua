-- gwkit.mime.body: content transfer encodings of a body (RFC 2045 6:
-- 7bit, quoted-printable, base64) and the choice among them.
--
-- Every line of the output ends in CRLF; no bare CR or LF is produced.

local core = require "gwkit.core"
local chars = require "gwkit.mime.chars"

local byte, char, find, format, gmatch, gsub, sub =
  string.byte, string.char, string.find, string.format, string.gmatch,
  string.gsub, string.sub
local concat = table.concat

local M = {}

local CRLF = "\r\n"
local SMTP_LINE_MAX = 998    -- RFC 5322 2.1.1 / RFC 5321 4.5.3.1.6
local B64_LINE = 76          -- RFC 2045 6.8
local QP_LINE = 76           -- RFC 2045 6.7 (5)

--- s with every CR LF, lone CR and lone LF turned into CR LF.
function M.normalise_eol(s)
  s = gsub(s, "\r\n", "\n"):gsub("\r", "\n")
  return (gsub(s, "\n", CRLF))
end

-- The lines of s, split at CRLF only; the text after the last CRLF (maybe
-- empty) is a line too.
local function lines(s)
  return gmatch(s .. CRLF, "(.-)\r\n")
end

--- Base64 of s in lines of 76 characters joined by CRLF (no final CRLF).
function M.base64(s)
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

--- Quoted-printable of s (line ends already CRLF). RFC 2045 6.7: soft
-- line breaks keep every encoded line within 76 characters (the '='
-- included); trailing white space is encoded. A '.' at the start of an
-- encoded line is written =2E: SMTP dot-stuffing already makes a leading
-- dot safe, but some broken relays mangle such lines.
function M.quoted_printable(s)
  local out = {}
  for line in lines(s) do
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
  end
  return concat(out, CRLF)
end

local function lines_fit(s, max)
  for line in lines(s) do
    if #line > max then return false end
  end
  return true
end

--- Chooses the transfer encoding of a UTF-8 text body (line ends already
-- CRLF):
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
function M.encode_text(s)
  if not chars.is_8bit(s) and not find(s, "%z") and lines_fit(s, SMTP_LINE_MAX) then
    return "7bit", s
  end
  local _, special = gsub(s, "[%z\1-\8\11\12\14-\31\127-\255]", "")
  if special * 6 <= #s then
    return "quoted-printable", M.quoted_printable(s)
  end
  return "base64", M.base64(s)
end

return M
