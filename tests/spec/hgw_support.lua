-- Test support for the home-gateway specs: starts tests/servers/hgw_emu.py
-- (the emulated PR-600MI) and drives it and its emulated client routers
-- (tests/servers/hgw_client.py). Used by hgw_spec, hgw_dump_spec and the
-- PD monitor's specs.
--
--   local hs = require "hgw_support"
--   local emu = hs.start{ password = "pw", charset = "shift_jis", lockout = 4 }
--   emu.address          -- "127.0.0.1:PORT" (or "[::1]:PORT"), for hgw.new{address = ...}
--   emu.url, emu.port, emu.host, emu.dir
--   emu.control("reboot") / emu.control("replace", {mac = "...", password = "..."})
--   emu.state()          -- {mac = ..., failed_logins = "2", leases = {{client=, prefix=, duid=}}, ...}
--   emu.records()        -- the log's R records as tables (method=, target=, cookie=, verdict=, ...)
--   emu.client("nvr510", "bind", {duid = "00:03:..."}) -> rc, "prefix 2001:db8:.../60"
--   emu.client_command("nvr510", "show") -> the shell command (for pd-monitor configs)
--   emu.stop()           -- also stops by itself after opts.lifetime (default 120 s)
local support = require "support"
local http = require "gwkit.http"

local M = {}

local function q(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end
M.quote = q

-- A flat JSON object of strings, numbers, booleans and lists of strings.
function M.json(t)
  local keys, parts = {}, {}
  for k in pairs(t or {}) do keys[#keys + 1] = k end
  table.sort(keys)
  local function val(v)
    if type(v) == "table" then
      local items = {}
      for i, x in ipairs(v) do items[i] = val(x) end
      return "[" .. table.concat(items, ",") .. "]"
    elseif type(v) == "string" then
      return '"' .. v:gsub('[%c"\\]', function(c) return ("\\u%04x"):format(c:byte()) end) .. '"'
    end
    return tostring(v)
  end
  for _, k in ipairs(keys) do parts[#parts + 1] = val(k) .. ":" .. val(t[k]) end
  return "{" .. table.concat(parts, ",") .. "}"
end

local OPTS = { host = "--host", auth = "--auth", user = "--user", mac = "--mac", prefix = "--prefix",
  charset = "--charset", lockout = "--lockout", algorithms = "--algorithms", kea_leases = "--kea-leases",
  state_dir = "--state-dir", nonce_lifetime = "--nonce-lifetime", crash_seconds = "--crash-seconds",
  firmware = "--firmware", realm = "--realm", pd_lifetime = "--pd-lifetime" }

-- Starts the emulator; opts: the option names above (host "127.0.0.1" by
-- default, "::1" for IPv6), password (default "Gw-pass 1", passed in a
-- file), lifetime, extra = {more args}.
function M.start(opts)
  opts = opts or {}
  local dir = support.tmpdir("hgwemu")
  local pwfile = dir .. "/password"
  support.write(pwfile, (opts.password or "Gw-pass 1") .. "\n")
  local args = { "--port", "0", "--ready-file", dir .. "/port", "--log", dir .. "/log",
    "--lifetime", tostring(opts.lifetime or 120), "--password-file", pwfile }
  for k, flag in pairs(OPTS) do
    if opts[k] ~= nil then args[#args + 1] = flag; args[#args + 1] = q(opts[k]) end
  end
  for _, a in ipairs(opts.extra or {}) do args[#args + 1] = q(a) end
  local port, pid = support.server("hgw_emu.py", args, dir)
  local host = opts.host or "127.0.0.1"
  local hp = host:find(":") and ("[" .. host .. "]") or host
  local emu = { dir = dir, port = port, host = host, address = hp .. ":" .. port,
                url = "http://" .. hp .. ":" .. port, password = opts.password or "Gw-pass 1",
                pid = pid }

  function emu.log() return support.read(dir .. "/log") or "" end

  function emu.records() return support.records(emu.log()) end

  -- POST /__emu/<op> with a JSON body; returns status, body.
  function emu.control(op, body)
    local res, err = http.request{ url = emu.url .. "/__emu/" .. op, method = "POST",
      body = M.json(body or {}), content_type = "application/json", timeout = 10 }
    assert(res, err)
    return res.status, res.body
  end

  function emu.state()
    local res, err = http.request{ url = emu.url .. "/__emu/state?format=text", timeout = 10 }
    assert(res and res.status == 200, err or "state")
    local st = { leases = {} }
    for line in res.body:gmatch("[^\n]+") do
      local k, v = line:match("^(%S+) (.*)$")
      if k == "lease" then
        local client, prefix, duid, remaining = v:match("^(%S+) (%S+) (%S+) (%S+)$")
        st.leases[#st.leases + 1] = { client = client, prefix = prefix, duid = duid,
                                      remaining = tonumber(remaining) }
      elseif k then
        st[k] = tonumber(v) or v
      end
    end
    return st
  end

  -- The shell command of an emulated client router.
  function emu.client_command(name, cmd, o)
    o = o or {}
    return ("python3 %s/tests/servers/hgw_client.py --emu %s --name %s --duid %s --state %s%s %s")
      :format(support.top, emu.url, q(name), q(o.duid or ("00:03:00:01:" .. name:len())),
              q(o.state or (dir .. "/client-" .. name .. ".state")),
              o.ia_pd and (" --ia-pd " .. o.ia_pd) or "", cmd)
  end

  function emu.client(name, cmd, o)
    local out = dir .. "/client.out"
    support.sh(emu.client_command(name, cmd, o) .. " >" .. out .. " 2>&1; echo $? >" .. out .. ".rc")
    return tonumber(support.read(out .. ".rc")), ((support.read(out) or ""):gsub("%s+$", ""))
  end

  function emu.stop()
    if emu.pid then support.sh("kill " .. emu.pid .. " 2>/dev/null") end
    emu.pid = nil
  end

  return emu
end

-- Writes a fake /proc/net/route with one default route via an IPv4
-- gateway (the address as the kernel shows it: little-endian hex).
function M.proc_route(path, gateway, iface)
  local a, b, c, d = gateway:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
  local hex = ("%02X%02X%02X%02X"):format(d, c, b, a)
  support.write(path, "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n" ..
    ("%s\t00000000\t%s\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"):format(iface or "eth0", hex) ..
    ("%s\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n"):format(iface or "eth0"))
end

-- Writes a fake /proc/net/ipv6_route with a default route via next_hop
-- (32 hex digits) and a connected /64 without a next hop.
function M.proc_ipv6_route(path, next_hop_hex, iface)
  local z32 = ("0"):rep(32)
  support.write(path,
    ("20010db8123456000000000000000000 40 %s 00 %s 00000100 00000001 00000000 00000001 %8s\n")
      :format(z32, z32, iface or "eth0") ..
    ("%s 00 %s 00 %s 00000400 00000002 00000000 00000003 %8s\n")
      :format(z32, z32, next_hop_hex, iface or "eth0") ..
    ("%s 00 %s 00 %s ffffffff 00000001 00000000 00200200       lo\n"):format(z32, z32, z32))
end

return M
