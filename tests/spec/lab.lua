-- Test support for the DHCPv6-PD lab (tests/lab/lab.sh): network
-- namespaces with Kea 2.2 as the gateway's DHCPv6 server and ISC dhclient
-- clients. Starts and stops the lab, runs its commands and commands inside
-- a namespace, and reads the leases (Kea's memfile CSV, the clients'
-- dhclient lease files) in Lua, independently of lab.sh's own readers.
-- Used by the specs only.
local M = {}

M.top = os.getenv("GWKIT_TOP") or "."
M.script = M.top .. "/tests/lab/lab.sh"

local function q(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end
M.quote = q

local read = require("support").read       -- one file reader for the specs
M.read = read

-- run(cmd, outfile) -> ok, output: the shell command's status and its
-- stdout and stderr (through outfile, removed afterwards).
local function run(cmd, outfile)
  local rc = os.execute(("(%s) </dev/null >%s 2>&1"):format(cmd, q(outfile)))
  local out = read(outfile) or ""
  os.remove(outfile)
  return rc == 0 or rc == true, out
end

local function tmpfile()
  return os.tmpname()
end

local function env_of(text)
  local t = {}
  for k, v in text:gmatch("([A-Z][A-Z0-9_]*)=([^\n]*)") do t[k] = v end
  return t
end

-- nil when a lab can run here; else why not (not root, no namespaces,
-- Kea or dhclient missing).
function M.unavailable()
  local ok, out = run("sh " .. q(M.script) .. " check", tmpfile())
  if ok then return nil end
  return (out:gsub("^lab: ", ""):gsub("%s+$", ""))
end

-- Starts a lab (stopping any earlier one). opts: lifetime (s, default 300),
-- bind_timeout (s, default 15), clients (list, default c1 c2 c3), webui
-- ("none" or a command; default hgw_emu.py). Returns a table of the
-- KEY=VALUE lines (LAB_DIR, NS_GW, GW_ADDR, KEA_LEASES, ...) plus
-- dir, id, clients (list), bind_timeout. Raises when the lab does not start.
function M.start(opts)
  opts = opts or {}
  local env = ("GWLAB_LIFETIME=%d GWLAB_BIND_TIMEOUT=%d"):format(opts.lifetime or 300,
    opts.bind_timeout or 15)
  if opts.clients then env = env .. " GWLAB_CLIENTS=" .. q(table.concat(opts.clients, " ")) end
  if opts.webui then env = env .. " GWLAB_WEBUI=" .. q(opts.webui) end
  local ok, out = run(env .. " sh " .. q(M.script) .. " start", tmpfile())
  if not ok then error("lab did not start:\n" .. out, 2) end
  local lab = env_of(out)
  lab.dir, lab.id = lab.LAB_DIR, lab.LAB_ID
  lab.bind_timeout = opts.bind_timeout or 15
  lab.clients = {}
  for c in (lab.CLIENTS or ""):gmatch("[^,]+") do lab.clients[#lab.clients + 1] = c end
  return lab
end

-- Stops the lab (its processes, namespaces and files); safe to repeat.
function M.stop(lab)
  if not lab or not lab.id then return true end
  local tmp = tmpfile()
  return run("sh " .. q(M.script) .. " stop " .. q(lab.id), tmp)
end

-- cmd(lab, words...) -> ok, output: a lab.sh command on this lab.
function M.cmd(lab, ...)
  local words = {}
  for i = 1, select("#", ...) do words[i] = q(select(i, ...)) end
  local env = ("GWLAB_DIR=%s GWLAB_BIND_TIMEOUT=%d"):format(q(lab.dir), lab.bind_timeout)
  return run(("%s sh %s %s"):format(env, q(M.script), table.concat(words, " ")),
    lab.dir .. "/.spec-cmd.out")
end

-- bind(lab, name [, seconds]) -> prefix | nil, output
function M.bind(lab, name, seconds)
  local saved = lab.bind_timeout
  lab.bind_timeout = seconds or saved
  local ok, out = M.cmd(lab, "client-bind", name)
  lab.bind_timeout = saved
  if not ok then return nil, out end
  return out:match("(%S+/60)%s*$"), out
end

function M.release(lab, name) return M.cmd(lab, "client-release", name) end
function M.forget(lab, name) return M.cmd(lab, "client-forget", name) end
function M.link(lab, name, state) return M.cmd(lab, "client-link", name, state) end
function M.kea_restart(lab) return M.cmd(lab, "kea-restart") end
function M.kea_reset(lab) return M.cmd(lab, "kea-reset") end

-- The namespace of a node: "gw", "mon" or a client name.
function M.ns(lab, node)
  return lab["NS_" .. node:upper()]
end

-- exec(lab, node, shellcmd) -> ok, output: shellcmd run by sh inside the
-- node's namespace (the environment passes through).
function M.exec(lab, node, shellcmd)
  local ns = assert(M.ns(lab, node), "no node " .. node)
  return run(("ip netns exec %s sh -c %s"):format(q(ns), q(shellcmd)), lab.dir .. "/.spec-exec.out")
end

-- lua_in(lab, node, code) -> ok, output: the test's interpreter (GWKIT_LUA)
-- running code inside a namespace, with the LUA_PATH and LUA_CPATH of the
-- test run, so gwkit modules load there.
function M.lua_in(lab, node, code)
  local lua = os.getenv("GWKIT_LUA") or "lua5.1"
  -- GWKIT_LUA is a command prefix (e.g. "qemu-arm -L SYSROOT .../lua5.1"):
  -- not quoted as one word.
  return M.exec(lab, node, ("%s -e %s"):format(lua, q(code)))
end

-- ---------------------------------------------------------------- leases

-- Kea's current PD leases from its memfile CSV: the last line of an
-- address wins; released (valid_lifetime 0), declined or reclaimed
-- (state 1, 2) and expired leases are left out. A list sorted by prefix of
-- {prefix = "2001:db8:1234:5610::/60", duid = "00:03:00:01:...", iaid = n,
-- hwaddr = "...", expire = t}, and a map prefix -> lease.
function M.kea_leases(lab)
  local text = read(lab.KEA_LEASES) or ""
  local cols, last, order = nil, {}, {}
  for line in text:gmatch("[^\n]+") do
    local f = {}
    for v in (line .. ","):gmatch("([^,]*),") do f[#f + 1] = v end
    if not cols then
      cols = {}
      for i, name in ipairs(f) do cols[name] = i end
    else
      local key = f[cols.address] .. "/" .. f[cols.prefix_len]
      if not last[key] then order[#order + 1] = key end
      last[key] = f
    end
  end
  local list, map, now = {}, {}, os.time()
  for _, key in ipairs(order) do
    local f = last[key]
    local state = cols.state and tonumber(f[cols.state]) or 0
    if tonumber(f[cols.lease_type]) == 2 and tonumber(f[cols.valid_lifetime]) ~= 0
       and state == 0 and tonumber(f[cols.expire]) > now then
      local l = { prefix = key, duid = f[cols.duid], iaid = tonumber(f[cols.iaid]),
                  hwaddr = cols.hwaddr and f[cols.hwaddr], expire = tonumber(f[cols.expire]) }
      list[#list + 1] = l
      map[key] = l
    end
  end
  table.sort(list, function(a, b) return a.prefix < b.prefix end)
  return list, map
end

-- The octal-escaped string of a dhclient lease file as colon hex.
local function unescape_hex(s)
  local bytes = {}
  local i = 1
  while i <= #s do
    local c = s:sub(i, i)
    if c == "\\" and s:sub(i + 1, i + 3):match("^[0-7][0-7][0-7]$") then
      bytes[#bytes + 1] = tonumber(s:sub(i + 1, i + 3), 8); i = i + 4
    elseif c == "\\" then
      bytes[#bytes + 1] = s:byte(i + 1); i = i + 2
    else
      bytes[#bytes + 1] = s:byte(i); i = i + 1
    end
  end
  local hex = {}
  for k, b in ipairs(bytes) do hex[k] = ("%02x"):format(b) end
  return table.concat(hex, ":")
end

local function client_leases(lab, name)
  return read(lab["LEASES_" .. name:upper()] or "") or ""
end

-- The client's DUID (its lease file's default-duid) as colon hex, or nil.
function M.client_duid(lab, name)
  local s = client_leases(lab, name):match('default%-duid "(.-)";\n')
  return s and unescape_hex(s)
end

-- The client's current /60 from its dhclient lease file, or nil. In the
-- last lease6 block (nil if it is marked released): of the iaprefix
-- entries whose max-life has not run out, the one that started last.
-- (dhclient keeps a prefix the server took back, max-life 0, until it
-- expires; and after a Solicit whose hint was refused it merges the
-- prefix of its old lease in, with the old times.)
function M.client_prefix(lab, name)
  local text = "\n" .. client_leases(lab, name)
  local block
  for b in text:gmatch("\nlease6 (%b{})") do block = b end
  if not block or block:match("\n%s*released;") then return nil end
  local now, best, best_start = os.time(), nil, -1
  for prefix, body in block:gmatch("iaprefix (%S+) (%b{})") do
    local starts = tonumber(body:match("starts (%d+);")) or 0
    local life = tonumber(body:match("max%-life (%d+);")) or 0
    if life > 0 and starts + life > now and starts > best_start then
      best, best_start = prefix, starts
    end
  end
  return best
end

-- ---------------------------------------------------------------- the host

-- Namespaces named gwlab-*.
function M.namespaces()
  local ok, out = run("env -u LD_PRELOAD ip netns list", tmpfile())
  assert(ok, out)
  local list = {}
  for name in out:gmatch("(gwlab%-%S+)") do list[#list + 1] = name end
  return list
end

-- Pids of live processes whose command line contains text.
function M.processes(text)
  local p = io.popen("ls /proc")
  local found = {}
  for pid in p:lines() do
    if pid:match("^%d+$") then
      local cmdline = read("/proc/" .. pid .. "/cmdline")
      if cmdline and cmdline:find(text, 1, true) then found[#found + 1] = tonumber(pid) end
    end
  end
  p:close()
  return found
end

-- The host's own network state (links, addresses, routes, IPv6
-- forwarding and DAD settings) as text, to compare before and after.
function M.host_net()
  local ok, out = run("unset LD_PRELOAD; ip -o link show | sed 's/ qdisc.*//';" ..
    " ip -o addr show | sed 's/valid_lft.*//';" ..
    " ip -4 route show table all; ip -6 route show table all | sed 's/ expires [0-9]*sec//';" ..
    " cd /proc/sys/net/ipv6/conf && cat all/forwarding all/accept_dad default/accept_dad" ..
    " default/accept_ra", tmpfile())
  assert(ok, out)
  return out
end

return M
