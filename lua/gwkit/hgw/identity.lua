-- gwkit.hgw.identity: a home gateway's identity, from its LAN-side MAC:
-- the link-local address and the modified EUI-64 addresses in the /64s it
-- keeps for itself (...00::/64 and ...01::/64 of its /56), and how they
-- compare with what was recorded before. When the gateway is replaced the
-- MAC changes and with it every one of these addresses (filters, static
-- routes and scripts that named them break). Pure functions: no I/O.
local ipv6 = require "gwkit.ipv6"

local M = {}

-- derive(mac, prefix|nil, address|nil) -> { mac, link_local,
-- link_local_zone (when the gateway was reached at a link-local address),
-- eui64 = { ["p::/64"] = address } }
function M.derive(mac, prefix, address)
  local id = { mac = mac, eui64 = {} }
  if not mac then return id end
  id.link_local = tostring(ipv6.link_local(mac))
  id.link_local_zone = address and address:match("^[fF][eE][89abAB][^%%]*%%(.+)$") or nil
  local p = prefix and ipv6.prefix(prefix)
  if p and p.len <= 64 then
    for i = 0, (p.len < 64 and 1 or 0) do
      local sub = ipv6.subprefix(p, 64, i)
      if sub then id.eui64[tostring(sub)] = tostring(ipv6.eui64(mac, sub)) end
    end
  end
  return id
end

-- compare(id, old): fills id.previous_mac, id.changed, id.previous and
-- id.message from the recorded state old ({mac, link_local, eui64});
-- returns true when the state should be written (first sight or a change).
function M.compare(id, old)
  id.previous_mac = old.mac
  id.changed = old.mac ~= nil and id.mac ~= nil and old.mac ~= id.mac
  local derived = old.link_local ~= id.link_local
  for k, a in pairs(id.eui64) do derived = derived or (old.eui64 or {})[k] ~= a end
  if id.changed then
    id.previous = { link_local = old.link_local, eui64 = old.eui64 or {} }
    id.message = ("hgw: gateway MAC changed %s -> %s; EUI-64 addresses derived from it changed")
      :format(old.mac, id.mac)
  end
  return id.mac ~= nil and (id.changed or old.mac == nil or derived)
end

return M
