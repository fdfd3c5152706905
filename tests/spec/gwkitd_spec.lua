-- scripts/gwkitd end to end with the real Postfix + Dovecot: alerts queued
-- while the server is down arrive exactly once when it is back; SIGTERM
-- leaves a spooled alert in the spool and a restart delivers it; the
-- heartbeat mail; SIGHUP reloads (and keeps the old configuration when the
-- new one is broken); --check, --once, job alerts, no writes when idle.
local support = require "support"

local LUA = os.getenv("GWKIT_LUA") or "lua5.1"
local GWKITD = support.top .. "/scripts/gwkitd"

local append = support.append

-- The router's failed mail exchange of the fixture, stamped now.
local function router_failure_lines()
  local now = os.date("%Y/%m/%d %H:%M:%S")
  local out, on = {}, false
  for line in support.read(support.top .. "/tests/fixtures/nvr510-mail-error.log"):gmatch("[^\n]+") do
    if line:find('Send Msg: "AUTH', 1, true) then on = true end
    if on then out[#out + 1] = (line:gsub("^%d+/%d+/%d+ %d+:%d+:%d+", now)) end
    if line:find("Receive Error", 1, true) then break end
  end
  return out
end

-- n messages from one SASL user within a second: a send burst.
local function burst_lines(n, user)
  local out = {}
  local stamp = os.date("%b %e %H:%M:%S")
  for i = 1, n do
    out[i] = ("%s mail postfix/smtpd[%d]: %05X: client=PC[192.0.2.11], sasl_method=PLAIN, sasl_username=%s")
      :format(stamp, 900 + i, 0xA000 + i, user)
  end
  return out
end

-- Starts gwkitd in the background; the handle reads its log and status.
local runs = 0
local function daemon(dir, conf, extra)
  runs = runs + 1
  local out, rc = ("%s/out%d"):format(dir, runs), ("%s/rc%d"):format(dir, runs)
  assert(support.sh(("(%s %s --config %s --max-seconds 120 %s >%s 2>&1; echo $? >%s) </dev/null &")
    :format(LUA, GWKITD, conf, extra or "", out, rc)))
  local d = { out = function() return support.read(out) or "" end }
  function d.rc()
    local s = support.read(rc)
    return s and tonumber(s:match("%d+"))
  end
  d.pid = support.wait(15, function() return d.out():match("started %(pid (%d+)%)") end)
  assert(d.pid, "gwkitd did not start:\n" .. d.out())
  function d.signal(name) assert(support.sh("kill -" .. name .. " " .. d.pid)) end
  function d.wait_log(pattern, seconds)
    return support.wait(seconds or 20, function() return d.out():find(pattern) end)
  end
  function d.stop()
    d.signal("TERM")
    local code = support.wait(20, d.rc)
    assert(code, "gwkitd did not stop:\n" .. d.out())
    return code
  end
  return d
end

local function spooled(dir)
  local n = 0
  local p = io.popen("ls " .. dir .. "/spool/q 2>/dev/null")
  for name in p:lines() do
    if name:match("%.msg$") then n = n + 1 end
  end
  p:close()
  return n
end

describe("gwkitd with the real mail stack", function()
  local env

  setup(function() env = support.mailstack_start() end)
  teardown(function() support.mailstack_stop(env) end)

  local function stack(action)
    assert(support.sh(("bash %s/tests/servers/mailstack.sh %s %s >/dev/null 2>&1")
      :format(support.top, action, env.DIR)), "mailstack " .. action)
  end

  local function clear_mailbox() support.sh("rm -rf " .. env.MAILDIR .. "/carol/*") end

  -- Subjects (unfolded) and Message-IDs of carol's mail.
  local function mails(n)
    local out = {}
    for _, f in ipairs(support.mailbox(env, "carol", n)) do
      local m = support.read(f)
      local head = m:match("^(.-)\r?\n\r?\n") or m
      head = head:gsub("\r?\n[ \t]+", " ")
      out[#out + 1] = { subject = head:match("\nSubject: ([^\r\n]*)") or head:match("^Subject: ([^\r\n]*)"),
                        id = head:match("\nMessage%-ID: (<[^>]+>)"), text = m }
    end
    return out
  end

  local function write_conf(dir, extra)
    local conf = dir .. "/gwkitd.conf"
    support.write(conf, ([[
-- gwkitd test configuration
return {
  outbox = {
    dir = %q,
    routes = {
      { smtp = { server = %q, port = %d, cafile = %q, user = %q, password = %q, timeout = 5 } },
    },
    from = %q, to = %q,
    flush_every = 1, backoff = 1, backoff_max = 1, jitter = 0,
  },
  watch = {
    sources = { { file = %q } },
    rules = {
      { builtin = "router_mail_failure", batch = 1 },
      %s
    },
    tick = 0.5,
    %s
  },
  %s
  log = { stderr = true, level = "debug" },
}
]]):format(dir .. "/spool", env.HOST4, tonumber(env.SUBMISSION_PORT), env.CAFILE, env.USER1,
      env.PASS1, env.USER1, env.RCPT3, dir .. "/router.log",
      extra and extra.rules or "", extra and extra.watch or "", extra and extra.top or ""))
    support.write(dir .. "/router.log", "")
    return conf
  end

  it("queues alerts while Postfix is down and delivers each exactly once when it is back", function()
    clear_mailbox()
    local dir = support.tmpdir("gwkitd")
    local conf = write_conf(dir, { rules = '{ builtin = "send_burst", max = 3, within = 60, batch = 1 },' })
    stack("stop")
    local d = daemon(dir, conf)
    append(dir .. "/router.log", router_failure_lines())
    append(dir .. "/router.log", burst_lines(5, "USER-1"))
    assert.truthy(d.wait_log("alert queued %(router_mail_failure%)"), d.out())
    assert.truthy(d.wait_log("alert queued %(send_burst%)"), d.out())
    assert.truthy(d.wait_log("to retry"), d.out())
    assert.equal(2, spooled(dir))
    stack("start")
    local got = mails(2)
    assert.equal(2, #got, d.out())
    -- the spool empties: nothing is left to send twice
    assert.truthy(support.wait(20, function() return spooled(dir) == 0 end), d.out())
    assert.equal(0, d.stop())
    got = mails(2)
    assert.equal(2, #got)
    local subjects, ids = {}, {}
    for _, m in ipairs(got) do
      subjects[#subjects + 1] = m.subject
      ids[m.id] = (ids[m.id] or 0) + 1
    end
    table.sort(subjects)
    assert.matches("^router mail failure: 535 CRAM%-MD5 not supported for someone@somewhere", subjects[1])
    assert.matches("^send burst: user USER%-1 sent 5 messages", subjects[2])
    for _, n in pairs(ids) do assert.equal(1, n) end
    assert.matches("stopped %(signal%): 0 alert%(s%) queued", d.out())
  end)

  it("keeps a spooled alert on SIGTERM and delivers it after a restart", function()
    clear_mailbox()
    local dir = support.tmpdir("gwkitd")
    local conf = write_conf(dir, { watch = ("state_file = %q,"):format(dir .. "/watch.state") })
    stack("stop")
    local d = daemon(dir, conf)
    append(dir .. "/router.log", router_failure_lines())
    assert.truthy(d.wait_log("alert queued %(router_mail_failure%)"), d.out())
    assert.truthy(d.wait_log("to retry"), d.out())
    assert.equal(0, d.stop())
    assert.matches("SIGTERM: stopping", d.out())
    assert.matches("stopped %(signal%): 1 alert%(s%) queued in the spool", d.out())
    assert.equal(1, spooled(dir))
    stack("start")
    local d2 = daemon(dir, conf)
    local got = mails(1)
    assert.equal(1, #got, d2.out())
    assert.truthy(support.wait(20, function() return spooled(dir) == 0 end), d2.out())
    assert.equal(0, d2.stop())
    -- the restart went on from the saved offset: the lines were not alerted twice
    assert.is_nil(d2.out():find("alert queued", 1, true))
    assert.equal(1, #mails(1))
    assert.matches("^router mail failure", got[1].subject)
  end)

  it("mails a heartbeat with the counts", function()
    clear_mailbox()
    local dir = support.tmpdir("gwkitd")
    local conf = write_conf(dir, { top = "heartbeat = { every = 2 }," })
    local d = daemon(dir, conf)
    append(dir .. "/router.log", router_failure_lines())
    assert.truthy(d.wait_log("alert queued %(router_mail_failure%)"), d.out())
    -- a heartbeat that counts the alert (queued 1 since start)
    local beat = support.wait(20, function()
      for _, m in ipairs(mails(1)) do
        if m.subject:find("alive", 1, true) and m.text:find("Alerts queued%s+%d+%s+1%s") then return m end
      end
    end)
    assert.equal(0, d.stop())
    assert.truthy(beat, d.out())
    assert.matches("^gwkitd on .+: alive", beat.subject)
    assert.matches("Running since ", beat.text)
    assert.matches("Configuration: " .. conf:gsub("%p", "%%%0"), beat.text)
    assert.matches("Spool now: %d+ queued, 0 in failed/", beat.text)
    for _, label in ipairs({ "Sent", "Send attempts to retry", "Given up %(failed/%)",
                             "Alerts not queued %(errors%)", "Job failures" }) do
      assert.matches(label .. "%s+%d+%s+%d+", beat.text)
    end
  end)

  it("reloads on SIGHUP, and keeps running on a broken new file", function()
    clear_mailbox()
    local dir = support.tmpdir("gwkitd")
    local conf = write_conf(dir)
    local d = daemon(dir, conf)
    -- without send_burst: a burst is no alert
    append(dir .. "/router.log", burst_lines(5, "USER-7"))
    local good = support.read(conf)
    support.write(conf, good:gsub("      \n    },\n    tick",
      '      { builtin = "send_burst", max = 3, within = 60, batch = 1 },\n    },\n    tick', 1))
    assert.truthy(support.read(conf):find("send_burst", 1, true))
    d.signal("HUP")
    assert.truthy(d.wait_log("configuration reloaded: 1 source%(s%), 2 rule%(s%)"), d.out())
    append(dir .. "/router.log", burst_lines(5, "USER-8"))
    local got = mails(1)
    assert.equal(1, #got, d.out())
    assert.matches("^send burst: user USER%-8 sent 5", got[1].subject)
    -- a broken file: logged with its line, the running configuration stays
    support.write(conf, "return {\n  outbox = { dir = 5 },\n}\n")
    d.signal("HUP")
    assert.truthy(d.wait_log("reload failed, the running configuration stays: " ..
      "config: .-:2: field 'outbox.dir': expected a string, got number"), d.out())
    append(dir .. "/router.log", burst_lines(5, "USER-9"))
    got = mails(2)
    assert.equal(2, #got, d.out())
    assert.equal(0, d.stop())
    assert.is_nil(d.out():find("USER-7", 1, true))
  end)

  it("--once reads the new lines since the last run, queues and sends, and exits", function()
    clear_mailbox()
    local dir = support.tmpdir("gwkitd")
    local conf = write_conf(dir, { watch = ("state_file = %q,"):format(dir .. "/watch.state") })
    local cmd = ("%s %s --config %s --once >%s/once.out 2>&1"):format(LUA, GWKITD, conf, dir)
    assert.is_true(support.sh(cmd))                -- first run: the offset of the empty file
    append(dir .. "/router.log", router_failure_lines())
    assert.is_true(support.sh(cmd))
    local got = mails(1)
    assert.equal(1, #got, support.read(dir .. "/once.out"))
    assert.is_true(support.sh(cmd))                -- nothing new: no second alert
    assert.equal(0, spooled(dir))
    assert.equal(1, #mails(1))
    assert.is_nil(support.read(dir .. "/once.out"):find("alert queued", 1, true))
  end)
end)

describe("gwkitd without a mail server", function()
  local function conf_file(dir, body)
    local path = dir .. "/gwkitd.conf"
    support.write(path, body)
    return path
  end

  local function base(dir, extra)
    return ([[
return {
  outbox = {
    dir = %q,
    routes = { { smtp = { server = "127.0.0.1", port = 9, timeout = 2 } } },
    from = "router@example.test", to = "admin@example.test",
    flush_every = 1, backoff = 3600,
  },
  log = { stderr = true, level = "debug" },
  %s
}
]]):format(dir .. "/spool", extra or "")
  end

  local function run(args)
    local dir = support.tmpdir("gwkitd")
    local p = io.popen(("%s %s %s 2>&1; echo \"rc=$?\""):format(LUA, GWKITD, args:gsub("DIR", dir)))
    local out = p:read("*a")
    p:close()
    return tonumber(out:match("rc=(%d+)%s*$")), out, dir
  end

  it("--check accepts a good file and names the file, line and field of a bad one", function()
    local dir = support.tmpdir("gwkitd")
    local good = conf_file(dir, base(dir, 'jobs = { { name = "ping", every = 60, command = "true" } },'))
    local rc, out = run("--check --config " .. good)
    assert.equal(0, rc, out)
    assert.matches("ok %(0 source%(s%), 0 rule%(s%), 1 job%(s%), heartbeat off, flush every 1 s%)", out)
    local cases = {
      { 'jobs = { { name = "ping", every = 60, command = "true", cron = "* * * * *" } },',
        ":9: field 'jobs%[1%]': expected exactly one of every, at or cron" },
      { 'jobs = { { name = "ping", cron = "0 25 * * *", command = "true" } },',
        ":9: field 'jobs%[1%]%.cron': cron spec \"0 25 %* %* %*\": hour: 25 is out of range 0%-23" },
      { 'heartbeat = { at = "8 o\'clock" },',
        ":9: field 'heartbeat%.at': time of day \"8 o'clock\": expected HH:MM" },
      { 'watch = { sources = { { file = "/x", port = 5 } }, rules = { "router_mail_failure" } },',
        ":9: field 'watch%.sources%[1%]': port is for udp sources" },
      { 'watch = { sources = { { file = "/x" } }, rules = { "no_such_rule" } },',
        ":9: field 'watch%.rules%[1%]': rules: .*unknown built%-in rule 'no_such_rule'" },
      { 'log = { level = "loud" },',
        ":9: field 'log%.level': expected one of \"debug\", \"info\", \"notice\", \"warning\", \"err\", got \"loud\"" },
      { 'colour = "blue",', ":9: field 'colour': unknown field %(known: " },
    }
    for _, c in ipairs(cases) do
      local path = conf_file(dir, base(dir, c[1]))
      rc, out = run("--check --config " .. path)
      assert.equal(1, rc, out)
      assert.matches("^gwkitd: config: " .. path:gsub("%p", "%%%0") .. c[2], out)
    end
    -- a syntax error, with its line
    local path = conf_file(dir, "return {\n  outbox = {\n    dir = 'x'\n    routes = {},\n}\n")
    rc, out = run("--check --config " .. path)
    assert.equal(1, rc)
    assert.matches("^gwkitd: config: " .. path:gsub("%p", "%%%0") .. ":4: '}' expected %(to close '{' at line 2%)", out)
  end)

  it("refuses bad usage with status 2 and prints help", function()
    local rc, out = run("--bogus")
    assert.equal(2, rc)
    assert.matches("unknown option %-%-bogus", out)
    rc, out = run("")
    assert.equal(2, rc)
    assert.matches("%-%-config FILE is required", out)
    rc, out = run("--help")
    assert.equal(0, rc)
    assert.matches("usage: gwkitd %-%-config FILE", out)
  end)

  it("alerts once when a job starts failing (alert = \"change\"), not on every run", function()
    local dir = support.tmpdir("gwkitd")
    local path = conf_file(dir, base(dir,
      'jobs = { { name = "check", every = 1, command = "echo disk full; exit 3", alert = "change" } },'))
    local out = io.popen(("%s %s --config %s --max-seconds 4 2>&1; echo rc=$?"):format(LUA, GWKITD, path)):read("*a")
    assert.matches("rc=0", out)
    local _, failed = out:gsub("job check failed: exit 3", "")
    assert.is_true(failed >= 2, out)
    local _, queued = out:gsub("alert queued %(job check%)", "")
    assert.equal(1, queued, out)
    -- the server is unreachable: the one alert waits in the spool
    local q = io.popen("ls " .. dir .. "/spool/q"):read("*a")
    local _, n = q:gsub("%.msg", "")
    assert.equal(1, n)
    local msg = support.read(dir .. "/spool/q/" .. q:match("(%S+%.msg)"))
    assert.matches("Subject: gwkitd on .+: job check failed", msg)
    assert.matches("disk full", msg)
  end)

  it("runs a script job with rt and alert, and SIGTERM ends it in the middle of rt.sleep", function()
    local dir = support.tmpdir("gwkitd")
    support.write(dir .. "/job.lua", [[
local ok, out = rt.command("echo from-the-job")
alert{ subject = "script says " .. out:gsub("%s+$", ""), text = "ran as " .. job.name .. "\n" }
rt.sleep(60)
alert{ subject = "never reached" }
]])
    local path = conf_file(dir, base(dir, ('jobs = { { name = "slow", every = 3600, script = %q } },')
      :format(dir .. "/job.lua")))
    assert(support.sh(("(%s %s --config %s --max-seconds 120 >%s/out 2>&1; echo $? >%s/rc) </dev/null &")
      :format(LUA, GWKITD, path, dir, dir)))
    local pid = support.wait(15, function()
      local out = support.read(dir .. "/out") or ""
      return out:find("alert queued (job slow)", 1, true) and out:match("started %(pid (%d+)%)")
    end)
    assert.truthy(pid, support.read(dir .. "/out"))
    assert(support.sh("kill -TERM " .. pid))
    local rc = support.wait(20, function() return support.read(dir .. "/rc") end)
    local out = support.read(dir .. "/out")
    assert.truthy(rc, out)
    assert.equal("0", rc:match("%d+"))
    assert.matches("job slow: ended by the stop", out)
    assert.matches("stopped %(signal%): 1 alert%(s%) queued", out)
    local q = io.popen("ls " .. dir .. "/spool/q"):read("*a")
    local msg = support.read(dir .. "/spool/q/" .. q:match("(%S+%.msg)"))
    assert.matches("Subject: script says from%-the%-job", msg)
    assert.matches("ran as slow", msg)
  end)

  it("writes nothing to disk while idle", function()
    local dir = support.tmpdir("gwkitd")
    support.write(dir .. "/router.log", "")
    local path = conf_file(dir, base(dir, ([[watch = { sources = { { file = %q } },
      rules = { "router_mail_failure" }, state_file = %q, rules_state_file = %q },]])
      :format(dir .. "/router.log", dir .. "/watch.state", dir .. "/rules.state")))
    assert(support.sh(("(%s %s --config %s --max-seconds 60 >%s/out 2>&1; echo $? >%s/rc) </dev/null &")
      :format(LUA, GWKITD, path, dir, dir)))
    local pid = support.wait(15, function()
      return (support.read(dir .. "/out") or ""):match("started %(pid (%d+)%)")
    end)
    assert.truthy(pid)
    support.sh("sleep 1.5")         -- settled: the first flush and watch pass are done
    support.sh("touch " .. dir .. "/marker")
    support.sh("sleep 3")
    local written = io.popen(("find %s -newer %s/marker -type f ! -name out"):format(dir, dir)):read("*a")
    assert(support.sh("kill -TERM " .. pid))
    assert.truthy(support.wait(20, function() return support.read(dir .. "/rc") end))
    assert.equal("", written)
    assert.equal("0", support.read(dir .. "/rc"):match("%d+"))
  end)
end)
