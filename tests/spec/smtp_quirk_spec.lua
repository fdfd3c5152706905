-- gwkit.smtp against the scriptable fault server (tests/servers/smtpd_quirk.py):
-- the behaviour no real server shows. Every case is a real TCP (and TLS)
-- conversation on loopback.
local support = require "support"
local smtp = require "gwkit.smtp"
local core = require "gwkit.core"

local USER, PASS = "someone@example.jp", "Secret-42"

-- The password in every form a careless client could leak it in.
local SECRET_FORMS = { PASS, core.b64encode(PASS), core.b64encode("\0" .. USER .. "\0" .. PASS) }

local function base(server, extra)
  local t = { server = "127.0.0.1", port = server.port, cafile = server.cafile,
              user = USER, password = PASS, from = USER, to = { "admin@example.jp" },
              subject = "router alert", text = "PD changed\n", timeout = 5 }
  for k, v in pairs(extra or {}) do t[k] = v end
  return t
end

local function no_secret(text)
  for _, s in ipairs(SECRET_FORMS) do
    assert.is_nil(text:find(s, 1, true), "secret leaked: " .. text)
  end
end

local function joined(lines) return table.concat(lines, "\n") end

describe("the ISP that advertises CRAM-MD5 and refuses it", function()
  before_each(function() smtp._forget() end)

  it("falls back from CRAM-MD5 to PLAIN in the router's order, over plain text when allowed", function()
    local srv = support.quirk("isp", { tls = false })
    local trace, lines = support.tracer()
    local res, err = smtp.send(base(srv, { tls = "none", allow_plaintext_auth = true,
      mechanisms = { "CRAM-MD5", "PLAIN", "LOGIN" }, trace = trace }))
    assert.is_nil(err)
    assert.equal("PLAIN", res.mechanism)
    assert.equal(2, #res.attempts)
    assert.same({ "CRAM-MD5", 535 }, { res.attempts[1].mechanism, res.attempts[1].code })
    assert.equal("535 CRAM-MD5 not supported for " .. USER, res.attempts[1].reply)
    assert.same({ "PLAIN", 235 }, { res.attempts[2].mechanism, res.attempts[2].code })
    assert.matches("^250 ", res.reply)
    no_secret(joined(lines))
    assert.truthy(srv.client():find("AUTH PLAIN", 1, true))
  end)

  it("chooses PLAIN first inside TLS, and the second send goes straight to it", function()
    local srv = support.quirk("isp")
    local res = assert(smtp.send(base(srv)))
    assert.equal("PLAIN", res.mechanism)
    assert.equal("TLSv1.3", res.tls)
    assert.equal(1, #res.attempts)
    res = assert(smtp.send(base(srv)))
    assert.equal(1, #res.attempts)
  end)

  it("remembers the mechanism that worked, in memory and in state_dir", function()
    local srv = support.quirk("isp", { tls = false })
    local dir = support.tmpdir("state")
    local opts = base(srv, { tls = "none", allow_plaintext_auth = true, state_dir = dir })
    local res = assert(smtp.send(opts))
    -- Without TLS the automatic order is CRAM-MD5, PLAIN, LOGIN.
    assert.same({ "CRAM-MD5", "PLAIN" }, { res.attempts[1].mechanism, res.attempts[2].mechanism })
    res = assert(smtp.send(opts))
    assert.equal(1, #res.attempts)
    assert.equal("PLAIN", res.attempts[1].mechanism)
    smtp._forget()                              -- a new process: only the file is left
    res = assert(smtp.send(opts))
    assert.equal(1, #res.attempts)
    assert.matches("\tPLAIN\n", support.read(dir .. "/smtp-mechanisms"))
  end)

  it("reconnects when the server hangs up after the refusal", function()
    local srv = support.quirk("hangup-after-535")
    local res, err = smtp.send(base(srv, { mechanisms = { "CRAM-MD5", "LOGIN" } }))
    assert.is_nil(err)
    assert.equal("LOGIN", res.mechanism)
    assert.equal(2, #res.attempts)
  end)

  it("reports every attempt when the password is wrong, and leaks it nowhere", function()
    local srv = support.quirk("isp")
    local trace, lines = support.tracer()
    local res, err, info = smtp.send(base(srv, { password = "Wrong-pass-99",
      mechanisms = { "CRAM-MD5", "PLAIN", "LOGIN" }, trace = trace }))
    assert.is_nil(res)
    assert.equal("auth_failed", info.kind)
    assert.equal(3, #info.attempts)
    for i, m in ipairs({ "CRAM-MD5", "PLAIN", "LOGIN" }) do
      assert.equal(m, info.attempts[i].mechanism)
      assert.equal(535, info.attempts[i].code)
    end
    assert.matches("CRAM%-MD5: 535 CRAM%-MD5 not supported", err)
    SECRET_FORMS[#SECRET_FORMS + 1] = "Wrong-pass-99"
    no_secret(joined(lines) .. err)
    SECRET_FORMS[#SECRET_FORMS] = nil
    assert.is_nil(joined(lines):find("Wrong-pass-99", 1, true))
  end)

  it("never sends credentials in clear text unless told to", function()
    local srv = support.quirk("isp", { tls = false })
    local res, err, info = smtp.send(base(srv, { tls = "none" }))
    assert.is_nil(res)
    assert.equal("auth_unavailable", info.kind)
    assert.matches("not encrypted", err)
    assert.is_nil(srv.client():find("AUTH ", 1, true))
  end)
end)

describe("TLS faults", function()
  it("stops before AUTH when STARTTLS is required and not offered", function()
    local srv = support.quirk("no-starttls")
    local res, err, info = smtp.send(base(srv))
    assert.is_nil(res)
    assert.equal("tls_required", info.kind)
    assert.matches("does not offer STARTTLS", err)
    assert.is_nil(srv.client():find("AUTH", 1, true))
  end)

  it("throws away bytes injected after the STARTTLS reply", function()
    local srv = support.quirk("starttls-inject")
    local trace, lines = support.tracer()
    local res, err = smtp.send(base(srv, { trace = trace }))
    assert.is_nil(err)
    assert.matches("^250 ", res.reply)
    local text = joined(lines)
    assert.matches("discarded %d+ bytes the server sent before the TLS handshake", text)
    assert.is_nil(text:find("S: 250-INJECTED", 1, true))
  end)

  it("names the version when the server offers only TLS 1.0/1.1 (STARTTLS)", function()
    local srv = support.quirk("tls-old")
    local res, err, info = smtp.send(base(srv))
    assert.is_nil(res)
    assert.equal("tls", info.kind)
    assert.equal("tls: server offers only TLS 1.0 and 1.1 (gwkit requires TLS >= 1.2)", err)
  end)

  it("names the version when the server offers only TLS 1.0/1.1 (implicit TLS)", function()
    local srv = support.quirk("tls-old", { implicit = true })
    local res, err, info = smtp.send(base(srv, { tls = "tls" }))
    assert.is_nil(res)
    assert.equal("tls", info.kind)
    assert.matches("server offers only TLS 1%.[01]", err)
  end)

  it("refuses a certificate it cannot verify", function()
    local srv = support.quirk("isp")
    local opts = base(srv)
    opts.cafile = nil
    local res, err, info = smtp.send(opts)
    assert.is_nil(res)
    assert.equal("tls", info.kind)
    assert.matches("not trusted", err)
    assert.is_nil(srv.client():find("AUTH", 1, true))
  end)
end)

describe("broken servers", function()
  local cases = {
    { "garbage", "protocol", "malformed" },
    { "garbage-greeting", "protocol", "malformed" },
    { "wrong-code", "protocol", "" },
    { "longline", "protocol", "longer than" },
    { "drop", "closed", "closed" },
    { "busy", "protocol", "421" },
  }
  for _, c in ipairs(cases) do
    it("fails cleanly on " .. c[1], function()
      local srv = support.quirk(c[1])
      local res, err, info = smtp.send(base(srv))
      assert.is_nil(res)
      assert.equal(c[2], info.kind)
      assert.truthy(err:find(c[3], 1, true), err)
    end)
  end

  it("gives up on a stalled server within the timeout", function()
    local srv = support.quirk("stall")
    local t0 = os.time()
    local res, err, info = smtp.send(base(srv, { timeout = 1 }))
    assert.is_nil(res)
    assert.equal("timeout", info.kind)
    assert.matches("no reply", err)
    assert.is_true(os.time() - t0 <= 3)
  end)

  it("refuses a message over the advertised SIZE without sending it", function()
    local srv = support.quirk("size")
    local res, err, info = smtp.send(base(srv, { text = ("x"):rep(2000) }))
    assert.is_nil(res)
    assert.equal("data_rejected", info.kind)
    assert.matches("exceeds the server's SIZE limit of 1000", err)
    assert.is_nil(srv.client():find("MAIL FROM", 1, true))
  end)
end)

describe("injection", function()
  local srv
  setup(function() srv = support.quirk("normal") end)
  local fields = {
    { "subject", "hi\r\nBcc: victim@example.org" },
    { "from", "a@example.jp\r\nRCPT TO:<x@example.org>" },
    { "to", { "b@example.jp>\r\nRCPT TO:<x@example.org" } },
  }
  for _, f in ipairs(fields) do
    it("refuses CR/LF in " .. f[1], function()
      local ok, res, err = pcall(smtp.send, base(srv, { [f[1]] = f[2] }))
      if ok then
        assert.is_nil(res)
        assert.truthy(err)
      end
      assert.is_nil(srv.log():find("victim", 1, true))
      assert.is_nil(srv.log():find("x@example.org", 1, true))
    end)
  end
  it("refuses CR/LF in a header given by the caller", function()
    local ok, res = pcall(smtp.send, base(srv, { headers = { ["X-Test"] = "a\nb" } }))
    assert.is_true(not ok or res == nil)
  end)
end)

describe("a session", function()
  it("carries several messages on one connection and one AUTH", function()
    local srv = support.quirk("isp")
    local s = assert(smtp.session(base(srv, { from = nil, to = nil, subject = nil, text = nil })))
    for i = 1, 3 do
      local res, err = s:send{ from = USER, to = "admin@example.jp", subject = "alert " .. i,
                               text = "line " .. i .. "\n" }
      assert.is_nil(err)
      assert.matches("^250 ", res.reply)
    end
    s:close()
    local client = srv.client()
    local _, auths = client:gsub("AUTH ", "")
    local _, mails = client:gsub("MAIL FROM:", "")
    local _, ehlos = client:gsub("EHLO ", "")
    assert.equal(1, auths)
    assert.equal(3, mails)
    assert.equal(2, ehlos)         -- before and after STARTTLS, once
    assert.truthy(support.read(srv.dir .. "/3.eml"))
  end)
end)

describe("rt.mail, as a Yamaha script calls it", function()
  it("sends through the ISP quirk with the automatic choice", function()
    smtp._forget()
    local rt = require "gwkit.rt"
    local srv = support.quirk("isp", { tls = false })
    local ok, err = rt.mail{ smtp_address = "127.0.0.1", smtp_port = srv.port,
      smtp_encrypt = "none", allow_plaintext_auth = true,
      smtp_auth_name = USER, smtp_auth_password = PASS,
      from = USER, to = "admin@example.jp", subject = "NVR510", text = "PD changed\n" }
    assert.is_nil(err)
    assert.is_true(ok)
    -- Without TLS the order is CRAM-MD5, then PLAIN: both tried, the second worked.
    assert.truthy(srv.client():find("AUTH CRAM-MD5", 1, true))
    assert.truthy(srv.client():find("AUTH PLAIN", 1, true))
  end)

  it("returns false and the reason when the password is wrong", function()
    local rt = require "gwkit.rt"
    local srv = support.quirk("isp")
    local ok, err = rt.mail{ smtp_address = "127.0.0.1", smtp_port = srv.port,
      smtp_encrypt = "none", allow_plaintext_auth = true,
      smtp_auth_name = USER, smtp_auth_password = "nope",
      from = USER, to = "admin@example.jp", subject = "x", text = "y" }
    assert.is_false(ok)
    assert.matches("refused every mechanism", err)
  end)
end)

describe("more server behaviours", function()
  before_each(function() smtp._forget() end)

  it("uses SCRAM-SHA-256 first when offered and verifies the server", function()
    local srv = support.quirk("scram")
    local res = assert(smtp.send(base(srv)))
    assert.equal("SCRAM-SHA-256", res.mechanism)
    assert.equal(1, #res.attempts)
    assert.truthy(srv.log():find("auth SCRAM-SHA-256 user=" .. USER .. " outcome=ok", 1, true))
  end)

  it("goes on from a refused SCRAM to PLAIN", function()
    local srv = support.quirk("scram-refused")
    local res = assert(smtp.send(base(srv)))
    assert.equal("PLAIN", res.mechanism)
    assert.same({ "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN" },
      { res.attempts[1].mechanism, res.attempts[2].mechanism, res.attempts[3].mechanism })
  end)

  it("falls back to HELO for a server without ESMTP", function()
    local srv = support.quirk("helo-only", { tls = false })
    local opts = base(srv, { tls = "none" })
    opts.user, opts.password = nil, nil
    local res, err = smtp.send(opts)
    assert.is_nil(err)
    assert.matches("^250 ", res.reply)
    assert.truthy(srv.client():find("HELO localhost", 1, true))
  end)

  it("treats a reply whose lines disagree on the code as a protocol error", function()
    local srv = support.quirk("auth-wrong-code")
    local res, _, info = smtp.send(base(srv))
    assert.is_nil(res)
    assert.equal("protocol", info.kind)
    -- MAIL, RCPT and DATA went in the flight of the pipelined AUTH PLAIN
    -- (RFC 4954 4), but no message: it waits for a 235 and a 354
    assert.is_nil(srv.log():find("\n[%d.]+ %d+ D ", 1))
    assert.is_nil(srv.log():find("spooled message", 1, true))
  end)

  it("holds one deadline for a whole reply, however slowly it drips", function()
    local srv = support.quirk("drip")
    local t0 = os.time()
    local res, _, info = smtp.send(base(srv, { timeout = 2 }))
    assert.is_nil(res)
    assert.equal("timeout", info.kind)
    assert.is_true(os.time() - t0 <= 4)
  end)

  it("reports a STARTTLS the server cannot start", function()
    local srv = support.quirk("starttls-454")
    local res, err, info = smtp.send(base(srv))
    assert.is_nil(res)
    assert.equal("tls", info.kind)
    assert.matches("STARTTLS refused: 454", err)
  end)

  it("sends over IPv6 loopback, written plain, in brackets, or with a zone id", function()
    local srv = support.quirk("normal", { host = "::1" })
    for _, host in ipairs({ "::1", "[::1]", "::1%1" }) do
      local res, err = smtp.send(base(srv, { server = host }))
      assert.is_nil(err, host)
      assert.matches("^250 ", res.reply)
    end
  end)

  it("refuses a malformed IPv6 address or an unknown zone before connecting", function()
    for _, host in ipairs({ "2001:db8::1::2", "fe80::1%no-such-if0", "::1%" }) do
      local res, err, info = smtp.send(base({ port = 25 }, { server = host }))
      assert.is_nil(res)
      assert.equal("bad_argument", info.kind, host)
      assert.matches("bad IPv6 address or zone", err)
    end
  end)

  it("tries the next address when the first refuses the connection", function()
    -- A name with an IPv6 and an IPv4 address, from an /etc/hosts of our own
    -- in a private mount namespace (no lookup leaves the machine). The
    -- server listens on 127.0.0.1 only, so ::1 refuses first.
    local srv = support.quirk("normal", { tls = false })
    local dir = support.tmpdir("hosts")
    support.write(dir .. "/hosts", "::1 dual.test\n127.0.0.1 dual.test\n")
    support.write(dir .. "/send.lua", ([[
      local smtp = require "gwkit.smtp"
      local lines = {}
      local res, err = smtp.send{ server = "dual.test", port = %d, tls = "none",
        from = "a@example.jp", to = "b@example.jp", subject = "s", text = "t", timeout = 5,
        trace = function(d, l) if d == "*" then lines[#lines + 1] = l end end }
      print(res and res.reply or err)
      print(table.concat(lines, "\n"))
    ]]):format(srv.port))
    assert.is_true(support.sh(("unshare -m sh -c 'mount --bind %s/hosts /etc/hosts && %s %s/send.lua' > %s/out 2>&1")
      :format(dir, os.getenv("GWKIT_LUA") or "lua5.1", dir, dir)), support.read(dir .. "/out"))
    local out = support.read(dir .. "/out")
    assert.matches("^250 ", out)
    assert.truthy(out:find("connected to 127.0.0.1", 1, true), out)
    -- One family on request: IPv6 only finds nobody listening.
    support.write(dir .. "/send6.lua", ([[
      local smtp = require "gwkit.smtp"
      local res, err, info = smtp.send{ server = "dual.test", port = %d, tls = "none",
        family = "inet6", from = "a@example.jp", to = "b@example.jp", text = "t", timeout = 5 }
      print(info and info.kind, err)
    ]]):format(srv.port))
    support.sh(("unshare -m sh -c 'mount --bind %s/hosts /etc/hosts && %s %s/send6.lua' > %s/out6 2>&1")
      :format(dir, os.getenv("GWKIT_LUA") or "lua5.1", dir, dir))
    out = support.read(dir .. "/out6")
    assert.matches("^connect\tconnect: dual%.test port %d+: ::1: Connection refused", out)
    assert.is_nil(out:find("127.0.0.1", 1, true))
  end)

  it("sends SNI for a host name and checks the name against the certificate", function()
    local srv = support.quirk("normal")
    local res, err = smtp.send(base(srv, { server = "localhost" }))
    assert.is_nil(err)
    assert.matches("^250 ", res.reply)
    assert.truthy(support.read(srv.dir .. "/1.json"):find('"tls_sni": "localhost"', 1, true))
  end)

  it("takes tls_min = \"1.3\", and says so when the server stops at 1.2", function()
    local srv = support.quirk("normal")
    local res = assert(smtp.send(base(srv, { tls_min = "1.3" })))
    assert.equal("TLSv1.3", res.tls)
    local old = support.quirk("normal", { extra = { "--set", [['tls_max="1.2"']] } })
    local _, err, info = smtp.send(base(old, { tls_min = "1.3" }))
    assert.equal("tls", info.kind)
    assert.equal("tls: server offers only TLS 1.2 (gwkit requires TLS >= 1.3)", err)
  end)
end)
