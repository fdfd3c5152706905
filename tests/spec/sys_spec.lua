-- gwkit.core OS primitives, used for real: the monotonic clock, stat, poll
-- and non-blocking reads on FIFOs, flag-setting signal handlers that cut
-- waits short, run() with its deadline, input, truncation and daemonizing
-- children, syslog without a syslog daemon, getpid and hostname.
local core = require "gwkit.core"
local support = require "support"

local function mkfifo(dir, name)
  local path = dir .. "/" .. name
  assert(support.sh("mkfifo " .. path))
  return path
end

-- Sends `sig` to this process after `delay` seconds from a background shell.
local function signal_later(sig, delay)
  assert(support.sh(("(sleep %s; kill -%s %d) >/dev/null 2>&1 &"):format(delay, sig, core.getpid())))
end

describe("core.monotime", function()
  it("is a number that increases over a sleep", function()
    local t0 = core.monotime()
    assert.is_number(t0)
    assert.is_true(core.sleep(0.05))
    assert.is_true(core.monotime() - t0 >= 0.05)
  end)
end)

describe("core.stat", function()
  local dir
  setup(function() dir = support.tmpdir("sys") end)
  teardown(function() support.sh("rm -rf " .. dir) end)

  it("describes a file", function()
    support.write(dir .. "/f", "12345")
    local st = assert(core.stat(dir .. "/f"))
    assert.equal("file", st.kind)
    assert.equal(5, st.size)
    assert.is_true(st.ino > 0)
    assert.is_number(st.dev)
    assert.is_true(math.abs(st.mtime - os.time()) < 3600)
  end)

  it("tells a replaced file by its inode", function()
    support.write(dir .. "/g", "a")
    local a = assert(core.stat(dir .. "/g"))
    support.write(dir .. "/g2", "b")
    assert(os.rename(dir .. "/g2", dir .. "/g"))
    local b = assert(core.stat(dir .. "/g"))
    assert.equal(a.dev, b.dev)
    assert.are_not.equal(a.ino, b.ino)
  end)

  it("describes a directory, a FIFO and a character device", function()
    assert.equal("dir", core.stat(dir).kind)
    assert.equal("fifo", core.stat(mkfifo(dir, "p")).kind)
    assert.equal("char", core.stat("/dev/null").kind)
  end)

  it("follows symbolic links", function()
    assert(support.sh(("ln -s %s/f %s/link"):format(dir, dir)))
    assert.equal("file", core.stat(dir .. "/link").kind)
  end)

  it("returns nil and a message for a missing path", function()
    local st, err, info = core.stat(dir .. "/missing")
    assert.is_nil(st)
    assert.equal("stat: " .. dir .. "/missing: No such file or directory", err)
    assert.equal("stat", info.kind)
    assert.is_true(info.missing)
  end)

  it("refuses a path with a NUL byte", function()
    assert.has_error(function() core.stat("a\0b") end)
  end)
end)

describe("core.fd_open, core.poll, core.fd_read", function()
  local dir
  setup(function() dir = support.tmpdir("sys") end)
  teardown(function() support.sh("rm -rf " .. dir) end)

  it("waits for and reads a FIFO opened read-write", function()
    local path = mkfifo(dir, "rw")
    local fd = assert(core.fd_open(path, "rw"))
    assert.same({}, core.poll({ fd }, 0))
    local data, err = core.fd_read(fd)
    assert.is_nil(data)
    assert.equal("again", err)
    local f = assert(io.open(path, "w"))
    f:write("hello\n")
    f:close()
    assert.same({ fd }, core.poll({ fd }, 5))
    assert.equal("he", core.fd_read(fd, 2))
    assert.equal("llo\n", core.fd_read(fd))
    assert.equal("again", select(2, core.fd_read(fd)))
    assert.is_true(core.fd_close(fd))
  end)

  it("reports end of file when the last writer of a read-only FIFO closes", function()
    local path = mkfifo(dir, "ro")
    local fd = assert(core.fd_open(path))
    local f = assert(io.open(path, "w"))
    f:write("xyz")
    f:close()
    assert.same({ fd }, core.poll({ fd }, 5))
    assert.equal("xyz", core.fd_read(fd))
    assert.equal("", core.fd_read(fd))
    assert.is_true(core.fd_close(fd))
  end)

  it("returns only the ready descriptors", function()
    local a = assert(core.fd_open(mkfifo(dir, "a"), "rw"))
    local b = assert(core.fd_open(mkfifo(dir, "b"), "rw"))
    local f = assert(io.open(dir .. "/b", "w"))
    f:write("b")
    f:close()
    assert.same({ b }, core.poll({ a, b }, 5))
    core.fd_close(a)
    core.fd_close(b)
  end)

  it("waits out the timeout when nothing is ready", function()
    local fd = assert(core.fd_open(mkfifo(dir, "idle"), "rw"))
    local t0 = core.monotime()
    assert.same({}, core.poll({ fd }, 0.1))
    assert.is_true(core.monotime() - t0 >= 0.1)
    core.fd_close(fd)
  end)

  it("reports a closed descriptor as ready and fd_read says why", function()
    local fd = assert(core.fd_open(mkfifo(dir, "closed"), "rw"))
    core.fd_close(fd)
    assert.same({ fd }, core.poll({ fd }, 1))
    local data, err = core.fd_read(fd)
    assert.is_nil(data)
    assert.equal("read: Bad file descriptor", err)
  end)

  it("returns nil and a message when open fails", function()
    local fd, err = core.fd_open(dir .. "/none")
    assert.is_nil(fd)
    assert.equal("open: " .. dir .. "/none: No such file or directory", err)
  end)

  it("refuses bad arguments", function()
    local many = {}
    for i = 1, 65 do many[i] = 0 end
    assert.has_error(function() core.poll(many, 0) end)
    assert.has_error(function() core.poll({ 0 }, -1) end)
    assert.has_error(function() core.poll({ 0 }) end)
    assert.has_error(function() core.poll({ "x" }, 0) end)
    assert.has_error(function() core.poll({ 1.5 }, 0) end)
    assert.has_error(function() core.fd_read(0, 0) end)
    assert.has_error(function() core.fd_read(0, 2 * 1024 * 1024) end)
    assert.has_error(function() core.fd_read(-1) end)
    assert.has_error(function() core.fd_open("/dev/null", "w") end)
  end)
end)

describe("core.signals", function()
  setup(function() assert.is_true(core.signals{ "USR1", "USR2" }) end)

  it("records a signal and hands it out once", function()
    assert.is_nil(core.signal_take())
    assert(support.sh("kill -USR1 " .. core.getpid()))
    assert.equal("USR1", core.signal_take())
    assert.is_nil(core.signal_take())
  end)

  it("cuts a poll short", function()
    signal_later("USR2", 0.5)
    local t0 = core.monotime()
    local ready, why = core.poll({}, 20)
    assert.same({}, ready)
    assert.equal("interrupted", why)
    assert.is_true(core.monotime() - t0 < 15)
    assert.equal("USR2", core.signal_take())
  end)

  it("cuts a sleep short", function()
    signal_later("USR1", 0.5)
    local t0 = core.monotime()
    local ok, why = core.sleep(20)
    assert.is_false(ok)
    assert.equal("interrupted", why)
    assert.is_true(core.monotime() - t0 < 15)
    assert.equal("USR1", core.signal_take())
  end)

  it("hands out pending signals TERM first, then INT, HUP, USR1, USR2", function()
    -- In a child interpreter: a TERM handler must not outlive this test.
    local lua = {}
    for w in (os.getenv("GWKIT_LUA") or "lua5.1"):gmatch("%S+") do lua[#lua + 1] = w end
    local script = [[
      local core = require "gwkit.core"
      core.signals{ "USR2", "USR1", "HUP", "INT", "TERM" }
      for _, s in ipairs{ "USR2", "HUP", "USR1", "TERM", "INT" } do
        -- (not os.execute: system(3) ignores SIGINT while it waits)
        core.run{ "kill", "-" .. s, tostring(core.getpid()) }
      end
      local got = {}
      for _ = 1, 6 do got[#got + 1] = core.signal_take() or "nil" end
      io.write(table.concat(got, " "))
    ]]
    lua[#lua + 1] = "-e"
    lua[#lua + 1] = script
    local res = assert(core.run(lua, { timeout = 20 }))
    assert.equal("", res.errors)
    assert.equal("TERM INT HUP USR1 USR2 nil", res.output)
  end)

  it("refuses signals it does not handle", function()
    assert.has_error(function() core.signals{ "KILL" } end)
    assert.has_error(function() core.signals{ "term" } end)
    assert.has_error(function() core.signals{ 15 } end)
    assert.has_error(function() core.signals("TERM") end)
  end)
end)

describe("core.run", function()
  it("returns exit code, stdout and stderr of a shell command", function()
    local res = assert(core.run("echo out; echo err >&2; exit 3"))
    assert.equal(3, res.status)
    assert.is_nil(res.signal)
    assert.equal("out\n", res.output)
    assert.equal("err\n", res.errors)
    assert.is_false(res.timed_out)
    assert.is_false(res.truncated)
  end)

  it("runs an argv array without a shell", function()
    local res = assert(core.run{ "printf", "[%s]", "a b", "it's", '"q"', "$HOME" })
    assert.equal(0, res.status)
    assert.equal("[a b][it's][\"q\"][$HOME]", res.output)
  end)

  it("writes input to stdin; stdin is /dev/null otherwise", function()
    assert.equal("line 1\nline 2\n", core.run("cat", { input = "line 1\nline 2\n" }).output)
    assert.equal("", core.run("cat").output)
    local big = string.rep("0123456789", 30000)
    assert.equal(tostring(#big), core.run({ "wc", "-c" }, { input = big }).output:match("%d+"))
  end)

  it("kills a command at the timeout", function()
    local t0 = core.monotime()
    local res = assert(core.run("sleep 100", { timeout = 0.5 }))
    assert.is_true(res.timed_out)
    assert.equal("TERM", res.signal)
    assert.is_nil(res.status)
    assert.is_true(core.monotime() - t0 < 5)
  end)

  it("kills the whole process group at the timeout", function()
    local t0 = core.monotime()
    local res = assert(core.run("sleep 100 & echo $!; sleep 100", { timeout = 0.5 }))
    assert.is_true(res.timed_out)
    assert.is_true(core.monotime() - t0 < 5)
    local pid = assert(tonumber(res.output:match("%d+")))
    core.sleep(0.2)
    local stat = support.read("/proc/" .. pid .. "/stat")
    assert.is_true(stat == nil or stat:match("%) ([ZX]) ") ~= nil, "background sleep still alive")
  end)

  it("sends SIGKILL when SIGTERM is ignored", function()
    local t0 = core.monotime()
    local res = assert(core.run("trap '' TERM; sleep 100", { timeout = 0.3 }))
    assert.is_true(res.timed_out)
    assert.equal("KILL", res.signal)
    assert.is_true(core.monotime() - t0 < 6)
  end)

  it("returns once a daemonizing child exits, not at its daemon's EOF", function()
    local t0 = core.monotime()
    local res = assert(core.run("sleep 8 & echo done", { timeout = 20 }))
    assert.equal("done\n", res.output)
    assert.equal(0, res.status)
    assert.is_false(res.timed_out)
    assert.is_true(core.monotime() - t0 < 6)
  end)

  it("keeps max_output bytes per stream and says it cut", function()
    local res = assert(core.run("head -c 200000 /dev/zero; head -c 50 /dev/zero >&2",
                                { max_output = 100 }))
    assert.equal(100, #res.output)
    assert.equal(50, #res.errors)
    assert.is_true(res.truncated)
    assert.is_false(core.run("echo x", { max_output = 2 }).truncated)
  end)

  it("reports a program that cannot be executed as status 127", function()
    local res = assert(core.run{ "no-such-program-gwkit", "x" })
    assert.equal(127, res.status)
    assert.equal("run: no-such-program-gwkit: No such file or directory", res.errors)
    assert.equal(127, core.run("no-such-program-gwkit").status)
    assert.equal(127, core.run{ "/etc/passwd" }.status)
  end)

  it("reports the signal that killed the child", function()
    assert.equal("KILL", core.run("kill -KILL $$").signal)
    assert.equal("USR1", core.run("kill -USR1 $$").signal)
  end)

  it("does not leak the input into errors", function()
    local res = assert(core.run{ "no-such-program-gwkit", input = nil })
    assert.is_nil(res.errors:find("secret"))
    res = assert(core.run({ "no-such-program-gwkit" }, { input = "secret-input" }))
    assert.is_nil(res.errors:find("secret"))
  end)

  it("refuses bad arguments", function()
    assert.has_error(function() core.run("echo\0x") end)
    assert.has_error(function() core.run{} end)
    assert.has_error(function() core.run{ "echo", 1 } end)
    assert.has_error(function() core.run{ "ec\0ho" } end)
    assert.has_error(function() core.run(42) end)
    assert.has_error(function() core.run("true", { timeout = 0 }) end)
    assert.has_error(function() core.run("true", { timeout = "5" }) end)
    assert.has_error(function() core.run("true", { max_output = -1 }) end)
    assert.has_error(function() core.run("true", { input = 5 }) end)
    assert.has_error(function() core.run("true", { tiemout = 5 }) end)
  end)
end)

describe("core.syslog", function()
  it("returns true without a syslog daemon, for names and numbers", function()
    assert.is_true(core.syslog("info", "gwkit sys_spec\nsecond line"))
    assert.is_true(core.syslog("error", "x", "gwkit-test", "local3"))
    assert.is_true(core.syslog(7, "x", "gwkit-test", "daemon"))
    assert.is_true(core.syslog("warn", string.rep("y", 10000), "other"))
  end)

  it("refuses unknown levels, facilities and idents", function()
    assert.has_error(function() core.syslog("loud", "x") end)
    assert.has_error(function() core.syslog(8, "x") end)
    assert.has_error(function() core.syslog("info", "x", "gwkit", "kern") end)
    assert.has_error(function() core.syslog("info", "x", "a b") end)
    assert.has_error(function() core.syslog("info", "x", "") end)
    assert.has_error(function() core.syslog("info", "x", string.rep("i", 33)) end)
  end)
end)

describe("core.getpid and core.hostname", function()
  it("give this process's id and the kernel's host name", function()
    assert.equal(tostring(core.getpid()), core.run("echo $PPID").output:match("%d+"))
    local name = (support.read("/proc/sys/kernel/hostname") or ""):gsub("%s+$", "")
    assert.equal(name, core.hostname())
  end)
end)
