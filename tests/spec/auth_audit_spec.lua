-- scripts/auth-audit on the fixtures (counts worked out by hand), on a
-- gzip file, on standard input, and on a generated log with a reused pid.
-- luacheck: no max line length (the expected table is as wide as it is)
local support = require "support"
local gen = require "logwatch_gen"

local FIX = support.top .. "/tests/fixtures/"

-- Runs auth-audit; returns exit status, stdout, stderr.
local function audit(args, input) return support.run_script("auth-audit", args, input) end

-- From postfix-maillog.txt: three smtpd sessions with a login, pids 7771
-- (TLS, centos7), 29629 (no TLS, USER-2), 913 (TLS, USER-1). From
-- dovecot-maillog.txt: USER-3 IMAP without TLS, USER-2 POP3 without TLS,
-- USER-1 IMAP with TLSv1.2, USER-1 POP3 with TLSv1 (old).
local TABLE = [[
USER                      PROTO  TLS  NO-TLS  UNKNOWN  OLD-TLS  FIRST                LAST                 CLIENTS
USER-1                    IMAP     1       0        0        0  2023-10-29 03:34:08  2023-10-29 03:34:08  192.0.2.22
USER-1                    POP3     1       0        0        1  2023-10-30 08:45:51  2023-10-30 08:45:51  192.0.2.23
USER-1                    SMTP     1       0        0        0  2023-10-29 09:28:28  2023-10-29 09:28:28  192.0.2.11
USER-2                    POP3     0       1        0        0  2023-10-30 08:30:06  2023-10-30 08:30:06  192.0.2.21
USER-2                    SMTP     0       1        0        0  2023-10-29 07:00:07  2023-10-29 07:00:07  192.0.2.10
USER-3                    IMAP     0       1        0        0  2023-10-30 08:52:45  2023-10-30 08:52:45  192.0.2.20
centos7@phoenixknight.jp  SMTP     1       0        0        0  2023-09-17 12:49:26  2023-09-17 12:49:26  153.126.190.153
]]

local POSTFIX_CSV = [[
user,protocol,tls,no_tls,unknown,old_tls,first,last,clients
USER-1,SMTP,1,0,0,0,2023-10-29 09:28:28,2023-10-29 09:28:28,192.0.2.11
USER-2,SMTP,0,1,0,0,2023-10-29 07:00:07,2023-10-29 07:00:07,192.0.2.10
centos7@phoenixknight.jp,SMTP,1,0,0,0,2023-09-17 12:49:26,2023-09-17 12:49:26,153.126.190.153
]]

describe("auth-audit", function()
  it("prints its usage with --help, and refuses unknown options", function()
    local rc, out = audit("--help")
    assert.equal(0, rc)
    assert.matches("usage: auth%-audit", out)
    assert.matches("%-%-csv", out)
    local rc2, _, err = audit("--frobnicate x")
    assert.equal(2, rc2)
    assert.matches("unknown option %-%-frobnicate", err)
    local rc3, _, err3 = audit("")
    assert.equal(2, rc3)
    assert.matches("no log file given", err3)
  end)

  it("counts the fixtures' logins per user and protocol (table)", function()
    local rc, out, err = audit(("--year 2023 %spostfix-maillog.txt %sdovecot-maillog.txt"):format(FIX, FIX))
    assert.equal(0, rc, err)
    assert.equal(TABLE, out)
  end)

  it("writes CSV, and reads a .gz file and standard input the same", function()
    local rc, out = audit("--csv --year 2023 " .. FIX .. "postfix-maillog.txt")
    assert.equal(0, rc)
    assert.equal(POSTFIX_CSV, out)
    local dir = support.tmpdir("auditgz")
    assert(support.sh(("gzip -c %spostfix-maillog.txt > %s/mail.log.1.gz"):format(FIX, dir)))
    local rcz, outz = audit("--csv --year 2023 " .. dir .. "/mail.log.1.gz")
    assert.equal(0, rcz)
    assert.equal(POSTFIX_CSV, outz)
    local rcs, outs = audit("--csv --year 2023 -", support.read(FIX .. "postfix-maillog.txt"))
    assert.equal(0, rcs)
    assert.equal(POSTFIX_CSV, outs)
    support.sh("rm -rf " .. dir)
  end)

  it("follows sessions by pid: reuse, several messages, a session begun before the log", function()
    local t = os.time{ year = 2024, month = 6, day = 1, hour = 9 }
    local lines = gen.concat(
      -- bob's session began before the log: its TLS state is unknown
      { ("%s mail postfix/smtpd[999]: Q9: client=b[198.51.100.9], sasl_method=PLAIN, sasl_username=bob")
          :format(gen.bsd_time(t - 5)) },
      gen.postfix_session(t, 4242, { user = "alice", addr = "192.0.2.60", tls = true, messages = 3 }),
      gen.postfix_session(t + 30, 4242, { user = "alice", addr = "192.0.2.61", tls = false }),
      gen.postfix_session(t + 60, 4242, { addr = "192.0.2.62" }),        -- no login at all
      { gen.dovecot_login(t + 90, "imap", "alice", "192.0.2.70", "TLSv1.3"),
        gen.dovecot_login(t + 95, "imap", "alice", "192.0.2.62", nil),
        gen.dovecot_login(t + 99, "pop3", "bob, \"the\" builder", "192.0.2.71", "TLSv1.1") })
    local dir = support.tmpdir("auditgen")
    gen.write(dir .. "/mail.log", lines)
    local rc, out = audit("--csv --year 2024 " .. dir .. "/mail.log")
    assert.equal(0, rc)
    local function ts(dt) return os.date("%Y-%m-%d %H:%M:%S", t + dt) end
    assert.equal(table.concat({
      "user,protocol,tls,no_tls,unknown,old_tls,first,last,clients",
      ("alice,IMAP,1,1,0,0,%s,%s,192.0.2.70 192.0.2.62"):format(ts(90), ts(95)),
      ("alice,SMTP,1,1,0,0,%s,%s,192.0.2.60 192.0.2.61"):format(ts(1), ts(31)),
      ("bob,SMTP,0,0,1,0,%s,%s,198.51.100.9"):format(ts(-5), ts(-5)),
      ('"bob, ""the"" builder",POP3,1,0,0,1,%s,%s,192.0.2.71'):format(ts(99), ts(99)),
    }, "\n") .. "\n", out)
    -- With --tls-min 1.0, TLSv1.1 is not old.
    local _, out2 = audit("--csv --tls-min 1.0 --year 2024 " .. dir .. "/mail.log")
    assert.truthy(out2:find('"bob, ""the"" builder",POP3,1,0,0,0,', 1, true))
    support.sh("rm -rf " .. dir)
  end)

  it("reports an unreadable file (exit 1) and still counts the others", function()
    local rc, out, err = audit("--year 2023 /nonexistent/mail.log " .. FIX .. "dovecot-maillog.txt")
    assert.equal(1, rc)
    assert.matches("auth%-audit: logwatch: /nonexistent/mail%.log: missing", err)
    assert.truthy(out:find("USER-3                    IMAP", 1, true) or out:find("USER-3  IMAP", 1, true))
    local dir = support.tmpdir("auditbad")
    support.write(dir .. "/broken.gz", "not gzip\n")
    local rcb, _, errb = audit(dir .. "/broken.gz")
    assert.equal(1, rcb)
    assert.matches("gzip failed", errb)
    support.sh("rm -rf " .. dir)
  end)
end)
