-- gwkit.pd: the Prefix-Delegation monitor (the RebindAllISC job). Behind a
-- home gateway that hands out the /60s of its /56 first come, first
-- served, each downstream router must hold the /60 of the design. A run
-- learns the /56 from the gateway, reads every client's prefix (and the
-- gateway's lease table when the model shows it), and on drift releases
-- the clients in reverse order and rebinds them one at a time in the
-- designed order, each waiting for its designed prefix before the next.
--
--   local pd = require "gwkit.pd"
--   local cfg = assert(pd.load_config("/etc/gwkit/pd.conf"))
--   local mon = pd.new(cfg)
--   local report, exit = mon:run{ dry_run = false, after_replace = false,
--                                 print = function(line) print(line) end }
--
-- Exit codes (pd.EXIT): 0 as designed, 1 repaired, 2 could not repair,
-- 3 cannot reach or log in to the gateway (64 usage, 78 config: the script).
-- The pure planning is gwkit.pd.plan; gateway, readers, state, report and exec
-- are the other files of gwkit/pd/.
local ipv6 = require "gwkit.ipv6"
local plan = require "gwkit.pd.plan"
local readers = require "gwkit.pd.readers"
local state = require "gwkit.pd.state"
local report = require "gwkit.pd.report"
local exec = require "gwkit.pd.exec"
local config = require "gwkit.pd.config"
local gateway = require "gwkit.pd.gateway"

local M = {}

M.EXIT = { ok = 0, repaired = 1, failed = 2, gateway = 3, usage = 64, config = 78 }
M.load_config = config.load
M.check_config = config.check

local Mon = {}
Mon.__index = Mon

-- cfg: a checked config (pd.load_config / pd.check_config). deps (tests):
-- hgw (the module), exec, now (wall clock).
function M.new(cfg, deps)
  deps = deps or {}
  local self = setmetatable({ cfg = cfg, hgw = deps.hgw, exec = deps.exec or exec,
                              wall = deps.now or os.time, readers = {} }, Mon)
  for _, c in ipairs(cfg.clients) do
    self.readers[c.name] = readers.new(c.read, { now = self.wall })
  end
  self.order = {}
  for i, c in ipairs(cfg.clients) do self.order[i] = c end
  table.sort(self.order, function(a, b) return a.index < b.index end)
  return self
end

-- "00:03:00:01:<mac>" or "00:01:00:01:<time>:<mac>" -> the MAC in it.
local function duid_mac(duid)
  local d = readers.duid(duid)
  if not d then return nil end
  local kind = d:sub(1, 5)
  if (kind == "00:01" and #d == 14 * 3 - 1) or (kind == "00:03" and #d == 10 * 3 - 1) then
    return d:sub(-17)
  end
end

-- Which lease of the gateway's table is this client's: by DUID, or by the
-- MAC inside a DUID-LL/LLT.
local function lease_for(leases, c, duid)
  local want = readers.duid(c.duid or duid)
  local mac = c.mac and ipv6.mac(c.mac)
  local found
  for _, l in ipairs(leases) do
    local d = readers.duid(l.duid)
    if d and ((want and d == want) or (mac and duid_mac(d) == mac)) then found = l end
  end
  return found
end

-- Reads every client (and the lease table when there is one): the actual
-- map for plan.classify, and the leases nobody of the design holds.
function Mon:read_all(p56, leases, marks)
  local actual, mine = {}, {}
  for _, c in ipairs(self.order) do
    local a = {}
    local v, err, duid = self.readers[c.name]:read(marks and marks[c.name])
    if v == nil then a.error = err elseif v == false then a.prefix = false else a.prefix = v end
    if leases and (c.duid or c.mac or duid) then
      local l = lease_for(leases, c, duid)
      a.gateway = l and readers.widen(l.prefix) or false
      if l then mine[l] = true end
    end
    if a.prefix and not ipv6.contains(p56, a.prefix) then a.outside = true end
    actual[c.name] = a
  end
  local foreign = {}
  for _, l in ipairs(leases or {}) do
    if not mine[l] then foreign[#foreign + 1] = l end
  end
  return actual, foreign
end

function Mon:designed(p56)
  local d = {}
  for _, c in ipairs(self.order) do d[c.name] = tostring(ipv6.subprefix(p56, 60, c.index)) end
  return d
end

-- Waits until the client holds `want` (any prefix when want is true) or
-- the deadline passes. Returns what it holds (prefix, false or nil, err)
-- and the seconds it took.
function Mon:wait_for(c, want, mark, deadline, t0)
  local x = self.exec
  local v, err
  for _ = 1, 100000 do
    v, err = self.readers[c.name]:read(mark)
    if v == want or (want == true and v) then break end
    local left = deadline - x.now()
    if left <= 0 then break end
    x.sleep(math.min(c.poll or 1, left))
  end
  return v, err, x.now() - t0
end

local function holds(v, err)
  if v then return "holds " .. v end
  if v == false then return "holds no prefix" end
  return tostring(err)
end

-- Runs the repair steps of p. Returns the names that did not come back,
-- and the marks taken before the releases.
-- After one failed, the later clients cannot get their designed /60 (the
-- gateway hands out the lowest free one): they are rebound all the same,
-- so that they are not left without a prefix, and waited for until they
-- hold any prefix.
function Mon:repair(p, r)
  local x, failed, marks = self.exec, {}, {}
  for _, name in ipairs(p.affected) do marks[name] = self.readers[name]:mark() end
  for _, s in ipairs(p.steps) do
    local c = self:client(s.name)
    local cmd = s.op == "release" and c.release or c.rebind
    if s.op == "release" then
      local res, err = x.run(cmd, c.release_timeout)
      r:say("release %-10s %s: %s", c.name, exec.describe(cmd),
            res and exec.outcome(res, c.release_timeout) or tostring(err))
    else
      local t0 = x.now()
      local deadline = t0 + c.rebind_timeout
      local res, err = x.run(cmd, c.rebind_timeout)
      local how = res and exec.outcome(res, c.rebind_timeout) or tostring(err)
      local want = #failed > 0 and true or s.expect
      local v, rerr, took = self:wait_for(c, want, marks[c.name], deadline, t0)
      if v == s.expect then
        r:say("rebind  %-10s %s: %s; holds %s after %.0f s", c.name, exec.describe(cmd), how, v, took)
      elseif #failed > 0 then
        r:say("rebind  %-10s %s: %s; %s (not its designed %s: %s did not come back)", c.name,
              exec.describe(cmd), how, holds(v, rerr), s.expect, table.concat(failed, ", "))
      else
        failed[#failed + 1] = c.name
        r:say("rebind  %-10s %s: %s; did NOT get %s within %s s (%s)", c.name,
              exec.describe(cmd), how, s.expect, c.rebind_timeout, holds(v, rerr))
      end
    end
  end
  return failed, marks
end

-- The plan's steps as text, with the exact commands (for --dry-run).
function Mon:show_plan(p, r)
  for i, s in ipairs(p.steps) do
    local c = self:client(s.name)
    r:say("  %d. %-7s %-10s %s%s", i, s.op, s.name,
          exec.describe(s.op == "release" and c.release or c.rebind),
          s.expect and ("   (then wait up to %s s for %s)"):format(c.rebind_timeout, s.expect) or "")
  end
end

-- Repairs, then reads the whole table again. Sets r.exit: 1 when every
-- client holds its designed prefix, else 2 (r.failed: who).
function Mon:repair_and_verify(gw, p, p56, designed, r)
  -- What a released client showed before the release does not count now.
  local failed, marks = self:repair(p, r)
  local rows = plan.classify(self.order, designed, self:read_all(p56, gateway.leases(gw, r), marks))
  r:say("")
  r:say("after the repair:")
  r:say(plan.format(rows))
  local bad = {}
  for _, row in ipairs(rows) do
    if row.state ~= "ok" then bad[#bad + 1] = row.name end
  end
  if #bad == 0 then
    r.exit = 1
    r:say("repaired")
  else
    r.exit, r.failed = 2, #failed > 0 and failed or bad
    r.exit_why = "could not repair: " .. table.concat(r.failed, ", ")
    r:say("could not repair: %s", table.concat(r.failed, ", "))
  end
  return rows
end

-- The run once logged in: read, plan, act. Returns the final rows.
function Mon:check(gw, p56, r, o)
  local designed = self:designed(p56)
  local leases = gateway.leases(gw, r)
  local actual, foreign = self:read_all(p56, leases)
  local rows = plan.classify(self.order, designed, actual)
  local force = o.after_replace and not leases
  local p = plan.make(rows, { force = force })
  r.before, r.plan = rows, p
  r:say("")
  r:say(plan.format(rows))
  for _, l in ipairs(foreign) do
    r:say("gateway also leases %s to %s (not a client of the design)", tostring(l.prefix),
          tostring(l.duid or "?"))
  end
  if force then r:say("the gateway's lease table cannot be read: rebinding every client") end
  if not p.repair then
    if #p.unknown > 0 then
      r:say("could not read: %s", table.concat(p.unknown, ", "))
      r.exit, r.failed = 2, p.unknown
      r.exit_why = "unreadable: " .. table.concat(p.unknown, ", ")
    else
      r:say("as designed")
      r.exit = 0
    end
    return rows
  end
  local released = {}
  for _, step in ipairs(p.steps) do
    if step.op == "release" then released[#released + 1] = step.name end
  end
  r:say("plan: keep %s; release %s; then rebind one at a time: %s",
        #p.keep > 0 and table.concat(p.keep, ", ") or "none",
        table.concat(released, ", "), table.concat(p.affected, ", "))
  if o.dry_run then
    self:show_plan(p, r)
    r:say("dry run: nothing was run")
    r.exit = 1
    return rows
  end
  return self:repair_and_verify(gw, p, p56, designed, r)
end

-- One run. Returns the report (lines, rows, before, plan, exit, failed,
-- mac_changed, login, ...) and the exit code.
function Mon:run(o)
  o = o or {}
  local r = report.new(o.print)
  local st, old_text = state.load(self.cfg.state_file)
  if o.after_replace then r:say("after a gateway replacement: rediscovering the gateway") end
  local gw, _, p56 = gateway.connect(self.hgw or require("gwkit.hgw"), self.cfg, r, st, o)
  if gw then r.rows = self:check(gw, p56, r, o) end
  if r.gw and r.gw.close then r.gw:close() end
  r.gw = nil
  if not o.dry_run and r.exit ~= 78 then self:finish(r, st, old_text, p56, r.rows, o) end
  return r, r.exit
end

function Mon:client(name)
  for _, c in ipairs(self.order) do
    if c.name == name then return c end
  end
end

-- Remembers what was learnt, and mails the report when it should.
function Mon:finish(r, st, old_text, p56, rows, o)
  local cfg = self.cfg
  if r.login and r.gateway then           -- only a gateway we logged in to
    st.gateway.mac = r.gateway.mac and ipv6.mac(r.gateway.mac) or st.gateway.mac
    st.gateway.address = r.gateway.address and tostring(r.gateway.address)
    local d = report.derived(st.gateway.mac, p56 and tostring(p56))
    st.gateway.link_local, st.gateway.eui64 = d.link_local, d.eui64
  end
  if p56 then st.prefix = tostring(p56) end
  for _, row in ipairs(rows or {}) do
    if row.actual then st.clients[row.name] = row.actual end
  end
  local problem = report.problem(r.exit, r.failed)
  local now = self.wall()
  if report.should_mail(cfg, st, r.exit, problem, now, o.after_replace) then
    local subject = report.subject(cfg, r.exit, r.exit_why and r.exit ~= 1 and
                                   (r.failed and table.concat(r.failed, ", ") or r.exit_why))
    local line, sent = report.send(cfg, subject, r:text())
    r:say(line)
    r.mailed = sent
    if sent then st.mailed, st.problem = now, problem end   -- else: tried again next run
  else
    st.problem = problem
  end
  local ok, err = state.save(cfg.state_file, st, old_text)
  if ok == nil then r:say(err) end
end

return M
