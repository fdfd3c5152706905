-- gwkit.config: configuration files that are Lua tables, checked on load
-- against a small declarative schema, with errors that name the file, the
-- line and the field:
--
--   config: /etc/gwkit/gwkitd.conf:14: field 'outbox.routes[2].smtp.port':
--   expected a number, got string
--
--   local config = require "gwkit.config"
--   local conf, err = config.load("/etc/gwkit/gwkitd.conf", SCHEMA)
--   local value, err = config.check(t, SCHEMA [, "name"])   -- no file
--   local t2 = config.copy(t)                                -- a deep copy
--
-- The file is a Lua chunk that returns a table. It runs in an empty
-- environment: string, math, table, pairs, ipairs, next, select, type,
-- unpack, tostring, tonumber, error, assert and os.getenv (a password can
-- come from the environment); no io, no os.execute, no require. Its run is
-- bounded (CONFIG_MAX_INSTRUCTIONS), and so is its size.
--
-- A schema node is a table:
--   type      "string" | "number" | "integer" | "boolean" | "table" |
--             "array" | "function" | "any", or a list of these
--   required  true: the field must be there
--   default   the value when the field is absent (tables are copied)
--   enum      a list of the allowed values
--   min, max  bounds of a number (or of an array's length)
--   pattern   a Lua pattern a string must match (anchor it yourself);
--             hint: the words for the error ("an HH:MM time")
--   fields    for a table: name -> node; other names are errors unless
--             open = true
--   of        for an array: the node of every element
--   map       for a table with any string keys: the node of every value
--   check     function(value) -> true | nil, message: a last check
--
-- Lua 5.1 keeps no line numbers for table fields, so the line is found in
-- the source text (gwkit.config.lines): a small lexer reads the table
-- constructors of the file and follows the field's path from the one the
-- file returns, also through tables built in locals; when the path cannot
-- be followed, the error names the field without a line.

local lines = require "gwkit.config.lines"

local M = {}

--- config.line_of(src, path) -> the line where the field is written, or nil
M.line_of = lines.line_of

local MAX_BYTES = 1024 * 1024           -- a larger configuration file is refused
local MAX_INSTRUCTIONS = 10 * 1000000   -- work a configuration chunk may do
local HOOK_EVERY = 100000

local type, pairs, ipairs, tostring, tonumber, error, pcall, select =
  type, pairs, ipairs, tostring, tonumber, error, pcall, select
local format, find, sub, byte = string.format, string.find, string.sub, string.byte
local concat, sort = table.concat, table.sort

------------------------------------------------------------------------
-- Paths: {"outbox", "routes", 2, "smtp", "port"} -> outbox.routes[2].smtp.port

local function path_string(path)
  local out = {}
  for i, k in ipairs(path) do
    if type(k) == "number" then
      out[#out + 1] = "[" .. k .. "]"
    elseif type(k) == "string" and find(k, "^[%a_][%w_]*$") then
      out[#out + 1] = (i > 1 and "." or "") .. k
    else
      out[#out + 1] = format("[%q]", tostring(k))
    end
  end
  return concat(out)
end
M.path_string = path_string

------------------------------------------------------------------------
-- Checking a value against a schema node.

local TYPE_WORDS = {
  string = "a string", number = "a number", integer = "an integer", boolean = "a boolean",
  table = "a table", array = "a list", ["function"] = "a function", any = "a value",
}

-- A deep copy of plain data (tables copied key by key, metatables not).
local function copy(v)
  if type(v) ~= "table" then return v end
  local t = {}
  for k, x in pairs(v) do t[k] = copy(x) end
  return t
end
M.copy = copy

local function is_array(t)
  local n = 0
  for k in pairs(t) do
    if type(k) ~= "number" or k < 1 or k % 1 ~= 0 then return false, k end
    n = n + 1
  end
  for i = 1, n do
    if t[i] == nil then return false, i end
  end
  return true
end

local function type_ok(want, v)
  local tv = type(v)
  if want == "any" then return true end
  if want == "integer" then return tv == "number" and v % 1 == 0 and v == v end
  if want == "array" then return tv == "table" and (is_array(v)) end
  return tv == want
end

local function want_words(want)
  if type(want) == "table" then
    local w = {}
    for i, t in ipairs(want) do w[i] = TYPE_WORDS[t] or t end
    return concat(w, " or ")
  end
  return TYPE_WORDS[want] or want
end

local function got_words(want, v)
  local tv = type(v)
  if tv == "number" and want == "integer" then return "a fraction" end
  if tv == "table" and (want == "array" or (type(want) == "table")) then
    local _, bad = is_array(v)
    if bad ~= nil then return format("a table with the key %s", format("%q", tostring(bad))) end
  end
  return tv
end

-- A value shown in an error: only for enum fields (never a password).
local function shown(v)
  local s = tostring(v)
  if #s > 40 then s = sub(s, 1, 40) .. "..." end
  return type(v) == "string" and format("%q", s) or s
end

local check_node

local function fail(path, msg) return nil, { path = path, msg = msg } end

local function extend(path, k)
  local p = {}
  for i, x in ipairs(path) do p[i] = x end
  p[#p + 1] = k
  return p
end

local function check_fields(node, v, path)
  local out = {}
  if node.fields then
    local names = {}
    for name in pairs(node.fields) do names[#names + 1] = name end
    sort(names)
    for _, name in ipairs(names) do
      local r, err = check_node(node.fields[name], v[name], extend(path, name))
      if err then return nil, err end
      out[name] = r
    end
  end
  local unknown = {}
  for k, x in pairs(v) do
    if not (node.fields and node.fields[k] ~= nil) then
      if node.map then
        if type(k) ~= "string" then
          return fail(extend(path, k), "expected a name (string key), got " .. type(k))
        end
        unknown[#unknown + 1] = k
      elseif node.open then
        out[k] = x
      else
        local known = {}
        for name in pairs(node.fields or {}) do known[#known + 1] = name end
        sort(known)
        return fail(extend(path, k), "unknown field" ..
          (#known > 0 and " (known: " .. concat(known, ", ") .. ")" or ""))
      end
    end
  end
  sort(unknown)
  for _, k in ipairs(unknown) do
    local r, err = check_node(node.map, v[k], extend(path, k))
    if err then return nil, err end
    out[k] = r
  end
  return out
end

check_node = function(node, v, path)
  if v == nil then
    if node.required then return fail(path, "missing (required)") end
    if node.default == nil then return nil end
    v = copy(node.default)
  end
  local want = node.type or (node.fields and "table") or (node.of and "array") or "any"
  local ok = false
  if type(want) == "table" then
    for _, w in ipairs(want) do
      if type_ok(w, v) then ok = true break end
    end
  else
    ok = type_ok(want, v)
  end
  if not ok then
    return fail(path, format("expected %s, got %s", want_words(want), got_words(want, v)))
  end
  if node.enum then
    local found = false
    for _, e in ipairs(node.enum) do
      if e == v then found = true break end
    end
    if not found then
      local list = {}
      for i, e in ipairs(node.enum) do list[i] = shown(e) end
      return fail(path, format("expected one of %s, got %s", concat(list, ", "), shown(v)))
    end
  end
  if type(v) == "number" then
    if v ~= v then return fail(path, "expected a number, got nan") end
    if node.min and v < node.min then return fail(path, format("must be >= %s, got %s", node.min, v)) end
    if node.max and v > node.max then return fail(path, format("must be <= %s, got %s", node.max, v)) end
  end
  if type(v) == "string" and node.pattern and not find(v, node.pattern) then
    return fail(path, "expected " .. (node.hint or ("a string matching " .. node.pattern)))
  end
  local result = v
  if type(v) == "table" then
    if node.of and type_ok("array", v) then
      if node.min and #v < node.min then
        return fail(path, format("expected at least %d item(s), got %d", node.min, #v))
      end
      if node.max and #v > node.max then
        return fail(path, format("expected at most %d item(s), got %d", node.max, #v))
      end
      result = {}
      for i = 1, #v do
        local r, err = check_node(node.of, v[i], extend(path, i))
        if err then return nil, err end
        result[i] = r
      end
    elseif node.fields or node.map or node.open == false then
      local r, err = check_fields(node, v, path)
      if err then return nil, err end
      result = r
    end
  end
  if node.check then
    local cok, msg = node.check(result)
    if not cok then return fail(path, msg or "invalid value") end
  end
  return result
end

local function describe_error(err, prefix)
  if #err.path == 0 then return prefix .. err.msg end
  return prefix .. format("field '%s': %s", path_string(err.path), err.msg)
end

--- config.check(value, schema [, name]) -> checked value (defaults filled
-- in, a new table) | nil, "config: NAME: field 'a.b': message", path.
function M.check(value, schema, name)
  if type(schema) ~= "table" then error("config.check: schema table expected", 2) end
  local node = schema
  if node.type == nil and node.fields == nil and node.of == nil and node.map == nil then
    node = { type = "table", fields = {} }
  end
  local r, err = check_node(node, value, {})
  if err then
    return nil, describe_error(err, "config: " .. (name and name .. ": " or "")), err.path
  end
  return r
end

------------------------------------------------------------------------
-- Loading.

local function sandbox()
  local function lib(t)
    local c = {}
    for k, v in pairs(t) do c[k] = v end
    return c
  end
  return {
    string = lib(string), math = lib(math), table = lib(table),
    os = { getenv = os.getenv },
    pairs = pairs, ipairs = ipairs, next = next, select = select, type = type,
    unpack = unpack, tostring = tostring, tonumber = tonumber, error = error,
    assert = assert,
  }
end

local function read_file(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  local src = f:read(MAX_BYTES + 1)
  f:close()
  return src or ""
end

-- Runs the chunk with an instruction budget. Returns ok, result.
local function run_bounded(chunk)
  local jit = rawget(_G, "jit")
  if jit and jit.off then jit.off(chunk, true) end   -- count hooks run in the interpreter
  local used = 0
  debug.sethook(function()
    used = used + HOOK_EVERY
    if used > MAX_INSTRUCTIONS then
      error("the configuration did too much work (an endless loop?)", 2)
    end
  end, "", HOOK_EVERY)
  local ok, r = pcall(chunk)
  debug.sethook()
  return ok, r
end

--- config.load(path, schema) -> table | nil, "config: FILE:LINE: field 'x': ..."
function M.load(path, schema)
  if type(path) ~= "string" then error("config.load: bad argument 'path' (string expected)", 2) end
  if type(schema) ~= "table" then error("config.load: bad argument 'schema' (table expected)", 2) end
  local src, rerr = read_file(path)
  if not src then return nil, "config: cannot read " .. tostring(rerr) end
  if #src > MAX_BYTES then
    return nil, format("config: %s: larger than %d bytes", path, MAX_BYTES)
  end
  if byte(src, 1) == 27 then return nil, format("config: %s: binary chunks are not accepted", path) end
  local text = src:gsub("^#[^\n]*", "")          -- a #! line, as lua(1) allows
  local chunk, serr = loadstring(text, "@" .. path)
  if not chunk then return nil, "config: " .. tostring(serr) end
  setfenv(chunk, sandbox())
  local ok, value = run_bounded(chunk)
  if not ok then
    local msg = tostring(value)
    if sub(msg, 1, #path + 1) ~= path .. ":" then msg = path .. ": " .. msg end
    return nil, "config: " .. msg
  end
  if type(value) ~= "table" then
    return nil, format("config: %s: the file must return a table, it returned %s", path,
      type(value) == "nil" and "nothing" or "a " .. type(value))
  end
  local r, err, epath = M.check(value, schema)
  if r then return r end
  local msg = err:gsub("^config: ", "")
  local line = M.line_of(src, epath)
  if not line and #epath > 1 then
    -- a missing field: the line of the table it is missing from
    local parent = {}
    for i = 1, #epath - 1 do parent[i] = epath[i] end
    if msg:find("missing %(required%)$") then line = M.line_of(src, parent) end
  end
  return nil, format("config: %s%s: %s", path, line and ":" .. line or "", msg)
end

--- config.error_at(file, path, msg) -> "config: FILE:LINE: field 'a.b': msg":
-- for checks made after load (the line found in the file as load does).
function M.error_at(file, path, msg)
  local src = read_file(file)
  local line = src and #path > 0 and M.line_of(src, path)
  local where = #path > 0 and format("field '%s': ", path_string(path)) or ""
  return format("config: %s%s: %s%s", file, line and ":" .. line or "", where, msg)
end

return M
