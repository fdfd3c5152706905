-- gwkit.logfile: the parts of gwkit.logwatch that read files: a line
-- splitter that never keeps more than max bytes of a line, and one look at
-- a followed file (rotation: the old file is read to its end and kept open
-- for a late writer; truncation: read again from 0; gzip: read once,
-- through gzip -dc). `w` is the watcher (its errors, max_line, grace and
-- w:_emitter(out, src)); `src` a file source of it.
local core = require "gwkit.core"

local M = {}

local CHUNK = 65536                 -- bytes per read

local function shell_quote(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

-- Splits a byte stream into lines, each at most max bytes.
function M.splitter(max)
  return { parts = {}, len = 0, dropping = false, max = max }
end

local function split_reset(sp)
  sp.parts, sp.len, sp.dropping = {}, 0, false
end

-- Feeds data; calls emit(line, truncated) for every line completed.
function M.feed(sp, data, emit)
  local pos, n = 1, #data
  while pos <= n do
    local nl = data:find("\n", pos, true)
    local stop = (nl or n + 1) - 1
    if sp.dropping then
      if nl then sp.dropping = false end
    else
      local room = sp.max - sp.len
      if stop - pos + 1 > room then
        if room > 0 then sp.parts[#sp.parts + 1] = data:sub(pos, pos + room - 1) end
        local line = table.concat(sp.parts)
        split_reset(sp)
        sp.dropping = not nl
        emit(line, true)
      else
        if stop >= pos then
          sp.parts[#sp.parts + 1] = data:sub(pos, stop)
          sp.len = sp.len + stop - pos + 1
        end
        if nl then
          local line = table.concat(sp.parts)
          split_reset(sp)
          if line:sub(-1) == "\r" then line = line:sub(1, -2) end
          emit(line, false)
        end
      end
    end
    if not nl then break end
    pos = nl + 1
  end
end

-- The line kept so far without its newline (at EOF of a finished stream).
function M.finish(sp, emit)
  if sp.len > 0 then
    local line = table.concat(sp.parts)
    split_reset(sp)
    emit(line, false)
  end
  sp.dropping = false
end

-- Reads from a file handle at pos, at most `limit` bytes; returns the new
-- position and whether the limit stopped it (more may be there).
local function read_file(w, out, src, h, limit)
  local emit = w:_emitter(out, src)
  h.fh:seek("set", h.pos)
  local total = 0
  while total < limit do
    local data = h.fh:read(math.min(CHUNK, limit - total))
    if not data or data == "" then return false end
    total = total + #data
    h.pos = h.pos + #data
    M.feed(h.sp, data, emit)
  end
  return true
end

function M.close(h)
  if h and h.fh then pcall(h.fh.close, h.fh) end
  if h then h.fh = nil end
end

-- Opens the file of src at its current name. `first`: the first open of
-- this run (from = "end" and the state file apply).
function M.open(w, src, st, first)
  local fh, err = io.open(src.path, "rb")
  if not fh then
    w.errors[src.name] = "logwatch: " .. tostring(err)
    return nil
  end
  w.errors[src.name] = nil
  local h = { fh = fh, pos = 0, dev = st.dev, ino = st.ino, sp = M.splitter(w.max_line) }
  local saved = first and src.saved
  if saved and saved.dev == st.dev and saved.ino == st.ino and saved.offset <= st.size then
    h.pos = saved.offset
  elseif first and src.from == "end" and not saved then
    h.pos = st.size
  end
  if h.pos > 0 then
    -- Starting inside the file: skip to the start of the next line.
    fh:seek("set", h.pos - 1)
    if fh:read(1) ~= "\n" then h.sp.dropping = true end
  end
  return h
end

local function gzip_open(w, src)
  local status = os.tmpname()
  local cmd = ("{ gzip -dc -- %s 2>/dev/null; echo $? > %s; }"):format(shell_quote(src.path),
    shell_quote(status))
  local fh = io.popen(cmd, "r")
  if not fh then
    os.remove(status)
    w.errors[src.name] = "logwatch: cannot run gzip"
    return nil
  end
  return { fh = fh, status = status, sp = M.splitter(w.max_line) }
end

-- A gzip file, once, from its start (never followed).
local function poll_gzip(w, out, src, limit)
  if src.done then return false end
  if not src.h then
    src.h = gzip_open(w, src)
    if not src.h then src.done = true; return false end
  end
  local h, emit, total = src.h, w:_emitter(out, src), 0
  while total < limit do
    local data = h.fh:read(CHUNK)
    if not data then
      M.finish(h.sp, emit)
      h.fh:close()
      local f = io.open(h.status, "rb")
      local rc = f and tonumber(f:read("*l") or "")
      if f then f:close() end
      os.remove(h.status)
      if rc ~= 0 then
        w.errors[src.name] = ("logwatch: %s: gzip failed (status %s)"):format(src.path,
          tostring(rc))
      end
      src.done, src.h = true, nil
      return false
    end
    total = total + #data
    M.feed(h.sp, data, emit)
  end
  return true
end

-- One look at a followed file: rotation, truncation, new data.
function M.poll(w, out, src, limit)
  if src.gzip then return poll_gzip(w, out, src, limit) end
  local more = false
  local st = core.stat(src.path)
  if st and st.kind ~= "file" then st = nil end
  local h = src.h
  if h and (not st or st.dev ~= h.dev or st.ino ~= h.ino) then
    -- Rotated (or removed): finish the old file; it stays open for a
    -- writer that has not reopened yet.
    more = read_file(w, out, src, h, limit)
    if st then
      if src.old then
        M.finish(src.old.sp, w:_emitter(out, src))
        M.close(src.old)
      end
      src.old, src.h, h = h, nil, nil
      src.old.until_ = core.monotime() + w.grace
      src.old.last = src.old.pos
    end
  end
  if src.old and src.old ~= h then
    local o = src.old
    more = read_file(w, out, src, o, limit) or more
    if o.pos ~= o.last then
      o.last, o.until_ = o.pos, core.monotime() + w.grace
    elseif core.monotime() >= o.until_ then
      M.finish(o.sp, w:_emitter(out, src))
      M.close(o)
      src.old = nil
    end
  end
  if not st then
    if not src.h and not src.old then w.errors[src.name] = "logwatch: " .. src.path .. ": missing" end
    return more
  end
  if not h then
    h = M.open(w, src, st, not src.opened)
    if not h then return more end
    src.opened, src.h = true, h
  end
  if st.size < h.pos then
    -- Truncated: what was kept of a line is a line; start again at 0.
    M.finish(h.sp, w:_emitter(out, src))
    h.pos = 0
  end
  if st.size > h.pos then more = read_file(w, out, src, h, limit) or more end
  return more
end

return M
