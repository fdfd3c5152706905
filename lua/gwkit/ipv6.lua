-- gwkit.ipv6: IPv6 addresses and prefixes as text (RFC 4291, zone ids as in
-- RFC 4007, canonical output as in RFC 5952), DHCPv6-PD sub-prefix
-- arithmetic, and the modified EUI-64 addresses derived from a MAC (RFC
-- 4291 2.5.1) -- what a script needs after a home gateway hands out its
-- /60s again or is replaced by one with a new MAC. The parsing is done in
-- C (cext/core/ip6.c, strict, fuzzed); this file is the friendly layer.
--
--   local ipv6 = require "gwkit.ipv6"
--   local a = ipv6.parse("FE80::0001%eth0")    -- an address object
--   tostring(a)                     --> "fe80::1%eth0"  (also a:tostring())
--   a.bytes, a.zone, a.len          --> 16 bytes, "eth0", nil
--   ipv6.format("2001:0db8::0001")  --> "2001:db8::1"
--   local p = ipv6.prefix("2001:db8:1:ff00::/56")
--   ipv6.subprefix(p, 60, 1)        --> 2001:db8:1:ff10::/60 (p:subprefix(60, 1))
--   ipv6.index(p, "2001:db8:1:fff0::/60")           --> 15
--   ipv6.contains(p, "2001:db8:1:ff10::1")          --> true (p:contains(a))
--   ipv6.link_local("02:00:5e:10:00:01")            --> fe80::5eff:fe10:1
--   ipv6.eui64("00:11:22:33:44:55", "2001:db8:1:ff10::/64")
--                                   --> 2001:db8:1:ff10:211:22ff:fe33:4455
--   ipv6.mac_from("fe80::5eff:fe10:1")              --> "02:00:5e:10:00:01"
--   ipv6.mac("0011.2233.4455")      --> "00:11:22:33:44:55"
--
-- Functions (an "address" argument is text or an address object):
--   parse(text)            -> address {bytes = 16 bytes, zone = text|nil,
--                             len = 0..128|nil}; host bits kept as written
--                             ("2001:db8::1/64" is an address on a /64)
--   format(address)        -> canonical text: lower case, no leading zeros,
--                             the longest run of 2+ zero groups as "::" (the
--                             first of equal runs), ::ffff:a.b.c.d for IPv4-mapped
--   prefix(address)        -> the prefix: needs a /len; host bits cleared
--   subprefix(p, m, n)     -> the n-th (from 0) /m inside the prefix p; m - p.len <= 32
--   index(p, q [, m])      -> n such that subprefix(p, m, n) holds q (m: q.len)
--   contains(p, a)         -> true when the prefix p holds the address or
--                             prefix a; zones are not compared
--   eui64(mac [, prefix])  -> the address of the modified EUI-64 interface id
--                             (U/L bit 0x02 flipped, ff:fe inserted) under the
--                             first 64 bits of prefix (default ::/64: the id alone)
--   link_local(mac [, zone]) -> eui64(mac, "fe80::/64"), with the zone if given
--   mac_from(address)      -> the MAC ("00:11:22:33:44:55") of an EUI-64 address
--   mac(mac)               -> the MAC as "00:11:22:33:44:55"
--   mac_parse(text)        -> the MAC as 6 bytes
--   mac_format(mac)        -> "00:11:22:33:44:55"
-- A "mac" argument is text (00:11:22:33:44:55, 00-11-22-33-44-55,
-- 001122334455, 0011.2233.4455) or a string of exactly 6 bytes (binary).
-- Address objects have the methods tostring, prefix, subprefix, index,
-- contains and mac_from; tostring(), .. and == work on them.
--
-- Bad input (text that is no address, a 7-byte MAC, /129, an index beyond
-- the prefix) returns nil, "ipv6: ...", {kind = "bad_argument"}; misuse
-- (a number where an address belongs, a non-integer length) raises.
local core = require "gwkit.core"

local M = {}

local Addr = {}
Addr.__index = Addr

local function new(bytes, zone, len)
  return setmetatable({ bytes = bytes, zone = zone, len = len }, Addr)
end

local function fail(msg)
  return nil, msg, { kind = "bad_argument" }
end

Addr.__tostring = function(a) return core.ip6_format(a.bytes, a.zone, a.len) end
Addr.__eq = function(a, b)
  return a.bytes == b.bytes and a.zone == b.zone and a.len == b.len
end
Addr.__concat = function(a, b) return tostring(a) .. tostring(b) end

-- An address argument: text (parsed) or an address object. Raises on
-- misuse, blaming the caller of the public function (level: its depth).
local function addr(x, fname, argn, level)
  if type(x) == "string" then return M.parse(x) end
  if type(x) == "table" and type(x.bytes) == "string" and #x.bytes == 16 then return x end
  error(("bad argument #%d to '%s' (IPv6 address expected, got %s)")
        :format(argn, fname, type(x)), (level or 1) + 2)
end

-- A prefix argument: an address with a length.
local function pfx(x, fname, argn)
  local a, err, info = addr(x, fname, argn, 2)
  if not a then return nil, err, info end
  if not a.len then return fail(("ipv6: %s is not a prefix (no /length)"):format(tostring(a))) end
  return a
end

local function integer(x, fname, argn)
  if type(x) ~= "number" or x ~= math.floor(x) then
    error(("bad argument #%d to '%s' (integer expected, got %s)")
          :format(argn, fname, type(x) == "number" and tostring(x) or type(x)), 3)
  end
  return x
end

local function mac_bytes(mac, fname)
  if type(mac) ~= "string" then
    error(("bad argument #1 to '%s' (MAC expected, got %s)"):format(fname, type(mac)), 3)
  end
  if #mac == 6 then return mac end
  return core.mac_parse(mac)
end

function M.parse(text)
  if type(text) ~= "string" then
    error(("bad argument #1 to 'parse' (string expected, got %s)"):format(type(text)), 2)
  end
  local bytes, zone, len = core.ip6_parse(text)
  if not bytes then return nil, zone, len end
  return new(bytes, zone, len)
end

function M.format(x)
  local a, err, info = addr(x, "format", 1)
  if not a then return nil, err, info end
  return tostring(a)
end

function M.prefix(x)
  local a, err, info = pfx(x, "prefix", 1)
  if not a then return nil, err, info end
  return new(core.ip6_mask(a.bytes, a.len), a.zone, a.len)
end

function M.subprefix(p, m, n)
  local a, err, info = pfx(p, "subprefix", 1)
  integer(m, "subprefix", 2)
  integer(n, "subprefix", 3)
  if not a then return nil, err, info end
  local bytes
  bytes, err, info = core.ip6_subprefix(a.bytes, a.len, m, n)
  if not bytes then return nil, err, info end
  return new(bytes, a.zone, m)
end

function M.index(p, q, m)
  local a, err, info = pfx(p, "index", 1)
  if not a then return nil, err, info end
  local b
  b, err, info = addr(q, "index", 2)
  if not b then return nil, err, info end
  if m == nil then m = b.len end
  if m == nil then
    return fail(("ipv6: %s has no /length: say which sub-prefix length"):format(tostring(b)))
  end
  integer(m, "index", 3)
  return core.ip6_subprefix_index(a.bytes, a.len, b.bytes, m)
end

function M.contains(p, x)
  local a, err, info = pfx(p, "contains", 1)
  if not a then return nil, err, info end
  local b
  b, err, info = addr(x, "contains", 2)
  if not b then return nil, err, info end
  return core.ip6_contains(a.bytes, a.len, b.bytes, b.len or 128)
end

function M.mac_parse(text)
  if type(text) ~= "string" then
    error(("bad argument #1 to 'mac_parse' (string expected, got %s)"):format(type(text)), 2)
  end
  return core.mac_parse(text)
end

function M.mac_format(mac)
  local m, err, info = mac_bytes(mac, "mac_format")
  if not m then return nil, err, info end
  return core.mac_format(m)
end

function M.mac(mac)
  local m, err, info = mac_bytes(mac, "mac")
  if not m then return nil, err, info end
  return core.mac_format(m)
end

function M.eui64(mac, prefix)
  local m, err, info = mac_bytes(mac, "eui64")
  if not m then return nil, err, info end
  local high, zone = ("\0"):rep(8), nil
  if prefix ~= nil then
    local a
    a, err, info = addr(prefix, "eui64", 2)
    if not a then return nil, err, info end
    if a.len and a.len > 64 then
      return fail(("ipv6: %s: an EUI-64 address needs a prefix of /64 or shorter")
                  :format(tostring(a)))
    end
    high, zone = core.ip6_mask(a.bytes, a.len or 64):sub(1, 8), a.zone
  end
  return new(high .. core.eui64(m), zone, nil)
end

function M.link_local(mac, zone)
  if zone ~= nil and type(zone) ~= "string" then
    error(("bad argument #2 to 'link_local' (string expected, got %s)"):format(type(zone)), 2)
  end
  local m, err, info = mac_bytes(mac, "link_local")
  if not m then return nil, err, info end
  if zone and zone:find("[/%%]") then return fail("ipv6: bad zone id (with '/' or '%')") end
  local p
  p, err, info = M.parse(zone and "fe80::%" .. zone or "fe80::")
  if not p then return nil, err, info end
  return M.eui64(m, p)
end

function M.mac_from(x)
  local a, err, info = addr(x, "mac_from", 1)
  if not a then return nil, err, info end
  local m
  m, err, info = core.mac_from_iid(a.bytes)
  if not m then return nil, err, info end
  return core.mac_format(m)
end

Addr.tostring = function(a) return tostring(a) end
Addr.prefix = M.prefix
Addr.subprefix = M.subprefix
Addr.index = M.index
Addr.contains = M.contains
Addr.mac_from = M.mac_from

return M
