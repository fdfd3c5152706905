-- gwkit.rt: the calls of Yamaha routers' Lua API that alert scripts use
-- (rt.mail, rt.httprequest, rt.syslog, rt.syslogwatch, rt.command,
-- rt.sleep), on top of gwkit.smtp, gwkit.http and gwkit.logwatch, so that a
-- script written for a router runs here unchanged.
--
--   local rt = require "gwkit.rt"
--   local ok, err, info = rt.mail{
--     smtp_address = "smtp.example.jp", smtp_port = 587,
--     smtp_auth_name = "user@example.jp", smtp_auth_password = "...",
--     smtp_auth_protocol = "auto",        -- default when a name is given
--     from = "router@example.jp", to = "admin@example.jp, ops@example.jp",
--     subject = "PD changed", text = "...",
--   }
--
-- Fields the router has (names as in Yamaha's API):
--   smtp_address        server name or address (required)
--   smtp_port           port; default from smtp_encrypt, else 25 as on the router
--   smtp_auth_name      user name for SMTP AUTH
--   smtp_auth_password  password for SMTP AUTH
--   smtp_auth_protocol  "none" | "plain" | "login" | "cram-md5" as on the router,
--                       plus gwkit's "auto" (the default when smtp_auth_name is
--                       given: gwkit picks among what the server offers and
--                       falls back after a refusal) and "scram-sha-1" /
--                       "scram-sha-256". "pop-before-smtp" and "digest-md5"
--                       are refused as unsupported.
--   from                sender, "addr" or "Name <addr>" (required)
--   to                  recipients: a string, possibly comma-separated, or a
--                       table of strings (required)
--   subject, text       UTF-8 strings (optional, default "")
--   preface_of_text     a string: put before the text on a line of its own.
--                       A boolean (a router-side switch) is accepted and has
--                       no effect: gwkit adds no text of its own.
--   timeout             seconds (number > 0)
-- gwkit's own fields:
--   smtp_encrypt        "none" | "starttls" | "smtps" (alias "tls"). Default:
--                       what the port implies, as a router user expects:
--                       465 -> smtps (implicit TLS), 587 -> starttls,
--                       25 -> none, any other port -> starttls (required, the
--                       safe default). Without a port either: 25, none.
--   allow_plaintext_auth  true lets credentials go over an unencrypted
--                       connection (gwkit refuses that otherwise)
--   trace               function(direction, line), passed to gwkit.smtp
--
-- rt.mail returns true, or false, message, info (beyond the router, which
-- returns the boolean only). A field of the wrong type or value raises an
-- error worded like the router's, without a position prefix, e.g.
--   'rt.mail': 'text' field value of argument #1 is invalid.
-- so that pcall-based handling ported from a router behaves the same.

local mime = require "gwkit.mime"

local type, pairs, ipairs, tostring, error, pcall, require =
  type, pairs, ipairs, tostring, error, pcall, require
local find, lower, sub, format = string.find, string.lower, string.sub, string.format
local floor = math.floor

local M = {}

local function invalid(field)
  error(format("'rt.mail': '%s' field value of argument #1 is invalid.", field), 0)
end

local function unsupported(field, value)
  error(format("'rt.mail': '%s' field value of argument #1 is not supported by gwkit: %s.",
    field, value), 0)
end

local FIELDS = {
  smtp_address = true, smtp_port = true, smtp_auth_name = true,
  smtp_auth_password = true, smtp_auth_protocol = true, smtp_encrypt = true,
  from = true, to = true, subject = true, text = true, preface_of_text = true,
  timeout = true, allow_plaintext_auth = true, trace = true,
}

-- smtp_auth_protocol -> mechanisms for gwkit.smtp (false: no authentication)
local MECHANISMS = {
  ["none"] = false,   -- "auto": mechanisms = nil (gwkit chooses)
  ["plain"] = { "PLAIN" },
  ["login"] = { "LOGIN" },
  ["cram-md5"] = { "CRAM-MD5" },
  ["scram-sha-1"] = { "SCRAM-SHA-1" },
  ["scram-sha-256"] = { "SCRAM-SHA-256" },
}
local UNSUPPORTED_AUTH = { ["pop-before-smtp"] = true, ["digest-md5"] = true }

local ENCRYPT = { none = "none", starttls = "starttls", smtps = "tls", tls = "tls" }
local DEFAULT_PORT = { none = 25, starttls = 587, tls = 465 }
local PORT_TLS = { [25] = "none", [465] = "tls", [587] = "starttls" }

local function has_crlfnul(s)
  return find(s, "[%z\r\n]") ~= nil
end

local function check_string(t, field, required)
  local v = t[field]
  if v == nil then
    if required then invalid(field) end
    return nil
  end
  if type(v) ~= "string" or has_crlfnul(v) then invalid(field) end
  return v
end

local function check_port(v)
  if v == nil then return nil end
  if type(v) == "string" and find(v, "^%d+$") then v = tonumber(v) end
  if type(v) ~= "number" or v ~= floor(v) or v < 1 or v > 65535 then
    invalid("smtp_port")
  end
  return v
end

local function check_to(v)
  local list = {}
  if type(v) == "string" then
    local items = mime.parse_address_list(v)
    if not items then invalid("to") end
    for _, a in ipairs(items) do list[#list + 1] = a.text end
  elseif type(v) == "table" then
    local n = 0
    for k, s in pairs(v) do
      if type(k) ~= "number" or type(s) ~= "string" or not mime.parse_address(s) then
        invalid("to")
      end
      n = n + 1
    end
    for _, s in ipairs(v) do
      list[#list + 1] = (s:gsub("^%s+", ""):gsub("%s+$", ""))
    end
    if #list ~= n then invalid("to") end
  else
    invalid("to")
  end
  if #list == 0 then invalid("to") end
  return list
end

--- Checks the rt.mail argument table and builds the smtp.send argument
-- table from it (exported for the specs; not part of the router's API).
-- Raises the router-worded error for a bad field.
function M._mail_args(t)
  if type(t) ~= "table" then
    error("'rt.mail': argument #1 is invalid.", 0)
  end
  for k in pairs(t) do
    if not FIELDS[k] then
      error(format("'rt.mail': '%s' field of argument #1 is unknown.", tostring(k)), 0)
    end
  end

  local server = check_string(t, "smtp_address", true)
  if server == "" or find(server, "[%s%c]") then invalid("smtp_address") end

  -- transport security: smtp_encrypt, else what the port implies
  local tls
  if t.smtp_encrypt ~= nil then
    if type(t.smtp_encrypt) ~= "string" then invalid("smtp_encrypt") end
    tls = ENCRYPT[lower(t.smtp_encrypt)]
    if not tls then invalid("smtp_encrypt") end
  end
  local port = check_port(t.smtp_port)
  if not port then
    port = tls and DEFAULT_PORT[tls] or 25
  end
  tls = tls or PORT_TLS[port] or "starttls"

  -- authentication
  local name = check_string(t, "smtp_auth_name")
  local password = check_string(t, "smtp_auth_password")
  local protocol = t.smtp_auth_protocol
  if protocol ~= nil then
    if type(protocol) ~= "string" then invalid("smtp_auth_protocol") end
    protocol = lower(protocol)
    if UNSUPPORTED_AUTH[protocol] then unsupported("smtp_auth_protocol", protocol) end
    if protocol ~= "auto" and MECHANISMS[protocol] == nil then
      invalid("smtp_auth_protocol")
    end
  else
    protocol = name and "auto" or "none"
  end

  local args = { server = server, port = port, tls = tls }
  if protocol ~= "none" then
    if not name or name == "" then invalid("smtp_auth_name") end
    if not password or password == "" then invalid("smtp_auth_password") end
    args.user, args.password = name, password
    if protocol ~= "auto" then
      local m = MECHANISMS[protocol]
      args.mechanisms = { m[1] }
    end
  end

  -- message
  local from = check_string(t, "from", true)
  if not mime.parse_address(from) then invalid("from") end
  if t.to == nil then invalid("to") end
  args.from = from
  args.to = check_to(t.to)
  args.subject = check_string(t, "subject") or ""
  local text = t.text
  if text ~= nil and type(text) ~= "string" then invalid("text") end
  text = text or ""
  local preface = t.preface_of_text
  if preface ~= nil and type(preface) ~= "string" and type(preface) ~= "boolean" then
    invalid("preface_of_text")
  end
  if type(preface) == "string" and preface ~= "" then
    if sub(preface, -1) == "\n" or text == "" then
      text = preface .. text
    else
      text = preface .. "\n" .. text
    end
  end
  args.text = text

  -- gwkit's own options
  if t.timeout ~= nil then
    if type(t.timeout) ~= "number" or t.timeout ~= t.timeout or t.timeout <= 0 then
      invalid("timeout")
    end
    args.timeout = t.timeout
  end
  if t.allow_plaintext_auth ~= nil then
    if type(t.allow_plaintext_auth) ~= "boolean" then invalid("allow_plaintext_auth") end
    args.allow_plaintext_auth = t.allow_plaintext_auth
  end
  if t.trace ~= nil then
    if type(t.trace) ~= "function" then invalid("trace") end
    args.trace = t.trace
  end
  return args
end

--- rt.mail{...}: sends one message. Returns true, or false, message, info
-- (info as gwkit.smtp gives it, with info.kind).
function M.mail(t)
  local args = M._mail_args(t)
  local ok, smtp = pcall(require, "gwkit.smtp")
  if not ok then
    return false, "rt.mail: gwkit.smtp is not available: " .. tostring(smtp)
  end
  local res, err, info = smtp.send(args)
  if not res then return false, err, info end
  return true
end

-- rt.httprequest{...}: Yamaha's HTTP call on top of gwkit.http.
--   url                 http or https URL (required)
--   method              "GET" (default), "POST" (default with a body), "PUT",
--                       "DELETE", "HEAD"
--   auth_type           "none" (default without auth_name), "basic", "bearer"
--                       (with auth_token), and gwkit's "digest" and "auto"
--                       (the default with auth_name: Digest or Basic, as the
--                       server asks)
--   auth_name, auth_pass, auth_token
--   timeout             seconds
--   post_text           the request body, or post_file: a file to send
--   content_type        its Content-Type
--   save_file           write the body to this file (atomically) instead
-- gwkit's own: cafile, capath, verify, allow_basic_plaintext (Basic goes over
-- plain http only with it, as everywhere in gwkit), trace.
-- Returns {rtn1, rtn2, err, code, header, body}: rtn1 true when the exchange
-- happened (even when the answer was 401), rtn2 true when the status was
-- 2xx, err the reason when either is false, code the status, header the
-- response fields as "Name: value" lines, body the body (nil when saved).
local HTTP_FIELDS = {
  url = "string", method = "string", auth_type = "string", auth_name = "string",
  auth_pass = "string", auth_token = "string", timeout = "number", post_text = "string",
  post_file = "string", content_type = "string", save_file = "string",
  cafile = "string", capath = "string", verify = "boolean",
  allow_basic_plaintext = "boolean", trace = "function",
}
local AUTH_TYPES = { none = "none", basic = "basic", bearer = "bearer", digest = "digest",
                     auto = "auto" }

local function http_invalid(field)
  error(format("'rt.httprequest': '%s' field value of argument #1 is invalid.", field), 0)
end

function M._httprequest_args(t)
  if type(t) ~= "table" then error("'rt.httprequest': argument #1 is invalid.", 0) end
  for k, v in pairs(t) do
    local want = HTTP_FIELDS[k]
    if not want then
      error(format("'rt.httprequest': '%s' field of argument #1 is unknown.", tostring(k)), 0)
    end
    if type(v) ~= want then http_invalid(k) end
  end
  if not t.url then http_invalid("url") end
  local auth = t.auth_type and AUTH_TYPES[lower(t.auth_type)]
  if t.auth_type and not auth then http_invalid("auth_type") end
  auth = auth or (t.auth_name and "auto") or "none"
  if (auth == "basic" or auth == "digest" or auth == "auto") and not (t.auth_name and t.auth_pass) then
    http_invalid(t.auth_name and "auth_pass" or "auth_name")
  end
  if auth == "bearer" and not t.auth_token then http_invalid("auth_token") end
  if t.timeout and t.timeout <= 0 then http_invalid("timeout") end
  if t.post_text and t.post_file then http_invalid("post_file") end
  local body = t.post_text
  if t.post_file then
    local f = io.open(t.post_file, "rb")
    if not f then http_invalid("post_file") end
    body = f:read("*a")
    f:close()
  end
  local method = t.method and t.method:upper() or (body and "POST" or "GET")
  if not method:match("^%u+$") then http_invalid("method") end
  return {
    url = t.url, method = method, body = body, content_type = t.content_type,
    auth = auth, user = auth ~= "none" and auth ~= "bearer" and t.auth_name or nil,
    password = auth ~= "none" and auth ~= "bearer" and t.auth_pass or nil,
    token = auth == "bearer" and t.auth_token or nil, timeout = t.timeout,
    save_file = t.save_file, cafile = t.cafile, capath = t.capath, verify = t.verify,
    allow_basic_plaintext = t.allow_basic_plaintext, trace = t.trace,
  }
end

function M.httprequest(t)
  local args = M._httprequest_args(t)
  local http = require "gwkit.http"
  local res, err, info = http.request(args)
  if not res then
    -- A 401 that ended the login is still an exchange that happened.
    local status = info and info.status
    local r = info and info.response
    local header
    if r then
      local lines = {}
      for _, f in ipairs(r.headers) do lines[#lines + 1] = f[1] .. ": " .. f[2] end
      header = table.concat(lines, "\r\n")
    end
    return { rtn1 = status ~= nil, rtn2 = false, err = err, code = status, header = header,
             body = r and r.body or nil }
  end
  local lines = {}
  for _, f in ipairs(res.header_list) do lines[#lines + 1] = f[1] .. ": " .. f[2] end
  local ok2 = res.status >= 200 and res.status < 300
  return { rtn1 = true, rtn2 = ok2, err = not ok2 and ("HTTP status " .. res.status) or nil,
           code = res.status, header = table.concat(lines, "\r\n"),
           body = not res.saved and res.body or nil }
end

-- rt.syslog, rt.syslogwatch, rt.command, rt.sleep and rt.configure live in
-- gwkit.rt.watch (see there).
local watch = require "gwkit.rt.watch"
for _, k in ipairs({ "configure", "syslog", "syslogwatch", "command", "sleep",
                     "syslogwatch_dropped", "_reset" }) do
  M[k] = watch[k]
end
M._CONFIG_SCHEMA = watch.CONFIG_SCHEMA

return M
