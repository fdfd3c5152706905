-- gwkit.mime.chars: what kind of bytes a string holds.
--
-- RFC 3629 (strict UTF-8: no overlong forms, no surrogates, nothing above
-- U+10FFFF), RFC 5322 2.2 (no CR, LF or NUL inside a header line).

local byte, find = string.byte, string.find

local M = {}

--- True when s holds any byte >= 0x80.
function M.is_8bit(s)
  return find(s, "[\128-\255]") ~= nil
end

--- True when s holds a CR, LF or NUL.
function M.has_crlfnul(s)
  return find(s, "[%z\r\n]") ~= nil
end

--- True when s holds a control character other than tab.
function M.has_ctl(s)
  return find(s, "[%z\1-\8\10-\31\127]") ~= nil
end

--- True when s is valid UTF-8; otherwise nil and the position of the first
-- bad byte.
function M.is_utf8(s)
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
    -- the second byte's range is narrower after E0, ED, F0 and F4
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

--- nil when s is valid UTF-8, else the problem ("is not valid UTF-8 (byte N)").
function M.utf8_problem(s)
  local ok, pos = M.is_utf8(s)
  if not ok then return "is not valid UTF-8 (byte " .. pos .. ")" end
  return nil
end

--- Length of the UTF-8 sequence that starts with byte c (input already valid).
function M.charlen(c)
  if c < 0x80 then return 1 elseif c < 0xE0 then return 2
  elseif c < 0xF0 then return 3 else return 4 end
end

return M
