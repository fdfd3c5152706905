-- The DHCPv6-PD lab itself (tests/lab/lab.sh): a real Kea 2.2 delegating
-- /60s out of a /56 the way an NTT PR-600MI does, real ISC dhclient client
-- routers and a monitor, each in a network namespace of its own, joined by
-- the gateway's bridge. Skipped (pending) where namespaces cannot be made.
local lab = require "lab"

local function p60(nibbles) return "2001:db8:1234:56" .. nibbles .. "::/60" end

local why = lab.unavailable()
if why then
  describe("DHCPv6-PD lab", function()
    it("runs Kea and dhclient in network namespaces", function()
      pending("lab: " .. why)
    end)
  end)
  return
end

local function exists(path)
  return os.rename(path, path) ~= nil
end

describe("DHCPv6-PD lab (Kea 2.2, ISC dhclient, network namespaces)", function()
  local L, host_before

  -- Every client stopped, without a lease and without a prefix hint (its
  -- DUID kept); Kea restarted with an empty lease table.
  local function fresh()
    for _, c in ipairs(L.clients) do assert(lab.forget(L, c)) end
    assert(lab.kea_reset(L))
    assert.same({}, (lab.kea_leases(L)))
  end

  local function bind_all(order)
    for _, c in ipairs(order) do
      local prefix, out = lab.bind(L, c)
      assert(prefix, out)
    end
  end

  -- want = {client = prefix}: each client's own lease file holds its
  -- prefix, Kea's lease file has exactly these leases, each to the DUID the
  -- client's lease file names.
  local function assert_table(want)
    local list, kea = lab.kea_leases(L)
    local n = 0
    for c, prefix in pairs(want) do
      assert.equal(prefix, lab.client_prefix(L, c))
      assert.truthy(kea[prefix], "Kea has no lease for " .. prefix)
      assert.equal(lab.client_duid(L, c), kea[prefix].duid)
      n = n + 1
    end
    assert.equal(n, #list)
  end

  setup(function()
    host_before = lab.host_net()
    L = lab.start{ lifetime = 300, bind_timeout = 15 }
  end)

  teardown(function()
    lab.stop(L)
  end)

  it("makes the gateway, the clients and the monitor in namespaces of their own", function()
    local have = {}
    for _, ns in ipairs(lab.namespaces()) do have[ns] = true end
    for _, node in ipairs{ "gw", "mon", "c1", "c2", "c3" } do
      assert.truthy(have[lab.ns(L, node)], node)
    end
    -- The gateway's LAN address is the EUI-64 one of its bridge's MAC.
    assert.equal("2001:db8:1234:5600:0:5eff:fe10:fe", L.GW_ADDR)
    assert.equal("fe80::5eff:fe10:fe", L.GW_LL)
    local ok, out = lab.exec(L, "gw", "ip -6 addr show dev br0")
    assert(ok, out)
    assert.truthy(out:find("inet6 " .. L.GW_ADDR .. "/64", 1, true), out)
    assert.truthy(out:find("inet6 " .. L.GW_LL .. "/64", 1, true), out)
    ok, out = lab.exec(L, "gw", "cat /proc/net/udp6")
    assert.truthy(ok and out:find(":0223 "), "Kea not on port 547 in the gateway's namespace")
    ok, out = lab.exec(L, "mon", "ip -6 route show default; ip -6 addr show dev wan0")
    assert.truthy(ok and out:find("default via " .. L.GW_LL .. " dev wan0", 1, true), out)
    assert.truthy(out:find("inet6 " .. L.MON_ADDR .. "/64", 1, true), out)
    for i, c in ipairs(L.clients) do
      ok, out = lab.exec(L, c, "cat /sys/class/net/wan0/address")
      assert.equal(("02:00:5e:10:00:%02x\n"):format(i), ok and out)
    end
    -- Nothing in the host's own namespace changed.
    assert.equal(host_before, lab.host_net())
  end)

  it("delegates /60s in order of arrival: c2, c1, c3 get ...10, ...20, ...30", function()
    fresh()
    bind_all{ "c2", "c1", "c3" }
    assert_table{ c2 = p60("10"), c1 = p60("20"), c3 = p60("30") }
    -- dhclient -D LL: the DUID is DUID-LL of the client's fixed MAC.
    assert.equal("00:03:00:01:02:00:5e:10:00:01", lab.client_duid(L, "c1"))
    -- lab.sh's own readers agree with the Lua ones.
    local ok, out = lab.cmd(L, "client-prefix", "c1")
    assert.equal(p60("20") .. "\n", ok and out)
    ok, out = lab.cmd(L, "leases")
    assert(ok, out)
    assert.truthy(out:find(p60("10") .. " 00:03:00:01:02:00:5e:10:00:02 ", 1, true), out)
  end)

  it("rebinds in the designed order after release, forget and a Kea restart", function()
    fresh()
    bind_all{ "c2", "c1", "c3" }
    for _, c in ipairs{ "c3", "c1", "c2" } do
      local ok, out = lab.release(L, c)
      assert(ok, out)
      assert.is_nil(lab.client_prefix(L, c))
    end
    assert.same({}, (lab.kea_leases(L)))
    for _, c in ipairs(L.clients) do assert(lab.forget(L, c)) end
    local ok, out = lab.kea_restart(L)
    assert(ok, out)
    bind_all{ "c1", "c2", "c3" }
    assert_table{ c1 = p60("10"), c2 = p60("20"), c3 = p60("30") }
  end)

  it("client-rebind gets the lowest free /60 whatever the client held and Kea gave last", function()
    fresh()
    bind_all{ "c1", "c2", "c3" }
    assert(lab.release(L, "c3"))
    assert(lab.release(L, "c1"))
    -- Kea gave ...30 last: its allocator alone would go on with ...40.
    local ok, out = lab.cmd(L, "client-rebind", "c3")
    assert.equal(p60("10") .. "\n", ok and out)
    ok, out = lab.cmd(L, "client-rebind", "c1")
    assert.equal(p60("30") .. "\n", ok and out)
    assert_table{ c3 = p60("10"), c2 = p60("20"), c1 = p60("30") }
  end)

  it("reads the prefix a client holds when dhclient also lists ones it does not", function()
    fresh()
    -- c2 asks again for a released ...10 that c1 took meanwhile: Kea gives
    -- ...20, and dhclient merges the old lease's ...10 in (with its old times).
    assert.equal(p60("10"), (lab.bind(L, "c2")))
    assert(lab.release(L, "c2"))
    assert(lab.kea_restart(L))
    assert.equal(p60("10"), (lab.bind(L, "c1")))
    assert.equal(p60("20"), (lab.bind(L, "c2")))
    assert_table{ c1 = p60("10"), c2 = p60("20") }
    local leases = lab.read(L.LEASES_C2)
    local last = leases:match(".*\nlease6 (%b{})")
    assert.truthy(last:find("iaprefix " .. p60("10"), 1, true), last)
    -- After a gateway reboot c2 rebinds with both; Kea takes ...10 back
    -- (lifetime 0), and dhclient lists it after ...20.
    assert(lab.kea_reset(L))
    assert.equal(p60("10"), (lab.bind(L, "c1")))
    assert.equal(p60("20"), (lab.bind(L, "c2")))
    assert_table{ c1 = p60("10"), c2 = p60("20") }
    last = lab.read(L.LEASES_C2):match(".*\nlease6 (%b{})")
    assert.truthy(last:find("iaprefix " .. p60("10") .. " {%s*starts %d+;%s*preferred%-life 0;%s*max%-life 0;"),
      last)
    local ok, out = lab.cmd(L, "client-prefix", "c2")
    assert.equal(p60("20") .. "\n", ok and out)
  end)

  it("rebuilds the table after a gateway reboot (kea-reset)", function()
    fresh()
    bind_all{ "c1", "c2", "c3" }
    local ok, out = lab.kea_reset(L)
    assert(ok, out)
    assert.same({}, (lab.kea_leases(L)))
    assert.equal(p60("10"), lab.client_prefix(L, "c1"))   -- the clients do not know yet
    -- Clients that kept their lease ask for it again and get it back.
    bind_all{ "c3", "c1", "c2" }
    assert_table{ c1 = p60("10"), c2 = p60("20"), c3 = p60("30") }
    -- Clients that lost their state come back in order of arrival: drift.
    fresh()
    bind_all{ "c3", "c1", "c2" }
    assert_table{ c3 = p60("10"), c1 = p60("20"), c2 = p60("30") }
  end)

  it("a client whose link is down is not bound by its deadline, and binds once it is up", function()
    fresh()
    bind_all{ "c1", "c2" }
    assert(lab.link(L, "c3", "down"))
    local prefix, out = lab.bind(L, "c3", 3)
    assert.is_nil(prefix)
    assert.truthy(out:find("c3: not bound within 3 s", 1, true), out)
    assert.is_nil(lab.client_prefix(L, "c3"))
    assert_table{ c1 = p60("10"), c2 = p60("20") }
    local ok, status = lab.cmd(L, "status")
    assert.truthy(ok and status:find("c3: prefix none, dhclient not running, link down", 1, true), status)
    assert(lab.link(L, "c3", "up"))
    assert.equal(p60("30"), (lab.bind(L, "c3")))
  end)

  it("lets the monitor's namespace read the gateway's PD table over IPv6 with Digest", function()
    if L.WEBUI_URL == nil or L.WEBUI_URL == "" then
      pending("lab: the gateway has no web UI (tests/servers/hgw_emu.py missing)")
    end
    fresh()
    bind_all{ "c2", "c1" }
    local code = ([[
      local http = require "gwkit.http"
      local url, f = %q, assert(io.open(%q))
      local pw = f:read("*l")
      f:close()
      local res, err = http.request{ url = url, timeout = 10 }
      print("anonymous " .. tostring(res and res.status or err))
      res, err = http.request{ url = url, user = %q, password = pw, timeout = 10 }
      print("user " .. tostring(res and res.status or err))
      print("scheme " .. tostring(res and res.auth and res.auth.scheme))
      io.write(res and res.body or "")
    ]]):format(L.WEBUI_URL .. "ntt/information/dhcpV6Server", L.WEBUI_PASSWORD_FILE, L.WEBUI_USER)
    local ok, out = lab.lua_in(L, "mon", code)
    assert(ok, out)
    assert.truthy(out:find("anonymous 401\n", 1, true), out)
    assert.truthy(out:find("user 200\n", 1, true), out)
    assert.truthy(out:find("scheme Digest\n", 1, true), out)
    local rows = {}
    for row in out:gmatch("<tr>(.-)</tr>") do
      local prefix = row:match("(2001:db8:[%x:]+/60)")
      if prefix then rows[prefix] = row end
    end
    assert.truthy(rows[p60("10")] and rows[p60("10")]:find(lab.client_duid(L, "c2"), 1, true), out)
    assert.truthy(rows[p60("20")] and rows[p60("20")]:find(lab.client_duid(L, "c1"), 1, true), out)
    assert.is_nil(rows[p60("30")])
  end)

  it("cleans up a lab left behind by a killed run when the next one starts", function()
    local old = L
    fresh()
    assert.equal(p60("10"), (lab.bind(old, "c1")))   -- running, as a killed run leaves it
    L = lab.start{ lifetime = 300, bind_timeout = 15 }
    assert.are_not.equal(old.id, L.id)
    for _, ns in ipairs(lab.namespaces()) do
      assert.is_nil(ns:find(old.id, 1, true), ns)
    end
    assert.is_false(exists(old.dir))
    assert.same({}, lab.processes(old.dir))
    assert.equal(p60("10"), (lab.bind(L, "c2")))
  end)

  it("stop removes every namespace, process and file it made", function()
    assert.equal(p60("10"), lab.client_prefix(L, "c2"))
    assert.is_true(#lab.processes(L.dir) >= 3)   -- Kea, c2's dhclient, the watchdog
    assert(lab.stop(L))
    assert.same({}, lab.namespaces())
    assert.same({}, lab.processes(L.dir))
    assert.is_false(exists(L.dir))
    assert.equal(host_before, lab.host_net())
  end)
end)
