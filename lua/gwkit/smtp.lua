-- gwkit.smtp: mail submission with an authentication mechanism that works.
-- The C core drives one connection (gwkit.core.smtp_open); this file holds
-- the policy: option checking, the mechanism order and fallback, the memory
-- of what worked, and the session object. See DESIGN.md for the contract.
local core = require "gwkit.core"
-- The envelope needs only the address parser; the message builder (the rest
-- of gwkit.mime) is loaded when a message is built, not for a ready one.
local parse_address = require("gwkit.mime.address").parse

local M = {}

local DEFAULT_PORT = { starttls = 587, tls = 465, none = 25 }

-- Every option send/session accept, with its Lua type.
local OPTIONS = {
  server = "string", port = "number", tls = "string", tls_min = "string",
  verify = "boolean", cafile = "string", capath = "string", family = "string",
  tls_name = "string", user = "string", password = "string", token = "string",
  mechanisms = "table", allow_plaintext_auth = "boolean", helo = "string",
  timeout = "number", from = "string", to = "any", cc = "any", bcc = "any",
  message = "string", subject = "string", text = "string", html = "string",
  headers = "table", attachments = "table", trace = "function",
  state_dir = "string", date = "any", message_id = "string",
}

local function argerror(field, what)
  error(("smtp: bad field '%s' (%s)"):format(field, what), 3)
end

-- Misuse raises; the checked options come back with defaults filled in.
local function check(opts)
  if type(opts) ~= "table" then error("smtp: options table expected", 3) end
  for k, v in pairs(opts) do
    local want = OPTIONS[k]
    if not want then argerror(tostring(k), "unknown option") end
    if want ~= "any" and type(v) ~= want then argerror(k, want .. " expected") end
  end
  if not opts.server then argerror("server", "string expected") end
  local tls = opts.tls or "starttls"
  if not DEFAULT_PORT[tls] then argerror("tls", '"starttls", "tls" or "none" expected') end
  local port = opts.port or DEFAULT_PORT[tls]
  if port < 1 or port > 65535 or port % 1 ~= 0 then argerror("port", "1..65535 expected") end
  if opts.tls_min and opts.tls_min ~= "1.2" and opts.tls_min ~= "1.3" then
    argerror("tls_min", '"1.2" or "1.3" expected')
  end
  if opts.family and opts.family ~= "inet" and opts.family ~= "inet6" then
    argerror("family", '"inet" or "inet6" expected')
  end
  if (opts.password or opts.token) and not opts.user then
    argerror("user", "string expected with a password or token")
  end
  if opts.user and not opts.password and not opts.token then
    argerror("password", "string expected (or token)")
  end
  if opts.mechanisms then
    for i, m in ipairs(opts.mechanisms) do
      if type(m) ~= "string" or not m:match("^[%w%-_]+$") then
        argerror("mechanisms", "mechanism names expected (#" .. i .. ")")
      end
    end
  end
  if opts.timeout and opts.timeout <= 0 then argerror("timeout", "positive number expected") end
  local c = {}
  for k, v in pairs(opts) do c[k] = v end
  c.tls, c.port, c.timeout = tls, port, opts.timeout or 30
  return c
end

-- What worked, per server and account: in memory, and in state_dir.
local remembered = {}
local STATE_FILE = "smtp-mechanisms"

local function state_key(c)
  return c.server .. " " .. c.port .. " " .. c.user
end

local function load_state(dir)
  local t = {}
  local f = io.open(dir .. "/" .. STATE_FILE, "r")
  if not f then return t end
  for line in f:lines() do
    local k, v = line:match("^(.-)\t([%w%-_]+)$")
    if k then t[k] = v end
  end
  f:close()
  return t
end

local function recall(c)
  local key = state_key(c)
  if remembered[key] == nil and c.state_dir then
    remembered[key] = load_state(c.state_dir)[key] or false
  end
  return remembered[key] or nil
end

local function remember(c, mech)
  local key = state_key(c)
  if remembered[key] == mech then return end  -- no write when nothing changed
  remembered[key] = mech
  if not c.state_dir then return end
  local t = load_state(c.state_dir)
  t[key] = mech
  local path = c.state_dir .. "/" .. STATE_FILE
  local tmp = path .. ".tmp"
  local f = io.open(tmp, "w")
  if not f then return end
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do f:write(k, "\t", t[k], "\n") end
  f:close()
  os.rename(tmp, path)
end

-- Lets a test start from a clean memory.
function M._forget() remembered = {} end

local function raw_open(c, tls_min, tls_max, trace)
  return core.smtp_open{
    host = c.server, port = c.port, tls = c.tls, tls_min = tls_min, tls_max = tls_max,
    verify = c.verify, cafile = c.cafile, capath = c.capath, family = c.family,
    tls_name = c.tls_name, helo = c.helo, timeout = c.timeout, trace = trace,
  }
end

-- The TLS versions a server speaks, each tried on its own connection (the
-- handshake only: nothing is sent after it). Used to explain a version
-- mismatch and by gwmail --probe.
function M.tls_versions(c, versions)
  local ok = {}
  for _, v in ipairs(versions or { "1.0", "1.1", "1.2", "1.3" }) do
    local conn = raw_open(c, v, v)
    if conn then ok[#ok + 1] = v; conn:close() end
  end
  return ok
end

local function open(c)
  local conn, err, info = raw_open(c, c.tls_min, nil, c.trace)
  if not conn and info.kind == "tls" and info.code == 70 then
    -- The server refused our versions: find out which it speaks, so the
    -- error says "offers only TLS 1.0" instead of a bare handshake failure.
    local below = { ["1.2"] = { "1.0", "1.1" }, ["1.3"] = { "1.0", "1.1", "1.2" } }
    local older = M.tls_versions(c, below[c.tls_min or "1.2"])
    if #older > 0 then
      err = ("tls: server offers only TLS %s (gwkit requires TLS >= %s)")
        :format(table.concat(older, " and "), c.tls_min or "1.2")
    end
  end
  return conn, err, info
end

local function fail(msg, kind, extra)
  local info = extra or {}
  info.kind = kind
  return nil, msg, info
end

local function attempts_text(attempts)
  local parts = {}
  for _, a in ipairs(attempts) do
    parts[#parts + 1] = a.mechanism .. ": " .. (a.reply or a.error or "?")
  end
  return table.concat(parts, "; ")
end

-- The mechanisms to try, in order, or nil and why there are none.
local function plan(c, info)
  local advertised = table.concat(info.auth, " ")
  local secure = info.tls ~= nil
  local wanted = c.mechanisms and table.concat(c.mechanisms, " ") or nil
  local list = core.sasl_choose(advertised, wanted, secure, c.allow_plaintext_auth,
                                c.token ~= nil)
  if #list == 0 then
    if advertised == "" then
      return nil, ("smtp: %s offers no AUTH%s"):format(c.server,
        secure and "" or " on this unencrypted connection")
    end
    local why = secure and "none of them is usable with these credentials"
      or "the connection is not encrypted (use tls, or set allow_plaintext_auth)"
    return nil, ("smtp: %s offers AUTH %s but %s"):format(c.server, advertised, why)
  end
  local prior = not c.mechanisms and recall(c)
  if prior then
    for i, m in ipairs(list) do
      if m == prior then table.remove(list, i); table.insert(list, 1, m); break end
    end
  end
  return list
end

local function creds_for(c, mech)
  return { mechanism = mech, user = c.user, password = c.password, token = c.token,
           host = c.server, port = c.port }
end

-- AUTH PLAIN and the first message in one flight (RFC 4954 4: PLAIN has an
-- initial response, one round trip and no security layer). Returns "done",
-- conn, attempts, mech, {mail results}; "next" after a refusal; "again" when
-- the server closed before answering the AUTH (then the usual way, on a new
-- connection); or nil, err, info.
local function auth_pipelined(c, conn, first, attempts)
  local res, merr, minfo = conn:auth_mail(creds_for(c, "PLAIN"), first.from, first.rcpts,
                                          first.msg)
  local r = res or minfo
  if r.authenticated then
    attempts[#attempts + 1] = { mechanism = "PLAIN", code = 235 }
    if not c.mechanisms then remember(c, "PLAIN") end
    return "done", conn, attempts, "PLAIN", { res, merr, minfo }
  end
  if res then
    -- Refused, and yet the server took the message (BDAT LAST answered
    -- 250): it is delivered; sending it again would deliver it twice.
    attempts[#attempts + 1] = { mechanism = "PLAIN", code = res.auth_code, reply = res.auth_reply }
    return "done", conn, attempts, nil, { res }
  end
  if minfo.kind == "auth_failed" and minfo.code then
    attempts[#attempts + 1] = { mechanism = "PLAIN", code = minfo.code, reply = minfo.reply,
                                error = merr }
    return "next"
  end
  if minfo.kind == "closed" and not minfo.auth_code then return "again" end
  conn:close()
  minfo.attempts = attempts
  return nil, merr, minfo
end

-- Opens a connection and authenticates, trying each mechanism in turn and
-- reconnecting when the server hung up after a refusal. With `first` (the
-- message of smtp.send) and PLAIN the mechanism to try first on a server
-- that offers PIPELINING, the AUTH goes in one flight with it; the
-- message's results then come back as a fourth value, { res, err, info }.
local function connect(c, first)
  local conn, err, info = open(c)
  if not conn then return nil, err, info end
  if not c.user then return conn, {} end
  local list, why = plan(c, conn:info())
  if not list then
    conn:quit()
    return fail(why, "auth_unavailable", { attempts = {} })
  end
  local attempts = {}
  local function reopen()
    conn:close()
    conn, err, info = open(c)
    if not conn then info.attempts = attempts end
    return conn
  end
  local start = 1
  if first and list[1] == "PLAIN" and conn:info().pipelining then
    local how, a, b, d, e = auth_pipelined(c, conn, first, attempts)
    if how == "done" then return a, b, d, e end
    if not how then return nil, a, b end
    if how == "next" then start = 2 elseif not reopen() then return nil, err, info end
  end
  for i = start, #list do
    local mech = list[i]
    if not conn:alive() and not reopen() then return nil, err, info end
    local creds = creds_for(c, mech)
    local ok, aerr, ainfo = conn:auth(creds)
    if not ok and ainfo.kind == "closed" and #attempts > 0 then
      -- Some servers hang up after refusing a mechanism; the next one
      -- gets a connection of its own.
      if not reopen() then return nil, err, info end
      ok, aerr, ainfo = conn:auth(creds)
    end
    if ok then
      attempts[#attempts + 1] = { mechanism = mech, code = 235 }
      if not c.mechanisms then remember(c, mech) end
      return conn, attempts, mech
    end
    attempts[#attempts + 1] = { mechanism = mech, code = ainfo.code, reply = ainfo.reply,
                                error = aerr }
    -- Only a refusal moves on to the next mechanism; a timeout, a TLS or
    -- protocol error would repeat itself.
    if ainfo.kind ~= "auth_failed" or not ainfo.code then
      conn:close()
      ainfo.attempts = attempts
      return nil, aerr, ainfo
    end
  end
  conn:quit()
  return fail(("smtp: %s refused every mechanism tried for %s: %s"):format(
    c.server, c.user, attempts_text(attempts)), "auth_failed",
    { attempts = attempts, code = attempts[#attempts].code })
end

local function list_of(v, field)
  if v == nil then return {} end
  if type(v) == "string" then return { v } end
  if type(v) ~= "table" then argerror(field, "string or list expected") end
  return v
end

local function envelope(list, field, out)
  for i, a in ipairs(list) do
    if type(a) ~= "string" then argerror(field, "address expected (#" .. i .. ")") end
    local addr, err = parse_address(a)
    if not addr then argerror(field, err) end
    out[#out + 1] = addr
  end
  return out
end

-- The message and its envelope from send-style options.
local function message_of(t)
  if type(t.from) ~= "string" then argerror("from", "string expected") end
  local from, err = parse_address(t.from)
  if not from then argerror("from", err) end
  local to, cc, bcc = list_of(t.to, "to"), list_of(t.cc, "cc"), list_of(t.bcc, "bcc")
  local rcpts = envelope(bcc, "bcc", envelope(cc, "cc", envelope(to, "to", {})))
  if #rcpts == 0 then argerror("to", "at least one recipient expected") end
  local msg = t.message
  if not msg then
    local merr
    msg, merr = require("gwkit.mime").build{ from = t.from, to = to, cc = t.cc and cc or nil,
      subject = t.subject or "", text = t.text or "", html = t.html,
      headers = t.headers, attachments = t.attachments, date = t.date,
      message_id = t.message_id }
    if not msg then return nil, merr end
  end
  return msg, from, rcpts
end

local Session = {}
Session.__index = Session

-- A connection that carries several messages (a batch of alerts).
function M.session(opts)
  local c = check(opts)
  local conn, attempts, mech = connect(c)
  if not conn then return nil, attempts, mech end
  return setmetatable({ c = c, conn = conn, attempts = attempts, mechanism = mech }, Session)
end

-- The result of a message from what conn:mail (or conn:auth_mail) returned.
function Session:_outcome(rcpts, res, err, info)
  local list = res and res.rcpts or info.rcpts
  local rejected = {}
  for i, r in ipairs(list or {}) do
    r.addr = rcpts[i]
    if r.code ~= 250 and r.code ~= 251 then rejected[#rejected + 1] = r end
  end
  if not res then
    info.rejected, info.attempts = rejected, self.attempts
    return nil, err, info
  end
  local out = { mechanism = self.mechanism, tls = self.conn:info().tls, reply = res.reply,
                code = res.code, attempts = self.attempts, rcpts = list, rejected = rejected }
  if res.authenticated == false then out.authenticated = false end  -- taken without the AUTH
  return out
end

-- The session's connection, opened (and authenticated) again when the
-- server closed it between messages; or nil, err, info.
function Session:_connected()
  if self.conn and self.conn:alive() then return self.conn end
  if self.conn then self.conn:close() end
  local conn, attempts, mech = connect(self.c)
  if not conn then self.conn = nil; return nil, attempts, mech end
  self.conn, self.attempts, self.mechanism = conn, attempts, mech
  return conn
end

-- Sends a built message on the session's connection.
function Session:_deliver(msg, from, rcpts)
  local conn, err, info = self:_connected()
  if not conn then return nil, err, info end
  return self:_outcome(rcpts, conn:mail(from, rcpts, msg))
end

function Session:send(t)
  if type(t) ~= "table" then error("smtp: options table expected", 2) end
  local msg, from, rcpts = message_of(t)
  if not msg then return fail(from, "bad_argument") end
  return self:_deliver(msg, from, rcpts)
end

-- Several messages in pipelined flights: gwkit/smtp/batch.lua, loaded when used.
function Session:send_batch(list)
  return require("gwkit.smtp.batch").send(self, list, message_of)
end

function Session:close()
  if self.conn then self.conn:quit(); self.conn = nil end
end

-- One message on its own connection; with PLAIN first and PIPELINING the
-- AUTH goes in the message's flight.
function M.send(opts)
  local c = check(opts)
  local msg, from, rcpts = message_of(c)
  if not msg then return fail(from, "bad_argument") end
  local conn, attempts, mech, sent = connect(c, { msg = msg, from = from, rcpts = rcpts })
  if not conn then return nil, attempts, mech end
  local s = setmetatable({ c = c, conn = conn, attempts = attempts, mechanism = mech }, Session)
  local res, serr, sinfo
  if sent then
    res, serr, sinfo = s:_outcome(rcpts, sent[1], sent[2], sent[3])
  else
    res, serr, sinfo = s:_deliver(msg, from, rcpts)
  end
  s:close()
  return res, serr, sinfo
end

return M
