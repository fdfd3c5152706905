-- gwkit.pd.readers: how the PD monitor learns which prefix a client holds.
-- Four ways, one per config form:
--   { command = "..." | argv, pattern = "Lua pattern capturing the prefix" }
--   { lease_file = PATH }       ISC dhclient -6 lease file: in the last
--                               lease6 block (none if it is marked
--                               released), the valid iaprefix that
--                               started last
--   { syslog = true | "pattern", file = PATH }
--                               a Yamaha router's "Add IPv6 prefix
--                               2001:db8:..::/64 (Lifetime: N) via LAN1 by
--                               DHCPv6" line: the /64 it put on its LAN
--   { fn = function(since) return prefix | false | nil, err end }
-- Whatever is read becomes the /60 that holds it (a /64 or an address is
-- widened), in canonical text. A reader answers prefix, false (the client
-- holds none) or nil, err (could not tell).
--
-- Readers can be marked before a release: read(mark) then ignores what was
-- there before (an old lease in the lease file, syslog lines written
-- before the mark), so waiting for a rebind does not take a stale line for
-- the new prefix.
local ipv6 = require "gwkit.ipv6"
local exec = require "gwkit.pd.exec"

local M = {}

M.YAMAHA = "Add IPv6 prefix ([%x:]+/%d+) %(Lifetime: %d+%) via %S+ by DHCPv6"
M.DEFAULT_PATTERN = "(%x*:[%x:]*/%d+)"
local MAX_FILE = 4 * 1024 * 1024      -- files are read up to this (their tail)

-- text -> the canonical /len holding it (len 60 by default).
function M.widen(text, len)
  len = len or 60
  local a, err = ipv6.parse(text)
  if not a then return nil, err end
  if (a.len or 128) < len then
    return nil, ("pd: %s is shorter than a /%d"):format(tostring(a), len)
  end
  return tostring(ipv6.prefix{ bytes = a.bytes, len = len })
end

-- A file's text (its last MAX_FILE bytes when longer) and its size.
local function read_file(path, from)
  local f, err = io.open(path, "rb")
  if not f then return nil, "pd: cannot read " .. tostring(err) end
  local size = f:seek("end")
  local start = math.max(0, size - MAX_FILE)
  -- from: an earlier size (a mark); a smaller file was rotated: read it all.
  if from and from <= size then start = math.max(start, from) end
  f:seek("set", start)
  local s = f:read("*a") or ""
  f:close()
  return s, size
end

-- ISC dhclient lease files --------------------------------------------------

-- "\000\001..." (octal escapes, printable bytes as they are) -> bytes.
local function unescape(s)
  return (s:gsub("\\(%d%d%d)", function(o) return string.char(tonumber(o, 8) % 256) end)
           :gsub("\\(.)", "%1"))
end

local function hexbytes(bytes)
  return (bytes:gsub(".", function(c) return ("%02x:"):format(c:byte()) end):sub(1, -2))
end

-- "0:1:0:1:1d:..." or "00:01:..." -> "00:01:00:01:1d:..." (nil if not hex).
function M.duid(text)
  if type(text) ~= "string" then return nil end
  local t = text:gsub("%s", "")
  if not t:find(":", 1, true) then           -- "0003000102005e100001", "00-03-00-..."
    t = t:gsub("%-", "")
    if not t:match("^%x+$") or #t % 2 ~= 0 then return nil end
    t = t:gsub("(%x%x)", "%1:"):sub(1, -2)
  end
  local out = {}
  for h in (t .. ":"):gmatch("([^:]*):") do
    if not h:match("^%x%x?$") then return nil end
    out[#out + 1] = ("%02x"):format(tonumber(h, 16))
  end
  if #out < 2 then return nil end
  return table.concat(out, ":")
end

-- Tokens: words, quoted strings, and the characters { } ; ("#" comments).
local function tokens(text)
  local out, i, n = {}, 1, #text
  while i <= n do
    local c = text:sub(i, i)
    if c:match("%s") then
      i = (text:find("[^%s]", i) or n + 1)
    elseif c == "#" then
      i = (text:find("\n", i, true) or n) + 1
    elseif c == '"' then
      local j = i + 1
      while j <= n and text:sub(j, j) ~= '"' do
        j = j + (text:sub(j, j) == "\\" and 2 or 1)
      end
      out[#out + 1] = { str = unescape(text:sub(i + 1, j - 1)) }
      i = j + 1
    elseif c == "{" or c == "}" or c == ";" then
      out[#out + 1] = c
      i = i + 1
    else
      local j = text:find('[%s{};"#]', i) or n + 1
      out[#out + 1] = text:sub(i, j - 1)
      i = j
    end
  end
  return out
end

-- Statements: { words = {...}, block = {statements} | nil }.
local function statements(toks, i, depth)
  local list, words = {}, {}
  while i <= #toks do
    local t = toks[i]
    if t == ";" then
      if #words > 0 then list[#list + 1] = { words = words } end
      words = {}
    elseif t == "{" then
      local block
      if depth >= 8 then return nil, i, "nested too deeply" end
      block, i = statements(toks, i + 1, depth + 1)
      if not block then return nil, i end
      list[#list + 1] = { words = words, block = block }
      words = {}
    elseif t == "}" then
      return list, i
    else
      words[#words + 1] = t
    end
    i = i + 1
  end
  return list, i
end

local function num(w) return tonumber(type(w) == "string" and w or nil) end

-- Parses a dhclient -6 lease file. Returns { duid = "00:01:..." | nil,
-- leases = { { interface, duid, released = true | nil, prefixes = {
-- { prefix, starts, preferred, max_life, iaid } } } } } (file order), or
-- nil, err.
function M.parse_dhclient(text)
  local list = statements(tokens(text), 1, 0)
  if not list then return nil, "pd: dhclient lease file does not parse" end
  local r = { leases = {} }
  for _, st in ipairs(list) do
    local w = st.words
    if w[1] == "default-duid" and w[2] then
      r.duid = type(w[2]) == "table" and hexbytes(w[2].str) or M.duid(w[2])
    elseif w[1] == "lease6" and st.block then
      local lease = { prefixes = {} }
      for _, s in ipairs(st.block) do
        local v = s.words
        if v[1] == "interface" and type(v[2]) == "table" then lease.interface = v[2].str
        elseif v[1] == "released" and not s.block then lease.released = true
        elseif v[1] == "option" and v[2] == "dhcp6.client-id" then
          lease.duid = type(v[3]) == "table" and hexbytes(v[3].str) or M.duid(v[3])
        elseif v[1] == "ia-pd" and s.block then
          local ia_starts
          for _, p in ipairs(s.block) do
            if p.words[1] == "starts" then ia_starts = num(p.words[2]) end
          end
          for _, p in ipairs(s.block) do
            if p.words[1] == "iaprefix" and type(p.words[2]) == "string" and p.block then
              local e = { prefix = p.words[2], iaid = v[2], starts = ia_starts }
              for _, q in ipairs(p.block) do
                local k, x = q.words[1], num(q.words[2])
                if k == "starts" then e.starts = x
                elseif k == "preferred-life" then e.preferred = x
                elseif k == "max-life" then e.max_life = x end
              end
              lease.prefixes[#lease.prefixes + 1] = e
            end
          end
        end
      end
      r.leases[#r.leases + 1] = lease
    end
  end
  return r
end

-- The prefix a lease file says the client holds now. Only the last lease6
-- block counts, and none when dhclient -r marked it "released;". In it,
-- dhclient 4.4 may list several iaprefix entries: after a Rebind it keeps
-- the one the server took back (max-life 0) until it expires, and after a
-- Solicit whose hint was refused it merges the old lease's prefix in with
-- its old times. The current one is the valid entry (max-life > 0, not run
-- out at `now`) that started last (the later one of equal starts).
-- false when there is none, or (since) it started before the mark.
-- Second value: the DUID; third (with false): why.
function M.dhclient_current(text, now, since)
  local r, err = M.parse_dhclient(text)
  if not r then return nil, err end
  local last = r.leases[#r.leases]
  local duid = (last and last.duid) or r.duid
  if not last or #last.prefixes == 0 then return false, duid, "no prefix in the lease file" end
  if last.released then
    return false, duid, "the lease of " .. last.prefixes[#last.prefixes].prefix .. " was released"
  end
  local best, why
  for _, p in ipairs(last.prefixes) do
    local starts = p.starts or 0
    if p.max_life == 0 then
      why = why or (p.prefix .. " was taken back by the server (lifetime 0)")
    elseif p.max_life and now and starts + p.max_life < now then
      why = "the lease of " .. p.prefix .. " expired"
    elseif not best or starts >= (best.starts or 0) then
      best = p
    end
  end
  if not best then return false, duid, why end
  if since and best.starts and best.starts < since - 2 then
    return false, duid, "the lease of " .. best.prefix .. " is from before the release"
  end
  return best.prefix, duid
end

-- Yamaha syslog ---------------------------------------------------------------

-- The last prefix a log text names (pattern: one capture), or false.
function M.syslog_last(text, pattern)
  local last
  for line in text:gmatch("[^\n]+") do
    local p = line:match(pattern)
    if p then last = p end
  end
  return last or false
end

-- Command output --------------------------------------------------------------

function M.command_match(output, pattern)
  return output:match(pattern) or false
end

-- Reader objects ----------------------------------------------------------------

local Reader = {}
Reader.__index = Reader

-- spec: the client's validated `read` table; opts.now (wall clock, for
-- lease expiry), opts.timeout (commands), opts.len (60).
function M.new(spec, opts)
  opts = opts or {}
  return setmetatable({ spec = spec, now = opts.now or os.time, len = opts.len or 60,
                        timeout = spec.timeout or opts.timeout or 10 }, Reader)
end

-- What to remember before a release, for read(mark).
function Reader:mark()
  local s, m = self.spec, { time = self.now() }
  if s.file then
    local f = io.open(s.file, "rb")
    m.offset = f and f:seek("end") or 0
    if f then f:close() end
  end
  return m
end

function Reader:describe()
  local s = self.spec
  if s.command then return "command: " .. exec.describe(s.command) end
  if s.lease_file then return "lease file " .. s.lease_file end
  if s.file then return "syslog " .. s.file end
  return "function"
end

-- -> prefix (canonical /len) | false, note | nil, err; third value: DUID.
function Reader:read(mark)
  local s = self.spec
  local raw, note, duid
  mark = mark or {}
  if s.command then
    local r, err = exec.run(s.command, self.timeout)
    if not r then return nil, "pd: " .. tostring(err) end
    if r.timed_out or r.signal or r.status ~= 0 then
      local e = (r.errors or ""):match("[^\n]+") or ""
      return nil, ("pd: %s: %s%s"):format(exec.describe(s.command), exec.outcome(r, self.timeout),
                                         e ~= "" and (": " .. e) or "")
    end
    raw = M.command_match(r.output or "", s.pattern or M.DEFAULT_PATTERN)
  elseif s.lease_file then
    local text, err = read_file(s.lease_file)
    if not text then return nil, err end
    raw, duid, note = M.dhclient_current(text, self.now(), mark.time)
    if raw == nil then return nil, duid end
  elseif s.file then
    local text, err = read_file(s.file, mark.offset)
    if not text then return nil, err end
    raw = M.syslog_last(text, s.syslog == true and M.YAMAHA or s.syslog)
  else
    local ok, v, err = pcall(s.fn, mark.time)
    if not ok then return nil, "pd: read function failed: " .. tostring(v) end
    if v == nil then return nil, "pd: read function: " .. tostring(err or "no answer") end
    raw = v
  end
  if not raw then return false, note or "holds no prefix", duid end
  local p, err = M.widen(raw, self.len)
  if not p then return nil, err end
  return p, nil, duid
end

return M
