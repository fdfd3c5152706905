-- gwkit.daemon: gwkitd's work. Builds the outbox, the log watcher and the
-- rules of a configuration (gwkit.daemon.config), puts the jobs into a
-- gwkit.sched scheduler, turns rule matches and failed jobs into alerts in
-- the outbox, sends the daily heartbeat, reloads on SIGHUP and keeps the
-- counters (in memory: nothing is written per event but the spool itself).
--
--   local daemon = require "gwkit.daemon"
--   local d = daemon.new{ path = FILE, log = gwkit.log object }
--   assert(d:build(conf))
--   d:start(); local why = d:run(max_seconds); d:finish(why)   -- or d:once()

local sched = require "gwkit.sched"
local dconfig = require "gwkit.daemon.config"

local M = {}

local D = {}
D.__index = D

local COUNTERS = { "queued", "dropped", "sent", "retried", "failed", "job_failures" }

local function new_counts()
  local t = {}
  for _, k in ipairs(COUNTERS) do t[k] = 0 end
  return t
end

function D:count(k, n)
  self.total[k] = self.total[k] + (n or 1)
  self.period[k] = self.period[k] + (n or 1)
end

-- Builds the outbox, the watcher and the rules of conf. Returns true, or
-- nil and a message (nothing is left open then).
function D:build(conf)
  local outbox = require "gwkit.outbox"
  local oopts = {}
  for k, v in pairs(conf.outbox) do
    if k ~= "flush_every" then oopts[k] = v end
  end
  oopts.syslog = function(msg) self.log:warning("outbox: %s", msg) end
  local ok, box, err = pcall(outbox.open, oopts)
  if not ok then return nil, tostring(box) end
  if not box then return nil, err end
  local w, rules_engine
  if conf.watch then
    local logwatch = require "gwkit.logwatch"
    local rules = require "gwkit.rules"
    local wopts = { sources = conf.watch.sources, max_line = conf.watch.max_line,
                    state_file = conf.watch.state_file, interval = conf.watch.interval }
    local wok, werr
    wok, w, werr = pcall(logwatch.new, wopts)
    if not wok then return nil, tostring(w) end
    if not w then return nil, werr end
    local rok
    rok, rules_engine = pcall(rules.new, conf.watch.rule_list, { state_file = conf.watch.rules_state_file })
    if not rok then
      w:close()
      return nil, tostring(rules_engine)
    end
  end
  self.conf, self.box, self.watcher, self.rules = conf, box, w, rules_engine
  self.spool_dirty = true             -- look at the spool once at start
  return true
end

-- Queues alerts in the outbox; sends right away.
function D:queue(alerts)
  if #alerts == 0 then return end
  for _, a in ipairs(alerts) do
    local id, err = self.box:put{ subject = a.subject, text = a.text }
    if id then
      self:count("queued")
      self.log:notice("alert queued (%s): %s", a.rule or "?", a.subject or "")
    else
      self:count("dropped")
      self.log:err("alert NOT queued (%s): %s: %s", a.rule or "?", a.subject or "", tostring(err))
    end
  end
  self.spool_dirty = true
  self:flush()
end

-- Sends what is due. Skipped while the spool is known to be empty (no
-- directory listing every minute); a real look at least hourly.
function D:flush(force)
  local now = os.time()
  if not force and not self.spool_dirty and now - (self.last_look or 0) < 3600 then return end
  self.last_look = now
  local ok, r = pcall(self.box.flush, self.box)
  if not ok then
    self.log:err("outbox flush failed: %s", tostring(r))
    return
  end
  self:count("sent", r.sent)
  self:count("retried", r.retried)
  self:count("failed", r.failed)
  if r.sent + r.retried + r.failed > 0 then
    self.log:info("outbox: %d sent, %d to retry, %d given up, %d waiting", r.sent, r.retried,
      r.failed, r.waiting)
  end
  for _, h in ipairs(r.held) do self.log:err("outbox: %s refused the password: %s", h.route, tostring(h.error)) end
  self.spool_dirty = r.retried > 0 or r.waiting > 0 or #r.held > 0
end

function D:on_entries(entries)
  local out = {}
  for _, e in ipairs(entries) do
    for _, a in ipairs(self.rules:feed(e)) do out[#out + 1] = a end
  end
  self:queue(out)
end

local function since(t)
  local s = os.time() - t
  return ("%d d %d h %d min"):format(math.floor(s / 86400), math.floor(s % 86400 / 3600),
    math.floor(s % 3600 / 60))
end

function D:heartbeat_text()
  local core = require "gwkit.core"
  local st = self.box:status()
  local host = core.hostname() or "?"
  local t = {
    ("gwkitd on %s is alive."):format(host), "",
    ("Running since %s (%s), pid %d."):format(os.date("%Y-%m-%d %H:%M:%S", self.started),
      since(self.started), core.getpid()),
    "Configuration: " .. self.path, "",
    ("%-28s %12s %12s"):format("", "last period", "since start"),
  }
  local labels = { queued = "Alerts queued", dropped = "Alerts not queued (errors)",
                   sent = "Sent", retried = "Send attempts to retry", failed = "Given up (failed/)",
                   job_failures = "Job failures" }
  for _, k in ipairs(COUNTERS) do
    t[#t + 1] = ("%-28s %12d %12d"):format(labels[k], self.period[k], self.total[k])
  end
  t[#t + 1] = ""
  t[#t + 1] = ("Spool now: %d queued, %d in failed/, %d dropped when full (in total)."):format(
    st.queued, st.failed, st.dropped)
  if self.watcher then
    for _, p in ipairs(self.watcher:problems()) do t[#t + 1] = "Watch problem: " .. p end
  end
  if self.rules then
    for _, p in ipairs(self.rules:problems()) do t[#t + 1] = "Rule problem: " .. p end
  end
  local jobs = {}
  for _, j in ipairs(self.conf.jobs) do
    local js = self.job_stats[j.name] or { runs = 0, failures = 0 }
    jobs[#jobs + 1] = ("  %-20s runs %d, failures %d%s"):format(j.name, js.runs, js.failures,
      js.last_error and (", last: " .. js.last_error:match("^[^\n]*")) or "")
  end
  for _, j in ipairs(self.sched:status()) do
    if j.failures > 0 and not j.name:find("^job:") then
      jobs[#jobs + 1] = ("  (%s: %d failure(s), last: %s)"):format(j.name, j.failures,
        tostring(j.last_error):match("^[^\n]*"))
    end
  end
  if #jobs > 0 then
    t[#t + 1] = ""
    t[#t + 1] = "Jobs:"
    for _, l in ipairs(jobs) do t[#t + 1] = l end
  end
  return ("gwkitd on %s: alive, %d alert(s) sent since the last heartbeat"):format(host,
    self.period.sent), table.concat(t, "\n") .. "\n"
end

function D:heartbeat()
  local hb = self.conf.heartbeat
  local subject, text = self:heartbeat_text()
  local id, err = self.box:put{ subject = hb.subject or subject, text = text, to = hb.to }
  if not id then
    self:count("dropped")
    error("heartbeat not queued: " .. tostring(err), 0)
  end
  self.log:info("heartbeat queued")
  self.period = new_counts()
  self.spool_dirty = true
  self:flush()
end

-- A job's work: a shell command with a deadline, or a Lua script with rt.
function D:job_fn(j)
  local core = require "gwkit.core"
  local last_ok
  return function()
    local ok, detail
    if j.command then
      local r, err = core.run(j.command, { timeout = j.timeout })
      if not r then
        ok, detail = false, tostring(err)
      else
        ok = r.status == 0 and not r.timed_out
        detail = r.timed_out and ("timed out after " .. j.timeout .. " s")
          or r.signal and ("killed by SIG" .. r.signal) or ("exit " .. tostring(r.status))
        local out = (r.output or "") .. (r.errors or "")
        if not ok and out ~= "" then detail = detail .. "\n" .. out end
      end
    else
      local chunk, lerr = loadfile(j.script)
      if not chunk then error(lerr, 0) end
      local env = setmetatable({ rt = require "gwkit.rt", job = { name = j.name },
        alert = function(t)
          if type(t) ~= "table" or type(t.subject) ~= "string" then
            error("alert{subject = ..., text = ...} expected", 2)
          end
          self:queue({ { rule = "job " .. j.name, subject = t.subject, text = t.text or "" } })
        end }, { __index = _G })
      setfenv(chunk, env)
      local cok, cerr = xpcall(chunk, debug.traceback)
      if not cok and self.sched.stopping then
        self.log:info("job %s: ended by the stop", j.name)
        return
      end
      ok, detail = cok, cok and "done" or tostring(cerr)
    end
    local st = self.job_stats[j.name] or { runs = 0, failures = 0 }
    self.job_stats[j.name] = st
    st.runs = st.runs + 1
    if ok then
      self.log:debug("job %s: %s", j.name, detail)
      st.last_error = nil
    else
      st.failures = st.failures + 1
      st.last_error = detail
      self:count("job_failures")
      self.log:warning("job %s failed: %s", j.name, detail)
    end
    local changed = last_ok ~= nil and last_ok ~= ok
    if j.alert == "failure" and not ok or j.alert == "change" and (changed or (last_ok == nil and not ok)) then
      local host = core.hostname() or "?"
      self:queue({ { rule = "job " .. j.name,
        subject = ("gwkitd on %s: job %s %s"):format(host, j.name, ok and "works again" or "failed"),
        text = ("Job %s (%s) %s at %s.\n\n%s\n"):format(j.name, j.command or j.script,
          ok and "succeeded again" or "failed", os.date("%Y-%m-%d %H:%M:%S"), detail) } })
    end
    last_ok = ok
  end
end

local function add_timed(s, spec, name, fn, delay)
  if spec.every then s:every(spec.every, name, fn, { delay = delay and spec.every or 0 })
  elseif spec.at then s:at(spec.at, name, fn)
  else s:cron(spec.cron, name, fn) end
end

-- Puts the jobs of the current configuration into the scheduler.
function D:install()
  local s, conf = self.sched, self.conf
  s:every(conf.outbox.flush_every, "outbox", function() self:flush() end)
  if self.watcher then
    s:watch(self.watcher, "watch", function(entries) self:on_entries(entries) end,
      { interval = conf.watch.interval })
    s:every(conf.watch.tick, "rules", function() self:queue(self.rules:tick()) end,
      { delay = conf.watch.tick })
  end
  if conf.heartbeat then add_timed(s, conf.heartbeat, "heartbeat", function() self:heartbeat() end, true) end
  for _, j in ipairs(conf.jobs) do add_timed(s, j, "job:" .. j.name, self:job_fn(j)) end
  local rt = require "gwkit.rt"
  local rconf = {}
  for k, v in pairs(conf.rt or {}) do rconf[k] = v end
  rconf.on_signal = function(name)
    s:signal(name)
    if s.stopping then error("gwkitd: stopping (SIG" .. name .. ")", 0) end
  end
  local ok, err = pcall(rt.configure, rconf)
  if not ok then self.log:err("rt: %s (job scripts' rt.syslogwatch sees only their own lines)", tostring(err)) end
end

-- Stops the watcher: pending rule batches go into the spool first.
function D:teardown()
  if self.rules then
    local ok, alerts = pcall(self.rules.flush, self.rules)
    if ok then
      for _, a in ipairs(alerts) do
        local id = self.box:put{ subject = a.subject, text = a.text }
        if id then self:count("queued") else self:count("dropped") end
      end
    end
  end
  if self.watcher then self.watcher:close() end
  self.watcher, self.rules = nil, nil
end

function D:reload()
  self.log:notice("SIGHUP: reloading %s", self.path)
  local conf, err = dconfig.load(self.path)
  if not conf then
    self.log:err("reload failed, the running configuration stays: %s", err)
    return
  end
  local old = self.conf
  self:teardown()
  local ok, berr = self:build(conf)
  if not ok then
    self.log:err("reload failed, the running configuration stays: %s", berr)
    local ok2, berr2 = self:build(old)
    if not ok2 then self.log:err("the old configuration does not start again either: %s", berr2) end
  end
  self.sched:clear()
  self:install()
  self.log:notice("configuration %s: %s", ok and "reloaded" or "kept", self:summary())
end

--- daemon.summary(conf) -> "N source(s), N rule(s), ..." (for logs and --check)
function M.summary(c)
  local n = 0
  for _ in ipairs(c.jobs) do n = n + 1 end
  return ("%d source(s), %d rule(s), %d job(s), heartbeat %s, flush every %s s"):format(
    c.watch and #c.watch.sources or 0, c.watch and #c.watch.rules or 0, n,
    c.heartbeat and (c.heartbeat.at or c.heartbeat.cron or ("every " .. c.heartbeat.every .. " s")) or "off",
    c.outbox.flush_every)
end

function D:summary() return M.summary(self.conf) end

-- --once: read what the logs hold since the last run, alert, flush, exit.
function D:once()
  if self.watcher and not self.conf.watch.state_file then
    self.log:warning("--once without watch.state_file: each run starts from the sources' 'from' " ..
      "(\"end\": nothing is read; \"start\": everything again)")
  end
  if self.watcher then
    local entries, problems = self.watcher:read_all()
    for _, p in ipairs(problems) do self.log:warning("%s", p) end
    self:on_entries(entries)
    self:queue(self.rules:flush())
  end
  self:flush(true)
  self:teardown()
  return 0
end

--- daemon.new{ path = FILE, log = L } -> d
function M.new(t)
  return setmetatable({ path = t.path, log = t.log, started = os.time(), total = new_counts(),
                        period = new_counts(), job_stats = {} }, D)
end

--- d:start(): the scheduler with every job of the configuration built.
function D:start()
  self.sched = sched.new{ log = self.log:fn(), on_signal = function(name)
    if name == "HUP" then self:reload() end
  end }
  self:install()
  self.log:notice("started (pid %d): %s", require("gwkit.core").getpid(), self:summary())
end

--- d:run(max_seconds) -> "signal" | "stopped" | "time"
function D:run(max_seconds)
  return self.sched:run{ max_seconds = max_seconds }
end

--- d:finish(why): pending rule batches into the spool, offsets saved, a last log line.
function D:finish(why)
  self:teardown()
  local st = self.box:status()
  self.log:notice("stopped (%s): %d alert(s) queued in the spool%s", why == "time" and "max-seconds"
    or why, st.queued, st.queued > 0 and " (sent after the next start)" or "")
end

M.load_config = dconfig.load
return M
