-- Built-in rule auth_without_tls: a mail client logged in without TLS (or
-- with TLS below 1.2). Also the login tracker scripts/auth-audit uses.
--
-- Postfix: an smtpd session runs from "connect from" to "disconnect from"
-- in ONE process, and is followed by its process id (with the host and the
-- program name, e.g. postfix/submission/smtpd), never by timestamp: the
-- pid is used again by later sessions. A session whose
-- "client=..., sasl_method=..., sasl_username=..." line came without a
-- "TLS connection established" line before it is an unencrypted login.
-- Dovecot: "imap-login: Login: user=<...>, method=..., rip=..., ..." lines
-- carry a "TLS" element when the connection was encrypted (and "secured"
-- for a connection Dovecot trusts as local); without one it was not.
--
--   { builtin = "auth_without_tls", tls_min = "1.2" }
--
-- Parameters: tls_min ("1.2" default: a login over an older TLS version is
-- an alert too; false: only logins without TLS), max_sessions (open Postfix
-- sessions followed, default 1000; the oldest go first). Defaults: one
-- alert per login (batch 0), the same user, protocol, address and cause
-- at most once a day (dedup 86400), rate limit 20 per hour, severity
-- "warning".
local logtext = require "gwkit.logtext"
local rulespec = require "gwkit.rulespec"

local M = {}

M.description = "a mail login without TLS (Postfix SASL by smtpd session, Dovecot)"
M.params = {
  tls_min = function(v)
    if v == false or (type(v) == "string" and M.tls_number(v)) then return true end
    return false, 'a TLS version ("1.2", "TLSv1.2") or false expected'
  end,
  max_sessions = function(v)
    if type(v) == "number" and v % 1 == 0 and v >= 8 and v <= 1000000 then return true end
    return false, "an integer 8..1000000 expected"
  end,
}
M.defaults = {
  threshold = { count = 1, window = 60 }, batch = 0, dedup = 86400,
  rate_limit = { count = 20, per = 3600 }, severity = "warning",
}

-- "TLSv1.2" | "1.2" | "TLSv1" | "SSLv3" -> 1.2 | 1.2 | 1.0 | 0.3 (nil if none)
function M.tls_number(v)
  if type(v) ~= "string" then return nil end
  local ssl = v:match("^SSLv(%d)$")
  if ssl then return tonumber(ssl) / 10 end
  local major, minor = v:match("^T?L?S?v?(%d+)%.?(%d*)$")
  if not major then return nil end
  return tonumber(major) + (tonumber(minor ~= "" and minor or "0") or 0) / 10
end

local MAX_SESSION_LINES = 8

local function parsed(entry)
  local p = entry.parsed
  if type(p) == "table" then return p end
  return { msg = entry.line }
end

-- "name[addr]" -> addr, name
local function client_addr(s)
  local name, addr = (s or ""):match("^([^%[]*)%[([^%]]*)%]")
  return addr or s, name
end

local Tracker = {}
Tracker.__index = Tracker

-- A login tracker. feed(entry, t) returns a login event or nil:
-- {proto = "SMTP" | "IMAP" | "POP3" | ..., user =, addr =, client =,
--  method =, tls = true | false | nil (Postfix session whose start was not
--  seen), tls_version = "TLSv1.2" | nil, secured = true (Dovecot "secured"),
--  time = t, lines = {the session's lines}, pid =}.
function M.tracker(opts)
  opts = opts or {}
  return setmetatable({ sessions = rulespec.capmap(opts.max_sessions or 1000), seq = 0 }, Tracker)
end

local function add_line(s, line)
  if #s.lines < MAX_SESSION_LINES then s.lines[#s.lines + 1] = line end
end

function Tracker:_postfix(entry, p, t)
  local msg = p.msg or ""
  local key = (p.host or "") .. "\t" .. p.app .. "\t" .. (p.pid or "")
  self.seq = self.seq + 1
  if msg:find("^connect from ") then
    local addr, name = client_addr(msg:match("^connect from (%S+)"))
    self.sessions:set(key, { tls = false, lines = { entry.line }, users = {}, addr = addr,
                             client = name }, self.seq)
    return nil
  end
  local s = self.sessions:get(key)
  if msg:find("^disconnect from ") then
    self.sessions:del(key)
    return nil
  end
  if s and msg:find("TLS connection established from", 1, true) then
    s.tls = true
    s.tls_version = msg:match("(TLSv[%d%.]+)") or msg:match("(SSLv%d)")
    add_line(s, entry.line)
    self.sessions:touch(key, self.seq)
    return nil
  end
  local user = msg:match("sasl_username=([^,]*)")
  if not user then
    if s and msg:find("setting up TLS connection", 1, true) then add_line(s, entry.line) end
    return nil
  end
  local client = msg:match("client=([^,]*)")
  local addr, name = client_addr(client)
  local ev = { proto = "SMTP", user = user, addr = addr, client = name,
               method = msg:match("sasl_method=([^,]*)"), time = t, pid = p.pid }
  if s then
    -- One login per session, however many messages it sends.
    if s.users[user] then return nil end
    s.users[user] = true
    add_line(s, entry.line)
    self.sessions:touch(key, self.seq)
    ev.tls, ev.tls_version = s.tls, s.tls_version
    ev.lines = {}
    for i, l in ipairs(s.lines) do ev.lines[i] = l end
  else
    ev.lines = { entry.line }
  end
  return ev
end

local function dovecot(entry, p, t)
  local msg = p.msg or ""
  local svc, rest = msg:match("(%a[%w]*)%-login: Login: (.*)$")
  if not svc then return nil end
  local ev = { proto = svc:upper(), user = rest:match("user=<([^>]*)>"),
               method = rest:match("method=([^,%s]*)"), addr = rest:match("rip=([^,%s]*)"),
               time = t, pid = rest:match("mpid=(%d+)"), lines = { entry.line }, tls = false }
  if not ev.user then return nil end
  for item in (rest .. ","):gmatch("%s*([^,]*),") do
    if item == "TLS" or item:find("^TLS ") or item == "TLS handshaking" then ev.tls = true end
    if item == "secured" then ev.tls, ev.secured = true, true end
    local v = item:match("^(TLSv[%d%.]+) with cipher") or item:match("^(SSLv%d) with cipher")
    if v then ev.tls, ev.tls_version = true, v end
  end
  return ev
end

function Tracker:feed(entry, t)
  local p = parsed(entry)
  local app = p.app or ""
  if app:find("smtpd$") and app:find("postfix", 1, true) then return self:_postfix(entry, p, t) end
  if (p.msg or ""):find("-login: Login: ", 1, true) then return dovecot(entry, p, t) end
  return nil
end

-- The cause of an alert for a login event, or nil: "no TLS", "TLSv1 (below 1.2)".
function M.problem(ev, tls_min)
  if ev.tls == false then return "no TLS" end
  if tls_min and ev.tls_version then
    local have, want = M.tls_number(ev.tls_version), M.tls_number(tls_min)
    if have and want and have < want - 1e-9 then
      return ("%s (below %s)"):format(ev.tls_version, (tls_min:gsub("^TLSv", "")))
    end
  end
  return nil
end

local function format(a)
  local f = a.fields
  local subject = ("%s login %s for %s from %s"):format(f.proto, f.cause == "no TLS" and
    "without TLS" or ("with " .. f.cause), f.user or "?", f.addr or "?")
  local t = { subject, "",
    "User: " .. (f.user or "?"),
    "Protocol: " .. f.proto,
    "Client: " .. (f.addr or "?") .. (f.client and f.client ~= "" and (" (" .. f.client .. ")") or ""),
    "Method: " .. (f.method or "?"),
    "Encryption: " .. f.cause,
    "When: " .. logtext.format_time(a.first) }
  if a.count > 1 then t[#t + 1] = ("Logins: %d"):format(a.count) end
  return subject, logtext.rule_text(t, a,
    f.proto == "SMTP" and "The smtpd session (by process id):" or "Log lines:")
end

function M.new(params)
  local tls_min = params.tls_min
  if tls_min == nil then tls_min = "1.2" end
  local tr = M.tracker{ max_sessions = params.max_sessions }
  return {
    match = function(entry, _, ctx)
      local ev = tr:feed(entry, ctx.time)
      if not ev then return nil end
      local cause = M.problem(ev, tls_min)
      if not cause then return nil end
      return { proto = ev.proto, user = ev.user, addr = ev.addr, client = ev.client,
               method = ev.method, cause = cause, lines = ev.lines, tls_version = ev.tls_version,
               key = table.concat({ cause, ev.proto, ev.user or "", ev.addr or "" }, "\t") }
    end,
    format = format,
  }
end

return M
