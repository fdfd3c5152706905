-- gwkit.config.lines: where a field of a configuration file is written.
-- Lua 5.1 keeps no line numbers for table fields, so the line is found in
-- the source text: a lexer for the tokens that matter (names, strings,
-- numbers, punctuation, block keywords; comments skipped), the table
-- constructors built from them, and the field's path followed from the
-- constructor the chunk returns, through plain names to the constructor
-- assigned to them ("local backup = {"). Pure: text in, a line out.
--
--   local lines = require "gwkit.config.lines"
--   lines.line_of(src, { "outbox", "routes", 2, "smtp", "port" })  --> 14 | nil

local M = {}

local type, ipairs, tonumber, pcall, select = type, ipairs, tonumber, pcall, select
local find, sub, concat = string.find, string.sub, table.concat

local function long_bracket(src, i)
  -- at src[i] == "[": returns the level and the end of the opening, or nil
  local eq = select(3, find(src, "^%[(=*)%[", i))
  if not eq then return nil end
  return #eq, i + #eq + 2
end

-- Tokens: {t = "name"|"string"|"number"|"op", v = text, line = n}
local function lex(src)
  local toks, i, line, n = {}, 1, 1, #src
  local function count_lines(a, b)
    local _, c = sub(src, a, b):gsub("\n", "")
    line = line + c
  end
  for _ = 1, n + 1 do
    if i > n then break end
    local c = sub(src, i, i)
    if c == "\n" then
      line = line + 1
      i = i + 1
    elseif find(c, "%s") then
      i = i + 1
    elseif sub(src, i, i + 1) == "--" then
      local level, open_end = long_bracket(src, i + 2)
      if level then
        local close = "]" .. string.rep("=", level) .. "]"
        local e = find(src, close, open_end, true) or n
        count_lines(i, e)
        i = e + #close
      else
        local e = find(src, "\n", i, true) or n + 1
        i = e
      end
    elseif c == "[" and long_bracket(src, i) then
      local level, open_end = long_bracket(src, i)
      local close = "]" .. string.rep("=", level) .. "]"
      local e = find(src, close, open_end, true) or n
      toks[#toks + 1] = { t = "string", v = sub(src, open_end, e - 1), line = line }
      count_lines(i, e)
      i = e + #close
    elseif c == '"' or c == "'" then
      local j, buf = i + 1, {}
      while j <= n do
        local d = sub(src, j, j)
        if d == "\\" then
          buf[#buf + 1] = sub(src, j + 1, j + 1)
          if sub(src, j + 1, j + 1) == "\n" then line = line + 1 end
          j = j + 2
        elseif d == c or d == "\n" then
          break
        else
          buf[#buf + 1] = d
          j = j + 1
        end
      end
      toks[#toks + 1] = { t = "string", v = concat(buf), line = line }
      i = j + 1
    elseif find(c, "[%a_]") then
      local _, e = find(src, "^[%w_]+", i)
      toks[#toks + 1] = { t = "name", v = sub(src, i, e), line = line }
      i = e + 1
    elseif find(c, "%d") or (c == "." and find(sub(src, i + 1, i + 1), "%d")) then
      local _, e = find(src, "^[%w%.]+", i)
      if find(sub(src, e, e), "[eE]") and find(sub(src, e + 1, e + 1), "[%+%-]") then
        _, e = find(src, "^[%w%.]+", e + 2)
        e = e or i
      end
      toks[#toks + 1] = { t = "number", v = sub(src, i, e), line = line }
      i = e + 1
    else
      local three, two = sub(src, i, i + 2), sub(src, i, i + 1)
      local op = (three == "..." and three) or
        ((two == "==" or two == "~=" or two == "<=" or two == ">=" or two == "..") and two) or c
      toks[#toks + 1] = { t = "op", v = op, line = line }
      i = i + #op
    end
  end
  return toks
end

-- Table constructors: node = {line = n, keys = {name -> entry},
-- items = {i -> entry}}, entry = {line = n, node = constructor | nil,
-- ref = "name" when the value is a plain name}. Returns the constructor the
-- chunk returns (or nil), every constructor, and those assigned to a name
-- ("local box = {").
local OPENERS = { ["function"] = true, ["do"] = true, ["if"] = true, ["repeat"] = true }
local CLOSERS = { ["end"] = true, ["until"] = true }

local function constructors(toks)
  local all, assigned, root, root_name = {}, {}, nil, nil
  local pos = 1

  local parse_table
  -- Skips one expression inside a constructor, up to a "," ";" or "}" at
  -- this level; notes a constructor or a plain name as the value.
  local function skip_value(entry)
    local depth, blocks, count = 0, 0, 0
    while pos <= #toks do
      local tk = toks[pos]
      if tk.t == "op" and (tk.v == "," or tk.v == ";" or tk.v == "}")
          and depth <= 0 and blocks <= 0 then
        break
      end
      count = count + 1
      if tk.t == "op" and tk.v == "{" then
        local node = parse_table()
        if count == 1 then entry.node = node end
      else
        if tk.t == "op" and (tk.v == "(" or tk.v == "[") then depth = depth + 1 end
        if tk.t == "op" and (tk.v == ")" or tk.v == "]") then depth = depth - 1 end
        if tk.t == "name" and OPENERS[tk.v] then blocks = blocks + 1 end
        if tk.t == "name" and CLOSERS[tk.v] then blocks = blocks - 1 end
        if count == 1 and tk.t == "name" then entry.ref = tk.v end
        pos = pos + 1
      end
    end
    if count ~= 1 then entry.ref = nil end
  end

  parse_table = function()
    local node = { line = toks[pos].line, keys = {}, items = {} }
    all[#all + 1] = node
    pos = pos + 1                       -- "{"
    local n = 0
    while pos <= #toks do
      local tk = toks[pos]
      if tk.t == "op" and tk.v == "}" then
        pos = pos + 1
        return node
      end
      local nx, nx3 = toks[pos + 1], toks[pos + 3]
      local entry = { line = tk.line }
      if tk.t == "name" and nx and nx.t == "op" and nx.v == "=" then
        node.keys[tk.v] = entry
        pos = pos + 2
      elseif tk.t == "op" and tk.v == "[" and nx and (nx.t == "string" or nx.t == "number")
          and toks[pos + 2] and toks[pos + 2].v == "]" and nx3 and nx3.v == "=" then
        local key = nx.t == "number" and tonumber(nx.v) or nx.v
        if type(key) == "number" then node.items[key] = entry else node.keys[key] = entry end
        pos = pos + 4
      else
        n = n + 1
        node.items[n] = entry
      end
      local before = pos
      skip_value(entry)
      local sep = toks[pos]
      if sep and sep.t == "op" and (sep.v == "," or sep.v == ";") then pos = pos + 1 end
      if pos == before then pos = pos + 1 end       -- never stuck on a stray token
    end
    return node
  end

  local blocks = 0
  while pos <= #toks do
    local tk = toks[pos]
    if tk.t == "op" and tk.v == "{" then
      local p1, p2 = toks[pos - 1], toks[pos - 2]
      local node = parse_table()
      if p1 and p1.v == "=" and p2 and p2.t == "name" then assigned[p2.v] = node end
      if p1 and p1.v == "return" and blocks == 0 then root = node end
    else
      if tk.t == "name" and OPENERS[tk.v] then blocks = blocks + 1 end
      if tk.t == "name" and CLOSERS[tk.v] then blocks = blocks - 1 end
      if tk.t == "name" and tk.v == "return" and blocks == 0 then
        local nx, nx2 = toks[pos + 1], toks[pos + 2]
        if nx and nx.t == "name" and not (nx2 and nx2.t == "op" and nx2.v ~= ";") then
          root_name = nx.v
        end
      end
      pos = pos + 1
    end
  end
  if not root and root_name then root = assigned[root_name] end
  return root, all, assigned
end

-- Follows path from a constructor, through plain names to the constructor
-- assigned to them. Returns the line of the last step, or nil.
local function walk(node, path, assigned)
  local line
  for i, k in ipairs(path) do
    if not node then return nil end
    local e = type(k) == "number" and node.items[k] or node.keys[k]
    if not e then return nil end
    line = e.line
    if i < #path then node = e.node or (e.ref and assigned[e.ref]) end
  end
  return line
end

--- The line where the field at `path` is written in `src`, or nil.
function M.line_of(src, path)
  if #path == 0 then return nil end
  local ok, toks = pcall(lex, src)
  if not ok then return nil end
  local ok2, root, all, assigned = pcall(constructors, toks)
  if not ok2 then return nil end
  if root then return walk(root, path, assigned) end
  for _, node in ipairs(all) do
    local line = walk(node, path, assigned)
    if line then return line end
  end
  return nil
end

return M
