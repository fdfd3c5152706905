-- gwkit.rules: thresholds, batching, rate limits, deduplication, bounded
-- state, configuration errors; every built-in rule on the fixtures and on
-- generated logs (also through gwkit.logwatch: rotation in a burst).
local support = require "support"
local core = require "gwkit.core"
local rules = require "gwkit.rules"
local logwatch = require "gwkit.logwatch"
local chars = require "gwkit.mime.chars"
local gen = require "logwatch_gen"

local FIX = support.top .. "/tests/fixtures/"
-- "Now" for year-less syslog lines: the fixtures are from 2018 and 2023.
local NOW_2023 = os.time{ year = 2023, month = 12, day = 31, hour = 12 }
local function fixed(t) return function() return t end end

local function fixture_lines(name)
  local out = {}
  for l in support.read(FIX .. name):gmatch("[^\n]+") do out[#out + 1] = l end
  return out
end

local function subjects(alerts)
  local t = {}
  for i, a in ipairs(alerts) do t[i] = a.subject end
  return t
end

-- Entry with a plain-text time: a line "T=<seconds> text".
local function at(t, text)
  return { line = text, at = t, source = "test", parsed = core.log_parse(text) }
end

local function feed_all(r, entries)
  local out = {}
  for _, e in ipairs(entries) do
    for _, a in ipairs(r:feed(e)) do out[#out + 1] = a end
  end
  return out
end

describe("rules engine", function()
  local T0 = 1700000000

  it("fires when count matches fall within the window, not when they are spread", function()
    local r = rules.new({ { name = "fail", match = "auth failed for (%w+)",
                            threshold = { count = 3, window = 60 } } }, { now = fixed(T0) })
    local spread = feed_all(r, { at(T0, "auth failed for a"), at(T0 + 50, "auth failed for a"),
                                 at(T0 + 120, "auth failed for a") })
    assert.same({}, spread)
    local burst = feed_all(r, { at(T0 + 1000, "auth failed for b"), at(T0 + 1010, "ok"),
                                at(T0 + 1020, "auth failed for c"), at(T0 + 1030, "auth failed for d") })
    assert.equal(1, #burst)
    local a = burst[1]
    assert.equal("fail", a.rule)
    assert.equal(3, a.count)
    assert.same({ "auth failed for b", "auth failed for c", "auth failed for d" }, a.lines)
    assert.equal(T0 + 1000, a.first)
    assert.equal(T0 + 1030, a.last)
    assert.equal("b", a.fields[1])
    assert.equal("fail: 3 matching lines", a.subject)
    assert.truthy(a.text:find("Matched 3 times", 1, true))
  end)

  it("keeps a threshold per group", function()
    local r = rules.new({ { name = "g", match = "fail user=(%w+)", threshold = { count = 2, window = 60 },
                            group_by = function(_, f) return f[1] end } }, { now = fixed(T0) })
    local out = feed_all(r, { at(T0, "fail user=a"), at(T0 + 1, "fail user=b"),
                              at(T0 + 2, "fail user=c"), at(T0 + 3, "fail user=b") })
    assert.equal(1, #out)
    assert.equal("b", out[1].group)
  end)

  it("batches a burst into one alert, closed by a later entry or by tick", function()
    local r = rules.new({ { name = "b", match = "ERR", batch = 30 } }, { now = fixed(T0) })
    local function stamped(t, text) return at(nil, os.date("%Y/%m/%d %H:%M:%S: ", t) .. text) end
    local entries = {}
    for i = 0, 9 do entries[#entries + 1] = stamped(T0 + i * 2, "ERR " .. i) end
    assert.same({}, feed_all(r, entries))
    -- A line without a timestamp does not move the log's clock...
    assert.same({}, feed_all(r, { at(T0 + 3600, "no time on this line") }))
    local out = feed_all(r, { stamped(T0 + 31, "unrelated") })   -- ...a later stamped one does
    assert.equal(1, #out)
    assert.equal(10, out[1].count)
    assert.equal(os.date("%Y/%m/%d %H:%M:%S: ", T0) .. "ERR 0", out[1].lines[1])
    -- By the wall clock: tick after `batch` seconds closes it.
    local now = T0
    r = rules.new({ { name = "b", match = "ERR", batch = 30 } }, { now = function() return now end })
    assert.same({}, feed_all(r, { at(T0, "ERR x"), at(T0 + 1, "ERR y") }))
    assert.same({}, r:tick(T0 + 29))
    local due = r:tick(T0 + 30)
    assert.equal(1, #due)
    assert.equal(2, due[1].count)
    assert.same({}, r:flush())
  end)

  it("rate-limits alerts and reports what it held back in the next one", function()
    local r = rules.new({ { name = "rl", match = "boom", rate_limit = { count = 2, per = 3600 } } },
                        { now = fixed(T0) })
    local out = {}
    for i = 1, 6 do
      for _, a in ipairs(r:feed(at(T0 + i * 60, "boom " .. i))) do out[#out + 1] = a end
    end
    assert.equal(2, #out)
    assert.equal(0, out[2].suppressed)
    local later = r:feed(at(T0 + 7200, "boom late"))
    assert.equal(1, #later)
    assert.equal(4, later[1].suppressed)
    assert.truthy(later[1].text:find("4 earlier alert(s) of this rule were held back", 1, true))
    assert.equal(0, feed_all(r, { at(T0 + 7300, "boom again") })[1].suppressed)
  end)

  it("deduplicates by the line with digits masked, and counts the repeats", function()
    local r = rules.new({ { name = "d", match = "disk (%S+) full", dedup = 3600 } }, { now = fixed(T0) })
    local out = feed_all(r, { at(T0, "disk sda1 full at 99%"), at(T0 + 10, "disk sda1 full at 98%"),
                              at(T0 + 20, "disk sdb2 full at 97%"), at(T0 + 30, "disk sda1 full at 97%") })
    -- Keys "disk sda# full at #%" and "disk sdb# full at #%": two alerts; each
    -- alert reports the repeats left out since the rule's previous alert.
    assert.same({ "disk sda1 full at 99%", "disk sdb2 full at 97%" }, { out[1].lines[1], out[2].lines[1] })
    assert.equal(2, #out)
    assert.equal(0, out[1].repeats)
    assert.equal(1, out[2].repeats)
    local next_hour = feed_all(r, { at(T0 + 4000, "disk sda1 full at 99%") })
    assert.equal(1, #next_hour)
    assert.equal(1, next_hour[1].repeats)
    assert.truthy(next_hour[1].text:find("1 repeated alert(s) of this rule were left out", 1, true))
  end)

  it("takes fields from a match function, for the subject template", function()
    local r = rules.new({ {
      name = "fn", subject = "%user% failed %count%x on %host% (%nothing%)",
      match = function(e, state)
        local u = e.line:match("user=(%w+)")
        if not u then return false end
        state.n = (state.n or 0) + 1
        return { user = u }
      end } }, { now = fixed(T0) })
    local out = feed_all(r, { at(T0, "Sep 17 12:48:22 gw app: user=alice") })
    assert.equal("alice failed 1x on gw (?)", out[1].subject)
    assert.equal(1, r:rule("fn").state.n)
  end)

  it("survives a failing match function and reports it", function()
    local r = rules.new({ { name = "bad", match = function() error("oops") end },
                          { name = "good", match = "x" } }, { now = fixed(T0) })
    local out = feed_all(r, { at(T0, "x") })
    assert.equal(1, #out)
    assert.equal("good", out[1].rule)
    assert.matches("rule 'bad' %(#1%): match failed: .*oops", r:problems()[1])
  end)

  it("keeps its state bounded: groups and keys beyond max_keys are evicted oldest first", function()
    local r = rules.new({ { name = "many", match = "id=(%d+)", threshold = { count = 2, window = 60 },
                            group_by = function(_, f) return f[1] end, max_keys = 100,
                            dedup = 60 } }, { now = fixed(T0) })
    for i = 1, 5000 do r:feed(at(T0 + i, "id=" .. i)) end
    local rule = r:rule("many")
    assert.is_true(rule.groups.n <= 100)
    assert.is_true(rule.groups.evicted >= 4900)
    -- The newest groups are kept: a second match of one of them fires.
    assert.equal(1, #r:feed(at(T0 + 5001, "id=5000")))
  end)

  it("shows any bytes of a line as valid UTF-8 text, the raw line kept in lines", function()
    local r = rules.new({ { name = "u", match = "bad" } }, { now = fixed(T0) })
    local line = "bad \255\254 \0 \226\130 ok \227\129\130 \27[1m"
    local a = feed_all(r, { at(T0, line) })[1]
    assert.equal(line, a.lines[1])
    assert.is_true(chars.is_utf8(a.text))
    assert.is_nil(a.text:find("%z"))
    assert.truthy(a.text:find("bad \\xff\\xfe \\x00 \\xe2\\x82 ok \227\129\130 \\x1b[1m", 1, true))
    assert.equal(rules.printable(line), "bad \\xff\\xfe \\x00 \\xe2\\x82 ok \227\129\130 \\x1b[1m")
  end)

  it("dates year-less syslog lines to the most recent past date", function()
    local now = os.time{ year = 2024, month = 1, day = 2, hour = 0 }
    local e = at(nil, "Dec 31 23:00:00 host app: x")
    assert.equal(os.time{ year = 2023, month = 12, day = 31, hour = 23 }, rules.time_of(e, now))
    e = at(nil, "Jan  1 23:00:00 host app: x")
    assert.equal(os.time{ year = 2024, month = 1, day = 1, hour = 23 }, rules.time_of(e, now))
    -- A zone offset is honoured; a line without a time takes entry.at, then now.
    e = at(nil, "Fri, 13 Feb 2004 01:45:30 +0900 x")
    assert.equal(rules.timegm(2004, 2, 12, 16, 45, 30), rules.time_of(e, now))
    assert.equal(5, rules.time_of(at(5, "no time here"), now))
    assert.equal(now, rules.time_of({ line = "no time" }, now))
  end)

  it("raises on configuration errors, naming the rule and the field", function()
    local cases = {
      { { { match = "x", colour = "red" } }, "rule #1: bad field 'colour' %(unknown field%)" },
      { { { name = "n", match = 5 } }, "rule 'n' %(#1%): bad field 'match' %(pattern or function expected%)" },
      { { { name = "n", match = "[x" } }, "rule 'n' %(#1%): bad field 'match' %(bad pattern: malformed" },
      { { { name = "n" } }, "rule 'n' %(#1%): bad field 'match' %(a pattern or a function is required%)" },
      { { { match = "x", threshold = { count = 0 } } }, "rule #1: bad field 'threshold.count'" },
      { { { match = "x", threshold = { count = 2, windw = 3 } } },
        "rule #1: bad field 'threshold.windw' %(unknown field%)" },
      { { { match = "x", rate_limit = { count = 2 } } }, "rule #1: bad field 'rate_limit.per'" },
      { { { match = "x", batch = "soon" } }, "rule #1: bad field 'batch' %(number expected%)" },
      { { { match = "x", severity = "loud" } }, "rule #1: bad field 'severity'" },
      { { { match = "x", exclude = "%" } }, "rule #1: bad field 'exclude' %(bad pattern" },
      { { { match = "x", context = { lines = 2, match = "(" } } }, "rule #1: bad field 'context.match'" },
      { { { match = "x" }, { builtin = "nope" } }, "rule #2: bad field 'builtin' %(unknown built%-in rule 'nope'" },
      { { { builtin = "send_burst", max = 0 } }, "rule 'send_burst' %(#1%): bad field 'max' %(an integer" },
      { { { builtin = "send_burst", maximum = 3 } },
        "rule 'send_burst' %(#1%): bad field 'maximum' %(unknown field for built%-in send_burst%)" },
      { { { builtin = "auth_without_tls", tls_min = "x" } }, "rule 'auth_without_tls' %(#1%): bad field 'tls_min'" },
      { { { builtin = "router_prefix_change", match = "x" } },
        "rule 'router_prefix_change' %(#1%): bad field 'match' %(not for a built%-in rule%)" },
      { { { name = "a", match = "x" }, { name = "a", match = "y" } },
        "rule 'a' %(#2%): bad field 'name' %(the name 'a' is used twice%)" },
    }
    for _, c in ipairs(cases) do
      local ok, err = pcall(rules.new, c[1])
      assert.is_false(ok)
      assert.matches("rules: " .. c[2], err)
    end
    assert.has_error(function() rules.new({}, { nonsense = 1 }) end,
      "rules: bad option 'nonsense' (unknown field)")
  end)

  it("lets a built-in's generic settings be overridden", function()
    local r = rules.new({ { builtin = "router_mail_failure", name = "rmf", batch = 0,
                            subject = "custom %rule% %count%" } }, { now = fixed(T0) })
    local out = gen.run(r, gen.router_failure(T0))
    assert.equal(3, #out)                 -- no batching: one alert per error line
    assert.equal("custom rmf 1", out[1].subject)
  end)
end)

describe("built-in router_mail_failure", function()
  it("gives one alert for the fixture's failure, with the exchange and no credentials", function()
    local r = rules.new({ { builtin = "router_mail_failure" } }, { now = fixed(NOW_2023) })
    local out = gen.run(r, fixture_lines("nvr510-mail-error.log"))
    assert.equal(1, #out)
    local a = out[1]
    assert.equal("router mail failure: 535 CRAM-MD5 not supported for someone@somewhere.plala.or.jp",
      a.subject)
    assert.equal(3, a.count)
    assert.equal("err", a.severity)
    assert.matches("Read Error%(535", a.lines[1])
    assert.matches("Receive Error%(28%)", a.lines[2])
    assert.matches("End Mail SMTP Process for Error", a.lines[3])
    assert.truthy(a.text:find('Send Msg: "EHLO v6mail.plala.or.jp"', 1, true))
    assert.truthy(a.text:find('Send Msg: "AUTH cram-md5"', 1, true))
    assert.truthy(a.text:find('Send Msg: "<redacted>"', 1, true))
    assert.is_nil(a.text:find("c29tZW9uZUBzb21ld2hlcmUucGxhbGEub3IuanAg", 1, true))
    assert.equal(os.time{ year = 2023, month = 9, day = 18, hour = 15, min = 45, sec = 28 }, a.first)
  end)

  it("redacts what a router sends after AUTH", function()
    local red = require("gwkit.rules.router_mail_failure").redact
    assert.equal('x [MAIL] [1]Send Msg: "AUTH PLAIN <redacted>"',
      red('x [MAIL] [1]Send Msg: "AUTH PLAIN AGFsaWNlAHNlY3JldA=="'))
    assert.equal('x [MAIL] [1]Send Msg: "<redacted>"', red('x [MAIL] [1]Send Msg: "c2VjcmV0"'))
    assert.equal('x [MAIL] [1]Send Msg: "MAIL FROM:<a@b>"', red('x [MAIL] [1]Send Msg: "MAIL FROM:<a@b>"'))
    assert.equal('x [MAIL] Recv Msg: "334 VXNlcm5hbWU6"', red('x [MAIL] Recv Msg: "334 VXNlcm5hbWU6"'))
  end)

  it("on a generated day: one alert per failing attempt, none for the noise", function()
    local t = os.time{ year = 2024, month = 3, day = 1, hour = 8 }
    local lines = gen.concat(gen.router_noise(t, 200), gen.router_failure(t + 3600),
      gen.router_noise(t + 4000, 100), gen.router_failure(t + 7200),
      gen.router_failure(t + 7215, 12),       -- a retry 15 s later: the same burst
      gen.router_noise(t + 9000, 50), gen.router_failure(t + 20000))
    local r = rules.new({ { builtin = "router_mail_failure" } }, { now = fixed(t + 86400) })
    local out = gen.run(r, lines)
    assert.equal(3, #out)
    assert.same({ 3, 6, 3 }, { out[1].count, out[2].count, out[3].count })
    assert.equal(t + 3601, out[1].first)
  end)

  it("through logwatch: a rotation in the middle of the burst still gives one alert", function()
    local dir = support.tmpdir("rmf")
    local path = dir .. "/router.log"
    local t = os.time{ year = 2024, month = 3, day = 1, hour = 8 }
    local burst = gen.router_failure(t)
    gen.write(path, gen.router_noise(t - 100, 5))
    local w = assert(logwatch.new{ sources = { { file = path } }, grace = 0 })
    local r = rules.new({ { builtin = "router_mail_failure" } }, { now = fixed(t + 3600) })
    local out = {}
    local function pump()
      for _ = 1, 10 do
        local got = w:poll(0)
        for _, e in ipairs(got) do
          for _, a in ipairs(r:feed(e)) do out[#out + 1] = a end
        end
        if #got == 0 then break end
      end
    end
    local half = {}
    for i = 1, 12 do half[i] = burst[i] end              -- up to the first error line
    gen.append(path, half)
    pump()
    assert(os.rename(path, path .. ".1"))
    local rest = {}
    for i = 13, #burst do rest[#rest + 1] = burst[i] end
    gen.write(path, rest)
    pump()
    for _, a in ipairs(r:flush()) do out[#out + 1] = a end
    w:close()
    assert.equal(1, #out)
    assert.equal(3, out[1].count)
    assert.truthy(out[1].text:find("Send Msg: \"EHLO", 1, true))
    support.sh("rm -rf " .. dir)
  end)
end)

describe("built-in router_prefix_change", function()
  local t = os.time{ year = 2024, month = 5, day = 1, hour = 3 }

  it("parses the router's prefix lines", function()
    assert.same({ action = "add", prefix = "2001:db8:1:ff00::/64", lifetime = 14400,
                  interface = "LAN2", by = "DHCPv6" },
      rules.parse_prefix_line("2024/05/01 03:00:00: Add IPv6 prefix 2001:DB8:1:FF00:0::/64 " ..
        "(Lifetime: 14400) via LAN2 by DHCPv6"))
    assert.same({ action = "delete", prefix = "2001:db8:1:ff00::/64", interface = "LAN2", by = "DHCPv6" },
      rules.parse_prefix_line(gen.prefix_line(t, "Delete", "2001:db8:1:ff00::/64")))
    assert.is_nil(rules.parse_prefix_line("Add IPv6 prefix zz::/64 via LAN2"))
    assert.is_nil(rules.parse_prefix_line("[MAIL] Read Error(535)"))
    assert.is_nil(rules.parse_prefix_line(nil))
  end)

  it("remembers the first prefix, ignores renewals, alerts on a change with old and new", function()
    local A, B = "2001:db8:1:ff00::/64", "2001:db8:2:aa00::/64"
    local lines = { gen.prefix_line(t, "Add", A), gen.prefix_line(t + 3600, "Add", A),
                    gen.prefix_line(t + 7200, "Add", A),
                    gen.prefix_line(t + 10000, "Delete", A), gen.prefix_line(t + 10005, "Add", B),
                    gen.prefix_line(t + 13600, "Add", B) }
    local r = rules.new({ { builtin = "router_prefix_change" } }, { now = fixed(t + 86400) })
    local out = gen.run(r, lines)
    assert.equal(1, #out)
    local a = out[1]
    assert.equal("IPv6 prefix on LAN2 changed: " .. A .. " -> " .. B, a.subject)
    assert.equal(B, a.prefix)
    assert.equal(A, a.old_prefix)
    assert.equal("LAN2", a.interface)
    assert.equal(2, a.count)
    assert.truthy(a.text:find("Old prefix: " .. A, 1, true))
    assert.truthy(a.text:find("New prefix: " .. B, 1, true))
  end)

  it("reports a removal alone, and alert_first reports the first prefix", function()
    local A = "2001:db8:1:ff00::/64"
    local r = rules.new({ { builtin = "router_prefix_change", alert_first = true } }, { now = fixed(t) })
    local out = gen.run(r, { gen.prefix_line(t, "Add", A, "LAN3") })
    assert.same({ "IPv6 prefix on LAN3: " .. A }, subjects(out))
    out = gen.run(r, { gen.prefix_line(t + 100, "Delete", A, "LAN3") })
    assert.same({ "IPv6 prefix on LAN3 removed: " .. A }, subjects(out))
    out = gen.run(r, { gen.prefix_line(t + 1000, "Add", A, "LAN3") })
    assert.same({ "IPv6 prefix on LAN3 back after a removal: " .. A }, subjects(out))
  end)

  it("keeps the known prefix in the state file across runs", function()
    local dir = support.tmpdir("prefix")
    local state = dir .. "/rules"
    local A, B = "2001:db8:1:ff00::/64", "2001:db8:3::/64"
    local r = rules.new({ { builtin = "router_prefix_change" } }, { now = fixed(t), state_file = state })
    assert.same({}, gen.run(r, { gen.prefix_line(t, "Add", A) }))
    assert(r:save())
    local r2 = rules.new({ { builtin = "router_prefix_change" } }, { now = fixed(t), state_file = state })
    local out = gen.run(r2, { gen.prefix_line(t + 60, "Add", B) })
    assert.equal(1, #out)
    assert.equal(A, out[1].old_prefix)
    support.sh("rm -rf " .. dir)
  end)
end)

describe("built-in postfix_sasl_new_address", function()
  it("alerts for each user's first address on the fixture", function()
    local r = rules.new({ { builtin = "postfix_sasl_new_address" } }, { now = fixed(NOW_2023) })
    local out = gen.run(r, fixture_lines("postfix-maillog.txt"))
    assert.same({
      "new login address for centos7@phoenixknight.jp: 153.126.190.153 (cram-md5)",
      "new login address for USER-2: 192.0.2.10 (login)",
      "new login address for USER-1: 192.0.2.11 (PLAIN)",
    }, subjects(out))
  end)

  it("stays quiet for known addresses (IPv6 by /64), names the known ones for a new one", function()
    local t = os.time{ year = 2024, month = 6, day = 1, hour = 9 }
    local dir = support.tmpdir("sasl")
    local state = dir .. "/rules"
    local spec = { { builtin = "postfix_sasl_new_address", learn_new_users = true } }
    local r = rules.new(spec, { now = fixed(t + 86400), state_file = state })
    local lines = gen.concat(
      gen.postfix_session(t, 100, { user = "bob", addr = "192.0.2.11", tls = true }),
      gen.postfix_session(t + 60, 101, { user = "bob", addr = "192.0.2.11", tls = true }),
      gen.postfix_session(t + 120, 102, { user = "bob", addr = "2001:db8:5:6::10", tls = true }),
      gen.postfix_session(t + 180, 103, { user = "bob", addr = "2001:db8:5:6:a:b:c:d", tls = true }))
    local out = gen.run(r, lines)
    -- bob was never seen: learned (learn_new_users); the second /64 is new.
    assert.same({ "new login address for bob: 2001:db8:5:6::10 (PLAIN)" }, subjects(out))
    assert.truthy(out[1].text:find("Addresses seen before for this user: 192.0.2.11", 1, true))
    assert(r:save())
    -- Another run from the state file: known stays known, a new one alerts.
    local r2 = rules.new(spec, { now = fixed(t + 86400), state_file = state })
    out = gen.run(r2, gen.concat(
      gen.postfix_session(t + 3600, 200, { user = "bob", addr = "192.0.2.11", tls = true }),
      gen.postfix_session(t + 3700, 201, { user = "bob", addr = "198.51.100.7", tls = true })))
    assert.same({ "new login address for bob: 198.51.100.7 (PLAIN)" }, subjects(out))
    support.sh("rm -rf " .. dir)
  end)

  it("bounds the addresses it keeps", function()
    local t = os.time{ year = 2024, month = 6, day = 1, hour = 9 }
    local r = rules.new({ { builtin = "postfix_sasl_new_address", max_known = 50,
                            rate_limit = { count = 100000, per = 60 } } }, { now = fixed(t + 86400) })
    local lines = {}
    for i = 1, 400 do
      lines[#lines + 1] = ("%s mail postfix/smtpd[9]: Q%d: client=x[10.0.%d.%d], sasl_method=PLAIN, " ..
        "sasl_username=u%d"):format(gen.bsd_time(t + i), i, math.floor(i / 256), i % 256, i % 7)
    end
    assert.equal(400, #gen.run(r, lines))
    assert.is_true(r:rule("postfix_sasl_new_address").persist.n <= 50)
  end)
end)

describe("built-in auth_without_tls", function()
  it("finds the one SMTP login without TLS in the Postfix fixture", function()
    local r = rules.new({ { builtin = "auth_without_tls" } }, { now = fixed(NOW_2023) })
    local out = gen.run(r, fixture_lines("postfix-maillog.txt"))
    assert.same({ "SMTP login without TLS for USER-2 from 192.0.2.10" }, subjects(out))
    assert.same({ "Oct 29 07:00:07 mail postfix/smtpd[29629]: connect from CLIENT-PC[192.0.2.10]",
      "Oct 29 07:00:07 mail postfix/smtpd[29629]: 9AE13C0073: client=CLIENT-PC[192.0.2.10], " ..
      "sasl_method=login, sasl_username=USER-2" }, out[1].lines)
  end)

  it("finds the Dovecot logins without TLS and the one with TLSv1", function()
    local r = rules.new({ { builtin = "auth_without_tls" } }, { now = fixed(NOW_2023) })
    local out = gen.run(r, fixture_lines("dovecot-maillog.txt"))
    assert.same({ "IMAP login without TLS for USER-3 from 192.0.2.20",
                  "POP3 login without TLS for USER-2 from 192.0.2.21",
                  "POP3 login with TLSv1 (below 1.2) for USER-1 from 192.0.2.23" }, subjects(out))
    r = rules.new({ { builtin = "auth_without_tls", tls_min = false } }, { now = fixed(NOW_2023) })
    assert.equal(2, #gen.run(r, fixture_lines("dovecot-maillog.txt")))
  end)

  it("correlates by process id: a reused pid does not carry TLS over", function()
    local t = os.time{ year = 2024, month = 6, day = 1, hour = 9 }
    for _, order in ipairs({ { true, false }, { false, true } }) do
      local r = rules.new({ { builtin = "auth_without_tls" } }, { now = fixed(t + 86400) })
      local lines = gen.concat(
        gen.postfix_session(t, 4242, { user = "alice", addr = "192.0.2.60", tls = order[1] }),
        gen.postfix_session(t + 30, 4242, { user = "alice", addr = "192.0.2.61", tls = order[2] }))
      local out = gen.run(r, lines)
      assert.equal(1, #out)
      local plain = order[1] and "192.0.2.61" or "192.0.2.60"
      assert.equal("SMTP login without TLS for alice from " .. plain, out[1].subject)
      assert.matches("postfix/smtpd%[4242%]: connect from client4242%[" .. plain:gsub("%.", "%%.") .. "%]",
        out[1].lines[1])
    end
  end)

  it("does not group by timestamp: interleaved sessions in the same second", function()
    local t = os.time{ year = 2024, month = 6, day = 1, hour = 9 }
    local ts = gen.bsd_time(t)
    local function l(pid, msg) return ("%s mail postfix/smtpd[%d]: %s"):format(ts, pid, msg) end
    local lines = {
      l(100, "connect from a[192.0.2.1]"),
      l(200, "connect from b[192.0.2.2]"),
      l(200, "Anonymous TLS connection established from b[192.0.2.2]: TLSv1.3 with cipher X"),
      l(100, "Q1: client=a[192.0.2.1], sasl_method=PLAIN, sasl_username=anna"),
      l(200, "Q2: client=b[192.0.2.2], sasl_method=PLAIN, sasl_username=bert"),
      l(100, "Q3: client=a[192.0.2.1], sasl_method=PLAIN, sasl_username=anna"),   -- same session
      l(100, "disconnect from a[192.0.2.1]"),
      l(200, "disconnect from b[192.0.2.2]"),
    }
    local r = rules.new({ { builtin = "auth_without_tls" } }, { now = fixed(t + 86400) })
    assert.same({ "SMTP login without TLS for anna from 192.0.2.1" }, subjects(gen.run(r, lines)))
  end)

  it("on a generated day: one alert per user and address a day, not one per login", function()
    local t = os.time{ year = 2024, month = 6, day = 1, hour = 0 }
    local lines = {}
    for i = 1, 60 do
      local tls = i % 3 ~= 0
      for _, l in ipairs(gen.postfix_session(t + i * 600, 1000 + i % 5,
          { user = "u" .. (i % 4), addr = "192.0.2." .. (i % 4), tls = tls })) do
        lines[#lines + 1] = l
      end
    end
    local r = rules.new({ { builtin = "auth_without_tls" } }, { now = fixed(t + 86400) })
    local out = gen.run(r, lines)
    -- Plain sessions are i = 3, 6, ..., 60: users u3, u2, u1, u0 (i % 4): four pairs.
    assert.equal(4, #out)
  end)
end)

describe("built-in send_burst", function()
  it("does not fire on the relay fixture's single message", function()
    local r = rules.new({ { builtin = "send_burst" } }, { now = fixed(NOW_2023) })
    assert.same({}, gen.run(r, fixture_lines("relay-abuse.log")))
  end)

  it("fires exactly once for ~100 relayed messages in a few minutes", function()
    local t = os.time{ year = 2004, month = 2, day = 13, hour = 1 }
    local lines = gen.concat(fixture_lines("relay-abuse.log"), gen.relay_burst(t, "220.86.126.77", 100, 2))
    local r = rules.new({ { builtin = "send_burst" } }, { now = fixed(t + 86400) })
    local out = gen.run(r, lines)
    assert.equal(1, #out)
    local a = out[1]
    assert.equal(100, a.count)
    assert.equal("send burst: client 220.86.126.77 sent 100 messages in 198 s", a.subject)
    assert.equal("crit", a.severity)
    assert.truthy(a.text:find("Message received OK (1000 bytes)", 1, true))   -- the first
    assert.truthy(a.text:find("Message received OK (1099 bytes)", 1, true))   -- the last
  end)

  it("fires once for a stolen SASL account's burst, never for a normal day", function()
    local t = os.time{ year = 2024, month = 6, day = 1, hour = 0 }
    local lines = {}
    -- A normal day: 12 users, 120 messages spread over 20 hours.
    for i = 1, 120 do
      for _, l in ipairs(gen.postfix_session(t + i * 600, 500 + i, { user = "user" .. (i % 12),
          addr = "192.0.2." .. (i % 12), tls = true })) do lines[#lines + 1] = l end
    end
    local r = rules.new({ { builtin = "send_burst" } }, { now = fixed(t + 86400 * 2) })
    assert.same({}, gen.run(r, lines))
    -- The burst: 100 messages of one login in one session, 4 minutes.
    local burst = {}
    for i = 1, 100 do
      burst[#burst + 1] = ("%s mail postfix/smtpd[777]: B%04d: client=bad[203.0.113.9], " ..
        "sasl_method=LOGIN, sasl_username=user3"):format(gen.bsd_time(t + 3 * 86400 / 2 + i * 2), i)
    end
    r = rules.new({ { builtin = "send_burst" } }, { now = fixed(t + 86400 * 2) })
    local out = gen.run(r, gen.concat(lines, burst))
    assert.equal(1, #out)
    assert.equal(100, out[1].count)
    assert.matches("^send burst: user user3 sent 100 messages in 198 s$", out[1].subject)
    -- by = "client": the same burst keyed by the address (a fresh engine).
    r = rules.new({ { builtin = "send_burst", by = "client", max = 50, within = 600 } },
                  { now = fixed(t + 86400 * 2) })
    out = gen.run(r, burst)
    assert.equal(1, #out)
    assert.matches("client 203%.0%.113%.9", out[1].subject)
  end)
end)

describe("built-in rules through logwatch", function()
  it("one send_burst alert for 100 messages across a 1 MB line, bad bytes, a partial line and a truncation", function()
    local dir = support.tmpdir("burstlw")
    local path = dir .. "/mail.log"
    local t = os.time() - 3600
    local n = 0
    local function msgs(count)
      local out = {}
      for _ = 1, count do
        n = n + 1
        out[#out + 1] = ("%s mail postfix/smtpd[777]: B%04d: client=bad[203.0.113.9], sasl_method=LOGIN, " ..
          "sasl_username=mallory"):format(gen.bsd_time(t + n), n)
      end
      return out
    end
    support.write(path, "")
    local w = assert(logwatch.new{ sources = { { file = path } }, max_line = 4096 })
    local r = rules.new({ { builtin = "send_burst" } })
    local alerts, cut, seen = {}, 0, {}
    local function pump()
      for _ = 1, 50 do
        local got = w:poll(0)
        for _, e in ipairs(got) do
          if e.truncated then cut = cut + 1 end
          seen[e.line] = (seen[e.line] or 0) + 1
          for _, a in ipairs(r:feed(e)) do alerts[#alerts + 1] = a end
        end
        if #got == 0 then break end
      end
    end
    gen.append(path, msgs(40))
    local f = assert(io.open(path, "ab"))
    f:write(("x"):rep(1024 * 1024), "\n", "\255\254 postfix/smtpd junk \0\n")
    f:close()
    gen.append(path, msgs(30))
    pump()
    -- A line written in two pieces.
    local last = msgs(1)[1]
    f = assert(io.open(path, "ab")); f:write(last:sub(1, 60)); f:close()
    pump()
    f = assert(io.open(path, "ab")); f:write(last:sub(61), "\n"); f:close()
    pump()
    -- copytruncate: the file starts again, shorter.
    gen.write(path, msgs(29))
    pump()
    for _, a in ipairs(r:flush()) do alerts[#alerts + 1] = a end
    w:close()
    assert.equal(1, cut)
    assert.equal(1, #alerts)
    assert.equal(100, alerts[1].count)
    assert.equal(1, seen[last])                 -- the line written in two pieces, whole
    assert.is_nil(seen[last:sub(1, 60)])
    assert.equal(1, seen["\255\254 postfix/smtpd junk \0"])
    assert.truthy(alerts[1].text:find("B0001:", 1, true))              -- the first line
    assert.truthy(alerts[1].text:find("B0100:", 1, true))              -- the last line
    support.sh("rm -rf " .. dir)
  end)
end)
