-- Built-in rule router_prefix_change: the prefix a Yamaha router got by
-- DHCPv6-PD changed. The router logs
--   Add IPv6 prefix 2001:db8:1:ff00::/64 (Lifetime: 14400) via LAN2 by DHCPv6
-- when it takes a prefix; a "Delete" (or "Remove") line in the same form
-- (the lifetime may be absent) when one goes. The last prefix per router and
-- interface is kept in the rules' state file; an Add with a different one
-- is a change. One alert per change (a Delete and the Add after it within
-- `batch` seconds are one alert), naming the old and the new prefix; the
-- alert also carries them as alert.prefix, alert.old_prefix,
-- alert.interface for the PD monitor.
--
--   { builtin = "router_prefix_change", alert_first = false }
--
-- Parameters: alert_first (true: the first prefix seen for an interface,
-- with nothing known before, is an alert too; default false, it is only
-- remembered). Defaults: batch 30 s per router and interface, rate limit
-- 20 per hour, severity "warning".
local ipv6 = require "gwkit.ipv6"
local logtext = require "gwkit.logtext"

local M = {}

M.description = "the IPv6 prefix a router got by DHCPv6-PD changed"
M.params = { alert_first = "boolean" }
M.defaults = {
  threshold = { count = 1, window = 60 }, batch = 30,
  rate_limit = { count = 20, per = 3600 }, severity = "warning",
}

local ACTIONS = { add = "add", delete = "delete", remove = "delete", del = "delete" }

-- {action = "add" | "delete", prefix = canonical text, lifetime = seconds
-- | nil, interface = "LAN2" | nil, by = "DHCPv6" | nil} of a router line,
-- or nil when the line is no prefix line.
function M.parse(line)
  if type(line) ~= "string" or not line:find(" IPv6 prefix ", 1, true) then return nil end
  local at, _, action, text = line:find("(%a+) IPv6 prefix ([%x:]+/%d+)")
  if not at then return nil end
  action = ACTIONS[action:lower()]
  if not action then return nil end
  local p = ipv6.prefix(text)
  if not p then return nil end
  local rest = line:sub(at)
  return { action = action, prefix = tostring(p),
           lifetime = tonumber(rest:match("%(Lifetime: (%d+)%)")),
           interface = rest:match(" via ([%w%.%-/]+)"), by = rest:match(" by ([%w%-]+)") }
end

local function host_of(entry)
  local p = entry.parsed
  return type(p) == "table" and p.host or nil
end

local function make_match(alert_first)
  return function(entry, _, ctx)
    local p = M.parse(entry.line)
    if not p then return nil end
    local iface, host = p.interface or "?", host_of(entry)
    local key = "if\t" .. (host or "") .. "\t" .. iface
    local known = ctx.persist:get(key)
    local f = { action = p.action, interface = iface, host = host, lifetime = p.lifetime,
                group = (host or "") .. " " .. iface }
    if p.action == "add" then
      if known == p.prefix then ctx.persist:touch(key); return nil end
      ctx.persist:set(key, p.prefix)
      f.new = p.prefix
      if known == nil then
        if not alert_first then return nil end
        return f
      end
      local removed = known:match("^%-(.*)$")
      f.old = removed or known
      if removed == p.prefix then f.action = "readd" end
      return f
    end
    f.old = p.prefix
    if known == p.prefix or known == nil then
      ctx.persist:set(key, "-" .. p.prefix)
    else
      f.current = known:match("^%-?(.*)$")
    end
    return f
  end
end

local function format(a)
  local old, new, iface, lifetime
  for _, m in ipairs(a.matches) do
    local f = m.fields
    iface = iface or f.interface
    if old == nil and f.old then old = f.old end
    if f.new then new, lifetime = f.new, f.lifetime end
  end
  a.prefix, a.old_prefix, a.interface, a.lifetime = new, old, iface, lifetime
  local where = (a.fields.host and (a.fields.host .. " ") or "") .. (iface or "?")
  local subject
  if new and old and new ~= old then
    subject = ("IPv6 prefix on %s changed: %s -> %s"):format(where, old, new)
  elseif new and old then
    subject = ("IPv6 prefix on %s back after a removal: %s"):format(where, new)
  elseif new then
    subject = ("IPv6 prefix on %s: %s"):format(where, new)
  else
    subject = ("IPv6 prefix on %s removed: %s"):format(where, old or "?")
  end
  local t = { subject, "",
    "Interface: " .. where,
    "Old prefix: " .. (old or "(none known)"),
    "New prefix: " .. (new or "(none yet)") }
  if lifetime then t[#t + 1] = ("Lifetime: %d s"):format(lifetime) end
  t[#t + 1] = ("Between %s and %s."):format(logtext.format_time(a.first), logtext.format_time(a.last))
  return subject, logtext.rule_text(t, a, "Router lines:")
end

function M.new(params)
  return { match = make_match(params.alert_first), format = format }
end

return M
