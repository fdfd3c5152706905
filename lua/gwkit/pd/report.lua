-- gwkit.pd.report: the PD monitor's report: the lines of a run, the
-- subject, whether to mail it (a repair always; a problem when it is new
-- or was last mailed long ago; the all-clear after a problem), and the
-- mailing itself, through gwkit.outbox (durable, retried) or gwkit.smtp.
local ipv6 = require "gwkit.ipv6"

local M = {}

M.STATUS = { [0] = "as designed", [1] = "repaired", [2] = "could not repair",
             [3] = "cannot reach or log in to the gateway", [78] = "configuration error" }
M.REPEAT_AFTER = 24 * 3600

local Report = {}
Report.__index = Report

-- print: called with every line as it is added (the script prints them).
function M.new(print)
  return setmetatable({ lines = {}, print = print, failed = {}, actions = {} }, Report)
end

function Report:say(fmt, ...)
  local line = select("#", ...) > 0 and fmt:format(...) or fmt
  for l in (line .. "\n"):gmatch("([^\n]*)\n") do
    self.lines[#self.lines + 1] = l
    if self.print then self.print(l) end
  end
end

function Report:text() return table.concat(self.lines, "\n") .. "\n" end

-- The addresses derived from a MAC: link-local, and the EUI-64 address in
-- the gateway's own /64 (the first of the /56) when the prefix is known.
function M.derived(mac, prefix)
  local d = {}
  if not mac then return d end
  local ll = ipv6.link_local(mac)
  d.link_local = ll and tostring(ll) or nil
  local p = prefix and ipv6.prefix(prefix)
  local own = p and p.len <= 64 and ipv6.subprefix(p, 64, 0)
  local g = own and ipv6.eui64(mac, own)
  d.eui64 = g and tostring(g) or nil
  return d
end

-- The lines that say a gateway's MAC changed, and what that invalidated.
function M.mac_change(old, new, prefix)
  local a, b = M.derived(old, prefix), M.derived(new, prefix)
  local out = { ("gateway MAC changed %s -> %s: the EUI-64 addresses derived from it changed")
                :format(old, new) }
  out[#out + 1] = ("  link-local  %s -> %s"):format(a.link_local or "?", b.link_local or "?")
  if a.eui64 or b.eui64 then
    out[#out + 1] = ("  EUI-64      %s -> %s"):format(a.eui64 or "?", b.eui64 or "?")
  end
  out[#out + 1] = "  (filters, routes or scripts that name the old addresses must be updated)"
  return table.concat(out, "\n")
end

-- A short key for "the same problem as last time".
function M.problem(exit, names)
  if exit == 0 or exit == 1 then return nil end
  local t = {}
  for i, n in ipairs(names or {}) do t[i] = n end
  table.sort(t)
  return ("exit %d%s"):format(exit, #t > 0 and (": " .. table.concat(t, ",")) or "")
end

-- Whether to mail: st is the state (problem, mailed), now the wall clock.
function M.should_mail(cfg, st, exit, problem, now, forced)
  local r = cfg.report
  if not r then return false end
  if forced or r.always or exit == 1 then return true end
  if exit == 0 then return st.problem ~= nil end          -- the all-clear
  if problem ~= st.problem then return true end
  return now - (st.mailed or 0) >= (r.repeat_after or M.REPEAT_AFTER)
end

function M.subject(cfg, exit, detail)
  local s = ((cfg.report or {}).subject or "gwkit pd-monitor") .. ": " ..
            (M.STATUS[exit] or ("exit " .. tostring(exit)))
  if detail and detail ~= "" then s = s .. " (" .. detail .. ")" end
  return s
end

-- Mails the report. Returns a line saying what happened, and true when the
-- report was sent or durably queued.
function M.send(cfg, subject, text)
  local r = cfg.report
  if r.outbox then
    local outbox = require "gwkit.outbox"
    local box, err = outbox.open(r.outbox)
    if not box then return "report not queued: " .. tostring(err), false end
    local id
    id, err = box:put{ subject = subject, text = text }
    if not id then return "report not queued: " .. tostring(err), false end
    local f = box:flush()
    if f.sent > 0 then return "report mailed (outbox)", true end
    return "report queued in the outbox " .. r.outbox.dir .. " (not sent yet: it is retried)", true
  end
  local smtp = require "gwkit.smtp"
  local opts = {}
  for k, v in pairs(r.smtp) do opts[k] = v end
  if type(opts.to) == "string" then opts.to = { opts.to } end
  opts.subject, opts.text = subject, text
  local res, err = smtp.send(opts)
  if not res then return "report not mailed: " .. tostring(err), false end
  return "report mailed: " .. tostring(res.reply), true
end

return M
