-- gwkit.smtp against a real Postfix with Dovecot SASL on loopback
-- (tests/servers/mailstack.sh): every mechanism, the automatic choice,
-- messages read back from the mailbox byte for byte.
local support = require "support"
local smtp = require "gwkit.smtp"
local mime = require "gwkit.mime"

describe("Postfix + Dovecot", function()
  local env

  setup(function() env = support.mailstack_start() end)
  teardown(function() support.mailstack_stop(env) end)
  before_each(function() smtp._forget() end)

  local function opts(extra)
    local t = { server = env.HOST4, port = tonumber(env.SUBMISSION_PORT), cafile = env.CAFILE,
      user = env.USER1, password = env.PASS1, from = env.USER1, to = { env.USER2 },
      subject = "alert", text = "hello\n", timeout = 10 }
    for k, v in pairs(extra or {}) do t[k] = v end
    return t
  end

  -- Postfix adds one Received: header and stores LF line ends.
  local function delivered(localpart, n)
    local files = support.mailbox(env, localpart, n)
    assert.is_true(#files >= (n or 1), "no mail delivered for " .. localpart)
    return support.read(files[n or 1])
  end

  for _, mech in ipairs({ "PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256" }) do
    it("authenticates with " .. mech .. " alone (submission, STARTTLS)", function()
      local res, err = smtp.send(opts({ mechanisms = { mech } }))
      assert.is_nil(err)
      assert.equal(mech, res.mechanism)
      assert.matches("^TLSv1%.[23]$", res.tls)
      assert.matches("^250 2%.0%.0 Ok: %d+ bytes queued as ", res.reply)  -- BDAT (CHUNKING)
    end)
  end

  it("chooses SCRAM-SHA-256 by itself, over implicit TLS on IPv6", function()
    local res, err = smtp.send(opts({ server = env.HOST6, port = tonumber(env.SMTPS_PORT),
                                      tls = "tls" }))
    assert.is_nil(err)
    assert.equal("SCRAM-SHA-256", res.mechanism)
    assert.equal(1, #res.attempts)
  end)

  it("delivers the message byte for byte: UTF-8 subject, a dot line, an attachment", function()
    local msg = assert(mime.build{ from = env.USER1, to = { "Carol <" .. env.RCPT3 .. ">" },
      subject = "ルータ警告: PD 変更 (prefix 2001:db8:1:10::/60)",
      text = "前のプレフィックス: 2001:db8:1:10::/60\n.a line that starts with a dot\n..two\n.\nend\n",
      attachments = { { filename = "router.log", data = support.read(support.top ..
        "/tests/fixtures/nvr510-mail-error.log") } },
      date = "Mon, 18 Sep 2023 15:45:29 +0900", message_id = "<demo.1@example.test>" })
    local res, err = smtp.send(opts({ to = { env.RCPT3 }, message = msg }))
    assert.is_nil(err, err)
    local got = delivered("carol")
    local body = got:gsub("^Received: .-\n(%S)", "%1", 1)
    assert.equal(msg:gsub("\r\n", "\n"), body)
    assert.truthy(res.reply)
  end)

  it("reports a refused recipient and delivers to the others", function()
    local res, err = smtp.send(opts({ to = { env.USER1, env.REJECT_RCPT, env.USER2 },
                                      subject = "three recipients" }))
    assert.is_nil(err)
    assert.equal(1, #res.rejected)
    assert.equal(env.REJECT_RCPT, res.rejected[1].addr)
    assert.equal(550, res.rejected[1].code)
    assert.equal(3, #res.rcpts)
    assert.matches("three recipients", delivered("alice"))
  end)

  it("fails with recipient_rejected when every recipient is refused", function()
    local res, err, info = smtp.send(opts({ to = { env.REJECT_RCPT } }))
    assert.is_nil(res)
    assert.equal("recipient_rejected", info.kind)
    assert.matches("every recipient was refused: 550", err)
  end)

  it("lists every mechanism tried when the password is wrong", function()
    local res, err, info = smtp.send(opts({ password = "not the password" }))
    assert.is_nil(res)
    assert.equal("auth_failed", info.kind)
    local names = {}
    for i, a in ipairs(info.attempts) do
      names[i] = a.mechanism
      assert.equal(535, a.code)
    end
    assert.same({ "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN", "LOGIN", "CRAM-MD5" }, names)
    assert.is_nil(err:find("not the password", 1, true))
  end)

  it("finds no AUTH before STARTTLS on submission (smtpd_tls_auth_only)", function()
    local res, err, info = smtp.send(opts({ tls = "none" }))
    assert.is_nil(res)
    assert.equal("auth_unavailable", info.kind)
    assert.matches("offers no AUTH on this unencrypted connection", err)
  end)

  it("will not send PLAIN in clear text where the server offers it", function()
    local res, err, info = smtp.send(opts({ tls = "none", port = tonumber(env.CLEARAUTH_PORT),
                                            mechanisms = { "PLAIN", "LOGIN" } }))
    assert.is_nil(res)
    assert.equal("auth_unavailable", info.kind)
    assert.matches("not encrypted", err)
    -- With consent it does.
    res, err = smtp.send(opts({ tls = "none", port = tonumber(env.CLEARAUTH_PORT),
                                mechanisms = { "PLAIN" }, allow_plaintext_auth = true }))
    assert.is_nil(err)
    assert.equal("PLAIN", res.mechanism)
  end)

  it("sends without AUTH where none is needed (port 25)", function()
    local res, err = smtp.send{ server = env.HOST4, port = tonumber(env.PLAIN_PORT), tls = "none",
      from = "router@example.test", to = env.USER2, subject = "plain", text = "x\n" }
    assert.is_nil(err)
    assert.matches("^250 ", res.reply)
    assert.is_nil(res.mechanism)
  end)

  it("sends a batch in one session", function()
    local s = assert(smtp.session(opts()))
    for i = 1, 5 do
      local res, err = s:send{ from = env.USER1, to = env.USER1, subject = "batch " .. i,
                               text = "n=" .. i .. "\n" }
      assert.is_nil(err)
      assert.matches("^250 ", res.reply)
    end
    s:close()
    local log = support.read(env.LOG)
    local _, auths = log:gsub("sasl_method=SCRAM%-SHA%-256", "")
    assert.is_true(auths >= 1)
  end)
end)
