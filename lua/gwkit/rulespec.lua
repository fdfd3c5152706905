-- gwkit.rulespec: a rule of gwkit.rules as written in a configuration ->
-- the checked rule object (defaults filled in, built-in rules expanded);
-- the capped map every per-key table of the engine is; and the text of
-- the rules' state file.
--
-- Misuse raises an error naming the rule (by name or position) and the
-- field: "rules: rule 'mine' (#2): bad field 'threshold.windw' (unknown field)".
local M = {}

local MAX_KEYS = 1000          -- groups, dedup keys and saved keys per rule (default)
local MAX_LINES = 50           -- lines per alert (default)
local MAX_CONTEXT = 200
local MAX_COUNT = 100000       -- threshold count bound

local BUILTINS = { "router_mail_failure", "router_prefix_change", "postfix_sasl_new_address",
                   "auth_without_tls", "send_burst" }
M.builtins = BUILTINS

local SEVERITIES = { emerg = true, alert = true, crit = true, err = true, error = true,
                     warning = true, notice = true, info = true, debug = true }
M.MAX_COUNT = MAX_COUNT

---------------------------------------------------------------- capped map

-- A key -> value map holding at most `cap` keys; when full, the eighth of
-- the keys used least recently go.
local Cap = {}
Cap.__index = Cap

local function capmap(cap)
  return setmetatable({ cap = cap, n = 0, v = {}, t = {}, evicted = 0 }, Cap)
end
M.capmap = capmap

function Cap:get(k) return self.v[k] end

function Cap:set(k, v, t)
  if self.v[k] == nil then self.n = self.n + 1 end
  self.v[k], self.t[k] = v, t or 0
  if self.n > self.cap then self:_evict() end
end

function Cap:touch(k, t)
  if self.v[k] ~= nil then self.t[k] = t end
end

function Cap:del(k)
  if self.v[k] ~= nil then
    self.n = self.n - 1
    self.v[k], self.t[k] = nil, nil
  end
end

function Cap:_evict()
  local keys = {}
  for k in pairs(self.v) do keys[#keys + 1] = k end
  local t = self.t
  table.sort(keys, function(a, b)
    if t[a] ~= t[b] then return t[a] < t[b] end
    return tostring(a) < tostring(b)
  end)
  local drop = self.n - self.cap + math.floor(self.cap / 8)
  for i = 1, drop do self:del(keys[i]) end
  self.evicted = self.evicted + drop
end

function Cap:pairs() return pairs(self.v) end

---------------------------------------------------------------- validation

local function rule_error(where, field, what, level)
  error(("rules: %s: bad field '%s' (%s)"):format(where, field, what), level + 1)
end

local function is_int(v, lo, hi)
  return type(v) == "number" and v % 1 == 0 and v >= lo and v <= hi
end

local function check_pattern(where, field, p, level)
  if type(p) ~= "string" then rule_error(where, field, "a Lua pattern expected", level + 1) end
  local ok, err = pcall(string.find, "", p)
  if not ok then
    rule_error(where, field, "bad pattern: " .. tostring(err):gsub("^.-:%d+: ", ""), level + 1)
  end
end

local GENERIC = {
  name = "string", builtin = "string", match = "pattern|function", exclude = "pattern",
  field = "string", group_by = "string|function", threshold = "table", batch = "number",
  rate_limit = "table", dedup = "number", key = "function", subject = "string",
  severity = "string", context = "number|table", max_lines = "number", format = "function",
  max_keys = "number",
}

local function check_generic(where, r, level)
  level = level + 1
  for k, v in pairs(r) do
    local want = GENERIC[k]
    if want then
      local t = type(v)
      local ok = want:find(t, 1, true) or (t == "string" and want:find("pattern", 1, true))
      if not ok then rule_error(where, k, want:gsub("|", " or ") .. " expected", level) end
    end
  end
  if type(r.match) == "string" then check_pattern(where, "match", r.match, level) end
  if r.exclude ~= nil then check_pattern(where, "exclude", r.exclude, level) end
  if r.field ~= nil and r.field ~= "line" and r.field ~= "msg" then
    rule_error(where, "field", '"line" or "msg" expected', level)
  end
  local th = r.threshold
  if th ~= nil then
    for k in pairs(th) do
      if k ~= "count" and k ~= "window" then rule_error(where, "threshold." .. tostring(k), "unknown field", level) end
    end
    if not is_int(th.count, 1, MAX_COUNT) then
      rule_error(where, "threshold.count", "an integer 1.." .. MAX_COUNT .. " expected", level)
    end
    if th.window ~= nil and (type(th.window) ~= "number" or th.window <= 0) then
      rule_error(where, "threshold.window", "seconds > 0 expected", level)
    end
  end
  local rl = r.rate_limit
  if rl ~= nil then
    for k in pairs(rl) do
      if k ~= "count" and k ~= "per" then rule_error(where, "rate_limit." .. tostring(k), "unknown field", level) end
    end
    if not is_int(rl.count, 1, MAX_COUNT) then
      rule_error(where, "rate_limit.count", "an integer >= 1 expected", level)
    end
    if type(rl.per) ~= "number" or rl.per <= 0 then
      rule_error(where, "rate_limit.per", "seconds > 0 expected", level)
    end
  end
  for _, k in ipairs({ "batch", "dedup" }) do
    if r[k] ~= nil and r[k] < 0 then rule_error(where, k, "seconds >= 0 expected", level) end
  end
  if r.severity ~= nil and not SEVERITIES[r.severity] then
    rule_error(where, "severity", "a syslog level (err, warning, notice, info, ...) expected", level)
  end
  if r.max_lines ~= nil and not is_int(r.max_lines, 1, 10000) then
    rule_error(where, "max_lines", "an integer 1..10000 expected", level)
  end
  if r.max_keys ~= nil and not is_int(r.max_keys, 8, 1000000) then
    rule_error(where, "max_keys", "an integer 8..1000000 expected", level)
  end
  local c = r.context
  if type(c) == "number" and not is_int(c, 0, MAX_CONTEXT) then
    rule_error(where, "context", "an integer 0.." .. MAX_CONTEXT .. " expected", level)
  elseif type(c) == "table" then
    for k in pairs(c) do
      if k ~= "lines" and k ~= "match" and k ~= "filter" then
        rule_error(where, "context." .. tostring(k), "unknown field", level)
      end
    end
    if not is_int(c.lines, 1, MAX_CONTEXT) then
      rule_error(where, "context.lines", "an integer 1.." .. MAX_CONTEXT .. " expected", level)
    end
    if c.match ~= nil then check_pattern(where, "context.match", c.match, level) end
    if c.filter ~= nil and type(c.filter) ~= "function" then
      rule_error(where, "context.filter", "function expected", level)
    end
  end
end

local function load_builtin(name)
  for _, b in ipairs(BUILTINS) do
    if b == name then return require("gwkit.rules." .. name) end
  end
  return nil
end

-- A rule as given -> the rule object (validated, defaults filled in).
-- Raises (at the caller of rules.new) naming the rule and the field.
function M.compile(spec, index)
  local where = ("rule #%d"):format(index)
  if type(spec) ~= "table" then error(("rules: %s: table expected"):format(where), 3) end
  if type(spec.name) == "string" then where = ("rule '%s' (#%d)"):format(spec.name, index) end
  local merged = {}
  if spec.builtin ~= nil then
    if type(spec.builtin) ~= "string" then rule_error(where, "builtin", "a name expected", 3) end
    local b = load_builtin(spec.builtin)
    if not b then
      rule_error(where, "builtin", "unknown built-in rule '" .. spec.builtin .. "' (one of " ..
        table.concat(BUILTINS, ", ") .. ")", 3)
    end
    if type(spec.name) ~= "string" then where = ("rule '%s' (#%d)"):format(spec.builtin, index) end
    if spec.match ~= nil then rule_error(where, "match", "not for a built-in rule", 3) end
    local params = {}
    for k, v in pairs(spec) do
      if b.params[k] then
        local want = b.params[k]
        if type(want) == "function" then
          local ok, why = want(v)
          if not ok then rule_error(where, k, why, 3) end
        elseif type(v) ~= want then
          rule_error(where, k, want .. " expected", 3)
        end
        params[k] = v
      elseif not GENERIC[k] then
        rule_error(where, k, "unknown field for built-in " .. spec.builtin, 3)
      end
    end
    for k, v in pairs(b.defaults or {}) do merged[k] = v end
    for k, v in pairs(b.new(params)) do merged[k] = v end
    merged.name = spec.builtin
  else
    for k in pairs(spec) do
      if not GENERIC[k] then rule_error(where, k, "unknown field", 3) end
    end
    if spec.match == nil then rule_error(where, "match", "a pattern or a function is required", 3) end
  end
  for k, v in pairs(spec) do
    if GENERIC[k] then merged[k] = v end
  end
  check_generic(where, merged, 3)
  local th = merged.threshold or { count = 1, window = 60 }
  local rule = {
    name = merged.name or ("rule" .. index), where = where,
    match = merged.match, exclude = merged.exclude, field = merged.field or "line",
    group_by = merged.group_by, key = merged.key,
    count = th.count, window = th.window or 60,
    batch = merged.batch or 0, dedup = merged.dedup or 0, rate_limit = merged.rate_limit,
    subject = merged.subject or "%rule%: %count% matching lines",
    severity = merged.severity or "warning", format = merged.format,
    max_lines = merged.max_lines or MAX_LINES, user_subject = spec.subject ~= nil,
  }
  local c = merged.context
  if type(c) == "number" then c = c > 0 and { lines = c } or nil end
  rule.context = c
  local cap = merged.max_keys or MAX_KEYS
  rule.groups, rule.seen, rule.persist = capmap(cap), capmap(cap), capmap(cap)
  rule.sent, rule.suppressed, rule.repeats = {}, 0, 0
  rule.pending, rule.state, rule.ctx_lines = {}, {}, {}
  return rule
end

---------------------------------------------------------------- state

local function esc(s)
  return (tostring(s):gsub("[%%\t\n\r]", function(c) return ("%%%02X"):format(c:byte()) end))
end

local function unesc(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

-- The state of the rules (what their match functions keep, dedup keys,
-- rate-limit times, counts held back) as the text of the state file:
-- "gwkit-rules 1", then one line per item, tab-separated, escaped.
function M.state_text(rules)
  local lines = { "gwkit-rules 1" }
  for _, rule in ipairs(rules) do
    local n = esc(rule.name)
    local keep = {}
    for k, v in rule.persist:pairs() do
      keep[#keep + 1] = ("p\t%s\t%s\t%s\t%.0f"):format(n, esc(k), esc(v), rule.persist.t[k] or 0)
    end
    for k, v in rule.seen:pairs() do keep[#keep + 1] = ("d\t%s\t%s\t%.0f"):format(n, esc(k), v) end
    for _, t in ipairs(rule.sent) do keep[#keep + 1] = ("s\t%s\t%.0f"):format(n, t) end
    if rule.suppressed > 0 then keep[#keep + 1] = ("n\t%s\t%d"):format(n, rule.suppressed) end
    if rule.repeats > 0 then keep[#keep + 1] = ("r\t%s\t%d"):format(n, rule.repeats) end
    table.sort(keep)
    for _, l in ipairs(keep) do lines[#lines + 1] = l end
  end
  return table.concat(lines, "\n") .. "\n"
end

-- Applies the text of a state file to the rules of those names.
function M.state_apply(by_name, s)
  if s:sub(1, 14) ~= "gwkit-rules 1\n" then return end
  for line in s:gmatch("([^\n]*)\n") do
    local parts = {}
    for p in (line .. "\t"):gmatch("([^\t]*)\t") do parts[#parts + 1] = p end
    local rule = by_name[unesc(parts[2] or "")]
    if rule then
      local kind = parts[1]
      if kind == "p" and parts[4] then
        rule.persist:set(unesc(parts[3]), unesc(parts[4]), tonumber(parts[5]) or 0)
      elseif kind == "d" and tonumber(parts[4]) then
        rule.seen:set(unesc(parts[3]), tonumber(parts[4]), tonumber(parts[4]))
      elseif kind == "s" and tonumber(parts[3]) and #rule.sent < MAX_COUNT then
        rule.sent[#rule.sent + 1] = tonumber(parts[3])
      elseif kind == "n" then rule.suppressed = tonumber(parts[3]) or 0
      elseif kind == "r" then rule.repeats = tonumber(parts[3]) or 0
      end
    end
  end
end

return M
