-- gwkit.daemon.config: the schema of gwkitd's configuration file and its
-- loading (gwkit.config), with the checks the schema cannot make. Every
-- field is documented in README ("gwkitd").
--
--   local dconfig = require "gwkit.daemon.config"
--   local conf, err = dconfig.load("/etc/gwkit/gwkitd.conf")

local config = require "gwkit.config"
local sched = require "gwkit.sched"

local M = {}

local function one_of(t, names)
  local n = 0
  for _, k in ipairs(names) do if t[k] ~= nil then n = n + 1 end end
  return n == 1
end

local function names_list(names)
  return table.concat(names, ", ", 1, #names - 1) .. " or " .. names[#names]
end

local function exactly(names)
  return function(t)
    if one_of(t, names) then return true end
    return nil, "expected exactly one of " .. names_list(names)
  end
end

local function cron_ok(v)
  local ok, err = sched.parse_cron(v)
  if ok then return true end
  return nil, (err:gsub("^sched: ", ""))
end

local function at_ok(v)
  local ok, err = sched.parse_at(v)
  if ok then return true end
  return nil, (err:gsub("^sched: ", ""))
end

local ADDRESS = { type = { "string", "array" } }

local SMTP_ROUTE = { fields = {
  server = { type = "string", required = true },
  port = { type = "integer", min = 1, max = 65535 },
  tls = { type = "string", enum = { "starttls", "tls", "none" } },
  tls_min = { type = "string", enum = { "1.2", "1.3" } },
  verify = { type = "boolean" }, cafile = { type = "string" }, capath = { type = "string" },
  family = { type = "string", enum = { "inet", "inet6" } }, tls_name = { type = "string" },
  user = { type = "string" }, password = { type = "string" }, token = { type = "string" },
  mechanisms = { type = "array", of = { type = "string" } },
  allow_plaintext_auth = { type = "boolean" }, helo = { type = "string" },
  timeout = { type = "number", min = 0.001, max = 3600 }, state_dir = { type = "string" },
} }

local WEBHOOK_ROUTE = { fields = {
  url = { type = "string", required = true, pattern = "^https?://", hint = "an http:// or https:// URL" },
  token = { type = "string" }, cafile = { type = "string" }, user = { type = "string" },
  password = { type = "string" }, timeout = { type = "number", min = 0.001, max = 3600 },
} }

local SOURCE = {
  fields = {
    file = { type = "string" }, from = { type = "string", enum = { "end", "start" } },
    gzip = { type = "boolean" }, stdin = { type = "boolean", enum = { true } },
    udp = { type = "string" }, port = { type = "integer", min = 0, max = 65535 },
  },
  check = function(s)
    if not one_of(s, { "file", "stdin", "udp" }) then
      return nil, "expected exactly one of file, stdin or udp"
    end
    if s.udp and not s.port then return nil, "a udp source needs a port" end
    if not s.file and (s.from or s.gzip ~= nil) then return nil, "from and gzip are for file sources" end
    if not s.udp and s.port then return nil, "port is for udp sources" end
    return true
  end,
}

-- rt.configure's own schema, with gwkitd's check of each source.
local RT_SCHEMA = (function()
  local rtm = require "gwkit.rt"
  local sc = config.copy(rtm._CONFIG_SCHEMA)
  sc.fields.on_signal = nil
  sc.fields.syslog.fields.sources.of = SOURCE
  return sc
end)()

local SCHEMA = { fields = {
  outbox = { required = true, fields = {
    dir = { type = "string", required = true },
    routes = { type = "array", required = true, min = 1, of = {
      fields = { smtp = SMTP_ROUTE, webhook = WEBHOOK_ROUTE }, check = exactly({ "smtp", "webhook" }),
    } },
    from = { type = "string", required = true },
    to = { type = { "string", "array" }, required = true },
    max_age = { type = "number", min = 1 }, backoff = { type = "number", min = 0.001 },
    backoff_max = { type = "number", min = 0.001 }, jitter = { type = "number", min = 0, max = 1 },
    max_count = { type = "integer", min = 1 }, max_bytes = { type = "integer", min = 1024 },
    hold = { type = "number", min = 0 },
    flush_every = { type = "number", min = 1, max = 86400, default = 60 },
  } },
  watch = { fields = {
    sources = { type = "array", required = true, min = 1, max = 64, of = SOURCE },
    rules = { type = "array", required = true, min = 1, of = { type = { "string", "table" } } },
    max_line = { type = "integer", min = 16, max = 65536 },
    state_file = { type = "string" },
    rules_state_file = { type = "string" },
    interval = { type = "number", min = 0.05, max = 3600, default = 1 },
    tick = { type = "number", min = 0.1, max = 3600, default = 5 },
  } },
  jobs = { type = "array", default = {}, of = {
    fields = {
      name = { type = "string", required = true, pattern = "^[%w_%.%-]+$",
               hint = "a name of letters, digits, _ . and -" },
      every = { type = "number", min = 1 }, at = { type = "string", check = at_ok },
      cron = { type = "string", check = cron_ok },
      command = { type = "string" }, script = { type = "string" },
      timeout = { type = "number", min = 0.001, max = 86400, default = 60 },
      alert = { type = "string", enum = { "never", "failure", "change" }, default = "never" },
    },
    check = function(j)
      local ok, err = exactly({ "every", "at", "cron" })(j)
      if not ok then return nil, err end
      return exactly({ "command", "script" })(j)
    end,
  } },
  heartbeat = { fields = {
    at = { type = "string", check = at_ok }, cron = { type = "string", check = cron_ok },
    every = { type = "number", min = 1 }, subject = { type = "string" }, to = ADDRESS,
  }, check = exactly({ "at", "cron", "every" }) },
  log = { default = {}, fields = {
    stderr = { type = "boolean", default = true }, syslog = { type = "boolean", default = false },
    ident = { type = "string", default = "gwkitd", pattern = "^[%w_%.%-]+$", hint = "a name without spaces",
              check = function(v) return #v <= 32 or nil, "at most 32 characters" end },
    facility = { type = "string", default = "daemon",
                 enum = { "daemon", "user", "mail", "local0", "local1", "local2", "local3",
                          "local4", "local5", "local6", "local7" } },
    level = { type = "string", default = "info", enum = { "debug", "info", "notice", "warning", "err" } },
    timestamps = { type = "boolean" },
  } },
  rt = RT_SCHEMA,
} }

M.SCHEMA, M.SOURCE = SCHEMA, SOURCE

--- config.load(path) -> conf | nil, "config: FILE:LINE: field '...': ...".
-- Beyond the schema: unique job names, scripts that load, and the rules
-- (gwkit.rules compiles them; its error gets the line of the rule).
function M.load(path)
  local conf, err = config.load(path, SCHEMA)
  if not conf then return nil, err end
  local seen = {}
  for i, j in ipairs(conf.jobs) do
    if seen[j.name] then
      return nil, config.error_at(path, { "jobs", i, "name" }, ("the name %q is used twice"):format(j.name))
    end
    seen[j.name] = true
    if j.script then
      local chunk, lerr = loadfile(j.script)
      if not chunk then return nil, config.error_at(path, { "jobs", i, "script" }, tostring(lerr)) end
    end
  end
  if conf.watch then
    local list = {}
    for i, r in ipairs(conf.watch.rules) do
      list[i] = type(r) == "string" and { builtin = r } or r
    end
    conf.watch.rule_list = list
    local rules = require "gwkit.rules"
    local ok, rerr = pcall(rules.new, list, {})
    if not ok then
      rerr = tostring(rerr):gsub("^.-:%d+: ", "")
      local n = tonumber(rerr:match("%(#(%d+)%)") or rerr:match("rule #(%d+)"))
      return nil, config.error_at(path, n and { "watch", "rules", n } or { "watch", "rules" }, rerr)
    end
  end
  return conf
end

return M
