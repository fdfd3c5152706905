-- Generated logs for the logwatch, rules, syslog-alert and auth-audit
-- specs: the formats of the fixtures (Yamaha router, Postfix, Dovecot,
-- relay log) at chosen times. Every function returns a list of lines.
local M = {}

-- Local time as the router writes it: "2023/09/18 15:45:27: ".
local function yamaha_time(t) return os.date("%Y/%m/%d %H:%M:%S: ", t) end

-- A syslog file time: "Sep  7 12:48:22" (day padded with a space).
local function bsd_time(t)
  local d = os.date("*t", t)
  local months = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                   "Nov", "Dec" }
  return ("%s %2d %02d:%02d:%02d"):format(months[d.month], d.day, d.hour, d.min, d.sec)
end
M.bsd_time = bsd_time

-- The router's failing mail attempt of fixtures/nvr510-mail-error.log at
-- time t: 30 lines, 3 of them errors, and the CRAM-MD5 response.
function M.router_failure(t, task)
  task = task or 11
  local lines = {}
  local function add(dt, s) lines[#lines + 1] = yamaha_time(t + dt) .. "[MAIL] " .. s end
  local tk = "[" .. task .. "]"
  add(0, "Create Service State(lua, ID: 6)")
  add(0, tk .. "Create Task for Connecting Server(ID: 42)")
  add(1, tk .. "Connected Mail Service Server")
  add(1, tk .. 'Recv Msg: "220 msc14.plala.or.jp ESMTP server ready"')
  add(1, tk .. 'Send Msg: "EHLO v6mail.plala.or.jp"')
  add(1, tk .. 'Recv Msg: "250-AUTH LOGIN PLAIN CRAM-MD5"')
  add(1, tk .. 'Recv Msg: "250 SIZE 20971520"')
  add(1, tk .. 'Send Msg: "AUTH cram-md5"')
  add(1, tk .. 'Recv Msg: "334 PDIwMjMwOTE4MDY0NTI5QG1zYzE0Pg=="')
  add(1, tk .. 'Send Msg: "c29tZW9uZUBleGFtcGxlLmpwIGMxMTVhMTIzMzllMjUyZmQ="')
  add(1, tk .. 'Recv Msg: "535 CRAM-MD5 not supported for someone@example.jp"')
  add(1, "Read Error(535 CRAM-MD5 not supported for someone@example.jp)")
  add(1, tk .. "Mail SMTP Service Receive Error(28)")
  add(1, tk .. 'Send Msg: "QUIT"')
  add(1, tk .. "End Mail SMTP Process for Error")
  add(1, tk .. "Close TCP(0)")
  return lines
end

-- Router lines that are not mail failures.
function M.router_noise(t, n)
  local lines = {}
  for i = 1, n do
    lines[i] = yamaha_time(t + i * 7) .. ("[LUA] script %d: PP[01] keepalive ok"):format(i)
  end
  return lines
end

-- "Add IPv6 prefix P (Lifetime: L) via IF by DHCPv6", and the Delete line.
function M.prefix_line(t, action, prefix, iface, lifetime)
  if action == "Add" then
    return ("%s%s IPv6 prefix %s (Lifetime: %d) via %s by DHCPv6"):format(yamaha_time(t), action,
      prefix, lifetime or 14400, iface or "LAN2")
  end
  return ("%s%s IPv6 prefix %s via %s by DHCPv6"):format(yamaha_time(t), action, prefix,
    iface or "LAN2")
end

-- One Postfix smtpd session (connect .. disconnect) of process `pid`.
-- opts: tls (bool), user (SASL login; nil: none), addr, messages (count).
function M.postfix_session(t, pid, opts)
  local host = "mail"
  local addr = opts.addr or "192.0.2.50"
  local function line(dt, msg)
    return ("%s %s postfix/smtpd[%d]: %s"):format(bsd_time(t + dt), host, pid, msg)
  end
  local lines = { line(0, ("connect from client%d[%s]"):format(pid, addr)) }
  if opts.tls then
    lines[#lines + 1] = line(0, ("Anonymous TLS connection established from client%d[%s]: " ..
      "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)"):format(pid, addr))
  end
  for i = 1, opts.messages or 1 do
    local qid = ("%X"):format(0xA000000 + pid * 1000 + i)
    if opts.user then
      lines[#lines + 1] = line(i, ("%s: client=client%d[%s], sasl_method=PLAIN, sasl_username=%s")
        :format(qid, pid, addr, opts.user))
    else
      lines[#lines + 1] = line(i, ("%s: client=client%d[%s]"):format(qid, pid, addr))
    end
  end
  lines[#lines + 1] = line((opts.messages or 1) + 1, ("disconnect from client%d[%s]"):format(pid, addr))
  return lines
end

-- n messages of the relay-abuse log from one address, `spacing` s apart.
function M.relay_burst(t, addr, n, spacing)
  local lines = {}
  for i = 0, n - 1 do
    local ts = os.date("!%a, %d %b %Y %H:%M:%S +0000", t + i * spacing)
    lines[#lines + 1] = ("%s %s SMTP connection opened"):format(ts, addr)
    lines[#lines + 1] = ("%s %s Message received OK (%d bytes)"):format(ts, addr, 1000 + i)
  end
  return lines
end

-- A Dovecot login line.
function M.dovecot_login(t, proto, user, addr, tls)
  local s = ("%s mail dovecot: %s-login: Login: user=<%s>, method=PLAIN, rip=%s, lip=192.0.2.1, mpid=%d")
    :format(bsd_time(t), proto, user, addr, 4000 + (t % 1000))
  if tls then s = s .. ", TLS, " .. tls .. " with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)" end
  return s
end

function M.write(path, lines, mode)
  local f = assert(io.open(path, mode or "wb"))
  if #lines > 0 then f:write(table.concat(lines, "\n"), "\n") end
  f:close()
end

function M.append(path, lines) M.write(path, lines, "ab") end

-- Every alert of feeding lines (as entries) into a rules engine, then a flush.
function M.run(r, lines, source)
  local core = require "gwkit.core"
  local out = {}
  for _, l in ipairs(lines) do
    for _, a in ipairs(r:feed{ line = l, source = source or "test", parsed = core.log_parse(l) }) do
      out[#out + 1] = a
    end
  end
  for _, a in ipairs(r:flush()) do out[#out + 1] = a end
  return out
end

function M.concat(...)
  local out = {}
  for _, list in ipairs({ ... }) do
    for _, l in ipairs(list) do out[#out + 1] = l end
  end
  return out
end

return M
