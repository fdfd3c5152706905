-- gwkit.hgw.state: the small state file of gwkit.hgw, one "key value"
-- line each, written atomically (temporary file, fsync, rename):
--
--   mac 00:00:5e:00:53:01
--   link_local fe80::200:5eff:fe00:5301
--   eui64 2001:db8:1234:5600::/64 2001:db8:1234:5600:200:5eff:fe00:5301
--   failed_login 1700000000
--
-- Lines with other keys are kept as they are. A missing file is an empty
-- state; a line that does not parse is dropped. Several processes may
-- share the file; each change re-reads it first (no lock: two runs that
-- fail a login in the same instant may record one failure between them).
local core = require "gwkit.core"

local M = {}

local MAX_LINES = 512
local MAX_FAILURES = 64

function M.load(path)
  local t = { eui64 = {}, failed = {}, other = {} }
  local f = path and io.open(path, "rb")
  if not f then return t end
  local n = 0
  for line in f:lines() do
    n = n + 1
    if n > MAX_LINES then break end
    local key, rest = line:match("^(%S+)%s+(.-)%s*$")
    if key == "mac" or key == "link_local" then
      t[key] = rest
    elseif key == "eui64" then
      local p, a = rest:match("^(%S+)%s+(%S+)$")
      if p then t.eui64[p] = a end
    elseif key == "failed_login" then
      t.failed[#t.failed + 1] = tonumber(rest)
    elseif key and not key:find("^#") then
      t.other[#t.other + 1] = line
    end
  end
  f:close()
  return t
end

function M.save(path, t)
  local out = { "# gwkit.hgw state: the gateway's identity and failed logins (safe to delete)" }
  if t.mac then out[#out + 1] = "mac " .. t.mac end
  if t.link_local then out[#out + 1] = "link_local " .. t.link_local end
  local ps = {}
  for p in pairs(t.eui64 or {}) do ps[#ps + 1] = p end
  table.sort(ps)
  for _, p in ipairs(ps) do out[#out + 1] = ("eui64 %s %s"):format(p, t.eui64[p]) end
  local failed = t.failed or {}
  for i = math.max(1, #failed - MAX_FAILURES + 1), #failed do
    out[#out + 1] = ("failed_login %d"):format(failed[i])
  end
  for _, line in ipairs(t.other or {}) do out[#out + 1] = line end
  return core.write_atomic(path, table.concat(out, "\n") .. "\n")
end

-- Applies f(state) to the file's current content and writes the result.
function M.update(path, f)
  local t = M.load(path)
  f(t)
  return M.save(path, t)
end

return M
