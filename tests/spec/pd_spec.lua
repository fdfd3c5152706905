-- gwkit.pd without a gateway: the pure planner (designed order, reverse
-- release, drift, missing, duplicates, the gateway's lease table), the
-- readers (ISC dhclient -6 lease files, Yamaha syslog lines, command
-- output), the config checks, the state file, and whole runs against a
-- gateway and clients simulated in Lua (no processes, a fake clock).
local support = require "support"
local plan = require "gwkit.pd.plan"
local readers = require "gwkit.pd.readers"
local config = require "gwkit.pd.config"
local state = require "gwkit.pd.state"
local pd = require "gwkit.pd"

local P = "2001:db8:1234:56"          -- the /56 2001:db8:1234:5600::/56
local function sub(i) return ("%s%x0::/60"):format(P, i) end

local CLIENTS = { { name = "nvr510", index = 1 }, { name = "openwrt", index = 2 },
                  { name = "debian", index = 3 } }
local DESIGNED = { nvr510 = sub(1), openwrt = sub(2), debian = sub(3) }

local function steps(p)
  local out = {}
  for _, s in ipairs(p.steps) do out[#out + 1] = s.op .. " " .. s.name end
  return out
end

local function states(rows)
  local out = {}
  for _, r in ipairs(rows) do out[#out + 1] = r.name .. "=" .. r.state end
  return table.concat(out, " ")
end

describe("the PD planner", function()
  it("does nothing when every client holds its designed /60", function()
    local rows = plan.classify(CLIENTS, DESIGNED, { nvr510 = { prefix = sub(1) },
      openwrt = { prefix = sub(2) }, debian = { prefix = sub(3) } })
    assert.equal("nvr510=ok openwrt=ok debian=ok", states(rows))
    local p = plan.make(rows)
    assert.is_false(p.repair)
    assert.same({}, p.steps)
    assert.is_true(plan.all_ok(rows))
  end)

  it("after a reshuffle releases in reverse order and rebinds in designed order", function()
    local rows = plan.classify(CLIENTS, DESIGNED, { nvr510 = { prefix = sub(3) },
      openwrt = { prefix = sub(1) }, debian = { prefix = sub(2) } })
    assert.equal("nvr510=drift openwrt=drift debian=drift", states(rows))
    local p = plan.make(rows)
    assert.is_true(p.repair)
    assert.same({ "release debian", "release openwrt", "release nvr510",
                  "rebind nvr510", "rebind openwrt", "rebind debian" }, steps(p))
    assert.equal(sub(1), p.steps[4].expect)
    assert.equal(sub(3), p.steps[6].expect)
  end)

  it("keeps the clients ahead of the first one off the design", function()
    local rows = plan.classify(CLIENTS, DESIGNED, { nvr510 = { prefix = sub(1) },
      openwrt = { prefix = sub(3) }, debian = { prefix = sub(2) } })
    local p = plan.make(rows)
    assert.same({ "nvr510" }, p.keep)
    assert.same({ "release debian", "release openwrt", "rebind openwrt", "rebind debian" },
                steps(p))
  end)

  it("repairs a client that holds no prefix, and the ones after it", function()
    local rows = plan.classify(CLIENTS, DESIGNED, { nvr510 = { prefix = sub(1) },
      openwrt = { prefix = false }, debian = { prefix = sub(3) } })
    assert.equal("nvr510=ok openwrt=missing debian=ok", states(rows))
    assert.same({ "release debian", "release openwrt", "rebind openwrt", "rebind debian" },
                steps(plan.make(rows)))
  end)

  it("names duplicate prefixes and treats the holder by design as ok", function()
    local rows = plan.classify(CLIENTS, DESIGNED, { nvr510 = { prefix = sub(1) },
      openwrt = { prefix = sub(1) }, debian = { prefix = sub(3) } })
    assert.equal("nvr510=ok openwrt=drift debian=ok", states(rows))
    assert.matches("the same prefix as openwrt", rows[1].note, 1, true)
    assert.matches("the same prefix as nvr510", rows[2].note, 1, true)
    assert.same({ "release debian", "release openwrt", "rebind openwrt", "rebind debian" },
                steps(plan.make(rows)))
  end)

  it("believes the gateway's lease table over a client's stale view", function()
    local rows = plan.classify(CLIENTS, DESIGNED, {
      nvr510 = { prefix = sub(1), gateway = sub(1) },
      openwrt = { prefix = sub(2), gateway = false },        -- gateway rebooted: no lease
      debian = { prefix = sub(3), gateway = sub(4) } })
    assert.equal("nvr510=ok openwrt=missing debian=drift", states(rows))
    assert.matches("the gateway has no lease for it", rows[2].note, 1, true)
    assert.matches("lease table says " .. sub(4), rows[3].note, 1, true)
  end)

  it("reads an unreadable client from the lease table, else calls it unknown", function()
    local rows = plan.classify(CLIENTS, DESIGNED, {
      nvr510 = { error = "ssh: timed out", gateway = sub(1) },
      openwrt = { prefix = sub(2) }, debian = { error = "no lease file" } })
    assert.equal("nvr510=ok openwrt=ok debian=unknown", states(rows))
    local p = plan.make(rows)
    assert.is_false(p.repair)                 -- unknown alone is not a drift
    assert.same({ "debian" }, p.unknown)
  end)

  it("forces a full repair when asked (after a replacement, no lease table)", function()
    local rows = plan.classify(CLIENTS, DESIGNED, { nvr510 = { prefix = sub(1) },
      openwrt = { prefix = sub(2) }, debian = { prefix = sub(3) } })
    local p = plan.make(rows, { force = true })
    assert.same({ "release debian", "release openwrt", "release nvr510",
                  "rebind nvr510", "rebind openwrt", "rebind debian" }, steps(p))
  end)

  it("formats the table with every client, its prefixes and state", function()
    local rows = plan.classify(CLIENTS, DESIGNED, { nvr510 = { prefix = sub(2) },
      openwrt = { prefix = false }, debian = { error = "x" } })
    local t = plan.format(rows)
    assert.matches("^client%s+designed%s+actual%s+state\n", t)
    assert.matches("nvr510%s+" .. sub(1):gsub("%p", "%%%0") .. "%s+" ..
                   sub(2):gsub("%p", "%%%0") .. "%s+drift", t)
    assert.matches("openwrt%s+%S+%s+%-%s+missing", t)
    assert.matches("debian%s+%S+%s+%-%s+unknown", t)
  end)
end)

-- ISC dhclient 4.4 (Debian 12), dhclient -6 -P: the DUID as an escaped
-- string, a first lease, then a later one (the last block is current).
local LEASES = [[
default-duid "\000\001\000\001-\266\243\012RT\000\0224V";
lease6 {
  interface "eth1";
  ia-pd 6e:12:34:56 {
    starts 1717040000;
    renew 7200;
    rebind 11520;
    iaprefix 2001:db8:1234:5630::/60 {
      starts 1717040000;
      preferred-life 14400;
      max-life 14400;
    }
  }
  option dhcp6.client-id 0:1:0:1:2d:b6:a3:a:52:54:0:12:34:56;
  option dhcp6.server-id 0:3:0:1:0:0:5e:0:53:1;
  option dhcp6.name-servers 2001:db8:ffff::53,2001:db8:ffff::54;
}
lease6 {
  interface "eth1";
  ia-pd 6e:12:34:56 {
    starts 1717043600;
    renew 7200;
    rebind 11520;
    iaprefix 2001:db8:1234:5610::/60 {
      starts 1717043600;
      preferred-life 14400;
      max-life 14400;
    }
  }
  option dhcp6.client-id 0:1:0:1:2d:b6:a3:a:52:54:0:12:34:56;
  option dhcp6.server-id 0:3:0:1:0:0:5e:0:53:1;
}
]]

local DUID = "00:01:00:01:2d:b6:a3:0a:52:54:00:12:34:56"

describe("the PD readers", function()
  it("parse an ISC dhclient -6 lease file", function()
    local r = assert(readers.parse_dhclient(LEASES))
    assert.equal(DUID, r.duid)
    assert.equal(2, #r.leases)
    assert.equal("eth1", r.leases[2].interface)
    assert.equal(DUID, r.leases[2].duid)
    assert.same({ prefix = "2001:db8:1234:5610::/60", iaid = "6e:12:34:56", starts = 1717043600,
                  preferred = 14400, max_life = 14400 }, r.leases[2].prefixes[1])
  end)

  it("take the prefix of the last lease block, unless it expired", function()
    local p, duid = readers.dhclient_current(LEASES, 1717043600 + 100)
    assert.equal("2001:db8:1234:5610::/60", p)
    assert.equal(DUID, duid)
    local gone, _, why = readers.dhclient_current(LEASES, 1717043600 + 14401)
    assert.is_false(gone)
    assert.matches("expired", why)
    -- a mark: a lease that started before it is not the answer to a rebind
    local stale = readers.dhclient_current(LEASES, 1717043600 + 100, 1717043600 + 50)
    assert.is_false(stale)
  end)

  -- Lease files of the lab (tests/lab: Kea 2.2, dhclient 4.4 -6 -P -D LL),
  -- c2's. rebind: after a gateway reboot c2 rebound with its ...10 as a
  -- hint; Kea gave ...20 and took ...10 back (lifetime 0), listed LAST.
  -- merge: c2 released ...10 (the first block, "released;"), c1 took it,
  -- c2's Solicit asked for it again; Kea gave ...20 and dhclient merged
  -- the old ...10 in FIRST, with its old times.
  local FIX = support.top .. "/tests/fixtures/dhclient/"
  local C2_DUID = "00:03:00:01:02:00:5e:10:00:02"
  local T = 1795443400                  -- soon after the last lease of both files

  it("take the valid prefix that started last, not one the server took back", function()
    local text = assert(support.read(FIX .. "c2-rebind.leases"))
    local r = assert(readers.parse_dhclient(text))
    local last = r.leases[#r.leases]
    assert.equal(2, #last.prefixes)
    assert.same({ "2001:db8:1234:5620::/60", 14400 }, { last.prefixes[1].prefix, last.prefixes[1].max_life })
    assert.same({ "2001:db8:1234:5610::/60", 0 }, { last.prefixes[2].prefix, last.prefixes[2].max_life })
    local p, duid = readers.dhclient_current(text, T)
    assert.equal("2001:db8:1234:5620::/60", p)
    assert.equal(C2_DUID, duid)
    -- the answer to a rebind that started after a release at T - 30
    assert.equal("2001:db8:1234:5620::/60", (readers.dhclient_current(text, T, T - 30)))
    -- every entry taken back: holds none
    local gone, _, why = readers.dhclient_current((text:gsub("max%-life 14400", "max-life 0")), T)
    assert.is_false(gone)
    assert.matches("5620::/60 was taken back by the server %(lifetime 0%)", why)
    local dir = support.tmpdir("pd")
    support.write(dir .. "/l", text)
    local reader = readers.new({ lease_file = dir .. "/l" }, { now = function() return T end })
    assert.equal("2001:db8:1234:5620::/60", (reader:read()))
  end)

  it("take the new prefix, not the old one dhclient merged in first with its old times", function()
    local text = assert(support.read(FIX .. "c2-merge.leases"))
    local r = assert(readers.parse_dhclient(text))
    assert.is_true(r.leases[1].released)
    assert.is_nil(r.leases[2].released)
    assert.same({ "2001:db8:1234:5610::/60", "2001:db8:1234:5620::/60" },
                { r.leases[2].prefixes[1].prefix, r.leases[2].prefixes[2].prefix })
    assert.equal("2001:db8:1234:5620::/60", (readers.dhclient_current(text, T)))
    assert.equal("2001:db8:1234:5620::/60", (readers.dhclient_current(text, T, 1795443354)))
    -- the merged ...10 runs out 5 s before ...20: then ...20 alone, then none
    assert.equal("2001:db8:1234:5620::/60", (readers.dhclient_current(text, 1795443351 + 14403)))
    local gone, _, why = readers.dhclient_current(text, 1795443356 + 14401)
    assert.is_false(gone)
    assert.matches("expired", why)
  end)

  it("read a lease block marked released as holding nothing", function()
    local text = assert(support.read(FIX .. "c2-merge.leases"))
    local first = text:match("^(.-\n}\n)lease6")           -- the DUID and the released block
    assert.truthy(first and first:find("released;", 1, true))
    local v, duid, why = readers.dhclient_current(first, T)
    assert.is_false(v)
    assert.equal(C2_DUID, duid)
    assert.matches("5610::/60 was released", why)
    local real = assert(support.read(FIX .. "released.leases"))
    v, duid, why = readers.dhclient_current(real, T)
    assert.is_false(v)
    assert.equal("00:03:00:01:02:00:5e:10:00:01", duid)
    assert.matches("was released", why)
  end)

  it("read a lease file with only the DUID as holding nothing", function()
    local dir = support.tmpdir("pd")
    support.write(dir .. "/l", 'default-duid "\\000\\003\\000\\001\\002\\000^\\020\\000\\001";\n')
    local v, note, duid = readers.new({ lease_file = dir .. "/l" }):read()
    assert.is_false(v)
    assert.matches("no prefix", note)
    assert.equal("00:03:00:01:02:00:5e:10:00:01", duid)
    support.write(dir .. "/l", LEASES)
    local r = readers.new({ lease_file = dir .. "/l" }, { now = function() return 1717043700 end })
    assert.equal("2001:db8:1234:5610::/60", (r:read()))
    local v2, err = readers.new({ lease_file = dir .. "/missing" }):read()
    assert.is_nil(v2)
    assert.matches("cannot read", err)
  end)

  it("derive the /60 from a Yamaha 'Add IPv6 prefix' syslog line", function()
    local log = table.concat({
      "2024/05/30 10:15:01: [DHCP6C] LAN2 Solicit",
      "2024/05/30 10:15:02: Add IPv6 prefix 2001:db8:1234:5630::/64 (Lifetime: 14400) via LAN1 by DHCPv6",
      "May 30 11:20:03 192.168.100.1 Add IPv6 prefix 2001:db8:1234:5621::/64 (Lifetime: 14400) via LAN3 by DHCPv6",
      "May 30 11:20:04 192.168.100.1 something else", "" }, "\n")
    assert.equal("2001:db8:1234:5621::/64", readers.syslog_last(log, readers.YAMAHA))
    local dir = support.tmpdir("pd")
    support.write(dir .. "/syslog", log)
    local r = readers.new({ syslog = true, file = dir .. "/syslog" })
    assert.equal("2001:db8:1234:5620::/60", (r:read()))
    -- after a mark only new lines count
    local mark = r:mark()
    assert.is_false((r:read(mark)))
    local f = io.open(dir .. "/syslog", "a")
    f:write("Jun  1 01:00:00 192.168.100.1 Add IPv6 prefix 2001:db8:1234:5610::/64 " ..
            "(Lifetime: 14400) via LAN1 by DHCPv6\n")
    f:close()
    assert.equal("2001:db8:1234:5610::/60", (r:read(mark)))
    -- a rotated (shorter) file is read from its start
    support.write(dir .. "/syslog", "x Add IPv6 prefix 2001:db8:1234:5640::/64 (Lifetime: 1) via LAN1 by DHCPv6\n")
    assert.equal("2001:db8:1234:5640::/60", (r:read(mark)))
  end)

  it("match a command's output with the configured pattern", function()
    local out = "Interface: LAN2\n  Prefix: 2001:db8:1234:5620::/60\n  Preferred lifetime: 14400\n"
    assert.equal("2001:db8:1234:5620::/60", readers.command_match(out, "Prefix: (%S+)"))
    assert.is_false(readers.command_match("no binding\n", "Prefix: (%S+)"))
    local r = readers.new({ command = { "printf", "prefix %s\\n", "2001:db8:1234:5630::/60" },
                            pattern = "prefix (%S+)" })
    assert.equal("2001:db8:1234:5630::/60", (r:read()))
    local none = readers.new({ command = "echo prefix none", pattern = "prefix (%x[%x:]*/%d+)" })
    assert.is_false((none:read()))
    local v, err = readers.new({ command = "echo oops >&2; exit 3", pattern = "(x)" }):read()
    assert.is_nil(v)
    assert.matches("exit 3: oops", err)
    local v2, err2 = readers.new({ command = "sleep 5", pattern = "(x)", timeout = 0.5 }):read()
    assert.is_nil(v2)
    assert.matches("timed out", err2)
  end)

  it("run commands through core.run (argv without a shell, a deadline)", function()
    local exec = require "gwkit.pd.exec"
    local r = exec.run({ "printf", "%s|", "a b", "it's" }, 5)
    assert.equal(0, r.status)
    assert.equal("a b|it's|", r.output)
    r = exec.run("echo err >&2; exit 4", 5)
    assert.same({ 4, "err\n", false }, { r.status, r.errors, r.timed_out })
    r = exec.run({ "sleep", "5" }, 1)
    assert.is_true(r.timed_out)
    assert.equal("printf '%s|' 'a b' 'it'\\''s'", exec.describe({ "printf", "%s|", "a b", "it's" }))
  end)

  it("widen addresses and /64s to their /60, and refuse shorter prefixes", function()
    assert.equal(sub(2), readers.widen("2001:DB8:1234:5623::1"))
    assert.equal(sub(2), readers.widen("2001:db8:1234:562f::/64"))
    local p, err = readers.widen("2001:db8:1234:5600::/56")
    assert.is_nil(p)
    assert.matches("shorter than a /60", err)
    assert.is_nil((readers.widen("not-an-address")))
  end)

  it("normalise DUIDs", function()
    assert.equal("00:03:00:01:02:00:5e:10:00:01", readers.duid("0:3:0:1:2:0:5e:10:0:1"))
    assert.equal("00:03:00:01:02:00:5e:10:00:01", readers.duid("000300010200 5E100001"))
    assert.equal("00:03:00:01:02:00:5e:10:00:01", readers.duid("00-03-00-01-02-00-5E-10-00-01"))
    assert.is_nil(readers.duid("00:03:xyz"))
  end)
end)

-- A config file with the fields given (Lua source), in a temporary file.
local function config_file(body)
  local path = support.tmpdir("pdconf") .. "/pd.conf"
  support.write(path, body)
  return path
end

local GOOD = [[
return {
  gateway = { model = "pr600mi", address = "192.168.1.1", password = "pw" },
  clients = {
    { name = "nvr510", index = 1, duid = "00:03:00:01:02:00:5e:10:00:01",
      read = { syslog = true, file = "/var/log/nvr510" },
      release = "ssh nvr510 'ipv6 lan2 dhcp service off'",
      rebind = { "ssh", "nvr510", "ipv6 lan2 dhcp service client" } },
    { name = "debian", index = 2,
      read = { lease_file = "/var/lib/dhcp/dhclient6.eth1.leases" },
      release = "dhclient -6 -P -r eth1", rebind = "dhclient -6 -P -1 eth1",
      rebind_timeout = 20 },
  },
  state_file = "/var/lib/gwkit/pd.state",
  report = { smtp = { server = "192.0.2.25", from = "r@example.jp", to = "a@example.jp" } },
}
]]

describe("the PD monitor's config", function()
  it("loads a good config and fills in the defaults", function()
    local cfg = assert(config.load(config_file(GOOD)))
    assert.equal(2, #cfg.clients)
    assert.equal(60, cfg.clients[1].rebind_timeout)
    assert.equal(20, cfg.clients[2].rebind_timeout)
    assert.equal(30, cfg.clients[1].release_timeout)
    assert.equal("pr600mi", cfg.gateway.model)
  end)

  -- replacement (plain text) -> what the error must say
  local BAD = {
    { 'index = 2,', 'index = 16,', "field 'clients[2].index': must be <= 15, got 16" },
    { 'index = 2,', 'index = 1,', "index 1 is already nvr510's" },
    { 'name = "debian"', 'name = "nvr510"', 'the name "nvr510" is used twice' },
    { 'name = "debian"', 'name = "deb ian"', "field 'clients[2].name': expected a name" },
    { 'rebind_timeout = 20', 'rebind_timeout = "20"', "field 'clients[2].rebind_timeout': expected a number" },
    { 'read = { lease_file', 'read = { command = "x", lease_file', "exactly one of command, lease_file" },
    { 'read = { syslog = true, file = "/var/log/nvr510" }', 'read = { syslog = true }',
      "syslog and file go together" },
    { 'duid = "00:03:00:01:02:00:5e:10:00:01"', 'duid = "zz"', "field 'clients[1].duid': expected hex bytes" },
    { 'release = "dhclient -6 -P -r eth1"', 'release = ""', "field 'clients[2].release': an empty command" },
    { 'password = "pw"', 'pasword = "pw"', "password or password_file expected" },
    { 'state_file =', 'state_flie =', "field 'state_flie': unknown field" },
    { 'report = { smtp', 'report = { outbox = {}, smtp', "one of outbox" },
    { 'to = "a@example.jp"', 'too = "a@example.jp"', "field 'report.smtp.to': missing" },
    { 'clients = {', 'prefix = "2001:db8::/48", clients = {', "field 'prefix': a /56 expected, got /48" },
  }
  for _, case in ipairs(BAD) do
    it("names the file, the line and the field: " .. case[3], function()
      local src = GOOD:gsub(case[1]:gsub("%p", "%%%0"), (case[2]:gsub("%%", "%%%%")), 1)
      assert.is_not.equal(GOOD, src)
      local path = config_file(src)
      local cfg, err, info = config.load(path)
      assert.is_nil(cfg)
      assert.equal("config", info.kind)
      assert.truthy(err:find(case[3], 1, true), err)
      assert.truthy(err:find("config: " .. path, 1, true), err)
    end)
  end

  it("gives the line of a misplaced field", function()
    local src = GOOD:gsub("index = 2,", "index = 0,")
    local _, err = config.load(config_file(src))
    assert.matches("pd%.conf:8: field 'clients%[2%]%.index': must be >= 1", err)
  end)

  it("reads the gateway password from password_file, and says when it cannot", function()
    local dir = support.tmpdir("pdconf")
    support.write(dir .. "/pw", "New-pass 2\n")
    local src = GOOD:gsub('password = "pw"', ('password_file = %q'):format(dir .. "/pw"))
    local cfg = assert(config.load(config_file(src)))
    assert.equal("New-pass 2", cfg.gateway.password)
    assert.is_nil(cfg.gateway.password_file)
    support.write(dir .. "/pw", "")
    local _, err = config.load(config_file(src))
    assert.matches("gateway.password_file': .*is empty", err)
    local _, err2 = config.load("/nonexistent/pd.conf")
    assert.matches("^config: cannot read", err2)
  end)
end)

describe("the PD state file", function()
  it("round-trips and is written only when something changed", function()
    local path = support.tmpdir("pdstate") .. "/state"
    local st, old = state.load(path)
    assert.same({ gateway = {}, clients = {} }, st)
    st.gateway.mac = "00:00:5e:00:53:01"
    st.prefix = "2001:db8:1234:5600::/56"
    st.clients.nvr510 = sub(1)
    assert.is_true(state.save(path, st, old))
    local st2, old2 = state.load(path)
    assert.same(st, st2)
    assert.is_false(state.save(path, st2, old2))
    st2.clients.nvr510 = sub(2)
    assert.is_true(state.save(path, st2, old2))
    assert.equal(sub(2), state.load(path).clients.nvr510)
  end)
end)

-- A gateway and three clients simulated in Lua: the gateway hands out the
-- lowest free /60; a client's command is {"release"|"rebind", name}.
local function simulation(opts)
  opts = opts or {}
  local g = { leases = {}, mac = "00:00:5e:00:53:01", password = "pw", logins = 0,
              ran = {}, clock = 1000, holds = {}, dead = opts.dead or {} }
  local function bind(name)
    local used = {}
    for _, i in pairs(g.leases) do used[i] = true end
    for i = 1, 15 do
      if not used[i] then g.leases[name] = i; g.holds[name] = sub(i); return end
    end
  end
  g.bind = bind
  g.exec = {
    run = function(cmd)
      g.ran[#g.ran + 1] = table.concat(cmd, " ")
      if cmd[1] == "release" then g.leases[cmd[2]] = nil; g.holds[cmd[2]] = nil
      elseif not g.dead[cmd[2]] then bind(cmd[2]) end
      return { status = 0, output = "", errors = "" }
    end,
    now = function() return g.clock end,
    sleep = function(s) g.clock = g.clock + s end,
  }
  g.hgw = { new = function(o)
    local gw = {}
    function gw.discover() return { address = o.address, how = "configured", mac = g.mac } end
    function gw.login()
      g.logins = g.logins + 1
      if o.password == g.password then return true, { scheme = "Digest", password = "current" } end
      return nil, ('hgw: %s rejected user "user" (password changed, or the gateway was reset ' ..
                   'or replaced?)'):format(o.address), { kind = "auth_failed" }
    end
    function gw.status() return { mac = g.mac, prefix = P .. "00::/56" } end
    function gw.identity(_, st) return { mac = st.mac, changed = false } end
    function gw.pd_leases()
      if opts.no_leases then return nil, "hgw: no lease table", { kind = "unsupported" } end
      local rows = {}
      for name, i in pairs(g.leases) do rows[#rows + 1] = { prefix = sub(i), duid = "00:03:00:01:" .. name } end
      return rows
    end
    function gw.close() end
    return gw
  end }
  local dir = support.tmpdir("pdsim")
  local clients = {}
  for i, name in ipairs({ "c1", "c2", "c3" }) do
    clients[i] = { name = name, index = i, rebind_timeout = 5, poll = 1,
      duid = "00:03:00:01:" .. name:gsub(".", function(ch) return ("%02x:"):format(ch:byte()) end):sub(1, -2),
      read = { fn = function() return g.holds[name] or false end },
      release = { "release", name }, rebind = { "rebind", name } }
  end
  -- lease rows carry the same DUID text as the clients
  for _, c in ipairs(clients) do g[c.name .. "_duid"] = c.duid end
  local leases = g.hgw.new
  g.hgw.new = function(o)
    local gw = leases(o)
    local raw = gw.pd_leases
    gw.pd_leases = function(...)
      local rows, err, info = raw(...)
      for _, r in ipairs(rows or {}) do r.duid = g[r.duid:sub(13) .. "_duid"] end
      return rows, err, info
    end
    return gw
  end
  if opts.lease_file then                 -- c3 reads an ISC dhclient lease file
    clients[3].read = { lease_file = dir .. "/c3.leases" }
    support.write(dir .. "/c3.leases", LEASES:gsub("5610::/60", "5630::/60"):gsub("1717043600", "900"))
  end
  if opts.config_order then
    local by = {}
    for _, c in ipairs(clients) do by[c.name] = c end
    clients = {}
    for i, name in ipairs(opts.config_order) do clients[i] = by[name] end
  end
  g.cfg = assert(pd.check_config({ gateway = { address = "192.0.2.1", password = opts.password or "pw" },
    clients = clients, state_file = dir .. "/state", report = opts.report }))
  g.dir = dir
  function g.run(o)
    local lines = {}
    o = o or {}
    o.print = function(l) lines[#lines + 1] = l end
    local mon = pd.new(g.cfg, { hgw = g.hgw, exec = g.exec, now = function() return g.clock end })
    local r, code = mon:run(o)
    return code, table.concat(lines, "\n"), r
  end
  return g
end

describe("a PD monitor run (simulated gateway and clients)", function()
  it("repairs a reshuffle in the designed order, then finds it as designed", function()
    local g = simulation()
    g.bind("c3"); g.bind("c1"); g.bind("c2")
    local code, out = g.run()
    assert.equal(1, code, out)
    assert.same({ "release c3", "release c2", "release c1", "rebind c1", "rebind c2", "rebind c3" }, g.ran)
    assert.matches("repaired", out)
    assert.same({ c1 = 1, c2 = 2, c3 = 3 }, g.leases)
    local st = state.load(g.dir .. "/state")
    assert.equal(sub(2), st.clients.c2)
    assert.equal("00:00:5e:00:53:01", st.gateway.mac)
    assert.equal("fe80::200:5eff:fe00:5301", st.gateway.link_local)
    local before = support.read(g.dir .. "/state")
    g.ran = {}
    code, out = g.run()
    assert.equal(0, code, out)
    assert.same({}, g.ran)
    assert.matches("as designed", out)
    assert.equal(before, support.read(g.dir .. "/state"))
  end)

  it("rebinds in the order of the indices, whatever the order of the config", function()
    local g = simulation({ config_order = { "c3", "c1", "c2" } })
    g.bind("c2"); g.bind("c3"); g.bind("c1")
    local code, out = g.run()
    assert.equal(1, code, out)
    assert.same({ "release c3", "release c2", "release c1", "rebind c1", "rebind c2", "rebind c3" }, g.ran)
    assert.same({ c1 = 1, c2 = 2, c3 = 3 }, g.leases)
  end)

  it("sees a gateway reboot through the lease table though the clients look fine", function()
    local g = simulation()
    g.bind("c1"); g.bind("c2"); g.bind("c3")
    g.leases = {}                               -- reboot: the table is empty
    local code, out = g.run()
    assert.equal(1, code, out)
    assert.matches("gateway has no lease", out)
    assert.same({ c1 = 1, c2 = 2, c3 = 3 }, g.leases)
  end)

  it("stops at the deadline of a client that does not come back and names it", function()
    local g = simulation({ dead = { c2 = true } })
    g.bind("c2"); g.bind("c1"); g.bind("c3")
    local t0 = g.clock
    local code, out = g.run()
    assert.equal(2, code, out)
    assert.matches("rebind  c2 .*did NOT get " .. sub(2):gsub("%p", "%%%0") .. " within 5 s", out)
    assert.matches("could not repair: c2", out)
    assert.is_true(g.clock - t0 <= 5 + 1)       -- c2's deadline; c1 and c3 came at once
    assert.same({ "release c3", "release c2", "release c1", "rebind c1", "rebind c2", "rebind c3" }, g.ran)
  end)

  it("does not take a lease from before the release for the rebind's answer", function()
    local g = simulation({ dead = { c3 = true }, no_leases = true, lease_file = true })
    g.bind("c2"); g.bind("c1")                  -- c1 on ...20, c2 on ...10, c3's file: ...30
    local code, out = g.run()
    assert.equal(2, code, out)
    assert.matches("rebind  c3 .*did NOT get " .. sub(3):gsub("%p", "%%%0") ..
                   " within 5 s %(holds no prefix%)", out)
    assert.matches("c3%s+%S+%s+%-%s+missing", out:match("after the repair:(.*)$"))
    assert.matches("could not repair: c3", out)
  end)

  it("reports a refused password as such, once, and exits 3", function()
    local g = simulation({ password = "old" })
    local code, out = g.run()
    assert.equal(3, code)
    assert.matches('rejected user "user" %(password changed', out)
    assert.matches("HTTP 401", out)
    assert.equal(1, g.logins)
    assert.same({}, g.ran)
  end)

  it("mails a problem once (queued in the outbox when the server is down) and the all-clear", function()
    local box = support.tmpdir("pdbox")
    local g = simulation({ password = "old", report = { outbox = { dir = box, from = "r@example.test",
      to = { "a@example.test" }, routes = { { smtp = { server = "127.0.0.1", port = 9, timeout = 2 } } } } } })
    g.bind("c1"); g.bind("c2"); g.bind("c3")
    local code, out = g.run()
    assert.equal(3, code)
    assert.matches("report queued in the outbox", out)
    local queued = support.read(box .. "/q/" .. io.popen("ls " .. box .. "/q"):read("*l"))
    assert.matches("Subject: gwkit pd%-monitor: cannot reach or log in to the gateway", queued)
    assert.matches('rejected user "user"', queued)
    assert.equal("exit 3", state.load(g.dir .. "/state").problem)
    code, out = g.run()                             -- the same problem: not mailed again
    assert.equal(3, code)
    assert.is_nil(out:find("report", 1, true))
    g.cfg.gateway.password = "pw"                   -- fixed
    code, out = g.run()
    assert.equal(0, code, out)
    assert.matches("report queued", out)            -- the all-clear
    assert.is_nil(state.load(g.dir .. "/state").problem)
  end)

  it("shows the plan with the exact commands on a dry run and runs none", function()
    local g = simulation()
    g.bind("c2"); g.bind("c1"); g.bind("c3")
    local code, out = g.run({ dry_run = true })
    assert.equal(1, code)
    assert.same({}, g.ran)
    assert.matches("1%. release c3%s+release c3", out)
    assert.matches("4%. rebind%s+c1%s+rebind c1%s+%(then wait up to 5 s for " ..
                   sub(1):gsub("%p", "%%%0"), out)
    assert.matches("dry run: nothing was run", out)
    assert.is_nil(support.read(g.dir .. "/state"))
  end)

  it("after a replacement without a lease table rebinds every client", function()
    local g = simulation({ no_leases = true })
    g.bind("c1"); g.bind("c2"); g.bind("c3")
    local code, out = g.run()
    assert.equal(0, code, out)
    g.mac = "00:00:5e:00:53:11"
    g.leases = {}
    code, out = g.run({ after_replace = true })
    assert.equal(1, code, out)
    assert.matches("gateway MAC changed 00:00:5e:00:53:01 %-> 00:00:5e:00:53:11", out)
    assert.matches("fe80::200:5eff:fe00:5301 %-> fe80::200:5eff:fe00:5311", out)
    assert.matches("2001:db8:1234:5600:200:5eff:fe00:5301 %-> 2001:db8:1234:5600:200:5eff:fe00:5311", out)
    assert.matches("rebinding every client", out)
    assert.same({ c1 = 1, c2 = 2, c3 = 3 }, g.leases)
    assert.equal("00:00:5e:00:53:11", state.load(g.dir .. "/state").gateway.mac)
  end)
end)
