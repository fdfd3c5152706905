-- make install: core.so, every Lua file of lua/gwkit and every script laid
-- out as Debian's Lua packages are, loadable from there alone; and with
-- LUAC=luac5.1, the Lua files as stripped bytecode that lua5.1 loads.
local support = require "support"

local BUILD = os.getenv("BUILD") or "build"
local LUA = os.getenv("GWKIT_LUA") or "lua5.1"
local SHARE, LIB, BIN = "/usr/share/lua/5.1", "/usr/lib/lua/5.1", "/usr/bin"

local function sh(cmd)
  local ok = os.execute(cmd)
  return ok == true or ok == 0
end

local function capture(cmd)
  local p = io.popen(cmd .. " 2>&1")
  local out = p:read("*a")
  p:close()
  return out
end

-- make install into dest (no sanitizer preload for make and install).
local function install(dest, extra)
  local ok = sh(("cd %s && env -u LD_PRELOAD make -s install BUILD=%s DESTDIR=%s "
    .. "LUA_LIBDIR=%s LUA_SHAREDIR=%s BINDIR=%s %s >%s/make.out 2>&1")
    :format(support.top, BUILD, dest, LIB, SHARE, BIN, extra or "", dest))
  assert(ok, "make install failed: " .. (support.read(dest .. "/make.out") or ""))
end

-- The files of the checkout that make install copies: "gwkit/x.lua", ...
local function lua_files()
  local out = {}
  for f in capture("cd " .. support.top .. "/lua && find gwkit -name '*.lua' | sort"):gmatch("[^\n]+") do
    out[#out + 1] = f
  end
  return out
end

describe("make install", function()
  local dest

  setup(function()
    dest = support.tmpdir("install")
    install(dest)
  end)

  it("installs core.so, every Lua file and every script", function()
    local files = lua_files()
    assert.is_true(#files > 40)
    for _, f in ipairs(files) do
      assert.equal(support.read(support.top .. "/lua/" .. f), support.read(dest .. SHARE .. "/" .. f), f)
    end
    assert.truthy(support.read(dest .. LIB .. "/gwkit/core.so"))
    for _, s in ipairs({ "gwmail", "gwhttp", "syslog-alert", "auth-audit", "gwkitd", "pd-monitor",
                         "hgw-dump" }) do
      assert.is_true(sh(("test -x %s%s/%s"):format(dest, BIN, s)), s)
    end
  end)

  it("gives a tree the modules load from, without the checkout", function()
    local code = ("package.path = '%s%s/?.lua'; package.cpath = '%s%s/?.so'; "
      .. "for _, m in ipairs({'gwkit.smtp', 'gwkit.http', 'gwkit.hgw', 'gwkit.pd', 'gwkit.outbox', "
      .. "'gwkit.logwatch', 'gwkit.mime'}) do require(m) end; "
      .. "io.write(require('gwkit.core').version)"):format(dest, SHARE, dest, LIB)
    assert.equal("0.1.0", capture(("cd / && %s -e \"%s\""):format(LUA, code)))
  end)

  it("installs stripped bytecode that lua5.1 loads with LUAC=luac5.1", function()
    if not sh("command -v luac5.1 >/dev/null && command -v lua5.1 >/dev/null") then
      pending("luac5.1 is not installed")
      return
    end
    local bc = support.tmpdir("install-bc")
    install(bc, "LUAC=luac5.1")
    local files = lua_files()
    for _, f in ipairs(files) do
      local b = support.read(bc .. SHARE .. "/" .. f)
      assert.equal("\27Lua", b:sub(1, 4), f)
    end
    -- The host's lua5.1 (bytecode is the host's: word size, byte order).
    support.write(bc .. "/list", table.concat(files, "\n") .. "\n")
    local out = capture(("cd / && env -u LD_PRELOAD lua5.1 -e \"for f in io.lines('%s/list') do "
      .. "assert(loadfile('%s%s/' .. f)) end io.write('loaded')\"")
      :format(bc, bc, SHARE))
    assert.equal("loaded", out)
  end)
end)
