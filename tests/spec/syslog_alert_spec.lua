-- scripts/syslog-alert: --once --dry-run on the fixtures, configuration
-- errors with their line, offsets kept across --once runs, and once end to
-- end: running continuously, alerts mailed through the real Postfix, then
-- stopped by SIGTERM.
local support = require "support"
local gen = require "logwatch_gen"

local LUA = os.getenv("GWKIT_LUA") or "lua5.1"
local SCRIPT = support.top .. "/scripts/syslog-alert"
local FIX = support.top .. "/tests/fixtures/"

-- Runs syslog-alert; returns exit status, stdout, stderr.
local function run(args, input) return support.run_script("syslog-alert", args, input) end

local function subjects(out)
  local t = {}
  for s in out:gmatch("\nSubject: ([^\n]*)") do t[#t + 1] = s end
  table.sort(t)
  return t
end

local ALL_BUILTINS = [[
  rules = {
    { builtin = "router_mail_failure" },
    { builtin = "router_prefix_change" },
    { builtin = "postfix_sasl_new_address" },
    { builtin = "auth_without_tls" },
    { builtin = "send_burst" },
  },
]]

describe("syslog-alert", function()
  local dir
  before_each(function() dir = support.tmpdir("salertcfg") end)
  after_each(function() support.sh("rm -rf " .. dir) end)

  it("prints its usage with --help and refuses bad usage", function()
    local rc, out = run("--help")
    assert.equal(0, rc)
    assert.matches("usage: syslog%-alert %-%-config FILE", out)
    assert.matches("Exit status:", out)
    assert.equal(2, (run("--once")))
    local rc2, _, err = run("--config x --frobnicate")
    assert.equal(2, rc2)
    assert.matches("unknown option %-%-frobnicate", err)
  end)

  it("--once --dry-run on the fixtures prints the expected alerts", function()
    local conf = dir .. "/conf.lua"
    support.write(conf, ([[
      return {
        sources = {
          { file = %q, from = "start" }, { file = %q, from = "start" },
          { file = %q, from = "start" }, { file = %q, from = "start" },
        },
        %s
        subject_prefix = "[gw] ",
      }
    ]]):format(FIX .. "nvr510-mail-error.log", FIX .. "postfix-maillog.txt",
               FIX .. "dovecot-maillog.txt", FIX .. "relay-abuse.log", ALL_BUILTINS))
    local rc, out, err = run("--config " .. conf .. " --once --dry-run")
    assert.equal(0, rc, err)
    assert.same({
      "[gw] IMAP login without TLS for USER-3 from 192.0.2.20",
      "[gw] POP3 login with TLSv1 (below 1.2) for USER-1 from 192.0.2.23",
      "[gw] POP3 login without TLS for USER-2 from 192.0.2.21",
      "[gw] SMTP login without TLS for USER-2 from 192.0.2.10",
      "[gw] new login address for USER-1: 192.0.2.11 (PLAIN)",
      "[gw] new login address for USER-2: 192.0.2.10 (login)",
      "[gw] new login address for centos7@phoenixknight.jp: 153.126.190.153 (cram-md5)",
      "[gw] router mail failure: 535 CRAM-MD5 not supported for someone@somewhere.plala.or.jp",
    }, subjects(out))
    assert.matches("%-%-%- alert %d: rule router_mail_failure %(err%), 3 match%(es%)", out)
    assert.truthy(out:find("Mail SMTP Service Receive Error(28)", 1, true))
  end)

  it("reads FILE arguments (plain, .gz, standard input) with --once instead of the sources", function()
    local conf = dir .. "/conf.lua"
    support.write(conf, "return { sources = { { file = '/nonexistent' } }, " .. ALL_BUILTINS .. " }")
    assert(support.sh(("gzip -c %sdovecot-maillog.txt > %s/dovecot.log.1.gz"):format(FIX, dir)))
    local rc, out = run(("--config %s --once --dry-run %s/dovecot.log.1.gz -"):format(conf, dir),
      support.read(FIX .. "relay-abuse.log") ..
      table.concat(gen.relay_burst(os.time() - 3600, "203.0.113.5", 40, 3), "\n") .. "\n")
    assert.equal(0, rc)
    local s = subjects(out)
    assert.equal(4, #s)
    assert.matches("^%[gwkit .*%] send burst: client 203%.0%.113%.5 sent 40 messages in 117 s$", s[4])
  end)

  it("names the file, the line and the field of a configuration error", function()
    local conf = dir .. "/conf.lua"
    support.write(conf, table.concat({
      "return {",
      "  sources = { { file = '/var/log/x' } },",
      "  rules = {",
      "    { builtin = 'send_burst' },",
      "    { name = 'mine', match = 'x',",
      "      threshold = { count = 2, windw = 10 } },",
      "  },",
      "}" }, "\n"))
    local rc, _, err = run("--config " .. conf .. " --once --dry-run")
    assert.equal(2, rc)
    assert.matches("config: " .. conf:gsub("%p", "%%%0") ..
      ":6: rules: rule 'mine' %(#2%): bad field 'threshold%.windw' %(unknown field%)", err)
    support.write(conf, "return { sources = { { file = 1 } }, rules = { { match = 'x' } } }")
    rc, _, err = run("--config " .. conf .. " --once --dry-run")
    assert.equal(2, rc)
    assert.matches("bad field 'sources%[1%]%.file'", err)
    support.write(conf, "return { sources = { { file = 'x' } }, rules = { { match = 'x' } } }")
    rc, _, err = run("--config " .. conf .. " --once")
    assert.equal(2, rc)
    assert.matches("field 'outbox': missing %(required%)", err)
    support.write(conf, "return { sources = {", "")
    rc, _, err = run("--config " .. conf .. " --once --dry-run")
    assert.equal(2, rc)
    assert.matches("config: ", err)
  end)

  it("--once remembers where it stopped (state_dir); --dry-run leaves that alone", function()
    local log, state, spool = dir .. "/router.log", dir .. "/state", dir .. "/spool"
    support.sh("mkdir -p " .. state)
    local t = os.time() - 7200
    gen.write(log, gen.concat(gen.router_noise(t, 10), gen.router_failure(t + 100)))
    local conf = dir .. "/conf.lua"
    -- The only route is a closed port: alerts stay spooled for a retry.
    support.write(conf, ([[
      return {
        sources = { { file = %q, from = "start" } },
        rules = { { builtin = "router_mail_failure" } },
        state_dir = %q,
        outbox = { dir = %q, from = "gw@example.test", to = { "admin@example.test" },
                   routes = { { smtp = { server = "127.0.0.1", port = 9, timeout = 2 } } } },
      }
    ]]):format(log, state, spool))
    local function queued()
      local n = 0
      for name in io.popen("ls " .. spool .. "/q"):lines() do
        if name:match("%.msg$") then n = n + 1 end
      end
      return n
    end
    -- A dry run shows the alert but moves nothing on.
    local rc, out = run("--config " .. conf .. " --once --dry-run")
    assert.equal(0, rc)
    assert.equal(1, #subjects(out))
    assert.is_nil(io.open(state .. "/syslog-alert.offsets"))
    local rc1, _, err1 = run("--config " .. conf .. " --once")
    assert.equal(0, rc1, err1)
    assert.matches("1 alert%(s%); outbox: 0 sent, 1 waiting for a retry", err1)
    assert.equal(1, queued())
    local rc2, _, err2 = run("--config " .. conf .. " --once")
    assert.equal(0, rc2)
    assert.matches("0 alert%(s%)", err2)
    assert.equal(1, queued())
    gen.append(log, gen.router_failure(t + 3000))
    local rc3, _, err3 = run("--config " .. conf .. " --once")
    assert.equal(0, rc3)
    assert.matches("1 alert%(s%)", err3)
    assert.equal(2, queued())
    assert.truthy(support.read(spool .. "/q/" .. io.popen("ls " .. spool .. "/q"):read("*l"))
      :find("router mail failure", 1, true))
  end)
end)

describe("syslog-alert end to end", function()
  local env

  setup(function() env = support.mailstack_start() end)
  teardown(function() support.mailstack_stop(env) end)

  it("runs continuously, mails each alert once through Postfix, stops cleanly on SIGTERM", function()
    local dir = support.tmpdir("salerte2e")
    support.sh("chmod 755 " .. dir)
    local log = dir .. "/router.log"
    support.write(log, "")
    support.write(dir .. "/conf.lua", ([[
      return {
        sources = { { file = %q, from = "start" } },
        rules = {
          { builtin = "router_mail_failure", batch = 1 },
          { builtin = "send_burst", max = 10, within = 600, batch = 1 },
        },
        state_dir = %q,
        subject_prefix = "[e2e] ",
        outbox = {
          dir = %q, from = %q, to = { %q },
          routes = { { smtp = { server = %q, port = %d, cafile = %q, user = %q,
                                password = os.getenv("E2E_PASSWORD"), timeout = 10 } } },
        },
      }
    ]]):format(log, dir, dir .. "/spool", env.USER1, env.RCPT3, env.HOST4,
               tonumber(env.SUBMISSION_PORT), env.CAFILE, env.USER1))
    -- The password comes from the environment; the lifetime bounds the run.
    local cmd = ("E2E_PASSWORD='%s' timeout 120 sh -c 'echo $$ > %s/pid; exec %s %s --config %s/conf.lua' " ..
      "</dev/null >%s/out 2>%s/err; echo $? > %s/rc"):format(env.PASS1:gsub("'", "'\\''"), dir, LUA,
      SCRIPT, dir, dir, dir, dir)
    assert(support.sh("(" .. cmd .. ") >/dev/null 2>&1 &"))
    local pid = support.wait(10, function() return (support.read(dir .. "/pid") or ""):match("%d+") end)
    assert(pid, "syslog-alert did not start")
    local t = os.time()
    local burst = {}
    for i = 1, 30 do      -- a flood: 30 messages in the same second
      burst[i] = ("%s mail postfix/smtpd[777]: B%04d: client=bad[203.0.113.9], sasl_method=LOGIN, " ..
        "sasl_username=mallory"):format(gen.bsd_time(t + 2), i)
    end
    gen.append(log, gen.concat(gen.router_failure(t), burst))
    local files = support.mailbox(env, "carol", 2)
    assert.equal(2, #files, "two alert mails expected; stderr: " .. (support.read(dir .. "/err") or ""))
    local got = {}
    for _, f in ipairs(files) do
      -- The Subject header, unfolded (RFC 5322 2.2.3).
      local m = support.read(f):gsub("\r?\n([ \t])", "%1")
      got[#got + 1] = m:match("\nSubject: ([^\r\n]*)")
    end
    table.sort(got)
    assert.same({ "[e2e] router mail failure: 535 CRAM-MD5 not supported for someone@example.jp",
                  "[e2e] send burst: user mallory sent 30 messages in 0 s" }, got)
    local body = support.read(files[1]) .. support.read(files[2])
    assert.is_nil(body:find(env.PASS1, 1, true))
    assert.is_nil(body:find("c29tZW9uZUBleGFtcGxlLmpwIGMxMTVhMTIzMzllMjUyZmQ=", 1, true))
    -- Nothing waits in the spool; SIGTERM stops it with status 0.
    assert.is_true(support.wait(10, function()
      return io.popen("ls " .. dir .. "/spool/q"):read("*a") == ""
    end))
    assert(support.sh("kill -TERM " .. pid))
    local rc = support.wait(20, function() return tonumber(support.read(dir .. "/rc") or "") end)
    assert.equal(0, rc, support.read(dir .. "/err"))
    assert.matches("stopped by SIGTERM after 2 alert%(s%)", support.read(dir .. "/err"))
    -- Its offsets were saved: a --once run afterwards finds nothing new.
    assert.truthy(support.read(dir .. "/syslog-alert.offsets"):find(log, 1, true))
    local rc2, out2 = run("--config " .. dir .. "/conf.lua --once --dry-run")
    assert.equal(0, rc2)
    assert.equal("", out2)
    -- Still exactly two mails.
    assert.equal(2, #support.mailbox(env, "carol", 2))
    support.sh("rm -rf " .. dir)
  end)
end)
