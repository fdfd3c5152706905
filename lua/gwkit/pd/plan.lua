-- gwkit.pd.plan: the pure part of the PD monitor. From the design (which
-- client must hold which /60) and what was read (each client's own view,
-- and the gateway's lease table when the model shows one) it decides the
-- state of every client and the steps of a repair. No I/O, no processes:
-- the inputs are canonical prefix texts, the output plain tables.
--
--   local plan = require "gwkit.pd.plan"
--   local rows = plan.classify(clients, designed, actual)
--   local p = plan.make(rows)           -- p.repair, p.keep, p.steps
--
-- clients   ordered list (the designed order) of { name = ... }
-- designed  name -> "2001:db8:1234:5610::/60"
-- actual    name -> { prefix = text | false (holds none), error = text,
--                     gateway = text | false (no lease) | nil (not known),
--                     outside = true when the prefix is not in the /56 }
--
-- States: "ok" (the client and, when known, the gateway agree on the
-- designed prefix), "drift" (another prefix), "missing" (no prefix, or the
-- gateway has no lease for it), "unknown" (unreadable, and the gateway's
-- lease table does not tell).
--
-- A repair keeps the clients at the head of the designed order that are
-- ok (the gateway hands out the lowest free /60 first, so they are not in
-- the way), releases every other client in REVERSE designed order, then
-- rebinds them one at a time in designed order.
local M = {}

-- The state of one client and why.
local function state_of(want, a)
  local notes = {}
  local have = a.prefix
  if have == nil then                        -- the client could not be read
    if a.gateway then
      have = a.gateway
      notes[#notes + 1] = "read from the gateway's lease table (" .. tostring(a.error) .. ")"
    elseif a.gateway == false then
      return "missing", nil, { "the gateway has no lease for it; the client: " .. tostring(a.error) }
    else
      return "unknown", nil, { tostring(a.error or "could not be read") }
    end
  elseif have == false then
    if a.gateway then
      notes[#notes + 1] = "the gateway still lists " .. a.gateway .. " for it"
    end
    return "missing", nil, notes
  elseif a.gateway == false then
    return "missing", have, { "the gateway has no lease for it; the client still shows " .. have }
  elseif a.gateway and a.gateway ~= have then
    notes[#notes + 1] = "the gateway's lease table says " .. a.gateway
    return "drift", have, notes
  end
  if a.outside then notes[#notes + 1] = "not inside the gateway's prefix" end
  if have == want then return "ok", have, notes end
  return "drift", have, notes
end

-- rows[i] = { name, designed, actual, state, note } in designed order.
function M.classify(clients, designed, actual)
  local rows, holders = {}, {}
  for i, c in ipairs(clients) do
    local want = designed[c.name]
    local st, have, notes = state_of(want, actual[c.name] or { error = "not read" })
    rows[i] = { name = c.name, index = c.index, designed = want, actual = have,
                state = st, notes = notes }
    if have then
      holders[have] = holders[have] or {}
      table.insert(holders[have], c.name)
    end
  end
  for _, r in ipairs(rows) do
    local others = {}
    for _, n in ipairs(r.actual and holders[r.actual] or {}) do
      if n ~= r.name then others[#others + 1] = n end
    end
    if #others > 0 then
      table.insert(r.notes, "the same prefix as " .. table.concat(others, ", "))
    end
    r.note = table.concat(r.notes, "; ")
  end
  return rows
end

-- The steps of a repair. opts.force: repair every client even when all
-- look as designed (after a gateway replacement whose lease table cannot
-- be seen). Returns { repair = bool, keep = {names}, affected = {names},
-- steps = { {op = "release"|"rebind", name =, expect = prefix} },
-- unknown = {names}, counts = {ok =, drift =, missing =, unknown =} }.
function M.make(rows, opts)
  opts = opts or {}
  local p = { repair = false, keep = {}, affected = {}, steps = {}, unknown = {},
              counts = { ok = 0, drift = 0, missing = 0, unknown = 0 } }
  for _, r in ipairs(rows) do
    p.counts[r.state] = p.counts[r.state] + 1
    if r.state == "unknown" then p.unknown[#p.unknown + 1] = r.name end
  end
  p.repair = opts.force == true or p.counts.drift + p.counts.missing > 0
  if not p.repair then return p end
  local first = #rows + 1
  for i, r in ipairs(rows) do
    if r.state ~= "ok" or opts.force then first = i; break end
  end
  for i, r in ipairs(rows) do
    if i < first then p.keep[#p.keep + 1] = r.name else p.affected[#p.affected + 1] = r end
  end
  for i = #p.affected, 1, -1 do
    p.steps[#p.steps + 1] = { op = "release", name = p.affected[i].name }
  end
  for _, r in ipairs(p.affected) do
    p.steps[#p.steps + 1] = { op = "rebind", name = r.name, expect = r.designed }
  end
  for i, r in ipairs(p.affected) do p.affected[i] = r.name end
  return p
end

-- Whether every row is as designed.
function M.all_ok(rows)
  for _, r in ipairs(rows) do
    if r.state ~= "ok" then return false end
  end
  return true
end

-- The table as text: client, designed, actual, state (and notes).
function M.format(rows)
  local head = { "client", "designed", "actual", "state" }
  local lines = { head }
  for _, r in ipairs(rows) do
    lines[#lines + 1] = { r.name, r.designed or "?", r.actual or "-", r.state,
                          r.note ~= "" and r.note or nil }
  end
  local w = { 0, 0, 0, 0 }
  for _, l in ipairs(lines) do
    for i = 1, 4 do w[i] = math.max(w[i], #l[i]) end
  end
  local out = {}
  for _, l in ipairs(lines) do
    local s = ("%-" .. w[1] .. "s  %-" .. w[2] .. "s  %-" .. w[3] .. "s  %s")
              :format(l[1], l[2], l[3], l[4])
    if l[5] then s = s .. "  (" .. l[5] .. ")" end
    out[#out + 1] = s
  end
  return table.concat(out, "\n") .. "\n"
end

return M
