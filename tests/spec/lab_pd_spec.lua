-- scripts/pd-monitor in the DHCPv6-PD lab (tests/lab/lab.sh): a real Kea
-- 2.2 delegating /60s first come, first served, real ISC dhclient client
-- routers, each in a network namespace, the gateway's web UI (PD table
-- read from Kea's lease file) behind Digest. The monitor runs in the lab's
-- `mon` namespace and reaches the gateway over IPv6 as on a LAN; its
-- config is the README's for ISC dhclient clients, with `ip netns exec
-- <client>` where the README has ssh: release `dhclient -r`, rebind
-- "forget the old prefix (keep the DUID), dhclient -1", c1 and c2 read
-- their lease files, c3 through a command. The four scenarios of issue 9:
-- drift, a gateway reboot, a gateway replacement, a client that does not
-- come back (its report mailed into a real Postfix in the `mon` namespace).
--
-- One thing in the commands is the lab's and not a client's: Kea 2.2's
-- allocator goes on from the last prefix it gave, where the gateway being
-- emulated hands out the lowest free /60; `lab.sh kea-restart` (Kea
-- restarted, its leases kept) before each rebind makes Kea do the same.
local lab = require "lab"
local support = require "support"

local why = lab.unavailable()
if why then
  describe("pd-monitor in the DHCPv6-PD lab", function()
    it("repairs drift, a reboot, a replacement and reports a dead client", function()
      pending("lab: " .. why)
    end)
  end)
  return
end

local LUA = os.getenv("GWKIT_LUA") or "lua5.1"
local q = lab.quote
local P = "2001:db8:1234:56"
local function p60(i) return ("%s%x0::/60"):format(P, i) end
local function pat(s) return (s:gsub("%p", "%%%0")) end
local DESIGN = { c1 = p60(1), c2 = p60(2), c3 = p60(3) }
local NEW_MAC, NEW_PASSWORD = "02:00:5e:10:00:fd", "new-Pass 2"

-- Lua source for a value (strings, numbers, booleans, tables).
local function lua(v)
  if type(v) == "string" then return ("%q"):format(v) end
  if type(v) ~= "table" then return tostring(v) end
  local parts = {}
  for i, x in ipairs(v) do parts[i] = lua(x) end
  local keys = {}
  for k in pairs(v) do if type(k) == "string" then keys[#keys + 1] = k end end
  table.sort(keys)
  for _, k in ipairs(keys) do parts[#parts + 1] = k .. " = " .. lua(v[k]) end
  return "{ " .. table.concat(parts, ", ") .. " }"
end

-- The README's awk: in the last lease6 block (none when released), the
-- valid iaprefix that started last, printed as "prefix P".
local AWK = [[awk -v now="$(date +%s)" '
  $1 == "lease6" { best = ""; bst = -1; rel = 0; cur = "" }
  $1 == "iaprefix" { cur = $2; st = 0 }
  $1 == "starts" && cur != "" { st = $2 + 0 }
  $1 == "max-life" && cur != "" {
    if ($2 + 0 > 0 && st + $2 > now && st >= bst) { best = cur; bst = st }
    cur = "" }
  $1 == "released;" { rel = 1 }
  END { if (!rel && best != "") print "prefix " best }' ]]

-- A client's read, release and rebind as the README writes them, with
-- `ip netns exec NS sh -c` for ssh, and the lab's own dhclient options
-- (-D LL: a DUID-LL of its fixed MAC; -cf/-sf: the lab's do-nothing
-- config and script; output to the client's dhclient.out).
local function client(L, name, o)
  local u = name:upper()
  local ns, leases, pid = L["NS_" .. u], L["LEASES_" .. u], L["PID_" .. u]
  local function remote(cmd) return { "ip", "netns", "exec", ns, "sh", "-c", cmd } end
  local dhclient = ("dhclient -6 -P -D LL -cf %s -lf %s -pf %s -sf %s -e GWLAB_EVENTS=%s"):format(
    q(L.dir .. "/dhclient.conf"), q(leases), q(pid), q(L.dir .. "/dhclient-script"),
    q(L["EVENTS_" .. u]))
  local function run(flag)
    return ("%s %s wan0 </dev/null >>%s 2>&1"):format(dhclient, flag,
      q(L.dir .. "/clients/" .. name .. "/dhclient.out"))
  end
  local forget = ("grep '^default-duid' %s >%s.tmp; mv %s.tmp %s; "):format(q(leases), q(leases),
    q(leases), q(leases))
  local words = {}
  for i, w in ipairs(remote(forget .. "exec " .. run("-1"))) do words[i] = q(w) end
  local c = { name = name, index = tonumber(name:match("%d+")), mac = L["MAC_" .. u],
    release = remote(run("-r")),
    rebind = ("env GWLAB_DIR=%s sh %s kea-restart >>%s 2>&1 && %s"):format(q(L.dir),
      q(lab.script), q(L.dir .. "/kea-restart.out"), table.concat(words, " ")),
    release_timeout = 10, rebind_timeout = (o.rebind_timeout or {})[name] or 30, poll = 0.2 }
  if name == "c3" then
    c.read = { command = remote(AWK .. q(leases)), pattern = "prefix (%x[%x:]*/%d+)" }
  else
    c.read = { lease_file = leases }
  end
  return c
end

local function env_of(text)
  local t = {}
  for k, v in text:gmatch("([A-Z][A-Z0-9_]*)=([^\n]*)") do t[k] = v end
  return t
end

describe("pd-monitor in the DHCPv6-PD lab (Kea 2.2, ISC dhclient, namespaces)", function()
  local L
  local runs = 0

  setup(function()
    L = lab.start{ lifetime = 600, bind_timeout = 15 }
  end)

  teardown(function()
    lab.stop(L)
  end)

  -- Every client up, stopped, without a lease and without a prefix hint
  -- (its DUID kept); Kea restarted with an empty lease table.
  local function fresh(...)
    local ok, text = lab.cmd(L, "env")     -- the gateway's addresses as they are now
    assert(ok, text)
    for k, v in pairs(env_of(text)) do L[k] = v end
    for _, c in ipairs(L.clients) do
      assert(lab.link(L, c, "up"))
      assert(lab.forget(L, c))
    end
    assert(lab.kea_reset(L))
    for _, c in ipairs({ ... }) do
      local prefix, out = lab.bind(L, c)
      assert(prefix, out)
    end
  end

  -- A config in a directory of its own (state files, password file);
  -- o.password, o.previous_passwords, o.report, o.rebind_timeout.
  local function config(tag, o)
    local dir = L.dir .. "/pdmon-" .. tag
    assert(support.sh("mkdir -p " .. q(dir)))
    local clients = {}
    for i, name in ipairs(L.clients) do clients[i] = client(L, name, o) end
    local t = { gateway = { model = "pr600mi", address = L.GW_ADDR, user = "user",
                            password_file = dir .. "/gw.password",
                            previous_passwords = o.previous_passwords,
                            discover = { "address", "routes", "neighbours" }, timeout = 5 },
                state_file = dir .. "/pd.state", clients = clients, report = o.report }
    support.write(dir .. "/gw.password", (o.password or support.read(L.WEBUI_PASSWORD_FILE)) .. "\n")
    support.write(dir .. "/pd.conf", "-- pd-monitor config of lab_pd_spec\nreturn " .. lua(t) .. "\n")
    return dir .. "/pd.conf", dir
  end

  -- scripts/pd-monitor in the monitor's namespace: exit status, output.
  local function monitor(conf, args)
    runs = runs + 1
    local out = ("%s/pdmon-run%d.out"):format(L.dir, runs)
    support.sh(("ip netns exec %s %s %s/scripts/pd-monitor -c %s %s >%s 2>&1 </dev/null; echo $? >%s.rc")
      :format(q(L.NS_MON), LUA, q(support.top), q(conf), args or "", q(out), q(out)))
    return tonumber(support.read(out .. ".rc")), support.read(out) or ""
  end

  -- The gateway's PD table as its web UI shows it to the monitor's
  -- namespace (gwkit.http, Digest): prefix -> the row's text.
  local function page()
    local code = ([[
      local http = require "gwkit.http"
      local f = assert(io.open(%q))
      local pw = f:read("*l")
      f:close()
      local res, err = http.request{ url = %q, user = "user", password = pw, timeout = 10 }
      print("status " .. tostring(res and res.status or err))
      io.write(res and res.body or "")
    ]]):format(L.WEBUI_PASSWORD_FILE, L.WEBUI_URL .. "ntt/information/dhcpV6Server")
    local ok, out = lab.lua_in(L, "mon", code)
    assert(ok and out:find("status 200\n", 1, true), out)
    local rows = {}
    for row in out:gmatch("<tr>(.-)</tr>") do
      local prefix = row:match("(2001:db8:[%x:]+/60)")
      if prefix then rows[prefix] = row end
    end
    return rows
  end

  -- The design everywhere: each client's own lease file, Kea's lease
  -- file (exactly these leases, each to the client's DUID) and the page.
  local function assert_design()
    local list, kea = lab.kea_leases(L)
    local rows, n = page(), 0
    for name, prefix in pairs(DESIGN) do
      local duid = lab.client_duid(L, name)
      assert.equal(prefix, lab.client_prefix(L, name))
      assert.equal(duid, kea[prefix] and kea[prefix].duid)
      assert.truthy(rows[prefix] and rows[prefix]:find(duid, 1, true), prefix .. " on the page")
      n = n + 1
    end
    assert.equal(n, #list)
    local m = 0
    for _ in pairs(rows) do m = m + 1 end
    assert.equal(n, m)
  end

  -- Kea's log from byte `from`: the clients, in order, of its PD
  -- allocations (DHCP6_PD_LEASE_ALLOC) and releases (DHCP6_RELEASE_PD).
  local function kea_events(from)
    local by = {}
    for _, c in ipairs(L.clients) do by[lab.client_duid(L, c)] = c end
    local text = (support.read(L.KEA_LOG) or ""):sub(from + 1)
    local alloc, released = {}, {}
    for line in text:gmatch("[^\n]+") do
      local duid = line:match("duid=%[([%x:]+)%]")
      if line:find("DHCP6_PD_LEASE_ALLOC", 1, true) then
        alloc[#alloc + 1] = (by[duid] or "?") .. " " .. (line:match("prefix (%S+/60)") or "?")
      elseif line:find("DHCP6_RELEASE_PD ", 1, true) then
        released[#released + 1] = by[duid] or "?"
      end
    end
    return alloc, released
  end

  local function log_size() return #(support.read(L.KEA_LOG) or "") end

  -- The steps the run printed: "release c3", ..., "rebind c1", ...
  local function steps(out)
    local list = {}
    for op, name in out:gmatch("\n(re%a+) +(%S+) ") do
      if op == "release" or op == "rebind" then list[#list + 1] = op .. " " .. name end
    end
    return list
  end

  it("repairs clients bound in the wrong order: released in reverse, rebound in the designed order", function()
    fresh("c2", "c1", "c3")
    assert.same({ p60(2), p60(1), p60(3) },
      { lab.client_prefix(L, "c1"), lab.client_prefix(L, "c2"), lab.client_prefix(L, "c3") })
    local conf = config("drift", {})
    local from = log_size()
    local code, out = monitor(conf)
    assert.equal(1, code, out)
    assert.matches("c1%s+" .. pat(p60(1)) .. "%s+" .. pat(p60(2)) .. "%s+drift", out)
    assert.matches("c2%s+" .. pat(p60(2)) .. "%s+" .. pat(p60(1)) .. "%s+drift", out)
    assert.same({ "release c3", "release c2", "release c1", "rebind c1", "rebind c2", "rebind c3" },
      steps(out))
    assert.matches("\nrepaired\n", out)
    -- What Kea itself saw: the releases, then one allocation at a time.
    local alloc, released = kea_events(from)
    assert.same({ "c3", "c2", "c1" }, released)
    assert.same({ "c1 " .. p60(1), "c2 " .. p60(2), "c3 " .. p60(3) }, alloc)
    assert_design()
    code, out = monitor(conf)
    assert.equal(0, code, out)
    assert.matches("\nas designed\n", out)
  end)

  it("after a gateway reboot (empty lease table) notices the table no longer matches and restores it", function()
    fresh("c1", "c2", "c3")
    local conf = config("reboot", {})
    local code, out = monitor(conf)
    assert.equal(0, code, out)
    assert(lab.kea_reset(L))
    assert.same({}, (lab.kea_leases(L)))
    assert.equal(p60(1), lab.client_prefix(L, "c1"))        -- the clients do not know
    local from = log_size()
    code, out = monitor(conf)
    assert.equal(1, code, out)
    for name, prefix in pairs(DESIGN) do
      assert.matches(name .. "%s+" .. pat(prefix) .. "%s+" .. pat(prefix) ..
        "%s+missing%s+%(the gateway has no lease for it", out)
    end
    assert.matches("\nrepaired\n", out)
    assert.same({ "c1 " .. p60(1), "c2 " .. p60(2), "c3 " .. p60(3) }, (kea_events(from)))
    assert_design()
    code, out = monitor(conf)
    assert.equal(0, code, out)
  end)

  it("after a gateway replacement reports the new MAC and the 401 once, then --after-replace restores the design",
    function()
    fresh("c1", "c2", "c3")
    local conf, dir = config("replace", { previous_passwords = { "an-older-one" } })
    local code, out = monitor(conf)
    assert.equal(0, code, out)
    local old = { mac = L.GW_MAC, addr = L.GW_ADDR, ll = L.GW_LL }
    local ok, text = lab.cmd(L, "gw-replace", NEW_MAC, NEW_PASSWORD)
    assert(ok, text)
    for k, v in pairs(env_of(text)) do L[k] = v end
    assert.equal(NEW_MAC, L.GW_MAC)
    assert.equal("fe80::5eff:fe10:fd", L.GW_LL)
    assert.equal(P .. "00:0:5eff:fe10:fd", L.GW_ADDR)
    assert.same({}, (lab.kea_leases(L)))
    -- The configured address was the old gateway's: found by the route.
    code, out = monitor(conf)
    assert.equal(3, code, out)
    assert.matches("gateway: " .. pat(L.GW_LL) .. "%%wan0 %(found by route%), MAC " .. pat(NEW_MAC), out)
    assert.matches("gateway MAC changed " .. pat(old.mac) .. " %-> " .. pat(NEW_MAC), out)
    assert.matches("link%-local%s+" .. pat(old.ll) .. " %-> " .. pat(L.GW_LL), out)
    assert.matches("EUI%-64%s+" .. pat(old.addr) .. " %-> " .. pat(L.GW_ADDR), out)
    assert.matches("was the gateway replaced%? then: pd%-monitor %-%-after%-replace", out)
    assert.matches('rejected user "user" %(password changed, or the gateway was reset or replaced%?%)', out)
    assert.matches("HTTP 401", out)
    -- Each configured password tried once: two failed logins, no loop.
    local failed = 0
    for line in (support.read(L.WEBUI_LOG) or ""):gmatch("[^\n]+") do
      if line:find(" R ", 1, true) and line:find("verdict=bad%-password") then failed = failed + 1 end
    end
    assert.equal(2, failed)
    for name, prefix in pairs(DESIGN) do                  -- nothing was touched
      assert.equal(prefix, lab.client_prefix(L, name))
    end
    -- The admin puts the new password in and runs --after-replace.
    support.write(dir .. "/gw.password", NEW_PASSWORD .. "\n")
    code, out = monitor(conf, "--after-replace")
    assert.equal(1, code, out)
    assert.matches("found by route", out)
    assert.matches("logged in %(Digest, current password%)", out)
    assert.matches("gateway MAC changed " .. pat(old.mac) .. " %-> " .. pat(NEW_MAC), out)
    assert.matches("c1%s+" .. pat(p60(1)) .. "%s+" .. pat(p60(1)) .. "%s+missing", out)
    assert.matches("\nrepaired\n", out)
    assert_design()
    failed = 0
    for line in (support.read(L.WEBUI_LOG) or ""):gmatch("[^\n]+") do
      if line:find("verdict=bad%-password") then failed = failed + 1 end
    end
    assert.equal(2, failed)
    code, out = monitor(conf)
    assert.equal(0, code, out)
    assert.is_nil(out:find("MAC changed", 1, true))
  end)

  it("stops at the deadline of a client that does not come back, names it, exits 2 and mails the report",
    function()
    -- The real mail stack (Postfix + Dovecot) inside the monitor's
    -- namespace, on its own loopback: where the monitor's mail can go.
    local base = support.tmpdir("labmail")
    assert(support.sh("chmod 755 " .. q(base)))
    local mail = base .. "/stack"
    finally(function()
      support.sh(("ip netns exec %s bash %s/tests/servers/mailstack.sh stop %s >/dev/null 2>&1")
        :format(q(L.NS_MON), q(support.top), q(mail)))
      support.sh("rm -rf " .. q(base))
      lab.link(L, "c2", "up")
    end)
    assert(support.sh(("ip netns exec %s env MAILSTACK_LIFETIME=300 bash %s/tests/servers/mailstack.sh" ..
      " start %s >%s/start.out 2>&1"):format(q(L.NS_MON), q(support.top), q(mail), q(base))),
      support.read(base .. "/start.out"))
    local env = env_of(support.read(mail .. "/env") or "")
    fresh("c1", "c3", "c2")
    assert.same({ p60(1), p60(3), p60(2) },
      { lab.client_prefix(L, "c1"), lab.client_prefix(L, "c2"), lab.client_prefix(L, "c3") })
    assert(lab.link(L, "c2", "down"))
    local conf = config("dead", { rebind_timeout = { c2 = 15 }, report = { subject = "lab",
      smtp = { server = env.HOST4, port = tonumber(env.SUBMISSION_PORT), cafile = env.CAFILE,
               user = env.USER1, password = env.PASS1, from = env.USER1, to = env.RCPT3, timeout = 10 } } })
    local code, out = monitor(conf)
    assert.equal(2, code, out)
    assert.matches("plan: keep c1; release c3, c2; then rebind one at a time: c2, c3", out)
    assert.matches("\nrebind  c2 .*did NOT get " .. pat(p60(2)) .. " within 15 s", out)
    -- c3 is rebound all the same, to the lowest free /60 (Kea still
    -- leases c2's old one: its Release never arrived).
    assert.matches("\nrebind  c3 .*holds " .. pat(p60(2)) .. " %(not its designed " .. pat(p60(3)) ..
      ": c2 did not come back%)", out)
    assert.matches("\ncould not repair: c2\n", out)
    assert.matches("\nreport mailed", out)
    assert.equal(p60(1), lab.client_prefix(L, "c1"))
    assert.is_nil(lab.client_prefix(L, "c2"))
    assert.equal(p60(2), lab.client_prefix(L, "c3"))
    local files = support.mailbox(env, "carol", 1)
    assert.equal(1, #files)
    local msg = support.read(files[1])
    assert.matches("\nSubject: lab: could not repair %(c2%)", msg)
    assert.matches("did NOT get " .. pat(p60(2)) .. " within 15 s", msg)
    assert.matches("could not repair: c2", msg)
  end)
end)
