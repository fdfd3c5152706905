-- Test support: starts the real mail stack and the scriptable fault server
-- on loopback, with every wait bounded. Used by the specs only.
local M = {}

M.top = os.getenv("GWKIT_TOP") or "."
M.LUA = os.getenv("GWKIT_LUA") or "lua5.1"

local function sh(cmd)
  local ok = os.execute(cmd)
  return ok == 0 or ok == true
end
M.sh = sh

function M.read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

function M.write(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

function M.tmpdir(tag)
  local p = io.popen("mktemp -d /tmp/gwkit-" .. (tag or "t") .. ".XXXXXX")
  local d = p:read("*l")
  p:close()
  return d
end

-- Appends lines (a list) to a file, each ending in "\n".
function M.append(path, lines)
  local f = assert(io.open(path, "ab"))
  f:write(table.concat(lines, "\n"), "\n")
  f:close()
end

-- The error f(...) raises (a test error when it does not raise). Plain
-- assert: a required module sees Lua's, not busted's.
function M.error_of(f, ...)
  local ok, err = pcall(f, ...)
  assert(not ok, "expected an error, got none")
  return err
end

-- Runs scripts/<name> under GWKIT_LUA with args (shell words) and input
-- (a string, default "") on standard input, in a fresh directory removed
-- afterwards; returns the exit status, standard output and standard error.
function M.run_script(name, args, input)
  local dir = M.tmpdir(name)
  M.write(dir .. "/in", input or "")
  sh(("%s %s/scripts/%s %s < %s/in > %s/out 2> %s/err; echo $? > %s/rc")
    :format(M.LUA, M.top, name, args, dir, dir, dir, dir))
  local rc, out, err = tonumber(M.read(dir .. "/rc")), M.read(dir .. "/out"), M.read(dir .. "/err")
  sh("rm -rf " .. dir)
  return rc, out, err
end

-- Lua source for a value (strings, numbers, booleans, tables: the list
-- part, then the string keys in order), e.g. for a config file.
function M.lua_source(v)
  if type(v) == "string" then return ("%q"):format(v) end
  if type(v) ~= "table" then return tostring(v) end
  local parts = {}
  for i, x in ipairs(v) do parts[i] = M.lua_source(x) end
  local keys = {}
  for k in pairs(v) do if type(k) == "string" then keys[#keys + 1] = k end end
  table.sort(keys)
  for _, k in ipairs(keys) do parts[#parts + 1] = k .. " = " .. M.lua_source(v[k]) end
  return "{ " .. table.concat(parts, ", ") .. " }"
end

-- Polls f() every 50 ms for up to `seconds`; returns its first true value.
function M.wait(seconds, f)
  for _ = 1, math.floor(seconds * 20) do
    local v = f()
    if v then return v end
    sh("sleep 0.05")
  end
  return f()
end

local function env_of(text)
  local t = {}
  for k, v in text:gmatch("([%w_]+)=([^\n]*)") do t[k] = v end
  return t
end

-- A stack script of tests/servers (mailstack.sh, webstack.sh) started in a
-- fresh directory; the table has its KEY=VALUE lines and DIR.
local function stack_start(script)
  local base = M.tmpdir(script)
  local dir = base .. "/stack"
  sh("chmod 755 " .. base)          -- delivery agents and CGIs run as nobody
  if not sh(("bash %s/tests/servers/%s.sh start %s > %s/start.out 2>&1")
            :format(M.top, script, dir, base)) then
    error(script .. " did not start:\n" .. (M.read(base .. "/start.out") or ""))
  end
  local env = env_of(M.read(dir .. "/env") or "")
  env.DIR = dir
  return env
end

local function stack_stop(script, env)
  if env and env.DIR then
    sh(("bash %s/tests/servers/%s.sh stop %s >/dev/null 2>&1"):format(M.top, script, env.DIR))
  end
end

-- The real Postfix + Dovecot stack, and the real lighttpd with Digest and Basic.
function M.mailstack_start() return stack_start("mailstack") end
function M.mailstack_stop(env) stack_stop("mailstack", env) end
function M.webstack_start() return stack_start("webstack") end
function M.webstack_stop(env) stack_stop("webstack", env) end

-- Lines of a file (an access log) from line `from` on.
function M.lines(path, from)
  local out, i = {}, 0
  for line in (M.read(path) or ""):gmatch("[^\n]+") do
    i = i + 1
    if i >= (from or 1) then out[#out + 1] = line end
  end
  return out, i
end

-- SHA-256 of a file, by sha256sum.
function M.sha256(path)
  local p = io.popen("sha256sum " .. path .. " 2>/dev/null")
  local out = p:read("*l") or ""
  p:close()
  return out:match("^(%x+)")
end

-- Lists the files delivered for a local part, waiting until n are there.
function M.mailbox(env, localpart, n)
  local dir = env.MAILDIR .. "/" .. localpart
  return M.wait(10, function()
    local p = io.popen("ls " .. dir .. " 2>/dev/null")
    local files = {}
    for name in p:lines() do
      if name:match("%.eml$") then files[#files + 1] = dir .. "/" .. name end
    end
    p:close()
    table.sort(files)
    if #files >= (n or 1) then return files end
  end) or {}
end

-- A self-signed certificate for the fault server (CN and SAN 127.0.0.1).
function M.make_cert(dir)
  local cmd = ("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes " ..
    "-keyout %s/key.pem -out %s/cert.pem -days 2 -subj /CN=localhost " ..
    "-addext subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1 >/dev/null 2>&1")
    :format(dir, dir)
  assert(sh(cmd), "openssl could not make a test certificate")
  return dir .. "/cert.pem", dir .. "/key.pem"
end

-- Starts python3 tests/servers/<script> with args (a list of shell words)
-- in the background, its output in dir/out and its pid in dir/pid, and
-- waits up to 10 s for its ready file dir/port; returns what port(text)
-- makes of that file's text (default: the first number in it), and the pid.
function M.server(script, args, dir, port)
  port = port or function(s) return tonumber(s:match("%d+")) end
  assert(sh(("python3 %s/tests/servers/%s %s </dev/null >%s/out 2>&1 & echo $! >%s/pid")
    :format(M.top, script, table.concat(args, " "), dir, dir)))
  local v = M.wait(10, function() return port(M.read(dir .. "/port") or "") end)
  assert(v, script .. " did not start: " .. (M.read(dir .. "/out") or ""))
  return v, tonumber(M.read(dir .. "/pid") or "")
end

-- Starts tests/servers/smtpd_quirk.py with a scenario; returns a handle with
-- port, log and spool. It stops by itself after `lifetime` seconds.
function M.quirk(scenario, opts)
  opts = opts or {}
  local dir = M.tmpdir("quirk")
  local args = { "--scenario", scenario, "--host", opts.host or "127.0.0.1", "--port", "0",
    "--ready-file", dir .. "/port", "--log", dir .. "/log", "--spool", dir,
    "--lifetime", tostring(opts.lifetime or 60),
    "--users", opts.users or "someone@example.jp:Secret-42" }
  if opts.tls ~= false then
    local cert, key = M.make_cert(dir)
    args[#args + 1] = "--cert"; args[#args + 1] = cert
    args[#args + 1] = "--key"; args[#args + 1] = key
  end
  if opts.implicit then args[#args + 1] = "--implicit-tls" end
  for _, a in ipairs(opts.extra or {}) do args[#args + 1] = a end
  local port = M.server("smtpd_quirk.py", args, dir)
  local srv = { port = port, dir = dir, cafile = dir .. "/cert.pem" }
  function srv.log() return M.read(dir .. "/log") or "" end
  -- The lines the client sent (the log's "C" records), joined by "\n".
  function srv.client()
    local out = {}
    for line in srv.log():gmatch("[^\n]+") do
      local l = line:match("^%S+ %d+ C (.*)$")
      if l then out[#out + 1] = l end
    end
    return table.concat(out, "\n")
  end
  return srv
end

-- The "R" records (request summaries) of a test server's log text, as
-- tables of their key=value words.
function M.records(log)
  local out = {}
  for line in log:gmatch("[^\n]+") do
    local rest = line:match("^%S+ %d+ R (.*)$")
    if rest then
      local r = {}
      for k, v in rest:gmatch("([%w_]+)=(%S*)") do r[k] = v end
      out[#out + 1] = r
    end
  end
  return out
end

-- Starts tests/servers/httpd_quirk.py (the scriptable HTTP server); the
-- handle has port (and port2 with opts.port2), base URL(s), the log, and
-- records(): the "R" request summaries as tables.
function M.httpq(scenario, opts)
  opts = opts or {}
  local dir = M.tmpdir("httpq")
  local args = { "--scenario", scenario, "--host", opts.host or "127.0.0.1", "--port", "0",
    "--ready-file", dir .. "/port", "--log", dir .. "/log", "--quiet",
    "--lifetime", tostring(opts.lifetime or 60),
    "--users", "'" .. (opts.users or "user:Gw-pass 1") .. "'" }
  if opts.port2 then args[#args + 1] = "--port2"; args[#args + 1] = "0" end
  if opts.tls then
    local cert, key = M.make_cert(dir)
    args[#args + 1] = "--cert"; args[#args + 1] = cert
    args[#args + 1] = "--key"; args[#args + 1] = key
  end
  for _, a in ipairs(opts.extra or {}) do args[#args + 1] = a end
  local ports = M.server("httpd_quirk.py", args, dir, function(s)
    local p1, p2 = s:match("^(%d+)\n?(%d*)")
    if p1 and (not opts.port2 or p2 ~= "") then return { tonumber(p1), tonumber(p2) } end
  end)
  local scheme = opts.tls and "https" or "http"
  local srv = { port = ports[1], port2 = ports[2], dir = dir, cafile = dir .. "/cert.pem",
                url = scheme .. "://127.0.0.1:" .. ports[1] }
  function srv.log() return M.read(dir .. "/log") or "" end
  function srv.records() return M.records(srv.log()) end
  return srv
end

-- A trace function that collects lines as "S: ...", "C: ...", "*: ...".
function M.tracer()
  local lines = {}
  local function trace(dir, line) lines[#lines + 1] = dir .. ": " .. line end
  return trace, lines
end

return M
