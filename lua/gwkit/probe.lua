-- gwkit.probe: what a mail server really accepts, port by port — TLS
-- versions, EHLO capabilities before and after STARTTLS, the mechanisms
-- advertised and (with credentials) which of them work. gwmail --probe
-- prints it; it replaces an afternoon of `openssl s_client` by hand.
local core = require "gwkit.core"
local smtp = require "gwkit.smtp"

local M = {}

local MODES = { [465] = "tls", [587] = "starttls", [25] = "none" }
local MODE_NAMES = { tls = "implicit TLS", starttls = "STARTTLS", none = "no TLS" }

local function conf(c, port, tls)
  local t = {}
  for k, v in pairs(c) do t[k] = v end
  t.port, t.tls = port, tls
  t.timeout = c.timeout or 10
  return t
end

local function open(c, tls_min, tls_max)
  return core.smtp_open{ host = c.server, port = c.port, tls = c.tls,
    tls_min = tls_min or c.tls_min, tls_max = tls_max, verify = c.verify ~= false,
    cafile = c.cafile, capath = c.capath, family = c.family, helo = c.helo,
    timeout = c.timeout }
end

-- EHLO capabilities as one line of keywords.
local function caps_text(info)
  if not info.ehlo then return "(no EHLO: HELO only)" end
  local words = {}
  for _, k in ipairs({ "pipelining", "starttls", "eightbitmime", "smtputf8",
                       "enhancedstatuscodes", "dsn", "chunking" }) do
    if info[k] then words[#words + 1] = k:upper():gsub("EIGHTBITMIME", "8BITMIME") end
  end
  if info.size then words[#words + 1] = ("SIZE %d"):format(info.size) end
  if #info.auth > 0 then words[#words + 1] = "AUTH " .. table.concat(info.auth, " ") end
  return table.concat(words, " ")
end

local function probe_auth(c, info, entry)
  if not c.user then return end
  local secure = info.tls ~= nil
  if not secure and not c.allow_plaintext_auth then
    entry.auth_note = "not tried: the connection is not encrypted (--allow-plaintext-auth)"
    return
  end
  entry.mechanisms = {}
  for _, mech in ipairs(info.auth) do
    local r = { name = mech }
    if not core.sasl_choose(mech, mech, true, true, c.token ~= nil)[1] then
      r.result = "not supported by gwkit"
    else
      local conn, err = open(c)
      if not conn then
        r.result = "connection failed: " .. err
      else
        local ok, aerr, ainfo = conn:auth{ mechanism = mech, user = c.user,
          password = c.password, token = c.token, host = c.server, port = c.port }
        r.ok = ok or false
        r.result = ok and "works" or ("refused: " .. (ainfo.reply or aerr))
        conn:quit()
      end
    end
    entry.mechanisms[#entry.mechanisms + 1] = r
  end
end

local function probe_port(c, port)
  local mode = c.tls or MODES[port] or "starttls"
  local entry = { port = port, mode = mode }
  if mode ~= "tls" then
    -- What the server says before any TLS.
    local conn, err = open(conf(c, port, "none"))
    if not conn then entry.error = err; return entry end
    local info = conn:info()
    entry.greeting, entry.caps_plain = info.greeting, caps_text(info)
    entry.auth_plain = info.auth
    conn:quit()
    if not info.starttls then
      entry.tls_note = "STARTTLS not offered"
      probe_auth(conf(c, port, "none"), info, entry)
      entry.ok = true
      return entry
    end
    mode = "starttls"
  end
  local tc = conf(c, port, mode)
  entry.tls_versions = {}
  for _, v in ipairs({ "1.0", "1.1", "1.2", "1.3" }) do
    entry.tls_versions[v] = #smtp.tls_versions(tc, { v }) > 0
  end
  local conn, err = open(tc)
  if not conn then entry.error = err; return entry end
  local info = conn:info()
  entry.greeting = entry.greeting or info.greeting
  entry.tls, entry.cipher, entry.caps_tls = info.tls, info.cipher, caps_text(info)
  conn:quit()
  probe_auth(tc, info, entry)
  entry.ok = true
  return entry
end

-- c: gwkit.smtp-style options (server, user, password, cafile, ...);
-- opts.ports: the ports to try (default 465, 587, 25).
function M.run(c, opts)
  local report = { server = c.server, ports = {} }
  for _, port in ipairs(opts and opts.ports or { 465, 587, 25 }) do
    local e = probe_port(c, port)
    report.ports[#report.ports + 1] = e
    report.ok = report.ok or e.ok
  end
  return report
end

function M.format(report)
  local out = { ("gwkit probe of %s"):format(report.server) }
  local function add(k, v) out[#out + 1] = ("  %-22s %s"):format(k, v) end
  for _, e in ipairs(report.ports) do
    out[#out + 1] = ""
    out[#out + 1] = ("port %d (%s)"):format(e.port, MODE_NAMES[e.mode] or e.mode)
    if e.greeting then add("greeting", e.greeting) end
    if e.caps_plain then add("EHLO before TLS", e.caps_plain) end
    if e.tls_note then add("TLS", e.tls_note) end
    if e.tls_versions then
      local vs = {}
      for _, v in ipairs({ "1.0", "1.1", "1.2", "1.3" }) do
        vs[#vs + 1] = ("%s %s"):format(v, e.tls_versions[v] and "yes" or "no")
      end
      add("TLS versions", table.concat(vs, ", "))
    end
    if e.tls then add("TLS negotiated", e.tls .. " " .. (e.cipher or "")) end
    if e.caps_tls then add("EHLO after TLS", e.caps_tls) end
    if e.error then add("error", e.error) end
    if e.auth_note then add("AUTH", e.auth_note) end
    for _, m in ipairs(e.mechanisms or {}) do add("AUTH " .. m.name, m.result) end
  end
  out[#out + 1] = ""
  return table.concat(out, "\n")
end

return M
