-- gwkit.hgw.discover: finding the home gateway without a hard-coded
-- address. Candidates come from, in the configured order: the configured
-- address, the gateway's own name ntt.setup, the default routes of the
-- kernel (/proc/net/route: IPv4 in little-endian hex; /proc/net/ipv6_route:
-- the next hop of ::/0, with the interface as zone of a link-local one),
-- and the neighbour table (`ip neigh show`, routers first). The caller
-- checks each candidate (an HTTP request to the profile's page, without
-- credentials: nothing secret goes to a host that merely answers).
local core = require "gwkit.core"
local ipv6 = require "gwkit.ipv6"

local M = {}

local MAX_ROUTES = 16
local MAX_NEIGHBOURS = 16
local NEIGH_SECONDS = 5

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read(256 * 1024)
  f:close()
  return s
end

-- /proc/net/route: Iface Destination Gateway Flags RefCnt Use Metric Mask ...
-- (hex, the address bytes in host order: little-endian on the routers
-- this runs on; a big-endian host writes them the other way round).
function M.parse_route(text, big_endian)
  local out = {}
  for line in (text or ""):gmatch("[^\n]+") do
    local iface, dst, gw, flags, metric, mask =
      line:match("^(%S+)%s+(%x+)%s+(%x+)%s+(%x+)%s+%S+%s+%S+%s+(%d+)%s+(%x+)")
    local f = tonumber(flags or "", 16)
    if iface and tonumber(dst, 16) == 0 and tonumber(mask, 16) == 0 and #gw == 8
       and f and f % 4 >= 2 and tonumber(gw, 16) ~= 0 then        -- RTF_UP|RTF_GATEWAY
      local b = {}
      for i = 1, 4 do b[i] = tonumber(gw:sub(2 * i - 1, 2 * i), 16) end
      if not big_endian then b = { b[4], b[3], b[2], b[1] } end
      out[#out + 1] = { address = table.concat(b, "."), iface = iface, metric = tonumber(metric) }
      if #out >= MAX_ROUTES then break end
    end
  end
  table.sort(out, function(x, y) return x.metric < y.metric end)
  return out
end

local function hex_to_ip6(h)
  local g = {}
  for i = 1, 8 do g[i] = h:sub(4 * i - 3, 4 * i) end
  return ipv6.format(table.concat(g, ":"))
end

-- /proc/net/ipv6_route: dest dest_len src src_len next_hop metric refcnt
-- use flags iface (hex; 32 digits an address).
function M.parse_ipv6_route(text)
  local out = {}
  for line in (text or ""):gmatch("[^\n]+") do
    local dst, dlen, hop, metric, iface =
      line:match("^(%x+)%s+(%x+)%s+%x+%s+%x+%s+(%x+)%s+(%x+)%s+%x+%s+%x+%s+%x+%s+(%S+)")
    if dst and #dst == 32 and #hop == 32 and tonumber(dlen, 16) == 0
       and not dst:find("[1-9a-fA-F]") and hop:find("[1-9a-fA-F]") then
      local a = hex_to_ip6(hop)
      if a then
        if a:find("^fe[89ab]") then a = a .. "%" .. iface end
        out[#out + 1] = { address = a, iface = iface, metric = tonumber(metric, 16) }
        if #out >= MAX_ROUTES then break end
      end
    end
  end
  table.sort(out, function(x, y) return x.metric < y.metric end)
  return out
end

-- `ip neigh show`: "ADDR dev IFACE lladdr MAC [router] STATE". Entries
-- without a MAC (FAILED, INCOMPLETE) are left out; routers come first.
function M.parse_neigh(text)
  local routers, others = {}, {}
  for line in (text or ""):gmatch("[^\n]+") do
    local addr = line:match("^(%S+)")
    local dev = line:match("%sdev%s+(%S+)")
    local mac = line:match("%slladdr%s+(%S+)")
    if addr and mac and not line:find("FAILED") and not line:find("INCOMPLETE") then
      if addr:find(":") and addr:lower():find("^fe[89ab]") and dev then addr = addr .. "%" .. dev end
      local e = { address = addr, iface = dev, mac = ipv6.mac(mac) or mac,
                  router = line:find("%srouter") ~= nil }
      local list = e.router and routers or others
      list[#list + 1] = e
    end
  end
  for _, e in ipairs(others) do routers[#routers + 1] = e end
  while #routers > MAX_NEIGHBOURS do table.remove(routers) end
  return routers
end

-- Runs a command (a list of words, no shell) with a deadline and returns
-- its standard output.
function M.run(argv, seconds)
  local r = core.run(argv, { timeout = seconds or NEIGH_SECONDS, max_output = 256 * 1024 })
  return r and r.output
end

-- Candidates of one method: a list of {address=, how=, mac=} and a note
-- when there are none.
function M.candidates(method, c)
  if method == "address" then
    if not c.address then return {}, "not configured" end
    return { { address = c.address, how = "address" } }
  elseif method == "ntt.setup" then
    if not c.resolve then return { { address = "ntt.setup", how = "ntt.setup" } } end
    local r = c.resolve("ntt.setup")
    if type(r) == "string" then r = { r } end
    local out = {}
    for _, a in ipairs(type(r) == "table" and r or {}) do
      out[#out + 1] = { address = a, how = "ntt.setup" }
    end
    return out, #out == 0 and "does not resolve" or nil
  elseif method == "routes" then
    local out = {}
    for _, r in ipairs(M.parse_route(read(c.proc_route))) do
      out[#out + 1] = { address = r.address, how = "route" }
    end
    for _, r in ipairs(M.parse_ipv6_route(read(c.proc_ipv6_route))) do
      out[#out + 1] = { address = r.address, how = "route" }
    end
    return out, #out == 0 and "no default route" or nil
  elseif method == "neighbours" then
    local out = {}
    for _, n in ipairs(M.parse_neigh(M.run(c.neigh_command))) do
      out[#out + 1] = { address = n.address, how = "neighbour", mac = n.mac }
    end
    return out, #out == 0 and "no neighbours" or nil
  end
  error(("hgw: bad field 'discover' (unknown method %q)"):format(tostring(method)), 3)
end

-- The MAC of an address in the neighbour table, if there.
function M.mac_of(address, c)
  local bare = address:gsub("%%.*$", "")
  for _, n in ipairs(M.parse_neigh(M.run(c.neigh_command))) do
    if n.address:gsub("%%.*$", "") == bare then return n.mac end
  end
end

-- Tries every candidate of every method in order with probe(address) ->
-- true | nil, reason. Returns {address=, how=, mac=} or nil, msg.
function M.find(c, probe)
  local tried, seen = {}, {}
  for _, method in ipairs(c.discover) do
    local list, note = M.candidates(method, c)
    if note then tried[#tried + 1] = method .. ": " .. note end
    for _, cand in ipairs(list) do
      if not seen[cand.address] then
        seen[cand.address] = true
        local ok, why = probe(cand.address)
        if ok then
          if not cand.mac and cand.how == "route" and c.neigh_command then
            cand.mac = M.mac_of(cand.address, c)
          end
          return cand
        end
        tried[#tried + 1] = ("%s %s: %s"):format(method, cand.address, why)
      end
    end
  end
  return nil, ("hgw: no gateway found (tried: %s)"):format(table.concat(tried, "; "))
end

return M
