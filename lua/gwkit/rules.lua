-- gwkit.rules: alert rules over log entries (from gwkit.logwatch): Lua
-- patterns or functions, per-rule thresholds (count within a window),
-- batching (one alert for a burst), rate limits and deduplication, and the
-- built-in rules of lua/gwkit/rules/*.lua.
--
--   local rules = require "gwkit.rules"
--   local r = rules.new({
--     { name = "mail-error", match = "%[MAIL%].*Error",
--       threshold = { count = 1, window = 60 }, batch = 30,
--       rate_limit = { count = 5, per = 3600 }, dedup = 3600,
--       subject = "router mail failure on %host%", severity = "warning" },
--     { builtin = "send_burst", max = 20, within = 300 },
--   }, { now = os.time, state_file = nil })
--   local alerts = r:feed(entry)   -- alerts that became due (maybe none)
--   alerts = r:tick()              -- batches whose time came (wall clock)
--   alerts = r:flush()             -- every open batch, now (end of a batch run)
--
-- alert = { rule =, subject =, text =, lines = {raw lines}, count =,
--           suppressed = (alerts held back by the rate limit before this one),
--           repeats = (alerts left out as duplicates before this one),
--           first =, last = (times), severity =, fields = (of the first
--           match), matches = {{line=, time=, fields=, source=}, ...},
--           context = {lines before the first match}, group = }
--
-- Time: an entry's own timestamp (entry.parsed; a BSD line without a year
-- gets the year that makes it the most recent past date), else entry.at,
-- else now(). Replaying a log thus gives the same alerts every time. A
-- batch closes when a line with a timestamp `batch` seconds after its
-- first match comes (lines without one do not count), or by the wall
-- clock at tick().
-- Every table that grows with the input is capped (max_keys per rule;
-- the oldest entries go first); an alert keeps max_lines lines.
local M = {}
local logtext = require "gwkit.logtext"
local rulespec = require "gwkit.rulespec"

local SUBJECT_MAX = 200

-- Re-exported helpers (for built-in rules, scripts and tests).
M.builtins = rulespec.builtins
M.printable, M.time_of, M.timegm = logtext.printable, logtext.time_of, logtext.timegm
M.format_time, M.notes = logtext.format_time, logtext.notes
M._capmap = rulespec.capmap

---------------------------------------------------------------- engine

local R = {}
R.__index = R

function M.new(list, opts)
  opts = opts or {}
  if type(list) ~= "table" then error("rules: a list of rules expected", 2) end
  if type(opts) ~= "table" then error("rules: options table expected", 2) end
  for k in pairs(opts) do
    if k ~= "now" and k ~= "state_file" and k ~= "state_interval" then
      error("rules: bad option '" .. tostring(k) .. "' (unknown field)", 2)
    end
  end
  if opts.now ~= nil and type(opts.now) ~= "function" then
    error("rules: bad option 'now' (function expected)", 2)
  end
  if opts.state_file ~= nil and type(opts.state_file) ~= "string" then
    error("rules: bad option 'state_file' (a path expected)", 2)
  end
  local self = setmetatable({ rules = {}, now = opts.now or os.time, state_file = opts.state_file,
    state_interval = opts.state_interval or 60, by_name = {} }, R)
  for i, spec in ipairs(list) do
    local rule = rulespec.compile(spec, i)
    if self.by_name[rule.name] then
      error(("rules: %s: bad field 'name' (the name '%s' is used twice)"):format(rule.where, rule.name), 2)
    end
    self.by_name[rule.name] = rule
    self.rules[i] = rule
  end
  self:_load()
  return self
end

-- The persistent key -> value store a rule's match function gets in its
-- context (ctx.persist): saved in the state file. Values are strings.
local Persist = {}
Persist.__index = Persist

local function persist_of(engine, rule, t)
  return setmetatable({ engine = engine, map = rule.persist, time = t }, Persist)
end

function Persist:get(k) return self.map:get(k) end
function Persist:set(k, v)
  v = tostring(v)
  if self.map:get(k) ~= v then self.engine.dirty = true end
  self.map:set(k, v, self.time)
end
function Persist:touch(k) self.map:touch(k, self.time) end
function Persist:del(k)
  if self.map:get(k) ~= nil then self.engine.dirty = true end
  self.map:del(k)
end
function Persist:pairs() return self.map:pairs() end

local function text_of(rule, entry)
  if rule.field == "msg" then
    return type(entry.parsed) == "table" and entry.parsed.msg or entry.line
  end
  return entry.line
end

-- The rule's verdict on an entry: the fields table, or nil.
local function try(self, rule, entry, t)
  local text = text_of(rule, entry)
  if rule.exclude and text:find(rule.exclude) then return nil end
  local m = rule.match
  if type(m) == "string" then
    local caps = { text:match(m) }
    if caps[1] == nil then return nil end
    return caps
  end
  local ctx = rule.ctx
  if not ctx then
    ctx = { persist = persist_of(self, rule, t), rule = rule.name }
    rule.ctx = ctx
  end
  ctx.time, ctx.now, ctx.persist.time = t, self.clock, t
  local ok, res = pcall(m, entry, rule.state, ctx)
  if not ok then
    self.errors = self.errors or {}
    if #self.errors < 100 then
      self.errors[#self.errors + 1] = ("rules: %s: match failed: %s"):format(rule.where, tostring(res))
    end
    return nil
  end
  if res == true then return {} end
  if type(res) == "table" then return res end
  return nil
end

local function field_of(entry, fields, name)
  if fields[name] ~= nil then return fields[name] end
  local p = entry.parsed
  if type(p) == "table" and p[name] ~= nil then return p[name] end
  if name == "source" then return entry.source end
  return nil
end

local function group_of(rule, entry, fields)
  if fields.group ~= nil then return tostring(fields.group) end
  local g = rule.group_by
  if g == nil then return "" end
  if type(g) == "function" then return tostring(g(entry, fields) or "") end
  return tostring(field_of(entry, fields, g) or "")
end

-- The default deduplication key: the message with digits masked.
local function default_key(entry)
  local p = entry.parsed
  local s = entry.line
  if type(p) == "table" and p.msg then s = (p.app or "") .. ": " .. p.msg end
  return (s:gsub("%d+", "#"))
end

local function new_batch(rule, group, t, wall)
  return { rule = rule, group = group, first = t, last = t, count = 0, lines = {}, more = 0,
           matches = {}, wall = wall, deadline = t + rule.batch,
           wall_deadline = wall + rule.batch }
end

local function batch_add(b, m)
  b.count = b.count + 1
  if m.time < b.first then b.first = m.time end
  if m.time > b.last then b.last = m.time end
  if not b.fields then b.key, b.fields, b.source = m.key, m.fields, m.source end
  b.tail = m
  if #b.matches < b.rule.max_lines then
    b.matches[#b.matches + 1] = m
    for _, l in ipairs(m.fields.lines or { m.line }) do
      if #b.lines < b.rule.max_lines then b.lines[#b.lines + 1] = l else b.more = b.more + 1 end
    end
  else
    b.more = b.more + 1
  end
end

-- Turns a closed batch into an alert, or nil when a duplicate or held
-- back by the rate limit.
function R:_emit(b, out)
  local rule = b.rule
  if rule.dedup > 0 and b.key then
    local seen = rule.seen:get(b.key)
    if seen and b.first - seen < rule.dedup and b.first >= seen then
      rule.repeats = rule.repeats + 1
      self.dirty = true
      return
    end
    rule.seen:set(b.key, b.first, b.first)
    self.dirty = true
  end
  local rl = rule.rate_limit
  if rl then
    local sent, kept = rule.sent, {}
    for _, t in ipairs(sent) do
      if b.last - t < rl.per and b.last >= t then kept[#kept + 1] = t end
    end
    rule.sent = kept
    if #kept >= rl.count then
      rule.suppressed = rule.suppressed + 1
      self.dirty = true
      return
    end
    kept[#kept + 1] = b.last
    self.dirty = true
  end
  local a = { rule = rule.name, severity = rule.severity, count = b.count, first = b.first,
              last = b.last, fields = b.fields or {}, matches = b.matches, group = b.group,
              suppressed = rule.suppressed, repeats = rule.repeats, more = b.more,
              source = b.source, context = {}, key = b.key, tail = b.tail }
  a.lines = {}
  for i, l in ipairs(b.lines) do a.lines[i] = l end
  for i, l in ipairs(b.context or {}) do a.context[i] = l end
  a.entry_parsed = b.matches[1] and b.matches[1].parsed
  rule.suppressed, rule.repeats = 0, 0
  local subject, text
  if rule.format then subject, text = rule.format(a) end
  if rule.user_subject or not subject then subject = logtext.expand(rule.subject, a) end
  a.subject = logtext.one_line(subject, SUBJECT_MAX)
  if not text then
    local lines = logtext.default_text(a)
    text = table.concat(lines, "\n") .. "\n"
  end
  a.text = logtext.printable(text, true)
  a.entry_parsed = nil
  out[#out + 1] = a
end

function R:_close(rule, g, out)
  local b = rule.pending[g]
  rule.pending[g] = nil
  rule.npending = (rule.npending or 1) - 1
  self:_emit(b, out)
end

-- Closes the batches due by event time t and/or wall time `wall`.
function R:_due(out, t, wall)
  for _, rule in ipairs(self.rules) do
    if (rule.npending or 0) > 0 then
      local due = {}
      for g, b in pairs(rule.pending) do
        if (t and b.deadline <= t) or (wall and b.wall_deadline <= wall) then due[#due + 1] = g end
      end
      table.sort(due)
      for _, g in ipairs(due) do self:_close(rule, g, out) end
    end
  end
end

function R:_hit(rule, entry, fields, t, out)
  local g = group_of(rule, entry, fields)
  local m = { line = entry.line, time = t, fields = fields, source = entry.source,
              parsed = entry.parsed }
  if rule.dedup > 0 then
    if fields.key then m.key = tostring(fields.key)
    elseif rule.key then m.key = tostring(rule.key(entry, fields))
    else m.key = default_key(entry) end
  end
  local b = rule.pending[g]
  if b then batch_add(b, m); return end
  local grp = rule.groups:get(g)
  if not grp then grp = { ring = {}, head = 0, n = 0 }; rule.groups:set(g, grp, t) end
  rule.groups:touch(g, t)
  -- A ring of the last `count` matches.
  grp.head = grp.head % rule.count + 1
  grp.ring[grp.head] = m
  if grp.n < rule.count then grp.n = grp.n + 1 end
  if grp.n < rule.count then return end
  local oldest = grp.ring[grp.head % rule.count + 1]
  if m.time - oldest.time > rule.window then return end
  -- Fired: the matches of the ring open an alert.
  b = new_batch(rule, g, oldest.time, self.now())
  for i = 1, rule.count do batch_add(b, grp.ring[(grp.head + i - 1) % rule.count + 1]) end
  b.context = rule.ctx_before
  rule.groups:del(g)
  if rule.batch > 0 then
    rule.pending[g] = b
    rule.npending = (rule.npending or 0) + 1
  else
    self:_emit(b, out)
  end
end

local function remember_context(rule, entry)
  local c = rule.context
  if not c then return end
  if c.match and not entry.line:find(c.match) then return end
  local l = entry.line
  if c.filter then l = c.filter(l) end
  if not l then return end
  local ring = rule.ctx_lines
  ring[#ring + 1] = l
  if #ring > c.lines then table.remove(ring, 1) end
end

-- Feeds one entry; returns the alerts that became due (maybe none).
function R:feed(entry)
  if type(entry) ~= "table" or type(entry.line) ~= "string" then
    error("rules: feed: an entry {line = ...} expected", 2)
  end
  local now = self.now()
  self.clock = now
  local t, timed = logtext.time_of(entry, now)
  local out = {}
  -- Batches close by the log's own clock; a line without a timestamp
  -- (its time is when it was read) does not move that clock.
  if timed then self:_due(out, t, nil) end
  for _, rule in ipairs(self.rules) do
    local fields = try(self, rule, entry, t)
    if fields then
      if rule.context then
        local snap = {}
        for i, l in ipairs(rule.ctx_lines) do snap[i] = l end
        rule.ctx_before = snap
      end
      self:_hit(rule, entry, fields, t, out)
      if rule.context then rule.ctx_lines = {} end
    else
      remember_context(rule, entry)
    end
  end
  return out
end

-- Closes the batches whose time came by the wall clock (now: default
-- opts.now()); saves the state file when due. Returns the alerts.
function R:tick(now)
  local out = {}
  self:_due(out, nil, now or self.now())
  self:_save(false)
  return out
end

-- Closes every open batch now (the end of a batch run, or a shutdown).
function R:flush()
  local out = {}
  for _, rule in ipairs(self.rules) do
    local gs = {}
    for g in pairs(rule.pending) do gs[#gs + 1] = g end
    table.sort(gs)
    for _, g in ipairs(gs) do self:_close(rule, g, out) end
  end
  self:_save(false)
  return out
end

-- Problems met by match functions (they never stop the engine).
function R:problems() return self.errors or {} end

---------------------------------------------------------------- state file

function R:_text() return rulespec.state_text(self.rules) end

function R:_load()
  local path = self.state_file
  local f = path and io.open(path, "rb")
  if not f then return end
  local s = f:read(16 * 1048576) or ""
  f:close()
  rulespec.state_apply(self.by_name, s)
  self.saved_text = self:_text()
end

-- Writes the state file when something changed: now when forced, else at
-- most every state_interval seconds. Returns true, or nil, message.
function R:_save(force)
  if not self.state_file or not self.dirty then return true end
  local now = self.now()
  if not force and self.saved_at and now - self.saved_at < self.state_interval then return true end
  local text = self:_text()
  self.dirty = false
  if text == self.saved_text then return true end
  local core = require "gwkit.core"
  local ok, err = core.write_atomic(self.state_file, text)
  if not ok then
    self.dirty = true
    return nil, "rules: state file: " .. tostring(err)
  end
  self.saved_text, self.saved_at = text, now
  return true
end

function R:save() return self:_save(true) end

-- The rule object of a name (for tests and status pages).
function R:rule(name) return self.by_name[name] end

function M.parse_prefix_line(line)
  return require("gwkit.rules.router_prefix_change").parse(line)
end

return M
