-- gwkit.rt's log and command calls (rt.syslog, rt.syslogwatch, rt.command,
-- rt.sleep), and a watch-and-mail loop written the way Yamaha router
-- scripts are written, run against the fixture's router log and mailing
-- into the real Postfix.
local support = require "support"
local rt = require "gwkit.rt"
local core = require "gwkit.core"

local LUA = os.getenv("GWKIT_LUA") or "lua5.1"

local append, error_of = support.append, support.error_of

describe("rt.syslogwatch", function()
  local dir, log
  before_each(function()
    dir = support.tmpdir("rt")
    log = dir .. "/messages"
    support.write(log, "old line: [MAIL] Error before the script started\n")
    rt.configure{ syslog = { sources = { { file = log } } }, syslogwatch_max = 5 }
  end)
  after_each(function() rt._reset() end)

  it("returns the count and the lines that match, from the configure on", function()
    append(log, { "1: [MAIL] Error one", "2: [INFO] fine", "3: [MAIL] Error two" })
    local rtn, str = rt.syslogwatch("%[MAIL%].*Error", 2, 5)
    assert.equal(2, rtn)
    assert.same({ "1: [MAIL] Error one", "3: [MAIL] Error two" }, str)
  end)

  it("keeps the lines after the count-th match for the next call", function()
    append(log, { "a [MAIL] Error 1", "b [MAIL] Error 2", "c [MAIL] Error 3" })
    local n1, s1 = rt.syslogwatch("Error", 1, 5)
    local n2, s2 = rt.syslogwatch("Error", 1, 5)
    local n3, s3 = rt.syslogwatch("Error", 1, 5)
    assert.same({ 1, 1, 1 }, { n1, n2, n3 })
    assert.same({ "a [MAIL] Error 1", "b [MAIL] Error 2", "c [MAIL] Error 3" }, { s1[1], s2[1], s3[1] })
  end)

  it("sees lines that arrived between two calls (no loss at the window edge)", function()
    append(log, { "first [MAIL] Error" })
    assert.equal(1, (rt.syslogwatch("Error", 1, 5)))
    -- the script is busy (mailing): lines arrive meanwhile
    append(log, { "second [MAIL] Error", "third [MAIL] Error" })
    core.sleep(0.2)
    local rtn, str = rt.syslogwatch("Error", 2, 5)
    assert.equal(2, rtn)
    assert.same({ "second [MAIL] Error", "third [MAIL] Error" }, str)
  end)

  it("gives up after `seconds` with what it found", function()
    append(log, { "x [MAIL] Error" })
    local t0 = core.monotime()
    local rtn, str = rt.syslogwatch("Error", 3, 0.5)
    assert.is_true(core.monotime() - t0 >= 0.5)
    assert.equal(1, rtn)
    assert.same({ "x [MAIL] Error" }, str)
    rtn, str = rt.syslogwatch("nothing matches this", 1, 0.2)
    assert.equal(0, rtn)
    assert.same({}, str)
  end)

  it("waits syslogwatch_max seconds when `seconds` is left out", function()
    rt.configure{ syslog = { sources = { { file = log } } }, syslogwatch_max = 0.3 }
    local t0 = core.monotime()
    assert.equal(0, (rt.syslogwatch("never")))
    assert.is_true(core.monotime() - t0 >= 0.3)
  end)

  it("sees the script's own rt.syslog lines once, even when they come back through the file", function()
    assert.is_true(rt.syslog("info", "[LUA] PD Error: prefix lost"))
    -- syslogd writing the same line to the watched file
    append(log, { os.date("%b %e %H:%M:%S") .. " router gwkit-rt: [LUA] PD Error: prefix lost" })
    local rtn, str = rt.syslogwatch("PD Error", 5, 0.5)
    assert.equal(1, rtn)
    assert.matches("^%d+/%d+/%d+ %d+:%d+:%d+: %[LUA%] PD Error: prefix lost$", str[1])
  end)

  it("keeps at most `buffer` lines between calls, dropping the oldest and counting them", function()
    rt.configure{ syslog = { sources = { { file = log } } }, buffer = 3 }
    for i = 1, 5 do rt.syslog("notice", "own " .. i) end
    assert.equal(2, rt.syslogwatch_dropped())
    local rtn, str = rt.syslogwatch("own", 5, 0.2)
    assert.equal(3, rtn)
    assert.matches("own 3$", str[1])
    assert.matches("own 5$", str[3])
  end)

  local bad = {
    { "pattern not a string", { 5 }, "'rt.syslogwatch': argument #1 is invalid." },
    { "malformed pattern", { "[a" }, "'rt.syslogwatch': argument #1 is invalid." },
    { "count 0", { "x", 0 }, "'rt.syslogwatch': argument #2 is invalid." },
    { "count 1.5", { "x", 1.5 }, "'rt.syslogwatch': argument #2 is invalid." },
    { "seconds -1", { "x", 1, -1 }, "'rt.syslogwatch': argument #3 is invalid." },
    { "seconds a string", { "x", 1, "5" }, "'rt.syslogwatch': argument #3 is invalid." },
  }
  for _, c in ipairs(bad) do
    it("raises for " .. c[1], function()
      assert.equal(c[3], error_of(rt.syslogwatch, unpack(c[2])))
    end)
  end

  it("raises for a pattern that fails only on a line that gets as far as its end", function()
    append(log, { "x marks the spot" })
    assert.equal("'rt.syslogwatch': argument #1 is invalid.", error_of(rt.syslogwatch, "x%", 1, 2))
  end)
end)

describe("rt.syslog, rt.command, rt.sleep", function()
  after_each(function() rt._reset() end)

  it("rt.syslog takes the router's levels and refuses others", function()
    for _, lv in ipairs({ "info", "notice", "debug" }) do assert.is_true(rt.syslog(lv, "gwkit test " .. lv)) end
    assert.equal("'rt.syslog': argument #1 is invalid.", error_of(rt.syslog, "loud", "x"))
    assert.equal("'rt.syslog': argument #1 is invalid.", error_of(rt.syslog, nil, "x"))
    assert.equal("'rt.syslog': argument #2 is invalid.", error_of(rt.syslog, "info", {}))
  end)

  it("rt.command returns ok and the output", function()
    local ok, out = rt.command("echo hello; echo oops >&2")
    assert.is_true(ok)
    assert.equal("hello\noops\n", out)
    ok, out = rt.command("echo partial; exit 4")
    assert.is_false(ok)
    assert.equal("partial\n", out)
  end)

  it("rt.command stops a command at its deadline", function()
    rt.configure{ command_timeout = 0.5 }
    local t0 = core.monotime()
    local ok, out = rt.command("echo started; sleep 30")
    assert.is_false(ok)
    assert.matches("^started\n", out)
    assert.matches("rt.command: timed out after 0.5 s", out)
    assert.is_true(core.monotime() - t0 < 25)
  end)

  it("rt.command with log on puts a line the script can watch", function()
    rt.configure{ syslog = { sources = { { file = support.tmpdir("rt") .. "/none" } } } }
    assert.is_true((rt.command("true", "on")))
    local rtn, str = rt.syslogwatch("rt%.command: true: exit 0", 1, 0.2)
    assert.equal(1, rtn, str[1])
  end)

  it("rt.command and rt.sleep refuse bad arguments as the router does", function()
    assert.equal("'rt.command': argument #1 is invalid.", error_of(rt.command, 5))
    assert.equal("'rt.command': argument #1 is invalid.", error_of(rt.command, ""))
    assert.equal("'rt.command': argument #2 is invalid.", error_of(rt.command, "true", "yes"))
    assert.equal("'rt.sleep': argument #1 is invalid.", error_of(rt.sleep, -1))
    assert.equal("'rt.sleep': argument #1 is invalid.", error_of(rt.sleep, "1"))
  end)

  it("rt.sleep sleeps", function()
    local t0 = core.monotime()
    rt.sleep(0.3)
    assert.is_true(core.monotime() - t0 >= 0.3)
  end)

  it("rt.configure names a bad field", function()
    assert.has_error(function() rt.configure{ buffer = 0 } end,
      "config: rt.configure: field 'buffer': must be >= 1, got 0")
    assert.has_error(function() rt.configure{ colour = 1 } end)
  end)
end)

describe("a router watch-and-mail script, unchanged, against the real Postfix", function()
  local env
  setup(function() env = support.mailstack_start() end)
  teardown(function() support.mailstack_stop(env) end)

  -- Written as for a Yamaha router: globals, rt.* calls, an endless loop
  -- (here bounded by a counter so the test ends).
  local SCRIPT = [[
-- Mail the administrator when the router's mailer reports an error.
mail_table = {
  smtp_address = "%s",
  smtp_port = %d,
  smtp_auth_name = "%s",
  smtp_auth_password = "%s",
  smtp_auth_protocol = "plain",
  from = "%s",
  to = "%s",
  subject = "[NVR510] mail error",
  text = ""
}
ptn = "%%[MAIL%%].*Error"
loops = 0

while true do
  rtn, str = rt.syslogwatch(ptn, 1, 1)
  if rtn > 0 then
    mail_table.text = str[1]
    rslt = rt.mail(mail_table)
    if not rslt then
      rt.syslog("info", "[LUA] mail error alert could not be sent")
    end
  end
  loops = loops + 1
  if loops >= 14 then break end   -- test only: a router script runs forever
end
]]

  it("mails each error line of the router log exactly once, also lines that came while mailing", function()
    support.sh("rm -rf " .. env.MAILDIR .. "/carol/*")
    local dir = support.tmpdir("rtscript")
    local log = dir .. "/router.log"
    support.write(log, "")
    support.write(dir .. "/script.lua", SCRIPT:format(env.HOST4, tonumber(env.SUBMISSION_PORT),
      env.USER1, env.PASS1, env.USER1, env.RCPT3))
    -- The only Linux-side line: where the router's log is.
    local prelude = ('rt = require "gwkit.rt"; rt.configure{ syslog = { sources = { { file = %q } } } }')
      :format(log)
    assert(support.sh(("(SSL_CERT_FILE=%s %s -e '%s' %s/script.lua >%s/out 2>&1; echo $? >%s/rc) </dev/null &")
      :format(env.CAFILE, LUA, prelude, dir, dir, dir)))
    core.sleep(0.5)                     -- the script is watching
    local fixture = {}
    for line in support.read(support.top .. "/tests/fixtures/nvr510-mail-error.log"):gmatch("[^\n]+") do
      fixture[#fixture + 1] = line
    end
    local expected = {}
    local function feed(tag)
      local lines = {}
      for i, l in ipairs(fixture) do
        lines[i] = l:gsub("%[11%]", "[" .. tag .. "]")
        if lines[i]:find("%[MAIL%].*Error") then expected[#expected + 1] = lines[i] end
      end
      append(log, lines)
    end
    feed("21")
    assert.equal(3, #expected)                -- three error lines in the fixture's exchange
    assert.truthy(support.mailbox(env, "carol", 1)[1], support.read(dir .. "/out"))
    feed("22")                                -- arrives while the script mails
    support.mailbox(env, "carol", 6)
    local rc = support.wait(40, function() return support.read(dir .. "/rc") end)
    assert.truthy(rc)
    assert.equal("0", rc:match("%d+"), support.read(dir .. "/out"))
    local files = support.mailbox(env, "carol", 6)
    assert.equal(6, #files, support.read(dir .. "/out"))
    local texts = {}
    for _, f in ipairs(files) do
      local m = support.read(f)
      assert.matches("\nSubject: %[NVR510%] mail error", m)
      local body = m:match("\r?\n\r?\n(.*)$"):gsub("\r?\n$", "")
      texts[#texts + 1] = body
    end
    table.sort(texts)
    table.sort(expected)
    assert.same(expected, texts)
  end)
end)
