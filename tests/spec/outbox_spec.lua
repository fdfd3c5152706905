-- gwkit.outbox against the real Postfix: alerts survive a server that is
-- down, a sender killed at any step, a full spool and a wrong password.
local support = require "support"
local outbox = require "gwkit.outbox"
local smtp = require "gwkit.smtp"

local LUA = os.getenv("GWKIT_LUA") or "lua5.1"

describe("the outbox", function()
  local env

  setup(function() env = support.mailstack_start() end)
  teardown(function() support.mailstack_stop(env) end)
  before_each(function() smtp._forget() end)

  local function route(extra)
    local r = { server = env.HOST4, port = tonumber(env.SUBMISSION_PORT), cafile = env.CAFILE,
                user = env.USER1, password = env.PASS1, timeout = 5 }
    for k, v in pairs(extra or {}) do r[k] = v end
    return { smtp = r }
  end

  local function box(extra)
    local logged = {}
    local t = { dir = support.tmpdir("outbox"), routes = { route() }, from = env.USER1,
                to = { env.RCPT3 }, syslog = function(m) logged[#logged + 1] = m end }
    for k, v in pairs(extra or {}) do t[k] = v end
    return assert(outbox.open(t)), logged
  end

  -- Message-IDs of the mail delivered to carol, with how often each came.
  local function delivered_ids(n)
    local ids = {}
    for _, f in ipairs(support.mailbox(env, "carol", n)) do
      local id = support.read(f):match("\nMessage%-ID: (<[^>]+>)")
      ids[id] = (ids[id] or 0) + 1
    end
    return ids
  end

  local function count(t) local n = 0 for _ in pairs(t) do n = n + 1 end return n end

  local function clear_mailbox()
    support.sh("rm -rf " .. env.MAILDIR .. "/carol/*")
  end

  it("keeps alerts while the server is down and delivers each once when it is back", function()
    clear_mailbox()
    local b = box()
    support.sh(("bash %s/tests/servers/mailstack.sh stop %s >/dev/null 2>&1"):format(support.top, env.DIR))
    for i = 1, 3 do assert(b:put{ subject = "alert " .. i, text = "down " .. i .. "\n" }) end
    local r = b:flush()
    assert.same({ 0, 3 }, { r.sent, r.retried })
    assert.equal(3, b:status().queued)
    support.sh(("bash %s/tests/servers/mailstack.sh start %s >/dev/null 2>&1"):format(support.top, env.DIR))
    b.now = function() return os.time() + 7200 end     -- past every backoff
    r = b:flush()
    assert.equal(3, r.sent)
    assert.equal(0, b:status().queued)
    local ids = delivered_ids(3)
    assert.equal(3, count(ids))
    for _, n in pairs(ids) do assert.equal(1, n) end
  end)

  it("writes nothing when nothing is due", function()
    local b = box()
    local before = io.popen("ls -la --time-style=full-iso " .. b.dir .. " " .. b.dir .. "/q"):read("*a")
    b:flush()
    b:flush()
    local after = io.popen("ls -la --time-style=full-iso " .. b.dir .. " " .. b.dir .. "/q"):read("*a")
    assert.equal(before, after)
  end)

  -- A separate process that queues or flushes and is killed (kill -9) at a step.
  local function run_killed(dir, action, step)
    local script = support.tmpdir("kill") .. "/run.lua"
    support.write(script, ([[
      local outbox = require "gwkit.outbox"
      local b = assert(outbox.open{ dir = %q, routes = { { smtp = {
        server = %q, port = %d, cafile = %q, user = %q, password = %q, timeout = 5 } } },
        from = %q, to = { %q }, _crash = %q, syslog = function() end })
      if %q == "put" then b:put{ subject = "killed", text = "x\n" } else b:flush() end
    ]]):format(dir, env.HOST4, tonumber(env.SUBMISSION_PORT), env.CAFILE, env.USER1, env.PASS1,
               env.USER1, env.RCPT3, step, action))
    support.sh(("%s %s >/dev/null 2>&1"):format(LUA, script))
  end

  it("loses nothing and sends at most twice when killed at any step", function()
    clear_mailbox()
    local b = box()
    -- Killed before the spool file exists: put never returned, nothing to send.
    run_killed(b.dir, "put", "before_write")
    assert.equal(0, b:status().queued)
    -- Killed right after the rename: the alert is on disk.
    run_killed(b.dir, "put", "after_write")
    assert.equal(1, b:status().queued)
    -- Killed after the server accepted it, before the spool file went: sent
    -- again on the next flush (the one duplicate the design allows).
    run_killed(b.dir, "flush", "after_send")
    assert.equal(1, b:status().queued)
    assert.equal(1, b:flush().sent)
    assert.equal(0, b:status().queued)
    local ids = delivered_ids(2)
    assert.equal(1, count(ids))
    for _, n in pairs(ids) do assert.equal(2, n) end
    -- No temporary files left behind by the killed writers.
    assert.equal("", io.popen("ls " .. b.dir .. "/q | grep -v '%.msg$'"):read("*a"))
  end)

  it("refuses alerts when the spool is full, and counts them", function()
    local b = box({ max_count = 2 })
    assert(b:put{ subject = "1" })
    assert(b:put{ subject = "2" })
    local id, err, info = b:put{ subject = "3" }
    assert.is_nil(id)
    assert.equal("spool_full", info.kind)
    assert.matches("spool full %(2 messages", err)
    b:put{ subject = "4" }
    assert.equal(2, b:status().dropped)
    assert.equal(2, b:flush().dropped)
  end)

  it("gives up after max_age and says so in the local log", function()
    local b, logged = box({ routes = { route({ port = 9 }) }, max_age = 100 })
    assert(b:put{ subject = "old" })
    b.now = function() return os.time() + 200 end
    local r = b:flush()
    assert.equal(1, r.failed)
    assert.equal(1, b:status().failed)
    assert.matches("given up after 1 attempts: too old", logged[1])
  end)

  it("reports a wrong password once, through the webhook, and does not retry it", function()
    local hook = support.httpq("open")
    local b = box({ routes = { route({ password = "wrong" }), { webhook = { url = hook.url .. "/echo" } } } })
    for i = 1, 3 do assert(b:put{ subject = "alert " .. i }) end
    local r = b:flush()
    assert.equal(3, r.sent)                 -- all through the webhook
    assert.equal(1, #r.held)
    assert.matches("^smtp:", r.held[1].route)
    r = b:flush()                           -- the notice about the password
    assert.equal(1, r.sent)
    assert.equal(0, #r.held)
    -- The SMTP server saw one refused login, not one per alert.
    local _, fails = support.read(env.LOG):gsub("authentication failed", "")
    local posts = 0
    for _, rec in ipairs(hook.records()) do
      if rec.method == "POST" then posts = posts + 1 end
    end
    assert.equal(4, posts)
    assert.is_true(fails >= 1 and fails <= 5)   -- one send: each mechanism tried once
    assert.truthy(hook.log():find("refused the password", 1, true))
  end)

  it("retries with growing delays", function()
    local now = 1000000
    local b = box({ routes = { route({ port = 9 }) }, backoff = 60, jitter = 0,
                    now = function() return now end })
    assert(b:put{ subject = "x" })
    local waits = {}
    for _ = 1, 4 do
      assert.equal(1, b:flush().retried)
      local m = outbox._decode(support.read(b.dir .. "/q/" .. io.popen("ls " .. b.dir .. "/q"):read("*l")))
      waits[#waits + 1] = m.next - now
      now = m.next
    end
    assert.same({ 60, 120, 240, 480 }, waits)
  end)
end)
