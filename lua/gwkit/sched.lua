-- gwkit.sched: a scheduler for router scripts. Jobs run every N seconds,
-- at a time of day, on a cron-like spec, or continuously on the lines of a
-- log watcher. Each job runs in its own protected call: a failing job is
-- logged and counted and the others go on; a job never runs twice at once.
--
--   local sched = require "gwkit.sched"
--   local s = sched.new{ log = function(level, msg) ... end }
--   s:every(60, "flush", function() box:flush() end)
--   s:at("03:00", "rotate", function() ... end)
--   s:cron("*/5 * * * *", "ping", function() ... end)
--   s:watch(watcher, "rules", function(entries) ... end, { interval = 1 })
--   s:run{ max_seconds = nil }   -- until SIGTERM / SIGINT or s:stop()
--
-- Between jobs the loop sleeps in core.poll on the watchers' descriptors
-- (UDP sockets, stdin) until the next job is due, waking only to look at
-- followed files (the watch's `interval`) and at most every `max_sleep`
-- seconds: it never busy-polls and writes nothing.
--
-- Time: `every` runs on the monotonic clock (a wall-clock step does not
-- change it); `at` and `cron` on local wall-clock time, minute by minute.
-- When the wall clock steps (a router setting its clock from NTP after a
-- boot in 1970, or a manual change), the wall-clock jobs are scheduled
-- again from the new time; missed runs are not caught up (a job delayed
-- by a long one runs once, late). Every clock is injectable for tests:
-- sched.new{ now = os.time, monotime = core.monotime, poll = core.poll,
-- signal_take = core.signal_take, signals = core.signals }.
--
-- Cron specs ("minute hour day month weekday") and times of day are read
-- by gwkit.sched.cron (sched.parse_cron, sched.parse_at, sched.next_time).

local cron = require "gwkit.sched.cron"

local M = {}

-- The cron functions (gwkit.sched.cron), here too.
M.parse_cron, M.parse_at, M.next_time = cron.parse, cron.parse_at, cron.next_time

local type, pairs, ipairs, tostring, error, setmetatable, xpcall, pcall =
  type, pairs, ipairs, tostring, error, setmetatable, xpcall, pcall
local format, huge = string.format, math.huge
local traceback = debug.traceback

local MAX_SLEEP = 60          -- the loop wakes at least this often
local CLOCK_STEP = 5          -- wall clock moved this far against the monotonic: a step
local MAX_ROUNDS_PER_WAKE = 1000

------------------------------------------------------------------------
-- The scheduler

local S = {}
S.__index = S

local function core_fn(name)
  local ok, core = pcall(require, "gwkit.core")
  if ok and core[name] then return core[name] end
  return function() error("sched: gwkit.core." .. name .. " is not available", 2) end
end

function M.new(opts)
  opts = opts or {}
  if type(opts) ~= "table" then error("sched.new: options table expected", 2) end
  local known = { now = true, monotime = true, poll = true, signal_take = true, signals = true,
                  log = true, max_sleep = true, on_signal = true }
  for k, v in pairs(opts) do
    if not known[k] then error(format("sched.new: unknown option '%s'", tostring(k)), 2) end
    if k ~= "max_sleep" and type(v) ~= "function" then
      error(format("sched.new: option '%s' must be a function", k), 2)
    end
  end
  if opts.max_sleep ~= nil and (type(opts.max_sleep) ~= "number" or opts.max_sleep <= 0) then
    error("sched.new: option 'max_sleep' must be a positive number", 2)
  end
  return setmetatable({
    now = opts.now or os.time,
    monotime = opts.monotime or core_fn("monotime"),
    poll = opts.poll or core_fn("poll"),
    signal_take = opts.signal_take or core_fn("signal_take"),
    signals = opts.signals or core_fn("signals"),
    log = opts.log or function() end,
    on_signal = opts.on_signal,
    max_sleep = opts.max_sleep or MAX_SLEEP,
    jobs = {}, watchers = {}, pending = {}, memo = {},
    stopping = false, running = nil,
  }, S)
end

local function check_name(s, name, fn)
  if type(name) ~= "string" or name == "" then error("sched: job name must be a non-empty string", 3) end
  if type(fn) ~= "function" then error(format("sched: job %q: function expected", name), 3) end
  for _, j in ipairs(s.jobs) do
    if j.name == name then error(format("sched: a job named %q exists already", name), 3) end
  end
  for _, j in ipairs(s.watchers) do
    if j.name == name then error(format("sched: a job named %q exists already", name), 3) end
  end
end

local function new_job(s, kind, key, name, fn)
  local j = { kind = kind, key = key, name = name, fn = fn, runs = 0, failures = 0 }
  local old = s.memo[name]
  if old and old.kind == kind and old.key == key then j.due, j.runs, j.failures = old.due, old.runs, old.failures end
  s.jobs[#s.jobs + 1] = j
  return j
end

--- s:every(seconds, name, fn [, {delay = seconds}]): first run after
-- `delay` (default 0: as soon as the loop starts), then every `seconds`.
function S:every(seconds, name, fn, opts)
  if type(seconds) ~= "number" or seconds <= 0 or seconds ~= seconds then
    error("sched: every: seconds must be a positive number", 2)
  end
  check_name(self, name, fn)
  local j = new_job(self, "every", tostring(seconds), name, fn)
  j.interval, j.delay = seconds, opts and opts.delay or 0
  return j
end

--- s:at("HH:MM", name, fn): every day at that local time.
function S:at(hhmm, name, fn)
  local c, err = M.parse_at(hhmm)
  if not c then error(err, 2) end
  check_name(self, name, fn)
  local j = new_job(self, "wall", "at " .. hhmm, name, fn)
  j.cron = c
  return j
end

--- s:cron(spec, name, fn): on a cron spec, in local time.
function S:cron(spec, name, fn)
  local c, err = M.parse_cron(spec)
  if not c then error(err, 2) end
  check_name(self, name, fn)
  local j = new_job(self, "wall", "cron " .. spec, name, fn)
  j.cron = c
  return j
end

--- s:watch(watcher, name, fn(entries) [, {interval = seconds}]): calls fn
-- with the entries of watcher:poll(0) whenever there are some. The loop
-- polls watcher:fds() and, with `interval` (for followed files), looks at
-- the watcher at least that often.
function S:watch(watcher, name, fn, opts)
  if type(watcher) ~= "table" or type(watcher.poll) ~= "function" then
    error("sched: watch: a watcher with a poll method expected", 2)
  end
  check_name(self, name, fn)
  local interval = opts and opts.interval
  if interval ~= nil and (type(interval) ~= "number" or interval <= 0) then
    error("sched: watch: interval must be a positive number", 2)
  end
  local j = { kind = "watch", name = name, fn = fn, watcher = watcher, interval = interval,
              runs = 0, failures = 0 }
  self.watchers[#self.watchers + 1] = j
  return j
end

--- s:clear(): removes every job and watcher (a reload adds them again;
-- a job added again under the same name and schedule keeps its next time).
function S:clear()
  for _, j in ipairs(self.jobs) do
    self.memo[j.name] = { kind = j.kind, key = j.key, due = j.due, runs = j.runs, failures = j.failures }
  end
  self.jobs, self.watchers = {}, {}
end

--- s:stop(): the loop ends after the current step.
function S:stop()
  self.stopping = true
  self.stop_reason = self.stop_reason or "stopped"
end

--- s:signal(name): a signal taken elsewhere (during a job): TERM and INT
-- stop the loop; others go to on_signal from the loop, between steps.
function S:signal(name)
  if name == "TERM" or name == "INT" then
    if not self.stopping then self.log("info", "SIG" .. name .. ": stopping") end
    self.stopping, self.stop_reason = true, "signal"
  elseif #self.pending < 16 then
    self.pending[#self.pending + 1] = name
  end
end

-- Runs fn(...) of job j protected. Returns true, or false and the error.
function S:_call(j, ...)
  if j.active then
    self.log("warning", format("job %s: still running, not started again", j.name))
    return false, "already running"
  end
  j.active, self.running = true, j.name
  local args, n = { ... }, select("#", ...)
  local ok, err = xpcall(function() return j.fn(unpack(args, 1, n)) end, traceback)
  j.active, self.running = false, nil
  j.runs = j.runs + 1
  j.last_run = self.now()
  if ok then
    j.last_error = nil
  else
    j.failures = j.failures + 1
    j.last_error = tostring(err)
    self.log("err", format("job %s failed: %s", j.name, tostring(err)))
  end
  return ok, err
end

-- Schedules j after it ran (or for the first time).
function S:_plan(j, wall, mono)
  if j.kind == "every" then
    if not j.due then
      j.due = mono + j.delay
    else
      j.due = j.due + j.interval
      if j.due <= mono then j.due = mono + j.interval end
    end
  else
    local from = wall
    if j.due and j.due + 60 > from then from = j.due + 60 end
    j.due = M.next_time(j.cron, from)
    if not j.due then
      self.log("warning", format("job %s: %q never comes again", j.name, j.cron.text))
    end
  end
end

local function drain_signals(s)
  for _ = 1, 16 do
    local name = s.signal_take()
    if not name then break end
    s:signal(name)
  end
end

local function take_signals(s)
  drain_signals(s)
  while #s.pending > 0 and not s.stopping do
    local name = table.remove(s.pending, 1)
    if s.on_signal then
      local ok, err = pcall(s.on_signal, name)
      if not ok then s.log("err", format("SIG%s handler failed: %s", name, tostring(err))) end
    else
      s.log("info", "SIG" .. name .. " ignored")
    end
  end
end

--- s:run_due(): runs every job that is due now, once. Returns how many ran.
function S:run_due()
  local ran = 0
  local wall, mono = self.now(), self.monotime()
  for _, j in ipairs(self.jobs) do
    if self.stopping then break end
    if j.due == nil and not j.active then self:_plan(j, wall, mono) end
    local due
    if j.kind == "every" then due = j.due and j.due <= mono
    else due = j.due and j.due <= wall end
    if due and not j.active then
      self:_call(j)
      ran = ran + 1
      wall, mono = self.now(), self.monotime()
      self:_plan(j, wall, mono)
      drain_signals(self)           -- a SIGTERM during the job: no new work
    end
  end
  return ran
end

-- Seconds until the next job is due (huge when none).
function S:_wait()
  local wall, mono = self.now(), self.monotime()
  local w = huge
  for _, j in ipairs(self.jobs) do
    if j.due then
      local left = j.kind == "every" and j.due - mono or j.due - wall
      if left < w then w = left end
    end
  end
  return w < 0 and 0 or w
end

-- Runs the watchers: entries of each go to its function.
function S:_watch_round()
  for _, j in ipairs(self.watchers) do
    if self.stopping then break end
    local ok, entries = pcall(j.watcher.poll, j.watcher, 0)
    if not ok then
      j.failures = j.failures + 1
      j.last_error = tostring(entries)
      self.log("err", format("watch %s: %s", j.name, tostring(entries)))
    elseif type(entries) == "table" and #entries > 0 then
      self:_call(j, entries)
    end
  end
end

-- Sleeps up to `wait` seconds in poll on the watchers' descriptors; wakes
-- early when one is ready or a signal came.
function S:_sleep(wait)
  local fds = {}
  for _, j in ipairs(self.watchers) do
    local ok, list = pcall(j.watcher.fds, j.watcher)
    if ok and type(list) == "table" then
      for _, fd in ipairs(list) do fds[#fds + 1] = fd end
    end
    if j.interval and j.interval < wait then wait = j.interval end
  end
  if wait > self.max_sleep then wait = self.max_sleep end
  if wait < 0 then wait = 0 end
  return self.poll(fds, wait)
end

-- Reschedules the wall-clock jobs when the wall clock stepped.
function S:_check_clock()
  local wall, mono = self.now(), self.monotime()
  if self.last_wall then
    local drift = (wall - self.last_wall) - (mono - self.last_mono)
    if drift > CLOCK_STEP or drift < -CLOCK_STEP then
      self.log("notice", format("the wall clock moved by %d s: wall-clock jobs rescheduled", drift))
      for _, j in ipairs(self.jobs) do
        if j.kind == "wall" and not j.active then
          j.due = M.next_time(j.cron, wall)
        end
      end
    end
  end
  self.last_wall, self.last_mono = wall, mono
end

--- s:run{ max_seconds = nil, signals = true }: the loop. Returns when a
-- SIGTERM/SIGINT came (taken with core.signal_take), s:stop() was called,
-- or max_seconds passed. Returns the reason: "signal" | "stopped" | "time".
function S:run(opts)
  opts = opts or {}
  local max = opts.max_seconds
  if max ~= nil and (type(max) ~= "number" or max < 0) then
    error("sched: run: max_seconds must be a number of seconds", 2)
  end
  if opts.signals ~= false then
    local list = { "TERM", "INT" }
    if self.on_signal then list[#list + 1] = "HUP" end
    self.signals(list)
  end
  local start = self.monotime()
  self.stopping, self.stop_reason = false, nil
  self.last_wall, self.last_mono = nil, nil
  local rounds = 0
  while true do
    take_signals(self)
    if self.stopping then break end
    self:_check_clock()
    local before = self.monotime()
    self:run_due()
    self:_watch_round()
    take_signals(self)
    if self.stopping then break end
    local wait = self:_wait()
    if max then
      local left = start + max - self.monotime()
      if left <= 0 then return "time" end
      if left < wait then wait = left end
    end
    self:_sleep(wait)
    -- Guard against a loop that never waits (a clock that does not move).
    if self.monotime() == before then
      rounds = rounds + 1
      if rounds > MAX_ROUNDS_PER_WAKE then
        self.log("err", "the clock does not move: stopping")
        return "stopped"
      end
    else
      rounds = 0
    end
  end
  return self.stop_reason or "stopped"
end

--- s:status() -> { {name=, kind=, runs=, failures=, last_error=, due=}, ... }
function S:status()
  local t = {}
  for _, j in ipairs(self.jobs) do
    t[#t + 1] = { name = j.name, kind = j.kind, runs = j.runs, failures = j.failures,
                  last_error = j.last_error, due = j.due, last_run = j.last_run }
  end
  for _, j in ipairs(self.watchers) do
    t[#t + 1] = { name = j.name, kind = "watch", runs = j.runs, failures = j.failures,
                  last_error = j.last_error, last_run = j.last_run }
  end
  return t
end

return M
