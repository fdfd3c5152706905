-- gwkit.pd.config: the PD monitor's configuration, a Lua file returning a
-- table, loaded and checked by gwkit.config (errors name the file, the
-- line and the field: "config: /etc/gwkit/pd.conf:23: field
-- 'clients[2].index': must be <= 15, got 16").
--
--   local config = require "gwkit.pd.config"
--   local cfg, err = config.load("/etc/gwkit/pd.conf")
--   local cfg, err = config.check(t)           -- a table built in Lua
--
-- gateway.password_file (first line) may stand for gateway.password.
local gconfig = require "gwkit.config"
local ipv6 = require "gwkit.ipv6"
local readers = require "gwkit.pd.readers"

local M = {}

M.MAX_INDEX = 15            -- the /60s of a /56 a gateway hands out: 1..15
M.MAX_CLIENTS = 15

local function lua_pattern(p)
  if not pcall(string.find, "", p) then return nil, "not a Lua pattern" end
  if not p:find("%(") then return nil, "the pattern needs a capture: (...)" end
  return true
end

-- A command: "shell line" or { "argv0", "arg", ... }.
local COMMAND = { type = { "string", "array" }, of = { type = "string" }, min = 1,
  check = function(v)
    if type(v) == "string" and v:match("^%s*$") then return nil, "an empty command" end
    return true
  end }

local READ = { type = "table", required = true,
  fields = {
    command = COMMAND,
    pattern = { type = "string", check = lua_pattern },
    lease_file = { type = "string" },
    syslog = { type = { "boolean", "string" },
               check = function(v) return v == true or (type(v) == "string" and lua_pattern(v)) end },
    file = { type = "string" },
    fn = { type = "function" },
    timeout = { type = "number", min = 0.1, max = 3600 },
  },
  check = function(r)
    local ways = 0
    for _, k in ipairs({ "command", "lease_file", "syslog", "fn" }) do
      if r[k] ~= nil then ways = ways + 1 end
    end
    if ways ~= 1 then
      return nil, "exactly one of command, lease_file, syslog (with file) or fn expected"
    end
    if r.pattern and not r.command then return nil, "pattern goes with command" end
    if (r.syslog ~= nil) ~= (r.file ~= nil) then return nil, "syslog and file go together" end
    return true
  end }

local CLIENT = { type = "table",
  fields = {
    name = { type = "string", required = true, pattern = "^[%w._-]+$",
             hint = "a name of letters, digits, '.', '_' and '-'" },
    index = { type = "integer", required = true, min = 1, max = M.MAX_INDEX },
    duid = { type = "string", check = function(v)
      return readers.duid(v) ~= nil or nil, "expected hex bytes (00:01:00:01:...)" end },
    mac = { type = "string", check = function(v)
      local ok, err = ipv6.mac(v)
      return ok ~= nil or nil, err end },
    read = READ,
    release = { type = COMMAND.type, of = COMMAND.of, min = 1, check = COMMAND.check,
                required = true },
    rebind = { type = COMMAND.type, of = COMMAND.of, min = 1, check = COMMAND.check,
               required = true },
    release_timeout = { type = "number", min = 0.1, max = 3600, default = 30 },
    rebind_timeout = { type = "number", min = 0.1, max = 3600, default = 60 },
    poll = { type = "number", min = 0.05, max = 60, default = 1 },
  } }

local SCHEMA = { type = "table", fields = {
  gateway = { type = "table", required = true, open = true,
    fields = {
      password = { type = "string" },
      password_file = { type = "string" },
      previous_passwords = { type = "array", of = { type = "string" } },
      state_file = { type = "string" },
    },
    check = function(g)
      if g.password == nil and g.password_file == nil then
        return nil, "password or password_file expected"
      end
      return true
    end },
  prefix = { type = "string", check = function(v)
    local p, err = ipv6.prefix(v)
    if not p then return nil, err end
    if p.len ~= 56 then return nil, "a /56 expected, got /" .. p.len end
    return true
  end },
  clients = { type = "array", required = true, of = CLIENT, min = 1, max = M.MAX_CLIENTS,
    check = function(list)
      local names, idx = {}, {}
      for i, c in ipairs(list) do
        if names[c.name] then
          return nil, ("clients[%d]: the name %q is used twice"):format(i, c.name)
        end
        if idx[c.index] then
          return nil, ("clients[%d]: index %d is already %s's"):format(i, c.index, idx[c.index])
        end
        names[c.name], idx[c.index] = true, c.name
      end
      return true
    end },
  state_file = { type = "string" },
  report = { type = "table",
    fields = {
      outbox = { type = "table" },
      smtp = { type = "table", open = true, fields = {
        from = { type = "string", required = true },
        to = { type = { "string", "array" }, required = true } } },
      subject = { type = "string" },
      always = { type = "boolean" },
      repeat_after = { type = "number", min = 0 },
    },
    check = function(r)
      if (r.outbox ~= nil) == (r.smtp ~= nil) then
        return nil, "one of outbox = {...} or smtp = {...} expected"
      end
      return true
    end },
} }
M.SCHEMA = SCHEMA

local function password_file(t, where)
  local g = t.gateway
  if not g.password_file then return t end
  local f, err = io.open(g.password_file, "r")
  local line = f and f:read("*l")
  if f then f:close() end
  if not line or line == "" then
    return nil, ("config: %s: field 'gateway.password_file': %s"):format(where,
      f and (g.password_file .. " is empty") or tostring(err)), { kind = "config" }
  end
  g.password = line
  g.password_file = nil
  return t
end

-- Checks a config table. Returns a checked copy (defaults filled in, the
-- password read from password_file) or nil, "config: ...", {kind="config"}.
function M.check(t, where)
  local r, err = gconfig.check(t, SCHEMA, where)
  if not r then return nil, err, { kind = "config" } end
  return password_file(r, where or "(table)")
end

-- Loads and checks a config file.
function M.load(path)
  local r, err = gconfig.load(path, SCHEMA)
  if not r then return nil, err, { kind = "config" } end
  return password_file(r, path)
end

return M
