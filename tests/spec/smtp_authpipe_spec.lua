-- AUTH PLAIN pipelined with the first message (RFC 4954 4: AUTH may open a
-- pipelined group when it carries an initial response, the mechanism
-- completes in one round trip and no security layer is negotiated), against
-- the real Postfix + Dovecot (CHUNKING: BDAT LAST and the message in the
-- flight) and the fault server (DATA: the message only after 235 and 354).
local support = require "support"
local smtp = require "gwkit.smtp"

local core = require "gwkit.core"

-- The client lines of the trace from `first` on, up to the first server
-- line: one flight.
local function flight(lines, first)
  local out, on = {}, false
  for _, l in ipairs(lines) do
    if l:sub(1, 3 + #first) == "C: " .. first then on = true end
    if on then
      if l:match("^S: ") then break end
      if l:match("^C: ") then out[#out + 1] = l:sub(4):match("^(%S+)") end
    end
  end
  return table.concat(out, " ")
end

local function count(lines, prefix)
  local n = 0
  for _, l in ipairs(lines) do
    if l:sub(1, #prefix) == prefix then n = n + 1 end
  end
  return n
end

describe("AUTH PLAIN in the message's flight, Postfix + Dovecot", function()
  local env

  setup(function() env = support.mailstack_start() end)
  teardown(function() support.mailstack_stop(env) end)
  before_each(function() smtp._forget() end)

  local function opts(extra)
    local t = { server = env.HOST4, port = tonumber(env.SUBMISSION_PORT), cafile = env.CAFILE,
      user = env.USER1, password = env.PASS1, from = env.USER1, to = { env.USER2 },
      subject = "authpipe", text = "hello\n", timeout = 10, mechanisms = { "PLAIN", "LOGIN" } }
    for k, v in pairs(extra or {}) do t[k] = v end
    return t
  end

  for _, case in ipairs({ { "submission, STARTTLS", "SUBMISSION_PORT", "starttls" },
                          { "smtps, implicit TLS", "SMTPS_PORT", "tls" } }) do
    it("sends AUTH, MAIL, RCPT, BDAT LAST and the message in one flight (" .. case[1] .. ")",
      function()
        local trace, lines = support.tracer()
        local res, err = smtp.send(opts({ port = tonumber(env[case[2]]), tls = case[3],
                                          to = { env.USER2, env.RCPT3 }, trace = trace }))
        assert.is_nil(err)
        assert.equal("PLAIN", res.mechanism)
        assert.same({ { mechanism = "PLAIN", code = 235 } }, res.attempts)
        assert.matches("^250 2%.0%.0 Ok: %d+ bytes queued as ", res.reply)
        assert.equal("AUTH MAIL RCPT RCPT BDAT", flight(lines, "AUTH PLAIN"))
        assert.equal(1, count(lines, "C: AUTH "))
        assert.truthy(res.authenticated == nil)
      end)
  end

  it("goes straight into the flight when PLAIN is the mechanism remembered", function()
    local dir = support.tmpdir("authpipe-state")
    -- the automatic choice would take SCRAM-SHA-256 first; the state file says PLAIN
    local f = assert(io.open(dir .. "/smtp-mechanisms", "w"))
    f:write(("%s %s %s\tPLAIN\n"):format(env.HOST4, env.SUBMISSION_PORT, env.USER1))
    f:close()
    local trace, lines = support.tracer()
    local o = opts({ state_dir = dir, trace = trace })
    o.mechanisms = nil
    local res, err = smtp.send(o)
    assert.is_nil(err)
    assert.equal("PLAIN", res.mechanism)
    assert.equal("AUTH MAIL RCPT BDAT", flight(lines, "AUTH PLAIN"))
  end)

  it("drops the replies after a refused AUTH, RSETs, and tries LOGIN", function()
    local trace, lines = support.tracer()
    local res, err, info = smtp.send(opts({ password = "not the password", trace = trace }))
    assert.is_nil(res)
    assert.equal("auth_failed", info.kind)
    assert.equal(2, #info.attempts)
    assert.same({ "PLAIN", 535 }, { info.attempts[1].mechanism, info.attempts[1].code })
    assert.matches("^535 ", info.attempts[1].reply)
    assert.same({ "LOGIN", 535 }, { info.attempts[2].mechanism, info.attempts[2].code })
    assert.equal(1, count(lines, "C: RSET"))
    assert.is_nil(err:find("not the password", 1, true))
    assert.is_nil(table.concat(lines, "\n"):find(core.b64encode("not the password"), 1, true))
  end)

  it("reports a message the server took without the AUTH, and sends it once", function()
    -- CLEARAUTH_PORT accepts mail for its own domain without AUTH
    local subject = "taken without auth " .. os.time()
    local trace, lines = support.tracer()
    local res, err = smtp.send(opts({ port = tonumber(env.CLEARAUTH_PORT), tls = "none",
      allow_plaintext_auth = true, password = "not the password", to = { env.RCPT3 },
      subject = subject, trace = trace }))
    assert.is_nil(err)
    assert.is_false(res.authenticated)
    assert.is_nil(res.mechanism)
    assert.equal(1, #res.attempts)
    assert.same({ "PLAIN", 535 }, { res.attempts[1].mechanism, res.attempts[1].code })
    assert.equal(0, count(lines, "C: AUTH LOGIN"))
    assert.equal(1, count(lines, "C: MAIL FROM"))          -- sent once
    local found = support.wait(10, function()
      local p = io.popen("grep -l -F '" .. subject .. "' " .. env.MAILDIR .. "/carol/*.eml 2>/dev/null")
      local n = 0
      for _ in p:lines() do n = n + 1 end
      p:close()
      return n > 0 and n
    end)
    assert.equal(1, found)
  end)

  it("keeps the AUTH apart when the first mechanism is not PLAIN", function()
    local trace, lines = support.tracer()
    local res, err = smtp.send(opts({ mechanisms = { "LOGIN", "PLAIN" }, trace = trace }))
    assert.is_nil(err)
    assert.equal("LOGIN", res.mechanism)
    assert.equal("AUTH", flight(lines, "AUTH LOGIN"))
  end)
end)

describe("AUTH PLAIN in the message's flight, fault server", function()
  local USER, PASS = "someone@example.jp", "Secret-42"
  before_each(function() smtp._forget() end)

  local function base(srv, extra)
    local t = { server = "127.0.0.1", port = srv.port, cafile = srv.cafile, user = USER,
                password = PASS, from = USER, to = { "admin@example.jp" }, subject = "alert",
                text = "PD changed\n", timeout = 5 }
    for k, v in pairs(extra or {}) do t[k] = v end
    return t
  end

  it("with DATA sends AUTH, MAIL, RCPT, DATA in one flight, the message after 354", function()
    local srv = support.quirk("isp", { extra = { "--set", "batch_replies=true" } })
    local trace, lines = support.tracer()
    local res, err = smtp.send(base(srv, { trace = trace }))   -- automatic: PLAIN first in TLS
    assert.is_nil(err)
    assert.equal("PLAIN", res.mechanism)
    assert.equal("AUTH MAIL RCPT DATA", flight(lines, "AUTH PLAIN"))
    -- the server read AUTH, MAIL, RCPT and DATA before it answered the AUTH
    local log = srv.log()
    local data_at, ok_at = log:find(" C DATA\n", 1, true), log:find(" S 235 ", 1, true)
    assert.truthy(data_at and ok_at and data_at < ok_at)
  end)

  it("falls back to LOGIN on the same connection after a pipelined PLAIN is refused", function()
    local srv = support.quirk("isp", { extra = {
      "--set", "'auth_behaviour={\"PLAIN\":\"refuse-535-not-supported\"}'" } })
    local trace, lines = support.tracer()
    local res, err = smtp.send(base(srv, { trace = trace }))
    assert.is_nil(err)
    assert.equal("LOGIN", res.mechanism)
    assert.equal(2, #res.attempts)
    assert.same({ "PLAIN", 535 }, { res.attempts[1].mechanism, res.attempts[1].code })
    assert.equal("535 PLAIN not supported for " .. USER, res.attempts[1].reply)
    assert.equal(1, count(lines, "*: connected"))
    -- no message went with the refused AUTH: exactly one DATA answered 354
    assert.equal(1, count(lines, "S: 354"))
  end)

  it("reconnects for LOGIN when the server hangs up after refusing PLAIN", function()
    local srv = support.quirk("isp", { extra = {
      "--set", "'auth_behaviour={\"PLAIN\":{\"do\":\"refuse-535-not-supported\",\"then\":\"close\"}}'" } })
    local trace, lines = support.tracer()
    local res, err = smtp.send(base(srv, { trace = trace }))
    assert.is_nil(err)
    assert.equal("LOGIN", res.mechanism)
    assert.same({ "PLAIN", 535 }, { res.attempts[1].mechanism, res.attempts[1].code })
    assert.equal(2, count(lines, "*: connected"))
  end)

  it("keeps AUTH apart from MAIL when the server does not offer PIPELINING", function()
    local srv = support.quirk("isp", { extra = { "--set",
      "'ehlo_lines=[\"{hostname}\",\"AUTH LOGIN PLAIN\",\"8BITMIME\",\"STARTTLS\"]'" } })
    local trace, lines = support.tracer()
    local res, err = smtp.send(base(srv, { trace = trace }))
    assert.is_nil(err)
    assert.equal("PLAIN", res.mechanism)
    assert.equal("AUTH", flight(lines, "AUTH PLAIN"))
  end)
end)
