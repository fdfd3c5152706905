-- gwkit.logwatch: files followed across rotation and truncation, lines cut
-- but not lost, bytes passed through, gzip, standard input, the UDP syslog
-- listener with malformed datagrams, and the offsets state file.
local support = require "support"
local core = require "gwkit.core"
local logwatch = require "gwkit.logwatch"
local gen = require "logwatch_gen"

local LUA = os.getenv("GWKIT_LUA") or "lua5.1"

local function lines_of(entries)
  local t = {}
  for i, e in ipairs(entries) do t[i] = e.line end
  return t
end

-- Polls (timeout 0) until nothing more comes; all entries read.
local function drain(w)
  local all = {}
  for _ = 1, 50 do
    local got = w:poll(0)
    for _, e in ipairs(got) do all[#all + 1] = e end
    if #got == 0 then break end
  end
  return all
end

local function numbered(from, to, tag)
  local t = {}
  for i = from, to do t[#t + 1] = ("%s line %03d"):format(tag or "log", i) end
  return t
end

describe("logwatch", function()
  local dir
  before_each(function() dir = support.tmpdir("logwatch") end)
  after_each(function() support.sh("rm -rf " .. dir) end)

  it("reads a file from its start, or only what is added after the end", function()
    local path = dir .. "/a.log"
    gen.write(path, numbered(1, 3))
    local ws = assert(logwatch.new{ sources = { { file = path, from = "start" } } })
    local we = assert(logwatch.new{ sources = { { file = path } } })   -- from = "end"
    assert.same(numbered(1, 3), lines_of(drain(ws)))
    assert.same({}, lines_of(drain(we)))
    gen.append(path, numbered(4, 5))
    assert.same(numbered(4, 5), lines_of(drain(ws)))
    local got = drain(we)
    assert.same(numbered(4, 5), lines_of(got))
    assert.equal("file:" .. path, got[1].source)
    assert.is_false(got[1].truncated)
    assert.equal("plain", got[1].parsed.format)
    assert.is_number(got[1].at)
    ws:close(); we:close()
  end)

  it("starting at the end of a file inside a line, skips to the next line", function()
    local path = dir .. "/a.log"
    support.write(path, "old line\nhalf of a li")
    local w = assert(logwatch.new{ sources = { { file = path } } })
    support.write(path, "old line\nhalf of a line\nnew line\n")
    assert.same({ "new line" }, lines_of(drain(w)))
    w:close()
  end)

  it("follows a rotation in the middle of a burst: every line once, in order", function()
    local path = dir .. "/mail.log"
    gen.write(path, numbered(1, 40))
    local w = assert(logwatch.new{ sources = { { file = path, from = "start" } }, grace = 0 })
    local seen = lines_of(drain(w))
    gen.append(path, numbered(41, 50))
    assert(os.rename(path, path .. ".1"))
    -- The writer has not reopened yet: it still appends to the old file...
    gen.append(path .. ".1", numbered(51, 55))
    local got = lines_of(drain(w))
    -- ...then it writes the new file.
    gen.write(path, numbered(56, 100))
    for _, l in ipairs(got) do seen[#seen + 1] = l end
    for _, l in ipairs(lines_of(drain(w))) do seen[#seen + 1] = l end
    assert.same(numbered(1, 100), seen)
    -- The old file is let go (grace 0) and the new one followed.
    drain(w)
    assert.is_false(w:status()[1].rotated)
    gen.append(path, numbered(101, 101))
    assert.same(numbered(101, 101), lines_of(drain(w)))
    w:close()
  end)

  it("keeps reading a rotated file while its writer has not reopened (grace)", function()
    local path = dir .. "/mail.log"
    gen.write(path, numbered(1, 2))
    local w = assert(logwatch.new{ sources = { { file = path, from = "start" } }, grace = 3600 })
    drain(w)
    assert(os.rename(path, path .. ".1"))
    gen.write(path, numbered(10, 11, "new"))
    assert.same(numbered(10, 11, "new"), lines_of(drain(w)))
    gen.append(path .. ".1", numbered(3, 4))       -- late lines of the old writer
    gen.append(path, numbered(12, 12, "new"))
    local got = lines_of(drain(w))
    table.sort(got)
    assert.same({ "log line 003", "log line 004", "new line 012" }, got)
    assert.is_true(w:status()[1].rotated)
    w:close()
  end)

  it("starts again at 0 when the file is truncated (copytruncate)", function()
    local path = dir .. "/a.log"
    gen.write(path, numbered(1, 10))
    local w = assert(logwatch.new{ sources = { { file = path, from = "start" } } })
    assert.equal(10, #drain(w))
    gen.write(path, { "after truncation 1", "after truncation 2" })
    assert.same({ "after truncation 1", "after truncation 2" }, lines_of(drain(w)))
    w:close()
  end)

  it("holds a last line without newline until it is completed", function()
    local path = dir .. "/a.log"
    support.write(path, "first\nsecond hal")
    local w = assert(logwatch.new{ sources = { { file = path, from = "start" } } })
    assert.same({ "first" }, lines_of(drain(w)))
    local f = assert(io.open(path, "ab")); f:write("f, completed\nthird\n"); f:close()
    assert.same({ "second half, completed", "third" }, lines_of(drain(w)))
    w:close()
  end)

  it("passes invalid UTF-8, NUL and other bytes through unharmed", function()
    local path = dir .. "/a.log"
    local weird = "bad \255\254 utf8 \0 nul \192\128 overlong \27[31m esc \226\130"
    support.write(path, weird .. "\nok\r\nnext\n")
    local w = assert(logwatch.new{ sources = { { file = path, from = "start" } } })
    local got = drain(w)
    assert.equal(weird, got[1].line)
    assert.equal("ok", got[2].line)          -- a CR before the newline is dropped
    assert.equal("next", got[3].line)
    assert.equal(3, #got)
    w:close()
  end)

  it("cuts a 1 MB line at max_line (not lost) and still sees the lines after it", function()
    local path = dir .. "/a.log"
    local f = assert(io.open(path, "wb"))
    f:write("before\n", ("x"):rep(1024 * 1024), "\n", ("y"):rep(100), "\nafter\n")
    f:close()
    local w = assert(logwatch.new{ sources = { { file = path, from = "start" } }, max_line = 100 })
    local got = drain(w)
    assert.equal(4, #got)
    assert.equal("before", got[1].line)
    assert.equal(("x"):rep(100), got[2].line)
    assert.is_true(got[2].truncated)
    assert.equal(("y"):rep(100), got[3].line)   -- exactly max_line: whole
    assert.is_false(got[3].truncated)
    assert.equal("after", got[4].line)
    w:close()
  end)

  it("cuts a long line arriving in pieces across polls", function()
    local path = dir .. "/a.log"
    local w = assert(logwatch.new{ sources = { { file = path } }, max_line = 64 })
    local function add(s) local f = assert(io.open(path, "ab")); f:write(s); f:close() end
    add(("z"):rep(50))
    assert.same({}, drain(w))                       -- kept, not yet a line
    add(("z"):rep(50))
    local got = drain(w)                            -- past 64 bytes: cut now
    assert.equal(1, #got)
    assert.equal(("z"):rep(64), got[1].line)
    assert.is_true(got[1].truncated)
    add(("z"):rep(50))
    assert.same({}, drain(w))                       -- the rest of it is dropped
    add("\nshort\n")
    assert.same({ "short" }, lines_of(drain(w)))
    w:close()
  end)

  it("reads gzip files whole with read_all, and reports a broken one", function()
    local plain = dir .. "/m.log"
    gen.write(plain, numbered(1, 500))
    assert(support.sh("gzip -c " .. plain .. " > " .. dir .. "/m.log.1.gz"))
    support.write(dir .. "/broken.gz", "not gzip at all\n")
    local w = assert(logwatch.new{ sources = { { file = dir .. "/m.log.1.gz" },
                                                 { file = dir .. "/broken.gz" } } })
    local entries, problems = w:read_all()
    assert.same(numbered(1, 500), lines_of(entries))
    assert.equal("file:" .. dir .. "/m.log.1.gz", entries[1].source)
    assert.equal(1, #problems)
    assert.matches("broken%.gz: gzip failed", problems[1])
    w:close()
  end)

  it("read_all hands entries to a function and returns the unterminated last line", function()
    local path = dir .. "/a.log"
    support.write(path, "one\ntwo")
    local w = assert(logwatch.new{ sources = { { file = path, from = "start" } } })
    local got = {}
    assert.is_true(w:read_all(function(e) got[#got + 1] = e.line end))
    assert.same({ "one", "two" }, got)
    w:close()
  end)

  it("reads standard input (in poll and in read_all)", function()
    local script = dir .. "/stdin.lua"
    support.write(script, [[
      local logwatch = require "gwkit.logwatch"
      local w = assert(logwatch.new{ sources = { { stdin = true } } })
      local n = 0
      for _ = 1, 100 do
        for _, e in ipairs(w:poll(1)) do n = n + 1; print(e.source .. " " .. e.line) end
        if #w:fds() == 0 then break end
      end
      print("eof after " .. n)
    ]])
    support.sh(("printf 'alpha\\nbeta\\ngamma' | %s %s > %s/out 2>&1"):format(LUA, script, dir))
    assert.equal("stdin alpha\nstdin beta\nstdin gamma\neof after 3\n", support.read(dir .. "/out"))
  end)

  it("listens for syslog over UDP; malformed datagrams do not stop it", function()
    local w = assert(logwatch.new{ sources = { { udp = "127.0.0.1", port = 0 } }, max_line = 1000 })
    local addr = w:udp_addresses()[1]
    assert.equal("127.0.0.1", addr.host)
    assert.is_true(addr.port > 0)
    assert.same(1, #w:fds())
    local s = assert(core.udp_bind("127.0.0.1", 0))
    local binary = {}
    for i = 0, 255 do binary[#binary + 1] = string.char((i * 37) % 256) end
    local datagrams = {
      "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
      "",
      table.concat(binary),
      ("A"):rep(9000),                                             -- longer than any bound
      "<>",
      "<999>1 broken",
      "\0\0\0",
      "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 " ..
        '[exampleSDID@32473 iut="3" eventSource="Application"] An application event log entry',
      "<190>[MAIL] Read Error(535 CRAM-MD5 not supported for someone@example.jp)\n",
    }
    for _, d in ipairs(datagrams) do assert(s:sendto(d, addr.host, addr.port)) end
    local got = {}
    for _ = 1, 50 do
      for _, e in ipairs(w:poll(0.2)) do got[#got + 1] = e end
      if #got >= 7 then break end
    end
    s:close()
    -- The empty one and the all-NUL one carry no message; the rest arrive in order.
    assert.equal(7, #got)
    assert.equal("udp:127.0.0.1", got[1].source)
    assert.equal("rfc3164", got[1].parsed.format)
    assert.equal("mymachine", got[1].parsed.host)
    assert.equal(table.concat(binary), got[2].line)
    assert.equal(1000, #got[3].line)
    assert.is_true(got[3].truncated)
    assert.equal("<>", got[4].line)
    assert.equal("<999>1 broken", got[5].line)
    assert.equal("rfc5424", got[6].parsed.format)
    assert.equal("evntslog", got[6].parsed.app)
    assert.equal("3", got[6].parsed.sdata["exampleSDID@32473"].iut)
    -- The trailing newline of a datagram is not part of the message.
    assert.equal("<190>[MAIL] Read Error(535 CRAM-MD5 not supported for someone@example.jp)", got[7].line)
    w:close()
    assert.same({}, w:fds())
  end)

  it("remembers offsets in a state file, written only when they changed", function()
    local path, state = dir .. "/a.log", dir .. "/offsets"
    gen.write(path, numbered(1, 5))
    local w = assert(logwatch.new{ sources = { { file = path, from = "start" } }, state_file = state })
    assert.equal(5, #drain(w))
    w:close()
    local st1 = assert(core.stat(state))
    -- Nothing new: the state file is not written again.
    w = assert(logwatch.new{ sources = { { file = path, from = "start" } }, state_file = state })
    assert.equal(0, #drain(w))
    w:save()
    w:close()
    assert.equal(st1.ino, core.stat(state).ino)
    -- New lines while it was not running: exactly those.
    gen.append(path, numbered(6, 8))
    w = assert(logwatch.new{ sources = { { file = path } }, state_file = state })
    assert.same(numbered(6, 8), lines_of(drain(w)))
    w:close()
    -- Rotated while it was not running: the new file from its start.
    assert(os.rename(path, path .. ".1"))
    gen.write(path, numbered(1, 2, "rotated"))
    w = assert(logwatch.new{ sources = { { file = path } }, state_file = state })
    assert.same(numbered(1, 2, "rotated"), lines_of(drain(w)))
    w:close()
  end)

  it("keeps a partial last line for the next run when a state file is kept", function()
    local path, state = dir .. "/a.log", dir .. "/offsets"
    support.write(path, "one\ntw")
    local w = assert(logwatch.new{ sources = { { file = path, from = "start" } }, state_file = state })
    assert.same({ "one" }, lines_of((w:read_all())))
    w:close()
    local f = assert(io.open(path, "ab")); f:write("o\n"); f:close()
    w = assert(logwatch.new{ sources = { { file = path, from = "start" } }, state_file = state })
    assert.same({ "two" }, lines_of((w:read_all())))
    w:close()
  end)

  it("waits for a file that does not exist yet and reads it from its start", function()
    local path = dir .. "/later.log"
    local w = assert(logwatch.new{ sources = { { file = path } } })
    assert.same({}, drain(w))
    assert.matches("missing", w:problems()[1])
    gen.write(path, { "created" })
    assert.same({ "created" }, lines_of(drain(w)))
    assert.same({}, w:problems())
    w:close()
  end)

  it("raises on bad options, naming the field", function()
    local cases = {
      { {}, "sources" },
      { { sources = { { file = "/x", from = "middle" } } }, "sources%[1%]%.from" },
      { { sources = { { file = "/x", udp = "::1", port = 1 } } }, "sources%[1%]" },
      { { sources = { { udp = "::1", port = 70000 } } }, "sources%[1%]%.port" },
      { { sources = { { file = "/x", colour = 1 } } }, "sources%[1%]%.colour" },
      { { sources = { { stdin = true } }, max_line = 10 }, "max_line" },
      { { sources = { { stdin = true } }, frobnicate = true }, "frobnicate" },
    }
    for _, c in ipairs(cases) do
      local ok, err = pcall(logwatch.new, c[1])
      assert.is_false(ok)
      assert.matches("logwatch: bad field '" .. c[2], err)
    end
  end)

  it("returns nil and a message when a UDP port is taken", function()
    local s = assert(core.udp_bind("127.0.0.1", 0))
    local _, port = s:sockname()
    local w, err = logwatch.new{ sources = { { udp = "127.0.0.1", port = port } } }
    assert.is_nil(w)
    assert.matches("logwatch: udp 127%.0%.0%.1 port " .. port, err)
    s:close()
  end)

  it("splits a stream exactly (table of chunkings)", function()
    local split = logwatch._split
    local text = "a\nbb\r\n\nccc" .. ("d"):rep(20) .. "\neeee\nf"
    for size = 1, 12 do
      local sp, got = split.new(10), {}
      local emit = function(l, cut) got[#got + 1] = l .. (cut and "|cut" or "") end
      for i = 1, #text, size do split.feed(sp, text:sub(i, i + size - 1), emit) end
      split.finish(sp, emit)
      assert.same({ "a", "bb", "", "cccddddddd|cut", "eeee", "f" }, got)
    end
  end)
end)
