-- gwkit.pd.exec: how the PD monitor runs a client's command (read,
-- release, rebind) and keeps time. Every command has a deadline. A command
-- is a string (run by /bin/sh, as the admin wrote it in the config) or an
-- argv list (run without a shell: no quoting, no injection).
--
--   local exec = require "gwkit.pd.exec"
--   local r = exec.run({"dhclient", "-6", "-P", "-r", "eth1"}, 30)
--   -- r = { status = 0, signal = nil, output = "...", errors = "...", timed_out = false }
--   exec.describe(cmd)   -- the command as one line, for plans and reports
--
-- It uses core.run (fork/exec in C, with a deadline; the whole process
-- group is killed when it passes).
local core = require "gwkit.core"

local M = {}

local function shquote(s)
  if s:match("^[%w@%%+=:,./_-]+$") then return s end
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

-- The command as one line of text.
function M.describe(cmd)
  if type(cmd) == "string" then return cmd end
  local parts = {}
  for i, a in ipairs(cmd) do parts[i] = shquote(a) end
  return table.concat(parts, " ")
end

-- Runs cmd with a deadline of `timeout` seconds. Returns the result table
-- (status, signal, output, errors, timed_out) or nil, err.
function M.run(cmd, timeout)
  timeout = math.max(timeout or 10, 0.1)
  local r, err = core.run(cmd, { timeout = timeout })
  if not r then return nil, err end
  return r
end

-- A short account of a finished command: "exit 0", "timed out after 5 s".
function M.outcome(r, timeout)
  if not r then return "did not run" end
  if r.timed_out then return ("timed out after %s s"):format(timeout) end
  if r.signal then return "killed by signal " .. tostring(r.signal) end
  return "exit " .. tostring(r.status)
end

-- Seconds on a clock that does not jump.
M.now = core.monotime

function M.sleep(s)
  if s > 0 then return core.sleep(s) end
end

return M
