-- gwkit.rt.watch: the log and command calls of Yamaha's Lua API for
-- gwkit.rt (rt.syslog, rt.syslogwatch, rt.command, rt.sleep) and
-- rt.configure. gwkit.rt exports them; use them as rt.syslog(...) etc.
-- A router script runs unchanged with the one Linux-side line first:
--   lua5.1 -e 'rt = require "gwkit.rt"; rt.configure{ syslog = { sources =
--     { { udp = "0.0.0.0", port = 514 } } } }' mail-watch.lua
--
--   rt.syslog("info", "PD changed")        -- "info" | "notice" | "debug" (the
--                                          -- router's levels): to syslog, and
--                                          -- seen by rt.syslogwatch
--   local rtn, lines = rt.syslogwatch("%[MAIL%].*Error", 1, 60)
--   local ok, out = rt.command("ip -6 route show")
--   rt.sleep(5)
--
-- rt.syslogwatch(pattern [, count [, seconds]]) waits until `count`
-- (default 1) lines matching the Lua pattern were seen, or `seconds` passed,
-- and returns how many matched and the matching lines (an array). On a
-- router `seconds` left out means forever; here it means
-- syslogwatch_max (3600 s by default): every wait has a bound, and a loop
-- `while true do rt.syslogwatch(...) end` simply goes round once an hour.
-- The lines come from a gwkit.logwatch watcher (default: /var/log/syslog,
-- else /var/log/messages, followed from its end when rt is configured or
-- first used) and from the script's own rt.syslog calls. Unlike the
-- router, no line is lost between two calls: lines that arrive while the
-- script does something else (sends a mail) wait in a bounded buffer
-- (`buffer` lines, the oldest dropped first and counted) and the next call
-- sees them; lines after the count-th match of one call stay for the next.
--
-- rt.configure{                    -- all optional
--   syslog = { sources = { { file = "/var/log/messages" }, { udp = "0.0.0.0", port = 514 } },
--              max_line = 8192, interval = 1 },   -- gwkit.logwatch options
--   buffer = 1000,                 -- lines kept between syslogwatch calls
--   syslogwatch_max = 3600,        -- the wait when `seconds` is left out
--   command_timeout = 60,          -- rt.command's deadline, seconds
--   ident = "gwkit-rt", facility = "user",  -- for rt.syslog
--   on_signal = nil,               -- function(name): a signal taken while
--                                  -- waiting (gwkitd passes its scheduler's)
-- }

local M = {}

local type, pairs, ipairs, tostring, error, pcall, require =
  type, pairs, ipairs, tostring, error, pcall, require
local find, lower, sub, format = string.find, string.lower, string.sub, string.format
local floor = math.floor

local DEFAULTS = { buffer = 1000, syslogwatch_max = 3600, command_timeout = 60,
                   ident = "gwkit-rt", facility = "user" }
local SYSLOG_LEVELS = { info = true, notice = true, debug = true }
local OWN_MAX = 100               -- own lines remembered to drop their copy from the file
local OWN_WINDOW = 30             -- seconds a copy is expected within
local SLICE = 1                   -- seconds between looks at signals while waiting

local CONFIG_SCHEMA = { fields = {
  syslog = { type = "table", fields = {
    sources = { type = "array", min = 1 },
    max_line = { type = "integer", min = 16 },
    interval = { type = "number", min = 0.01 },
  } },
  buffer = { type = "integer", min = 1, max = 1000000 },
  syslogwatch_max = { type = "number", min = 0 },
  command_timeout = { type = "number", min = 0.001, max = 86400 },
  ident = { type = "string", pattern = "^[%w_%.%-]+$", hint = "a name of 1-32 letters, digits, _ . -",
            check = function(v) return #v <= 32 or nil, "at most 32 characters" end },
  facility = { type = "string", enum = { "user", "daemon", "mail", "local0", "local1", "local2",
                                         "local3", "local4", "local5", "local6", "local7" } },
  on_signal = { type = "function" },
} }

M.CONFIG_SCHEMA = CONFIG_SCHEMA

local state = { conf = {}, buffer = {}, head = 1, tail = 0, dropped = 0, own = {} }
for k, v in pairs(DEFAULTS) do state.conf[k] = v end

local function core()
  return require "gwkit.core"
end

local function rt_invalid(fn, n)
  error(format("'rt.%s': argument #%d is invalid.", fn, n), 0)
end

local function default_sources()
  for _, path in ipairs({ "/var/log/syslog", "/var/log/messages" }) do
    local f = io.open(path, "rb")
    if f then
      f:close()
      return { { file = path, from = "end" } }
    end
  end
  return nil
end

local function close_watcher()
  if state.watcher then pcall(state.watcher.close, state.watcher) end
  state.watcher = nil
end

-- The watcher, made at the first need. false: no source to watch.
local function watcher()
  if state.watcher ~= nil then return state.watcher end
  local sc = state.conf.syslog or {}
  local sources = sc.sources or default_sources()
  if not sources then
    state.watcher = false
    return false
  end
  local logwatch = require "gwkit.logwatch"
  local w, err = logwatch.new{ sources = sources, max_line = sc.max_line, interval = sc.interval }
  if not w then error("rt: cannot watch the log: " .. tostring(err), 0) end
  state.watcher = w
  return w
end

--- rt.configure{...}: see above. Raises on a bad field. Returns true.
function M.configure(t)
  local config = require "gwkit.config"
  local c, err = config.check(t or {}, CONFIG_SCHEMA, "rt.configure")
  if not c then error(err, 2) end
  local conf = {}
  for k, v in pairs(DEFAULTS) do conf[k] = v end
  for k, v in pairs(c) do conf[k] = v end
  close_watcher()
  state.conf = conf
  state.buffer, state.head, state.tail, state.own = {}, 1, 0, {}
  if conf.syslog then watcher() end
  return true
end

--- rt._reset(): forgets the configuration, the watcher and the buffer (specs).
function M._reset()
  close_watcher()
  state.conf, state.buffer, state.head, state.tail, state.dropped, state.own = {}, {}, 1, 0, 0, {}
  for k, v in pairs(DEFAULTS) do state.conf[k] = v end
end

--- rt.syslogwatch_dropped() -> lines dropped from a full buffer so far.
function M.syslogwatch_dropped() return state.dropped end

-- The buffer: a queue of lines, buffer[head .. tail].
local function buffered() return state.tail - state.head + 1 end

local function push(line)
  local b = state.buffer
  state.tail = state.tail + 1
  b[state.tail] = line
  if buffered() > state.conf.buffer then
    b[state.head] = nil
    state.head = state.head + 1
    state.dropped = state.dropped + 1
  end
end

local function shift()
  if state.head > state.tail then return nil end
  local line = state.buffer[state.head]
  state.buffer[state.head] = nil
  state.head = state.head + 1
  if state.head > state.tail then state.head, state.tail = 1, 0 end   -- empty: start over
  return line
end

-- A line from the watcher; the copy of one of our own rt.syslog lines
-- (the script saw it already) is dropped.
local function from_watcher(line)
  local own = state.own
  if #own > 0 then
    local now = core().monotime()
    for i = #own, 1, -1 do
      if own[i].until_ < now then table.remove(own, i) end
    end
    for i, o in ipairs(own) do
      if #line >= #o.msg and sub(line, -#o.msg) == o.msg then
        table.remove(own, i)
        return
      end
    end
  end
  push(line)
end

-- A signal that arrived while waiting goes to on_signal (which may raise
-- to end the script).
local function take_signals()
  local on = state.conf.on_signal
  if not on then return end
  for _ = 1, 8 do
    local name = core().signal_take()
    if not name then return end
    on(name)
  end
end

-- Reads what the watcher has, waiting up to `seconds`.
local function gather(seconds)
  local w = watcher()
  if not w then
    if seconds > 0 then core().sleep(seconds) end
    return
  end
  for _, e in ipairs(w:poll(seconds)) do from_watcher(e.line) end
end

--- rt.syslog(level, message): "info" | "notice" | "debug".
function M.syslog(level, msg)
  if type(level) ~= "string" or not SYSLOG_LEVELS[lower(level)] then rt_invalid("syslog", 1) end
  if type(msg) == "number" then msg = tostring(msg) end
  if type(msg) ~= "string" then rt_invalid("syslog", 2) end
  local line = msg:gsub("[%z\r\n]", " ")
  core().syslog(lower(level), line, state.conf.ident, state.conf.facility)
  -- The script's own line, for rt.syslogwatch, as the router shows lines.
  push(os.date("%Y/%m/%d %H:%M:%S: ") .. line)
  local own = state.own
  if #own >= OWN_MAX then table.remove(own, 1) end
  own[#own + 1] = { msg = line, until_ = core().monotime() + OWN_WINDOW }
  return true
end

-- find() that raises the router's error for a pattern Lua cannot match
-- with (some malformed patterns only fail on a line that gets that far).
local function matches(line, pattern)
  local ok, r = pcall(find, line, pattern)
  if not ok then rt_invalid("syslogwatch", 1) end
  return r ~= nil
end

-- Moves buffered lines to `matched` until it holds `count`.
local function take_matches(pattern, count, matched)
  for _ = 1, buffered() do
    local line = shift()
    if matches(line, pattern) then
      matched[#matched + 1] = line
      if #matched >= count then return true end
    end
  end
  return false
end

--- rt.syslogwatch(pattern [, count [, seconds]]) -> count matched, {lines}
function M.syslogwatch(pattern, count, seconds)
  if type(pattern) ~= "string" or not pcall(find, "", pattern) then rt_invalid("syslogwatch", 1) end
  if count == nil then count = 1 end
  if type(count) ~= "number" or count < 1 or count ~= floor(count) then rt_invalid("syslogwatch", 2) end
  if seconds == nil then seconds = state.conf.syslogwatch_max end
  if type(seconds) ~= "number" or seconds < 0 or seconds ~= seconds then rt_invalid("syslogwatch", 3) end
  local c = core()
  local deadline = c.monotime() + seconds
  local matched = {}
  -- Bounded by the deadline; the count is a second bound (a round ends
  -- early only when lines came).
  local rounds = (floor(seconds / SLICE) + 3) * 1000
  for _ = 1, rounds do
    if take_matches(pattern, count, matched) then return #matched, matched end
    local left = deadline - c.monotime()
    if left <= 0 then break end
    take_signals()
    gather(left < SLICE and left or SLICE)
  end
  gather(0)                         -- what came in the last slice
  take_matches(pattern, count, matched)
  return #matched, matched
end

--- rt.command(cmd [, log]) -> ok, output: a shell command (sh -c), with
-- a deadline (command_timeout). ok is true when it exited with status 0;
-- output is what it wrote (standard output, then standard error). With
-- log true (or "on"), the command and its status go to rt.syslog.
function M.command(cmd, log)
  if type(cmd) ~= "string" or cmd == "" or find(cmd, "%z") then rt_invalid("command", 1) end
  if log ~= nil and log ~= true and log ~= false and log ~= "on" and log ~= "off" then
    rt_invalid("command", 2)
  end
  local r, err = core().run(cmd, { timeout = state.conf.command_timeout })
  if not r then
    if log == true or log == "on" then M.syslog("info", "rt.command: " .. cmd .. ": " .. tostring(err)) end
    return false, tostring(err)
  end
  local out = (r.output or "") .. (r.errors or "")
  local ok = r.status == 0 and not r.timed_out
  local how = r.timed_out and format("timed out after %s s", tostring(state.conf.command_timeout))
    or r.signal and ("killed by SIG" .. tostring(r.signal))
    or ("exit " .. tostring(r.status))
  if r.timed_out then out = out .. (out ~= "" and "\n" or "") .. "rt.command: " .. how end
  if log == true or log == "on" then M.syslog("info", "rt.command: " .. cmd .. ": " .. how) end
  return ok, out
end

--- rt.sleep(seconds): sleeps; a signal (with on_signal configured) is
-- handed over and the sleep goes on for the rest of the time.
function M.sleep(seconds)
  if type(seconds) ~= "number" or seconds < 0 or seconds ~= seconds then rt_invalid("sleep", 1) end
  local c = core()
  local deadline = c.monotime() + seconds
  for _ = 1, 1000 do
    local left = deadline - c.monotime()
    if left <= 0 then break end
    local ok = c.sleep(left)
    if ok then break end
    take_signals()
  end
end

return M
