-- gwkit.hgw.options: the configuration table of gwkit.hgw checked at the
-- edge (misuse raises, naming the field), and the address forms it takes.
local M = {}

local OPTIONS = {
  model = true, address = "string", scheme = "string", port = "number", user = "string",
  password = "string", previous_passwords = "table", state_file = "string", discover = "table",
  max_logins_per_hour = "number", timeout = "number", probe_timeout = "number",
  verify = "boolean", cafile = "string", trace = "function", dump_dir = "string",
  proc_route = "string", proc_ipv6_route = "string", neigh_command = "table",
  resolve = "function", allow_basic = "boolean",
}
local METHODS = { address = true, ["ntt.setup"] = true, routes = true, neighbours = true }

local function argerror(field, what)
  error(("hgw: bad field '%s' (%s)"):format(field, what), 4)
end

function M.check(c, profiles)
  if type(c) ~= "table" then error("hgw: options table expected", 3) end
  for k, v in pairs(c) do
    local want = OPTIONS[k]
    if not want then argerror(tostring(k), "unknown option") end
    if want ~= true and type(v) ~= want then argerror(k, want .. " expected") end
  end
  local model = c.model or "pr600mi"
  if type(model) == "string" and not profiles[model] then
    argerror("model", "unknown model " .. model .. " (pr600mi, pr500mi, generic or a profile table)")
  elseif type(model) ~= "string" and (type(model) ~= "table" or type(model.pages) ~= "table") then
    argerror("model", "a profile name or a table with pages expected")
  end
  if c.scheme and c.scheme ~= "http" and c.scheme ~= "https" then argerror("scheme", '"http" or "https"') end
  for i, p in ipairs(c.previous_passwords or {}) do
    if type(p) ~= "string" then argerror("previous_passwords", "string expected at " .. i) end
  end
  for _, m in ipairs(c.discover or {}) do
    if not METHODS[m] then argerror("discover", "unknown method " .. tostring(m)) end
  end
  for _, w in ipairs(c.neigh_command or {}) do
    if type(w) ~= "string" then argerror("neigh_command", "a list of strings expected") end
  end
  if c.max_logins_per_hour and c.max_logins_per_hour < 0 then argerror("max_logins_per_hour", ">= 0") end
end

-- "192.168.1.1", "fe80::1%eth0", "[::1]:8080", "127.0.0.1:8080" -> host, port|nil
function M.split_address(a)
  local h, p = a:match("^%[(.+)%]:(%d+)$")
  if h then return h, tonumber(p) end
  h = a:match("^%[(.+)%]$")
  if h then return h end
  if select(2, a:gsub(":", "")) == 1 then
    h, p = a:match("^(.+):(%d+)$")
    if h then return h, tonumber(p) end
  end
  return a
end

return M
