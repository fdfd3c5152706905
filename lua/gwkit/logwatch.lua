-- gwkit.logwatch: log lines from files (followed across rotation and
-- truncation, plain or gzip), standard input and a UDP syslog listener
-- (RFC 5426: one RFC 3164 or RFC 5424 message per datagram), as entries
-- for gwkit.rules.
--
--   local logwatch = require "gwkit.logwatch"
--   local w = assert(logwatch.new{
--     sources = {
--       { file = "/var/log/mail.log", from = "end" },  -- "end" (default) | "start"
--       { file = "/var/log/mail.log.1.gz" },           -- gzip: read once, never followed
--       { stdin = true },
--       { udp = "0.0.0.0", port = 514 },
--     },
--     max_line = 8192,     -- longer lines are cut (entry.truncated = true)
--     state_file = nil,    -- remembers file offsets across restarts
--     state_interval = 60, -- the state file is written at most this often
--     interval = 1,        -- seconds between checks of followed files
--   })
--   for _, e in ipairs(w:poll(5)) do print(e.source, e.line) end
--   w:read_all(function(e) ... end)   -- batch: files to EOF, no waiting
--   w:close()
--
-- entry = { line = raw bytes (no newline), source = "file:PATH" | "stdin" |
--           "udp:ADDR", at = os.time() when read, parsed = core.log_parse(line),
--           truncated = true when the line was cut at max_line }
--
-- Nothing unbounded is ever buffered: a line is kept until its newline up to
-- max_line bytes, then cut, and the rest of it (up to the newline) dropped.
-- Bytes pass through as they are (invalid UTF-8, NUL); only a CR before the
-- newline is removed. A rotated file (its name now points at a new inode)
-- is read to its end, then kept open for `grace` seconds for a writer that
-- has not reopened yet, while the new file is read from its start; a file
-- that shrank (truncated, copytruncate) is read again from offset 0.
local core = require "gwkit.core"
local logfile = require "gwkit.logfile"

local M = {}

local CHUNK = 65536                 -- bytes per read
local MAX_POLL_BYTES = 1048576      -- per source and poll: then the next poll goes on
local MAX_DATAGRAMS = 256           -- per socket and poll
local MAX_LINE = 65536              -- core.log_parse's own bound
local MAX_SOURCES = 64

local W = {}
W.__index = W

local function bad(field, what, level)
  error(("logwatch: bad field '%s' (%s)"):format(field, what), (level or 1) + 1)
end

local function check_source(s, i)
  local where = "sources[" .. i .. "]"
  if type(s) ~= "table" then bad(where, "table expected", 3) end
  local kinds = (s.file and 1 or 0) + (s.stdin and 1 or 0) + (s.udp and 1 or 0)
  if kinds ~= 1 then bad(where, "exactly one of file, stdin, udp expected", 3) end
  local known = { file = { file = true, from = true, gzip = true },
                  stdin = { stdin = true },
                  udp = { udp = true, port = true } }
  local kind = s.file and "file" or s.stdin and "stdin" or "udp"
  for k in pairs(s) do
    if not known[kind][k] then bad(where .. "." .. tostring(k), "unknown field", 3) end
  end
  if kind == "file" then
    if type(s.file) ~= "string" or s.file == "" or s.file:find("[%z\n]") then
      bad(where .. ".file", "a path expected", 3)
    end
    if s.from ~= nil and s.from ~= "end" and s.from ~= "start" then
      bad(where .. ".from", '"end" or "start" expected', 3)
    end
    if s.gzip ~= nil and type(s.gzip) ~= "boolean" then bad(where .. ".gzip", "boolean expected", 3) end
  elseif kind == "stdin" then
    if s.stdin ~= true then bad(where .. ".stdin", "true expected", 3) end
  else
    if type(s.udp) ~= "string" then bad(where .. ".udp", "an address expected", 3) end
    if type(s.port) ~= "number" or s.port % 1 ~= 0 or s.port < 0 or s.port > 65535 then
      bad(where .. ".port", "a port number expected", 3)
    end
  end
  return kind
end

-- The offsets of a state file: path -> {dev, ino, offset}, and its text.
local function read_state(path)
  local t = {}
  local f = path and io.open(path, "rb")
  if not f then return t end
  local s = f:read(1048576) or ""
  f:close()
  if s:sub(1, 17) ~= "gwkit-logwatch 1\n" then return t end
  for dev, ino, off, p in s:gmatch("file\t(%d+)\t(%d+)\t(%d+)\t([^\n]+)\n") do
    t[p] = { dev = tonumber(dev), ino = tonumber(ino), offset = tonumber(off) }
  end
  return t, s
end

-- Creates a watcher. Raises on a bad option; returns nil, message, info
-- when a UDP socket cannot be bound.
function M.new(opts)
  if type(opts) ~= "table" then error("logwatch: options table expected", 2) end
  local known = { sources = true, max_line = true, state_file = true, state_interval = true,
                  interval = true, grace = true, now = true }
  for k in pairs(opts) do
    if not known[k] then bad(tostring(k), "unknown field", 2) end
  end
  if type(opts.sources) ~= "table" or #opts.sources == 0 or #opts.sources > MAX_SOURCES then
    bad("sources", "a list of 1.." .. MAX_SOURCES .. " sources expected", 2)
  end
  local max_line = opts.max_line or 8192
  if type(max_line) ~= "number" or max_line % 1 ~= 0 or max_line < 16 or max_line > MAX_LINE then
    bad("max_line", "an integer 16.." .. MAX_LINE .. " expected", 2)
  end
  for _, k in ipairs({ "state_interval", "interval", "grace" }) do
    if opts[k] ~= nil and (type(opts[k]) ~= "number" or opts[k] < 0) then
      bad(k, "seconds expected", 2)
    end
  end
  if opts.state_file ~= nil and type(opts.state_file) ~= "string" then
    bad("state_file", "a path expected", 2)
  end
  local w = setmetatable({ max_line = max_line, state_file = opts.state_file,
    state_interval = opts.state_interval or 60, interval = opts.interval or 1,
    grace = opts.grace or 5, now = opts.now or os.time, sources = {}, errors = {},
    saved_text = nil, saved_at = nil }, W)
  local state
  state, w.saved_text = read_state(opts.state_file)
  for i, s in ipairs(opts.sources) do
    local kind = check_source(s, i)
    local src = { kind = kind, sp = logfile.splitter(max_line) }
    if kind == "file" then
      src.path, src.from = s.file, s.from or "end"
      src.gzip = s.gzip
      if src.gzip == nil then src.gzip = s.file:match("%.gz$") ~= nil end
      src.name = "file:" .. s.file
      src.saved = state[s.file]
    elseif kind == "stdin" then
      src.name, src.fd = "stdin", 0
    else
      local u, err, info = core.udp_bind(s.udp, s.port)
      if not u then
        w:close()
        return nil, ("logwatch: udp %s port %d: %s"):format(s.udp, s.port, tostring(err)), info
      end
      src.udp, src.fd = u, u:fd()
      src.name = ("udp:%s:%d"):format(s.udp, s.port)
    end
    w.sources[i] = src
    if kind == "file" and not src.gzip then
      -- Opened now, so that "end" is the end at this moment; a file that
      -- does not exist yet is read from its start when it appears.
      local st = core.stat(src.path)
      if st and st.kind == "file" then src.h = logfile.open(w, src, st, true) end
      src.opened = true
    end
  end
  return w
end

-- Entry for a line; `out` is an array or a function.
function W:_push(out, src, line, truncated, peer)
  local parsed = core.log_parse(line)
  local e = { line = line, source = peer and ("udp:" .. peer) or src.name, at = self.now(),
              parsed = parsed, truncated = truncated or false }
  if type(out) == "function" then out(e) else out[#out + 1] = e end
end

-- emit(line, truncated) for the splitter of a source.
function W:_emitter(out, src)
  return function(line, truncated) self:_push(out, src, line, truncated) end
end

local function read_stdin_fd(w, out, src, limit)
  local emit, total = w:_emitter(out, src), 0
  while total < limit do
    local data, err = core.fd_read(0, CHUNK)
    if data == "" then
      logfile.finish(src.sp, emit)
      src.eof = true
      return false
    end
    if not data then
      if err ~= "again" then
        -- A closed or unreadable fd 0 stays "ready": stop watching it.
        w.errors[src.name] = "logwatch: stdin: " .. tostring(err)
        src.eof = true
      end
      return false
    end
    total = total + #data
    logfile.feed(src.sp, data, emit)
  end
  return true
end

local function read_udp(w, out, src)
  for _ = 1, MAX_DATAGRAMS do
    local data, peer, _, truncated = src.udp:recv()
    if not data then
      if peer ~= "again" then w.errors[src.name] = "logwatch: " .. src.name .. ": " .. tostring(peer) end
      return false
    end
    -- One message per datagram; a trailing newline (or NUL) is not part of it.
    data = data:gsub("[\r\n%z]+$", "")
    if data ~= "" then
      local cut = truncated and true or false
      if #data > w.max_line then data, cut = data:sub(1, w.max_line), true end
      w:_push(out, src, data, cut, peer)
    end
  end
  return true
end

-- File descriptors to watch in an outer poll (UDP sockets, stdin until EOF).
function W:fds()
  local t = {}
  for _, src in ipairs(self.sources) do
    if src.fd and not src.eof and not src.closed then t[#t + 1] = src.fd end
  end
  return t
end

function W:_files(out)
  local more = false
  for _, src in ipairs(self.sources) do
    if src.kind == "file" then more = logfile.poll(self, out, src, MAX_POLL_BYTES) or more end
  end
  return more
end

-- Waits up to `timeout` seconds (default 0) for lines; returns the entries
-- read (an empty array when none came).
function W:poll(timeout)
  timeout = timeout or 0
  if type(timeout) ~= "number" or timeout < 0 then error("logwatch: poll: timeout must be seconds", 2) end
  local out = {}
  local deadline = core.monotime() + timeout
  local rounds = math.floor(timeout / math.max(self.interval, 0.01)) + 2
  for _ = 1, rounds do
    local more = self:_files(out)
    local now = core.monotime()
    local wait = 0
    if #out == 0 and not more then wait = math.max(0, math.min(deadline - now, self.interval)) end
    local fds = self:fds()
    if #fds > 0 or wait > 0 then
      local ready, perr = core.poll(fds, wait)
      if not ready then
        self.errors.poll = "logwatch: " .. tostring(perr)
        core.sleep(wait)
        ready = {}
      elseif perr == "interrupted" then
        break                           -- a handled signal: the caller decides
      end
      local is_ready = {}
      for _, fd in ipairs(ready) do is_ready[fd] = true end
      for _, src in ipairs(self.sources) do
        if src.fd and is_ready[src.fd] then
          if src.kind == "udp" then read_udp(self, out, src)
          else read_stdin_fd(self, out, src, MAX_POLL_BYTES) end
        end
      end
    end
    if #out > 0 or core.monotime() >= deadline then break end
  end
  self:_save(false)
  return out
end

-- One pass over every file from its current offset to its end (gzip files
-- whole), and standard input to EOF, without waiting. With a function,
-- each entry is handed to it as it is read; otherwise they are returned as
-- an array. The unterminated last line of a file is held back when a state
-- file is kept (it may be completed later), else returned. Second result:
-- the problems met (a list of messages, empty when none).
function W:read_all(fn)
  local out = fn or {}
  for _, src in ipairs(self.sources) do
    if src.kind == "file" then
      local st = not src.gzip and core.stat(src.path)
      local budget = (st and st.size or 0) + MAX_POLL_BYTES
      for _ = 1, math.floor(budget / MAX_POLL_BYTES) + 1 do
        if not logfile.poll(self, out, src, MAX_POLL_BYTES) then break end
      end
      if not self.state_file and src.h then logfile.finish(src.h.sp, self:_emitter(out, src)) end
    elseif src.kind == "stdin" and not src.eof then
      local emit = self:_emitter(out, src)
      while true do
        local data = io.stdin:read(CHUNK)
        if not data then break end
        logfile.feed(src.sp, data, emit)
      end
      logfile.finish(src.sp, emit)
      src.eof = true
    elseif src.kind == "udp" then
      read_udp(self, out, src)
    end
  end
  self:_save(true)
  local errs = {}
  for _, m in pairs(self.errors) do errs[#errs + 1] = m end
  table.sort(errs)
  if fn then return true, errs end
  return out, errs
end

-- Problems met so far ({} when none): unreadable or missing files, gzip
-- failures, socket errors.
function W:problems()
  local errs = {}
  for _, m in pairs(self.errors) do errs[#errs + 1] = m end
  table.sort(errs)
  return errs
end

function W:_state_text()
  local lines = { "gwkit-logwatch 1" }
  for _, src in ipairs(self.sources) do
    local h = src.h
    if h and not src.gzip then
      -- The offset of the first byte not yet part of an entry.
      local off = h.sp.dropping and h.pos or (h.pos - h.sp.len)
      lines[#lines + 1] = ("file\t%.0f\t%.0f\t%.0f\t%s"):format(h.dev, h.ino, off, src.path)
    elseif src.saved and not src.gzip then
      local s = src.saved
      lines[#lines + 1] = ("file\t%.0f\t%.0f\t%.0f\t%s"):format(s.dev, s.ino, s.offset, src.path)
    end
  end
  return table.concat(lines, "\n") .. "\n"
end

-- Writes the state file when it changed (force: now; else at most every
-- state_interval seconds). Returns true, or nil, message.
function W:_save(force)
  if not self.state_file then return true end
  local text = self:_state_text()
  if text == self.saved_text then return true end
  local now = core.monotime()
  if not force and self.saved_at and now - self.saved_at < self.state_interval then return true end
  local ok, err = core.write_atomic(self.state_file, text)
  if not ok then return nil, "logwatch: state file: " .. tostring(err) end
  self.saved_text, self.saved_at = text, now
  return true
end

function W:save() return self:_save(true) end

-- The local {host, port} of each UDP source, in source order (port 0 in
-- the options: the port the system chose).
function W:udp_addresses()
  local t = {}
  for _, src in ipairs(self.sources) do
    if src.udp and not src.closed then
      local host, port = src.udp:sockname()
      t[#t + 1] = { host = host, port = port }
    end
  end
  return t
end

-- Per source: {source=, offset=, inode=, error=} (for status pages and tests).
function W:status()
  local t = {}
  for _, src in ipairs(self.sources) do
    local h = src.h
    t[#t + 1] = { source = src.name, offset = h and h.pos, inode = h and h.ino,
                  rotated = src.old ~= nil, error = self.errors[src.name] }
  end
  return t
end

-- Saves the state and releases files and sockets. Idempotent.
function W:close()
  if self.closed then return end
  self:_save(true)
  for _, src in ipairs(self.sources or {}) do
    logfile.close(src.h)
    logfile.close(src.old)
    if src.udp then src.udp:close() end
    src.closed = true
  end
  self.closed = true
end

M._split = { new = logfile.splitter, feed = logfile.feed, finish = logfile.finish }
return M
