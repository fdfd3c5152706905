-- Built-in rule postfix_sasl_new_address: a Postfix SASL login
-- (`client=NAME[ADDR], sasl_method=M, sasl_username=U`) from a client
-- address never seen before for that user -- the first sign of stolen
-- SMTP AUTH credentials. The addresses known per user are kept in the
-- rules' state file (bounded: the least recently seen go first). IPv6
-- clients are compared by their /64 (privacy addresses change inside it).
--
--   { builtin = "postfix_sasl_new_address", learn_new_users = false }
--
-- Parameters: learn_new_users (true: the first address of a user never
-- seen at all is learned silently; default false: it is an alert too),
-- ipv6_prefix (bits compared, default 64; 128: whole addresses),
-- max_known (user and address pairs kept, default 5000). Defaults: one
-- alert per new address (batch 0), rate limit 30 per hour, severity
-- "warning".
local ipv6 = require "gwkit.ipv6"
local logtext = require "gwkit.logtext"

local M = {}

M.description = "a Postfix SASL login from an address never seen for that user"

local function int_range(lo, hi)
  return function(v)
    if type(v) == "number" and v % 1 == 0 and v >= lo and v <= hi then return true end
    return false, ("an integer %d..%d expected"):format(lo, hi)
  end
end

M.params = { learn_new_users = "boolean", ipv6_prefix = int_range(1, 128),
             max_known = int_range(8, 1000000) }
M.defaults = { threshold = { count = 1, window = 60 }, batch = 0,
               rate_limit = { count = 30, per = 3600 }, severity = "warning" }

-- {user =, addr =, client = name, method =} of a Postfix SASL login line, or nil.
function M.login(entry)
  local p = entry.parsed
  if type(p) ~= "table" or not (p.app or ""):find("smtpd$") then return nil end
  local msg = p.msg or ""
  local user = msg:match("sasl_username=([^,]*)")
  if not user or user == "" then return nil end
  local client = msg:match("client=([^,]*)") or ""
  local name, addr = client:match("^([^%[]*)%[([^%]]*)%]")
  return { user = user, addr = addr or client, client = name,
           method = msg:match("sasl_method=([^,]*)") }
end

-- The address as compared: IPv6 by its leading `bits`, IPv4 whole.
local function network(addr, bits)
  if addr:find(":", 1, true) and bits < 128 then
    local p = ipv6.prefix(addr:gsub("%%.*$", "") .. "/" .. bits)
    if p then return tostring(p) end
  end
  return addr
end

local function format(a)
  local f = a.fields
  local subject = ("new login address for %s: %s (%s)"):format(f.user, f.addr, f.method or "?")
  local t = { subject, "",
    "User: " .. f.user,
    "Client: " .. f.addr .. (f.client and f.client ~= "" and (" (" .. f.client .. ")") or ""),
    "Method: " .. (f.method or "?"),
    "When: " .. logtext.format_time(a.first) }
  if #f.known > 0 then
    t[#t + 1] = "Addresses seen before for this user: " .. table.concat(f.known, ", ") ..
      (f.known_more > 0 and (" and %d more"):format(f.known_more) or "")
  else
    t[#t + 1] = "No address was known for this user before."
  end
  return subject, logtext.rule_text(t, a, "Log lines:")
end

function M.new(params)
  local bits = params.ipv6_prefix or 64
  local learn = params.learn_new_users
  return {
    max_keys = params.max_known or 5000,
    match = function(entry, _, ctx)
      local l = M.login(entry)
      if not l then return nil end
      local net = network(l.addr, bits)
      local key = "a\t" .. l.user .. "\t" .. net
      if ctx.persist:get(key) then ctx.persist:touch(key); return nil end
      local ukey = "u\t" .. l.user
      local user_known = ctx.persist:get(ukey) ~= nil
      -- The addresses known so far, for the alert (at most 10 named).
      local known, more = {}, 0
      if user_known then
        local prefix = "a\t" .. l.user .. "\t"
        for k in ctx.persist:pairs() do
          if k:sub(1, #prefix) == prefix then
            if #known < 10 then known[#known + 1] = k:sub(#prefix + 1) else more = more + 1 end
          end
        end
        table.sort(known)
      end
      ctx.persist:set(key, "1")
      ctx.persist:set(ukey, "1")
      if not user_known and learn then return nil end
      return { user = l.user, addr = l.addr, network = net, client = l.client,
               method = l.method, known = known, known_more = more,
               group = l.user .. " " .. net }
    end,
    format = format,
  }
end

return M
