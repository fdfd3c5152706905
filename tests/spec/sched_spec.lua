-- gwkit.sched: cron specs, and the loop on a fake clock (every, at, cron,
-- day and month rollover, a failing job, a job never run twice at once,
-- watchers, signals, a wall-clock step), then a few seconds of real time.
local sched = require "gwkit.sched"
local support = require "support"

local LUA = os.getenv("GWKIT_LUA") or "lua5.1"

-- Local time: tests pick days with no DST change in any zone.
local function T(y, mo, d, h, mi, s)
  return os.time{ year = y, month = mo, day = d, hour = h, min = mi, sec = s or 0 }
end

local function keys(set)
  local t = {}
  for k in pairs(set) do t[#t + 1] = k end
  table.sort(t)
  return t
end

describe("cron specs", function()
  it("parses steps, ranges, lists and names", function()
    local c = assert(sched.parse_cron("*/15 8-18/5 1,15 jan-mar mon-fri"))
    assert.same({ 0, 15, 30, 45 }, keys(c.minute))
    assert.same({ 8, 13, 18 }, keys(c.hour))
    assert.same({ 1, 15 }, keys(c.day))
    assert.same({ 1, 2, 3 }, keys(c.month))
    assert.same({ 1, 2, 3, 4, 5 }, keys(c.weekday))
  end)

  it("reads 7 as Sunday and n/step as n to the end", function()
    local c = assert(sched.parse_cron("50/5 0 * * 7"))
    assert.same({ 50, 55 }, keys(c.minute))
    assert.same({ 0, 7 }, keys(c.weekday))
  end)

  it("knows the @ shortcuts", function()
    local c = assert(sched.parse_cron("@daily"))
    assert.same({ 0 }, keys(c.minute))
    assert.same({ 0 }, keys(c.hour))
    c = assert(sched.parse_cron("@hourly"))
    assert.equal(24, #keys(c.hour))
  end)

  local bad = {
    { "* * * *", "expected 5 fields %(minute hour day month weekday%), got 4" },
    { "* * * * * *", "got 6" },
    { "", "got 0" },
    { "61 * * * *", "minute: 61 is out of range 0%-59" },
    { "* 24 * * *", "hour: 24 is out of range 0%-23" },
    { "* * 0 * *", "day: 0 is out of range 1%-31" },
    { "* * 32 * *", "day: 32 is out of range 1%-31" },
    { "* * * 13 *", "month: 13 is out of range 1%-12" },
    { "* * * * 8", "weekday: 8 is out of range 0%-7" },
    { "*/0 * * * *", "minute: step \"0\" is not a positive number" },
    { "*/x * * * *", "minute: step \"x\" is not a positive number" },
    { "5-1 * * * *", "minute: range 5%-1 is backwards" },
    { "x * * * *", "minute: \"x\" is not a number" },
    { "1.5 * * * *", "minute: \"1.5\" is not a number" },
    { "1,,2 * * * *", "minute: empty list item" },
    { "* * * foo *", "month: \"foo\" is not a number" },
    { "0 0 31 2 *", "day: no chosen month has such a day" },
    { "0 0 30,31 feb *", "day: no chosen month has such a day" },
  }
  for _, c in ipairs(bad) do
    it("refuses " .. string.format("%q", c[1]), function()
      local r, err = sched.parse_cron(c[1])
      assert.is_nil(r)
      assert.matches("^sched: cron spec " .. string.format("%q", c[1]):gsub("%p", "%%%0") .. ": ", err)
      assert.matches(c[2], err)
    end)
  end

  it("refuses a cron job with a bad spec, naming the field", function()
    local s = sched.new{ now = os.time, monotime = os.time }
    assert.has_error(function() s:cron("0 25 * * *", "x", function() end) end,
      'sched: cron spec "0 25 * * *": hour: 25 is out of range 0-23')
  end)

  it("reads times of day", function()
    assert.same({ 30 }, keys(assert(sched.parse_at("03:30")).minute))
    assert.same({ 3 }, keys(assert(sched.parse_at("3:30")).hour))
    for _, b in ipairs({ "24:00", "03:60", "0300", "3:5", "", "noon" }) do
      local r, err = sched.parse_at(b)
      assert.is_nil(r)
      assert.matches("expected HH:MM", err)
    end
  end)

  local next_cases = {
    { "*/5 * * * *", T(2025, 1, 15, 10, 2, 30), T(2025, 1, 15, 10, 5) },
    { "*/5 * * * *", T(2025, 1, 15, 10, 5, 0), T(2025, 1, 15, 10, 5) },   -- at t itself
    { "0 3 * * *", T(2025, 1, 15, 10, 0), T(2025, 1, 16, 3, 0) },         -- day rollover
    { "0 0 * * *", T(2025, 1, 31, 23, 59, 30), T(2025, 2, 1, 0, 0) },     -- month rollover
    { "30 23 * * *", T(2025, 12, 31, 23, 45), T(2026, 1, 1, 23, 30) },    -- year rollover
    { "0 9 * * mon", T(2025, 1, 15, 10, 0), T(2025, 1, 20, 9, 0) },       -- 15 Jan 2025 is a Wednesday
    { "0 0 13 * 5", T(2025, 1, 1, 0, 1), T(2025, 1, 3, 0, 0) },           -- day OR weekday: Friday 3rd
    { "0 0 13 * 5", T(2025, 1, 11, 0, 0), T(2025, 1, 13, 0, 0) },         -- ... or the 13th (a Monday)
    { "0 0 29 2 *", T(2025, 1, 1, 0, 0), T(2028, 2, 29, 0, 0) },          -- leap day
    { "15 14 1 * *", T(2025, 1, 1, 14, 16), T(2025, 2, 1, 14, 15) },
  }
  for _, c in ipairs(next_cases) do
    it("next time of " .. c[1] .. " after " .. os.date("%Y-%m-%d %H:%M:%S", c[2]), function()
      assert.equal(os.date("%Y-%m-%d %H:%M:%S", c[3]),
        os.date("%Y-%m-%d %H:%M:%S", sched.next_time(assert(sched.parse_cron(c[1])), c[2])))
    end)
  end
end)

-- A fake clock: poll() advances both clocks by the timeout and returns
-- nothing ready; signal_take() hands out queued signal names.
local function fake(start, extra)
  local clock = { wall = start, mono = 1000, sleeps = {}, signals = {}, logged = {} }
  local opts = {
    now = function() return clock.wall end,
    monotime = function() return clock.mono end,
    poll = function(_, t)
      clock.sleeps[#clock.sleeps + 1] = t
      clock.wall, clock.mono = clock.wall + t, clock.mono + t
      if clock.on_poll then clock.on_poll() end
      return {}
    end,
    signal_take = function() return table.remove(clock.signals, 1) end,
    signals = function(list) clock.installed = list end,
    log = function(level, msg) clock.logged[#clock.logged + 1] = level .. ": " .. msg end,
  }
  for k, v in pairs(extra or {}) do opts[k] = v end
  function clock.advance(t) clock.wall, clock.mono = clock.wall + t, clock.mono + t end
  return sched.new(opts), clock
end

local function stamp(t) return os.date("%Y-%m-%d %H:%M:%S", t) end

describe("the scheduler on a fake clock", function()
  it("runs every / at / cron jobs on time, across midnight", function()
    local s, clock = fake(T(2025, 1, 15, 2, 50, 0))
    local runs = { every = {}, at = {}, cron = {} }
    s:every(7, "every", function() runs.every[#runs.every + 1] = clock.wall end)
    s:at("03:00", "at", function() runs.at[#runs.at + 1] = stamp(clock.wall) end)
    s:cron("0,30 23,0 * * *", "cron", function() runs.cron[#runs.cron + 1] = stamp(clock.wall) end)
    assert.equal("time", s:run{ max_seconds = 2 * 86400 })
    assert.same({ "2025-01-15 03:00:00", "2025-01-16 03:00:00" }, runs.at)
    assert.same({ "2025-01-15 23:00:00", "2025-01-15 23:30:00", "2025-01-16 00:00:00",
                  "2025-01-16 00:30:00", "2025-01-16 23:00:00", "2025-01-16 23:30:00",
                  "2025-01-17 00:00:00", "2025-01-17 00:30:00" }, runs.cron)
    -- every 7 s from the start, none skipped, none twice
    assert.equal(math.floor(2 * 86400 / 7) + 1, #runs.every)
    for i = 2, #runs.every do assert.equal(7, runs.every[i] - runs.every[i - 1]) end
    -- it slept between jobs, never longer than max_sleep (60)
    for _, t in ipairs(clock.sleeps) do assert.is_true(t > 0 and t <= 60) end
  end)

  it("sleeps until the next job, not in small steps", function()
    local s, clock = fake(T(2025, 7, 1, 12, 0, 30))
    local n = 0
    s:cron("*/10 * * * *", "ten", function() n = n + 1 end)
    s:run{ max_seconds = 3600 }
    assert.equal(6, n)
    -- 3600 s with max_sleep 60: about 60 sleeps, not thousands
    assert.is_true(#clock.sleeps <= 70, #clock.sleeps .. " sleeps")
  end)

  it("runs the daily job across a month end and a year end", function()
    local s, clock = fake(T(2025, 12, 30, 12, 0, 0), { max_sleep = 3600 })
    local days = {}
    s:at("00:05", "daily", function() days[#days + 1] = stamp(clock.wall) end)
    s:run{ max_seconds = 3 * 86400 }
    assert.same({ "2025-12-31 00:05:00", "2026-01-01 00:05:00", "2026-01-02 00:05:00" }, days)
  end)

  it("keeps going when a job fails, and logs the traceback", function()
    local s, clock = fake(T(2025, 1, 15, 10, 0, 0))
    local good = 0
    s:every(10, "bad", function() error("boom") end)
    s:every(10, "good", function() good = good + 1 end)
    s:run{ max_seconds = 100 }
    assert.equal(11, good)
    local st = s:status()
    assert.equal("bad", st[1].name)
    assert.equal(11, st[1].runs)
    assert.equal(11, st[1].failures)
    assert.matches("boom", st[1].last_error)
    assert.equal(0, st[2].failures)
    local found = false
    for _, l in ipairs(clock.logged) do
      if l:find("^err: job bad failed: .*boom.*stack traceback") then found = true end
    end
    assert.is_true(found)
  end)

  it("never runs a job twice at once, and does not catch up missed runs", function()
    local s, clock = fake(T(2025, 1, 15, 10, 0, 0))
    local starts, depth, max_depth = {}, 0, 0
    s:every(10, "slow", function()
      depth = depth + 1
      if depth > max_depth then max_depth = depth end
      starts[#starts + 1] = clock.mono
      s:run_due()                -- re-entry: the running job is not started again
      clock.advance(25)          -- takes longer than its interval
      depth = depth - 1
    end)
    s:run{ max_seconds = 100 }
    assert.equal(1, max_depth)
    for i = 2, #starts do assert.equal(35, starts[i] - starts[i - 1]) end
  end)

  it("feeds watchers' entries to their function and survives a failing one", function()
    local s, clock = fake(T(2025, 1, 15, 10, 0, 0))
    local queue = {}
    local w = {
      fds = function() return {} end,
      poll = function(_, timeout)
        assert.equal(0, timeout)
        local out = queue
        queue = {}
        return out
      end,
    }
    local got, calls = {}, 0
    s:watch(w, "lines", function(entries)
      calls = calls + 1
      if calls == 1 then error("first batch fails") end
      for _, e in ipairs(entries) do got[#got + 1] = e.line end
    end, { interval = 1 })
    local t0 = clock.mono
    clock.on_poll = function()
      local t = clock.mono - t0
      if t == 3 then queue = { { line = "a" } } end
      if t == 5 then queue = { { line = "b" }, { line = "c" } } end
    end
    s:run{ max_seconds = 10 }
    assert.same({ "b", "c" }, got)
    assert.equal(2, calls)
    assert.equal(1, s:status()[1].failures)
    -- with an interval of 1 s it looked at the watcher every second
    for _, t in ipairs(clock.sleeps) do assert.is_true(t <= 1) end
  end)

  it("stops on SIGTERM after the current job, and hands SIGHUP to on_signal", function()
    local hups = 0
    local s, clock
    s, clock = fake(T(2025, 1, 15, 10, 0, 0), { on_signal = function(name)
      assert.equal("HUP", name)
      hups = hups + 1
    end })
    local a, b = 0, 0
    s:every(10, "a", function()
      a = a + 1
      if a == 2 then clock.signals = { "HUP" } end
      if a == 3 then clock.signals = { "TERM" } end     -- arrives while a runs
    end)
    s:every(10, "b", function() b = b + 1 end)
    assert.equal("signal", s:run{ max_seconds = 1000 })
    assert.same({ "TERM", "INT", "HUP" }, clock.installed)
    assert.equal(1, hups)
    assert.equal(3, a)
    assert.equal(2, b)          -- no new work after the SIGTERM
  end)

  it("reschedules wall-clock jobs when the clock steps (missed runs are not caught up)", function()
    local s, clock = fake(T(2025, 1, 15, 2, 0, 0))
    local runs = {}
    s:at("03:00", "daily", function() runs[#runs + 1] = stamp(clock.wall) end)
    local stepped = false
    clock.on_poll = function()
      if not stepped and clock.wall >= T(2025, 1, 15, 2, 30) then
        stepped = true
        clock.wall = clock.wall + 3 * 86400           -- NTP sets the clock: 3 days later
      end
    end
    s:run{ max_seconds = 86400 }
    assert.same({ "2025-01-18 03:00:00" }, runs)
    local noted = false
    for _, l in ipairs(clock.logged) do
      if l:find("wall clock moved") then noted = true end
    end
    assert.is_true(noted)
  end)

  it("keeps a job's next time when it is added again after clear()", function()
    local s, clock = fake(T(2025, 1, 15, 10, 0, 0))
    local n = 0
    s:every(60, "j", function() n = n + 1 end)
    s:run{ max_seconds = 30 }
    assert.equal(1, n)
    s:clear()
    s:every(60, "j", function() n = n + 1 end)
    clock.advance(0)
    s:run{ max_seconds = 20 }
    assert.equal(1, n)              -- not run again at once: due at +60
  end)

  it("refuses misuse with errors naming the argument", function()
    local s = fake(T(2025, 1, 15, 10, 0, 0))
    assert.has_error(function() s:every(0, "x", function() end) end,
      "sched: every: seconds must be a positive number")
    assert.has_error(function() s:every(5, "", function() end) end,
      "sched: job name must be a non-empty string")
    assert.has_error(function() s:every(5, "x", "f") end, 'sched: job "x": function expected')
    s:every(5, "x", function() end)
    assert.has_error(function() s:at("07:00", "x", function() end) end,
      'sched: a job named "x" exists already')
    assert.has_error(function() s:at("7", "y", function() end) end,
      'sched: time of day "7": expected HH:MM (00:00 to 23:59)')
    assert.has_error(function() sched.new{ clock = os.time } end, "sched.new: unknown option 'clock'")
  end)
end)

describe("the scheduler in real time", function()
  local core = require "gwkit.core"

  it("runs jobs for a few seconds and stops at max_seconds", function()
    local s = sched.new{}
    local n, t = 0, {}
    s:every(0.3, "tick", function() n = n + 1 t[#t + 1] = core.monotime() end)
    local t0 = core.monotime()
    assert.equal("time", s:run{ max_seconds = 2, signals = false })
    assert.is_true(core.monotime() - t0 >= 2)
    assert.is_true(n >= 2, n .. " runs")
    for i = 2, #t do assert.is_true(t[i] > t[i - 1]) end
  end)

  it("stops on a real SIGTERM with exit status 0 after the current job", function()
    local dir = support.tmpdir("sched")
    support.write(dir .. "/run.lua", ([[
      local sched = require "gwkit.sched"
      local core = require "gwkit.core"
      local s = sched.new{ log = function(l, m) io.stderr:write(l, ": ", m, "\n") end }
      local n = 0
      s:every(0.1, "tick", function()
        n = n + 1
        local f = io.open(%q, "w") f:write(core.getpid(), " ", n, "\n") f:close()
      end)
      local why = s:run{ max_seconds = 30 }
      io.stderr:write("done: ", why, "\n")
      os.exit(why == "signal" and 0 or 3)
    ]]):format(dir .. "/ticks"))
    assert(support.sh(("(%s %s/run.lua </dev/null >%s/out 2>&1; echo $? >%s/rc) &")
      :format(LUA, dir, dir, dir)))
    local pid = support.wait(10, function()
      local s = support.read(dir .. "/ticks")
      local p, n = (s or ""):match("^(%d+) (%d+)")
      if p and tonumber(n) >= 3 then return p end
    end)
    assert.truthy(pid, support.read(dir .. "/out"))
    assert(support.sh("kill -TERM " .. pid))
    local rc = support.wait(10, function() return support.read(dir .. "/rc") end)
    assert.truthy(rc, support.read(dir .. "/out"))
    assert.equal("0", rc:match("%d+"))
    local out = support.read(dir .. "/out")
    assert.matches("SIGTERM: stopping", out)
    assert.matches("done: signal", out)
  end)
end)
