-- gwkit.config: Lua-table configuration files checked against a schema,
-- errors that name the file, the line and the field.
local config = require "gwkit.config"
local support = require "support"

local SCHEMA = { fields = {
  outbox = { required = true, fields = {
    dir = { type = "string", required = true },
    routes = { type = "array", required = true, min = 1, of = { fields = {
      smtp = { fields = {
        server = { type = "string", required = true },
        port = { type = "integer", min = 1, max = 65535 },
        tls = { type = "string", enum = { "starttls", "tls", "none" } },
        password = { type = "string" },
      } },
    } } },
    to = { type = { "string", "array" } },
    flush_every = { type = "number", min = 1, default = 60 },
  } },
  log = { default = { stderr = true }, fields = {
    stderr = { type = "boolean", default = true }, ident = { type = "string", default = "gwkitd" },
  } },
  headers = { map = { type = "string" } },
  extra = { type = "table", open = true, fields = { known = { type = "number" } } },
  at = { type = "string", pattern = "^%d%d:%d%d$", hint = "an HH:MM time" },
  even = { type = "number", check = function(v)
    if v % 2 == 0 then return true end
    return nil, "must be even"
  end },
} }

-- The smallest valid outbox section, and one route with extra fields.
local OUTBOX = 'outbox = { dir = "d", routes = { { smtp = { server = "s" } } } }'
local function route(fields)
  return 'return { outbox = { dir = "d", routes = { { smtp = { server = "s", ' .. fields .. ' } } } } }'
end

local dir = support.tmpdir("config")
local n = 0
local function file(text)
  n = n + 1
  local path = ("%s/c%d.conf"):format(dir, n)
  support.write(path, text)
  return path
end

local function load_text(text, schema)
  local path = file(text)
  local c, err = config.load(path, schema or SCHEMA)
  return c, err and err:gsub(path:gsub("%p", "%%%0"), "FILE"), path
end

describe("config.load", function()
  it("returns the table with defaults filled in", function()
    local c, err = load_text([[
return {
  outbox = {
    dir = "/var/spool/gwkit",
    routes = { { smtp = { server = "smtp.example.jp", port = 465, tls = "tls" } } },
    to = { "admin@example.jp" },
  },
  headers = { ["X-Router"] = "NVR510" },
  extra = { known = 1, anything = { 1, 2 } },
}]])
    assert.is_nil(err)
    assert.equal("/var/spool/gwkit", c.outbox.dir)
    assert.equal(60, c.outbox.flush_every)
    assert.same({ stderr = true, ident = "gwkitd" }, c.log)
    assert.equal("NVR510", c.headers["X-Router"])
    assert.same({ 1, 2 }, c.extra.anything)
  end)

  it("copies table defaults (two loads do not share them)", function()
    local text = 'return { outbox = { dir = "d", routes = { { smtp = { server = "s" } } } } }'
    local a = assert(load_text(text))
    local b = assert(load_text(text))
    a.log.ident = "changed"
    assert.equal("gwkitd", b.log.ident)
  end)

  it("gives the chunk string, math, table, os.getenv and nothing more", function()
    local c, err = load_text([[
local home = os.getenv("HOME")
return {
  outbox = { dir = string.format("%s/%s", "/tmp", string.rep("x", 3)), flush_every = math.max(5, 10),
             routes = { { smtp = { server = table.concat({ "smtp", "example", "jp" }, ".") } } } },
  log = { ident = type(home) == "string" and "has-home" or "no-home" },
}]])
    assert.is_nil(err)
    assert.equal("/tmp/xxx", c.outbox.dir)
    assert.equal(10, c.outbox.flush_every)
    assert.equal("smtp.example.jp", c.outbox.routes[1].smtp.server)
    for _, bad in ipairs({ 'os.execute("true")', 'io.open("/etc/passwd")', 'require "os"',
                           'dofile("/etc/passwd")', 'loadstring("x=1")', 'setmetatable({}, {})',
                           'getmetatable("").__index.rep = nil', 'rawset(_G, "x", 1)' }) do
      local r, e = load_text(bad .. "\nreturn {}")
      assert.is_nil(r)
      assert.matches("^config: FILE:1: attempt to ", e)
    end
  end)

  it("cannot change the real string library", function()
    assert.is_nil((load_text('string.format = nil\nreturn {}')))
    assert.equal("x", string.format("%s", "x"))
  end)

  it("accepts a #! line", function()
    local c = load_text("#!/usr/bin/env gwkitd\nreturn { " .. OUTBOX .. " }")
    assert.truthy(c)
  end)

  local cases = {
    { "a wrong type deep in an array", [[
return {
  outbox = {
    dir = "/var/spool/gwkit",
    routes = {
      { smtp = { server = "a", port = 465 } },
      { smtp = { server = "b",
                 port = "587" } },
    },
  },
}]], "config: FILE:7: field 'outbox.routes[2].smtp.port': expected an integer, got string" },
    { "a fraction for an integer", route("port = 2.5"),
      "config: FILE:1: field 'outbox.routes[1].smtp.port': expected an integer, got a fraction" },
    { "a number out of range",
      'return {\n outbox = { dir = "d", routes = { { smtp = { server = "s",\n port = 70000 } } } } }',
      "config: FILE:3: field 'outbox.routes[1].smtp.port': must be <= 65535, got 70000" },
    { "a value not in the enum", route('tls = "ssl"'),
      'config: FILE:1: field \'outbox.routes[1].smtp.tls\': expected one of "starttls", "tls", "none", got "ssl"' },
    { "an unknown field, with the known ones", "return {\n  " .. OUTBOX .. ",\n  lgo = {},\n}",
      "config: FILE:3: field 'lgo': unknown field (known: at, even, extra, headers, log, outbox)" },
    { "a missing required field: the line of its table",
      'return {\n  outbox = {\n    routes = { { smtp = { server = "s" } } },\n  },\n}',
      "config: FILE:2: field 'outbox.dir': missing (required)" },
    { "a missing required section: no line", "return {}", "config: FILE: field 'outbox': missing (required)" },
    { "an empty list", 'return { outbox = { dir = "d",\n routes = {} } }',
      "config: FILE:2: field 'outbox.routes': expected at least 1 item(s), got 0" },
    { "a table for a list", 'return { outbox = { dir = "d", routes = { x = 1 } } }',
      "config: FILE:1: field 'outbox.routes': expected a list, got a table with the key \"x\"" },
    { "a number for a string or a list",
      'return { outbox = { dir = "d", routes = { { smtp = { server = "s" } } },\n to = 5 } }',
      "config: FILE:2: field 'outbox.to': expected a string or a list, got number" },
    { "a map value of the wrong type", "return { " .. OUTBOX .. ',\n headers = {\n  ["X-Count"] = 5 } }',
      "config: FILE:3: field 'headers[\"X-Count\"]': expected a string, got number" },
    { "a pattern with a hint", "return { " .. OUTBOX .. ',\n at = "3 am" }',
      "config: FILE:2: field 'at': expected an HH:MM time" },
    { "a check function", "return { " .. OUTBOX .. ",\n even = 3 }",
      "config: FILE:2: field 'even': must be even" },
    { "NaN", "return { " .. OUTBOX .. ",\n even = 0/0 }",
      "config: FILE:2: field 'even': expected a number, got nan" },
  }
  for _, c in ipairs(cases) do
    it("names file, line and field: " .. c[1], function()
      local r, err = load_text(c[2])
      assert.is_nil(r)
      assert.equal(c[3], err)
    end)
  end

  it("finds the line through tables built in locals", function()
    local _, err = load_text([[
local primary = { smtp = { server = "a", port = 465 } }
local backup = {
  smtp = {
    server = "b",
    port = "x",
  },
}
return {
  outbox = { dir = "d", routes = { primary, backup } },
}]])
    assert.equal("config: FILE:5: field 'outbox.routes[2].smtp.port': expected an integer, got string", err)
    _, err = load_text([[
local t = {
  outbox = { dir = "d", routes = { { smtp = { server = "s" } } } },
  log = { stderr = "yes" },
}
return t]])
    assert.equal("config: FILE:3: field 'log.stderr': expected a boolean, got string", err)
  end)

  it("is not misled by keys in comments, strings and other tables", function()
    local _, err = load_text([==[
-- port = "this comment is not the field"
local note = "port = 1"
local other = { port = 2 }
--[[ outbox = { routes = { { smtp = { port = 3 } } } } ]]
return {
  extra = { port = 4, text = [[
port = 5
]] },
  outbox = {
    dir = "d",
    routes = { { smtp = { ["server"] = "s", ["port"] = false } } },
  },
}]==])
    assert.equal("config: FILE:11: field 'outbox.routes[1].smtp.port': expected an integer, got boolean", err)
  end)

  it("reports syntax errors with their line", function()
    local _, err = load_text('return {\n  outbox = {\n    dir = "d"\n    routes = {},\n  },\n}')
    assert.matches("^config: FILE:4: '}' expected %(to close '{' at line 2%) near 'routes'$", err)
  end)

  it("reports runtime errors with their line", function()
    local _, err = load_text('local x = nil\n\nreturn { outbox = x.y }')
    assert.matches("^config: FILE:3: attempt to index .*x", err)
    _, err = load_text('error("no password in $PW")')
    assert.equal("config: FILE:1: no password in $PW", err)
  end)

  it("stops an endless loop", function()
    local _, err = load_text("while true do end")
    assert.equal("config: FILE:1: the configuration did too much work (an endless loop?)", err)
  end)

  it("wants a table back", function()
    local _, err = load_text("return 5")
    assert.equal("config: FILE: the file must return a table, it returned a number", err)
    _, err = load_text("local x = 1")
    assert.equal("config: FILE: the file must return a table, it returned nothing", err)
  end)

  it("refuses binary chunks, huge files and missing files", function()
    local _, err = load_text(string.dump(function() return {} end))
    assert.equal("config: FILE: binary chunks are not accepted", err)
    _, err = load_text("return {}\n" .. string.rep("-- padding\n", 110000))
    assert.equal("config: FILE: larger than 1048576 bytes", err)
    local r, e = config.load(dir .. "/nope.conf", SCHEMA)
    assert.is_nil(r)
    assert.matches("^config: cannot read .*nope%.conf: No such file", e)
  end)

  it("never shows a value in a type error (a password stays out)", function()
    local _, err = load_text(route("password = 12345678"))
    assert.equal("config: FILE:1: field 'outbox.routes[1].smtp.password': expected a string, got number", err)
    assert.is_nil(err:find("12345678", 1, true))
  end)
end)

describe("config.check and config.error_at", function()
  it("checks a table without a file", function()
    local r, err, path = config.check({ buffer = "x" }, { fields = { buffer = { type = "integer" } } }, "rt.configure")
    assert.is_nil(r)
    assert.equal("config: rt.configure: field 'buffer': expected an integer, got string", err)
    assert.same({ "buffer" }, path)
    assert.same({ buffer = 3 }, config.check({ buffer = 3 }, { fields = { buffer = { type = "integer" } } }))
  end)

  it("names the line of a field for checks made after load", function()
    local path = file('return {\n  jobs = {\n    { name = "a" },\n    { name = "a" },\n  },\n}')
    assert.equal(("config: %s:4: field 'jobs[2].name': the name \"a\" is used twice"):format(path),
      config.error_at(path, { "jobs", 2, "name" }, 'the name "a" is used twice'))
  end)

  it("raises on misuse", function()
    assert.has_error(function() config.load(5, {}) end, "config.load: bad argument 'path' (string expected)")
    assert.has_error(function() config.load("x", nil) end, "config.load: bad argument 'schema' (table expected)")
  end)
end)
