-- gwkit.pd.state: what the PD monitor remembers between runs, in a small
-- text file: the last-known prefix of every client, the gateway's MAC and
-- the addresses derived from it, the /56, and the last problem mailed (so
-- the same problem is not mailed on every run). Written atomically
-- (temporary file, fsync, rename) and only when something changed: a
-- router's flash is not rewritten every five minutes.
--
--   gwkit-pd-state 1
--   gateway.mac 02:00:5e:10:00:01
--   gateway.address 192.168.1.1
--   gateway.link_local fe80::5eff:fe10:1
--   gateway.eui64 2001:db8:1234:5600:0:5eff:fe10:1
--   prefix 2001:db8:1234:5600::/56
--   client.nvr510 2001:db8:1234:5610::/60
--   problem exit 2: nvr510
--   mailed 1700000000
local core = require "gwkit.core"

local M = {}

local MAX = 64 * 1024

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read(MAX)
  f:close()
  return s
end

local function empty() return { gateway = {}, clients = {} } end

-- Reads the state file; a missing or foreign file is an empty state.
function M.load(path)
  local t = empty()
  local text = path and read(path)
  if not text or not text:match("^gwkit%-pd%-state 1\n") then return t, text end
  for line in text:gmatch("[^\n]+") do
    local k, v = line:match("^(%S+) (.+)$")
    if k then
      local group, name = k:match("^(%a+)%.(.+)$")
      if group == "gateway" then t.gateway[name] = v
      elseif group == "client" then t.clients[name] = v
      elseif k == "mailed" then t.mailed = tonumber(v)
      elseif k == "prefix" or k == "problem" then t[k] = v end
    end
  end
  return t, text
end

local function clean(v) return (tostring(v):gsub("[%c]", " ")) end

function M.encode(t)
  local lines = { "gwkit-pd-state 1" }
  local keys = {}
  for k in pairs(t.gateway or {}) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do lines[#lines + 1] = "gateway." .. k .. " " .. clean(t.gateway[k]) end
  if t.prefix then lines[#lines + 1] = "prefix " .. clean(t.prefix) end
  keys = {}
  for k in pairs(t.clients or {}) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do lines[#lines + 1] = "client." .. k .. " " .. clean(t.clients[k]) end
  if t.problem then lines[#lines + 1] = "problem " .. clean(t.problem) end
  if t.mailed then lines[#lines + 1] = "mailed " .. ("%d"):format(t.mailed) end
  return table.concat(lines, "\n") .. "\n"
end

-- Writes the state when its text differs from `old` (what load returned).
-- Returns true (written), false (unchanged), or nil, err.
function M.save(path, t, old)
  if not path then return false end
  local text = M.encode(t)
  if text == old then return false end
  local ok, err = core.write_atomic(path, text)
  if not ok then return nil, "pd: state file: " .. tostring(err) end
  return true
end

return M
