-- gwkit.log: one place for "log to stderr and/or syslog" in gwkit's
-- scripts and daemons.
--
--   local log = require "gwkit.log"
--   local L = log.new{ stderr = true, syslog = false, ident = "gwkitd",
--                      facility = "daemon", level = "info", timestamps = nil }
--   L:info("started"); L:warning("spool holds %d messages", n)
--   L("err", "job x failed")        -- callable: (level, message)
--
-- Levels, lowest first: debug, info, notice, warning, err (aliases: warn,
-- error). Lines below `level` are dropped. On stderr a line reads
-- "2025-01-15 10:00:00 gwkitd[123]: warning: message"; the timestamp is
-- left out when `timestamps` is false, and by default when stderr goes to
-- systemd's journal (JOURNAL_STREAM is set), which stamps lines itself.
-- Syslog goes through gwkit.core.syslog (the C library's syslog(3)), one
-- line per message (a traceback's newlines become " | "). Messages are cut
-- at MAX_MESSAGE bytes. Library code never logs by itself: it is handed a
-- log function.

local M = {}

local type, pairs, tostring, select, format, error, setmetatable, pcall =
  type, pairs, tostring, select, string.format, error, setmetatable, pcall

local MAX_MESSAGE = 8192

local RANK = { debug = 1, info = 2, notice = 3, warning = 4, err = 5 }
local ALIAS = { warn = "warning", error = "err" }
M.LEVELS = { "debug", "info", "notice", "warning", "err" }

local L = {}
L.__index = L

--- log.level(name) -> canonical level name, or nil
function M.level(name)
  name = ALIAS[name] or name
  if RANK[name] then return name end
  return nil
end

function M.new(opts)
  opts = opts or {}
  if type(opts) ~= "table" then error("log.new: options table expected", 2) end
  local known = { stderr = "boolean", syslog = "boolean", ident = "string", facility = "string",
                  level = "string", timestamps = "boolean", write = "function" }
  for k, v in pairs(opts) do
    if not known[k] then error(format("log.new: unknown option '%s'", tostring(k)), 2) end
    if type(v) ~= known[k] then error(format("log.new: option '%s' must be a %s", k, known[k]), 2) end
  end
  local level = opts.level and M.level(opts.level)
  if opts.level and not level then error(format("log.new: unknown level '%s'", opts.level), 2) end
  local timestamps = opts.timestamps
  if timestamps == nil then timestamps = os.getenv("JOURNAL_STREAM") == nil end
  local self = setmetatable({
    stderr = opts.stderr ~= false, syslog = opts.syslog == true, ident = opts.ident or "gwkit",
    facility = opts.facility or "daemon", min = RANK[level or "info"], timestamps = timestamps,
    write = opts.write or function(s) io.stderr:write(s) end,
  }, L)
  if self.syslog then
    local ok, core = pcall(require, "gwkit.core")
    if not ok or type(core.syslog) ~= "function" then
      error("log.new: syslog = true needs gwkit.core.syslog", 2)
    end
    self.core = core
  end
  return self
end

function L:pid()
  if not self._pid then
    local ok, core = pcall(require, "gwkit.core")
    self._pid = ok and core.getpid() or 0
  end
  return self._pid
end

--- L:log(level, fmt, ...) (also L(level, fmt, ...)): with arguments the
-- message is format(fmt, ...), otherwise fmt as it is.
function L:log(level, msg, ...)
  local lv = M.level(level) or "err"
  if RANK[lv] < self.min then return end
  if select("#", ...) > 0 then msg = format(msg, ...) end
  msg = tostring(msg)
  if #msg > MAX_MESSAGE then msg = msg:sub(1, MAX_MESSAGE) .. "..." end
  if self.stderr then
    local text = msg:gsub("\n", "\n\t")
    local head = self.timestamps and (os.date("%Y-%m-%d %H:%M:%S ") .. self.ident .. "[" .. self:pid() .. "]")
      or self.ident
    self.write(head .. ": " .. lv .. ": " .. text .. "\n")
  end
  if self.syslog then
    local line = msg:gsub("%s*\n%s*", " | "):gsub("%c", " ")
    self.core.syslog(lv, line, self.ident, self.facility)
  end
end

L.__call = function(self, ...) return self:log(...) end
for _, lv in pairs({ "debug", "info", "notice", "warning", "err" }) do
  L[lv] = function(self, ...) return self:log(lv, ...) end
end
L.error, L.warn = L.err, L.warning

--- L:fn() -> function(level, msg): for APIs that take a plain function.
function L:fn()
  return function(level, msg) return self:log(level, msg) end
end

return M
