-- gwkit.outbox: alert mail that is never silently lost. Every alert is
-- written to a spool first (temporary file, fsync, rename), then sent; it
-- leaves the spool only after a route accepted it. Killed at any instant,
-- nothing is lost and at most one message is sent twice.
--
--   local outbox = require "gwkit.outbox"
--   local box = assert(outbox.open{
--     dir = "/var/spool/gwkit",
--     routes = {                                  -- tried in order
--       { smtp = { server = "smtp.isp.jp", port = 465, tls = "tls", user = ..., password = ... } },
--       { smtp = { server = "smtp.isp.jp", port = 587, user = ..., password = ... } },
--       { webhook = { url = "https://hooks.example/alert", token = ... } },
--     },
--     from = "router@example.jp", to = { "admin@example.jp" },
--   })
--   box:put{ subject = "PD changed", text = "..." }   -- durable once it returns
--   box:flush()                                        -- sends what is due
--
-- Spool layout: DIR/q/*.msg (queued), DIR/failed/*.msg (given up),
-- DIR/state (routes on hold after a refused password, drop counter).
-- Nothing is written when nothing happens (flash-friendly).
local core = require "gwkit.core"
local mime = require "gwkit.mime"

local M = {}

local DEFAULTS = {
  max_age = 2 * 24 * 3600,      -- then a message moves to failed/
  backoff = 60,                 -- first retry after this, doubling
  backoff_max = 3600,
  jitter = 0.2,                 -- +-20 %
  max_count = 1000,             -- spool bounds
  max_bytes = 16 * 1024 * 1024,
  hold = 3600,                  -- a route that refused the password rests this long
}

-- Errors no retry will cure: the next route is tried at once, and the
-- message is not kept for this route.
local PERMANENT = { auth_failed = true, auth_unavailable = true, sender_rejected = true,
                    recipient_rejected = true, bad_argument = true, tls_required = true }

local Box = {}
Box.__index = Box

local function fail(msg, kind) return nil, "outbox: " .. msg, { kind = kind } end

local function exists_dir(path)
  return os.rename(path, path) and true or false
end

local function mkdir(path)
  if not exists_dir(path) then os.execute("mkdir -p '" .. path:gsub("'", "'\\''") .. "'") end
  return exists_dir(path)
end

local function list(dir)
  local out = {}
  local p = io.popen("ls -1 '" .. dir:gsub("'", "'\\''") .. "' 2>/dev/null")
  for name in p:lines() do
    if name:match("^[%w%-]+%.msg$") then out[#out + 1] = name end
  end
  p:close()
  table.sort(out)               -- names start with the creation time: oldest first
  return out
end

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

-- A spooled message: "Key: value" lines, an empty line, the RFC 5322 message.
local function encode(m)
  local h = { "gwkit-outbox: 1", "created: " .. m.created, "attempts: " .. m.attempts,
              "next: " .. m.next, "from: " .. m.from }
  for _, r in ipairs(m.to) do h[#h + 1] = "to: " .. r end
  if m.last_error then h[#h + 1] = "last-error: " .. m.last_error:gsub("[\r\n]", " ") end
  return table.concat(h, "\n") .. "\n\n" .. m.message
end

local function decode(s)
  local head, message = s:match("^(.-)\n\n(.*)$")
  if not head or not head:match("^gwkit%-outbox: 1\n") then return nil end
  local m = { to = {}, message = message }
  for k, v in head:gmatch("([%w%-]+): ([^\n]*)") do
    if k == "to" then m.to[#m.to + 1] = v
    elseif k == "last-error" then m.last_error = v
    elseif k ~= "gwkit-outbox" then m[k] = tonumber(v) or v end
  end
  if not (m.created and m.attempts and m.next and m.from and #m.to > 0) then return nil end
  return m
end

function M.open(opts)
  if type(opts) ~= "table" or type(opts.dir) ~= "string" then
    error("outbox: bad field 'dir' (string expected)", 2)
  end
  if type(opts.routes) ~= "table" or #opts.routes == 0 then
    error("outbox: bad field 'routes' (a list of routes expected)", 2)
  end
  for i, r in ipairs(opts.routes) do
    if type(r) ~= "table" or (type(r.smtp) ~= "table") == (type(r.webhook) ~= "table") then
      error(("outbox: bad field 'routes' (#%d: {smtp = {...}} or {webhook = {...}} expected)")
            :format(i), 2)
    end
  end
  local box = setmetatable({ dir = opts.dir, routes = opts.routes, from = opts.from,
                             to = opts.to, now = opts.now or os.time,
                             syslog = opts.syslog or M.syslog, crash = opts._crash }, Box)
  for k, v in pairs(DEFAULTS) do box[k] = opts[k] or v end
  for _, sub in ipairs({ "q", "failed" }) do
    if not mkdir(opts.dir .. "/" .. sub) then
      return fail("cannot create " .. opts.dir .. "/" .. sub, "bad_argument")
    end
  end
  return box
end

-- The local log line when a message is given up (logger(1), as a router
-- script would use syslog). Tests pass their own function.
function M.syslog(msg)
  os.execute("logger -t gwkit-outbox -- '" .. msg:gsub("'", "'\\''") .. "' 2>/dev/null")
end

function Box:_state()
  local t = { hold = {}, dropped = 0 }
  for line in (read(self.dir .. "/state") or ""):gmatch("[^\n]+") do
    local k, v = line:match("^(%S+) (%S+)$")
    if k == "dropped" then t.dropped = tonumber(v) or 0
    elseif k then t.hold[k] = tonumber(v) end
  end
  return t
end

function Box:_save_state(t)
  local lines = { "dropped " .. t.dropped }
  for k, v in pairs(t.hold) do lines[#lines + 1] = k .. " " .. v end
  table.sort(lines)
  return core.write_atomic(self.dir .. "/state", table.concat(lines, "\n") .. "\n")
end

-- Test hook: dies like kill -9 at a named step.
function Box:_maybe_crash(step)
  if self.crash == step then
    local pid = (read("/proc/self/stat") or ""):match("^(%d+)")
    os.execute("kill -9 " .. pid)
  end
end

function Box:_usage()
  local count, bytes = 0, 0
  for _, name in ipairs(list(self.dir .. "/q")) do
    count = count + 1
    local f = io.open(self.dir .. "/q/" .. name, "rb")
    if f then bytes = bytes + (f:seek("end") or 0); f:close() end
  end
  return count, bytes
end

-- Queues an alert: {subject=, text=, from=, to=, attachments=, ...} (the
-- box's from/to by default), or {message=, from=, to=} for a built message.
-- Returns the spool id once the message is on disk.
function Box:put(t)
  if type(t) ~= "table" then error("outbox: message table expected", 2) end
  local from, to = t.from or self.from, t.to or self.to
  if type(from) ~= "string" then error("outbox: bad field 'from' (string expected)", 2) end
  if type(to) == "string" then to = { to } end
  if type(to) ~= "table" or #to == 0 then error("outbox: bad field 'to' (list expected)", 2) end
  local message = t.message
  if not message then
    local err
    message, err = mime.build{ from = from, to = to, subject = t.subject or "",
                               text = t.text or "", attachments = t.attachments }
    if not message then return nil, err, { kind = "bad_argument" } end
  end
  local envelope_from = mime.parse_address(from) or from
  local rcpts = {}
  for i, r in ipairs(to) do rcpts[i] = mime.parse_address(r) or r end
  local count, bytes = self:_usage()
  if count + 1 > self.max_count or bytes + #message > self.max_bytes then
    local st = self:_state()
    st.dropped = st.dropped + 1
    self:_save_state(st)
    return fail(("spool full (%d messages, %d bytes): alert dropped (%d dropped so far)")
                :format(count, bytes, st.dropped), "spool_full")
  end
  local now = self.now()
  local id = ("%010d-%s"):format(now, core.hex(core.random(6)))
  local m = { created = now, attempts = 0, next = now, from = envelope_from, to = rcpts,
              message = message }
  self:_maybe_crash("before_write")
  local ok, err = core.write_atomic(self.dir .. "/q/" .. id .. ".msg", encode(m))
  if not ok then return nil, "outbox: " .. err, { kind = "bad_argument" } end
  self:_maybe_crash("after_write")
  return id
end

local function route_name(r)
  if r.smtp then return ("smtp:%s:%s"):format(r.smtp.server, r.smtp.port or "") end
  return "webhook:" .. r.webhook.url
end

local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return ({ ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" })[c]
      or ("\\u%04x"):format(c:byte())
  end) .. '"'
end

-- Sends one message on one route. Returns true, or nil, err, info.
local function send(route, m)
  if route.smtp then
    local opts = {}
    for k, v in pairs(route.smtp) do opts[k] = v end
    opts.from, opts.to, opts.message = m.from, m.to, m.message
    local smtp = require "gwkit.smtp"
    return smtp.send(opts)
  end
  local w = route.webhook
  local http = require "gwkit.http"
  local to = {}
  for i, r in ipairs(m.to) do to[i] = json_string(r) end
  local body = ('{"from":%s,"to":[%s],"subject":%s,"message":%s}'):format(json_string(m.from),
    table.concat(to, ","), json_string(m.message:match("\nSubject: ([^\r\n]*)") or ""),
    json_string(m.message))
  local res, err, info = http.request{ url = w.url, method = "POST", body = body,
    content_type = "application/json", auth = w.token and "bearer" or nil, token = w.token,
    cafile = w.cafile, timeout = w.timeout or 15, user = w.user, password = w.password }
  if not res then return nil, err, info end
  if res.status < 200 or res.status > 299 then
    return nil, ("webhook %s answered %d"):format(w.url, res.status),
      { kind = "http_status", status = res.status }
  end
  return true
end

-- Tries every route in order. Returns true, or false and whether any
-- failure was temporary, with the errors, and routes to hold.
function Box:_deliver(m, state, report)
  local errors, temporary = {}, false
  local now = self.now()
  for _, route in ipairs(self.routes) do
    local name = route_name(route)
    if (state.hold[name] or 0) > now then
      errors[#errors + 1] = name .. ": on hold after a refused password"
    else
      local ok, err, info = send(route, m)
      if ok then return true end
      errors[#errors + 1] = name .. ": " .. tostring(err)
      local kind = info and info.kind
      if kind == "auth_failed" then
        -- Reported once, then the route rests: a wrong password is not
        -- retried a hundred times (nor does it lock the account).
        state.hold[name] = now + self.hold
        state.changed = true
        report.held[#report.held + 1] = { route = name, error = err }
      end
      if not PERMANENT[kind] then temporary = true end
    end
  end
  return false, temporary, table.concat(errors, "; ")
end

function Box:_give_up(name, m, why, report)
  local from, to = self.dir .. "/q/" .. name, self.dir .. "/failed/" .. name
  m.last_error = why
  core.write_atomic(to, encode(m))
  os.remove(from)
  core.sync_dir(from)
  report.failed = report.failed + 1
  self.syslog(("alert %s given up after %d attempts: %s"):format(name, m.attempts, why))
end

-- Sends every message that is due. Returns {sent=, retried=, failed=,
-- held = {{route=, error=}}, dropped=}; writes nothing when nothing is due.
function Box:flush()
  local report = { sent = 0, retried = 0, failed = 0, held = {}, waiting = 0 }
  local state = self:_state()
  report.dropped = state.dropped
  local now = self.now()
  for _, name in ipairs(list(self.dir .. "/q")) do
    local path = self.dir .. "/q/" .. name
    local m = decode(read(path) or "")
    if not m then
      self:_give_up(name, { created = now, attempts = 0, next = now, from = "?", to = { "?" },
                            message = read(path) or "" }, "unreadable spool file", report)
    elseif m.next > now then
      report.waiting = report.waiting + 1
    else
      local ok, temporary, why = self:_deliver(m, state, report)
      if ok then
        self:_maybe_crash("after_send")
        os.remove(path)
        core.sync_dir(path)
        report.sent = report.sent + 1
      else
        m.attempts = m.attempts + 1
        if not temporary then
          self:_give_up(name, m, why, report)
        elseif now - m.created >= self.max_age then
          self:_give_up(name, m, "too old: " .. why, report)
        else
          local delay = math.min(self.backoff * 2 ^ (m.attempts - 1), self.backoff_max)
          local r = core.random(2)
          local u = (r:byte(1) * 256 + r:byte(2)) / 65535
          m.next = now + math.floor(delay * (1 + self.jitter * (2 * u - 1)) + 0.5)
          m.last_error = why
          core.write_atomic(path, encode(m))
          report.retried = report.retried + 1
        end
      end
    end
  end
  if state.changed then
    state.changed = nil
    self:_save_state(state)
  end
  -- A refused password is news in itself: one notice, through whatever
  -- route still works, on the next flush.
  for _, h in ipairs(report.held) do
    if self.from and self.to then
      self:put{ subject = "gwkit: mail route " .. h.route .. " refused the password",
                text = ("The route %s refused the credentials:\n%s\n\nIt rests for %d s; " ..
                        "alerts go through the other routes.\n"):format(h.route,
                        tostring(h.error), self.hold) }
    end
  end
  return report
end

-- What is in the spool: {queued=, failed=, dropped=}.
function Box:status()
  return { queued = #list(self.dir .. "/q"), failed = #list(self.dir .. "/failed"),
           dropped = self:_state().dropped }
end

M._decode, M._encode = decode, encode
return M
