-- core.log_parse as gwkit.logwatch and gwkit.rules see it: the table of
-- each fixture line (Postfix, Dovecot, relay log, Yamaha NVR510 log), RFC
-- 5424 structured data as sdata, RFC 3164 over the wire, absent fields
-- absent, and the line length bound.
local core = require "gwkit.core"
local support = require "support"

local function fixture(name)
  local out = {}
  for line in assert(support.read(support.top .. "/tests/fixtures/" .. name)):gmatch("[^\n]+") do
    out[#out + 1] = line
  end
  return out
end

-- Keys present in t, sorted, as one string.
local function keys(t)
  local k = {}
  for name in pairs(t) do k[#k + 1] = name end
  table.sort(k)
  return table.concat(k, " ")
end

local BSD_KEYS = "app day format host hour min month msg pid sec time"

describe("core.log_parse on the fixtures", function()
  it("reads every Postfix line as bsd with host, tag, pid and message", function()
    local lines = fixture("postfix-maillog.txt")
    assert.equal(16, #lines)
    for _, line in ipairs(lines) do
      local r = assert(core.log_parse(line))
      assert.equal(BSD_KEYS, keys(r))
      assert.equal("bsd", r.format)
      assert.equal(line:sub(1, 15), r.time)
      local host, app, pid, msg = line:match("^... .. ..:..:.. (%S+) ([%w/]+)%[(%d+)%]: (.*)$")
      assert.same({ host, app, pid, msg }, { r.host, r.app, r.pid, r.msg })
      assert.is_string(r.pid)
    end
  end)

  it("gives the first Postfix line field by field", function()
    local r = core.log_parse(fixture("postfix-maillog.txt")[1])
    assert.same({
      format = "bsd", time = "Sep 17 12:48:22", month = 9, day = 17, hour = 12, min = 48, sec = 22,
      host = "ik1-331-25649", app = "postfix/smtpd", pid = "7771",
      msg = "connect from ik1-331-25649.vs.sakura.ne.jp[153.126.190.153]",
    }, r)
  end)

  it("reads Dovecot lines: tag without pid, the rest in msg", function()
    local lines = fixture("dovecot-maillog.txt")
    assert.equal(8, #lines)
    for _, line in ipairs(lines) do
      local r = assert(core.log_parse(line))
      assert.equal("app day format host hour min month msg sec time", keys(r))
      assert.equal("mail", r.host)
      assert.equal("dovecot", r.app)
      assert.equal(line:match("dovecot: (.*)$"), r.msg)
    end
    assert.same({
      format = "bsd", time = "Oct 30 09:23:03", month = 10, day = 30, hour = 9, min = 23, sec = 3,
      host = "mail", app = "dovecot", msg = "imap(USER-3): Disconnected: Logged out bytes=231/634",
    }, core.log_parse(lines[2]))
  end)

  it("reads the relay log's RFC 2822 dates, and the last line as plain", function()
    local lines = fixture("relay-abuse.log")
    assert.equal(5, #lines)
    assert.same({
      format = "rfc2822", time = "Fri, 13 Feb 2004 01:45:08 +0900", year = 2004, month = 2,
      day = 13, hour = 1, min = 45, sec = 8, tzoff = 540,
      msg = "220.86.126.77 SMTP connection opened",
    }, core.log_parse(lines[1]))
    for i = 2, 4 do
      local r = core.log_parse(lines[i])
      assert.equal("rfc2822", r.format)
      assert.equal(lines[i]:sub(33), r.msg)
    end
    assert.same({ format = "plain", msg = "Moving message from xxx@example.co.jp to zzzzzz@hanmail.net" },
      core.log_parse(lines[5]))
  end)

  it("reads the Yamaha NVR510 log, [MAIL] kept in msg", function()
    local lines = fixture("nvr510-mail-error.log")
    assert.equal(30, #lines)
    for _, line in ipairs(lines) do
      local r = core.log_parse(line)
      assert.equal("day format hour min month msg sec time year", keys(r))
      assert.equal("yamaha", r.format)
      assert.equal(line:sub(22), r.msg)
      assert.equal("[MAIL] ", r.msg:sub(1, 7))
    end
    assert.same({
      format = "yamaha", time = "2023/09/18 15:45:28", year = 2023, month = 9, day = 18,
      hour = 15, min = 45, sec = 28,
      msg = "[MAIL] [11]Recv Msg: \"535 CRAM-MD5 not supported for someone@somewhere.plala.or.jp\"",
    }, core.log_parse(lines[23]))
  end)

  it("drops one line end", function()
    local line = fixture("postfix-maillog.txt")[8]
    for _, eol in ipairs({ "\n", "\r\n", "\r" }) do
      assert.same(core.log_parse(line), core.log_parse(line .. eol))
    end
  end)
end)

describe("core.log_parse on syslog messages", function()
  it("RFC 5424 with structured data: sd raw, sdata parsed, BOM dropped", function()
    local r = core.log_parse('<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 '
      .. '[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"]'
      .. '[examplePriority@32473 class="high"][x@1 q="a\\"b\\\\c\\]d"] \239\187\191An event')
    assert.equal("rfc5424", r.format)
    assert.equal(165, r.pri)
    assert.equal(20, r.facility)
    assert.equal(5, r.severity)
    assert.equal("2003-10-11T22:14:15.003Z", r.time)
    assert.same({ 2003, 10, 11, 22, 14, 15, 0 }, { r.year, r.month, r.day, r.hour, r.min, r.sec, r.tzoff })
    assert.is_true(math.abs(r.frac - 0.003) < 1e-9)
    assert.equal("mymachine.example.com", r.host)
    assert.equal("evntslog", r.app)
    assert.is_nil(r.pid)
    assert.equal("ID47", r.msgid)
    assert.equal("An event", r.msg)
    assert.equal('[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"]'
      .. '[examplePriority@32473 class="high"][x@1 q="a\\"b\\\\c\\]d"]', r.sd)
    assert.same({
      ["exampleSDID@32473"] = { iut = "3", eventSource = "Application", eventID = "1011" },
      ["examplePriority@32473"] = { class = "high" },
      ["x@1"] = { q = 'a"b\\c]d' },
    }, r.sdata)
  end)

  it("RFC 5424 NILVALUEs leave fields absent; an element without params is an empty table", function()
    assert.same({ format = "rfc5424", pri = 14, facility = 1, severity = 6, msg = "" },
      core.log_parse("<14>1 - - - - - -"))
    local r = core.log_parse("<14>1 - - - - - [a@1] x")
    assert.same({ ["a@1"] = {} }, r.sdata)
    assert.equal("x", r.msg)
  end)

  it("RFC 3164 with and without a timestamp", function()
    assert.same({
      format = "rfc3164", pri = 34, facility = 4, severity = 2, time = "Oct 11 22:14:15",
      month = 10, day = 11, hour = 22, min = 14, sec = 15, host = "mymachine", app = "su",
      msg = "'su root' failed for lonvick on /dev/pts/8",
    }, core.log_parse("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8"))
    assert.same({ format = "rfc3164", pri = 190, facility = 23, severity = 6,
                  msg = "[INSPECT] PP[01][out] TCP 192.0.2.1:1 > 192.0.2.2:2" },
      core.log_parse("<190>[INSPECT] PP[01][out] TCP 192.0.2.1:1 > 192.0.2.2:2"))
  end)

  it("an rsyslog file line (iso)", function()
    assert.same({
      format = "iso", time = "2026-11-23T13:39:07.5+09:00", year = 2026, month = 11, day = 23,
      hour = 13, min = 39, sec = 7, frac = 0.5, tzoff = 540, host = "gw", app = "kernel", pid = "0",
      msg = "x",
    }, core.log_parse("2026-11-23T13:39:07.5+09:00 gw kernel[0]: x"))
  end)
end)

describe("core.log_parse on bad input", function()
  local CASES = {
    "", "<>", "<192>x", "<01>x", "<999999999999999999>x", "\0\1\2\255",
    "Feb 30 12:00:00 h t: m", "Oct 11 25:00:00 h t: m", "2023/13/01 00:00:00: x",
  }
  for _, line in ipairs(CASES) do
    it(("never fails: %q"):format(line), function()
      local r = assert(core.log_parse(line))
      assert.equal("plain", r.format)
      assert.equal(line, r.msg)
    end)
  end

  it("keeps bytes that are not UTF-8 and NULs inside", function()
    local r = core.log_parse("Oct 11 22:14:15 h t: \255\254\0x")
    assert.equal("\255\254\0x", r.msg)
  end)

  it("takes a 64 KiB line and refuses one byte more", function()
    local r = assert(core.log_parse(("a"):rep(65536) .. "\n"))
    assert.equal(65536, #r.msg)
    local v, err, info = core.log_parse(("a"):rep(65537))
    assert.is_nil(v)
    assert.equal("log: line longer than 65536 bytes", err)
    assert.equal("bad_argument", info.kind)
  end)

  it("raises on a non-string argument", function()
    assert.has_error(function() core.log_parse() end)
    assert.has_error(function() core.log_parse({}) end)
  end)
end)
