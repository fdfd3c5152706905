-- Session:send_batch: several messages in one pipelined flight (RFC 2920:
-- a group may hold several transactions; RFC 3030: BDAT LAST needs no 354),
-- against the real Postfix (PIPELINING + CHUNKING) and the fault server
-- (no CHUNKING: one message after another).
local support = require "support"
local smtp = require "gwkit.smtp"


-- How many client lines starting with `word` went out before the first
-- server line that follows the first of them.
local function before_reply(lines, word)
  local n, on = 0, false
  for _, l in ipairs(lines) do
    if l:sub(1, 3 + #word) == "C: " .. word then on = true; n = n + 1 end
    if on and l:match("^S: ") then break end
  end
  return n
end

describe("Session:send_batch, Postfix + Dovecot", function()
  local env

  setup(function() env = support.mailstack_start() end)
  teardown(function() support.mailstack_stop(env) end)
  before_each(function() smtp._forget() end)

  local function session(trace)
    return assert(smtp.session{ server = env.HOST4, port = tonumber(env.SUBMISSION_PORT),
      cafile = env.CAFILE, user = env.USER1, password = env.PASS1, timeout = 10,
      mechanisms = { "PLAIN" }, trace = trace })
  end

  it("sends every message of the batch in one flight and reports each", function()
    local trace, lines = support.tracer()
    local s = session(trace)
    local list = {}
    for i = 1, 6 do
      list[i] = { from = env.USER1, to = i == 4 and env.REJECT_RCPT or env.RCPT3,
                  subject = "batch " .. i, text = "n=" .. i .. "\n" }
    end
    local before = #support.mailbox(env, "carol", 0)
    local out = s:send_batch(list)
    s:close()
    assert.equal(6, #out)
    for i = 1, 6 do
      if i == 4 then
        assert.equal("recipient_rejected", out[i].kind)
        assert.matches("every recipient was refused: 550", out[i].error)
        assert.equal(env.REJECT_RCPT, out[i].rejected[1].addr)
      else
        assert.is_nil(out[i].error)
        assert.matches("^250 2%.0%.0 Ok: %d+ bytes queued as ", out[i].reply)
        assert.equal("PLAIN", out[i].mechanism)
      end
    end
    -- six MAILs (and five RSETs) before the first reply to any of them
    assert.equal(6, before_reply(lines, "MAIL FROM"))
    assert.equal(5, before_reply(lines, "RSET"))
    local files = support.mailbox(env, "carol", before + 5)
    assert.equal(before + 5, #files)
  end)

  it("still sends single messages on the session afterwards", function()
    local s = session()
    local out = s:send_batch{ { from = env.USER1, to = env.USER2, subject = "b1", text = "x\n" } }
    assert.is_nil(out[1].error)
    local res, err = s:send{ from = env.USER1, to = env.USER2, subject = "after", text = "y\n" }
    assert.is_nil(err)
    assert.matches("^250 ", res.reply)
    s:close()
  end)

  it("raises on misuse, naming the message", function()
    local s = session()
    assert.has_error(function() s:send_batch("x") end, "smtp: list of messages expected")
    assert.has_error(function() s:send_batch{ 42 } end)
    s:close()
  end)
end)

describe("Session:send_batch, fault server without CHUNKING", function()
  it("sends one message after another (DATA waits for its 354)", function()
    smtp._forget()
    local srv = support.quirk("isp")
    local trace, lines = support.tracer()
    local s = assert(smtp.session{ server = "127.0.0.1", port = srv.port, cafile = srv.cafile,
      user = "someone@example.jp", password = "Secret-42", timeout = 5, trace = trace })
    local out = s:send_batch{
      { from = "someone@example.jp", to = "admin@example.jp", subject = "one", text = "1\n" },
      { from = "someone@example.jp", to = "admin@example.jp", subject = "two", text = "2\n" },
    }
    s:close()
    assert.is_nil(out[1].error)
    assert.is_nil(out[2].error)
    assert.equal(1, before_reply(lines, "MAIL FROM"))
    assert.equal(0, before_reply(lines, "RSET"))
  end)
end)
