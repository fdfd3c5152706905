-- scripts/pd-monitor end to end against the emulated PR-600MI
-- (tests/servers/hgw_emu.py) and three emulated client routers
-- (hgw_client.py, driven by the commands of the config): drift repaired in
-- the designed order, a gateway reboot, a gateway replacement (new MAC,
-- new password: reported, a bounded number of login attempts, then
-- --after-replace), a client that never comes back, --dry-run, and the
-- report mailed into the real Postfix.
local support = require "support"
local hs = require "hgw_support"

local LUA = os.getenv("GWKIT_LUA") or "lua5.1"
local MAC1, MAC2 = "00:00:5e:00:53:01", "00:00:5e:00:53:21"
local NAMES = { "c1", "c2", "c3" }
local P = "2001:db8:1234:56"
local function sub(i) return ("%s%x0::/60"):format(P, i) end
local function duid(i) return ("00:03:00:01:02:00:5e:10:00:%02x"):format(i) end

local lua = support.lua_source

-- A test bed: the emulator, a neighbour table file (what `ip neigh` would
-- show: the gateway's MAC), and a config writer.
local function bed()
  local emu = hs.start{ mac = MAC1, lifetime = 300 }
  local b = { emu = emu, dir = emu.dir, runs = 0 }
  function b.neighbour(mac)
    support.write(b.dir .. "/neigh", ("%s dev lo lladdr %s router REACHABLE\n"):format(emu.address, mac))
  end
  b.neighbour(MAC1)
  function b.client_opts(name)
    local i = tonumber(name:match("%d+"))
    return { duid = duid(i), state = b.dir .. "/" .. name .. ".state" }
  end
  function b.cmd(name, verb) return emu.client_command(name, verb, b.client_opts(name)) end
  function b.bind(...)
    for _, name in ipairs({ ... }) do
      local rc, out = emu.client(name, "bind", b.client_opts(name))
      assert(rc == 0, out)
    end
  end
  -- Writes a config; o.password, o.address, o.discover, o.rebind (name ->
  -- command), o.report. Returns its path.
  function b.config(o)
    o = o or {}
    local pw = b.dir .. "/gw-password"
    support.write(pw, (o.password or emu.password) .. "\n")
    local clients = {}
    for i, name in ipairs(NAMES) do
      clients[i] = { name = name, index = i, duid = duid(i),
        read = { command = b.cmd(name, "show"), pattern = "prefix (%x[%x:]*/%d+)" },
        release = b.cmd(name, "release"), rebind = (o.rebind or {})[name] or b.cmd(name, "bind"),
        rebind_timeout = 4, poll = 0.2 }
    end
    local t = { gateway = { model = "pr600mi", address = o.address or emu.address, password_file = pw,
                            previous_passwords = o.previous_passwords,
                            discover = o.discover or { "neighbours" },
                            neigh_command = { "cat", b.dir .. "/neigh" },
                            max_logins_per_hour = 3, timeout = 5 },
                clients = clients, state_file = b.dir .. "/pd.state", report = o.report }
    local path = b.dir .. "/pd.conf"
    support.write(path, "-- pd-monitor test config\nreturn " .. lua(t) .. "\n")
    return path
  end
  -- Runs scripts/pd-monitor; returns the exit status and the output.
  function b.run(conf, args)
    b.runs = b.runs + 1
    local out = ("%s/run%d.out"):format(b.dir, b.runs)
    support.sh(("%s %s/scripts/pd-monitor -c %s %s >%s 2>&1; echo $? >%s.rc")
      :format(LUA, support.top, conf, args or "", out, out))
    return tonumber(support.read(out .. ".rc")), support.read(out) or ""
  end
  -- The emulator's lease table: client -> prefix.
  function b.leases()
    local t = {}
    for _, l in ipairs(emu.state().leases) do t[l.client] = l.prefix end
    return t
  end
  -- The clients of the control requests (solicit, release) from record n on.
  function b.controls(op, from)
    local out = {}
    for i, r in ipairs(emu.records()) do
      if i >= (from or 1) and r.target == "/__emu/" .. op then
        out[#out + 1] = (r.control or ""):gsub('"', "")
      end
    end
    return out
  end
  return b
end

local DESIGN = { c1 = sub(1), c2 = sub(2), c3 = sub(3) }

describe("pd-monitor against the emulated gateway", function()
  local beds = {}
  local function new_bed()
    local b = bed()
    beds[#beds + 1] = b
    return b
  end
  teardown(function()
    for _, b in ipairs(beds) do b.emu.stop() end
  end)

  it("repairs clients bound in the wrong order, then finds them as designed", function()
    local b = new_bed()
    b.bind("c2", "c3", "c1")
    assert.same({ c2 = sub(1), c3 = sub(2), c1 = sub(3) }, b.leases())
    local conf = b.config()
    local from = #b.emu.records() + 1
    local code, out = b.run(conf)
    assert.equal(1, code, out)
    assert.matches("c1%s+" .. sub(1):gsub("%p", "%%%0") .. "%s+" .. sub(3):gsub("%p", "%%%0") .. "%s+drift", out)
    assert.matches("\nrepaired\n", out)
    assert.same(DESIGN, b.leases())
    assert.same({ "c3", "c2", "c1" }, b.controls("release", from))
    assert.same({ "c1", "c2", "c3" }, b.controls("solicit", from))
    assert.equal(0, b.emu.state().crashes)       -- never several prefixes in one request
    code, out = b.run(conf)
    assert.equal(0, code, out)
    assert.matches("\nas designed\n", out)
  end)

  it("after a gateway reboot repairs the shuffled rebinds in the designed order", function()
    local b = new_bed()
    b.bind("c1", "c2", "c3")
    local conf = b.config()
    local code, out = b.run(conf)
    assert.equal(0, code, out)
    assert.equal(200, (b.emu.control("reboot")))
    b.bind("c3", "c1", "c2")                      -- they come back in another order
    assert.same({ c3 = sub(1), c1 = sub(2), c2 = sub(3) }, b.leases())
    local from = #b.emu.records() + 1
    code, out = b.run(conf)
    assert.equal(1, code, out)
    assert.same({ "c1", "c2", "c3" }, b.controls("solicit", from))
    assert.same(DESIGN, b.leases())
  end)

  it("after a reboot that emptied the lease table trusts the table over the clients", function()
    local b = new_bed()
    b.bind("c1", "c2", "c3")
    local conf = b.config()
    assert.equal(0, (b.run(conf)))
    b.emu.control("reboot")                       -- the clients still show their old /60s
    local code, out = b.run(conf)
    assert.equal(1, code, out)
    assert.matches("the gateway has no lease for it", out)
    assert.same(DESIGN, b.leases())
  end)

  it("after a replacement reports the MAC change and the 401, within the login limit," ..
     " then --after-replace restores the design", function()
    local b = new_bed()
    b.bind("c1", "c2", "c3")
    local old_conf = b.config()
    local emu_old_password = b.emu.password
    assert.equal(0, (b.run(old_conf)))
    assert.equal(200, (b.emu.control("replace", { mac = MAC2, password = "New-pass 2" })))
    b.neighbour(MAC2)                             -- what ARP/NDP shows now
    local outs = {}
    for i = 1, 4 do
      local code, out = b.run(old_conf)
      assert.equal(3, code, out)
      outs[i] = out
    end
    local out = outs[1]
    assert.matches("gateway MAC changed " .. MAC1 .. " %-> " .. MAC2, out)
    assert.matches("fe80::200:5eff:fe00:5301 %-> fe80::200:5eff:fe00:5321", out)
    assert.matches('rejected user "user" %(password changed, or the gateway was reset or replaced%?%)', out)
    assert.matches("HTTP 401", out)
    assert.matches("login not attempted: 3 failed logins in the last hour", outs[4])
    assert.is_true(b.emu.state().failed_logins <= 3)
    -- The new password among the previous ones, and a stale configured
    -- address: the gateway is found by its neighbour entry.
    local conf = b.config{ password = emu_old_password, previous_passwords = { "New-pass 2" },
                           address = "127.0.0.1:1", discover = { "address", "neighbours" } }
    local code
    code, out = b.run(conf, "--after-replace")
    assert.equal(1, code, out)
    assert.matches("found by neighbour", out)
    assert.matches("logged in %(Digest, previous #1 password%)", out)
    assert.matches("the previous #1 password worked: put it in gateway.password", out)
    assert.is_true(b.emu.state().failed_logins <= 4)     -- one more: the old password, once
    assert.matches("gateway MAC changed " .. MAC1 .. " %-> " .. MAC2, out)
    assert.matches("2001:db8:1234:5600:200:5eff:fe00:5301 %-> 2001:db8:1234:5600:200:5eff:fe00:5321", out)
    assert.same(DESIGN, b.leases())
    conf = b.config{ password = "New-pass 2", discover = { "address", "neighbours" } }
    code, out = b.run(conf)
    assert.equal(0, code, out)
    assert.is_nil(out:find("MAC changed", 1, true))
  end)

  it("stops at the deadline of a client whose rebind gets no prefix and names it", function()
    local b = new_bed()
    b.bind("c3", "c1", "c2")
    local conf = b.config{ rebind = { c2 = "true" } }    -- a command that does nothing
    local code, out = b.run(conf)
    assert.equal(2, code, out)
    assert.matches("rebind  c2 .*did NOT get " .. sub(2):gsub("%p", "%%%0") .. " within 4 s", out)
    assert.matches("could not repair: c2", out)
    local l = b.leases()
    assert.equal(sub(1), l.c1)
    assert.is_nil(l.c2)
    assert.equal(sub(2), l.c3)                    -- rebound all the same: not left without a prefix
  end)

  it("--dry-run prints the plan and runs no command", function()
    local b = new_bed()
    b.bind("c2", "c1", "c3")
    local conf = b.config()
    local before, from = b.leases(), #b.emu.records() + 1
    local code, out = b.run(conf, "--dry-run")
    assert.equal(1, code, out)
    assert.same(before, b.leases())
    assert.same({}, b.controls("solicit", from))
    assert.same({}, b.controls("release", from))
    assert.truthy(out:find("1. release c3         " .. b.cmd("c3", "release"), 1, true), out)
    assert.truthy(out:find("4. rebind  c1         " .. b.cmd("c1", "bind"), 1, true), out)
    assert.matches("dry run: nothing was run", out)
    assert.is_nil(support.read(b.dir .. "/pd.state"))
  end)
end)

describe("pd-monitor's command line", function()
  local function run(args)
    local out = support.tmpdir("pdcli") .. "/out"
    support.sh(("%s %s/scripts/pd-monitor %s >%s 2>&1; echo $? >%s.rc")
      :format(LUA, support.top, args, out, out))
    return tonumber(support.read(out .. ".rc")), support.read(out) or ""
  end

  it("documents the exit statuses in --help", function()
    local code, out = run("--help")
    assert.equal(0, code)
    for _, line in ipairs({ "0   as designed", "1   repaired", "2   could not repair",
                            "3   cannot reach or log in", "64  usage error", "78  configuration error",
                            "--dry-run", "--after-replace" }) do
      assert.truthy(out:find(line, 1, true), line)
    end
  end)

  it("exits 64 on a usage error and 78 on a config error naming the field", function()
    local code, out = run("--bogus")
    assert.equal(64, code)
    assert.matches("unknown argument %-%-bogus", out)
    code, out = run("-c")
    assert.equal(64, code)
    assert.matches("%-c needs a file", out)
    local dir = support.tmpdir("pdcli")
    support.write(dir .. "/pd.conf", 'return {\n  gateway = { password = "x" },\n  clients = {\n' ..
      '    { name = "a", index = 1, read = { lease_file = "/x" }, release = "true", rebind = "true" },\n' ..
      '    { name = "b", index = 16, read = { lease_file = "/y" }, release = "true", rebind = "true" },\n' ..
      '  },\n}\n')
    code, out = run("-c " .. dir .. "/pd.conf")
    assert.equal(78, code)
    assert.matches("pd%.conf:5: field 'clients%[2%]%.index': must be <= 15, got 16", out)
    support.write(dir .. "/pd.conf", 'return { gateway = { password = "x", colour = "red" }, clients = {\n' ..
      '  { name = "a", index = 1, read = { lease_file = "/x" }, release = "true", rebind = "true" } } }\n')
    code, out = run("-c " .. dir .. "/pd.conf")
    assert.equal(78, code)
    assert.matches("bad field 'colour'", out)
    code, out = run("-c " .. dir .. "/missing.conf")
    assert.equal(78, code)
    assert.matches("cannot read", out)
  end)
end)

describe("pd-monitor's report", function()
  local env, b
  setup(function() env = support.mailstack_start() end)
  teardown(function()
    if b then b.emu.stop() end
    support.mailstack_stop(env)
  end)

  it("is mailed once into the real mail stack after a repair", function()
    support.sh("rm -rf " .. env.MAILDIR .. "/carol/*")
    b = bed()
    b.bind("c3", "c2", "c1")
    local conf = b.config{ report = { smtp = { server = env.HOST4, port = tonumber(env.SUBMISSION_PORT),
      cafile = env.CAFILE, user = env.USER1, password = env.PASS1, from = env.USER1, to = env.RCPT3,
      timeout = 10 }, subject = "router5" } }
    local code, out = b.run(conf)
    assert.equal(1, code, out)
    assert.matches("report mailed", out)
    local files = support.mailbox(env, "carol", 1)
    assert.equal(1, #files)
    local mail = support.read(files[1])
    assert.matches("\nSubject: router5: repaired", mail)
    assert.matches("c1%s+" .. sub(1):gsub("%p", "%%%0") .. "%s+" .. sub(3):gsub("%p", "%%%0") .. "%s+drift", mail)
    assert.matches("rebind  c1", mail)
    code, out = b.run(conf)                       -- as designed: nothing to mail
    assert.equal(0, code, out)
    assert.is_nil(out:find("report", 1, true))
    support.sh("sleep 1")
    assert.equal(1, #support.mailbox(env, "carol", 1))
  end)
end)
