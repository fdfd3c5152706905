-- gwkit.ipv6 as the PD monitor and the gateway client use it: RFC 5952
-- canonical text, RFC 4291 examples, the /60s of a DHCPv6-PD /56, EUI-64
-- addresses of a gateway's MAC before and after a swap, and bad input.
local ipv6 = require "gwkit.ipv6"

-- input -> canonical text
local CANONICAL = {
  -- RFC 5952 section 4 (each rule) and its section 2 variants
  { "2001:0db8::0001", "2001:db8::1" },                 -- 4.1 leading zeros
  { "2001:db8:0:0:0:0:2:1", "2001:db8::2:1" },          -- 4.2.1 "::" longest possible
  { "2001:db8::0:1", "2001:db8::1" },
  { "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1" },   -- 4.2.2 not for one zero group
  { "2001:0:0:1:0:0:0:1", "2001:0:0:1::1" },            -- 4.2.3 the longest run
  { "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1" },      -- 4.2.3 the first of equals
  { "2001:DB8::1", "2001:db8::1" },                     -- 4.3 lower case
  { "2001:db8:aaaa:bbbb:cccc:dddd:eeee:AaAa", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:aaaa" },
  { "2001:db8:0:0:aaaa::1", "2001:db8::aaaa:0:0:1" },
  { "0:0:0:0:0:ffff:c000:0201", "::ffff:192.0.2.1" },   -- section 5, IPv4-mapped
  -- RFC 4291 2.2 and 2.3
  { "2001:DB8:0:0:8:800:200C:417A", "2001:db8::8:800:200c:417a" },
  { "FF01:0:0:0:0:0:0:101", "ff01::101" },
  { "0:0:0:0:0:0:0:1", "::1" },
  { "0:0:0:0:0:0:0:0", "::" },
  { "0:0:0:0:0:0:13.1.68.3", "::d01:4403" },
  { "::FFFF:129.144.52.38", "::ffff:129.144.52.38" },
  { "2001:0DB8:0000:CD30:0000:0000:0000:0000/60", "2001:db8:0:cd30::/60" },
  { "2001:0DB8::CD30:0:0:0:0/60", "2001:db8:0:cd30::/60" },
  { "2001:0DB8:0:CD30::/60", "2001:db8:0:cd30::/60" },
  -- zones and lengths
  { "FE80::0001%eth0", "fe80::1%eth0" },
  { "fe80::1%25/64", "fe80::1%25/64" },
  { "2001:db8:1:ff00::/56", "2001:db8:1:ff00::/56" },
}

-- bad input -> (plain) part of the message
local BAD = {
  { "2001:db8::1::2", 'ipv6: bad address "2001:db8::1::2": more than one "::"' },
  { "2001:db8:1:ff00::/129", "prefix length out of range (0..128)" },
  { "12345::", "more than 4 hex digits" },
  { ":::", "more than two ':'" },
  { "1:2:3:4:5:6:7:8:9", "more than 8 groups" },
  { "1:2:3:4:5:6:7", "fewer than 8 groups" },
  { "fe80::1%eth 0", "zone id with a character" },
  { "fe80::1%", "empty zone id" },
  { "1.2.3.4", "not an IPv6 address" },
  { "", "no address" },
  { "[2001:db8::1]", 'unexpected "["' },
  { "2001:db8::1 ", 'unexpected " "' },
  { "::1.2.3.256", "dotted quad" },
  { "::1/064", "leading zero" },
}

local MAC_BAD = {
  { "00:11:22:33:44:55:66", 'ipv6: MAC address "00:11:22:33:44:55:66" has 7 bytes, not 6' },
  { "00112233445566", "has 7 bytes, not 6" },
  { "00:11:22:33:44", "has 5 bytes, not 6" },
  { "00:11-22:33:44:55", "bad MAC address" },
  { "00:11:22:33:44:555", "bad MAC address" },
  { "", "bad MAC address" },
}

-- MAC -> link-local address (U/L bit 0x02 flipped, ff:fe in the middle)
local EUI64 = {
  { "02:00:5e:10:00:01", "fe80::5eff:fe10:1" },
  { "00:11:22:33:44:55", "fe80::211:22ff:fe33:4455" },
  { "00-A0-DE-12-34-56", "fe80::2a0:deff:fe12:3456" },
  { "0011.2233.4455", "fe80::211:22ff:fe33:4455" },
  { "001122334455", "fe80::211:22ff:fe33:4455" },
}

local function bad_argument(want, v, msg, info)
  assert.is_nil(v)
  assert.is_string(msg)
  assert.equal("ipv6: ", msg:sub(1, 6))
  assert.truthy(msg:find(want, 1, true), msg)
  assert.equal("bad_argument", info.kind)
end

describe("gwkit.ipv6 text", function()
  for _, c in ipairs(CANONICAL) do
    it(("formats %s as %s"):format(c[1], c[2]), function()
      assert.equal(c[2], ipv6.format(c[1]))
      assert.equal(c[2], tostring(ipv6.parse(c[1])))
      assert.equal(c[2], ipv6.format(c[2]))     -- a fixed point
    end)
  end

  for _, c in ipairs(BAD) do
    it(("refuses %q"):format(c[1]), function()
      bad_argument(c[2], ipv6.parse(c[1]))
      bad_argument(c[2], ipv6.format(c[1]))
    end)
  end

  it("gives the parts of an address object", function()
    local a = ipv6.parse("FE80::0001%eth0/64")
    assert.equal(16, #a.bytes)
    assert.equal("\254\128" .. ("\0"):rep(13) .. "\1", a.bytes)
    assert.equal("eth0", a.zone)
    assert.equal(64, a.len)
    assert.equal("fe80::1%eth0/64", a:tostring())
    assert.equal("at fe80::1%eth0/64", "at " .. a)
    assert.is_true(a == ipv6.parse("fe80::1%eth0/64"))
    assert.is_false(a == ipv6.parse("fe80::1%eth1/64"))
    local b = ipv6.parse("::1")
    assert.is_nil(b.zone)
    assert.is_nil(b.len)
  end)

  it("keeps the host bits of address/len; prefix() clears them (RFC 4291 2.3)", function()
    assert.equal("2001:db8::cd30/60", ipv6.format("2001:0DB8::CD30/60"))
    assert.equal("2001:db8::/60", tostring(ipv6.prefix("2001:0DB8::CD30/60")))
    local a = ipv6.parse("2001:0DB8:0:CD30:123:4567:89AB:CDEF/60")
    assert.equal("2001:db8:0:cd30::/60", tostring(a:prefix()))
    bad_argument("is not a prefix (no /length)", ipv6.prefix("2001:db8::"))
  end)
end)

describe("gwkit.ipv6 prefixes", function()
  local p = ipv6.prefix("2001:db8:1:ff00::/56")

  for n = 0, 15 do
    local want = ("2001:db8:1:ff%x0::/60"):format(n)
    it(("/60 number %d of the /56 is %s"):format(n, want), function()
      local q = ipv6.subprefix(p, 60, n)
      assert.equal(want, tostring(q))
      assert.equal(want, tostring(p:subprefix(60, n)))
      assert.equal(n, ipv6.index(p, q))
      assert.equal(n, ipv6.index("2001:db8:1:ff00::/56", want))
      assert.is_true(ipv6.contains(p, q))
    end)
  end

  it("gives the gateway's /64s and a client's index from one of its addresses", function()
    assert.equal("2001:db8:1:ff00::/64", tostring(ipv6.subprefix(p, 64, 0)))
    assert.equal("2001:db8:1:ff01::/64", tostring(ipv6.subprefix(p, 64, 1)))
    assert.equal("2001:db8:1:ff21::/64",
                 tostring(ipv6.subprefix(ipv6.subprefix(p, 60, 2), 64, 1)))
    assert.equal(3, ipv6.index(p, "2001:db8:1:ff37:211:22ff:fe33:4455", 60))
    assert.equal("2001:db8::/32", tostring(ipv6.subprefix("::/0", 32, 0x20010db8)))
  end)

  local SUB_BAD = {
    { 60, 16, "index 16 out of range: a /56 holds /60s 0..15" },
    { 60, -1, "index -1 out of range" },
    { 60, 2 ^ 60, "out of range" },
    { 55, 0, "a /55 is not inside a /56" },
    { 89, 0, "more than 32 bits apart" },
    { 129, 0, "prefix length out of range" },
  }
  for _, c in ipairs(SUB_BAD) do
    it(("refuses the /%d number %.0f of a /56"):format(c[1], c[2]), function()
      bad_argument(c[3], ipv6.subprefix(p, c[1], c[2]))
    end)
  end

  it("refuses an index of a prefix outside", function()
    bad_argument("2001:db8:1:fe10::/60 is not inside 2001:db8:1:ff00::/56",
                 ipv6.index(p, "2001:db8:1:fe10::/60"))
    bad_argument("say which sub-prefix length", ipv6.index(p, "2001:db8:1:ff10::1"))
  end)

  local CONTAINS = {
    { "2001:db8:1:ff00::/56", "2001:db8:1:ff10::/60", true },
    { "2001:db8:1:ff00::/56", "2001:db8:1:ff10::1", true },
    { "2001:db8:1:ff00::/56", "2001:db8:1:fe00::1", false },
    { "2001:db8:1:ff00::/56", "2001:db8:1::/48", false },
    { "2001:db8:0:cd30::/60", "2001:0DB8:0:CD30:123:4567:89AB:CDEF", true },
    { "2001:db8::/33", "2001:db8:7fff::", true },
    { "2001:db8::/33", "2001:db8:8000::", false },
    { "fe80::/10", "fe80::1%eth0", true },
    { "::/0", "ffff::", true },
  }
  for _, c in ipairs(CONTAINS) do
    it(("%s %s %s"):format(c[1], c[3] and "contains" or "does not contain", c[2]), function()
      assert.equal(c[3], ipv6.contains(c[1], c[2]))
      assert.equal(c[3], ipv6.prefix(c[1]):contains(ipv6.parse(c[2])))
    end)
  end

  it("refuses containment in an address without length", function()
    bad_argument("is not a prefix", ipv6.contains("2001:db8::", "2001:db8::1"))
  end)
end)

describe("gwkit.ipv6 EUI-64", function()
  for _, c in ipairs(EUI64) do
    it(("derives %s from %s and back"):format(c[2], c[1]), function()
      assert.equal(c[2], tostring(ipv6.link_local(c[1])))
      assert.equal(ipv6.mac(c[1]), ipv6.mac_from(c[2]))
      assert.equal(ipv6.mac(c[1]), ipv6.mac_from(ipv6.link_local(c[1])))
    end)
  end

  it("flips the U/L bit both ways", function()
    assert.equal("::5eff:fe10:1", tostring(ipv6.eui64("02:00:5e:10:00:01")))
    assert.equal("::200:5eff:fe10:1", tostring(ipv6.eui64("00:00:5e:10:00:01")))
  end)

  it("puts the identifier under a /64, with a zone for link-local", function()
    assert.equal("2001:db8:1:ff10:211:22ff:fe33:4455",
                 tostring(ipv6.eui64("00:11:22:33:44:55", "2001:db8:1:ff10::/64")))
    assert.equal("2001:db8:1:ff10:211:22ff:fe33:4455",
                 tostring(ipv6.eui64("00:11:22:33:44:55", "2001:db8:1:ff10::/60")))
    assert.equal("fe80::211:22ff:fe33:4455%lan1",
                 tostring(ipv6.link_local("00:11:22:33:44:55", "lan1")))
    bad_argument("/64 or shorter", ipv6.eui64("00:11:22:33:44:55", "2001:db8::/96"))
    bad_argument("zone id", ipv6.link_local("00:11:22:33:44:55", "lan 1"))
    bad_argument("bad zone id", ipv6.link_local("00:11:22:33:44:55", "lan1/64"))
  end)

  it("tells every derived address changed after a gateway swap", function()
    local old, new = "00:00:5e:00:53:01", "00:00:5e:00:53:02"
    local lo, ln = ipv6.link_local(old), ipv6.link_local(new)
    assert.are_not.equal(tostring(lo), tostring(ln))
    assert.equal("fe80::200:5eff:fe00:5301", tostring(lo))
    assert.equal("fe80::200:5eff:fe00:5302", tostring(ln))
    assert.equal(new, ipv6.mac_from(ln))
  end)

  it("reads and writes MACs in every form", function()
    assert.equal("00:11:22:33:44:55", ipv6.mac("00-11-22-33-44-55"))
    assert.equal("aa:bb:cc:dd:ee:ff", ipv6.mac("AA:BB:CC:DD:EE:FF"))
    assert.equal("\0\17\34\51\68\85", ipv6.mac_parse("0011.2233.4455"))
    assert.equal("00:11:22:33:44:55", ipv6.mac_format("\0\17\34\51\68\85"))
    assert.equal("00:11:22:33:44:55", tostring(ipv6.mac_from("2001:db8::211:22ff:fe33:4455")))
  end)

  for _, c in ipairs(MAC_BAD) do
    it(("refuses the MAC %q"):format(c[1]), function()
      bad_argument(c[2], ipv6.mac(c[1]))
      bad_argument(c[2], ipv6.mac_parse(c[1]))
      bad_argument(c[2], ipv6.link_local(c[1]))
    end)
  end

  it("refuses a MAC from an address without EUI-64 identifier", function()
    bad_argument("ipv6: fe80::1 has no EUI-64 interface identifier", ipv6.mac_from("fe80::1"))
    bad_argument("more than one", ipv6.mac_from("fe80::1::"))
  end)
end)

describe("gwkit.ipv6 misuse raises", function()
  local p = ipv6.prefix("2001:db8:1:ff00::/56")
  local MISUSE = {
    { "parse(nil)", function() return ipv6.parse(nil) end, "string expected" },
    { "format(42)", function() return ipv6.format(42) end, "IPv6 address expected" },
    { "contains(p, {})", function() return ipv6.contains(p, {}) end, "IPv6 address expected" },
    { "subprefix(p, '60', 1)", function() return ipv6.subprefix(p, "60", 1) end,
      "integer expected" },
    { "subprefix(p, 60, 1.5)", function() return ipv6.subprefix(p, 60, 1.5) end,
      "integer expected" },
    { "subprefix(p, 60, 0/0)", function() return ipv6.subprefix(p, 60, 0 / 0) end,
      "integer expected" },
    { "link_local(nil)", function() return ipv6.link_local(nil) end, "MAC expected" },
    { "link_local(mac, 1)", function() return ipv6.link_local("00:11:22:33:44:55", 1) end,
      "string expected" },
    { "mac_parse(true)", function() return ipv6.mac_parse(true) end, "string expected" },
  }
  for _, c in ipairs(MISUSE) do
    it(c[1], function()
      local ok, err = pcall(c[2])
      assert.is_false(ok)
      assert.truthy(tostring(err):find(c[3], 1, true), err)
    end)
  end

  it("names the caller's line, not the module's", function()
    local ok, err = pcall(function()
      local r = ipv6.contains(p, 5)     -- not a tail call: the caller's frame stays
      return r
    end)
    assert.is_false(ok)
    assert.truthy(err:find("ipv6_spec.lua", 1, true), err)
  end)
end)
