-- gwkit.log: log lines to stderr and/or syslog for scripts and gwkitd.
local log = require "gwkit.log"
local core = require "gwkit.core"

local function capture(opts)
  local lines = {}
  opts = opts or {}
  opts.write = function(s) lines[#lines + 1] = s end
  return log.new(opts), lines
end

describe("gwkit.log", function()
  it("writes 'ident: level: message' lines, formatting only with arguments", function()
    local L, lines = capture{ ident = "gwkitd", timestamps = false }
    L:info("started")
    L:warning("spool holds %d messages", 3)
    L("err", "100% sure: %s is not formatted")
    assert.same({ "gwkitd: info: started\n", "gwkitd: warning: spool holds 3 messages\n",
                  "gwkitd: err: 100% sure: %s is not formatted\n" }, lines)
  end)

  it("stamps lines with the time and pid unless told not to", function()
    local L, lines = capture{ ident = "pd-monitor", timestamps = true }
    L:notice("x")
    assert.matches("^%d%d%d%d%-%d%d%-%d%d %d%d:%d%d:%d%d pd%-monitor%[" .. core.getpid() .. "%]: notice: x\n$",
      lines[1])
  end)

  it("drops lines below the level and knows the aliases", function()
    local L, lines = capture{ level = "warning", timestamps = false, ident = "t" }
    L:debug("no"); L:info("no"); L:notice("no")
    L:warn("yes"); L:error("yes too")
    assert.same({ "t: warning: yes\n", "t: err: yes too\n" }, lines)
    assert.equal("warning", log.level("warn"))
    assert.is_nil(log.level("loud"))
  end)

  it("indents the lines of a traceback on stderr and joins them for syslog", function()
    local saved = core.syslog
    local got = {}
    core.syslog = function(...) got[#got + 1] = { ... } end
    local ok, err = pcall(function()
      local L, lines = capture{ ident = "t", timestamps = false, syslog = true, facility = "local3" }
      L:err("job failed: boom\nstack traceback:\n\tx.lua:1")
      assert.same({ "t: err: job failed: boom\n\tstack traceback:\n\t\tx.lua:1\n" }, lines)
    end)
    core.syslog = saved
    assert(ok, err)
    assert.same({ { "err", "job failed: boom | stack traceback: | x.lua:1", "t", "local3" } }, got)
  end)

  it("gives plain functions for APIs that take one", function()
    local L, lines = capture{ ident = "t", timestamps = false }
    local f = L:fn()
    f("info", "via fn %s")
    assert.same({ "t: info: via fn %s\n" }, lines)
  end)

  it("refuses unknown options and levels", function()
    assert.has_error(function() log.new{ colour = true } end, "log.new: unknown option 'colour'")
    assert.has_error(function() log.new{ level = "loud" } end, "log.new: unknown level 'loud'")
    assert.has_error(function() log.new{ stderr = "yes" } end, "log.new: option 'stderr' must be a boolean")
  end)
end)
