-- gwkit.hgw against the emulated NTT PR-600MI (tests/servers/hgw_emu.py):
-- login (Digest MD5 and SHA-256, Basic), the session cookie, refused
-- passwords and the lockout-safe limit, status pages in three charsets,
-- a page that does not parse, the gateway's identity after a replacement,
-- discovery, the lease table.
local support = require "support"
local hs = require "hgw_support"
local hgw = require "gwkit.hgw"
local ipv6 = require "gwkit.ipv6"

local PW = "Gw-pass 1"

local function rejected(address)
  return ('hgw: %s rejected user "user" (password changed, or the gateway was reset or replaced?)')
    :format(address)
end

local function count(records, key, value)
  local n = 0
  for _, r in ipairs(records) do if r[key] == value then n = n + 1 end end
  return n
end

describe("gwkit.hgw login", function()
  local emu, emu6
  setup(function()
    emu = hs.start{ password = PW }
    emu6 = hs.start{ host = "::1", password = PW, algorithms = "MD5" }
  end)
  teardown(function() emu.stop(); emu6.stop() end)

  it("answers Digest SHA-256 (the strongest offered) and keeps the session cookie", function()
    local gw = hgw.new{ address = emu.address, password = PW }
    local ok, info = gw:login()
    assert.is_true(ok)
    assert.same({ scheme = "Digest", password = "current", algorithm = "SHA-256",
                  address = emu.address }, info)
    assert.truthy(gw:page("status"))
    assert.truthy(gw:page("leases"))
    gw:close()
    local recs = emu.records()
    assert.equal(1, count(recs, "verdict", "none"))          -- one challenge, then the session
    assert.equal(2, count(recs, "algorithm", "SHA-256"))
    assert.equal(1, count(recs, "cookie", "valid"))          -- HGWSESSIONID sent back
    assert.equal("/ntt/information/dhcpV6Server", recs[#recs].target)
    assert.equal("valid", recs[#recs].cookie)
    assert.equal(1, emu.state().logins)
  end)

  it("answers Digest MD5 over IPv6 ([::1]:port)", function()
    local gw = hgw.new{ address = emu6.address, password = PW }
    local ok, info = gw:login()
    assert.is_true(ok, info)
    assert.equal("MD5", info.algorithm)
    local st = assert(gw:status())
    assert.equal("2001:db8:1234:5600::/56", st.prefix)
    gw:close()
    assert.equal(1, count(emu6.records(), "algorithm", "MD5"))
  end)

  it("refuses a wrong password with the exact message, after exactly one attempt", function()
    local before = emu.state().failed_logins
    local gw = hgw.new{ address = emu.address, password = "wrong" }
    local ok, err, info = gw:login()
    assert.is_nil(ok)
    assert.equal(rejected(emu.address), err)
    assert.equal("auth_failed", info.kind)
    -- a second call in the same run does not try the same password again
    ok, err = gw:login()
    assert.is_nil(ok)
    assert.equal(rejected(emu.address), err)
    assert.equal(before + 1, emu.state().failed_logins)
    assert.is_nil(emu.log():find("wrong", 1, true))
  end)

  it("tries previous passwords once each, in order, and says which one worked", function()
    local before = emu.state().failed_logins
    local gw = hgw.new{ address = emu.address, password = "new-but-not-set",
                        previous_passwords = { "older", PW, "never tried" } }
    local ok, info = gw:login()
    assert.is_true(ok)
    assert.equal("previous #2", info.password)
    assert.equal(before + 2, emu.state().failed_logins)
    gw:close()
  end)

  it("never puts the password into a trace", function()
    local lines = {}
    local gw = hgw.new{ address = emu.address, password = PW,
                        trace = function(d, l) lines[#lines + 1] = d .. " " .. l end }
    assert.truthy(gw:status())
    gw:close()
    local all = table.concat(lines, "\n")
    assert.truthy(all:find("WWW-Authenticate", 1, true))
    assert.is_nil(all:find(PW, 1, true))
  end)
end)

describe("gwkit.hgw session", function()
  it("answers an expired nonce and a rebooted gateway's stale=true without a failed login", function()
    local emu = hs.start{ password = PW, nonce_lifetime = 1 }
    local gw = hgw.new{ address = emu.address, password = PW }
    assert.truthy(gw:page("status"))
    support.sh("sleep 1.3")
    assert.truthy(gw:page("leases"))                 -- the nonce expired meanwhile
    emu.control("reboot")                            -- every nonce and session forgotten
    assert.truthy(gw:page("status"))
    gw:close()
    local recs = emu.records()
    assert.equal(1, count(recs, "verdict", "stale-nonce"))
    assert.equal(1, count(recs, "verdict", "unknown-nonce"))
    local st = emu.state()
    assert.equal(0, st.failed_logins)
    assert.equal(2, st.logins)                       -- a new session cookie after the reboot
    emu.stop()
  end)
end)

describe("gwkit.hgw Basic login", function()
  local emu
  setup(function() emu = hs.start{ auth = "basic", password = PW } end)
  teardown(function() emu.stop() end)

  it("answers Basic for a PR-500MI class model", function()
    local gw = hgw.new{ model = "pr500mi", address = emu.address, password = PW }
    local ok, info = gw:login()
    assert.is_true(ok)
    assert.equal("Basic", info.scheme)
    assert.equal("00:00:5e:00:53:01", assert(gw:status()).mac)
    gw:close()
  end)

  it("refuses to send the password in clear to a gateway that should want Digest", function()
    local gw = hgw.new{ address = emu.address, password = PW }       -- pr600mi
    local ok, err, info = gw:login()
    assert.is_nil(ok)
    assert.equal("auth_unavailable", info.kind)
    assert.matches("asks for Basic authentication; model pr600mi expects digest", err, 1, true)
    local recs = emu.records()
    assert.equal("-", recs[#recs].authorization)
    -- allow_basic = true says this gateway really does Basic
    gw = hgw.new{ address = emu.address, password = PW, allow_basic = true }
    assert.is_true((gw:login()))
    gw:close()
  end)
end)

describe("gwkit.hgw failed-login limit", function()
  local emu
  setup(function() emu = hs.start{ password = PW, lockout = 4 } end)
  teardown(function() emu.stop() end)

  it("counts failed logins per hour across gateway objects sharing a state file", function()
    local sf = support.tmpdir("hgwlimit") .. "/state"
    local gw1 = hgw.new{ address = emu.address, password = "bad1", previous_passwords = { "bad2" },
                         state_file = sf }
    local ok, err = gw1:login()
    assert.is_nil(ok)
    assert.equal(rejected(emu.address), err)
    local gw2 = hgw.new{ address = emu.address, password = "bad3", previous_passwords = { "bad4" },
                         state_file = sf }
    local _, err2, info2 = gw2:login()
    assert.equal(rejected(emu.address) .. "; not trying more passwords: 3 failed logins in the " ..
                 "last hour (limit 3)", err2)
    assert.equal("auth_failed", info2.kind)
    local gw3 = hgw.new{ address = emu.address, password = PW, state_file = sf }
    local _, err3, info3 = gw3:login()
    assert.equal("hgw: login not attempted: 3 failed logins in the last hour (limit 3)", err3)
    assert.equal("rate_limited", info3.kind)
    local st = emu.state()
    assert.equal(3, st.failed_logins)
    assert.equal("false", st.locked)
    -- the owner fixed the password: forget the failures, log in
    assert.truthy(gw3:forget_failures())
    assert.is_true((gw3:login()))
    gw3:close()
  end)
end)

describe("gwkit.hgw and a gateway that locks after 4 failed logins", function()
  it("stays under the lockout over many runs with the default limit", function()
    local emu = hs.start{ password = PW, lockout = 4 }
    local sf = support.tmpdir("hgwlock") .. "/state"
    for _ = 1, 10 do                                     -- ten cron runs in one hour
      local gw = hgw.new{ address = emu.address, password = "stale", state_file = sf }
      assert.is_nil((gw:login()))
      gw:close()
    end
    local st = emu.state()
    assert.equal(3, st.failed_logins)
    assert.equal(0, st.lockouts)
    assert.equal("false", st.locked)
    emu.stop()
  end)

  it("(control) without the shared state file the same runs lock the gateway", function()
    local emu = hs.start{ password = PW, lockout = 4 }
    for _ = 1, 4 do
      local gw = hgw.new{ address = emu.address, password = "stale" }
      assert.is_nil((gw:login()))
    end
    assert.equal("true", emu.state().locked)
    local gw = hgw.new{ address = emu.address, password = PW }
    local ok, err, info = gw:login()
    assert.is_nil(ok)
    assert.equal("http_status", info.kind)
    assert.matches("answered 503", err, 1, true)
    emu.stop()
  end)
end)

describe("gwkit.hgw status pages", function()
  local want = { mac = "00:00:5e:00:53:01", lan_mac = "00:00:5e:00:53:01", wan_mac = "00:00:5e:00:53:02",
    firmware = "1.02.03", wan_ipv4 = "203.0.113.45", prefix = "2001:db8:1234:5600::/56",
    ipv6 = "connected", dns = { "2001:db8:ffff::53", "2001:db8:ffff::54", "203.0.113.1", "203.0.113.2" } }

  for _, cs in ipairs({ "utf-8", "shift_jis", "euc-jp" }) do
    it("reads the same values from a " .. cs .. " page", function()
      local emu = hs.start{ password = PW, charset = cs }
      local gw = hgw.new{ address = emu.address, password = PW }
      local pg = assert(gw:page("status"))
      assert.equal(cs, pg.charset)
      if cs ~= "utf-8" then assert.is_nil(pg.body:find("接続中", 1, true)) end
      assert.truthy(pg.text:find("接続中", 1, true))
      local st = assert(gw:status())
      for k, v in pairs(want) do assert.same(v, st[k], k) end
      gw:close()
      emu.stop()
    end)
  end

  it("reports a prefix as absent (not an error) while IPv6 is down", function()
    local emu = hs.start{ password = PW }
    emu.control("set", { ipv6_state = "未接続" })
    local gw = hgw.new{ address = emu.address, password = PW }
    local st = assert(gw:status())
    assert.equal("disconnected", st.ipv6)
    assert.is_nil(st.prefix)
    assert.same({}, st.identity.eui64)
    gw:close()
    emu.stop()
  end)

  it("names the page and the missing label, and saves the page", function()
    local emu = hs.start{ password = PW, charset = "shift_jis" }
    local dir = support.tmpdir("hgwdump")
    emu.control("set", { drop_labels = { "WAN側IPアドレス" } })
    local gw = hgw.new{ address = emu.address, password = PW, dump_dir = dir }
    local st, err, info = gw:status()
    assert.is_nil(st)
    local saved = dir .. "/hgw-pr600mi-status.html"
    assert.equal("hgw: page 'status' (/ntt/information/fifth/current): label 'WAN側IPアドレス' " ..
                 "not found in section 'IPv4' (page saved to " .. saved .. ")", err)
    assert.equal("protocol", info.kind)
    local body = assert(support.read(saved))
    assert.truthy(body:find("charset=Shift_JIS", 1, true))          -- the raw bytes, as received
    assert.is_nil(body:find("WAN側IPアドレス", 1, true))
    gw:close()
    emu.stop()
  end)
end)

describe("gwkit.hgw identity", function()
  it("records the MAC, then reports a replaced gateway and its new EUI-64 addresses", function()
    local emu = hs.start{ password = PW }
    local sf = support.tmpdir("hgwid") .. "/state"
    local gw = hgw.new{ address = emu.address, password = PW, state_file = sf }
    local st = assert(gw:status())
    local id = st.identity
    assert.equal("00:00:5e:00:53:01", id.mac)
    assert.is_false(id.changed)
    assert.is_nil(id.previous_mac)
    assert.is_nil(id.message)
    -- 00:00:5e:00:53:01 -> interface id 0200:5eff:fe00:5301 (U/L bit flipped, ff:fe inserted)
    assert.equal("fe80::200:5eff:fe00:5301", id.link_local)
    assert.same({ ["2001:db8:1234:5600::/64"] = "2001:db8:1234:5600:200:5eff:fe00:5301",
                  ["2001:db8:1234:5601::/64"] = "2001:db8:1234:5601:200:5eff:fe00:5301" }, id.eui64)
    assert.truthy(support.read(sf):find("mac 00:00:5e:00:53:01", 1, true))

    -- the gateway is swapped: new MAC, new password
    emu.control("replace", { mac = "00:00:5e:00:53:99", password = "New pass 2" })
    local ok, err, info = gw:status()              -- the running job's session now gets 401
    assert.is_nil(ok)
    assert.equal(rejected(emu.address), err)
    assert.equal("auth_failed", info.kind)
    gw:close()

    gw = hgw.new{ address = emu.address, password = "New pass 2", state_file = sf }
    id = assert(gw:identity())
    assert.is_true(id.changed)
    assert.equal("00:00:5e:00:53:01", id.previous_mac)
    assert.equal("hgw: gateway MAC changed 00:00:5e:00:53:01 -> 00:00:5e:00:53:99; " ..
                 "EUI-64 addresses derived from it changed", id.message)
    assert.equal("fe80::200:5eff:fe00:5399", id.link_local)
    assert.same({ ["2001:db8:1234:5600::/64"] = "2001:db8:1234:5600:200:5eff:fe00:5399",
                  ["2001:db8:1234:5601::/64"] = "2001:db8:1234:5601:200:5eff:fe00:5399" }, id.eui64)
    assert.equal("2001:db8:1234:5600:200:5eff:fe00:5301", id.previous.eui64["2001:db8:1234:5600::/64"])
    for p, a in pairs(id.eui64) do
      assert.equal(a, tostring(ipv6.eui64("00:00:5e:00:53:99", p)))
    end
    -- recorded: the next run sees no change
    id = assert(gw:identity())
    assert.is_false(id.changed)
    assert.equal("00:00:5e:00:53:99", id.previous_mac)
    assert.truthy(support.read(sf):find("mac 00:00:5e:00:53:99", 1, true))
    gw:close()
    emu.stop()
  end)
end)

describe("gwkit.hgw discovery", function()
  local emu, emu6, dir
  setup(function()
    emu = hs.start{ password = PW }
    emu6 = hs.start{ host = "::1", password = PW }
    dir = support.tmpdir("hgwdisc")
  end)
  teardown(function() emu.stop(); emu6.stop() end)

  local function none() return nil end
  local NO_ROUTES = { proc_route = "/nonexistent/route", proc_ipv6_route = "/nonexistent/ipv6_route" }
  local function cfg(t)
    local c = { password = PW, resolve = none, neigh_command = { "true" } }
    for k, v in pairs(NO_ROUTES) do c[k] = v end
    for k, v in pairs(t) do c[k] = v end
    return c
  end

  it("reads default routes from the kernel's tables", function()
    local d = require "gwkit.hgw.discover"
    hs.proc_route(dir .. "/r4", "192.168.1.1")
    local r = d.parse_route(support.read(dir .. "/r4"))
    assert.equal(1, #r)
    assert.equal("192.168.1.1", r[1].address)
    hs.proc_ipv6_route(dir .. "/r6", "fe800000000000000000000000000001", "lan0")
    r = d.parse_ipv6_route(support.read(dir .. "/r6"))
    assert.equal(1, #r)
    assert.equal("fe80::1%lan0", r[1].address)
    local n = d.parse_neigh("192.168.1.7 dev eth0 lladdr 02:00:5e:10:00:07 STALE\n" ..
      "fe80::1 dev eth0 lladdr 00:00:5E:00:53:01 router REACHABLE\n192.168.1.9 dev eth0  FAILED\n")
    assert.same({ { address = "fe80::1%eth0", iface = "eth0", mac = "00:00:5e:00:53:01", router = true },
                  { address = "192.168.1.7", iface = "eth0", mac = "02:00:5e:10:00:07", router = false } }, n)
  end)

  it("uses the configured address first", function()
    local gw = hgw.new(cfg{ address = emu.address })
    local found = assert(gw:discover())
    assert.same({ address = emu.address, how = "address" }, found)
  end)

  it("resolves ntt.setup through the resolve hook", function()
    local gw = hgw.new(cfg{ port = emu.port, resolve = function(name)
      assert.equal("ntt.setup", name)
      return { "127.0.0.1" }
    end })
    local found = assert(gw:discover())
    assert.equal("ntt.setup", found.how)
    assert.equal("127.0.0.1", found.address)
  end)

  it("falls back to the IPv4 and IPv6 default routes, and logs in there", function()
    hs.proc_route(dir .. "/route", "127.0.0.2")                    -- nothing listens there
    hs.proc_ipv6_route(dir .. "/ipv6_route", ("0"):rep(31) .. "1")  -- ::1, where emu6 listens
    local before = #emu6.records()
    local gw = hgw.new(cfg{ address = "127.0.0.1:1", port = emu6.port, proc_route = dir .. "/route",
                            proc_ipv6_route = dir .. "/ipv6_route" })
    local ok, info = gw:login()                                     -- discovers first
    assert.is_true(ok, info)
    assert.equal("::1", gw.found.address)
    assert.equal("route", gw.found.how)
    assert.equal("2001:db8:1234:5600::/56", assert(gw:status()).prefix)
    gw:close()
    -- the probe sent no credentials
    assert.equal("-", emu6.records()[before + 1].authorization)
  end)

  it("falls back to the neighbour table, routers first, and takes the MAC from it", function()
    local out = "127.0.0.3 dev eth0 lladdr 02:00:5e:10:00:03 STALE\n" ..
                "127.0.0.1 dev eth0 lladdr 00:00:5e:00:53:01 router REACHABLE\n" ..
                "10.0.0.9 dev eth0  FAILED\n"
    local gw = hgw.new(cfg{ port = emu.port, neigh_command = { "printf", "%s", out } })
    local found = assert(gw:discover())
    assert.same({ address = "127.0.0.1", how = "neighbour", mac = "00:00:5e:00:53:01" }, found)
  end)

  it("skips neighbours that answer HTTP but do not look like this model", function()
    local basic = hs.start{ host = "::1", auth = "basic", password = PW }
    local profile = { name = "other", auth = "digest", pages = { status = { path = "/__emu/nope", fields = {} } } }
    local neigh = { "printf", "127.0.0.1 dev eth0 lladdr 00:00:5e:00:53:01 REACHABLE\n" ..
                              "::1 dev eth0 lladdr 00:00:5e:00:53:02 REACHABLE\n" }
    local gw = hgw.new(cfg{ model = profile, port = emu.port, neigh_command = neigh })
    local found, err, info = gw:discover()
    assert.is_nil(found)
    assert.equal("connect", info.kind)
    assert.matches("neighbours 127.0.0.1: HTTP 404 on /__emu/nope", err, 1, true)
    -- a Basic gateway is not a PR-600MI
    gw = hgw.new(cfg{ port = basic.port, neigh_command = neigh })
    found, err = gw:discover()
    assert.is_nil(found)
    assert.matches("neighbours ::1: HTTP 401 with a Basic challenge on /ntt/information/fifth/current " ..
                   "(model pr600mi expects digest)", err, 1, true)
    basic.stop()
  end)

  it("says what it tried when nothing answers", function()
    local gw = hgw.new(cfg{ address = "127.0.0.1:1" })
    local found, err, info = gw:discover()
    assert.is_nil(found)
    assert.equal("connect", info.kind)
    assert.matches("^hgw: no gateway found %(tried: address 127%.0%.0%.1:1: .*refused.*; " ..
                   "ntt%.setup: does not resolve; routes: no default route; neighbours: no neighbours%)$", err)
    local _, lerr = gw:login()
    assert.equal(err, lerr)
  end)
end)

describe("gwkit.hgw lease table", function()
  it("reads the emulator's DHCPv6-PD leases", function()
    local emu = hs.start{ password = PW }
    assert.same({ 0, "prefix 2001:db8:1234:5610::/60" },
                { emu.client("nvr510", "bind", { duid = "00:03:00:01:02:00:5e:10:00:01" }) })
    assert.same({ 0, "prefix 2001:db8:1234:5620::/60" },
                { emu.client("openwrt", "bind", { duid = "00:03:00:01:02:00:5e:10:00:02" }) })
    local gw = hgw.new{ address = emu.address, password = PW }
    local leases = assert(gw:pd_leases())
    assert.equal(2, #leases)
    assert.equal("2001:db8:1234:5610::/60", leases[1].prefix)
    assert.equal("00:03:00:01:02:00:5e:10:00:01", leases[1].duid)
    assert.equal(1, leases[1].iaid)
    assert.is_true(leases[1].expires > 14000 and leases[1].expires <= 14400)
    assert.equal("2001:db8:1234:5620::/60", leases[2].prefix)
    -- release and reboot empty the table
    emu.client("nvr510", "release")
    assert.equal(1, #assert(gw:pd_leases()))
    emu.control("reboot")
    assert.same({}, assert(gw:pd_leases()))
    gw:close()
    emu.stop()
  end)

  it("reads a lease table written by Kea (--kea-leases)", function()
    local dir = support.tmpdir("kea")
    local now = os.time()
    support.write(dir .. "/leases6.csv",
      "address,duid,valid_lifetime,expire,subnet_id,pref_lifetime,lease_type,iaid,prefix_len," ..
      "fqdn_fwd,fqdn_rev,hostname,hwaddr,state,user_context,hwtype,hwaddr_source\n" ..
      ("2001:db8:1234:5610::,00:03:00:01:02:00:5e:10:00:01,14400,%d,1,9000,2,1,60,0,0,,,0,,,\n"):format(now + 14000) ..
      ("2001:db8:1234:5620::,00:03:00:01:02:00:5e:10:00:02,14400,%d,1,9000,2,7,60,0,0,,,0,,,\n"):format(now + 14000) ..
      ("2001:db8:1234:5620::,00:03:00:01:02:00:5e:10:00:02,0,%d,1,0,2,7,60,0,0,,,0,,,\n"):format(now) ..
      ("2001:db8:1234:5630::,00:03:00:01:02:00:5e:10:00:03,14400,%d,1,9000,2,3,60,0,0,,,2,,,\n"):format(now + 14000) ..
      ("2001:db8:1234:5600::5,00:03:00:01:02:00:5e:10:00:04,14400,%d,1,9000,0,3,128,0,0,,,0,,,\n"):format(now + 14000))
    local emu = hs.start{ password = PW, kea_leases = dir .. "/leases6.csv" }
    local gw = hgw.new{ address = emu.address, password = PW }
    local leases = assert(gw:pd_leases())
    assert.equal(1, #leases)                          -- released, reclaimed and IA_NA left out
    assert.equal("2001:db8:1234:5610::/60", leases[1].prefix)
    assert.equal("00:03:00:01:02:00:5e:10:00:01", leases[1].duid)
    assert.equal(409, (emu.control("solicit", { client = "x" })))
    gw:close()
    emu.stop()
  end)

  it("says so for a model without a lease table", function()
    local gw = hgw.new{ model = "generic", address = "127.0.0.1:1", password = PW }
    local leases, err, info = gw:pd_leases()
    assert.is_nil(leases)
    assert.equal("hgw: model generic shows no lease table", err)
    assert.equal("unsupported", info.kind)
  end)
end)

describe("gwkit.hgw configuration", function()
  it("raises on misuse, naming the field", function()
    assert.has_error(function() hgw.new{ adress = "x" } end, "hgw: bad field 'adress' (unknown option)")
    assert.has_error(function() hgw.new{ model = "pr999" } end)
    assert.has_error(function() hgw.new{ discover = { "dns" } } end,
                     "hgw: bad field 'discover' (unknown method dns)")
    assert.has_error(function() hgw.new{ previous_passwords = { 1 } } end)
    assert.has_error(function() hgw.new{ address = "127.0.0.1:1" }:login() end)
  end)

  it("reads the generic profile's labels anywhere", function()
    local emu = hs.start{ password = PW }
    local gw = hgw.new{ model = "generic", address = emu.address, password = PW }
    local st = assert(gw:status())
    assert.equal("00:00:5e:00:53:01", st.mac)          -- the MAC under the LAN heading
    assert.equal("2001:db8:1234:5600::/56", st.prefix)
    gw:close()
    emu.stop()
  end)
end)

describe("hgw_emu.py PD emulation", function()
  it("hands out /60s first come, first served, and crashes on two IA_PD in one request", function()
    local emu = hs.start{ password = PW, crash_seconds = 2 }
    local got = {}
    for i = 1, 15 do
      local rc, out = emu.client("c" .. i, "bind")
      assert.equal(0, rc)
      got[i] = out
    end
    assert.equal("prefix 2001:db8:1234:5610::/60", got[1])
    assert.equal("prefix 2001:db8:1234:56f0::/60", got[15])
    local rc, out = emu.client("c16", "bind")
    assert.equal(1, rc)
    assert.matches("no prefix available", out, 1, true)
    assert.same({ 0, "prefix 2001:db8:1234:5610::/60" }, { emu.client("c1", "bind") })  -- a renew
    assert.same({ 0, "prefix 2001:db8:1234:5610::/60" }, { emu.client("c1", "show") })
    emu.client("c1", "release")
    assert.same({ 0, "prefix none" }, { emu.client("c1", "show") })
    rc = emu.client("c17", "bind", { ia_pd = 2 })
    assert.equal(1, rc)
    local st = emu.state()
    assert.equal(1, st.crashes)
    assert.equal("true", st.crashed)
    assert.matches("CRASH: 2 IA_PD in one request", emu.log(), 1, true)
    emu.stop()
  end)
end)

describe("gwkit.hgw.extract", function()
  local extract = require "gwkit.hgw.extract"
  local rows = {
    { "[ WAN側情報 ]" },
    { "MACアドレス：", "00-00-5E-00-53-02" },
    { "[ LAN側情報 ]" },
    { " MACアドレス ", "0000.5e00.5301" },
    { "[ IPv6接続状態 ]" },
    { "接続状態", "未接続" },
    { "IPv6プレフィックス", "-" },
    { "DNSサーバアドレス", "2001:db8::53 / 192.0.2.53, junk" },
    { "IPv6プレフィックス(委譲)", "2001:DB8:1:FF00::/56" },
  }

  it("finds values by label and section, never by position", function()
    local cases = {
      { { label = "MACアドレス", section = "WAN", type = "mac" }, true, "00:00:5e:00:53:02" },
      { { label = "MACアドレス", section = "LAN", type = "mac" }, true, "00:00:5e:00:53:01" },
      { { label = "MACアドレス", type = "mac" }, true, "00:00:5e:00:53:02" },  -- the first
      { { label = "接続状態", section = "IPv6", type = "state" }, true, "disconnected" },
      { { label = "IPv6プレフィックス", section = "IPv6", type = "prefix" }, true, nil },  -- "-"
      { { label = "DNSサーバアドレス", type = "addresses" }, true, { "2001:db8::53", "192.0.2.53" } },
      { { label = "MACアドレス", section = "DMZ", type = "mac" }, false, nil },
      { { label = "ファームウェア" }, false, nil },
      { { label = "DNSサーバアドレス", pattern = "^(%S+)" }, true, "2001:db8::53" },
    }
    for i, c in ipairs(cases) do
      local found, v = extract.field(rows, c[1])
      assert.equal(c[2], found, "case " .. i)
      assert.same(c[3], v, "case " .. i)
    end
    -- loose labels (the generic profile): a label cell with more text after the label
    local found, v = extract.field(rows, { label = "IPv6プレフィックス", type = "prefix" }, { loose = true })
    assert.is_true(found)
    assert.equal("2001:db8:1:ff00::/56", v)
  end)

  it("names the first missing required label", function()
    local v, err = extract.fields(rows, {
      a = { label = "MACアドレス", section = "LAN", type = "mac", required = true },
      b = { label = "WAN側IPアドレス", section = "IPv4", type = "ipv4", required = true },
      c = { label = "ファームウェア" } })
    assert.is_nil(v)
    assert.equal("label 'WAN側IPアドレス' not found in section 'IPv4'", err)
  end)

  it("reads a table by its header row and stops at a shorter row", function()
    local t = assert(extract.table({
      { "[ DHCPv6 ]" },
      { "No.", "プレフィックス", "DUID", "状態" },
      { "1", "2001:db8:1:ff10::/60", "00:03:00:01:02:00:5e:10:00:01", "払い出し中" },
      { "2", "2001:db8:1:ff20::/60", "-", "払い出し中" },
      { "合計 2 件" },
      { "3", "2001:db8:1:ff30::/60", "x", "y" },
    }, { columns = { prefix = "プレフィックス", duid = "DUID", state = "状態" }, required = { "prefix" } }))
    assert.same({ { prefix = "2001:db8:1:ff10::/60", duid = "00:03:00:01:02:00:5e:10:00:01", state = "払い出し中" },
                  { prefix = "2001:db8:1:ff20::/60", duid = "-", state = "払い出し中" } }, t)
    local none, err = extract.table({ { "a", "b" } }, { columns = { prefix = "プレフィックス" }, required = { "prefix" } })
    assert.is_nil(none)
    assert.equal("table label 'プレフィックス' not found", err)
  end)
end)
